#!/usr/bin/env bash
# mount.sh - reading a large file through vds mount, against reading its
# content object straight from the store.
#
# Commits one file of SIZE MiB (default 1024; random bytes) to a local
# store, mounts the version (vds mount, in the background) and reads the
# file through the mount and its object file in the store directly, each
# run in turn (median of RUNS runs, default 3):
#   first read   caches dropped before (as root; else the figures are warm)
#   re-read      right after, from the page cache
# with cat and with dd bs=1M, to /dev/null. Target: the mount reads at
# least 70% as fast as the object file, first read and re-read alike.
#
# Usage: bench/mount.sh [--size-mb N] [--runs N] [--keep] [OUTDIR]
#   OUTDIR defaults to ./bench/out; everything is written below OUTDIR/mount.
#   VDS_BIN names the vds binary (default: ../vds next to this script).
set -euo pipefail

SIZE_MB=1024
RUNS=3
KEEP=0
OUT=./bench/out

. "$(dirname "$0")/lib.sh"
bench_args mount.sh "size-mb:SIZE_MB runs:RUNS" "$@"
case $SIZE_MB$RUNS in '' | *[!0-9]*) echo "mount.sh: --size-mb and --runs take numbers" >&2; exit 2 ;; esac

here=$(cd "$(dirname "$0")" && pwd)
VDS=${VDS_BIN:-$here/../vds}
[ -x "$VDS" ] || { echo "mount.sh: no vds binary at $VDS (set VDS_BIN)" >&2; exit 1; }

mkdir -p "$OUT"
W=$(cd "$OUT" && pwd)/mount
rm -rf "$W"
mkdir -p "$W/src" "$W/mnt" "$W/home"
bench_init mount.sh $((SIZE_MB * 1024 * 2 + 100000))
bench_on_exit() { "$VDS" umount "$W/mnt" >/dev/null 2>&1 || true; }
export VDS_HOME=$W/home

echo "mount.sh: committing a $SIZE_MB MiB file" >&2
head -c $((SIZE_MB * 1024 * 1024)) /dev/urandom >"$W/src/big.bin"
hash=$(sha256 "$W/src/big.bin")
ds=$("$VDS" datasets create --name bench | sed -n 's/^Created dataset: //p')
ver=$("$VDS" datasets versions create --id "$ds" --source-path "$W/src/" |
	sed -n 's/^C[a-z]* dataset version: //p' | tail -n 1)
rm -f "$W/src/big.bin"
OBJ=$W/home/store/objects/${hash:0:2}/${hash:2}
[ -f "$OBJ" ] || { echo "mount.sh: no content object at $OBJ" >&2; exit 1; }
if ! "$VDS" mount --id "$ver" "$W/mnt" >/dev/null; then
	echo "mount.sh: cannot mount (see above)" >&2
	exit 1
fi
FILE=$W/mnt/big.bin

# rate CMD...: runs CMD, prints MB/s for SIZE_MB MiB
rate() {
	local t0 t1
	t0=$(now_ns)
	"$@" >/dev/null 2>&1
	t1=$(now_ns)
	awk -v n="$SIZE_MB" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n * 1048576 / ((b - a) / 1e9) / 1e6 }'
}
# median N...: the median of the numbers
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

declare -A R
for run in $(seq "$RUNS"); do
	echo "mount.sh: run $run of $RUNS" >&2
	for tool in cat dd; do
		for src in direct mount; do
			f=$OBJ
			[ $src = direct ] || f=$FILE
			if [ $tool = cat ]; then cmd=(cat "$f"); else cmd=(dd if="$f" of=/dev/null bs=1M); fi
			drop_caches
			R[$tool.$src.first]+=" $(rate "${cmd[@]}")"
			R[$tool.$src.again]+=" $(rate "${cmd[@]}")"
		done
	done
done

echo
echo "Reading a $SIZE_MB MiB file (MB/s, median of $RUNS runs)"
[ "$CAN_DROP" = 1 ] || echo "(caches could not be dropped: first reads are warm too)"
printf '%-26s %10s %10s %8s  %s\n' "" direct mount ratio "target >= 70%"
for tool in cat dd; do
	for pass in first again; do
		# shellcheck disable=SC2086
		d=$(median ${R[$tool.direct.$pass]})
		# shellcheck disable=SC2086
		m=$(median ${R[$tool.mount.$pass]})
		pct=$(awk -v d="$d" -v m="$m" 'BEGIN { printf "%.0f", 100 * m / d }')
		verdict=ok
		[ "$pct" -ge 70 ] || verdict=MISSED
		label="$tool, first read"
		[ $pass = first ] || label="$tool, re-read"
		[ $tool = cat ] || label="${label/dd/dd bs=1M}"
		printf '%-26s %10s %10s %7s%%  %s\n' "$label" "$d" "$m" "$pct" "$verdict"
	done
done
