#!/bin/sh
# t09-dedup: content is stored once however often and wherever it is put,
# and committed versions never change.
. "$VDS_SRCDIR/tests/cli/lib.sh"

# objects: the keys of the content objects in the default store
objects() { for _d in $(store_ls objects); do store_ls "objects/$_d" | sed "s|^|objects/$_d/|"; done; }
# nobj: number of content objects in the default store
nobj() { objects | wc -l | tr -d ' '; }
# obj_sizes: the size of each content object, one a line
obj_sizes() { for _k in $(objects); do store_cat "$_k" | wc -c | tr -d ' '; done; }
# sent FILE: bytes of content sent to the bucket's objects/, by a --debug log
sent() {
	sed -n "s|^vds: debug: s3: PUT [^ ]*/${S3_PREFIX:-}objects/[^ ]* -> [0-9]* ([^,]*, sent \([0-9]*\),.*|\1|p" "$1" |
		awk '{ n += $1 } END { print n + 0 }'
}
# snapshot REF: the recursive JSON file list of REF
snapshot() { vds datasets files list --id "$1" --recursive --json 2>&1; }

S="$T/src"
mkdir -p "$S/sub"
head -c 65536 /dev/urandom >"$S/a.bin"
cp "$S/a.bin" "$S/b.bin"
cp "$S/a.bin" "$S/sub/a-again.bin"
printf 'small text\n' >"$S/c.txt"
cp "$S/c.txt" "$S/sub/c.txt"
ln -s ../c.txt "$S/sub/link"

DS=$(new_dataset dedup)
V1=$(vds --debug datasets versions create --id "$DS" --message one --source-path "$S/" 2>"$T/debug1" |
	sed -n 's/^Committed dataset version: //p')
check "setup: committed" test -n "$V1"

# a.bin, c.txt, the link target and the manifest
is "same content under several names stored once" "$(nobj)" 4
is "one object of the big content" "$(obj_sizes | grep -c '^65536$')" 1
total=$(obj_sizes | awk '{s += $1} END {print s}')
check "objects hold less than two copies of the big file" test "$total" -lt 131072
b1=$(store_bytes)
# to a bucket, content goes up once, however many files hold it
if is_s3; then
	is "the first commit sent each content once" "$(sent "$T/debug1")" "$total"
else
	ok "the first commit sent each content once # SKIP remote store only"
fi

V2=$(vds --debug datasets versions create --id "$DS" --message two --source-path "$S/" 2>"$T/debug2" |
	sed -n 's/^Committed dataset version: //p')
check "second commit of the same tree" test -n "$V2" -a "$V2" != "$V1"
is "committing the same tree again does not grow objects/" "$(store_bytes)" "$b1"
is "no new objects" "$(nobj)" 4
if is_s3; then
	is "committing the same tree again sent no content" "$(sent "$T/debug2")" 0
else
	ok "committing the same tree again sent no content # SKIP remote store only"
fi

D=$(new_version "$DS")
run vds --debug datasets files put --id "$D" --source-path "$S" --source-path "$S/sub"
grep -v '^vds: debug: ' "$T/err" >"$T/err.nodebug"
mv "$T/err" "$T/debug3"
mv "$T/err.nodebug" "$T/err"
expect "put the same content again, twice" 0 \
	"Put 8 files (262185 bytes) into dataset version: $D" \
	"vds: warning: skipping link '$S/sub/link': it points outside the source tree"
is "the put stored nothing" "$(store_bytes)" "$b1"
if is_s3; then
	is "the put sent no content" "$(sent "$T/debug3")" 0
else
	ok "the put sent no content # SKIP remote store only"
fi
vds datasets versions commit --id "$D" >/dev/null
is "its commit adds only a file list" "$(nobj)" 5

DS2=$(new_dataset other)
W1=$(new_version "$DS2" --source-path "$S/")
check "second dataset committed" test -n "$W1"
is "two datasets sharing content store it once" "$(nobj)" 5
mkdir -p "$T/renamed"
cp -p "$S/a.bin" "$T/renamed/x.bin"
cp -p "$S/c.txt" "$T/renamed/y.txt"
W2=$(new_version "$DS2" --source-path "$T/renamed/")
is "renamed copies add only a file list" "$(nobj)" 6

# a new mtime changes the file list, not the content
touch -d '2001-02-03 04:05:06' "$S/c.txt"
V3=$(new_version "$DS" --source-path "$S/")
is "touching a file stores only a new file list" "$(nobj)" 7

# an in-place change that keeps size and mtime is still noticed
cp "$S/c.txt" "$T/c.saved"
printf 'SMALL TEXT\n' >"$T/c.new"
dd if="$T/c.new" of="$S/c.txt" conv=notrunc 2>/dev/null
touch -d '2001-02-03 04:05:06' "$S/c.txt"
V4=$(new_version "$DS" --source-path "$S/")
vds datasets files get --id "$V4" --source-path c.txt --target-path "$T/g4" >/dev/null
check "changed content is stored despite same size and mtime" cmp "$S/c.txt" "$T/g4/c.txt"
vds datasets files get --id "$V3" --source-path c.txt --target-path "$T/g3" >/dev/null
check "the earlier version keeps the old content" cmp "$T/c.saved" "$T/g3/c.txt"

# deleting a dataset leaves shared content for the others
vds datasets delete --id "$DS2" >/dev/null
run vds datasets files get --id "$V1" --target-path "$T/g1"
expect "the other dataset still reads back" 0 \
	"Downloaded dataset version $V1 to $T/g1: 6 files written, 0 already present" ""
check "its files are intact" cmp "$T/g1/a.bin" "$T/g1/sub/a-again.bin"
check "its big file is intact" cmp "$T/g1/a.bin" "$T/g1/b.bin"
is "its small file is intact" "$(cat "$T/g1/c.txt")" "small text"

if is_s3; then
	ok "content objects are read-only # SKIP local store only"
else
	check "content objects are read-only" \
		test -z "$(find "$VDS_HOME/store/objects" -type f -perm /222)"
fi
bad=
for k in $(objects); do
	[ "$(store_cat "$k" | sha256sum | cut -d' ' -f1)" = "$(echo "$k" | sed 's|^objects/||; s|/||')" ] ||
		bad="$bad $k"
done
is "every content object still matches its key" "$bad" ""

# ---------------------------------------------------------------- immutability
vds datasets tags set --id "$V1" --name keep >/dev/null
before=$(snapshot "$V1")
check "snapshot taken" test -n "$before"
CD="datasets/$DS/versions/${V1#*:}"
# records: the version's change, commit and seal records
records() {
	for _r in changes seal; do store_ls "$CD/$_r" | sed "s|^|$_r/|"; done
	store_cat "$CD/commit.json" | sha256sum
}
records=$(records)
echo "$records" | grep -q "^changes/" && store_has "$CD/commit.json"
is "the version has a change and a commit record" "$?" 0

nbefore=$(nobj)
same() {
	is "$1: file list byte-identical" "$(snapshot "$V1")" "$before"
}
printf 'new\n' >"$T/new.txt"
vds datasets files put --id "$V1" --source-path "$T/new.txt" >/dev/null 2>&1
same "put of a new file refused"
vds datasets files put --id "$V1" --source-path "$T/new.txt" --target-path a.bin >/dev/null 2>&1
same "put over an existing path refused"
vds datasets files put --id "$DS:keep" --source-path "$T/renamed" >/dev/null 2>&1
same "put through a tag refused"
vds datasets files put --id "$DS:latest" --source-path "$T/renamed/" >/dev/null 2>&1
is "put through latest refused: latest unchanged" "$(snapshot "$V4")" "$(snapshot "$DS")"
vds datasets files delete --id "$V1" --path a.bin >/dev/null 2>&1
same "delete of a file refused"
vds datasets files delete --id "$V1" --path sub >/dev/null 2>&1
same "delete of a folder refused"
vds datasets files delete --id "$V1" --path / >/dev/null 2>&1
same "delete of the root refused"
vds datasets versions update --id "$V1" --message other >/dev/null 2>&1
same "update refused"
vds datasets versions commit --id "$V1" >/dev/null 2>&1
same "second commit refused"
vds datasets tags set --id "$V1" --name another >/dev/null 2>&1
same "tag set"
vds datasets tags delete --id "$DS:another" >/dev/null 2>&1
same "tag delete"
is "no change or commit records were added" "$(records)" "$records"
is "refused changes stored no content" "$(nobj)" "$nbefore"
vds datasets files get --id "$V1" --target-path "$T/g1b" >/dev/null
check "content unchanged after all refusals" diff -r "$T/g1" "$T/g1b"

done_testing
