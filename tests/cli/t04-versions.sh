#!/bin/sh
# t04-versions: drafts, commits, listing, references to versions, deletion.
. "$VDS_SRCDIR/tests/cli/lib.sh"

# matches TEXT ERE: true if the whole of TEXT matches ERE
matches() { printf '%s\n' "$1" | grep -Eqx "$2"; }
# norm_times: replaces the times in the last output by YYYY-MM-DD HH:MM:SS
norm_times() {
	sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}/YYYY-MM-DD HH:MM:SS/g' \
		"$T/out" >"$T/out.n" && mv "$T/out.n" "$T/out"
}
# created_ref: the DS:VER printed by the last 'versions create'
created_ref() { sed -n 's/^Created dataset version: //p' "$T/out"; }
# version_json REF MESSAGE COMMITTED TAGS FILES SIZE [INDENT]: the JSON of a
# version as printed by 'versions details --json' (times normalised);
# TAGS is the inside of the array, e.g. '"a", "b"'
version_json() {
	_c=null
	[ "$3" = false ] || _c='"YYYY-MM-DD HH:MM:SS"'
	printf '{\n\t"id":\t"%s",\n\t"dataset":\t"%s",\n\t"version":\t"%s",\n\t"message":\t"%s",\n\t"isCommitted":\t%s,\n\t"tags":\t[%s],\n\t"fileCount":\t%s,\n\t"size":\t%s,\n\t"createdAt":\t"YYYY-MM-DD HH:MM:SS",\n\t"committedAt":\t%s\n}' \
		"$1" "${1%%:*}" "${1#*:}" "$2" "$3" "$4" "$5" "$6" "$_c"
}

# store_file KEY: true if KEY is an object (a file) of the default store
store_file() { store_cat "$1" >/dev/null 2>&1; }
# store_absent KEY: true if the default store holds neither KEY nor keys below KEY/
store_absent() { ! store_has "$1"; }

mkdir -p "$T/src"
printf 'hello\n' >"$T/src/small.txt"             # 6 bytes
head -c 2048 /dev/zero >"$T/src/zeros.bin"        # 2048 bytes
empty_versions=$(cat <<'EOF'
+----+-------+-------+------+---------+------+
| ID | State | Files | Size | Message | Tags |
+----+-------+-------+------+---------+------+
+----+-------+-------+------+---------+------+
EOF
)

run vds datasets create --name ds
ds=$(sed -n 's/^Created dataset: //p' "$T/out")

# ---- no versions yet ---------------------------------------------------------

run vds datasets versions list --id "$ds"
expect "a new dataset has no versions" 0 "$empty_versions" ""
run vds datasets versions list --id "$ds" --json
expect "versions list --json of a new dataset" 0 "[]" ""
run vds datasets versions details --id "$ds:latest"
expect "DS:latest without a committed version" 3 "" \
	"vds: dataset $ds has no committed version"
run vds datasets versions details --id "$ds"
expect "DS alone without a committed version" 3 "" \
	"vds: dataset $ds has no committed version"
run vds datasets files list --id "$ds"
expect "files list of DS without a committed version" 3 "" \
	"vds: dataset $ds has no committed version"

# ---- create a draft ----------------------------------------------------------

run vds datasets versions create --id "$ds" --message "first draft"
v1=$(created_ref)
expect "create a draft" 0 "Created dataset version: $v1" ""
check "the reference is DS:VER with a 7-character base36 id" matches "$v1" "$ds:[0-9a-z]{7}"
check "version.json is written" store_file "datasets/$ds/versions/${v1#*:}/version.json"

run vds datasets versions details --id "$v1"
norm_times
expect "details of an empty draft" 0 "$(cat <<EOF
+-----------+-------------------------+
| ID        | $v1 |
+-----------+-------------------------+
| Message   | first draft             |
| Committed | false                   |
| Tags      |                         |
| Files     | 0                       |
| Size      | 0 (0 B)                 |
| Created   | YYYY-MM-DD HH:MM:SS     |
+-----------+-------------------------+
EOF
)" ""
run vds datasets versions details --id "$v1" --json
norm_times
expect "details --json of an empty draft" 0 "$(version_json "$v1" "first draft" false "" 0 0)" ""

run vds datasets versions details --id "$ds:latest"
expect "a draft is not latest" 3 "" "vds: dataset $ds has no committed version"

# the dataset's name works in place of its id
run vds datasets versions details --id "ds:${v1#*:}" --json
norm_times
expect "NAME:VER finds the version" 0 "$(version_json "$v1" "first draft" false "" 0 0)" ""

# ---- files make a draft's counts -----------------------------------------------

vds datasets files put --id "$v1" --source-path "$T/src/small.txt" --source-path "$T/src/zeros.bin" >/dev/null
run vds datasets versions details --id "$v1"
norm_times
expect "details of a draft count its files and size" 0 "$(cat <<EOF
+-----------+-------------------------+
| ID        | $v1 |
+-----------+-------------------------+
| Message   | first draft             |
| Committed | false                   |
| Tags      |                         |
| Files     | 2                       |
| Size      | 2054 (2.0 KiB)          |
| Created   | YYYY-MM-DD HH:MM:SS     |
+-----------+-------------------------+
EOF
)" ""

# ---- update a draft's message --------------------------------------------------

run vds datasets versions update --id "$v1" --message "the first version"
expect "update a draft's message" 0 "Updated dataset version: $v1" ""
run vds datasets versions details --id "$v1" --json
norm_times
expect "the new message shows" 0 "$(version_json "$v1" "the first version" false "" 2 2054)" ""
run vds datasets versions update --id "$ds" --message x
expect "update needs DS:VER" 4 "" \
	"vds: expected a version reference DATASET:VERSION, not '$ds'"
run vds datasets versions update --id "$ds:zzzzzzz" --message x
expect "update of an unknown version" 3 "" "vds: no version or tag 'zzzzzzz' in dataset $ds"
run vds datasets versions update --id "$v1"
expect "update without --message" 2 "" \
	"vds: missing option '--message' for 'vds datasets versions update'"

# ---- commit ------------------------------------------------------------------

run vds datasets versions commit --id "$v1"
expect "commit a draft" 0 "Committed dataset version: $v1" ""
check "a commit record is written" store_has "datasets/$ds/versions/${v1#*:}/commit.json"
run vds datasets versions details --id "$v1"
norm_times
committed_v1=$(cat <<EOF
+--------------+-------------------------+
| ID           | $v1 |
+--------------+-------------------------+
| Message      | the first version       |
| Committed    | true                    |
| Tags         |                         |
| Files        | 2                       |
| Size         | 2054 (2.0 KiB)          |
| Created      | YYYY-MM-DD HH:MM:SS     |
| Committed At | YYYY-MM-DD HH:MM:SS     |
+--------------+-------------------------+
EOF
)
expect "details of a committed version" 0 "$committed_v1" ""
run vds datasets versions details --id "$v1" --json
norm_times
expect "details --json of a committed version" 0 \
	"$(version_json "$v1" "the first version" true "" 2 2054)" ""

run vds datasets versions commit --id "$v1"
expect "commit twice refused" 5 "" \
	"vds: dataset version $v1 is committed and cannot be changed"
run vds datasets versions update --id "$v1" --message "changed"
expect "update of a committed version refused" 5 "" \
	"vds: dataset version $v1 is committed and cannot be changed"
run vds datasets versions details --id "$v1"
norm_times
expect "the refused update changed nothing" 0 "$committed_v1" ""
run vds datasets versions commit --id "$ds"
expect "commit needs DS:VER" 4 "" \
	"vds: expected a version reference DATASET:VERSION, not '$ds'"
run vds datasets versions commit --id "$ds:zzzzzzz"
expect "commit of an unknown version" 3 "" "vds: no version or tag 'zzzzzzz' in dataset $ds"

# ---- latest --------------------------------------------------------------------

run vds datasets versions details --id "$ds:latest"
norm_times
expect "DS:latest is the committed version" 0 "$committed_v1" ""
run vds datasets versions details --id "$ds"
norm_times
expect "DS alone means DS:latest" 0 "$committed_v1" ""
run vds datasets versions details --id ds
norm_times
expect "NAME alone means NAME:latest" 0 "$committed_v1" ""

# a newer draft does not change latest
run vds datasets versions create --id "$ds"
v2=$(created_ref)
expect "create a draft without a message" 0 "Created dataset version: $v2" ""
run vds datasets versions details --id "$ds:latest"
norm_times
expect "latest ignores the newer draft" 0 "$committed_v1" ""

# create with --source-path puts and commits
run vds datasets versions create --id "$ds" --message third --source-path "$T/src/small.txt"
v3=$(created_ref)
expect "create --source-path creates and commits" 0 \
	"Created dataset version: $v3
Committed dataset version: $v3" ""
run vds datasets versions details --id "$ds:latest" --json
norm_times
expect "latest is the newest committed version" 0 "$(version_json "$v3" third true "" 1 6)" ""
run vds datasets versions details --id "$ds" --json
norm_times
expect "DS alone follows latest" 0 "$(version_json "$v3" third true "" 1 6)" ""

run vds datasets versions create --id "$ds" --message "no such source" --source-path "$T/src/missing"
is "create --source-path with a missing source: exit 3" "$rc" 3
is "create --source-path with a missing source: the message" "$(cat "$T/err")" \
	"vds: no such source path '$T/src/missing'"
# (the list below shows that it left no draft behind)

# ---- list: newest first, --isCommitted, --json -----------------------------------

run vds datasets versions list --id "$ds"
expect "versions list, newest first" 0 "$(cat <<EOF
+-------------------------+-----------+-------+---------+-------------------+------+
| ID                      | State     | Files | Size    | Message           | Tags |
+-------------------------+-----------+-------+---------+-------------------+------+
| $v3 | committed | 1     | 6 B     | third             |      |
| $v2 | draft     | 0     | 0 B     |                   |      |
| $v1 | committed | 2     | 2.0 KiB | the first version |      |
+-------------------------+-----------+-------+---------+-------------------+------+
EOF
)" ""
run vds datasets versions list --id ds
expect "versions list by dataset name" 0 "$(cat <<EOF
+-------------------------+-----------+-------+---------+-------------------+------+
| ID                      | State     | Files | Size    | Message           | Tags |
+-------------------------+-----------+-------+---------+-------------------+------+
| $v3 | committed | 1     | 6 B     | third             |      |
| $v2 | draft     | 0     | 0 B     |                   |      |
| $v1 | committed | 2     | 2.0 KiB | the first version |      |
+-------------------------+-----------+-------+---------+-------------------+------+
EOF
)" ""
run vds datasets versions list --id "$ds" --isCommitted true
expect "--isCommitted true lists committed versions" 0 "$(cat <<EOF
+-------------------------+-----------+-------+---------+-------------------+------+
| ID                      | State     | Files | Size    | Message           | Tags |
+-------------------------+-----------+-------+---------+-------------------+------+
| $v3 | committed | 1     | 6 B     | third             |      |
| $v1 | committed | 2     | 2.0 KiB | the first version |      |
+-------------------------+-----------+-------+---------+-------------------+------+
EOF
)" ""
run vds datasets versions list --id "$ds" --isCommitted=false
expect "--isCommitted=false lists drafts" 0 "$(cat <<EOF
+-------------------------+-------+-------+------+---------+------+
| ID                      | State | Files | Size | Message | Tags |
+-------------------------+-------+-------+------+---------+------+
| $v2 | draft | 0     | 0 B  |         |      |
+-------------------------+-------+-------+------+---------+------+
EOF
)" ""
run vds datasets versions list --id "$ds" --json
norm_times
expect "versions list --json" 0 "$(printf '[%s, %s, %s]' \
	"$(version_json "$v3" third true "" 1 6 | sed '1!s/^/\t/')" \
	"$(version_json "$v2" "" false "" 0 0 | sed '1!s/^/\t/')" \
	"$(version_json "$v1" "the first version" true "" 2 2054 | sed '1!s/^/\t/')")" ""
run vds datasets versions list --id "$ds" --isCommitted false --json
norm_times
expect "versions list --isCommitted false --json" 0 \
	"$(printf '[%s]' "$(version_json "$v2" "" false "" 0 0 | sed '1!s/^/\t/')")" ""
run vds datasets versions list --id "$ds:latest"
expect "versions list takes a dataset, not a reference" 4 "" \
	"vds: expected a dataset id, not the reference '$ds:latest'"
run vds datasets versions list --id dsaaaaaaaaaaaaa
expect "versions list of an unknown dataset" 3 "" "vds: no such dataset 'dsaaaaaaaaaaaaa'"

# ---- messages with unusual characters ---------------------------------------------

run vds datasets versions update --id "$v2" --message "$(printf 'two\nlines, a \033[1mbold\033[0m one, \\ and ünïcode')"
expect "a message may hold control characters" 0 "Updated dataset version: $v2" ""
run vds datasets versions list --id "$ds" --isCommitted false
expect "control characters and backslashes are escaped in tables" 0 "$(cat <<EOF
+-------------------------+-------+-------+------+--------------------------------------------------------+------+
| ID                      | State | Files | Size | Message                                                | Tags |
+-------------------------+-------+-------+------+--------------------------------------------------------+------+
| $v2 | draft | 0     | 0 B  | two\\x0alines, a \\x1b[1mbold\\x1b[0m one, \\\\ and ünïcode |      |
+-------------------------+-------+-------+------+--------------------------------------------------------+------+
EOF
)" ""
run vds datasets versions details --id "$v2" --json
norm_times
expect "and as JSON escapes in --json" 0 \
	"$(version_json "$v2" 'two\nlines, a \u001b[1mbold\u001b[0m one, \\ and ünïcode' false "" 0 0)" ""

# ---- references that do not resolve --------------------------------------------

run vds datasets versions details --id "$ds:nope"
expect "unknown version or tag" 3 "" "vds: no version or tag 'nope' in dataset $ds"
run vds datasets versions details --id "$ds:"
expect "reference with an empty version" 4 "" \
	"vds: malformed reference '$ds:': expected DATASET[:VERSION|:TAG]"
run vds datasets versions details --id "$ds:a:b"
expect "reference with two colons" 4 "" \
	"vds: malformed reference '$ds:a:b': expected DATASET[:VERSION|:TAG]"
run vds datasets versions details --id ":${v1#*:}"
expect "reference without a dataset" 4 "" "vds: malformed reference ':${v1#*:}': no dataset"
run vds datasets versions details --id "$(printf '%s:a\nb' "$ds")"
expect "reference with a control character" 4 "" \
	"vds: malformed reference '$ds:a\\x0ab': control characters"
run vds datasets versions details --id "dsaaaaaaaaaaaaa:${v1#*:}"
expect "version of an unknown dataset" 3 "" "vds: no such dataset 'dsaaaaaaaaaaaaa'"
run vds datasets create --name other
other=$(sed -n 's/^Created dataset: //p' "$T/out")
run vds datasets versions details --id "$other:${v1#*:}"
expect "a version id of another dataset" 3 "" \
	"vds: no version or tag '${v1#*:}' in dataset $other"
run vds datasets versions details --id "$other"
expect "latest of a dataset without versions" 3 "" \
	"vds: dataset $other has no committed version"

# ---- delete --------------------------------------------------------------------

run vds datasets versions delete --id "$v2"
expect "delete a draft" 0 "Deleted dataset version: $v2" ""
check "the draft's folder is gone" store_absent "datasets/$ds/versions/${v2#*:}"
check "the other versions are left in the store" \
	store_file "datasets/$ds/versions/${v1#*:}/version.json"
run vds datasets versions delete --id "$v2"
expect "delete it again" 3 "" "vds: no version or tag '${v2#*:}' in dataset $ds"
run vds datasets versions delete --id "$ds"
expect "delete needs DS:VER" 4 "" \
	"vds: expected a version reference DATASET:VERSION, not '$ds'"

vds datasets tags set --id "$v3" --name v3tag >/dev/null
vds datasets tags set --id "$v3" --name stable >/dev/null
run vds datasets versions list --id "$ds"
expect "tags show in the list" 0 "$(cat <<EOF
+-------------------------+-----------+-------+---------+-------------------+---------------+
| ID                      | State     | Files | Size    | Message           | Tags          |
+-------------------------+-----------+-------+---------+-------------------+---------------+
| $v3 | committed | 1     | 6 B     | third             | stable, v3tag |
| $v1 | committed | 2     | 2.0 KiB | the first version |               |
+-------------------------+-----------+-------+---------+-------------------+---------------+
EOF
)" ""
run vds datasets versions details --id "$v3" --json
norm_times
expect "tags show in details --json" 0 "$(version_json "$v3" third true '"stable", "v3tag"' 1 6)" ""
run vds datasets versions delete --id "$v3"
expect "delete of a tagged committed version needs --force" 6 "" \
	"vds: dataset version $v3 is tagged 'stable', 'v3tag': use --force to delete it"
run vds datasets versions details --id "$ds:latest" --json
norm_times
expect "the refused delete changed nothing" 0 "$(version_json "$v3" third true '"stable", "v3tag"' 1 6)" ""
run vds datasets versions delete --id "$v3" --force
expect "delete --force of a tagged committed version" 0 "Deleted dataset version: $v3" ""
run vds datasets tags list --id "$ds"
expect "its tags are deleted with it" 0 "$(cat <<'EOF'
+----+------+
| ID | Name |
+----+------+
+----+------+
EOF
)" ""
run vds datasets versions details --id "$ds:stable"
expect "its tags no longer resolve" 3 "" "vds: no version or tag 'stable' in dataset $ds"
run vds datasets versions details --id "$ds:latest"
norm_times
expect "latest falls back to the previous committed version" 0 "$committed_v1" ""

run vds datasets versions delete --id "$ds:latest"
expect "an untagged committed version is deleted without --force" 0 \
	"Deleted dataset version: $v1" ""
run vds datasets versions list --id "$ds"
expect "no versions left" 0 "$empty_versions" ""
run vds datasets versions details --id "$ds"
expect "no committed version left" 3 "" "vds: dataset $ds has no committed version"

done_testing
