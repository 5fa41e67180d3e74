#!/usr/bin/env bash
# preview.sh - how many requests, and how long, does a preview of each kind
# take on a large file in an S3 bucket?
#
# Starts a private radosgw (tests/s3/rgw.sh, data in RAM) and commits one
# version holding a file of SIZE MiB of each kind the browser previews (the
# bytes beyond a kind's structure are zeros or repeated text): .npy,
# .safetensors, .parquet (the footer at the end), .h5, .tar and .zip (a
# small member after a large one), .csv.gz, .json, a plain text; JPEGs of
# noise: a 15 MiB one (read whole and decoded at 1/8 of its size: the
# decoding time), an IMAGE MiB one (8000 x 8000 or larger: over 16 MiB,
# its header's facts only), and two of SIZE MiB (the IMAGE one's bytes,
# then zeros): one with an EXIF thumbnail in its first 64 KiB (shown
# instead, from the first read), one without (its header's facts).
#
# 1. For each file, the browser is driven by a key script (VDS_UI_SCRIPT,
#    an in-memory 80x24 screen) down the Files pane to it and full screen,
#    with --debug: the GET requests for the file's content object are
#    counted in its log, and the whole run is timed (median of RUNS), as
#    is a run that opens only a 1-byte file (the cost of starting and
#    listing, subtracted). Each file is alone in a folder, so that moving
#    to it previews nothing else.
#    Target: at most 3 requests for every kind.
# 2. Key latency while the image decodes: "vds browse big:latest" runs in a
#    pseudo-terminal (100x30, TERM=xterm) followed by latency.sh's small
#    terminal emulator (lib.sh's bench_pty_py, as remote.sh). ROUNDS times:
#    in the Files pane, Enter into the folder of big.scaled.jpg (the 15 MiB
#    JPEG decoded at 1/8: the cursor lands on it and its preview loads)
#    and, once that is drawn (or 100 ms without it), Tab and BackTab in
#    turn (each moves the focus, so each redraws), one at a time, at least
#    GAP ms apart, until "jpeg image:" is on the screen; then back to the
#    top folder. For each key: the time from writing it to the first byte
#    of its screen update (a redraw of the preview's "loading... 0.4s" line
#    alone is not the key's) and to the end of that burst (the next 20 ms
#    quiet; the preview arriving then joins it): count, median, p99, max.
#    And the time from Enter to the image's first line on the screen
#    (median and max of the rounds), and the same keys once the preview is
#    shown (idle). Run for VDS_BIN and, if set,
#    VDS_BASE_BIN (e.g. a build of main, or of one before reader threads).
#    Target: keys while the image loads answered as when idle (median
#    under 5 ms, none over 50 ms).
#
# Usage: bench/preview.sh [--size-mb 1024] [--image-mb 50] [--runs 3] [--rounds 5]
#                         [--gap-ms 50] [--keep] [OUTDIR]
#   OUTDIR defaults to ./bench/out; everything is written below OUTDIR/preview.
#   VDS_BIN names the vds binary (default: ../vds next to this script),
#   VDS_BASE_BIN one to compare with in part 2.
#   Needs python3-numpy, python3-h5py, python3-pil, zip, radosgw.
set -euo pipefail

SIZE_MB=1024
IMAGE_MB=50
RUNS=3
ROUNDS=5
GAP_MS=50
KEEP=0
OUT=./bench/out
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
bench_args preview.sh "size-mb:SIZE_MB image-mb:IMAGE_MB runs:RUNS rounds:ROUNDS gap-ms:GAP_MS" "$@"
case $SIZE_MB$IMAGE_MB$RUNS$ROUNDS$GAP_MS in
'' | *[!0-9]*) echo "preview.sh: sizes, counts and gaps are numbers" >&2; exit 2 ;;
esac
VDS=${VDS_BIN:-$here/../vds}
[ -x "$VDS" ] || { echo "preview.sh: no vds binary at $VDS (set VDS_BIN)" >&2; exit 1; }
VDS=$(cd "$(dirname "$VDS")" && pwd)/$(basename "$VDS")
BASE=${VDS_BASE_BIN:-}
[ -z "$BASE" ] || [ -x "$BASE" ] || { echo "preview.sh: no vds binary at $BASE (VDS_BASE_BIN)" >&2; exit 1; }
RGW_SH=$here/../tests/s3/rgw.sh
PY=/usr/bin/python3
sh "$RGW_SH" available || { echo "preview.sh: radosgw is not installed ($RGW_SH install)" >&2; exit 1; }

mkdir -p "$OUT"
W=$(cd "$OUT" && pwd)/preview
rm -rf "$W"
mkdir -p "$W/files" "$W/logs"
export HOME=$W/userhome VDS_HOME=$W/home TZ=UTC LC_ALL=C.UTF-8 TERM=vt100 LINES=24 COLUMNS=80
unset XDG_CONFIG_HOME XDG_DATA_HOME XDG_CACHE_HOME VDS_DATADIR NO_COLOR VDS_GRAPHICS
mkdir -p "$HOME"
RGWDIR=
bench_on_exit() {
	if [ -n "$RGWDIR" ]; then
		sh "$RGW_SH" stop "$RGWDIR" || true
		RGWDIR=
	fi
}
bench_init preview.sh $(((SIZE_MB * 12 + IMAGE_MB + 15) * 1024 * 2))
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# ---- the files ------------------------------------------------------------------
echo "preview.sh: writing the files ($SIZE_MB MiB each, a $IMAGE_MB MiB image) in $W/files" >&2
F=$W/files
"$PY" - "$F" "$SIZE_MB" "$IMAGE_MB" <<'PYEOF'
import json, os, random, struct, subprocess, sys
import h5py, numpy as np
from PIL import Image
out, size, image_mb = sys.argv[1], int(sys.argv[2]) << 20, int(sys.argv[3])
p = lambda n: os.path.join(out, n)
def pad(name, head, total, tail=b""):
    with open(p(name), "wb") as f:
        f.write(head)
        f.truncate(total - len(tail))
        f.seek(0, 2)
        f.write(tail)
n = (size - 128) // 4
np.save(p("big.npy"), np.zeros(1, dtype="<f4"))
hdr = open(p("big.npy"), "rb").read()[:128].replace(b"(1,)", b"(%d,)" % n)[:128]
hdr = hdr[:10] + hdr[10:127].ljust(117, b" ") + b"\n"
pad("big.npy", hdr, 128 + 4 * n)
h = json.dumps({"w": {"dtype": "F32", "shape": [size // 4 - 64], "data_offsets": [0, size - 256]}}).encode()
h += b" " * (-len(h) % 8)
pad("big.safetensors", struct.pack("<Q", len(h)) + h, 8 + len(h) + size - 256)
with h5py.File(p("big.h5"), "w") as f:
    f.create_dataset("x", shape=(size // 8,), dtype="<f8", fillvalue=0)
    f["x"][-1] = 1.0  # allocates the whole dataset
# an image of about IMAGE_MB, and one of 15 MiB: noise compresses little
rng = np.random.default_rng(1)
for name, mb in (("big.jpg", image_mb), ("big.scaled.jpg", 15)):
    side = int((mb * 1.05 * 2**20 / 0.78) ** 0.5)
    Image.fromarray(rng.integers(0, 256, (side, side, 3), dtype=np.uint8)).save(p(name), quality=85)
# the same bytes in a SIZE file: with an EXIF thumbnail (IFD1) after SOI, and without
jpeg = open(p("big.jpg"), "rb").read()
t = __import__("io").BytesIO()
Image.fromarray(rng.integers(0, 256, (120, 160, 3), dtype=np.uint8)).save(t, "JPEG", quality=80)
t = t.getvalue()
at = 8 + 6 + 2 + 2 * 12 + 4
tiff = b"II*\0" + struct.pack("<IHI", 8, 0, 14) + struct.pack("<HHHIIHHII", 2, 0x201, 4, 1, at, 0x202, 4, 1, len(t))
tiff += struct.pack("<I", 0) + t
app1 = b"\xff\xe1" + struct.pack(">H", 2 + 6 + len(tiff)) + b"Exif\0\0" + tiff
pad("big.thumb.jpg", jpeg[:2] + app1 + jpeg[2:], max(size, len(jpeg) + len(app1)))
pad("big.header.jpg", jpeg, max(size, len(jpeg)))
PYEOF
# Parquet: the test suite's small file, its pages first, SIZE of zeros before its footer
"$PY" "$here/../tests/preview/mkdata.py" "$W/small" >/dev/null
"$PY" - "$W/small/snappy.parquet" "$F/big.parquet" "$SIZE_MB" <<'PYEOF'
import struct, sys
b = open(sys.argv[1], "rb").read()
m = struct.unpack("<I", b[-8:-4])[0]
cut = len(b) - 8 - m
with open(sys.argv[2], "wb") as f:
    f.write(b[:cut])
    f.truncate(cut + (int(sys.argv[3]) << 20))
    f.seek(0, 2)
    f.write(b[cut:])
PYEOF
truncate -s "${SIZE_MB}M" "$W/zeros.bin"
echo "after the large member" >"$W/after.txt"
(cd "$W" && tar -cf "$F/big.tar" zeros.bin after.txt && zip -q -0 "$F/big.zip" zeros.bin after.txt)
rm -f "$W/zeros.bin"
awk -v n="$SIZE_MB" 'BEGIN { print "id,name,score"; for (i = 0; i < n * 26000; i++) printf "%d,item %d,%d.5\n", i, i, i % 100 }' |
	head -c "$((SIZE_MB << 20))" | gzip -1 >"$F/big.csv.gz"
awk -v n="$SIZE_MB" 'BEGIN { printf "{\"items\": ["; for (i = 0; i < n * 24000; i++) printf "{\"id\": %d, \"name\": \"item %d\"},", i, i; print "{}]}" }' >"$F/big.json"
awk -v n="$SIZE_MB" 'BEGIN { for (i = 0; i < n * 16000; i++) printf "line %d of a large text file\n", i }' >"$F/big.txt"
printf 'x' >"$F/big.a-baseline.txt"
ls -l "$F" >"$W/files.txt"
# each file alone in a folder named for its kind, so that reaching it previews nothing else
for f in "$F"/*; do
	b=${f##*/} k=${b#big.}
	mkdir "$F/$k.d" && mv "$f" "$F/$k.d/$b"
done
for d in "$F"/*.d; do mv "$d" "${d%.d}"; done

# ---- the server and the version ---------------------------------------------------
RGWDIR=$W/rgw
mem=$(($(du -sm --apparent-size "$F" | cut -f1) * 13 / 10 + 512))
S3_RGW_MEM_MB=$mem sh "$RGW_SH" start "$RGWDIR" >/dev/null
. "$RGWDIR/env"
sp=$("$VDS" storageProviders create s3 --name rgw --bucket "$S3_BUCKET" --endpoint "$S3_ENDPOINT" \
	--prefix bench --accessKey "$S3_ACCESS_KEY" --secretAccessKey "$S3_SECRET_KEY" |
	sed -n 's/^Created storage provider: //p')
"$VDS" datasets create --name big --storageProviderId "$sp" >/dev/null
echo "preview.sh: committing $(du -sh "$F" | cut -f1) to radosgw" >&2
"$VDS" datasets versions create --id big --source-path "$F/" --message big >/dev/null
"$VDS" datasets files list --id big:latest --recursive --json >"$W/list.json"

# ---- previews ------------------------------------------------------------------------
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
run_preview() { # NAME: prints "requests milliseconds" of opening NAME full screen
	local name=$1 key n r t0 t1
	key=$("$PY" -c 'import json,sys; print([f["sha256"] for f in json.load(open(sys.argv[1])) if f["path"].split("/")[-1]==sys.argv[2]][0])' "$W/list.json" "$name")
	# each file is alone in a folder: j steps over folders (no reads), Enter shows the file
	steps=$(ls "$F" | grep -n -x -F "${name#big.}" | cut -d: -f1)
	{ for r in $(seq 2 "$steps"); do echo j; done; printf '<Enter> f\n:dump %s\n' "$W/logs/$name.screen"; } >"$W/script"
	for r in $(seq "$RUNS"); do
		t0=$(date +%s%N)
		VDS_UI_SCRIPT=$W/script "$VDS" --debug browse big:latest >/dev/null 2>"$W/logs/$name.debug" ||
			echo "preview.sh: vds browse failed on $name (see $W/logs/$name.debug)" >&2
		t1=$(date +%s%N)
		echo $(((t1 - t0) / 1000000))
	done | median >"$W/ms"
	n=$(grep -c "GET .*${key:2}" "$W/logs/$name.debug" || true)
	echo "$n $(cat "$W/ms")"
}
read -r _ base_ms < <(run_preview big.a-baseline.txt)
printf '%-16s %9s %9s %11s  %s\n' file MiB requests "ms (-base)" "first line of the preview" | tee "$W/results.txt"
for f in big.npy big.safetensors big.parquet big.h5 big.tar big.zip big.csv.gz big.json big.txt \
	big.scaled.jpg big.jpg big.thumb.jpg big.header.jpg; do
	read -r req ms < <(run_preview "$f")
	size=$(stat -c %s "$F/${f#big.}/$f")
	first=$(sed -n 6p "$W/logs/$f.screen" | cut -c2-50)
	printf '%-16s %9s %9s %11s  %s\n' "$f" "$((size >> 20))" "$req" "$((ms - base_ms))" "$first" | tee -a "$W/results.txt"
done
echo "baseline (a 1-byte file: start, listing and one read): $base_ms ms" | tee -a "$W/results.txt"
# ---- keys while the image decodes ---------------------------------------------------
{
	bench_pty_py
	cat <<'PY'
NAME = "preview.sh"
vds, steps, rounds, gap, klog = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
    int(sys.argv[4]) / 1000, sys.argv[5]
ROWS, COLS = 30, 100
spawn([vds, "browse", "big:latest"], dict(os.environ, TERM="xterm"), ROWS, COLS)
status = lambda: scr.row(ROWS - 2)
wait(on("scaled.jpg"), 60)  # the top folder listed, the cursor in the Files pane
os.write(fd, b"j" * (steps - 1))
wait(lambda: "/scaled.jpg " in status(), 30)

def loading_only(rows):
    """The preview's "loading... 0.4s" line redrawn (every 100 ms), and nothing else."""
    return all("loading\u2026" in scr.row(r) for r in rows)

def tab_backtab(n, loading):
    """N keys, Tab and BackTab in turn, each GAP after the one before (and after its
    update); the times to the end of each update. LOADING: while the image loads,
    up to its arrival."""
    out = []
    for i in range(n):
        if loading and "image" in watched:
            break
        t0 = now()
        out.append(press("\t" if i % 2 == 0 else "\x1b[Z", limit=10.0,
                         other=loading_only if loading else None))
        while now() < t0 + gap:
            chunk(t0 + gap - now())
    if len(out) % 2:  # the focus back on the Files pane
        os.write(fd, b"\x1b[Z")
        while chunk(0.1):
            pass
    return out

keys, kfirst, appear = [], [], []
for r in range(rounds):
    while chunk(0.2):
        pass
    watch("image", on("jpeg image:"))
    del firsts[:]
    t0 = now()
    os.write(fd, b"\r")  # into the folder: the cursor on big.scaled.jpg, its preview loads
    end = t0 + 0.1  # the keys begin once that has been drawn (or 100 ms without it)
    while now() < end and "/big.scaled.jpg " not in status():
        chunk(end - now())
    while chunk(0.02):
        pass
    keys += tab_backtab(int(60 / max(gap, 0.05)), True)  # a minute at most
    kfirst += firsts
    wait(lambda: "image" in watched, 120)
    appear.append(watched["image"] - t0)
    os.write(fd, b"h")  # back to the top folder
    wait(lambda: "/scaled.jpg " in status(), 30)
# idle: the same keys with the image shown
os.write(fd, b"\r")
wait(on("jpeg image:"), 120)
while chunk(0.3):
    pass
del firsts[:]
idle = tab_backtab(max(20, len(keys) // rounds), False)
stop()
with open(klog, "w") as f:
    f.write("n\tfirst_ms\tlast_ms\n")
    for i, (a, b) in enumerate(zip(kfirst, keys)):
        f.write("%d\t%.3f\t%.3f\n" % (i + 1, a * 1000, b * 1000))
ms = lambda v: "%.1f/%.1f/%.1f" % (pct(v, 0.5) * 1000, pct(v, 0.99) * 1000, max(v) * 1000)
if not keys:
    raise SystemExit("preview.sh: the image was shown before any key was sent")
print("%d %s %s %.0f/%.0f %d %s" % (len(keys), ms(kfirst), ms(keys), pct(appear, 0.5) * 1000,
      max(appear) * 1000, len(idle), ms(idle)))
PY
} >"$W/keys.py"
steps=$(ls "$F" | grep -n -x -F scaled.jpg | cut -d: -f1)
echo | tee -a "$W/results.txt"
echo "keys while big.scaled.jpg loads: Tab and BackTab in turn, at least $GAP_MS ms apart, $ROUNDS rounds;" | tee -a "$W/results.txt"
echo "100x30 pseudo-terminal; $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$W/results.txt"
printf '%-6s %5s %20s %20s %13s %5s %20s\n' binary keys "first med/p99/max" "last med/p99/max" \
	"image med/max" idle "idle last med/p99/max" | tee -a "$W/results.txt"
for which in test base; do
	if [ $which = test ]; then bin=$VDS; else bin=$BASE; fi
	[ -n "$bin" ] || continue
	line=$(env -u VDS_UI_SCRIPT "$PY" "$W/keys.py" "$bin" "$steps" "$ROUNDS" "$GAP_MS" "$W/logs/keys-$which.tsv") ||
		line="- - - - - -"
	read -r n kf kl im ni il <<<"$line"
	printf '%-6s %5s %20s %20s %13s %5s %20s\n' $which "$n" "$kf" "$kl" "$im" "$ni" "$il" |
		tee -a "$W/results.txt"
done
echo "(times in ms; image: from Enter to \"jpeg image:\" on the screen)" |
	tee -a "$W/results.txt"
