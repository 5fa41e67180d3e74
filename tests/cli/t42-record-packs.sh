#!/bin/sh
# t42-record-packs: record packs of S3 stores (vds-format(5), RECORD PACKS).
# A cold reader (no record cache) that may write leaves a pack, and the next
# cold reader's requests (and those of lineage --downstream, gc and fsck
# for records) do not grow with the number of versions; answers
# are those of a reader without packs, whatever a pack holds (forged bytes,
# keys it does not confirm, garbage, a bad checksum, deleted versions,
# another dataset's keys) and whatever other writers did since; gc keeps
# the newest two packs; fsck notes a damaged one; cold readers at once all
# answer right. A local store has no packs.
. "$VDS_SRCDIR/tests/cli/lib.sh"

REC=$VDS_HOME/cache/records
mkdir -p "$T/src"
# requests CMD...: the number of S3 requests vds CMD makes with no record cache
requests() { rm -rf "$REC"; vds --debug "$@" 2>&1 >/dev/null | grep -c '^vds: debug: s3: '; }
# add_versions DS N: commits versions until DS has N, each with a file of its own
add_versions() {
	_have=$(vds datasets versions list --id "$1" --json | grep -c '"isCommitted":	true')
	while [ "$_have" -lt "$2" ]; do
		_have=$((_have + 1))
		printf 'file %s\n' "$_have" >"$T/src/f$_have.txt"
		vds datasets versions create --id "$1" --message "m$_have" \
			--source-path "$T/src/f$_have.txt" >/dev/null || return 1
	done
}
# answers: what the reading commands answer with no record cache, and their statuses
answers() {
	for _c in "versions list --id $DS --json" "files list --id $DS:latest" \
		"versions details --id $DS:latest" "tags list --id $DS"; do
		rm -rf "$REC"
		# word splitting of $_c is meant: it holds no spaces of its own
		run vds datasets $_c
		cat "$T/out" "$T/err"
		echo "rc=$rc"
	done
}
# truth: the answers of a reader that neither reads nor writes packs
truth() { VDS_TEST_NO_PACKS=1 answers; }
# packs: the packs of DS in the store
packs() { store_ls "datasets/$DS/packs"; }

DS=$(new_dataset packed)
if ! is_s3; then
	add_versions "$DS" 20
	vds datasets versions list --id "$DS" >/dev/null
	vds datasets versions details --id "$DS:latest" >/dev/null
	is "a local store gets no record pack" "$(packs)" ""
	tap_n=$((tap_n + 1))
	echo "ok $tap_n # SKIP record packs are written and read on S3 stores only"
	done_testing
	exit 0
fi

# ---------------------------------------------------------------- counts
# records CMD...: the S3 requests of vds CMD for the datasets' folders (their
# listings, records and packs, not content) with no record cache
records() { rm -rf "$REC"; vds --debug "$@" 2>&1 >/dev/null | grep '^vds: debug: s3: ' | grep -c datasets; }
W1=$(new_dataset walked1)
W2=$(new_dataset walked2)
for n in 20 60; do
	add_versions "$DS" "$n" || not_ok "$n versions made"
	for d in "$W1" "$W2"; do
		add_versions "$d" "$n" || not_ok "$n versions made in $d"
		store_rm "datasets/$d/packs"
		rm -rf "$REC"
		vds datasets versions list --id "$d" >/dev/null # a cold writer leaves a pack
	done
	store_rm "datasets/$DS/packs"
	nopack=$(VDS_TEST_NO_PACKS=1 requests datasets versions list --id "$DS")
	is "$n versions: a reader without packs writes none" "$(packs)" ""
	first=$(requests datasets versions list --id "$DS")
	check "$n versions: the first cold reader writes a pack" [ "$(packs | wc -l)" = 1 ]
	counts=
	for cmd in "versions list --id $DS" "files list --id $DS:latest" \
		"versions details --id $DS:latest" "tags list --id $DS"; do
		vds datasets $cmd >/dev/null # any record it reads one by one goes into a pack
		c=$(requests datasets $cmd)
		counts="$counts $c"
		diag "$n versions, $(echo "$cmd" | sed 's/ --id.*//'): $c requests cold with a pack"
	done
	diag "$n versions, versions list cold: $nopack requests without packs, $first writing the pack"
	check "$n versions: without packs a cold reader reads every version" \
		[ "$nopack" -ge $((2 * n)) ]
	# the format marker, the dataset's listing, its pack: every record it names
	# (the dataset's record too, shown by the same listing) comes from the pack
	is "$n versions: with a pack, versions list, files list and details of latest, tags list make 3 requests each" \
		"$counts" " 3 3 3 3"
	eval "counts_$n=\"\$counts\""
	# the walks of the whole store read each dataset through its listing and pack
	walks="$(requests datasets versions lineage --id "$DS:latest" --downstream) $(records gc --dry-run) $(records fsck)"
	diag "3 datasets of $n versions: lineage --downstream, gc and fsck (their requests for records): $walks"
	eval "walks_$n=\"\$walks\""
	check "$n versions: at most two packs remain" [ "$(packs | wc -l)" -le 2 ]
done
is "cold readers with a pack make as many requests with 60 versions as with 20" \
	"$counts_60" "$counts_20"
is "so do lineage --downstream, gc and fsck over 3 datasets" "$walks_60" "$walks_20"
# lineage: the format marker, the dataset's listing and pack, the listing of
# datasets/, each other dataset's listing and pack; gc and fsck: the listing
# of datasets/, and each dataset's listing and pack
is "lineage --downstream makes 8 requests, gc and fsck 7 for records" "$walks_20" "8 7 7"
# a second reader on the same machine takes the pack from the record cache
# (one GET fewer), and the records the pack served need no entries there
rm -rf "$REC"
vds datasets versions list --id "$DS" >/dev/null
entries=$(find "$REC" -type f | wc -l)
diag "record cache entries after a cold versions list of 60 versions with a pack: $entries"
check "the records a pack served have no cache entries of their own (the pack and at most 4 others)" \
	[ "$entries" -le 5 ]
is "a warm reader reads the pack from the record cache: one request fewer" \
	"$(vds --debug datasets versions list --id "$DS" 2>&1 >/dev/null | grep -c '^vds: debug: s3: ')" \
	"$(($(echo $counts_60 | cut -d' ' -f1) - 1))"

# ---------------------------------------------------------------- the answers
OLD=$(vds datasets versions list --id "$DS" --json | sed -n 's/.*"id":	"\(.*\)",/\1/p' | tail -n 1)
LAST=$(vds datasets versions list --id "$DS" --json | sed -n 's/.*"id":	"\(.*\)",/\1/p' | head -n 1)
vds datasets tags set --id "$OLD" --name first >/dev/null
vds datasets tags set --id "$LAST" --name moving >/dev/null
want=$(truth)
is "the answers with packs are those without" "$(answers)" "$want"
check "and they were read through a pack" [ "$(packs | wc -l)" -ge 1 ]

# ---------------------------------------------------------------- forged packs
# pack_put NAME FILE...: a pack named NAME of DS whose entries are the lines
# "KEY MD5 BYTESFILE" of the FILEs, sealed as vds seals records
pack_put() {
	_name=$1; shift
	{
		printf '{"records":['
		_sep=
		cat "$@" | while read -r _k _m _f; do
			printf '%s{"key":"%s","md5":"%s","bytes":"%s"}' "$_sep" "$_k" "$_m" \
				"$(base64 -w0 <"$_f")"
			_sep=,
		done
		printf ']}\n'
	} | store_put_record "datasets/$DS/packs/$_name"
}
FORGED=7000000000000000-forged00.json # newer than any pack vds writes
# forged DESC: the answers are still the truth with pack FORGED in the store
forged() {
	is "$1 changes no answer" "$(answers)" "$want"
	store_rm "datasets/$DS/packs/$FORGED"
}
ck=datasets/$DS/versions/${LAST#*:}/commit.json
vk=datasets/$DS/versions/${LAST#*:}/version.json
store_cat "$ck" >"$T/commit.real"
store_cat "$vk" >"$T/version.real"
sed 's/"message":[^,]*/"message":	"forged"/' "$T/commit.real" >"$T/commit.forged"
sed 's/"message":[^,]*/"message":	"forged"/' "$T/version.real" >"$T/version.forged"
check "the forged records differ" sh -c "! cmp -s '$T/commit.real' '$T/commit.forged'"
echo "$ck $(md5sum <"$T/commit.real" | cut -c1-32) $T/commit.forged" >"$T/e1"
pack_put "$FORGED" "$T/e1"
forged "a pack whose bytes do not have the MD5 it claims (the listing's)"
echo "$vk $(md5sum <"$T/version.forged" | cut -c1-32) $T/version.forged" >"$T/e2"
pack_put "$FORGED" "$T/e2"
forged "a pack entry of a key whose object holds other bytes"
printf 'garbage\n' >"$T/garbage"
store_put "datasets/$DS/packs/$FORGED" "$T/garbage"
forged "a pack of garbage"
printf '{"records":[{"key":' | store_put_record "datasets/$DS/packs/$FORGED"
forged "a pack of broken JSON"
echo "$ck $(md5sum <"$T/commit.real" | cut -c1-32) $T/commit.real" >"$T/e3"
pack_put "$FORGED" "$T/e3"
store_cat "datasets/$DS/packs/$FORGED" | sed 's/"sum":"./"sum":"x/' >"$T/badsum"
store_put "datasets/$DS/packs/$FORGED" "$T/badsum"
forged "a pack with a bad checksum"
# another dataset's records in a pack of this one
DS2=$(new_dataset other)
printf 'o\n' >"$T/src/o.txt"
V2=$(new_version "$DS2" --message other --source-path "$T/src/o.txt")
k2=datasets/$DS2/versions/${V2#*:}/commit.json
store_cat "$k2" >"$T/c2"
echo "$k2 $(md5sum <"$T/c2" | cut -c1-32) $T/c2" >"$T/e4"
pack_put "$FORGED" "$T/e4"
forged "a pack holding another dataset's record"
rm -rf "$REC"
run vds datasets versions list --id "$DS2" --json
check "which is read where it belongs" grep -q "\"id\":	\"$V2\"" "$T/out"

# ---------------------------------------------------------------- other writers
other_home=$T/other
mkdir -p "$other_home"
cp "$VDS_HOME/config.json" "$other_home/"
# other CMD...: vds as another writer with a cache of its own
other() { VDS_HOME=$other_home vds "$@"; }
answers >/dev/null # a pack of every record, as it is now
check "a pack exists" [ "$(packs | wc -l)" -ge 1 ]
printf 'new\n' >"$T/src/new.txt"
NEW=$(VDS_HOME=$other_home new_version "$DS" --message newest --source-path "$T/src/new.txt")
other datasets tags set --id "$NEW" --name moving >/dev/null
run vds datasets versions details --id "$DS:moving" --json
check "a tag another writer moved names its new version" grep -q "\"id\":	\"$NEW\"" "$T/out"
run vds datasets files list --id "$DS:latest"
expect "another writer's commit is latest" 0 "+---------+------+
| Name    | Size |
+---------+------+
| new.txt | 4    |
+---------+------+"
want=$(truth)
is "after another writer's commit and tag, answers are the truth" "$(answers)" "$want"
answers >/dev/null # a pack naming NEW
other datasets versions delete --id "$NEW" --force >/dev/null
run vds datasets versions list --id "$DS" --json
check "a version deleted since the pack was written is not listed" \
	sh -c "! grep -q '\"id\":	\"$NEW\"' '$T/out'"
rm -rf "$REC"
run vds datasets versions details --id "$NEW"
expect "nor found" 3 "" "vds: no version or tag '${NEW#*:}' in dataset $DS"
want=$(truth)
is "after a deletion, answers are the truth" "$(answers)" "$want"

# ---------------------------------------------------------------- gc and fsck
run vds fsck
check "fsck says nothing of valid packs" sh -c "! grep -q pack '$T/out'"
is "and exits 0" "$rc" 0
newest=$(packs | tail -n 1)
store_cat "datasets/$DS/packs/$newest" >"$T/pack"
for s in 0000000000000001-aaaaaaaa 0000000000000002-aaaaaaaa 0000000000000003-aaaaaaaa; do
	store_put "datasets/$DS/packs/$s.json" "$T/pack"
done
keep=$(packs | tail -n 2)
drop=$(($(packs | wc -l) - 2))
run vds gc
check "gc removes the old packs" grep -qx "Removed $drop old record packs" "$T/out"
is "and keeps the newest two" "$(packs)" "$keep"
is "gc exits 0" "$rc" 0
store_put "datasets/$DS/packs/$FORGED" "$T/garbage"
run vds fsck
is "fsck exits 0 with a damaged pack" "$rc" 0
check "and notes it" grep -qx "note:     damaged record pack (readers ignore it): datasets/$DS/packs/$FORGED" "$T/out"
store_rm "datasets/$DS/packs/$FORGED"

# ---------------------------------------------------------------- read-only providers
ro_home=$T/ro
mkdir -p "$ro_home"
(umask 077 && sed 's/"name": "local"/"name": "local", "readOnly": true/' \
	"$VDS_HOME/config.json" >"$ro_home/config.json")
check "the reader's provider is read-only" grep -q '"readOnly": true' "$ro_home/config.json"
store_rm "datasets/$DS/packs"
want=$(VDS_TEST_NO_PACKS=1 vds datasets versions list --id "$DS" --json)
is "a read-only provider answers right" \
	"$(VDS_HOME=$ro_home vds datasets versions list --id "$DS" --json 2>&1)" "$want"
is "and writes no pack" "$(packs)" ""
rm -rf "$REC"
vds datasets versions list --id "$DS" >/dev/null # a cold writer leaves one
rm -rf "$REC" "$ro_home/cache"
ro=$(VDS_HOME=$ro_home vds --debug datasets versions list --id "$DS" 2>&1 >/dev/null |
	grep -c '^vds: debug: s3: ')
is "a read-only provider reads a pack too (3 requests)" "$ro" 3
rm -rf "$ro_home/cache"
is "and answers right" \
	"$(VDS_HOME=$ro_home vds datasets versions list --id "$DS" --json 2>&1)" "$want"

# ---------------------------------------------------------------- readers at once
store_rm "datasets/$DS/packs"
want=$(VDS_TEST_NO_PACKS=1 vds datasets versions list --id "$DS" --json)
rm -rf "$REC" "$other_home/cache"
vds datasets versions list --id "$DS" --json >"$T/a.out" 2>"$T/a.err" &
a=$!
other datasets versions list --id "$DS" --json >"$T/b.out" 2>"$T/b.err" &
b=$!
PIDS="$a $b"
wait "$a"; ra=$?
wait "$b"; rb=$?
is "two cold readers at once both exit 0" "$ra $rb" "0 0"
is "the first answers right" "$(cat "$T/a.out" "$T/a.err")" "$want"
is "the second answers right" "$(cat "$T/b.out" "$T/b.err")" "$want"
check "packs were written" [ "$(packs | wc -l)" -ge 1 ]
rm -rf "$REC"
is "and a cold reader after them answers right" \
	"$(vds datasets versions list --id "$DS" --json 2>&1)" "$want"

done_testing
