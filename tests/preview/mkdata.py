#!/usr/bin/env python3
"""mkdata.py DIR - writes the files of the preview tests into DIR with
Debian's own libraries (python3-numpy, python3-h5py, python3-pil), and a
Parquet files through a small writer of its own (Debian 12 has no pyarrow):
a data page per column, PLAIN or dictionary-encoded (RLE_DICTIONARY), with
definition levels for the optional column, uncompressed or in snappy
(literals only), gzip (zlib) or zstd (the zstd program), and the footer in
Thrift's compact protocol; nested columns too (a list and a struct, with
repetition and definition levels). The same bytes on every run."""
import io
import json
import os
import pickle
import struct
import subprocess
import sys
import zlib

import h5py
import numpy as np
from PIL import Image

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def path(name):
    return os.path.join(out, name)


# ---- arrays
np.save(path("weights.npy"), np.arange(12, dtype="<f4").reshape(3, 4) / 4)
np.save(path("labels.npy"), np.array([3, 1, 4, 1, 5, 9, 2, 6, 5, 3], dtype=">i2"))
np.savez(path("pair.npz"), x=np.arange(6, dtype="<i8").reshape(2, 3), y=np.ones(4, dtype="<f8"))

header = {
    "__metadata__": {"format": "pt", "note": "test"},
    "bias": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
    "weight": {"dtype": "F16", "shape": [4, 2], "data_offsets": [16, 32]},
}
h = json.dumps(header, separators=(",", ":")).encode()
h += b" " * (-len(h) % 8)
with open(path("model.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", len(h)) + h + bytes(32))

with h5py.File(path("data.h5"), "w", track_order=False) as f:
    f.attrs["title"] = "test file"
    g = f.create_group("train")
    d = g.create_dataset("images", data=np.zeros((4, 8, 8), dtype="u1"), track_times=False)
    d.attrs["scale"] = 0.5
    g.create_dataset("labels", data=np.arange(4, dtype="<i8"), track_times=False)
    f.create_dataset("names", data=np.array([b"a", b"bc"]), track_times=False)

# datasets written one after the other: each object header lies after the
# data before it, 300 KiB apart, beyond what a preview reads (the head and two
# 256 KiB blocks)
with h5py.File(path("spread.h5"), "w") as f:
    for i in range(6):
        f.create_dataset("part%d" % i, data=np.full(300 * 1024, i, dtype="u1"), track_times=False)

with open(path("state.pkl"), "wb") as f:
    pickle.dump({"epoch": 3, "lr": 0.01}, f, protocol=4)

# ---- images: a diagonal gradient, so the blocks show a shape
img = Image.new("RGB", (64, 32))
for y in range(32):
    for x in range(64):
        v = 255 if x > 2 * y else 0
        img.putpixel((x, y), (v, v, v))
img.save(path("shape.png"))
img.save(path("shape.jpg"), quality=90)
img.save(path("shape.gif"))
img.save(path("shape.bmp"))
img.save(path("shape.tiff"))
img.save(path("shape.webp"), lossless=True)



def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def adam7_png(im):
    """An RGB image as an interlaced PNG (PIL writes none): Adam7's seven passes, unfiltered."""
    w, h = im.size
    px = im.load()
    raw = b""
    for xs, ys, dx, dy in ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)):
        if xs >= w or ys >= h:
            continue
        for y in range(ys, h, dy):
            raw += b"\0" + b"".join(bytes(px[x, y]) for x in range(xs, w, dx))
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 1)) +
            png_chunk(b"IDAT", zlib.compress(raw, 9)) + png_chunk(b"IEND", b""))


with open(path("adam7.png"), "wb") as f:
    f.write(adam7_png(img))
# the shape at 2400 x 1200: its rows sampled as they are decoded
yy, xx = np.mgrid[0:1200, 0:2400]
Image.fromarray(np.where(xx > 2 * yy, 255, 0).astype(np.uint8), "L").save(path("wide.png"))
# 80 million pixels (a small file): more than a preview decodes
Image.new("1", (10000, 8000)).save(path("huge.png"))

# an image larger than a preview's first read (noise compresses little)
rng = np.random.default_rng(7)
Image.fromarray(rng.integers(0, 256, (200, 300, 3), dtype=np.uint8)).save(path("photo.jpg"), quality=95)


def exif_thumbnail(jpeg):
    """An EXIF block (APP1's data) with no tags in IFD0 and JPEG in IFD1 as its thumbnail."""
    ifd1 = 8 + 2 + 4  # after the TIFF header and an empty IFD0
    at = ifd1 + 2 + 2 * 12 + 4
    tiff = b"II*\0" + struct.pack("<I", 8) + struct.pack("<HI", 0, ifd1)
    tiff += struct.pack("<H", 2) + struct.pack("<HHII", 0x0201, 4, 1, at) + struct.pack("<HHII", 0x0202, 4, 1, len(jpeg))
    tiff += struct.pack("<I", 0) + jpeg
    return b"Exif\0\0" + tiff


# over 1 MiB: a camera's photo (noise) whose EXIF thumbnail (the diagonal shape) is shown instead
thumb = img.resize((160, 80))
buf = io.BytesIO()
thumb.save(buf, "JPEG", quality=90)
exif = exif_thumbnail(buf.getvalue())
noise = Image.fromarray(rng.integers(0, 256, (900, 1280, 3), dtype=np.uint8))
noise.save(path("camera.jpg"), quality=95, exif=exif)
# over 1 MiB, progressive, no thumbnail: decoded at reduced size
noise.save(path("scan.jpg"), quality=95, progressive=True)

# ---- texts
with open(path("utf16.txt"), "wb") as f:
    f.write("caf\u00e9 au lait\nna\u00efve\n".encode("utf-16"))  # with a BOM
with open(path("semicolon.csv"), "w") as f:
    f.write("name;size;kind\ncat.png;1200;image\ndog.png;800;image\n")
with open(path("pipes.csv"), "w") as f:
    f.write("id|label\n1|cat\n2|dog\n")
with open(path("rows.jsonl"), "w") as f:
    f.write('{"id": 1, "text": "hello"}\n{"id": 2, "label": true}\n{"id": 3, "text": "bye"}\n')
with open(path("big.json"), "w") as f:
    json.dump({"items": [{"id": i, "name": "item %d" % i} for i in range(3000)]}, f)


# ---- Parquet: a writer of Thrift's compact protocol
class T:
    def __init__(self):
        self.b = bytearray()
        self.last = [0]

    def varint(self, v):
        while True:
            if v < 0x80:
                self.b.append(v)
                return
            self.b.append(v & 0x7F | 0x80)
            v >>= 7

    def zz(self, v):
        self.varint((v << 1) ^ (v >> 63))

    def field(self, fid, ftype):
        d = fid - self.last[-1]
        if 0 < d <= 15:
            self.b.append(d << 4 | ftype)
        else:
            self.b.append(ftype)
            self.zz(fid)
        self.last[-1] = fid

    def i32(self, fid, v):
        self.field(fid, 5)
        self.zz(v)

    def i64(self, fid, v):
        self.field(fid, 6)
        self.zz(v)

    def binary(self, fid, s):
        self.field(fid, 8)
        self.varint(len(s))
        self.b += s

    def begin(self, fid=None):
        if fid is not None:
            self.field(fid, 12)
        self.last.append(0)

    def end(self):
        self.b.append(0)
        self.last.pop()

    def list(self, fid, n, etype=12):
        self.field(fid, 9)
        self.b.append((n << 4 | etype) if n < 15 else (0xF0 | etype))
        if n >= 15:
            self.varint(n)


def snappy(raw):
    """Snappy's format with literals only: valid, if not small."""
    out = T()
    out.varint(len(raw))
    for i in range(0, len(raw), 60):
        lit = raw[i:i + 60]
        out.b.append((len(lit) - 1) << 2)
        out.b += lit
    return bytes(out.b)


def compress(codec, raw):
    if codec == 0:
        return raw
    if codec == 1:
        return snappy(raw)
    if codec == 2:
        c = zlib.compressobj(9, zlib.DEFLATED, 31)
        return c.compress(raw) + c.flush()
    return subprocess.run(["zstd", "-q", "-c"], input=raw, stdout=subprocess.PIPE, check=True).stdout


def rle_runs(values, width):
    """The RLE/bit-packed hybrid as one RLE run a value."""
    out = T()
    for v in values:
        out.varint(1 << 1)
        out.b += v.to_bytes((width + 7) // 8, "little")
    return bytes(out.b)


def page(ptype, raw, codec, nvalues, encoding):
    body = compress(codec, raw)
    ph = T()
    ph.begin()
    ph.i32(1, ptype)
    ph.i32(2, len(raw))
    ph.i32(3, len(body))
    ph.begin(7 if ptype == 2 else 5)
    ph.i32(1, nvalues)
    ph.i32(2, encoding)
    if ptype == 0:
        ph.i32(3, 3)
        ph.i32(4, 3)
    ph.end()
    ph.end()
    return bytes(ph.b) + body


def plain(ptype, v):
    if ptype == 2:
        return struct.pack("<q", v)
    if ptype == 5:
        return struct.pack("<d", v)
    return struct.pack("<I", len(v)) + v


def parquet(name, codec, dictionary, created=b"vds test suite"):
    """Columns id (INT64), name (UTF8, optional, one null), score (DOUBLE)."""
    rows = 3
    cols = [
        ("id", 2, 0, None, [1, 2, 3]),
        ("name", 6, 1, 0, [b"cat", None, b"emu"]),
        ("score", 5, 0, None, [0.5, 1.25, 0.5]),
    ]
    body = bytearray(b"PAR1")
    chunks = []
    for cname, ptype, rep, conv, vals in cols:
        start = len(body)
        dict_off = 0
        present = [v for v in vals if v is not None]
        levels = b""
        if rep == 1:
            lv = rle_runs([0 if v is None else 1 for v in vals], 1)
            levels = struct.pack("<I", len(lv)) + lv
        if dictionary:
            uniq = []
            for v in present:
                if v not in uniq:
                    uniq.append(v)
            dict_off = len(body)
            body += page(2, b"".join(plain(ptype, v) for v in uniq), codec, len(uniq), 0)
            data_off = len(body)
            raw = levels + bytes([2]) + rle_runs([uniq.index(v) for v in present], 2)
            body += page(0, raw, codec, len(vals), 8)
        else:
            data_off = len(body)
            body += page(0, levels + b"".join(plain(ptype, v) for v in present), codec, len(vals), 0)
        chunks.append((cname, ptype, data_off, dict_off, len(body) - start))
    m = T()  # FileMetaData
    m.begin()
    m.i32(1, 1)
    m.list(2, 1 + len(cols))
    m.begin()
    m.binary(4, b"schema")
    m.i32(5, len(cols))
    m.end()
    for cname, ptype, rep, conv, vals in cols:
        m.begin()
        m.i32(1, ptype)
        m.i32(3, rep)
        m.binary(4, cname.encode())
        if conv is not None:
            m.i32(6, conv)
        m.end()
    m.i64(3, rows)
    m.list(4, 1)
    m.begin()  # RowGroup
    m.list(1, len(chunks))
    for cname, ptype, data_off, dict_off, size in chunks:
        m.begin()  # ColumnChunk
        m.i64(2, data_off)
        m.begin(3)  # ColumnMetaData
        m.i32(1, ptype)
        m.list(2, 1, 5)
        m.zz(8 if dictionary else 0)
        m.list(3, 1, 8)
        m.varint(len(cname))
        m.b += cname.encode()
        m.i32(4, codec)
        m.i64(5, rows)
        m.i64(6, size)
        m.i64(7, size)
        m.i64(9, data_off)
        if dict_off:
            m.i64(11, dict_off)
        m.end()
        m.end()
    m.i64(2, sum(c[4] for c in chunks))
    m.i64(3, rows)
    m.end()
    m.binary(6, created)
    m.end()
    body += m.b + struct.pack("<I", len(m.b)) + b"PAR1"
    with open(path(name), "wb") as f:
        f.write(body)


def nested_parquet(name, damage=False):
    """Nested columns as pyarrow writes them: id (INT64), tags (a LIST of optional UTF8:
    repetition levels) and point (an optional struct of x, required, and y, optional),
    one snappy data page each, PLAIN. DAMAGE: the tags page's repetition levels claim
    more bytes than the page holds."""
    entries = {  # (repetition level, definition level, value) of each leaf
        ("id",): (0, 0, [(0, 0, 1), (0, 0, 2), (0, 0, 3), (0, 0, 4)]),
        ("tags", "list", "element"): (1, 3, [(0, 3, b"a"), (1, 3, b"b"), (0, 1, None), (0, 0, None),
                                             (0, 3, b"c"), (1, 2, None)]),
        ("point", "x"): (0, 1, [(0, 1, 0.5), (0, 0, None), (0, 1, 2.0), (0, 1, 1.0)]),
        ("point", "y"): (0, 2, [(0, 2, 1.5), (0, 0, None), (0, 1, None), (0, 2, 2.0)]),
    }
    ptypes = {"id": 2, "element": 6, "x": 5, "y": 5}
    body = bytearray(b"PAR1")
    chunks = []
    for cpath, (max_rep, max_def, ents) in entries.items():
        ptype = ptypes[cpath[-1]]
        raw = b""
        if max_rep:
            lv = rle_runs([e[0] for e in ents], max_rep.bit_length())
            raw += struct.pack("<I", len(lv) + (1000 if damage else 0)) + lv
        if max_def:
            lv = rle_runs([e[1] for e in ents], max_def.bit_length())
            raw += struct.pack("<I", len(lv)) + lv
        raw += b"".join(plain(ptype, e[2]) for e in ents if e[1] == max_def)
        data_off = len(body)
        body += page(0, raw, 1, len(ents), 0)
        chunks.append((cpath, ptype, data_off, len(body) - data_off, len(ents)))
    schema = [  # name, type, repetition, children, converted type
        ("schema", None, None, 3, None), ("id", 2, 0, 0, None),
        ("tags", None, 1, 1, 3), ("list", None, 2, 1, None), ("element", 6, 1, 0, 0),
        ("point", None, 1, 2, None), ("x", 5, 0, 0, None), ("y", 5, 1, 0, None),
    ]
    m = T()  # FileMetaData
    m.begin()
    m.i32(1, 1)
    m.list(2, len(schema))
    for sname, ptype, rep, nchild, conv in schema:
        m.begin()
        if ptype is not None:
            m.i32(1, ptype)
        if rep is not None:
            m.i32(3, rep)
        m.binary(4, sname.encode())
        if nchild:
            m.i32(5, nchild)
        if conv is not None:
            m.i32(6, conv)
        m.end()
    m.i64(3, 4)
    m.list(4, 1)
    m.begin()  # RowGroup
    m.list(1, len(chunks))
    for cpath, ptype, data_off, size, nvalues in chunks:
        m.begin()  # ColumnChunk
        m.i64(2, data_off)
        m.begin(3)  # ColumnMetaData
        m.i32(1, ptype)
        m.list(2, 1, 5)
        m.zz(0)
        m.list(3, len(cpath), 8)
        for part in cpath:
            m.varint(len(part))
            m.b += part.encode()
        m.i32(4, 1)
        m.i64(5, nvalues)
        m.i64(6, size)
        m.i64(7, size)
        m.i64(9, data_off)
        m.end()
        m.end()
    m.i64(2, sum(c[3] for c in chunks))
    m.i64(3, 4)
    m.end()
    m.binary(6, b"vds test suite")
    m.end()
    body += m.b + struct.pack("<I", len(m.b)) + b"PAR1"
    with open(path(name), "wb") as f:
        f.write(body)


nested_parquet("nested.parquet")
nested_parquet("badlevels.parquet", damage=True)
parquet("table.parquet", 0, False)
parquet("snappy.parquet", 1, True)
parquet("gzip.parquet", 2, False)
parquet("zstd.parquet", 6, True)
