#!/bin/sh
# t46-dataset-keys: the store feature datasetkeys (vds-format(5), KEYS): a
# new store names it in its marker and keeps each dataset's record at the
# flat key datasets/ID.json, which decides that the dataset exists; create,
# list, details, update and delete answer as always, fsck knows a folder
# without its record and a record without a folder. On S3, a cold
# datasets list reads a pack of the dataset records (datasets/pack-*.json)
# that the first cold reader wrote: its requests do not grow with the
# number of datasets, and its answers are those of a reader without packs
# whatever the pack holds and whatever other writers did since. A store
# made without the feature reads as before, and storageProviders upgrade
# gives it the feature with the same answers, even when run again after
# it was cut short at any point.
. "$VDS_SRCDIR/tests/cli/lib.sh"

REC=$VDS_HOME/cache/records
MARKER='{"format":"vds","version":2,"features":["datasetkeys"]}'
PLAIN='{"format":"vds","version":2}'
norm_times() {
	sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}/YYYY-MM-DD HH:MM:SS/g' \
		"$T/out" >"$T/out.n" && mv "$T/out.n" "$T/out"
}
# absent KEY: the store holds neither KEY nor keys below KEY/
absent() { ! store_has "$1"; }
# fsck_is DESC NOTE... CHECKED: fsck's notes (in any order) and its last line
fsck_is() {
	_d=$1; shift
	run vds fsck
	_want=$(for _l; do echo "$_l"; done)
	is "$_d" "$(sort "$T/out")" "$(printf '%s\n' "$_want" | sort)"
}
mkdir -p "$T/src"
echo one >"$T/src/a.txt"
echo two >"$T/src/b.txt"

# ---------------------------------------------------------------- a new store
run vds datasets list
expect "an empty new store lists nothing" 0 "+------+----+------------------+
| Name | ID | Storage Provider |
+------+----+------------------+
+------+----+------------------+" ""
is "a new store's marker names the feature" "$(store_cat VDS-FORMAT)" "$MARKER"
SP=$(vds storageProviders list | sed -n 's/^| local *| \(sp[0-9a-z]*\) .*/\1/p')

run vds datasets create --name alpha --description "the first"
A=$(sed -n 's/^Created dataset: //p' "$T/out")
expect "create" 0 "Created dataset: $A" ""
check "its record is the flat key datasets/$A.json" store_has "datasets/$A.json"
check "... and it has no folder yet" absent "datasets/$A"
B=$(new_dataset beta)
vds datasets versions create --id "$B" --message m1 --source-path "$T/src/a.txt" >/dev/null
check "a version makes the folder" store_has "datasets/$B/versions"
check "... which holds no record of the dataset" absent "datasets/$B/dataset.json"
run vds datasets list
expect "list" 0 "+-------+-----------------+------------------+
| Name  | ID              | Storage Provider |
+-------+-----------------+------------------+
| alpha | $A | $SP  |
| beta  | $B | $SP  |
+-------+-----------------+------------------+" ""
run vds datasets details --id "$A"
norm_times
expect "details" 0 "+------------------+-------------------------+
| ID               | $A         |
+------------------+-------------------------+
| Name             | alpha                   |
| Description      | the first               |
| Storage Provider | $SP (local) |
| Created          | YYYY-MM-DD HH:MM:SS     |
+------------------+-------------------------+" ""
before=$(store_cat "datasets/$A.json")
run vds datasets update --id "$A" --name gamma --description "renamed"
expect "update" 0 "Updated dataset: $A" ""
check "update replaces the flat record" test "$(store_cat "datasets/$A.json")" != "$before"
run vds datasets details --id gamma
norm_times
expect "details by the new name" 0 "+------------------+-------------------------+
| ID               | $A         |
+------------------+-------------------------+
| Name             | gamma                   |
| Description      | renamed                 |
| Storage Provider | $SP (local) |
| Created          | YYYY-MM-DD HH:MM:SS     |
+------------------+-------------------------+" ""
C=$(new_dataset doomed)
vds datasets versions create --id "$C" --message m1 --source-path "$T/src/b.txt" >/dev/null
run vds datasets delete --id "$C"
expect "delete" 0 "Deleted dataset: $C" ""
check "delete removes the record" absent "datasets/$C.json"
check "... and the folder" absent "datasets/$C"
run vds datasets details --id "$C"
expect "a deleted dataset is gone" 3 "" "vds: no such dataset '$C'"
fsck_is "fsck: clean" "Checked 2 datasets, 1 version, 0 tags, 1 file: 0 problems, 0 notes, 0 repaired"

# ---------------------------------------------------------------- fsck
G=$(new_dataset gone)
vds datasets versions create --id "$G" --message m1 --source-path "$T/src/b.txt" >/dev/null
store_rm "datasets/$G.json" # a delete that stopped after its first write
run vds datasets list --json
check "a folder without its record is no dataset" sh -c '! grep -q "$1" "$2"' x "$G" "$T/out"
fsck_is "fsck: a folder without its record is a leftover" \
	"note:     leftover of a deleted dataset: datasets/$G" \
	"Checked 3 datasets, 1 version, 0 tags, 1 file: 0 problems, 1 note, 0 repaired"
store_cat "datasets/$B.json" >"$T/old.json"
store_put "datasets/$B/dataset.json" "$T/old.json"
fsck_is "fsck: a record at its old key is a leftover of an upgrade" \
	"note:     leftover record of an upgrade: datasets/$B/dataset.json" \
	"note:     leftover of a deleted dataset: datasets/$G" \
	"Checked 3 datasets, 1 version, 0 tags, 1 file: 0 problems, 2 notes, 0 repaired"
store_rm "datasets/$G"
store_rm "datasets/$B/dataset.json"
fsck_is "fsck: clean without them" "Checked 2 datasets, 1 version, 0 tags, 1 file: 0 problems, 0 notes, 0 repaired"

# ---------------------------------------------------------------- packs of dataset records (S3)
# requests CMD...: the S3 requests of vds CMD with no record cache
requests() { rm -rf "$REC"; vds --debug "$@" 2>&1 >/dev/null | grep -c '^vds: debug: s3: '; }
# gets CMD...: of them, the GETs of single objects (not listings)
gets() {
	rm -rf "$REC"
	vds --debug "$@" 2>&1 >/dev/null | grep '^vds: debug: s3: ' | grep -v 'list-type' | grep -c GET
}
packs() { store_ls datasets | grep '^pack-' || true; }
rm_packs() { for p in $(packs); do store_rm "datasets/$p"; done; }
# truth: what a cold reader that neither reads nor writes packs answers
truth() {
	rm -rf "$REC"
	VDS_TEST_NO_PACKS=1 vds datasets list --json
	echo "rc=$?"
}
answer() {
	rm -rf "$REC"
	vds datasets list --json
	echo "rc=$?"
}
# fill N: forged records of chosen ids until the store has N datasets
have=2
fill() {
	while [ "$have" -lt "$1" ]; do
		have=$((have + 1))
		id=$(printf 'dsf%012d' "$have")
		store_put_record "datasets/$id.json" <<EOF
{"id": "$id", "name": "other-$have", "description": "", "created": "2026-01-02T00:00:00.000000Z"}
EOF
	done
}
if is_s3; then
	for n in 20 60; do
		fill "$n"
		rm_packs
		nopack=$(VDS_TEST_NO_PACKS=1 VDS_TEST_LIST_PAGE=8 gets datasets list)
		is "$n datasets: a reader without packs writes none" "$(packs)" ""
		check "$n datasets: without packs a cold reader reads every record ($nopack GETs)" \
			[ "$nopack" -ge "$n" ]
		VDS_TEST_LIST_PAGE=8 requests datasets list >/dev/null
		is "$n datasets: the first cold reader writes a pack" "$(packs | wc -l | tr -d ' ')" 1
		eval "gets_$n=\$(VDS_TEST_LIST_PAGE=8 gets datasets list)"
		eval "all_$n=\$(requests datasets list)"
		eval "diag \"$n datasets: cold datasets list with the pack: \$all_$n requests (pages of 1000), \$gets_$n GETs (pages of 8)\""
	done
	is "with small pages, the GETs of a cold list are as many with 60 datasets as with 20" \
		"$gets_60" "$gets_20"
	# the format marker and the listing of datasets/ at once, then the pack
	is "with one page, a cold list makes 3 requests at 20 and at 60 datasets" "$all_20 $all_60" "3 3"
	is "the pack's answer is the truth" "$(answer)" "$(truth)"

	# a dataset renamed by another writer after the pack: its listed ETag differs
	vds datasets update --id "$B" --name beta-renamed >/dev/null
	want=$(truth)
	check "the truth shows the new name" sh -c 'printf "%s" "$1" | grep -q beta-renamed' x "$want"
	is "a reader holding the old pack shows the dataset renamed" "$(answer)" "$want"
	is "... with one GET more than the pack" "$(gets datasets list)" "$((gets_60 + 1))"
	# a dataset created by another writer after the pack
	D=$(new_dataset latecomer)
	want=$(truth)
	is "a dataset created after the pack is listed" "$(answer)" "$want"
	check "... the truth has it" sh -c 'printf "%s" "$1" | grep -q latecomer' x "$want"
	# a deleted one
	vds datasets delete --id "$D" >/dev/null
	want=$(truth)
	is "a dataset deleted after the pack is not listed" "$(answer)" "$want"

	# forged and damaged packs, newer than the real one: never another answer
	real=$(packs | tail -n 1)
	store_cat "datasets/$real" >"$T/real.json"
	python3 - "$T/real.json" "$T/forged.json" "$B" "$A" <<'EOF'
import base64, hashlib, json, sys
pack = json.load(open(sys.argv[1]))
out = []
for e in pack["records"]:
    b = base64.b64decode(e["bytes"])
    if e["key"] == "datasets/%s.json" % sys.argv[3]:
        # other bytes under the listed MD5: the bytes do not have it
        e = dict(e, bytes=base64.b64encode(b.replace(b"beta-renamed", b"forged-name!")).decode())
    elif e["key"] == "datasets/%s.json" % sys.argv[4]:
        # other bytes with their own MD5: the listing names another
        nb = b.replace(b"gamma", b"FORGE")
        e = dict(e, bytes=base64.b64encode(nb).decode(), md5=hashlib.md5(nb).hexdigest())
    out.append(e)
# a key that is no dataset record, and one that does not exist
nb = b'{"id":"dsnope0000000000","name":"ghost"}'
out.append({"key": "datasets/dsghost00000000.json", "md5": hashlib.md5(nb).hexdigest(),
            "bytes": base64.b64encode(nb).decode()})
out.append({"key": "datasets/%s/versions/x/version.json" % sys.argv[3],
            "md5": hashlib.md5(nb).hexdigest(), "bytes": base64.b64encode(nb).decode()})
json.dump({"records": out}, open(sys.argv[2], "w"))
EOF
	name=$(echo "$real" | sed 's/^pack-//')
	# a name that sorts after the real one, so that readers take it as the newest
	newer=pack-$(echo "$name" | sed 's/^2/3/')
	store_put_record "datasets/$newer" <"$T/forged.json"
	want=$(truth)
	is "a forged pack (sealed, entries that lie) changes no answer" "$(answer)" "$want"
	echo 'garbage{' >"$T/garbage"
	store_put "datasets/$newer" "$T/garbage"
	is "a damaged pack (no checksum) changes no answer" "$(answer)" "$want"
	sed 's/"records"/"records" /' "$T/real.json" >"$T/badsum"
	store_put "datasets/$newer" "$T/badsum"
	is "a pack whose checksum fails changes no answer" "$(answer)" "$want"
	run vds fsck
	check "fsck notes the damaged pack" grep -q "damaged record pack (readers ignore it): datasets/$newer" "$T/out"
	store_rm "datasets/$newer"
	run vds gc --dry-run
	is "gc over a store with packs of dataset records" "$rc" 0
	check "at most two packs of dataset records remain" [ "$(packs | wc -l)" -le 2 ]
fi
run vds fsck
is "fsck: no problem in the store with the feature" "$(grep -c problem: "$T/out")" 0

# ---------------------------------------------------------------- a store without the feature
# the marker of a store made before the feature, written before the first command
export VDS_HOME="$T/old"
REC=$VDS_HOME/cache/records
if is_s3; then
	S3_PREFIX=old/
	s3_home
fi
printf '%s\n' "$PLAIN" >"$T/plain"
store_put VDS-FORMAT "$T/plain"
SP=$(vds storageProviders list | sed -n 's/^| local *| \(sp[0-9a-z]*\) .*/\1/p')
P=$(new_dataset photos)
Q=$(new_dataset quarry)
E=$(new_dataset empty)
Z=$(new_dataset zapped)
check "without the feature, a record is datasets/ID/dataset.json" store_has "datasets/$P/dataset.json"
check "... and there is no flat key" absent "datasets/$P.json"
vds datasets versions create --id "$P" --message m1 --source-path "$T/src/a.txt" >/dev/null
vds datasets versions create --id "$P" --message m2 --source-path "$T/src/b.txt" >/dev/null
vds datasets tags set --id "$P:latest" --name v2 >/dev/null
vds datasets versions create --id "$Q" --message q1 --source-path "$T/src/a.txt" >/dev/null
vds datasets update --id "$Q" --name quarry-renamed --description "moved" >/dev/null
# answers: what readers answer, cold
answers() {
	rm -rf "$REC"
	for c in "list --json" "details --id $Q" "details --id $Z" "versions list --id $P" \
		"tags list --id $P" "files list --id $P:v2"; do
		# word splitting of $c is meant
		run vds datasets $c
		norm_times
		cat "$T/out" "$T/err"
		echo "rc=$rc"
	done
}
# an upgrade cut short after its first step: the records copied to their
# flat keys, the marker not yet written; then a dataset deleted by a writer
# that knows only the old keys (its flat copy is stale)
for d in "$P" "$Q" "$E" "$Z"; do
	store_cat "datasets/$d/dataset.json" >"$T/rec"
	store_put "datasets/$d.json" "$T/rec"
done
vds datasets delete --id "$Z" >/dev/null
before=$(answers)
check "the answers do not name the deleted dataset" sh -c '! printf "%s" "$1" | grep -q zapped' x "$before"
run vds fsck
check "fsck notes the copies of an upgrade cut short" \
	grep -q "note:     leftover of an upgrade cut short: datasets/$P.json" "$T/out"
check "... and finds no problem" sh -c '! grep -q problem: "$1"' x "$T/out"
is "the marker is still the old one" "$(store_cat VDS-FORMAT)" "$PLAIN"

run vds storageProviders upgrade --id "$SP"
expect "the upgrade" 0 "Upgraded storage provider: $SP (3 dataset records moved)" ""
is "the marker names the feature" "$(store_cat VDS-FORMAT)" "$MARKER"
check "the records are at their flat keys" store_has "datasets/$Q.json"
check "... the old ones are gone" absent "datasets/$Q/dataset.json"
check "the deleted dataset's stale copy did not come back" absent "datasets/$Z.json"
is "the upgraded store answers as before" "$(answers)" "$before"
fsck_is "fsck: the upgraded store is clean" "Checked 3 datasets, 3 versions, 1 tag, 3 files: 0 problems, 0 notes, 0 repaired"

# cut short after the marker: old records left; run again
store_cat "datasets/$P.json" >"$T/rec"
store_put "datasets/$P/dataset.json" "$T/rec"
is "an upgrade cut short after the marker answers the same" "$(answers)" "$before"
run vds storageProviders upgrade --id "$SP"
expect "the upgrade run again" 0 "Upgraded storage provider: $SP (0 dataset records moved)" ""
check "... removes the old record" absent "datasets/$P/dataset.json"
is "... and answers the same" "$(answers)" "$before"

# killed at random moments: every state in between answers the same
store_put VDS-FORMAT "$T/plain"
for d in "$P" "$Q" "$E"; do
	store_cat "datasets/$d.json" >"$T/rec"
	store_put "datasets/$d/dataset.json" "$T/rec"
	store_rm "datasets/$d.json"
done
is "back without the feature: the same answers" "$(answers)" "$before"
span=300
i=0
while [ $i -lt 3 ]; do
	i=$((i + 1))
	aimed_kill span storageProviders upgrade --id "$SP" || true
	is "after upgrade run $i (killed: $kills so far), the same answers" "$(answers)" "$before"
done
run vds storageProviders upgrade --id "$SP"
is "the upgrade completes after the kills" "$rc" 0
is "... with the feature" "$(store_cat VDS-FORMAT)" "$MARKER"
is "... and the same answers" "$(answers)" "$before"
fsck_is "fsck: clean after the kills" "Checked 3 datasets, 3 versions, 1 tag, 3 files: 0 problems, 0 notes, 0 repaired"

# a feature this vds does not know
printf '{"format":"vds","version":2,"features":["datasetkeys","zzz"]}\n' >"$T/unknown"
store_put VDS-FORMAT "$T/unknown"
run vds datasets list
is "a marker naming an unknown feature is refused" "$rc" 9
store_put VDS-FORMAT "$T/plain"

done_testing
