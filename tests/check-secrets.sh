#!/bin/sh
# check-secrets.sh - no secret the test suite used shows in what it left.
#
#   tests/check-secrets.sh TREE...
#
# TREE is a build tree where "make check" ran. The tests note each secret
# they use in TREE/tests/tmp/secrets, one a line ($VDS_TEST_SECRETS: the S3
# servers' secret keys from tests/s3/run.sh, the test's own through lib.sh's
# "secret"). Every such secret, of any TREE, is looked for in:
#
#   - TREE/test-suite.log, every *.log and *.trs under TREE/tests (the
#     tests' outputs, valgrind's logs),
#   - every file left under TREE/tests/tmp (but the list itself),
#   - the name of every file and folder under TREE (core files included).
#
# Each find prints "check-secrets: a secret appears in FILE, line N" (or "in
# the file name FILE", the secret shown as ********), never the secret.
# Exits 1 if there was one, else 0 (also when no test noted a secret).

set -u
[ $# -gt 0 ] || { echo "usage: $0 TREE..." >&2; exit 2; }
list=$(mktemp) && out=$(mktemp) || exit 1
trap 'rm -f "$list" "$out"' EXIT
for tree in "$@"; do
	[ ! -f "$tree/tests/tmp/secrets" ] || cat "$tree/tests/tmp/secrets"
done | grep -v '^$' | sort -u >"$list"
if [ ! -s "$list" ]; then
	echo "check-secrets: no test noted a secret"
	exit 0
fi
found=0
# hide PATH: PATH with every secret of the list shown as ********
hide() {
	printf '%s\n' "$1" | awk -v list="$list" '
		BEGIN { while ((getline s < list) > 0) if (s != "") secret[s] = 1 }
		{
			for (s in secret)
				while ((i = index($0, s)) > 0)
					$0 = substr($0, 1, i - 1) "********" substr($0, i + length(s))
			print
		}'
}
for tree in "$@"; do
	[ -d "$tree" ] || continue
	# contents: line numbers only, never the matching line
	{
		[ ! -f "$tree/test-suite.log" ] || printf '%s\n' "$tree/test-suite.log"
		[ ! -d "$tree/tests" ] || find "$tree/tests" -type f \( -name '*.log' -o -name '*.trs' \) \
			! -path "$tree/tests/tmp/*"
		[ ! -d "$tree/tests/tmp" ] || find "$tree/tests/tmp" -type f ! -path "$tree/tests/tmp/secrets"
	} | while IFS= read -r f; do
		for n in $(grep -naF -f "$list" -- "$f" 2>/dev/null | cut -d: -f1); do
			echo "check-secrets: a secret appears in $(hide "$f"), line $n"
		done
	done >"$out"
	# names: of everything in the tree but the version control's own files
	find "$tree" -name .git -prune -o -print | grep -aF -f "$list" | while IFS= read -r f; do
		echo "check-secrets: a secret appears in the file name $(hide "$f")"
	done >>"$out"
	if [ -s "$out" ]; then
		cat "$out"
		found=1
	fi
done
n=$(wc -l <"$list" | tr -d ' ')
if [ "$found" = 0 ]; then
	echo "check-secrets: none of the $n secrets the tests used appears in their logs or files"
fi
exit "$found"
