#!/bin/sh
# t02-providers: storage providers: the default one, local ones, deletion.
. "$VDS_SRCDIR/tests/cli/lib.sh"

# matches TEXT ERE: true if the whole of TEXT matches ERE
matches() { printf '%s\n' "$1" | grep -Eqx "$2"; }
# dashes TEXT: as many '-' as TEXT has characters
dashes() { printf '%s' "$1" | sed 's/./-/g'; }
# pad TEXT WIDTH: TEXT padded with spaces to WIDTH columns (ASCII)
pad() { printf '%-*s' "$2" "$1"; }
# norm_times: replaces the times in the last output by YYYY-MM-DD HH:MM:SS
norm_times() {
	sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}/YYYY-MM-DD HH:MM:SS/g' \
		"$T/out" >"$T/out.n" && mv "$T/out.n" "$T/out"
}

store=$VDS_HOME/store

# ---- the default provider, created on first run -------------------------

check "no configuration before the first run" test ! -e "$VDS_HOME/config.json"
run vds storageProviders list
sp1=$(sed -n 's/^| local | \(sp[0-9a-z]*\) .*/\1/p' "$T/out")
check "the default provider id is sp + 13 base36" matches "$sp1" 'sp[0-9a-z]{13}'
w=${#store}
expect "first run: one provider named local" 0 "$(cat <<EOF
+-------+-----------------+-------+-$(dashes "$store")-+
| Name  | ID              | Type  | $(pad Path "$w") |
+-------+-----------------+-------+-$(dashes "$store")-+
| local | $sp1 | local | $store |
+-------+-----------------+-------+-$(dashes "$store")-+
EOF
)" ""
check "the first run wrote the configuration" test -s "$VDS_HOME/config.json"
check "the configuration names the default provider" \
	grep -q "\"defaultStorageProviderId\":	\"$sp1\"" "$VDS_HOME/config.json"

run vds storageProviders list
sp1_again=$(sed -n 's/^| local | \(sp[0-9a-z]*\) .*/\1/p' "$T/out")
is "the default provider keeps its id on the next run" "$sp1_again" "$sp1"

run vds storageProviders details --id "$sp1"
expect "details of the default provider" 0 "$(cat <<EOF
+---------+-$(dashes "$store")-+
| ID      | $(pad "$sp1" "$w") |
+---------+-$(dashes "$store")-+
| Name    | $(pad local "$w") |
| Type    | $(pad local "$w") |
| Path    | $store |
| Default | $(pad true "$w") |
+---------+-$(dashes "$store")-+
EOF
)" ""

json1=$(printf '{\n\t"id":\t"%s",\n\t"name":\t"local",\n\t"type":\t"local",\n\t"path":\t"%s",\n\t"isDefault":\ttrue\n}' "$sp1" "$store")
run vds storageProviders details --id "$sp1" --json
expect "details --json of the default provider" 0 "$json1" ""
run vds storageProviders list --json
expect "list --json with the default provider" 0 "$(printf '[{\n\t\t"id":\t"%s",\n\t\t"name":\t"local",\n\t\t"type":\t"local",\n\t\t"path":\t"%s",\n\t\t"isDefault":\ttrue\n\t}]' "$sp1" "$store")" ""

# ---- create local ----------------------------------------------------------

mkdir -p "$T/cwd"
cd "$T/cwd" || exit 1
check "the second store does not exist yet" test ! -e "$T/cwd/two"
run vds storageProviders create local --name second --path two/store
sp2=$(sed -n 's/^Created storage provider: //p' "$T/out")
expect "create local with a relative path" 0 "Created storage provider: $sp2" ""
check "the new provider id is sp + 13 base36" matches "$sp2" 'sp[0-9a-z]{13}'
check "the new provider id differs from the default one" test "$sp2" != "$sp1"
check "the path was created" test -d "$T/cwd/two/store"
check "the path holds a store marker" test -f "$T/cwd/two/store/VDS-FORMAT"
is "the store marker's content" "$(cat "$T/cwd/two/store/VDS-FORMAT")" '{"format":"vds","version":2,"features":["datasetkeys"]}'
check "the store has its tmp folder" test -d "$T/cwd/two/store/tmp"

abs2=$(cd "$T/cwd/two/store" && pwd -P)
run vds storageProviders details --id "$sp2" --json
expect "the stored path is absolute, the default is unchanged" 0 "$(printf '{\n\t"id":\t"%s",\n\t"name":\t"second",\n\t"type":\t"local",\n\t"path":\t"%s",\n\t"isDefault":\tfalse\n}' "$sp2" "$abs2")" ""

w=${#abs2}
[ ${#store} -gt "$w" ] && w=${#store}
rule=$(pad "" "$w" | sed 's/ /-/g')
run vds storageProviders list
expect "list shows both providers in creation order" 0 "$(cat <<EOF
+--------+-----------------+-------+-$rule-+
| Name   | ID              | Type  | $(pad Path "$w") |
+--------+-----------------+-------+-$rule-+
| local  | $sp1 | local | $(pad "$store" "$w") |
| second | $sp2 | local | $(pad "$abs2" "$w") |
+--------+-----------------+-------+-$rule-+
EOF
)" ""

# ---- refused creations -----------------------------------------------------

run vds storageProviders create local --name second --path three
expect "duplicate name refused" 6 "" \
	"vds: a storage provider named 'second' exists already ($sp2)"
run vds storageProviders create local --name local --path three
expect "the default provider's name is taken too" 6 "" \
	"vds: a storage provider named 'local' exists already ($sp1)"
run vds storageProviders create local --name third --path two/store
expect "same path twice refused" 6 "" "vds: '$abs2' is storage provider $sp2 already"
run vds storageProviders create local --name third --path "./two/../two/store/"
expect "same path spelled differently refused" 6 "" \
	"vds: '$abs2' is storage provider $sp2 already"
run vds storageProviders create local --name third --path "$store"
expect "the default store's path refused" 6 "" "vds: '$store' is storage provider $sp1 already"

mkdir "$T/cwd/junk"
echo "keep me" >"$T/cwd/junk/notes.txt"
run vds storageProviders create local --name junk --path junk
expect "a non-empty folder that is no store is refused" 4 "" \
	"vds: '$(cd "$T/cwd/junk" && pwd -P)' is not empty and is not a vds store"
is "the refused folder is left as it was" "$(ls -A "$T/cwd/junk")" "notes.txt"

run vds storageProviders create local --name "" --path four
expect "empty name refused" 4 "" "vds: storage provider name may not be empty"
run vds storageProviders create local --name four --path ""
expect "empty path refused" 4 "" "vds: storage provider path may not be empty"
run vds storageProviders create local --name four
expect "--path is required" 2 "" \
	"vds: missing option '--path' for 'vds storageProviders create local'"

run vds storageProviders list
expect "refused creations added no provider" 0 "$(cat <<EOF
+--------+-----------------+-------+-$rule-+
| Name   | ID              | Type  | $(pad Path "$w") |
+--------+-----------------+-------+-$rule-+
| local  | $sp1 | local | $(pad "$store" "$w") |
| second | $sp2 | local | $(pad "$abs2" "$w") |
+--------+-----------------+-------+-$rule-+
EOF
)" ""

# ---- details of unknown providers ------------------------------------------

run vds storageProviders details --id spaaaaaaaaaaaaa
expect "details of an unknown id" 3 "" "vds: no such storage provider 'spaaaaaaaaaaaaa'"
run vds storageProviders details --id second
expect "providers are named by id only" 3 "" "vds: no such storage provider 'second'"
run vds storageProviders details --id "$(printf 'sp\033x')"
expect "a control character in the id is escaped" 3 "" "vds: no such storage provider 'sp\\x1bx'"
run vds storageProviders delete --id spaaaaaaaaaaaaa
expect "delete of an unknown id" 3 "" "vds: no such storage provider 'spaaaaaaaaaaaaa'"

# ---- datasets on the second provider ---------------------------------------

run vds datasets create --name on-two --storageProviderId "$sp2"
ds=$(sed -n 's/^Created dataset: //p' "$T/out")
expect "datasets create --storageProviderId" 0 "Created dataset: $ds" ""
check "the dataset lives under the second store" test -f "$abs2/datasets/$ds.json"
check "the dataset is not in the default store" test ! -e "$store/datasets/$ds"

run vds datasets create --name nowhere --storageProviderId spaaaaaaaaaaaaa
expect "datasets create on an unknown provider" 3 "" \
	"vds: no such storage provider 'spaaaaaaaaaaaaa'"

run vds datasets list
expect "datasets list names the provider" 0 "$(cat <<EOF
+--------+-----------------+------------------+
| Name   | ID              | Storage Provider |
+--------+-----------------+------------------+
| on-two | $ds | $sp2  |
+--------+-----------------+------------------+
EOF
)" ""
run vds datasets details --id on-two
norm_times
expect "datasets details names the provider and its name" 0 "$(cat <<EOF
+------------------+--------------------------+
| ID               | $ds          |
+------------------+--------------------------+
| Name             | on-two                   |
| Description      |                          |
| Storage Provider | $sp2 (second) |
| Created          | YYYY-MM-DD HH:MM:SS      |
+------------------+--------------------------+
EOF
)" ""

mkdir -p "$T/src/sub"
printf 'only on two\n' >"$T/src/sub/f.txt"
run vds datasets versions create --id "$ds" --source-path "$T/src/sub" --message first
ver=$(sed -n 's/^Committed dataset version: //p' "$T/out")
expect "a version with files on the second provider" 0 \
	"Created dataset version: $ver
Committed dataset version: $ver" ""
sha=$(printf 'only on two\n' | sha256sum | cut -c1-64)
obj=$(printf '%s' "$sha" | sed 's|^\(..\)\(.*\)|objects/\1/\2|')
check "the content is stored under the second store" test -f "$abs2/$obj"
is "the stored content is the file's" "$(cat "$abs2/$obj")" "only on two"
check "the content is not in the default store" test ! -e "$store/$obj"
check "the version lives under the second store" test -d "$abs2/datasets/$ds/versions/${ver#*:}"

# ---- deleting providers ---------------------------------------------------

run vds storageProviders delete --id "$sp2"
expect "delete refused while it holds a dataset" 6 "" \
	"vds: storage provider $sp2 holds 1 dataset; delete it first"
run vds datasets create --name also-on-two --storageProviderId "$sp2"
ds_b=$(sed -n 's/^Created dataset: //p' "$T/out")
run vds storageProviders delete --id "$sp2"
expect "delete refused while it holds two datasets" 6 "" \
	"vds: storage provider $sp2 holds 2 datasets; delete them first"
run vds storageProviders details --id "$sp2" --json
check "the refused provider is still configured" grep -q "\"name\":	\"second\"" "$T/out"

run vds datasets delete --id "$ds"
expect "delete the first dataset" 0 "Deleted dataset: $ds" ""
run vds datasets delete --id "$ds_b"
expect "delete the second dataset" 0 "Deleted dataset: $ds_b" ""
run vds storageProviders delete --id "$sp2"
expect "delete of an empty provider" 0 "Deleted storage provider: $sp2" ""
check "the deleted provider's data stays on disk" test -f "$abs2/VDS-FORMAT"
check "its content objects stay too" test -f "$abs2/$obj"
run vds storageProviders details --id "$sp2"
expect "the deleted provider is gone" 3 "" "vds: no such storage provider '$sp2'"
run vds storageProviders delete --id "$sp2"
expect "deleting it twice" 3 "" "vds: no such storage provider '$sp2'"

w=${#store}
run vds storageProviders list
expect "only the default provider is left" 0 "$(cat <<EOF
+-------+-----------------+-------+-$(dashes "$store")-+
| Name  | ID              | Type  | $(pad Path "$w") |
+-------+-----------------+-------+-$(dashes "$store")-+
| local | $sp1 | local | $store |
+-------+-----------------+-------+-$(dashes "$store")-+
EOF
)" ""

# the same folder can be added again once its provider is gone
run vds storageProviders create local --name again --path "$abs2"
sp3=$(sed -n 's/^Created storage provider: //p' "$T/out")
expect "an existing store can be added again" 0 "Created storage provider: $sp3" ""

# deleting the default provider makes the next one the default
run vds storageProviders delete --id "$sp1"
expect "delete of the empty default provider" 0 "Deleted storage provider: $sp1" ""
run vds storageProviders details --id "$sp3" --json
expect "the remaining provider became the default" 0 "$(printf '{\n\t"id":\t"%s",\n\t"name":\t"again",\n\t"type":\t"local",\n\t"path":\t"%s",\n\t"isDefault":\ttrue\n}' "$sp3" "$abs2")" ""
run vds datasets create --name lands-on-again
ds_c=$(sed -n 's/^Created dataset: //p' "$T/out")
expect "a dataset without --storageProviderId" 0 "Created dataset: $ds_c" ""
check "it goes to the new default provider" test -f "$abs2/datasets/$ds_c.json"
run vds datasets delete --id "$ds_c"
run vds storageProviders delete --id "$sp3"
expect "delete of the last provider" 0 "Deleted storage provider: $sp3" ""
run vds storageProviders list
expect "no provider left" 0 "$(cat <<'EOF'
+------+----+------+------+
| Name | ID | Type | Path |
+------+----+------+------+
+------+----+------+------+
EOF
)" ""
run vds datasets create --name homeless
expect "datasets create without any provider" 3 "" \
	"vds: no storage provider configured: create one with 'vds storageProviders create local'"

done_testing
