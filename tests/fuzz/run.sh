#!/bin/sh
# run.sh - runs the libFuzzer targets for a bounded time each, starting from
# scratch copies of their seeds and past crashes, and reports what they did.
# Run it in a build configured with CC=clang --enable-fuzzing, after
# "make fuzz".
#
#   tests/fuzz/run.sh [-t SECONDS] [-j JOBS] [TARGET...]
#
# -t: seconds per target (20); -j: targets at once (the processors);
# TARGET: ref, manifest, ... (default: every folder of tests/fuzz/ with seeds).
# Prints the executions of each target and their total. A crash, leak,
# timeout or out-of-memory fails it: the input is printed in hex, with the
# end of libFuzzer's report; exit status 1.
#
# Environment: VDS_FUZZ_DIR (where the fuzz_NAME programs are; tests/fuzz
# under the current directory), TMPDIR (the scratch folder goes there, and
# is removed at the end).

secs=20
jobs=$(nproc 2>/dev/null || echo 1)
while getopts t:j: o; do
	case $o in
	t) secs=$OPTARG ;;
	j) jobs=$OPTARG ;;
	*) echo "usage: $0 [-t SECONDS] [-j JOBS] [TARGET...]" >&2; exit 2 ;;
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

start() { # NAME: one target in the background
	mkdir -p "$work/$1/corpus" "$work/$1/tmp"
	cp "$src/$1/seeds/"* "$work/$1/corpus/"
	[ ! -d "$src/$1/regress" ] || cp "$src/$1/regress/"* "$work/$1/corpus/"
	(
		cd "$work/$1" || exit 1
		# what a target leaves in TMPDIR when it crashes goes with the rest
		TMPDIR=$work/$1/tmp "$bin/fuzz_$1" -max_total_time="$secs" -rss_limit_mb=2048 \
			-timeout=10 -print_final_stats=1 -artifact_prefix="$work/$1/" corpus >log 2>&1
		echo $? >status
	) &
}

# at most JOBS targets at once
running=0
for t in "$@"; do
	start "$t"
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait
		running=0
	fi
done
wait

total=0
failed=0
for t in "$@"; do
	log=$work/$t/log
	runs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
	[ -n "$runs" ] || runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -n 1)
	runs=${runs:-0}
	total=$((total + runs))
	status=$(cat "$work/$t/status" 2>/dev/null || echo 1)
	if [ "$status" -eq 0 ]; then
		printf '%-10s %10s executions in %s s: ok\n' "$t" "$runs" "$secs"
		continue
	fi
	failed=$((failed + 1))
	printf '%-10s %10s executions: FAILED (exit %s)\n' "$t" "$runs" "$status"
	for a in "$work/$t"/crash-* "$work/$t"/leak-* "$work/$t"/timeout-* "$work/$t"/oom-*; do
		[ -f "$a" ] || continue
		echo "---- $t: ${a##*/} ($(wc -c <"$a") bytes), in hex:"
		od -An -tx1 -v "$a" | sed 's/^ *//'
	done
	echo "---- $t: the end of libFuzzer's report:"
	tail -n 60 "$log"
done
echo "fuzzing: $total executions in total, $failed of $# targets failed"
[ "$failed" -eq 0 ]
