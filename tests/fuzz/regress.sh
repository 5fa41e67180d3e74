#!/bin/sh
# regress.sh - replays every fuzz target's seeds (tests/fuzz/NAME/seeds/)
# and past crashes (tests/fuzz/NAME/regress/) through its replay program
# (tests/fuzz/replay_NAME, the target linked with driver.c): one TAP point
# per target. Under the sanitizer build a crash, a leak or undefined
# behaviour on any of them fails its point.
#
# Environment: VDS_SRCDIR (the source tree, "." if unset), VDS_FUZZ_DIR
# (where the replay programs are, else tests/fuzz), VDS_TEST_TMP (the
# targets' temporary files go below it when set, else to TMPDIR).

src=${VDS_SRCDIR:-.}/tests/fuzz
bin=${VDS_FUZZ_DIR:-tests/fuzz}
if [ -n "${VDS_TEST_TMP:-}" ]; then
	TMPDIR=$VDS_TEST_TMP/fuzz-regress
	rm -rf "$TMPDIR"
	mkdir -p "$TMPDIR" || exit 1
	export TMPDIR
fi

targets=
count=0
for d in "$src"/*/seeds; do
	[ -d "$d" ] || continue
	t=${d%/seeds}
	targets="$targets ${t##*/}"
	count=$((count + 1))
done
echo "1..$count"
[ "$count" -gt 0 ] || { echo "Bail out! no fuzz corpora below $src"; exit 1; }

n=0
for t in $targets; do
	n=$((n + 1))
	prog=$bin/replay_$t
	if [ ! -x "$prog" ]; then
		echo "not ok $n - $t: no replay program $prog"
		continue
	fi
	regress=
	[ ! -d "$src/$t/regress" ] || regress=$src/$t/regress
	if out=$("$prog" -v "$src/$t/seeds" ${regress:+"$regress"} 2>&1); then
		echo "ok $n - $t: $(printf '%s\n' "$out" | tail -n 1)"
	else
		echo "not ok $n - $t"
		printf '%s\n' "$out" | tail -n 40 | sed 's/^/# /'
	fi
done
