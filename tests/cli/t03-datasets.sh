#!/bin/sh
# t03-datasets: datasets create, list, details, update, delete.
. "$VDS_SRCDIR/tests/cli/lib.sh"

# matches TEXT ERE: true if the whole of TEXT matches ERE
matches() { printf '%s\n' "$1" | grep -Eqx "$2"; }
# norm_times: replaces the times in the last output by YYYY-MM-DD HH:MM:SS
norm_times() {
	sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}/YYYY-MM-DD HH:MM:SS/g' \
		"$T/out" >"$T/out.n" && mv "$T/out.n" "$T/out"
}
# created_id: the id printed by the last 'datasets create'
created_id() { sed -n 's/^Created dataset: //p' "$T/out"; }
# undo_create: deletes what a create that should have been refused made,
# so that one failure does not spread to the next tests
undo_create() {
	_id=$(created_id)
	[ -z "$_id" ] || vds datasets delete --id "$_id" >/dev/null
}

# store_file KEY: true if KEY is an object (a file) of the default store
store_file() { store_cat "$1" >/dev/null 2>&1; }
# store_absent KEY: true if the default store holds neither KEY nor keys below KEY/
store_absent() { ! store_has "$1"; }
# store_grep ERE KEY: true if a line of object KEY matches ERE
store_grep() { store_cat "$2" | grep -Eq "$1"; }

empty_list=$(cat <<'EOF'
+------+----+------------------+
| Name | ID | Storage Provider |
+------+----+------------------+
+------+----+------------------+
EOF
)

# ---- empty store -------------------------------------------------------------

run vds datasets list
expect "list of an empty store" 0 "$empty_list" ""
run vds datasets list --json
expect "list --json of an empty store" 0 "[]" ""
sp=$(vds storageProviders list | sed -n 's/^| local | \(sp[0-9a-z]*\) .*/\1/p')
check "the default provider is known" matches "$sp" 'sp[0-9a-z]{13}'

# ---- create ----------------------------------------------------------------

before=$(date +%s)
run vds datasets create --name zeta --description "the last letter"
zeta=$(created_id)
expect "create with a description" 0 "Created dataset: $zeta" ""
check "the id is ds + 13 base36" matches "$zeta" 'ds[0-9a-z]{13}'
check "dataset.json is written in the default store" store_file "datasets/$zeta.json"
run vds datasets create --name alpha
alpha=$(created_id)
expect "create without a description" 0 "Created dataset: $alpha" ""
check "ids differ" test "$alpha" != "$zeta"
run vds datasets create --name Beta
beta=$(created_id)
expect "create a third dataset" 0 "Created dataset: $beta" ""

run vds datasets list
expect "list is sorted by name (bytewise)" 0 "$(cat <<EOF
+-------+-----------------+------------------+
| Name  | ID              | Storage Provider |
+-------+-----------------+------------------+
| Beta  | $beta | $sp  |
| alpha | $alpha | $sp  |
| zeta  | $zeta | $sp  |
+-------+-----------------+------------------+
EOF
)" ""

run vds datasets list --json
norm_times
expect "list --json" 0 "$(printf '[{
\t\t"id":\t"%s",
\t\t"name":\t"Beta",
\t\t"description":\t"",
\t\t"storageProviderId":\t"%s",
\t\t"createdAt":\t"YYYY-MM-DD HH:MM:SS"
\t}, {
\t\t"id":\t"%s",
\t\t"name":\t"alpha",
\t\t"description":\t"",
\t\t"storageProviderId":\t"%s",
\t\t"createdAt":\t"YYYY-MM-DD HH:MM:SS"
\t}, {
\t\t"id":\t"%s",
\t\t"name":\t"zeta",
\t\t"description":\t"the last letter",
\t\t"storageProviderId":\t"%s",
\t\t"createdAt":\t"YYYY-MM-DD HH:MM:SS"
\t}]' "$beta" "$sp" "$alpha" "$sp" "$zeta" "$sp")" ""

# ---- details ---------------------------------------------------------------

run vds datasets details --id "$zeta"
norm_times
zeta_details=$(cat <<EOF
+------------------+-------------------------+
| ID               | $zeta         |
+------------------+-------------------------+
| Name             | zeta                    |
| Description      | the last letter         |
| Storage Provider | $sp (local) |
| Created          | YYYY-MM-DD HH:MM:SS     |
+------------------+-------------------------+
EOF
)
expect "details by id" 0 "$zeta_details" ""
run vds datasets details --id zeta
norm_times
expect "details by unique name" 0 "$zeta_details" ""

run vds datasets details --id "$zeta" --json
created=$(sed -n 's/^	"createdAt":	"\(.*\)"$/\1/p' "$T/out")
norm_times
expect "details --json" 0 "$(printf '{
\t"id":\t"%s",
\t"name":\t"zeta",
\t"description":\t"the last letter",
\t"storageProviderId":\t"%s",
\t"createdAt":\t"YYYY-MM-DD HH:MM:SS"
}' "$zeta" "$sp")" ""
after=$(date +%s)
created_s=$(date -u -d "$created" +%s 2>/dev/null || echo 0)
check "the creation time is the time of the create (UTC)" \
	test "$created_s" -ge $((before - 1)) -a "$created_s" -le $((after + 1))
check "dataset.json keeps the creation time in microseconds" \
	store_grep '"created":	"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z"' \
	"datasets/$zeta.json"

# ---- unknown and malformed ids ------------------------------------------------

run vds datasets details --id dsaaaaaaaaaaaaa
expect "unknown id" 3 "" "vds: no such dataset 'dsaaaaaaaaaaaaa'"
run vds datasets details --id nosuchname
expect "unknown name" 3 "" "vds: no such dataset 'nosuchname'"
run vds datasets details --id "$(printf 'bad\033[31mname')"
expect "control characters are escaped in the message" 3 "" \
	"vds: no such dataset 'bad\\x1b[31mname'"
run vds datasets details --id ""
expect "empty id" 4 "" "vds: empty dataset id"
run vds datasets details --id "$zeta:latest"
expect "a version reference where a dataset is expected" 4 "" \
	"vds: expected a dataset id, not the reference '$zeta:latest'"
run vds datasets details --id ":x"
expect "malformed reference" 4 "" "vds: expected a dataset id, not the reference ':x'"
run vds datasets update --id dsaaaaaaaaaaaaa --name x
expect "update of an unknown id" 3 "" "vds: no such dataset 'dsaaaaaaaaaaaaa'"
run vds datasets delete --id dsaaaaaaaaaaaaa
expect "delete of an unknown id" 3 "" "vds: no such dataset 'dsaaaaaaaaaaaaa'"

# ---- ambiguous names -------------------------------------------------------

run vds datasets create --name twin --description one
twin1=$(created_id)
run vds datasets create --name twin --description two
twin2=$(created_id)
expect "a second dataset may take a name in use" 0 "Created dataset: $twin2" ""
first=$(printf '%s\n%s\n' "$twin1" "$twin2" | LC_ALL=C sort | head -n 1)
second=$(printf '%s\n%s\n' "$twin1" "$twin2" | LC_ALL=C sort | tail -n 1)
run vds datasets list
expect "equal names are sorted by id" 0 "$(cat <<EOF
+-------+-----------------+------------------+
| Name  | ID              | Storage Provider |
+-------+-----------------+------------------+
| Beta  | $beta | $sp  |
| alpha | $alpha | $sp  |
| twin  | $first | $sp  |
| twin  | $second | $sp  |
| zeta  | $zeta | $sp  |
+-------+-----------------+------------------+
EOF
)" ""
run vds datasets details --id twin
expect "details of an ambiguous name" 4 "" "vds: 2 datasets are named 'twin': use an id"
run vds datasets update --id twin --description x
expect "update of an ambiguous name" 4 "" "vds: 2 datasets are named 'twin': use an id"
run vds datasets delete --id twin
expect "delete of an ambiguous name" 4 "" "vds: 2 datasets are named 'twin': use an id"
run vds datasets versions list --id twin
expect "versions list of an ambiguous name" 4 "" "vds: 2 datasets are named 'twin': use an id"
run vds datasets details --id "$twin2" --json
check "an id still finds one of the twins" grep -q '"description":	"two"' "$T/out"

# ---- refused names -----------------------------------------------------------

run vds datasets create --name ""
expect "empty name refused" 4 "" "vds: dataset name may not be empty"
run vds datasets create --name "$(printf 'new\nline')"
expect "newline in a name refused" 4 "" "vds: dataset name contains control characters"
run vds datasets create --name "$(printf 'esc\033[2Jape')"
expect "escape in a name refused" 4 "" "vds: dataset name contains control characters"
run vds datasets create --name "$(printf 'del\177ete')"
expect "DEL in a name refused" 4 "" "vds: dataset name contains control characters"
undo_create
run vds datasets create --name "$(printf 'tab\there')"
expect "tab in a name refused" 4 "" "vds: dataset name contains control characters"
undo_create
long=$(printf '%0257d' 0)
run vds datasets create --name "$long"
expect "a name of 257 bytes refused" 4 "" "vds: dataset name is longer than 256 bytes"
run vds datasets create --name x --description "$(printf 'bell\007')"
expect "a control character in a description refused" 4 "" \
	"vds: dataset description contains control characters"
run vds datasets list
expect "refused creates added nothing" 0 "$(cat <<EOF
+-------+-----------------+------------------+
| Name  | ID              | Storage Provider |
+-------+-----------------+------------------+
| Beta  | $beta | $sp  |
| alpha | $alpha | $sp  |
| twin  | $first | $sp  |
| twin  | $second | $sp  |
| zeta  | $zeta | $sp  |
+-------+-----------------+------------------+
EOF
)" ""

# ---- names and descriptions with unusual characters ---------------------------

run vds datasets create --name "$(printf '%0256d' 0)"
long_id=$(created_id)
expect "a name of 256 bytes is accepted" 0 "Created dataset: $long_id" ""
run vds datasets delete --id "$long_id"
expect "delete by id" 0 "Deleted dataset: $long_id" ""

run vds datasets create --name "日本 data" --description "$(printf 'two\nlines\tand a tab, back\\slash')"
jp=$(created_id)
expect "UTF-8 and spaces in a name, newline and tab in a description" 0 "Created dataset: $jp" ""
run vds datasets details --id "日本 data"
norm_times
expect "details: wide characters align, newline/tab/backslash are escaped" 0 "$(cat <<EOF
+------------------+----------------------------------------+
| ID               | $jp                        |
+------------------+----------------------------------------+
| Name             | 日本 data                              |
| Description      | two\\x0alines\\x09and a tab, back\\\\slash |
| Storage Provider | $sp (local)                |
| Created          | YYYY-MM-DD HH:MM:SS                    |
+------------------+----------------------------------------+
EOF
)" ""
run vds datasets details --id "$jp" --json
norm_times
expect "details --json escapes as JSON" 0 "$(printf '{
\t"id":\t"%s",
\t"name":\t"日本 data",
\t"description":\t"two\\nlines\\tand a tab, back\\\\slash",
\t"storageProviderId":\t"%s",
\t"createdAt":\t"YYYY-MM-DD HH:MM:SS"
}' "$jp" "$sp")" ""

run vds datasets create --name 'back\slash'
bs=$(created_id)
run vds datasets list
expect "list: wide characters and backslashes" 0 "$(cat <<EOF
+-------------+-----------------+------------------+
| Name        | ID              | Storage Provider |
+-------------+-----------------+------------------+
| Beta        | $beta | $sp  |
| alpha       | $alpha | $sp  |
| back\\\\slash | $bs | $sp  |
| twin        | $first | $sp  |
| twin        | $second | $sp  |
| zeta        | $zeta | $sp  |
| 日本 data   | $jp | $sp  |
+-------------+-----------------+------------------+
EOF
)" ""
run vds datasets details --id 'back\slash' --json
check "a name with a backslash is found by name" grep -q "\"id\":	\"$bs\"" "$T/out"

# ---- update ----------------------------------------------------------------

run vds datasets update --id alpha --name omega --description "renamed"
expect "update name and description by name" 0 "Updated dataset: $alpha" ""
run vds datasets details --id omega
norm_times
expect "the update shows in details" 0 "$(cat <<EOF
+------------------+-------------------------+
| ID               | $alpha         |
+------------------+-------------------------+
| Name             | omega                   |
| Description      | renamed                 |
| Storage Provider | $sp (local) |
| Created          | YYYY-MM-DD HH:MM:SS     |
+------------------+-------------------------+
EOF
)" ""
run vds datasets details --id alpha
expect "the old name is gone" 3 "" "vds: no such dataset 'alpha'"
run vds datasets details --id "$alpha" --json
check "the creation time is kept by an update" grep -q "\"createdAt\":	\"$(date -u -d "@$created_s" '+%Y-%m-%d')" "$T/out"

run vds datasets update --id "$alpha" --description ""
expect "clear the description" 0 "Updated dataset: $alpha" ""
run vds datasets update --id "$alpha" --name omega2
expect "update only the name" 0 "Updated dataset: $alpha" ""
run vds datasets details --id "$alpha" --json
norm_times
omega2_json=$(printf '{
\t"id":\t"%s",
\t"name":\t"omega2",
\t"description":\t"",
\t"storageProviderId":\t"%s",
\t"createdAt":\t"YYYY-MM-DD HH:MM:SS"
}' "$alpha" "$sp")
expect "name changed, description kept empty" 0 "$omega2_json" ""

run vds datasets update --id "$alpha"
expect "update with nothing to change" 2 "" \
	"vds: nothing to update: give --name and/or --description"
run vds datasets update --id "$alpha" --name ""
expect "update to an empty name refused" 4 "" "vds: dataset name may not be empty"
run vds datasets update --id "$alpha" --name "$(printf 'a\nb')" --description ok
expect "update to a name with a newline refused" 4 "" \
	"vds: dataset name contains control characters"
run vds datasets update --id "$alpha" --name "$long"
expect "update to a long name refused" 4 "" "vds: dataset name is longer than 256 bytes"
run vds datasets details --id "$alpha" --json
norm_times
expect "refused updates changed nothing" 0 "$omega2_json" ""

run vds datasets update --id "$alpha" --name twin
expect "update to a name in use is allowed" 0 "Updated dataset: $alpha" ""
run vds datasets details --id twin
expect "which makes the name ambiguous three times" 4 "" \
	"vds: 3 datasets are named 'twin': use an id"

# ---- delete ----------------------------------------------------------------

run vds datasets versions create --id zeta --message "to be deleted"
check "zeta has a version" test -n "$(store_ls "datasets/$zeta/versions")"
run vds datasets delete --id zeta
expect "delete by name" 0 "Deleted dataset: $zeta" ""
check "the dataset's folder is gone" store_absent "datasets/$zeta"
check "the other datasets are left in the store" store_file "datasets/$beta.json"
run vds datasets details --id "$zeta"
expect "details after delete" 3 "" "vds: no such dataset '$zeta'"
run vds datasets delete --id "$zeta"
expect "delete twice" 3 "" "vds: no such dataset '$zeta'"
run vds datasets versions list --id "$zeta"
expect "versions of a deleted dataset" 3 "" "vds: no such dataset '$zeta'"

for id in "$beta" "$twin1" "$twin2" "$alpha" "$jp" "$bs"; do
	vds datasets delete --id "$id" >/dev/null
done
run vds datasets list
expect "list after deleting everything" 0 "$empty_list" ""
run vds datasets list --json
expect "list --json after deleting everything" 0 "[]" ""

done_testing
