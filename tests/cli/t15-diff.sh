#!/bin/sh
# t15-diff: versions diff, files diff and versions verify.
. "$VDS_SRCDIR/tests/cli/lib.sh"

# sha_file FILE: SHA-256 of FILE's content
sha_file() { sha256sum <"$1" | cut -c1-64; }
# damage KEY TEXT: replaces object KEY of the default store by TEXT
damage() { printf "$2" >"$T/damage" && store_put "$1" "$T/damage"; }
# stored KEY...: the default store holds every KEY
stored() { for _k; do store_has "$_k" || return 1; done; }
# gone KEY: the default store does not hold KEY
gone() { ! store_has "$1"; }
# commit_empty DS: an empty committed version of DS, printed as DS:VER
commit_empty() {
	_v=$(new_version "$1" --message empty)
	vds datasets versions commit --id "$_v" >/dev/null && printf '%s' "$_v"
}
# type_row DESC ERE: the Type row of the last files diff matches ERE
type_row() {
	if grep -Eq "$2" "$T/out"; then ok "$1"; else
		not_ok "$1"; diag "got:"; diag "$(grep '^| Type ' "$T/out")"
	fi
}
# pin DIR: the same mtime for everything under DIR
pin() { find "$1" -exec touch -h -d "@$MT" {} +; }

MT=1700000000

# ---- two versions of one dataset -------------------------------------------------------

# first: every kind of change starts from here
S1=$T/s1
mkdir -p "$S1/d"
printf 'one\ntwo\nthree\n' >"$S1/a.txt"          # 14 bytes, modified
printf 'keep\n' >"$S1/keep.txt"                 # 5, unchanged
printf 'gone\n' >"$S1/gone.txt"                 # 5, removed
printf 'renamed\n' >"$S1/old-name.txt"          # 8, renamed in its folder
printf 'moved\n' >"$S1/d/move.txt"              # 6, moved to another folder
printf '#!/bin/sh\n' >"$S1/run.sh"              # 10, only its mode changes
printf '\000\001\002binary' >"$S1/data.bin"     # 9, binary, modified
chmod 644 "$S1"/*.txt "$S1/d/move.txt" "$S1/run.sh" "$S1/data.bin"
pin "$S1"

S2=$T/s2
mkdir -p "$S2/e"
printf 'one\n2\nthree\nfour\n' >"$S2/a.txt"     # 17
printf 'keep\n' >"$S2/keep.txt"
printf 'new\n' >"$S2/new.txt"                   # 4, added
printf 'renamed\n' >"$S2/new-name.txt"
printf 'moved\n' >"$S2/e/move.txt"
printf '#!/bin/sh\n' >"$S2/run.sh"
printf '\000\001\002\003binary2' >"$S2/data.bin" # 11
chmod 644 "$S2"/*.txt "$S2/e/move.txt" "$S2/data.bin"
chmod 755 "$S2/run.sh"
pin "$S2"

ds=$(new_dataset left)
v1=$(new_version "$ds" --message first --source-path "$S1/")
v2=$(new_version "$ds" --message second --source-path "$S2/")
check "two committed versions" test -n "$v1" -a -n "$v2" -a "$v1" != "$v2"

changes_12=$(cat <<'EOF'
M  a.txt  (14 -> 17 bytes)
M  data.bin  (9 -> 11 bytes)
R  d/move.txt -> e/move.txt
D  gone.txt  (5 bytes)
R  old-name.txt -> new-name.txt
A  new.txt  (4 bytes)
M  run.sh  (10 -> 10 bytes)
EOF
)
summary_12="7 changes: 1 added, 1 removed, 3 modified, 2 renamed (+42 bytes, -38 bytes)"

run vds datasets versions diff --id "$v1" --to "$v2"
expect "diff: added, removed, modified, renamed, moved and a mode change, in path order" 0 \
	"$changes_12
$summary_12" ""
run vds datasets versions diff --id "$v1" --to "$v2" --stat
expect "diff --stat prints only the summary" 0 "$summary_12" ""
run vds datasets versions diff --id "$v2" --to "$v1" --stat
expect "diff the other way round swaps added and removed" 0 \
	"7 changes: 1 added, 1 removed, 3 modified, 2 renamed (+38 bytes, -42 bytes)" ""
run vds datasets versions diff --id "$v1" --to "left:latest"
expect "diff to NAME:latest" 0 "$changes_12
$summary_12" ""
run vds datasets versions diff --id="$v1" --to="$ds"
expect "diff to a bare dataset compares with its latest version" 0 "$changes_12
$summary_12" ""
run vds datasets versions diff --id "$v1" --to "$v2" --json
expect "diff --json" 0 "$(cat <<EOF
{
  "from": "$v1",
  "to": "$v2",
  "changes": [
    {"change":"modified","path":"a.txt","sizeBefore":14,"sizeAfter":17},
    {"change":"modified","path":"data.bin","sizeBefore":9,"sizeAfter":11},
    {"change":"renamed","from":"d/move.txt","to":"e/move.txt","size":6},
    {"change":"removed","path":"gone.txt","sizeBefore":5},
    {"change":"renamed","from":"old-name.txt","to":"new-name.txt","size":8},
    {"change":"added","path":"new.txt","sizeAfter":4},
    {"change":"modified","path":"run.sh","sizeBefore":10,"sizeAfter":10}
  ],
  "summary": {"added": 1, "removed": 1, "modified": 3, "renamed": 2, "bytesAdded": 42, "bytesRemoved": 38}
}
EOF
)" ""

# ---- identical versions ------------------------------------------------------------------

run vds datasets versions diff --id "$v1" --to "$v1"
expect "a version against itself" 0 "No differences between $v1 and $v1" ""
v3=$(new_version "$ds" --message again --source-path "$S2/")
run vds datasets versions diff --id "$v2" --to "$v3"
expect "two versions with the same files" 0 "No differences between $v2 and $v3" ""
run vds datasets versions diff --id "$v2" --to "$v3" --stat
expect "identical versions with --stat" 0 "No differences between $v2 and $v3" ""
run vds datasets versions diff --id "$v2" --to "$v3" --json
expect "identical versions with --json: no changes" 0 "$(cat <<EOF
{
  "from": "$v2",
  "to": "$v3",
  "changes": [
  ],
  "summary": {"added": 0, "removed": 0, "modified": 0, "renamed": 0, "bytesAdded": 0, "bytesRemoved": 0}
}
EOF
)" ""
touch -d "@$((MT + 3600))" "$S2/keep.txt"
v4=$(new_version "$ds" --message "new mtime" --source-path "$S2/")
run vds datasets versions diff --id "$v2" --to "$v4"
expect "a new mtime alone is no difference" 0 "No differences between $v2 and $v4" ""
pin "$S2"

# ---- empty versions ----------------------------------------------------------------------

eds=$(new_dataset empty)
e1=$(commit_empty "$eds")
e2=$(commit_empty "$eds")
check "two empty committed versions" test -n "$e1" -a -n "$e2" -a "$e1" != "$e2"
run vds datasets versions diff --id "$e1" --to "$e2"
expect "two empty versions" 0 "No differences between $e1 and $e2" ""
run vds datasets versions diff --id "$e1" --to "$v1"
expect "from an empty version every file is added" 0 "$(cat <<'EOF'
A  a.txt  (14 bytes)
A  d/move.txt  (6 bytes)
A  data.bin  (9 bytes)
A  gone.txt  (5 bytes)
A  keep.txt  (5 bytes)
A  old-name.txt  (8 bytes)
A  run.sh  (10 bytes)
7 changes: 7 added, 0 removed, 0 modified, 0 renamed (+57 bytes, -0 bytes)
EOF
)" ""
run vds datasets versions diff --id "$v1" --to "$e1" --stat
expect "to an empty version every file is removed" 0 \
	"7 changes: 0 added, 7 removed, 0 modified, 0 renamed (+0 bytes, -57 bytes)" ""
run vds datasets versions diff --id "$e1" --to "$v1" --json --stat
check "--json with --stat still prints the summary" \
	grep -q '"summary": {"added": 7, "removed": 0, "modified": 0, "renamed": 0, "bytesAdded": 57, "bytesRemoved": 0}' "$T/out"

# ---- across datasets ---------------------------------------------------------------------

rds=$(new_dataset right)
r1=$(new_version "$rds" --message copy --source-path "$S1/")
run vds datasets versions diff --id "$v1" --to "$r1"
expect "across datasets: the same files are no difference" 0 \
	"No differences between $v1 and $r1" ""
run vds datasets versions diff --id right --to "left:${v2#*:}"
expect "across datasets by name" 0 "$changes_12
$summary_12" ""
run vds datasets versions diff --id "$r1" --to "$v2" --json
check "--json names both datasets" grep -q "^  \"from\": \"$r1\",\$" "$T/out"
check "--json names both datasets (to)" grep -q "^  \"to\": \"$v2\",\$" "$T/out"

# ---- renames of duplicates, copies and escaped names --------------------------------------

U1=$T/u1 U2=$T/u2
mkdir -p "$U1" "$U2"
printf 'k\n' >"$U1/k"
printf 'same\n' >"$U1/x1"
printf 'same\n' >"$U1/x2"
printf 'k\n' >"$U2/k"
printf 'k\n' >"$U2/copy"
printf 'same\n' >"$U2/y"
printf 'abc' >"$U2/$(printf 'nl\nname')"
chmod 644 "$U1"/* "$U2"/*
pin "$U1"
pin "$U2"
dds=$(new_dataset dups)
u1=$(new_version "$dds" --source-path "$U1/")
u2=$(new_version "$dds" --source-path "$U2/")
run vds datasets versions diff --id "$u1" --to "$u2"
expect "a copy is added, one of two removed duplicates is renamed, names are escaped" 0 \
	"$(cat <<'EOF'
A  copy  (2 bytes)
A  nl\x0aname  (3 bytes)
D  x2  (5 bytes)
R  x1 -> y
4 changes: 2 added, 1 removed, 0 modified, 1 renamed (+5 bytes, -5 bytes)
EOF
)" ""
run vds datasets versions diff --id "$u1" --to "$u2" --json
expect "names are JSON strings in --json" 0 "$(cat <<EOF
{
  "from": "$u1",
  "to": "$u2",
  "changes": [
    {"change":"added","path":"copy","sizeAfter":2},
    {"change":"added","path":"nl\\nname","sizeAfter":3},
    {"change":"removed","path":"x2","sizeBefore":5},
    {"change":"renamed","from":"x1","to":"y","size":5}
  ],
  "summary": {"added": 2, "removed": 1, "modified": 0, "renamed": 1, "bytesAdded": 5, "bytesRemoved": 5}
}
EOF
)" ""

# ---- drafts ------------------------------------------------------------------------------

d=$(new_version "$ds" --message draft)
check "a draft" test -n "$d"
run vds datasets versions diff --id "$v1" --to "$d"
expect "an empty draft: every file of the version is removed" 0 \
	"$(cat <<'EOF'
D  a.txt  (14 bytes)
D  d/move.txt  (6 bytes)
D  data.bin  (9 bytes)
D  gone.txt  (5 bytes)
D  keep.txt  (5 bytes)
D  old-name.txt  (8 bytes)
D  run.sh  (10 bytes)
7 changes: 0 added, 7 removed, 0 modified, 0 renamed (+0 bytes, -57 bytes)
EOF
)" ""
vds datasets files put --id "$d" --source-path "$S1/" >/dev/null
run vds datasets versions diff --id "$v1" --to "$d"
expect "a draft holding its base's files" 0 "No differences between $v1 and $d" ""
DR=$T/draft
mkdir -p "$DR"
printf 'one\ntwo\nthree\nfour\n' >"$DR/a.txt"
: >"$DR/keep.txt"
chmod 644 "$DR"/*
pin "$DR"
vds datasets files put --id "$d" --source-path "$DR/a.txt" >/dev/null
run vds datasets versions diff --id "$v1" --to "$d"
expect "a draft with one change: '1 change'" 0 "M  a.txt  (14 -> 19 bytes)
1 change: 0 added, 0 removed, 1 modified, 0 renamed (+19 bytes, -14 bytes)" ""
run vds datasets versions diff --id "$d" --to "$v1" --stat
expect "from a draft" 0 "1 change: 0 added, 0 removed, 1 modified, 0 renamed (+14 bytes, -19 bytes)" ""
run vds datasets files diff --id "$v1" --to "$d" --path a.txt
expect "files diff of a text file changed in a draft" 0 "$(cat <<EOF
--- $v1/a.txt
+++ $d/a.txt
@@ -1,3 +1,4 @@
 one
 two
 three
+four
EOF
)" ""
vds datasets files put --id "$d" --source-path "$DR/keep.txt" >/dev/null
vds datasets files delete --id "$d" --path run.sh >/dev/null
run vds datasets versions diff --id "$v1" --to "$d"
expect "a draft emptied a file and lost one" 0 "$(cat <<'EOF'
M  a.txt  (14 -> 19 bytes)
M  keep.txt  (5 -> 0 bytes)
D  run.sh  (10 bytes)
3 changes: 0 added, 1 removed, 2 modified, 0 renamed (+19 bytes, -29 bytes)
EOF
)" ""
run vds datasets files diff --id "$v1" --to "$d" --path keep.txt
expect "files diff of a text file that became empty" 0 "$(cat <<EOF
--- $v1/keep.txt
+++ $d/keep.txt
@@ -1 +0,0 @@
-keep
EOF
)" ""

# ---- files diff ----------------------------------------------------------------------------

a_diff=$(cat <<EOF
--- $v1/a.txt
+++ $v2/a.txt
@@ -1,3 +1,4 @@
 one
-two
+2
 three
+four
EOF
)
run vds datasets files diff --id "$v1" --to "$v2" --path a.txt
expect "files diff of a text file: a unified diff" 0 "$a_diff" ""
run vds datasets files diff --id "$v1" --to "$v2" --path /a.txt
expect "files diff with a leading slash" 0 "$a_diff" ""
run vds datasets files diff --id "$r1" --to "$v2" --path a.txt
expect "files diff across datasets" 0 "$(cat <<EOF
--- $r1/a.txt
+++ $v2/a.txt
@@ -1,3 +1,4 @@
 one
-two
+2
 three
+four
EOF
)" ""
run vds datasets files diff --id "$v1" --to "$v2" --path keep.txt
expect "files diff of an unchanged file" 0 "'keep.txt' is the same in both (5 bytes)" ""
run vds datasets files diff --id "$v1" --to "$v2" --path new.txt
expect "files diff of a text file only in the second: compared with an empty file" 0 \
	"$(cat <<EOF
--- $v1/new.txt
+++ $v2/new.txt
@@ -0,0 +1 @@
+new
EOF
)" ""
run vds datasets files diff --id "$v1" --to "$v2" --path gone.txt
expect "files diff of a text file only in the first: compared with an empty file" 0 \
	"$(cat <<EOF
--- $v1/gone.txt
+++ $v2/gone.txt
@@ -1 +0,0 @@
-gone
EOF
)" ""
run vds datasets files diff --id "$v1" --to "$v2" --path nope.txt
expect "files diff of a path in neither" 3 "" "vds: no file 'nope.txt' in $v1 or $v2"
run vds datasets files diff --id "$v1" --to "$v2" --path e
expect "files diff of a folder" 3 "" "vds: no file 'e' in $v1 or $v2"

# a long TMPDIR must still work, and the temporary files go away
LT=$T/a-temporary-folder-with-a-name-long-enough-to-matter
mkdir -p "$LT"
run env TMPDIR="$LT" "$VDS_BIN" datasets files diff --id "$v1" --to "$v2" --path a.txt
expect "files diff with a long TMPDIR" 0 "$a_diff" ""
check "files diff leaves no temporary files" test -z "$(ls -A "$LT")"

# binaries: a table of sizes, hashes and types; the Type row depends on libmagic
sha_b1=$(sha_file "$S1/data.bin")
sha_b2=$(sha_file "$S2/data.bin")
# row W A B C: a table row whose last two columns are W and 64 wide
row() { printf "| %-7s | %-${1}s | %-64s |\n" "$2" "$3" "$4"; }
# rule W: the rule of such a table
rule() { printf '+%s+%s+%s+\n' "$(printf '%9s' '' | tr ' ' -)" \
	"$(printf "%$(($1 + 2))s" '' | tr ' ' -)" "$(printf '%66s' '' | tr ' ' -)"; }
run vds datasets files diff --id "$v1" --to "$v2" --path data.bin
is "files diff of a binary: sizes and hashes" "$(grep -v '^| Type ' "$T/out")" "$(
	rule 64; row 64 '' "$v1" "$v2"; rule 64
	row 64 Size 9 11; row 64 SHA-256 "$sha_b1" "$sha_b2"; rule 64)"
check "files diff of a binary: exit 0, nothing on stderr" test "$rc" = 0 -a ! -s "$T/err"
check "files diff of a binary: a Type row for both, 6th of 7 lines" \
	test "$(sed -n 6p "$T/out" | grep -Ec '^\| Type    \| [^- |\\][^|\\]* \| [^- |\\][^|\\]* \|$')" = 1 \
	-a "$(wc -l <"$T/out")" -eq 7

# two binaries of different types: each side shows its own
P1=$T/p1 P2=$T/p2
mkdir -p "$P1" "$P2"
printf '\000\001\002binary' >"$P1/img"
printf '\211PNG\r\n\032\n\000\000\000\rIHDR\000\000\000\001\000\000\000\001\010\006\000\000\000\037\025\304\211' \
	>"$P2/img"
pds=$(new_dataset images)
p1=$(new_version "$pds" --source-path "$P1/")
p2=$(new_version "$pds" --source-path "$P2/")
run vds datasets files diff --id "$p1" --to "$p2" --path img
is "files diff of binaries of two types: sizes and hashes" "$(grep -v '^| Type ' "$T/out")" "$(
	rule 64; row 64 '' "$p1" "$p2"; rule 64
	row 64 Size 9 33; row 64 SHA-256 "$(sha_file "$P1/img")" "$(sha_file "$P2/img")"; rule 64)"
type_row "files diff of binaries of two types: the second is a PNG image" \
	'^\| Type    \| [^- |\\][^|\\]* \| PNG image data[^|\\]* \|$'
run vds datasets files diff --id "$p2" --to "$p1" --path img
type_row "files diff of binaries of two types: the first is a PNG image" \
	'^\| Type    \| PNG image data[^|\\]* \| [^- |\\][^|\\]* \|$'
run vds datasets files diff --id "$e1" --to "$v2" --path data.bin
is "files diff of a binary only in the second: '-' for what is missing" \
	"$(grep -v '^| Type ' "$T/out")" "$(
	rule 23; row 23 '' "$e1" "$v2"; rule 23
	row 23 Size - 11; row 23 SHA-256 - "$sha_b2"; rule 23)"
type_row "files diff of a binary only in the second: the Type row" \
	'^\| Type    \| -                       \| [^- |\\][^|\\]* \|$'

run vds datasets files diff --id "$v1" --to "$v2"
expect "files diff needs --path" 2 "" "vds: missing option '--path' for 'vds datasets files diff'"
run vds datasets versions diff --id "$v1"
expect "versions diff needs --to" 2 "" "vds: missing option '--to' for 'vds datasets versions diff'"
run vds datasets versions diff --id "$v1" --to "$ds:zzzzzzz"
expect "versions diff to an unknown version" 3 "" "vds: no version or tag 'zzzzzzz' in dataset $ds"

# ---- verify --------------------------------------------------------------------------------

C=$T/c
mkdir -p "$C/sub"
printf 'first\n' >"$C/f1"
printf 'second\n' >"$C/f2"
printf 'third\n' >"$C/sub/f3"
chmod 644 "$C/f1" "$C/f2" "$C/sub/f3"
pin "$C"
cds=$(new_dataset checked)
c1=$(new_version "$cds" --message checked --source-path "$C/")
run vds datasets versions verify --id "$c1"
expect "verify an intact version" 0 "Verified 3 files of $c1: all intact" ""
run vds datasets versions verify --id checked --concurrency 2
expect "verify NAME (latest) with --concurrency" 0 "Verified 3 files of $c1: all intact" ""
run vds datasets versions verify --id "$e1"
expect "verify an empty version" 0 "Verified 0 files of $e1: all intact" ""

o2=$(object_key "$(sha_file "$C/f2")")
o3=$(object_key "$(sha_file "$C/sub/f3")")
check "the content objects are where the store keeps them" stored "$o2" "$o3"
damage "$o2" 'SECOND\n'
run vds datasets versions verify --id "$c1"
expect "verify finds damaged content" 9 "BAD  f2: content does not match its SHA-256" \
	"vds: 1 of 3 files of $c1 are damaged or missing"
damage "$o2" 'sec'
run vds datasets versions verify --id "$c1" --concurrency 1
expect "verify finds truncated content" 9 "BAD  f2: content does not match its SHA-256" \
	"vds: 1 of 3 files of $c1 are damaged or missing"
damage "$o2" 'second\n'
run vds datasets versions verify --id "$c1"
expect "verify once the content is repaired" 0 "Verified 3 files of $c1: all intact" ""
store_rm "$o3"
check "the content object is deleted" gone "$o3"
run vds datasets versions verify --id "$c1"
expect "verify finds missing content" 9 "BAD  sub/f3: content missing" \
	"vds: 1 of 3 files of $c1 are damaged or missing"
damage "$o2" 'SECOND\n'
run vds datasets versions verify --id "$c1" --concurrency 4
check "verify with two bad files: exit 9" test "$rc" = 9
is "verify with two bad files: both reported" "$(sort "$T/out")" \
	"BAD  f2: content does not match its SHA-256
BAD  sub/f3: content missing"
is "verify with two bad files: the count" "$(cat "$T/err")" \
	"vds: 2 of 3 files of $c1 are damaged or missing"

# drafts are verified too
cd2=$(new_version "$cds" --message "draft to check")
printf 'only in the draft\n' >"$T/draft-only"
vds datasets files put --id "$cd2" --source-path "$T/draft-only" >/dev/null
run vds datasets versions verify --id "$cd2"
expect "verify a draft" 0 "Verified 1 file of $cd2: all intact" ""
od=$(object_key "$(sha_file "$T/draft-only")")
store_rm "$od"
check "the draft's content object is deleted" gone "$od"
run vds datasets versions verify --id "$cd2"
expect "verify a draft with missing content" 9 "BAD  draft-only: content missing" \
	"vds: 1 of 1 files of $cd2 are damaged or missing"
run vds datasets versions verify --id "$cds:zzzzzzz"
expect "verify an unknown version" 3 "" "vds: no version or tag 'zzzzzzz' in dataset $cds"

done_testing
