#!/bin/sh
# t37-preview: the browser's previews by kind (ui/preview/), on files the
# test makes with Debian's tools (python3-numpy, python3-h5py, python3-pil,
# tar, zip, gzip, zstd; Parquet through tests/preview/mkdata.py's own
# writer): arrays, tables, archives, compressed files, images as blocks,
# HDF5 trees, texts in other encodings, and damaged or truncated files of
# each kind (one clear line, never a crash). Every screen is compared
# exactly with tests/ui/expected/preview-NAME.txt. Then content objects
# that are missing or do not match their SHA-256, and the count of ranged
# reads a preview made (the "unchecked" line).
. "$VDS_SRCDIR/tests/cli/lib.sh"
. "$VDS_SRCDIR/tests/ui/lib.sh"

PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
if ! "$PY" -c 'import numpy, h5py, PIL' 2>/dev/null ||
	! command -v zip >/dev/null || ! command -v zstd >/dev/null; then
	echo "1..0 # SKIP needs python3-numpy, python3-h5py, python3-pil, zip and zstd"
	exit 0
fi
UI_PREFIX=preview-
UI_TIMEOUT=60

# ================================================================ the files
G=$T/files/good B=$T/files/bad
mkdir -p "$G" "$B"
run "$PY" "$VDS_SRCDIR/tests/preview/mkdata.py" "$G"
expect "mkdata.py writes the test files" 0 "" ""
(
	cd "$G" || exit 1
	printf 'name,n\na,1\nb,2\n' >table.csv
	gzip -n9 <table.csv >table.csv.gz && rm table.csv
	zstd -q -19 -o rows.jsonl.zst rows.jsonl
	touch -d '2026-01-02 03:04:05' labels.npy weights.npy pipes.csv rows.jsonl
	tar --owner=0 --group=0 --numeric-owner -cf bundle.tar labels.npy weights.npy
	TZ=UTC zip -qX bundle.zip pipes.csv rows.jsonl
	xz -9 <pipes.csv >pipes.csv.xz
	# over 16 MiB, no thumbnail: the header's facts, not decoded
	{ cat shape.jpg; head -c 17000000 /dev/zero; } >large.jpg
	bzip2 -9 <semicolon.csv >semicolon.csv.bz2
)
# a 7z archive through libarchive (tests/import/mkarchive), when make check names it
if [ -n "${VDS_MKARCHIVE:-}" ]; then
	"$VDS_MKARCHIVE" 7z "$G/bundle.7z" "f:notes.txt=seven" "F:data/blob.bin=100K" "d:empty"
else
	: >"$G/bundle.7z" # shown as empty: its screen is then not compared
fi
# damaged and truncated files of each kind
head -c 30 "$G/weights.npy" >"$B/cut.npy"
printf '\223NUMPY\001\000\040\000{"descr": "<f4", "shape": (z)}    \n' >"$B/badshape.npy"
head -c 300 "$G/pair.npz" >"$B/cut.npz"
head -c 100 "$G/model.safetensors" >"$B/cut.safetensors"
printf '\016\000\000\000\000\000\000\000{"a": [1, 2, 3' >"$B/badjson.safetensors"
head -c 4000 "$G/data.h5" >"$B/cut.h5"
head -c 150 "$G/table.parquet" >"$B/cut.parquet"
{ printf 'PAR1'; printf '\031\374\377'; printf '\003\000\000\000PAR1'; } >"$B/nested.parquet"
cp "$G/gzip.parquet" "$B/badpage.parquet"
printf '\000\000\000\000\000\000\000\000' | dd of="$B/badpage.parquet" bs=1 seek=24 conv=notrunc 2>/dev/null
head -c 100 "$G/shape.png" >"$B/cut.png"
head -c 500 "$G/shape.jpg" >"$B/cut.jpg"
head -c 40000 "$G/photo.jpg" >"$B/half.jpg"
mv "$G/badlevels.parquet" "$B/" # nested, its repetition levels longer than its page
head -c 180 "$G/adam7.png" >"$B/interlaced-cut.png"
# over 1 MiB, its EXIF thumbnail damaged (its second marker zeroed): the image is decoded instead
"$PY" -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); i = b.index(b"\xff\xd8", 2); b[i + 2:i + 4] = b"\0\0"; sys.stdout.buffer.write(b)' \
	"$G/camera.jpg" >"$B/badthumb.jpg"
head -c 200 "$G/bundle.zip" >"$B/cut.zip"
head -c 3000 "$G/bundle.tar" >"$B/cut.tar"
head -c 20 "$G/table.csv.gz" >"$B/cut.csv.gz"
printf 'not a pickle at all' >"$B/fake.pkl"
for f in "$B"/*; do touch -d '2026-01-02 03:04:05' "$f"; done

DS=$(new_dataset ml)
V=$(new_version "$DS" --message "preview files" --source-path "$T/files/good" --source-path "$T/files/bad")
V=${V#*:}
check "the files are committed" test -n "$V"
standin DS dsDATASET00001 4 '( '
standin V VERSION1 2 :

# ============================================== every file, full screen (f)
good="adam7.png big.json bundle.7z bundle.tar bundle.zip camera.jpg data.h5 gzip.parquet huge.png labels.npy large.jpg model.safetensors
nested.parquet pair.npz photo.jpg pipes.csv pipes.csv.xz rows.jsonl rows.jsonl.zst scan.jpg semicolon.csv semicolon.csv.bz2
shape.bmp shape.gif shape.jpg shape.png shape.tiff
shape.webp snappy.parquet spread.h5 state.pkl table.csv.gz table.parquet utf16.txt weights.npy wide.png zstd.parquet"
bad="badjson.safetensors badlevels.parquet badpage.parquet badshape.npy badthumb.jpg cut.csv.gz cut.h5 cut.jpg cut.npy cut.npz
cut.parquet cut.png cut.safetensors cut.tar cut.zip fake.pkl half.jpg interlaced-cut.png nested.parquet"
# the Files pane lists bad/ then good/, each sorted by name
{
	echo '<Enter>'
	for f in $bad; do printf 'f\n:dump %s\nf j\n' "$D/bad-$f"; done
	echo '<Backspace> j <Enter>'
	for f in $good; do printf 'f\n:dump %s\nf j\n' "$D/$f"; done
} >"$T/script"
run ui browse "$DS:$V"
ran "full-screen previews of every file"
for f in $good; do
	if [ "$f" = bundle.7z ] && [ -z "${VDS_MKARCHIVE:-}" ]; then
		ok "screen $f # SKIP no VDS_MKARCHIVE (make check sets it)"
	else
		screen "$f"
	fi
done
for f in $bad; do screen "bad-$f"; done
# the nested Parquet file's rows, on a screen tall enough for them all
printf 'j <Enter> /\n:type nested.parquet\n<Enter> f\n:dump %s\n' "$D/nested-rows" >"$T/script"
LINES=30
run ui browse "$DS:$V"
LINES=24
ran "a nested Parquet file's rows, on 30 lines"
screen nested-rows

# ============== pictures for terminals that show them (through a pseudo-terminal)
# With standard output a terminal, the browser writes the image over its
# blocks after drawing: the kitty graphics protocol, sixels, or colour
# blocks; never in TERM=vt100 or under NO_COLOR. script(1) records it.
keys <<EOF
j <Enter> /
:type shape.png
<Enter> f
:dump $D/gfx
EOF
gfx() { # MODE VAR=VALUE...: the bytes the browser wrote to its terminal, ESC as ^, in $T/tty
	_m=$1; shift
	env VDS_GRAPHICS="$_m" "$@" VDS_UI_SCRIPT="$T/script" script -qec \
		"timeout $((UI_TIMEOUT * TIME_SCALE)) '$VDS_BIN' browse '$DS:$V'" "$T/typescript" \
		>/dev/null 2>&1 </dev/null
	rc=$?
	tr '\033' '^' <"$T/typescript" >"$T/tty"
}
# count REGEX or -e REGEX...: how many times the bytes written match (grep -o)
count() { grep -o "$@" "$T/tty" | wc -l; }
if command -v script >/dev/null; then
	gfx kitty TERM=xterm-256color
	is "kitty: the browser ran" "$rc" 0
	is "kitty: an image of 40 x 10 cells (400 x 200 pixels) where the blocks start" \
		"$(count '\^7\^\[7;2H\^_Ga=T,f=32,s=400,v=200,c=40,r=10,m=1\^')" 1
	is "kitty: the image is deleted when the browser ends" "$(count '\^_Ga=d\^')" 1
	gfx sixel TERM=xterm-256color
	is "sixel: the browser ran" "$rc" 0
	is "sixel: a picture of 400 x 198 pixels where the blocks start" \
		"$(count '\^\[7;2H\^P0;1;0q"1;1;400;198')" 1
	gfx colour TERM=xterm-256color
	is "colour: the browser ran" "$rc" 0
	is "colour: 10 rows of coloured blocks, each at its place" \
		"$(grep -o '\^\[[0-9]*;2H\^\[' "$T/tty" | sort -u | wc -l)" 10
	gfx "" TERM=vt100
	is "TERM=vt100: no picture, no colour blocks" "$(count -e '\^_G' -e '38;2;' -e '\^P0;')" 0
	is "TERM=vt100: the browser ran" "$rc" 0
	gfx kitty TERM=xterm-256color NO_COLOR=1
	is "NO_COLOR: the browser ran" "$rc" 0
	is "NO_COLOR: no picture, no colour blocks" "$(count -e '\^_G' -e '38;2;' -e '\^P0;')" 0
else
	for n in 1 2 3 4 5 6 7 8 9 10 11; do ok "graphics through a terminal # SKIP no script(1)"; done
fi

# ======================================= content missing or not matching
obj() { # PATH: the object key of file PATH of the version
	vds datasets files list --id "$DS:$V" --recursive --json |
		"$PY" -c 'import json,sys; [print(f["sha256"]) for f in json.load(sys.stdin) if f["path"]==sys.argv[1]]' "$1"
}
run obj good/pipes.csv
PIPES=$(object_key "$(cat "$T/out")")
run obj good/labels.npy
LABELS=$(object_key "$(cat "$T/out")")
run obj good/photo.jpg
PHOTO=$(object_key "$(cat "$T/out")")
# the photo (read whole, beyond the first 64 KiB) with one byte changed near its end
"$PY" -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[-100] ^= 1; sys.stdout.buffer.write(b)' \
	"$G/photo.jpg" >"$T/photo"
store_put "$PHOTO" "$T/photo"
printf 'id|label\n1|cow\n2|dog\n' >"$T/flipped"
store_put "$PIPES" "$T/flipped"
store_rm "$LABELS"
# each file found with the Files pane's filter (/), in a run of its own
for pair in missing:labels.npy mismatch:pipes.csv mismatch-image:photo.jpg; do
	printf 'j <Enter> /\n:type %s\n<Enter> f\n:dump %s\n' "${pair#*:}" "$D/${pair%%:*}" >"$T/script"
	run ui browse "$DS:$V"
	ran "previews of damaged content: ${pair#*:}"
done
screen missing
screen mismatch
screen mismatch-image
done_testing
