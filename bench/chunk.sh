#!/usr/bin/env bash
# chunk.sh - how fast are content-defined chunking, SHA-256 and the
# per-chunk zstd decision on this machine, per core?
#
# Runs bench/chunkbench (built with "make bench/chunkbench" when missing),
# which works in memory in one thread: SIZE MiB of pseudo-random bytes
# (default 1024) cut by the chunker (FastCDC, 16/64/256 KiB), SHA-256 of
# them alone (OpenSSL's EVP: SHA-NI instructions when the processor has
# them), and both (SHA-256 of each chunk as it is cut); then the zstd
# decision on the random bytes' chunks and on TEXT MiB (default 256) of
# CSV and of JSON lines, with the ratio stored/given, and the CSV's
# compressed chunks expanded again. Each figure is the best of RUNS
# (default 3), in GB/s (10^9 bytes) of wall time and of the thread's CPU
# time. Prints whether the processor has SHA-NI (sha_ni in /proc/cpuinfo)
# and the load average before and after: on a shared machine the wall
# figures follow the load, the CPU ones much less.
#
# Target: chunking + SHA-256 at least 1 GB/s of CPU time (one core).
#
# Usage: bench/chunk.sh [--size-mb 1024] [--text-mb 256] [--runs 3] [OUTDIR]
#   OUTDIR defaults to ./bench/out; the report is also written to
#   OUTDIR/chunk.txt. Needs about SIZE + 3 x TEXT MiB of memory.
#   CHUNKBENCH names the program (default: chunkbench next to this script).
set -euo pipefail

SIZE_MB=1024
TEXT_MB=256
RUNS=3
KEEP=0
OUT=./bench/out
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
bench_args chunk.sh "size-mb:SIZE_MB text-mb:TEXT_MB runs:RUNS" "$@"
PROG=${CHUNKBENCH:-$here/chunkbench}
if [ ! -x "$PROG" ] && [ -z "${CHUNKBENCH:-}" ]; then
	echo "chunk.sh: building $PROG" >&2
	make -s -C "$here/.." bench/chunkbench >&2
fi
[ -x "$PROG" ] || { echo "chunk.sh: no program at $PROG (make bench/chunkbench, or set CHUNKBENCH)" >&2; exit 1; }
mkdir -p "$OUT"

{
	cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
	if grep -qw sha_ni /proc/cpuinfo; then sha=yes; else sha=no; fi
	echo "processor: ${cpu:-unknown}, $(nproc) processors, sha_ni: $sha"
	echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
	"$PROG" --size-mb "$SIZE_MB" --text-mb "$TEXT_MB" --runs "$RUNS"
	echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$OUT/chunk.txt"
