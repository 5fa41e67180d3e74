#!/bin/sh
# t07-get: files get writes a version's files exactly, resumes, and never
# writes outside the target folder.
. "$VDS_SRCDIR/tests/cli/lib.sh"

# sha256 HEX of stdin
sha() { sha256sum | cut -d' ' -f1; }

# put_object FILE: stores FILE as a content object of the default store, prints its hash
put_object() {
	_h=$(sha <"$1")
	store_put "$(object_key "$_h")" "$1" && echo "$_h"
}

# craft_version DS VER MANIFEST_FILE FILES SIZE: writes a committed version by hand
craft_version() {
	_m=$(put_object "$3")
	_vk="datasets/$1/versions/$2"
	printf '{"id":"%s","message":"crafted","created":"2024-01-01T00:00:00.000000Z"}\n' "$2" |
		store_put_record "$_vk/version.json"
	printf '{"committed":"2024-01-01T00:00:01.000000Z","message":"crafted","manifest":"%s","files":%s,"size":%s,"changes":[],"seal":"00060c5a3a1a8c00-aaaaaaaa"}\n' \
		"$_m" "$4" "$5" | store_put_record "$_vk/commit.json"
}

# nothing_in DIR: true if DIR is absent or empty
nothing_in() { [ ! -e "$1" ] || [ -z "$(ls -A "$1")" ]; }

# ---------------------------------------------------------------- setup
S="$T/src"
mkdir -p "$S/sub/deep" "$S/empty-parent/e"
printf 'hello\n' >"$S/a.txt"
printf 'second file\n' >"$S/sp ace.txt"
: >"$S/zero"
head -c 1048577 /dev/urandom >"$S/sub/big.bin"
printf 'bbb\n' >"$S/sub/b.txt"
printf '#!/bin/sh\necho deep\n' >"$S/sub/deep/run.sh"
printf 'eee\n' >"$S/empty-parent/e/e.txt"
ln -s ../a.txt "$S/sub/link"
ln -s deep/run.sh "$S/sub/rel"
chmod 600 "$S/sub/b.txt"
chmod 755 "$S/sub/deep/run.sh"
chmod 444 "$S/zero"
touch -d '2020-01-02 03:04:05' "$S/a.txt"
touch -d '1999-12-31 23:59:59' "$S/sub/big.bin"
touch -d '2011-11-11 11:11:11' "$S/sub/deep/run.sh"
NFILES=9

DS=$(new_dataset getds)
V=$(new_version "$DS" --message one --source-path "$S/")
check "version created" test -n "$V"

# ---------------------------------------------------------------- whole version
O="$T/out1"
run vds datasets files get --id "$DS" --target-path "$O"
expect "get of the whole version" 0 \
	"Downloaded dataset version $V to $O: $NFILES files written, 0 already present" ""
check "the files are byte-for-byte equal to the source" diff -r "$S" "$O"
check "a.txt equal" cmp "$S/a.txt" "$O/a.txt"
check "big binary file equal" cmp "$S/sub/big.bin" "$O/sub/big.bin"
check "empty file written" test -f "$O/zero" -a ! -s "$O/zero"

modes() { (cd "$1" && find . -type f | LC_ALL=C sort | while IFS= read -r f; do
	printf '%s %s %s\n' "$f" "$(stat -c %a "$f")" "$(stat -c %Y "$f")"; done); }
is "modes and mtimes preserved" "$(modes "$O")" "$(modes "$S")"
is "mode of run.sh" "$(stat -c %a "$O/sub/deep/run.sh")" "755"
is "mtime of a.txt" "$(stat -c %Y "$O/a.txt")" "$(stat -c %Y "$S/a.txt")"

check "link recreated as a link" test -L "$O/sub/link"
is "link target" "$(readlink "$O/sub/link")" "../a.txt"
is "second link target" "$(readlink "$O/sub/rel")" "deep/run.sh"
check "no temporary files left" test -z "$(find "$O" -name '.vds-*')"
if is_s3; then
	check "content read from the bucket is kept in the cache" \
		cmp "$S/sub/big.bin" "$VDS_HOME/cache/$(object_key "$(sha <"$S/sub/big.bin")")"
else
	ok "content read from the bucket is kept in the cache # SKIP remote store only"
fi

run vds datasets files get --id "$V" --target-path "$O"
expect "second get writes nothing" 0 \
	"Downloaded dataset version $V to $O: 0 files written, $NFILES already present" ""

vds datasets tags set --id "$V" --name v1 >/dev/null
run vds datasets files get --id "$DS:v1" --target-path "$O"
expect "get through a tag names the version" 0 \
	"Downloaded dataset version $V to $O: 0 files written, $NFILES already present" ""
(cd "$T" && vds datasets files get --id "$V" --target-path out1) >"$T/out" 2>"$T/err"; rc=$?
expect "a relative target folder is shown as given" 0 \
	"Downloaded dataset version $V to out1: 0 files written, $NFILES already present" ""

# ---------------------------------------------------------------- resume
ino() { stat -c %i "$1"; }
ino_a=$(ino "$O/a.txt") ino_zero=$(ino "$O/zero") ino_b=$(ino "$O/sub/b.txt")
rm "$O/sub/big.bin" "$O/sub/deep/run.sh"
printf 'HELLO\n' >"$O/a.txt"   # same size, other bytes
ino_a=$(ino "$O/a.txt")
run vds datasets files get --id "$V" --target-path "$O"
expect "resume rewrites exactly the missing and corrupt files" 0 \
	"Downloaded dataset version $V to $O: 3 files written, $((NFILES - 3)) already present" ""
check "resumed tree equals the source" diff -r "$S" "$O"
check "corrupt file was replaced (new inode)" test "$(ino "$O/a.txt")" != "$ino_a"
is "untouched files kept (same inodes)" "$(ino "$O/zero") $(ino "$O/sub/b.txt")" "$ino_zero $ino_b"
is "resumed mtime" "$(stat -c %Y "$O/sub/big.bin")" "$(stat -c %Y "$S/sub/big.bin")"

printf 'hello!\n' >"$O/a.txt"   # other size
run vds datasets files get --id "$V" --target-path "$O"
expect "a file of another size is rewritten" 0 \
	"Downloaded dataset version $V to $O: 1 file written, $((NFILES - 1)) already present" ""
check "tree equal again" diff -r "$S" "$O"

# ---------------------------------------------------------------- --source-path
O2="$T/out2"
run vds datasets files get --id "$V" --source-path sub/b.txt --target-path "$O2"
expect "get of one file" 0 \
	"Downloaded dataset version $V to $O2: 1 file written, 0 already present" ""
check "the file keeps its version path" cmp "$S/sub/b.txt" "$O2/sub/b.txt"
is "only that file written" "$(cd "$O2" && find . ! -type d | LC_ALL=C sort)" "./sub/b.txt"
is "its mode" "$(stat -c %a "$O2/sub/b.txt")" "600"

O3="$T/out3"
run vds datasets files get --id "$V" --source-path sub --target-path "$O3"
expect "get of a folder" 0 \
	"Downloaded dataset version $V to $O3: 5 files written, 0 already present" ""
check "folder equal to the source folder" diff -r --no-dereference "$S/sub" "$O3/sub"
is "only the folder written" "$(ls -A "$O3")" "sub"

O3b="$T/out3b"
run vds datasets files get --id "$V" --source-path /sub/deep/ --source-path "sp ace.txt" \
	--target-path "$O3b"
expect "get of several paths, slashes normalised" 0 \
	"Downloaded dataset version $V to $O3b: 2 files written, 0 already present" ""
is "exactly those written" "$(cd "$O3b" && find . ! -type d | LC_ALL=C sort)" \
	"$(printf './sp ace.txt\n./sub/deep/run.sh')"

run vds datasets files get --id "$V" --source-path sub/nope --target-path "$T/out3c"
expect "get of a missing path fails" 3 "" "vds: no such file or folder 'sub/nope' in $V"
check "nothing created for a missing path" nothing_in "$T/out3c"

run vds datasets files get --id "$V" --source-path ../a.txt --target-path "$T/out3d"
expect "get of a '..' path is refused" 4 "" \
	"vds: path '../a.txt' may not contain '.' or '..'"
check "nothing created for a '..' path" nothing_in "$T/out3d"

# ---------------------------------------------------------------- crafted unsafe manifests
HELLO=$(printf 'hello\n' | sha)
mkdir -p "$T/trav/dir"
for label in '../x' '/ABS' 'sub/../../x' '\x2e\x2e/x' 'a/./b' 'a//b'; do
	bad=$label
	case $bad in /ABS) bad="$T/trav/abs" ;; esac
	ver=$(printf '%s' "$bad" | sha | tr -dc 'a-z' | cut -c1-7)
	while [ ${#ver} -lt 7 ]; do ver="${ver}a"; done
	printf 'vds-manifest 1\nF %s 6 644 1577934245 %s\n' "$HELLO" "$bad" >"$T/manifest"
	craft_version "$DS" "$ver" "$T/manifest" 1 6
	run vds datasets files get --id "$DS:$ver" --target-path "$T/trav/dir/out"
	expect "manifest path '$label' refused" 9 "" \
		"vds: corrupt file list of $DS:$ver: line 2: malformed or unsafe entry"
	check "nothing written for '$label'" test -z "$(cd "$T/trav" && find . ! -type d)"
	check "target folder not created for '$label'" nothing_in "$T/trav/dir/out"
	check "no file outside for '$label'" test ! -e "$T/trav/abs" -a ! -e "$T/trav/x" \
		-a ! -e "$T/trav/dir/x" -a ! -e "$T/x"
	store_rm "datasets/$DS/versions/$ver"
done

# a good entry before the bad one: still nothing at all is written
printf 'vds-manifest 1\nF %s 6 644 1577934245 a.txt\nF %s 6 644 1577934245 b/../../../x\n' \
	"$HELLO" "$HELLO" >"$T/manifest"
craft_version "$DS" mixed01 "$T/manifest" 2 12
run vds datasets files get --id "$DS:mixed01" --target-path "$T/trav/dir/out"
expect "an unsafe entry after a good one is refused" 9 "" \
	"vds: corrupt file list of $DS:mixed01: line 3: malformed or unsafe entry"
check "nothing at all written" test -z "$(cd "$T/trav" && find . ! -type d)"
store_rm "datasets/$DS/versions/mixed01"

# a link entry pointing outside the target is not created
LT=$(printf '../../../outside' | sha)
printf '../../../outside' >"$T/linkobj" && put_object "$T/linkobj" >/dev/null
printf 'vds-manifest 1\nF %s 6 644 1577934245 a.txt\nL %s 16 777 1577934245 d/evil\n' \
	"$HELLO" "$LT" >"$T/manifest"
craft_version "$DS" evillnk "$T/manifest" 2 22
run vds datasets files get --id "$DS:evillnk" --target-path "$T/trav/dir/out"
expect "a link pointing outside is skipped with a warning" 0 \
	"Downloaded dataset version $DS:evillnk to $T/trav/dir/out: 1 file written, 0 already present" \
	"vds: warning: skipping link 'd/evil': it resolves outside the version"
check "the link was not created" test ! -e "$T/trav/dir/out/d/evil" -a ! -L "$T/trav/dir/out/d/evil"
store_rm "datasets/$DS/versions/evillnk"
rm -rf "$T/trav/dir/out"

# ---------------------------------------------------------------- links in the target folder
E="$T/elsewhere"
mkdir -p "$E" "$T/out4"
ln -s "$E" "$T/out4/sub"
run vds datasets files get --id "$V" --source-path sub/b.txt --target-path "$T/out4"
expect "a linked folder in the way is not followed" 6 "" \
	"vds: cannot write 'sub/b.txt': a file or link is in the way"
check "nothing written through the link" nothing_in "$E"
run vds datasets files get --id "$V" --concurrency 1 --target-path "$T/out4"
is "whole get with a linked folder in the way: exit 6" "$rc" 6
check "still nothing written through the link" nothing_in "$E"
check "the link itself is left alone" test -L "$T/out4/sub"

# a link in place of a file is replaced, its target left alone
mkdir -p "$T/out5"
printf 'victim\n' >"$E/victim"
ln -s "$E/victim" "$T/out5/a.txt"
run vds datasets files get --id "$V" --source-path a.txt --target-path "$T/out5"
expect "a link in place of a file is replaced" 0 \
	"Downloaded dataset version $V to $T/out5: 1 file written, 0 already present" ""
check "now a regular file" test -f "$T/out5/a.txt" -a ! -L "$T/out5/a.txt"
is "the link's target is unchanged" "$(cat "$E/victim")" "victim"

# a file in place of a folder
mkdir -p "$T/out6"
printf 'x' >"$T/out6/sub"
run vds datasets files get --id "$V" --source-path sub/b.txt --target-path "$T/out6"
expect "a file in place of a folder is a conflict" 6 "" \
	"vds: cannot write 'sub/b.txt': a file or link is in the way"
is "the file is left alone" "$(cat "$T/out6/sub")" "x"

# a folder in place of a file
mkdir -p "$T/out7/a.txt"
run vds datasets files get --id "$V" --source-path a.txt --target-path "$T/out7"
expect "a folder in place of a file is a conflict" 6 "" \
	"vds: cannot write 'a.txt': a folder is in the way"
check "the folder is left alone, no temporary files" test -d "$T/out7/a.txt" -a \
	-z "$(find "$T/out7" -name '.vds-*')"

# ---------------------------------------------------------------- corrupt content in the store
DS2=$(new_dataset corrupt)
mkdir -p "$T/c"
printf 'precious content\n' >"$T/c/p.txt"
printf 'other content\n' >"$T/c/q.txt"
V2=$(new_version "$DS2" --source-path "$T/c/")
P=$(printf 'precious content\n' | sha)
OBJ=$(object_key "$P")
printf 'PRECIOUS CONTENT\n' >"$T/corrupt"
store_put "$OBJ" "$T/corrupt"
run vds datasets files get --id "$V2" --source-path p.txt --target-path "$T/out8"
if is_s3; then # the check happens as the content arrives from the bucket
	expect "corrupt content is refused" 9 "" \
		"vds: content of 'p.txt' does not match its SHA-256"
	check "corrupt content is not kept in the cache" test ! -e "$VDS_HOME/cache/$OBJ"
else
	expect "corrupt content is refused" 9 "" \
		"vds: content of 'p.txt' does not match its SHA-256"
	ok "corrupt content is not kept in the cache # SKIP remote store only"
fi
check "no file under the final name" test ! -e "$T/out8/p.txt"
check "no temporary file left" test -z "$(find "$T/out8" -name '.vds-*' 2>/dev/null)"

mkdir -p "$T/out9"
printf 'precious contenX\n' >"$T/out9/p.txt"
run vds datasets files get --id "$V2" --target-path "$T/out9"
is "whole get with corrupt content: exit 9" "$rc" 9
is "a stale file is not replaced by corrupt content" "$(cat "$T/out9/p.txt")" "precious contenX"

store_rm "$OBJ"
run vds datasets files get --id "$V2" --source-path p.txt --target-path "$T/out10"
expect "missing content is refused" 9 "" \
	"vds: content of 'p.txt' is missing from the store"
check "no file written for missing content" test ! -e "$T/out10/p.txt"

done_testing
