#!/bin/sh
# t05-tags: tags set, move, list, delete, name rules and DS:TAG references.
. "$VDS_SRCDIR/tests/cli/lib.sh"

# norm_times: replaces the times in the last output by YYYY-MM-DD HH:MM:SS
norm_times() {
	sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}/YYYY-MM-DD HH:MM:SS/g' \
		"$T/out" >"$T/out.n" && mv "$T/out.n" "$T/out"
}

empty_tags=$(cat <<'EOF'
+----+------+
| ID | Name |
+----+------+
+----+------+
EOF
)

mkdir -p "$T/one" "$T/two/sub"
printf 'version one\n' >"$T/one/a.txt"
printf 'version two\n' >"$T/two/a.txt"
printf 'deeper\n' >"$T/two/sub/b.txt"

run vds datasets create --name tagged
ds=$(sed -n 's/^Created dataset: //p' "$T/out")
v1=$(new_version "$ds" --message one --source-path "$T/one/")
v2=$(new_version "$ds" --message two --source-path "$T/two/")
draft=$(new_version "$ds" --message draft)
check "three versions were made" test -n "$v1" -a -n "$v2" -a -n "$draft"

# ---- set and list ----------------------------------------------------------------

run vds datasets tags list --id "$ds"
expect "no tags yet" 0 "$empty_tags" ""
run vds datasets tags list --id "$ds" --json
expect "no tags yet (--json)" 0 "[]" ""

run vds datasets tags set --id "$v1" --name stable
expect "set a tag" 0 "Set dataset tag: $ds:stable" ""
check "the tag is a record in the store" \
	test -n "$(store_ls "datasets/$ds/tags/stable")"
run vds datasets tags set --id "tagged:${v1#*:}" --name v1.0
expect "set a tag through the dataset's name" 0 "Set dataset tag: $ds:v1.0" ""
run vds datasets tags set --id "$ds:latest" --name newest
expect "set a tag on DS:latest" 0 "Set dataset tag: $ds:newest" ""

run vds datasets tags list --id "$ds"
expect "tags list, sorted by name" 0 "$(cat <<EOF
+-------------------------+--------+
| ID                      | Name   |
+-------------------------+--------+
| $v2 | newest |
| $v1 | stable |
| $v1 | v1.0   |
+-------------------------+--------+
EOF
)" ""
run vds datasets tags list --id tagged --json
expect "tags list --json, by dataset name" 0 "$(printf '[{
\t\t"id":\t"%s",
\t\t"name":\t"newest",
\t\t"version":\t"%s"
\t}, {
\t\t"id":\t"%s",
\t\t"name":\t"stable",
\t\t"version":\t"%s"
\t}, {
\t\t"id":\t"%s",
\t\t"name":\t"v1.0",
\t\t"version":\t"%s"
\t}]' "$v2" "${v2#*:}" "$v1" "${v1#*:}" "$v1" "${v1#*:}")" ""

run vds datasets versions list --id "$ds"
expect "versions list shows the tags of each version" 0 "$(cat <<EOF
+-------------------------+-----------+-------+------+---------+--------------+
| ID                      | State     | Files | Size | Message | Tags         |
+-------------------------+-----------+-------+------+---------+--------------+
| $draft | draft     | 0     | 0 B  | draft   |              |
| $v2 | committed | 2     | 19 B | two     | newest       |
| $v1 | committed | 1     | 12 B | one     | stable, v1.0 |
+-------------------------+-----------+-------+------+---------+--------------+
EOF
)" ""

# ---- DS:TAG references -------------------------------------------------------------

run vds datasets versions details --id "$ds:stable"
norm_times
v1_details=$(cat <<EOF
+--------------+-------------------------+
| ID           | $v1 |
+--------------+-------------------------+
| Message      | one                     |
| Committed    | true                    |
| Tags         | stable, v1.0            |
| Files        | 1                       |
| Size         | 12 (12 B)               |
| Created      | YYYY-MM-DD HH:MM:SS     |
| Committed At | YYYY-MM-DD HH:MM:SS     |
+--------------+-------------------------+
EOF
)
expect "versions details DS:TAG" 0 "$v1_details" ""
run vds datasets versions details --id "tagged:v1.0"
norm_times
expect "versions details NAME:TAG" 0 "$v1_details" ""
run vds datasets files list --id "$ds:stable"
expect "files list DS:TAG" 0 "$(cat <<'EOF'
+-------+------+
| Name  | Size |
+-------+------+
| a.txt | 12   |
+-------+------+
EOF
)" ""
run vds datasets files list --id "$ds:newest" --recursive
expect "files list DS:TAG --recursive" 0 "$(cat <<'EOF'
+-----------+------+
| Name      | Size |
+-----------+------+
| a.txt     | 12   |
| sub/b.txt | 7    |
+-----------+------+
EOF
)" ""
run vds datasets files list --id "$ds:nosuchtag"
expect "files list of an unknown tag" 3 "" "vds: no version or tag 'nosuchtag' in dataset $ds"

# ---- move a tag --------------------------------------------------------------------

run vds datasets tags set --id "$v2" --name stable
expect "set an existing tag on another version moves it" 0 "Set dataset tag: $ds:stable" ""
run vds datasets tags list --id "$ds"
expect "the moved tag points at the new version" 0 "$(cat <<EOF
+-------------------------+--------+
| ID                      | Name   |
+-------------------------+--------+
| $v2 | newest |
| $v2 | stable |
| $v1 | v1.0   |
+-------------------------+--------+
EOF
)" ""
run vds datasets files list --id "$ds:stable"
expect "DS:TAG follows the move" 0 "$(cat <<'EOF'
+-------+------+
| Name  | Size |
+-------+------+
| a.txt | 12   |
| sub/  | 7    |
+-------+------+
EOF
)" ""
run vds datasets versions list --id "$ds" --isCommitted true
expect "the old version lost the tag" 0 "$(cat <<EOF
+-------------------------+-----------+-------+------+---------+----------------+
| ID                      | State     | Files | Size | Message | Tags           |
+-------------------------+-----------+-------+------+---------+----------------+
| $v2 | committed | 2     | 19 B | two     | newest, stable |
| $v1 | committed | 1     | 12 B | one     | v1.0           |
+-------------------------+-----------+-------+------+---------+----------------+
EOF
)" ""
run vds datasets tags set --id "$v2" --name stable
expect "setting a tag where it is already is fine" 0 "Set dataset tag: $ds:stable" ""
is "only the newest record of a tag is kept" \
	"$(store_ls "datasets/$ds/tags/stable" | wc -l | tr -d ' ')" 1
run vds datasets tags set --id "$ds:v1.0" --name stable
expect "a tag can be set through another tag" 0 "Set dataset tag: $ds:stable" ""
run vds datasets versions details --id "$ds:stable"
norm_times
expect "stable is back on the first version" 0 "$v1_details" ""

# ---- refused sets ------------------------------------------------------------------

run vds datasets tags set --id "$draft" --name wip
expect "tag on a draft refused (conflict)" 6 "" \
	"vds: dataset version $draft is a draft: commit it before tagging"
run vds datasets tags set --id "$ds:zzzzzzz" --name x
expect "tag on an unknown version" 3 "" "vds: no version or tag 'zzzzzzz' in dataset $ds"
run vds datasets tags set --id "$ds" --name x
expect "tag set needs DS:VER" 4 "" \
	"vds: expected a version reference DATASET:VERSION, not '$ds'"
run vds datasets tags set --id "dsaaaaaaaaaaaaa:${v1#*:}" --name x
expect "tag set in an unknown dataset" 3 "" "vds: no such dataset 'dsaaaaaaaaaaaaa'"
run vds datasets tags set --id "$v1" --name "${v2#*:}"
expect "a tag named like another version's id is refused" 4 "" \
	"vds: tag name '${v2#*:}' is the id of a version of dataset $ds"
run vds datasets tags set --id "$v1" --name "${draft#*:}"
expect "a tag named like a draft's id is refused" 4 "" \
	"vds: tag name '${draft#*:}' is the id of a version of dataset $ds"
run vds datasets tags set --id "$v1" --name "${v1#*:}"
expect "a tag named like the id of the version it tags is refused too" 4 "" \
	"vds: tag name '${v1#*:}' is the id of a version of dataset $ds"
[ "$rc" != 0 ] || vds datasets tags delete --id "$v1" >/dev/null

# ---- tag name rules -------------------------------------------------------------

bad_name() { # DESC NAME MESSAGE
	run vds datasets tags set --id "$v1" --name "$2"
	expect "refused tag name: $1" 4 "" "vds: $3"
}
bad_name "empty" "" "tag name may not be empty"
bad_name "latest" latest "'latest' is reserved and cannot be a tag name"
bad_name "." . "tag name '.' is not allowed"
bad_name ".." .. "tag name '..' is not allowed"
bad_name "leading -" -rc1 "tag name '-rc1' may not start with '-'"
bad_name "only -" - "tag name '-' may not start with '-'"
bad_name "slash" release/1 "tag name 'release/1' may not contain '/'"
bad_name "colon" a:b "tag name 'a:b' may not contain ':'"
bad_name "space" "a b" "tag name 'a b' may not contain ' '"
bad_name "backslash" 'a\b' "tag name 'a\\x5cb' may not contain '\\'"
bad_name "tab" "$(printf 'a\tb')" "tag name 'a\\x09b' contains control characters"
bad_name "newline" "$(printf 'a\nb')" "tag name 'a\\x0ab' contains control characters"
bad_name "escape" "$(printf 'a\033b')" "tag name 'a\\x1bb' contains control characters"
bad_name "DEL" "$(printf 'a\177b')" "tag name 'a\\x7fb' contains control characters"
bad_name "129 bytes" "$(printf '%0129d' 0)" "tag name is longer than 128 bytes"
bad_name "129 bytes of UTF-8" "$(printf 'é%.0s' $(seq 64))x" "tag name is longer than 128 bytes"

bad_utf8() { # DESC NAME
	run vds datasets tags set --id "$v1" --name "$2"
	expect "refused tag name: $1 (exit 4)" 4 ""
	check "refused tag name: $1 (message)" grep -q "is not valid UTF-8\$" "$T/err"
}
bad_utf8 "stray continuation byte" "$(printf 'a\200b')"
bad_utf8 "0xff byte" "$(printf 'a\377b')"
bad_utf8 "overlong encoding" "$(printf 'a\300\257')"
bad_utf8 "truncated sequence" "$(printf 'a\342\202')"
bad_utf8 "UTF-16 surrogate" "$(printf 'a\355\240\200')"

run vds datasets tags list --id "$ds"
expect "refused names left the tags as they were" 0 "$(cat <<EOF
+-------------------------+--------+
| ID                      | Name   |
+-------------------------+--------+
| $v2 | newest |
| $v1 | stable |
| $v1 | v1.0   |
+-------------------------+--------+
EOF
)" ""

# ---- names that are allowed ----------------------------------------------------------

long=$(printf '%0128d' 0)
run vds datasets tags set --id "$v2" --name "$long"
expect "a name of exactly 128 bytes" 0 "Set dataset tag: $ds:$long" ""
run vds datasets tags delete --id "$ds:$long"
expect "delete the 128-byte tag" 0 "Deleted dataset tag: $ds:$long" ""
run vds datasets tags set --id "$v2" --name "日本"
expect "a UTF-8 tag name" 0 "Set dataset tag: $ds:日本" ""
run vds datasets tags set --id "$v2" --name "Ünïcödé✓"
expect "another UTF-8 tag name" 0 "Set dataset tag: $ds:Ünïcödé✓" ""
run vds datasets tags set --id "$v1" --name "%41"
expect "a name with '%'" 0 "Set dataset tag: $ds:%41" ""
run vds datasets tags set --id "$v1" --name "A"
expect "a name that '%41' could be mistaken for" 0 "Set dataset tag: $ds:A" ""
run vds datasets tags set --id "$v1" --name ".dot"
expect "a name starting with '.'" 0 "Set dataset tag: $ds:.dot" ""

run vds datasets tags list --id "$ds"
expect "UTF-8 names sort bytewise and align by width" 0 "$(cat <<EOF
+-------------------------+----------+
| ID                      | Name     |
+-------------------------+----------+
| $v1 | %41      |
| $v1 | .dot     |
| $v1 | A        |
| $v2 | newest   |
| $v1 | stable   |
| $v1 | v1.0     |
| $v2 | Ünïcödé✓ |
| $v2 | 日本     |
+-------------------------+----------+
EOF
)" ""
run vds datasets versions details --id "$ds:日本" --json
check "DS:UTF8TAG resolves" grep -q "\"id\":	\"$v2\"" "$T/out"
run vds datasets files list --id "$ds:Ünïcödé✓" --path sub
expect "files list DS:UTF8TAG" 0 "$(cat <<'EOF'
+-------+------+
| Name  | Size |
+-------+------+
| b.txt | 7    |
+-------+------+
EOF
)" ""
run vds datasets versions details --id "$ds:A" --json
check "'A' and '%41' are different tags (A)" grep -q "\"id\":	\"$v1\"" "$T/out"
run vds datasets tags delete --id "$ds:%41"
expect "delete '%41'" 0 "Deleted dataset tag: $ds:%41" ""
run vds datasets versions details --id "$ds:A" --json
check "'A' survives the delete of '%41'" grep -q "\"id\":	\"$v1\"" "$T/out"

# ---- delete ----------------------------------------------------------------------

run vds datasets tags delete --id "$ds:v1.0"
expect "delete a tag" 0 "Deleted dataset tag: $ds:v1.0" ""
run vds datasets versions details --id "$ds:v1.0"
expect "a deleted tag no longer resolves" 3 "" "vds: no version or tag 'v1.0' in dataset $ds"
run vds datasets tags delete --id "$ds:v1.0"
expect "delete it twice" 3 "" "vds: no such tag 'v1.0' in dataset $ds"
run vds datasets tags delete --id "$ds:nosuch"
expect "delete of an unknown tag" 3 "" "vds: no such tag 'nosuch' in dataset $ds"
run vds datasets tags delete --id "$v1"
expect "a version id is not a tag" 3 "" "vds: no such tag '${v1#*:}' in dataset $ds"
run vds datasets tags delete --id "$ds"
expect "delete needs DS:TAG" 4 "" "vds: expected a tag reference DATASET:TAG, not '$ds'"
run vds datasets tags delete --id "$ds:"
expect "delete with an empty tag" 4 "" \
	"vds: malformed reference '$ds:': expected DATASET[:VERSION|:TAG]"
run vds datasets tags delete --id "dsaaaaaaaaaaaaa:stable"
expect "delete in an unknown dataset" 3 "" "vds: no such dataset 'dsaaaaaaaaaaaaa'"
run vds datasets tags delete --id "tagged:日本"
expect "delete through the dataset's name" 0 "Deleted dataset tag: $ds:日本" ""
run vds datasets tags set --id "$v2" --name "v1.0"
expect "a deleted tag can be set again" 0 "Set dataset tag: $ds:v1.0" ""

run vds datasets tags list --id "$ds"
expect "tags after the deletes" 0 "$(cat <<EOF
+-------------------------+----------+
| ID                      | Name     |
+-------------------------+----------+
| $v1 | .dot     |
| $v1 | A        |
| $v2 | newest   |
| $v1 | stable   |
| $v2 | v1.0     |
| $v2 | Ünïcödé✓ |
+-------------------------+----------+
EOF
)" ""

# ---- tags belong to one dataset ------------------------------------------------------

run vds datasets create --name other
other=$(sed -n 's/^Created dataset: //p' "$T/out")
run vds datasets tags list --id other
expect "another dataset has no tags" 0 "$empty_tags" ""
run vds datasets versions details --id "$other:stable"
expect "another dataset's tags do not resolve" 3 "" \
	"vds: no version or tag 'stable' in dataset $other"
run vds datasets tags list --id dsaaaaaaaaaaaaa
expect "tags list of an unknown dataset" 3 "" "vds: no such dataset 'dsaaaaaaaaaaaaa'"
run vds datasets tags list --id "$ds:stable"
expect "tags list takes a dataset" 4 "" \
	"vds: expected a dataset id, not the reference '$ds:stable'"

done_testing
