#!/bin/sh
# vds.sh - runs vds under valgrind's memcheck: the VDS_BIN of
# "make check-valgrind", which sets these (exported):
#
#   VDS_VALGRIND_PROGRAM  the vds program to run (a normal build, not ASan)
#   VDS_VALGRIND_LOGS     the folder of the logs, one vg.PID.TIME.log per process
#   VDS_VALGRIND_SUPP     the suppressions (tests/valgrind/vds.supp)
#   VALGRIND              the valgrind program (default: valgrind)
#
# Exit status 97 means valgrind found errors (the log says which); any log
# left non-empty makes check-valgrind fail. Children vds starts (diff) are
# not traced; a process killed with SIGKILL leaves at most what it had found.
: "${VDS_VALGRIND_PROGRAM:?VDS_VALGRIND_PROGRAM must name the vds program}"
: "${VDS_VALGRIND_LOGS:?VDS_VALGRIND_LOGS must name the folder of the logs}"
: "${VDS_VALGRIND_SUPP:?VDS_VALGRIND_SUPP must name the suppressions file}"
# The log's name holds the time too: a long run reuses process ids.
# --vgdb=no: no FIFOs in $TMPDIR, which some tests make unwritable.
VDS_VALGRIND_STAMP=$(date +%s%N)
export VDS_VALGRIND_STAMP
exec ${VALGRIND:-valgrind} --quiet --error-exitcode=97 --vgdb=no \
	--leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
	--track-origins=yes --suppressions="$VDS_VALGRIND_SUPP" \
	--log-file="$VDS_VALGRIND_LOGS/vg.%p.%q{VDS_VALGRIND_STAMP}.log" "$VDS_VALGRIND_PROGRAM" "$@"
