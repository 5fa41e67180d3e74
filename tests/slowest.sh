#!/bin/sh
# slowest.sh - where a "make check" spent its time: the scripts that took
# longest, from the "# elapsed N s" line that tests/elapsed.sh ends each
# log with (automake keeps a log per script beside it in tests/).
#
#   tests/slowest.sh [-n N] [-t STAMP] BUILDDIR
#
# Prints the N (12) longest scripts, "SECONDS  SCRIPT", the longest first,
# then one line: how many scripts, their seconds in all. -t: only logs
# newer than the file STAMP (those of the last run). Exit 0, or 2 on bad
# usage.
n=12 stamp=
while getopts n:t: o; do
	case $o in
	n) n=$OPTARG ;;
	t) stamp=$OPTARG ;;
	*) echo "usage: $0 [-n N] [-t STAMP] BUILDDIR" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if [ $# != 1 ] || [ ! -d "$1/tests" ]; then
	echo "usage: $0 [-n N] [-t STAMP] BUILDDIR" >&2
	exit 2
fi
case $stamp in "" | /*) ;; *) stamp=$PWD/$stamp ;; esac
cd "$1" || exit 2
list=$(mktemp) || exit 2
trap 'rm -f "$list"' EXIT
if [ -n "$stamp" ]; then
	find tests -name '*.log' ! -name test-suite.log -newer "$stamp" -type f
else
	find tests -name '*.log' ! -name test-suite.log -type f
fi | sort | while read -r f; do
	s=$(sed -n 's/^# elapsed \([0-9]*\) s$/\1/p' "$f" | tail -n 1)
	[ -z "$s" ] || printf '%6d  %s\n' "$s" "${f%.log}"
done | sort -k1,1nr -k2 >"$list"
head -n "$n" "$list"
awk '{ s += $1 } END { printf "%d scripts, %d s of script time in all\n", NR, s }' "$list"
