#!/usr/bin/env bash
# folder.sh - what entering a folder of FILES files costs the browser's UI thread.
#
# Makes a local store with one dataset "big" whose one version holds
# big/f000001.txt .. (FILES empty files, one content object) beside
# readme.txt, as bench/README's hand measurement of a 100,000-file folder
# did, then runs "vds browse big:latest" with VDS_UI_SCRIPT against an
# in-memory 80x24 screen, RUNS times each: at the root (":dump" only) and
# with big/ entered ("<Enter>", then ":dump"). Each script then waits
# (":wait-for") until the CPU times are read: the UI thread's from
# /proc/PID/task/PID/stat (the main thread's id is the process's), and the
# whole process's from /proc/PID/stat, both once the dump is written
# (every read has settled: a scripted run waits for them), in clock ticks.
# Prints the means; entering big/ costs the UI thread the difference.
# With VDS_BASE_BIN (a build of main, say) the same is run with it too.
#
# Usage: bench/folder.sh [--files 100000] [--runs 10] [--keep] [OUTDIR]
#   OUTDIR defaults to ./bench/out; everything is written below OUTDIR/folder.
#   VDS_BIN names the vds binary (default: ../vds next to this script).
set -euo pipefail

FILES=100000
RUNS=10
KEEP=0
OUT=./bench/out
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
bench_args folder.sh "files:FILES runs:RUNS" "$@"
VDS=${VDS_BIN:-$here/../vds}
W=$OUT/folder
rm -rf "$W"
mkdir -p "$W"
W=$(cd "$W" && pwd)
bench_init folder.sh $((FILES / 10 + 65536))
export VDS_HOME=$W/home TERM=vt100 LINES=24 COLUMNS=80
unset VDS_UI_SCRIPT NO_COLOR COLORTERM
HZ=$(getconf CLK_TCK)

mkdir -p "$W/src/big"
(cd "$W/src/big" && seq -f 'f%06g.txt' 1 "$FILES" | xargs touch)
printf 'read me\n' >"$W/src/readme.txt"
"$VDS" datasets create --name big >/dev/null
"$VDS" datasets versions create --id big --source-path "$W/src/." >/dev/null
rm -rf "$W/src"

# one BIN ENTER: "UI-TICKS PROCESS-TICKS" of one run (ENTER 1: big/ entered)
one() {
	local pid
	rm -f "$W/dump" "$W/go"
	{ [ "$2" = 1 ] && echo "<Enter>"; echo ":dump $W/dump"; echo ":wait-for $W/go go"; } >"$W/script"
	VDS_UI_SCRIPT=$W/script "$1" browse big:latest &
	pid=$!
	while [ ! -s "$W/dump" ]; do sleep 0.005; done
	# fields after the command's ")": 12 utime, 13 stime
	read -r -a ui <<<"$(sed 's/.*) //' "/proc/$pid/task/$pid/stat")"
	read -r -a all <<<"$(sed 's/.*) //' "/proc/$pid/stat")"
	echo go >"$W/go"
	wait "$pid"
	echo "$((ui[11] + ui[12])) $((all[11] + all[12]))"
}

# measure NAME BIN: prints the means of RUNS runs at the root and in big/
measure() {
	local e i sum_ui sum_all u a
	declare -A res
	for e in 0 1; do
		sum_ui=0 sum_all=0
		for ((i = 0; i < RUNS; i++)); do
			read -r u a <<<"$(one "$2" "$e")"
			sum_ui=$((sum_ui + u)) sum_all=$((sum_all + a))
		done
		res[$e]="$(awk -v u="$sum_ui" -v a="$sum_all" -v n="$RUNS" -v hz="$HZ" \
			'BEGIN { printf "%.3f %.3f", u / n / hz, a / n / hz }')"
	done
	read -r r_ui r_all <<<"${res[0]}"
	read -r b_ui b_all <<<"${res[1]}"
	printf '%-6s %-12s %8s %10s\n' "$1" "root" "$r_ui" "$r_all"
	printf '%-6s %-12s %8s %10s\n' "$1" "big/ entered" "$b_ui" "$b_all"
	awk -v r="$r_ui" -v b="$b_ui" -v n="$1" \
		'BEGIN { printf "%-6s %-12s %8.3f\n", n, "entering", b - r }'
}

echo "folder.sh: $FILES files in big/, means of $RUNS runs, CPU seconds"
printf '%-6s %-12s %8s %10s\n' "binary" "run" "UI thread" "process"
measure vds "$VDS"
if [ -n "${VDS_BASE_BIN:-}" ]; then
	measure base "$VDS_BASE_BIN"
fi
