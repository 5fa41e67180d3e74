#!/bin/sh
# t43-list-parts: S3 listings longer than a page are listed in parts at
# once (src/store/s3_list.c): after the first page, the rest is cut at the
# characters of the ids into ranges, each listed from its own start-after.
# With small pages (VDS_TEST_LIST_PAGE), every reading command answers
# exactly as with one plain listing, over a dataset whose versions are
# chosen: keys right at the cuts and on either side of them, empty parts,
# a part of several pages; the --debug log shows the parts, and the pages
# that follow one another are only those of the long part. A version
# committed by another writer while the parts wait (held by the test proxy)
# is listed. A local store lists at once: nothing to test there.
. "$VDS_SRCDIR/tests/cli/lib.sh"

if ! is_s3; then
	tap_n=$((tap_n + 1))
	echo "ok $tap_n # SKIP listings in parts are made by S3 providers only"
	done_testing
	exit 0
fi
# the counts below are those of a store without packs (a pack is one more key)
export VDS_TEST_NO_PACKS=1

# ---------------------------------------------------------------- the store
# One committed version, moved to the chosen id k000000 (its records copied:
# only version.json names its id), then drafts of chosen ids (version.json
# only). With pages of 10 keys the first page (the dataset record, the tag, 8
# drafts) ends at 4a00000, and the rest is cut at 8 b e h l o r u x (10
# parts): 7zzzzzz and 8000000 lie on either side of a cut, "versions/8" is
# a key exactly at it (not a version: every reader reports it the same),
# b-e, l-o, o-r and r-u hold nothing, the h... drafts and k000000 fill
# three pages of theirs.
mkdir -p "$T/src"
echo "the file" >"$T/src/f.txt"
DS=$(new_dataset parted)
vds datasets versions create --id "$DS" --message "the one" --source-path "$T/src/f.txt" >/dev/null
REAL=$(store_ls "datasets/$DS/versions")
# move KEY: copies version REAL's record KEY (below its folder) to version k000000
move() { store_cat "datasets/$DS/versions/$REAL/$1" >"$T/rec" && store_put "datasets/$DS/versions/k000000/$1" "$T/rec"; }
for k in $(s3keys "datasets/$DS/versions/$REAL/" | cut -d' ' -f1 | sed "s|^datasets/$DS/versions/$REAL/||"); do
	if [ "$k" = version.json ]; then
		store_cat "datasets/$DS/versions/$REAL/version.json" | sed '1d; s/"id":.*/"id":\t"k000000",/' |
			{ echo '{'; cat; } | store_put_record "datasets/$DS/versions/k000000/version.json"
	else
		move "$k"
	fi
done
store_rm "datasets/$DS/versions/$REAL"
vds datasets tags set --id "$DS:k000000" --name good >/dev/null
# draft ID: a draft version ID of DS made at a time of its own
n=0
draft() {
	n=$((n + 1))
	store_put_record "datasets/$DS/versions/$1/version.json" <<EOF
{"id": "$1", "message": "draft $1", "created": "2026-01-01T00:00:$(printf %02d $((n % 60))).000000Z"}
EOF
}
for id in 0a00000 0k00000 1a00000 1k00000 2a00000 2k00000 3a00000 \
	4a00000 5a00000 7zzzzzz 8000000 a000000 w000000 z000000 zzzzzzz; do
	draft "$id"
done
for i in 0 1 2 3 4 5 6 7 8 9 a b c d e f g h i j k l m n o; do draft "h${i}00000"; done
store_put_record "datasets/$DS/versions/8" <<EOF
{"at": "the cut"}
EOF
# more datasets, so that datasets/ is long too: forged records of chosen ids
for i in 0 2 4 6 8 a c e g i k m o q s u w y; do
	id=ds${i}000000000000
	store_put_record "datasets/$id.json" <<EOF
{"id": "$id", "name": "other-$i", "description": "", "created": "2026-01-02T00:00:00.000000Z"}
EOF
done

# ---------------------------------------------------------------- the answers
ALL="datasets@list datasets@list@--json datasets@versions@list@--id@$DS
datasets@versions@list@--id@$DS@--json datasets@files@list@--id@$DS:latest
datasets@versions@details@--id@$DS:latest datasets@versions@details@--id@$DS:8000000
datasets@tags@list@--id@$DS datasets@files@list@--id@$DS:good fsck gc@--dry-run"
# answers [CMD...]: what the reading commands (ALL, words joined by @) answer, and their statuses
answers() {
	for _c in ${*:-$ALL}; do
		_c=$(echo "$_c" | tr @ ' ')
		# word splitting of $_c is meant: it holds no spaces of its own
		run vds $_c
		echo "== $_c"
		cat "$T/out" "$T/err"
		echo "rc=$rc"
	done
}
answers >"$T/plain"
check "the plain answers list every version" grep -q "$DS:zzzzzzz" "$T/plain"
check "... and every dataset" grep -q "other-y" "$T/plain"
VDS_TEST_LIST_PAGE=10 answers >"$T/parted"
is "with pages of 10 keys, every answer is the plain one" "$(diff "$T/plain" "$T/parted")" ""
SOME="datasets@list datasets@versions@list@--id@$DS@--json fsck"
answers $SOME >"$T/plain-some"
VDS_TEST_LIST_PAGE=3 answers $SOME >"$T/parted3"
is "with pages of 3 keys too" "$(diff "$T/plain-some" "$T/parted3")" ""
VDS_TEST_NO_PACKS= answers "datasets@versions@list@--id@$DS" >/dev/null # a pack is written
VDS_TEST_NO_PACKS= VDS_TEST_LIST_PAGE=10 answers >"$T/packed"
is "with a record pack, the same" "$(diff "$T/plain" "$T/packed")" ""
store_rm "datasets/$DS/packs"

# ---------------------------------------------------------------- the requests
# listings CMD...: the listing requests of vds CMD with pages of 10 keys, one a line:
# "first", "part" (from a start-after) or "next" (a page after another)
listings() {
	VDS_TEST_LIST_PAGE=10 vds --debug "$@" 2>&1 >/dev/null | grep "^vds: debug: s3: GET .*list-type=2" |
		sed "s/.*continuation-token=.*/next/; s/.*start-after=.*/part/; s/^vds: debug: s3: .*/first/"
}
counts() { listings "$@" | sort | uniq -c | awk '{ printf "%s%s %s", s, $1, $2; s = ", " }'; }
is "versions list: the first page, 10 parts at once, 2 more pages of the long part" \
	"$(counts datasets versions list --id "$DS")" "1 first, 2 next, 10 part"
VDS_TEST_LIST_PAGE=10 vds --debug datasets versions list --id "$DS" 2>"$T/debug" >/dev/null
is "the parts and their cuts are in the --debug log" \
	"$(grep 'parts after' "$T/debug" | sed 's/.*debug: //')" \
	"s3: listed store/datasets/$DS in 10 parts after the first page, cut at datasets/$DS/versions/8 ... datasets/$DS/versions/x"
is "files list of latest: the same listing" "$(counts datasets files list --id "$DS:latest")" \
	"1 first, 2 next, 10 part"
# where the first page of datasets/ ends depends on the random id of DS
dl=$(counts datasets list)
# parts DESC: passes if $dl is the first page and 2 to 16 parts, no page after another
parts() { case $dl in "1 first, "[2-9]" part" | "1 first, 1"[0-6]" part") ok "$1" ;; *) not_ok "$1" ;; esac; }
parts "datasets list: the first page and 2 to 16 parts, no page after another"
diag "datasets list: $dl"

# ---------------------------------------------------------------- a writer meanwhile
# The reader goes through the test proxy, which holds every part's request
# 5 s; meanwhile another writer commits a version (a copy of k000000's
# records as x500000, in a part's range): the reader lists it.
PROXY=${VDS_FAULTPROXY:-$(dirname "$VDS_BIN")/tests/s3/faultproxy}
EP=$VDS_TEST_S3_ENDPOINT
printf 'hold GET start-after 5000 100\n' >"$T/rules"
"$PROXY" --listen-port-file "$T/port" --upstream "${EP#http://}" --log "$T/proxy.log" \
	--rules "$T/rules" 2>"$T/proxy.err" &
PIDS=$!
i=0
while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
FAR=$T/far
(VDS_HOME=$FAR VDS_TEST_S3_ENDPOINT=http://127.0.0.1:$(cat "$T/port") && s3_home)
VDS_HOME=$FAR VDS_TEST_LIST_PAGE=10 vds datasets versions list --id "$DS" >"$T/far.out" 2>&1 &
reader=$!
i=0
while ! grep -q start-after "$T/proxy.log" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
for k in $(s3keys "datasets/$DS/versions/k000000/" | cut -d' ' -f1 | sed "s|^datasets/$DS/versions/k000000/||"); do
	if [ "$k" = version.json ]; then
		store_cat "datasets/$DS/versions/k000000/version.json" | sed '1d; s/"id":.*/"id":\t"x500000",/' |
			{ echo '{'; cat; } | store_put_record "datasets/$DS/versions/x500000/version.json"
	else
		store_cat "datasets/$DS/versions/k000000/$k" >"$T/rec" && store_put "datasets/$DS/versions/x500000/$k" "$T/rec"
	fi
done
wait "$reader"
check "the parts waited for the writer" grep -q "start-after.*hold 5000" "$T/proxy.log"
check "the reader lists the version committed after its first page" \
	grep -q "$DS:x500000 | committed" "$T/far.out"

# A part that fails (held past the time-out, no second attempt): the rest is
# listed page after page from the first page's continuation token instead.
printf 'hold GET start-after 2500 1\n' >"$T/rules.tmp" && mv "$T/rules.tmp" "$T/rules"
vds datasets versions list --id "$DS" >"$T/near.out" 2>&1
VDS_HOME=$FAR VDS_S3_ATTEMPTS=1 VDS_S3_TIMEOUT=1 VDS_TEST_LIST_PAGE=10 vds --debug datasets versions list --id "$DS" \
	>"$T/far.out" 2>"$T/far.err"
is "a failed part: the same answer" "$(diff "$T/near.out" "$T/far.out")" ""
check "... listed page after page, as --debug says" \
	grep -q "the parts of the listing of store/datasets/$DS failed (.*): listed page after page" "$T/far.err"
check "... from the first page's token" [ "$(grep -c 'continuation-token=.*list-type=2' "$T/far.err")" -ge 3 ]
done_testing
