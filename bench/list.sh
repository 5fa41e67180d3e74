#!/usr/bin/env bash
# list.sh - how fast does vds list a version of a million files?
#
# Writes a committed version of 1,000,000 files straight into a private
# store, without a million real files: one small content object that every
# entry shares, the manifest text ("vds-manifest 1" then sorted
# "F SHA SIZE MODE MTIME PATH" lines) stored as a content object, then
# version.json and a commit record naming it. Layout: big/ holds 100,000
# files (f000000..f099999); the other 900,000 are spread over 900 folders
# d000..d899 of 1,000 files each.
#
# Then times, with peak RSS from /usr/bin/time -v when it is installed:
#   files list --id DS:VER --recursive > /dev/null   target < 3 s, < 300 MB
#   files list --id DS:VER --path big  (all 100,000 rows, and the first screen)
#   files list --id DS:VER             (the root: 901 folders with totals)
#   versions list --id DS
# Each is run once with the page cache dropped first (when allowed) and
# then RUNS times warm; the targets are judged on the warm median.
#
# Usage: bench/list.sh [--runs N] [--keep] [OUTDIR]
#   OUTDIR defaults to ./bench/out; everything is written below OUTDIR/list.
#   VDS_BIN names the vds binary (default: ../vds next to this script).
set -euo pipefail

RUNS=3
KEEP=0
OUT=./bench/out

. "$(dirname "$0")/lib.sh"
bench_args list.sh "runs:RUNS" "$@"
case $RUNS in '' | *[!0-9]*) echo "list.sh: --runs takes a number" >&2; exit 2 ;; esac
[ "$RUNS" -ge 1 ] || RUNS=1

here=$(cd "$(dirname "$0")" && pwd)
VDS=${VDS_BIN:-$here/../vds}
[ -x "$VDS" ] || { echo "list.sh: no vds binary at $VDS (set VDS_BIN)" >&2; exit 1; }
VDS=$(cd "$(dirname "$VDS")" && pwd)/$(basename "$VDS")

mkdir -p "$OUT"
W=$(cd "$OUT" && pwd)/list
rm -rf "$W"
mkdir -p "$W"
export VDS_HOME=$W/home HOME=$W/userhome TZ=UTC LC_ALL=C
unset XDG_CONFIG_HOME XDG_DATA_HOME XDG_CACHE_HOME VDS_DATADIR
mkdir -p "$HOME"

bench_init list.sh 524288

# ---- the store and the dataset -------------------------------------------
DS=$("$VDS" datasets create --name bench-list | awk '/^Created dataset: / { print $3 }')
[ -n "$DS" ] || { echo "list.sh: could not create the dataset" >&2; exit 1; }
STORE=$VDS_HOME/store
if [ ! -f "$STORE/VDS-FORMAT" ] || [ ! -f "$STORE/datasets/$DS/dataset.json" ]; then
	echo "list.sh: the store is not at $STORE" >&2
	exit 1
fi

# put_object FILE: stores FILE as a read-only content object, prints its hash
put_object() {
	local sha
	sha=$(sha256 "$1")
	mkdir -p "$STORE/objects/${sha:0:2}"
	mv "$1" "$STORE/objects/${sha:0:2}/${sha:2}"
	chmod 0444 "$STORE/objects/${sha:0:2}/${sha:2}"
	echo "$sha"
}

echo "list.sh: writing a 1,000,000-file version of $DS" >&2
t0=$(now_ns)
mkdir -p "$STORE/tmp"
printf 'one line shared by every file\n' >"$STORE/tmp/content"
FSIZE=$(wc -c <"$STORE/tmp/content")
FSHA=$(put_object "$STORE/tmp/content")
MTIME=1767225600 # 2026-01-01T00:00:00Z
{
	printf 'vds-manifest 1\n'
	awk -v sha="$FSHA" -v size="$FSIZE" -v mtime="$MTIME" 'BEGIN {
		pre = "F " sha " " size " 644 " mtime " "
		for (i = 0; i < 100000; i++) printf "%sbig/f%06d\n", pre, i
		for (d = 0; d < 900; d++)
			for (i = 0; i < 1000; i++) printf "%sd%03d/f%04d\n", pre, d, i
	}' | LC_ALL=C sort
} >"$STORE/tmp/manifest"
MSIZE=$(wc -c <"$STORE/tmp/manifest")
MSHA=$(put_object "$STORE/tmp/manifest")

VER=bench01
STAMP=$(printf '%016x-bench000' $((MTIME * 1000000)))
VDIR=$STORE/datasets/$DS/versions/$VER
mkdir -p "$VDIR/seal"
cat >"$VDIR/version.json" <<EOF
{
	"id":	"$VER",
	"message":	"one million files",
	"created":	"2026-01-01T00:00:00.000000Z"
}
EOF
printf '{}\n' >"$VDIR/seal/$STAMP"
cat >"$VDIR/commit.json" <<EOF
{
	"committed":	"2026-01-01T00:00:00.000000Z",
	"message":	"one million files",
	"manifest":	"$MSHA",
	"files":	1000000,
	"size":	$((1000000 * FSIZE)),
	"changes":	[],
	"seal":	"$STAMP"
}
EOF
seal_record "$VDIR/version.json"
seal_record "$VDIR/seal/$STAMP"
seal_record "$VDIR/commit.json"
sync
t1=$(now_ns)
echo "list.sh: written in $(secs "$t0" "$t1") s (manifest $((MSIZE / 1048576)) MiB)" >&2

# the version must look committed and complete to vds
n=$("$VDS" datasets versions details --id "$DS:$VER" | awk -F'|' '$2 ~ /^ Files / { gsub(/ /, "", $3); print $3 }')
[ "$n" = 1000000 ] || { echo "list.sh: vds sees $n files in $DS:$VER" >&2; exit 1; }
n=$("$VDS" datasets files list --id "$DS:$VER" --recursive | wc -l)
[ "$n" = 1000004 ] || { echo "list.sh: recursive listing has $n lines, not 1000004" >&2; exit 1; }

# ---- timing ---------------------------------------------------------------
# measure NAME CMD...: one cold run (caches dropped) and RUNS warm runs of
# CMD with stdout to /dev/null (a CMD ending in "| head" is run in bash)
declare -A COLD WARM RSS
NAMES=()
run_once() {
	rm -f "$W/time.txt"
	local t0 t1 rc=0
	t0=$(now_ns)
	"${TIMEV[@]}" "$@" >/dev/null || rc=$?
	t1=$(now_ns)
	[ "$rc" = 0 ] || { echo "list.sh: '$*' failed with status $rc" >&2; exit 1; }
	LAST=$(secs "$t0" "$t1")
	LAST_RSS=-
	if [ ${#TIMEV[@]} -gt 0 ] && [ -s "$W/time.txt" ]; then
		LAST_RSS=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$W/time.txt")
	fi
}
measure() {
	local name=$1 i times=() rss=0
	shift
	NAMES+=("$name")
	drop_caches
	run_once "$@"
	COLD[$name]=$LAST
	for ((i = 0; i < RUNS; i++)); do
		run_once "$@"
		times+=("$LAST")
		[ "$LAST_RSS" = - ] || [ "$LAST_RSS" -le "$rss" ] || rss=$LAST_RSS
	done
	WARM[$name]=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	RSS[$name]=$([ ${#TIMEV[@]} -gt 0 ] && echo "$rss" || echo -)
}
# first screen: the time until 50 lines are out, then the reader stops
first_screen() {
	local rc=0
	"$VDS" "$@" | head -n 50 >/dev/null || rc=$?
	# vds may be stopped by SIGPIPE once head has read its screen
	[ "$rc" = 0 ] || [ "$rc" = 141 ] || return "$rc"
	return 0
}

measure "files list --recursive (1,000,000)" "$VDS" datasets files list --id "$DS:$VER" --recursive
measure "files list --path big (100,000)" "$VDS" datasets files list --id "$DS:$VER" --path big
TIMEV_SAVED=("${TIMEV[@]}")
TIMEV=() # through a pipe, /usr/bin/time would measure bash
measure "files list --path big | head -n 50" first_screen datasets files list --id "$DS:$VER" --path big
TIMEV=("${TIMEV_SAVED[@]}")
measure "files list (root: 901 folders)" "$VDS" datasets files list --id "$DS:$VER"
measure "versions list" "$VDS" datasets versions list --id "$DS"

# ---- report ----------------------------------------------------------------
verdict() { awk -v v="$1" -v t="$2" 'BEGIN { print (v < t ? "met" : "MISSED") }'; }
R="files list --recursive (1,000,000)"

echo
echo "vds listing benchmark"
echo "  vds:      $("$VDS" --version) ($VDS)"
echo "  version:  $DS:$VER, 1,000,000 files (big/: 100,000; d000..d899: 1,000 each)"
echo "  manifest: $MSIZE bytes; $(nproc) CPUs; $(df -PT "$W" | awk 'NR == 2 { print $2 }')"
if [ "$CAN_DROP" = 1 ]; then
	echo "  cold:     page cache dropped before the first run of each command"
else
	echo "  cold:     caches could NOT be dropped (no permission): the cold column is warm too"
fi
echo
printf '  %-38s %9s %12s %10s\n' "command (stdout to /dev/null)" "cold s" "warm s (med)" "peak RSS"
for name in "${NAMES[@]}"; do
	printf '  %-38s %9s %12s %10s\n' "$name" "${COLD[$name]}" "${WARM[$name]}" "$(kb_mb "${RSS[$name]}")"
done
echo
printf '  %-34s %10s   target %-8s %s\n' "recursive list, warm" "${WARM[$R]} s" "< 3 s" "$(verdict "${WARM[$R]}" 3)"
printf '  %-34s %10s   target %-8s %s\n' "recursive list, cold" "${COLD[$R]} s" "< 3 s" "$(verdict "${COLD[$R]}" 3)"
if [ "${RSS[$R]}" != - ]; then
	rss_mb=$(awk -v k="${RSS[$R]}" 'BEGIN { printf "%.0f", k / 1024 }')
	printf '  %-34s %10s   target %-8s %s\n' "recursive list, peak RSS" "$rss_mb MB" "< 300 MB" "$(verdict "$rss_mb" 300)"
else
	echo "  (peak RSS not measured: /usr/bin/time not installed)"
fi
exit 0
