#!/bin/sh
# elapsed.sh - runs one test for the harness (Makefile.am's LOG_COMPILER)
# and ends what it prints with the TAP comment "# elapsed N s": its wall
# time in whole seconds, so that every tests/**/*.log says how long its
# script took (tests/slowest.sh lists the longest).
#
#   tests/elapsed.sh CMD [ARG...]
#
# Exits with CMD's status.
t0=$(date +%s%N)
"$@"
status=$?
echo "# elapsed $((($(date +%s%N) - t0 + 500000000) / 1000000000)) s"
exit $status
