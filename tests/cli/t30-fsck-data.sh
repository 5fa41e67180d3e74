#!/bin/sh
# t30-fsck-data: fsck --read-data reads every content object again and
# checks it against its name; --repair removes a damaged one, the next
# upload of that content stores it again, and the version verifies.
. "$VDS_SRCDIR/tests/cli/lib.sh"

# content_bytes: the bytes of every content object of the store
content_bytes() {
	if is_s3; then s3keys objects/ | awk '{ n += $2 } END { print n + 0 }'
	else find "$VDS_HOME/store/objects" -type f -printf '%s\n' | awk '{ n += $1 } END { print n + 0 }'; fi
}

mkdir -p "$T/src"
echo "alpha" >"$T/src/a.txt"
echo "beta" >"$T/src/b.txt"
ds=$(new_dataset checked)
v=$(new_version "$ds" --source-path "$T/src/")
check "a version of two files" [ -n "$v" ]
ka=$(object_key "$(sha256sum "$T/src/a.txt" | cut -d' ' -f1)")
n=$(content_bytes)

run vds fsck --read-data
expect "fsck --read-data of a sound store (the file list is content too)" 0 \
	"Checked 1 dataset, 1 version, 0 tags, 2 files: 0 problems, 0 notes, 0 repaired
Read 3 content objects ($n bytes, $n B): 0 damaged, 0 removed" ""

printf 'alphA\n' >"$T/bad"
store_put "$ka" "$T/bad"
run vds fsck
expect "plain fsck does not read content" 0 \
	"Checked 1 dataset, 1 version, 0 tags, 2 files: 0 problems, 0 notes, 0 repaired" ""
run vds fsck --read-data
expect "fsck --read-data finds the damaged object (exit 9)" 9 \
	"Checked 1 dataset, 1 version, 0 tags, 2 files: 0 problems, 0 notes, 0 repaired
problem:  content object $ka does not match its name (SHA-256)
Read 3 content objects ($n bytes, $n B): 1 damaged, 0 removed" \
	"vds: 1 content object damaged: see above"
check "... and leaves it" store_has "$ka"

run vds fsck --read-data --repair --concurrency 2
expect "--repair removes it (exit 9: the content is not back)" 9 \
	"Checked 1 dataset, 1 version, 0 tags, 2 files: 0 problems, 0 notes, 0 repaired
repaired: removed content object $ka: its bytes do not match its name
Read 3 content objects ($n bytes, $n B): 1 damaged, 1 removed" \
	"vds: 1 content object damaged: see above"
if store_has "$ka"; then not_ok "... from the store"; else ok "... from the store"; fi
run vds fsck
check "plain fsck now misses the content (exit 9)" [ "$rc" = 9 ]

run vds datasets versions create --id "$ds" --source-path "$T/src/a.txt"
check "the next upload of that content stores it again" [ "$rc" = 0 ] && store_has "$ka"
is "... with the right bytes" "$(store_cat "$ka")" "alpha"
run vds fsck --read-data
check "fsck --read-data is clean again" [ "$rc" = 0 ] && grep -q ': 0 damaged, 0 removed$' "$T/out"
run vds datasets versions verify --id "$v"
expect "the first version verifies" 0 "Verified 2 files of $v: all intact" ""

run vds fsck --read-data --concurrency 0
expect "--concurrency is checked" 2 "" "vds: --concurrency takes a number from 1 to 64, not '0'"
done_testing
