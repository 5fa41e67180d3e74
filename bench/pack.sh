#!/usr/bin/env bash
# pack.sh - how fast does the packer (content in chunks and packs) work on
# one core, and how many bytes does it store for the edits of a large file?
#
# Runs bench/packbench (built with "make bench/packbench" when missing) in
# one thread, on files it writes into a work folder (read back from the
# page cache); the packs and index objects go to a backend that counts
# their bytes and keeps none, so only the packer's own work is timed: read,
# chunk (FastCDC 16/64/256 KiB), SHA-256 of each chunk and of the whole
# file, the zstd decision per blob, the pack built and named by its
# SHA-256. SIZE MiB (default 1024) of pseudo-random bytes and TEXT MiB
# (default 256) of CSV, each without compression and with; best of RUNS
# (default 3), in MB/s (10^6 bytes) of wall time and of the thread's CPU
# time, with the share of the input stored. Then a file of EDIT MiB
# (default 2048) is packed, then packed again with 4 KiB changed in its
# middle (then put back) and with 1 MiB appended, each against the index of
# what was packed before: the blobs, blob bytes, pack bytes and index bytes
# each stores.
#
# Targets (the issue's, on the packer alone): 1 MiB appended to 2 GiB
# stores under 3 MiB; 4 KiB changed in its middle under 1 MiB.
#
# Usage: bench/pack.sh [--size-mb 1024] [--text-mb 256] [--edit-mb 2048]
#                      [--runs 3] [--keep] [OUTDIR]
#   OUTDIR defaults to ./bench/out; the report is also written to
#   OUTDIR/pack.txt, the files to OUTDIR/pack-work (removed at the end
#   unless --keep). Needs the largest of SIZE, TEXT and EDIT + 1 MiB free
#   on disk and about 200 MiB of memory.
#   PACKBENCH names the program (default: packbench next to this script).
set -euo pipefail

SIZE_MB=1024
TEXT_MB=256
EDIT_MB=2048
RUNS=3
KEEP=0
OUT=./bench/out
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
bench_args pack.sh "size-mb:SIZE_MB text-mb:TEXT_MB edit-mb:EDIT_MB runs:RUNS" "$@"
PROG=${PACKBENCH:-$here/packbench}
if [ ! -x "$PROG" ] && [ -z "${PACKBENCH:-}" ]; then
	echo "pack.sh: building $PROG" >&2
	make -s -C "$here/.." bench/packbench >&2
fi
[ -x "$PROG" ] || { echo "pack.sh: no program at $PROG (make bench/packbench, or set PACKBENCH)" >&2; exit 1; }
mkdir -p "$OUT"
W=$OUT/pack-work
rm -rf "$W"
mkdir -p "$W"
need=$SIZE_MB
[ "$TEXT_MB" -gt "$need" ] && need=$TEXT_MB
[ "$EDIT_MB" -gt "$need" ] && need=$EDIT_MB
bench_init pack.sh $(((need + 64) * 1024))

{
	cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
	if grep -qw sha_ni /proc/cpuinfo; then sha=yes; else sha=no; fi
	echo "processor: ${cpu:-unknown}, $(nproc) processors, sha_ni: $sha"
	echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
	"$PROG" --dir "$W" --size-mb "$SIZE_MB" --text-mb "$TEXT_MB" --edit-mb "$EDIT_MB" \
		--runs "$RUNS"
	echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$OUT/pack.txt"
