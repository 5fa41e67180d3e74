#!/usr/bin/env bash
# import.sh - downloading a large file into a version, against curl.
#
# Serves one file of SIZE MiB (default 2048; random bytes) and a .tar.gz of
# 1,000 small files with the test HTTP server (tests/import/httpd, built by
# "make check" or "make tests/import/httpd") on 127.0.0.1, then times:
#   (a) curl -o FILE URL; sync                   the floor: bytes to disk
#   (b) vds datasets versions create --source-url URL; sync
#   (c) curl -o FILE URL && tar xzf FILE; sync    the archive, by hand
#   (d) vds datasets versions create --source-url URL --extract; sync
# with the peak RSS of vds (from /usr/bin/time -v when installed). vds
# hashes every byte and streams it into the store: its RSS must stay far
# below the file's size whatever the size, and nothing is written outside
# the store (TMPDIR points at a folder that does not exist).
#
# Usage: bench/import.sh [--size-mb N] [--keep] [OUTDIR]
#   OUTDIR defaults to ./bench/out; everything is written below OUTDIR/import.
#   VDS_BIN names the vds binary (default: ../vds next to this script).
set -euo pipefail

SIZE_MB=2048
KEEP=0
OUT=./bench/out

. "$(dirname "$0")/lib.sh"
bench_args import.sh "size-mb:SIZE_MB" "$@"
case $SIZE_MB in '' | *[!0-9]*) echo "import.sh: --size-mb takes a number" >&2; exit 2 ;; esac

here=$(cd "$(dirname "$0")" && pwd)
VDS=${VDS_BIN:-$here/../vds}
[ -x "$VDS" ] || { echo "import.sh: no vds binary at $VDS (set VDS_BIN)" >&2; exit 1; }
VDS=$(cd "$(dirname "$VDS")" && pwd)/$(basename "$VDS")
HTTPD=$(dirname "$VDS")/tests/import/httpd
[ -x "$HTTPD" ] || { echo "import.sh: no $HTTPD (make tests/import/httpd)" >&2; exit 1; }
command -v curl >/dev/null || { echo "import.sh: needs curl" >&2; exit 1; }

mkdir -p "$OUT"
W=$(cd "$OUT" && pwd)/import
rm -rf "$W"
mkdir -p "$W/www" "$W/curl" "$W/home"
bench_init import.sh $((SIZE_MB * 1024 * 4 + 200000))
bench_on_exit() { [ -z "${httpd_pid:-}" ] || kill "$httpd_pid" 2>/dev/null || true; }
export VDS_HOME=$W/home TMPDIR=$W/no-such-folder

echo "import.sh: writing a $SIZE_MB MiB file and a .tar.gz of 1,000 files" >&2
head -c $((SIZE_MB * 1024 * 1024)) /dev/urandom >"$W/www/big.bin"
mkdir -p "$W/tree"
for i in $(seq -w 0 999); do head -c $((4096 + 10#$i * 37)) /dev/urandom >"$W/tree/f$i"; done
tar czf "$W/www/small.tar.gz" -C "$W/tree" .
rm -rf "$W/tree"
"$HTTPD" --root "$W/www" --port-file "$W/port" &
httpd_pid=$!
for _ in $(seq 100); do [ -s "$W/port" ] && break; sleep 0.05; done
URL="http://127.0.0.1:$(cat "$W/port")/files"
ds=$("$VDS" datasets create --name bench | sed -n 's/^Created dataset: //p')

# timed LABEL CMD...: runs CMD after dropping caches; sets T_S (seconds) and RSS
timed() {
	local t0 t1
	drop_caches
	t0=$(now_ns)
	if [ ${#TIMEV[@]} -gt 0 ]; then "${TIMEV[@]}" "$@" >/dev/null; else "$@" >/dev/null; fi
	sync
	t1=$(now_ns)
	T_S=$(secs "$t0" "$t1")
	RSS=-
	if [ ${#TIMEV[@]} -gt 0 ]; then RSS=$(awk -F': ' '/Maximum resident/ { print $2 }' "$W/time.txt"); fi
}

timed curl -sSf -o "$W/curl/big.bin" "$URL/big.bin"
a=$T_S
rm -f "$W/curl/big.bin"
timed "$VDS" datasets versions create --id "$ds" --source-url "$URL/big.bin"
b=$T_S rss_b=$RSS
timed sh -c "curl -sSf -o '$W/curl/s.tgz' '$URL/small.tar.gz' && mkdir -p '$W/curl/x' && tar xzf '$W/curl/s.tgz' -C '$W/curl/x'"
c=$T_S
timed "$VDS" datasets versions create --id "$ds" --source-url "$URL/small.tar.gz" --extract
d=$T_S rss_d=$RSS
[ ! -e "$TMPDIR" ] || { echo "import.sh: something wrote to TMPDIR" >&2; exit 1; }

ratio() { awk -v x="$1" -v y="$2" 'BEGIN { printf "%.2f", x / y }'; }
printf '\n%-44s %9s %9s %10s\n' "" "seconds" "vs curl" "vds RSS"
printf '%-44s %9s %9s %10s\n' "(a) curl, $SIZE_MB MiB file" "$a" "" ""
printf '%-44s %9s %9s %10s\n' "(b) vds --source-url" "$b" "$(ratio "$b" "$a")" "$(kb_mb "$rss_b")"
printf '%-44s %9s %9s %10s\n' "(c) curl + tar xzf, 1,000 files" "$c" "" ""
printf '%-44s %9s %9s %10s\n' "(d) vds --source-url --extract" "$d" "$(ratio "$d" "$c")" "$(kb_mb "$rss_d")"
echo "nothing was written outside the store (TMPDIR unused)"
