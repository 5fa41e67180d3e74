#!/bin/sh
# run.sh - runs the libFuzzer targets for a bounded time each, starting from
# scratch copies of their seeds and past crashes, and reports what they did.
# Run it in a build configured with CC=clang --enable-fuzzing, after
# "make fuzz".
#
#   tests/fuzz/run.sh [-t SECONDS | -T TOTAL] [-j JOBS] [TARGET...]
#
# -t: seconds per target (20); -j: targets at once (the processors);
# TARGET: ref, manifest, ... (default: every folder of tests/fuzz/ with seeds).
# -T: TOTAL seconds of fuzzing shared by the targets by what they still
# find: each first runs for TOTAL / 2 / (number of targets) seconds (at
# least 5); the other half goes to the targets in proportion to the
# coverage features each found in the second half of its first run's
# executions (equal shares if none found any), and each continues from the
# corpus it grew. A target whose features stopped growing has likely done
# what these seeds reach within seconds; one still finding new paths is
# where more time finds more (HACKING: "The CI run").
# Prints the executions of each target and their total. A crash, leak,
# timeout or out-of-memory fails it: the input is printed in hex, with the
# end of libFuzzer's report; exit status 1.
#
# Environment: VDS_FUZZ_DIR (where the fuzz_NAME programs are; tests/fuzz
# under the current directory), TMPDIR (the scratch folder goes there, and
# is removed at the end).

secs=20 total=
jobs=$(nproc 2>/dev/null || echo 1)
while getopts t:T:j: o; do
	case $o in
	t) secs=$OPTARG ;;
	T) total=$OPTARG ;;
	j) jobs=$OPTARG ;;
	*) echo "usage: $0 [-t SECONDS | -T TOTAL] [-j JOBS] [TARGET...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))

src=$(cd "$(dirname "$0")" && pwd)
bin=${VDS_FUZZ_DIR:-$PWD/tests/fuzz}
if [ $# -eq 0 ]; then
	for d in "$src"/*/seeds; do
		t=${d%/seeds}
		set -- "$@" "${t##*/}"
	done
fi
for t in "$@"; do
	[ -x "$bin/fuzz_$t" ] || { echo "run.sh: no $bin/fuzz_$t (make fuzz first)" >&2; exit 2; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/vds-fuzz-run.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

# fuzz NAME SECONDS PHASE: one target's run, from (and growing) its
# corpus; libFuzzer's output goes to its logPHASE, its exit status to
# statusPHASE
fuzz() {
	(
		cd "$work/$1" || exit 1
		# what a target leaves in TMPDIR when it crashes goes with the rest
		TMPDIR=$work/$1/tmp "$bin/fuzz_$1" -max_total_time="$2" -rss_limit_mb=2048 \
			-timeout=10 -print_final_stats=1 -artifact_prefix="$work/$1/" corpus >"log$3" 2>&1
		echo $? >"status$3"
	)
}
# phase PHASE: runs the targets of $work/planPHASE ("NAME SECONDS" lines) in
# $jobs lanes, each target given to the lane with the least time so far
# (the longest first)
phase() {
	sort -k2,2nr "$work/plan$1" | awk -v j="$jobs" '{
		m = 1; for (i = 2; i <= j; i++) if (t[i] < t[m]) m = i
		t[m] += $2; print m, $1, $2 }' >"$work/lanes"
	_l=1
	while [ "$_l" -le "$jobs" ]; do
		while read -r _n _t _s; do
			[ "$_n" != "$_l" ] || fuzz "$_t" "$_s" "$1" </dev/null
		done <"$work/lanes" &
		_l=$((_l + 1))
	done
	wait
}
# grown NAME PHASE: the coverage features its run found in the second half
# of its executions
grown() {
	awk '/^#[0-9]+\t(INITED|NEW|REDUCE|pulse)/ {
			n = substr($1, 2) + 0
			for (i = 2; i < NF; i++) if ($i == "ft:") { ft[++k] = $(i + 1); at[k] = n }
		}
		/^stat::number_of_executed_units:/ { e = $2 }
		END {
			if (k == 0) { print 0; exit }
			h = ft[1]; for (i = 1; i <= k; i++) if (at[i] <= e / 2) h = ft[i]
			print ft[k] - h }' "$work/$1/log$2"
}

for t in "$@"; do
	mkdir -p "$work/$t/corpus" "$work/$t/tmp"
	cp "$src/$t/seeds/"* "$work/$t/corpus/"
	[ ! -d "$src/$t/regress" ] || cp "$src/$t/regress/"* "$work/$t/corpus/"
done
if [ -z "$total" ]; then
	for t in "$@"; do echo "$t $secs"; done >"$work/plan1"
	phase 1
else
	first=$((total / 2 / $#))
	[ "$first" -ge 5 ] || first=5
	for t in "$@"; do echo "$t $first"; done >"$work/plan1"
	phase 1
	rest=$((total - first * $#))
	for t in "$@"; do
		# (a target that failed is done)
		[ "$(cat "$work/$t/status1" 2>/dev/null)" = 0 ] || continue
		echo "$t $(grown "$t" 1)"
	done >"$work/grown"
	# shares of the rest; below 2 s a run would mostly load its corpus
	awk -v r="$rest" 'NR == FNR { s += $2; n++; next } {
		x = int(s > 0 ? r * $2 / s : r / n); if (x >= 2) print $1, x }' \
		"$work/grown" "$work/grown" >"$work/plan2"
	phase 2
fi

runs_total=0
failed=0
for t in "$@"; do
	runs=0 status=0 given=0
	for p in 1 2; do
		log=$work/$t/log$p
		[ -f "$log" ] || continue
		r=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
		[ -n "$r" ] || r=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -n 1)
		runs=$((runs + ${r:-0}))
		given=$((given + $(awk -v t="$t" '$1 == t { print $2 }' "$work/plan$p")))
		st=$(cat "$work/$t/status$p" 2>/dev/null || echo 1)
		[ "$st" = 0 ] || { status=$st; break; }
	done
	runs_total=$((runs_total + runs))
	if [ "$status" -eq 0 ]; then
		printf '%-12s %10s executions in %s s: ok\n' "$t" "$runs" "$given"
		continue
	fi
	failed=$((failed + 1))
	printf '%-12s %10s executions: FAILED (exit %s)\n' "$t" "$runs" "$status"
	for a in "$work/$t"/crash-* "$work/$t"/leak-* "$work/$t"/timeout-* "$work/$t"/oom-*; do
		[ -f "$a" ] || continue
		echo "---- $t: ${a##*/} ($(wc -c <"$a") bytes), in hex:"
		od -An -tx1 -v "$a" | sed 's/^ *//'
	done
	echo "---- $t: the end of libFuzzer's report:"
	tail -n 60 "$log"
done
echo "fuzzing: $runs_total executions in total, $failed of $# targets failed"
[ "$failed" -eq 0 ]
