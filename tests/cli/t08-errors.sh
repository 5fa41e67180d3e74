#!/bin/sh
# t08-errors: every error class gives one exact line on stderr and its exit
# code, and a refused change leaves everything as it was.
. "$VDS_SRCDIR/tests/cli/lib.sh"

MNT="$T/mnt"
trap 'umount "$MNT" 2>/dev/null; chmod -R u+rwX "$T" 2>/dev/null; rm -rf "$T"' EXIT

# snapshot REF: the recursive JSON file list of REF
snapshot() { vds datasets files list --id "$1" --recursive --json 2>&1; }

S="$T/src"
mkdir -p "$S/d"
printf 'one\n' >"$S/one.txt"
printf 'two\n' >"$S/d/two.txt"
DS=$(new_dataset errs)
V=$(new_version "$DS" --message first --source-path "$S/")
check "setup: a committed version" test -n "$V"
vds datasets tags set --id "$V" --name v1 >/dev/null
D=$(new_version "$DS" --message draft)
vds datasets files put --id "$D" --source-path "$S/one.txt" >/dev/null
VER=${V#*:}

# ---------------------------------------------------------------- usage (2)
run vds datasets list --bogus
expect "unknown option" 2 "" \
	"vds: unknown option '--bogus' for 'vds datasets list' (see 'vds datasets list --help')"
run vds datasets details
expect "missing option" 2 "" "vds: missing option '--id' for 'vds datasets details'"

# ---------------------------------------------------------------- not found (3)
run vds datasets details --id dsxxxxxxxxxxxxx
expect "unknown dataset id" 3 "" "vds: no such dataset 'dsxxxxxxxxxxxxx'"
run vds datasets versions list --id nosuchname
expect "unknown dataset name" 3 "" "vds: no such dataset 'nosuchname'"
run vds datasets files list --id "dsxxxxxxxxxxxxx:$VER"
expect "unknown dataset in a reference" 3 "" "vds: no such dataset 'dsxxxxxxxxxxxxx'"
run vds datasets versions details --id "$DS:zzzzzzz"
expect "unknown version" 3 "" "vds: no version or tag 'zzzzzzz' in dataset $DS"
run vds datasets files list --id "$DS:nope"
expect "unknown tag" 3 "" "vds: no version or tag 'nope' in dataset $DS"
run vds datasets files list --id "$DS:V1"
expect "tags are case-sensitive" 3 "" "vds: no version or tag 'V1' in dataset $DS"
run vds datasets tags delete --id "$DS:nope"
expect "deleting an unknown tag" 3 "" "vds: no such tag 'nope' in dataset $DS"
run vds datasets versions delete --id "$DS:nope"
expect "deleting an unknown version" 3 "" "vds: no version or tag 'nope' in dataset $DS"
run vds datasets files list --id "$V" --path nope
expect "unknown folder" 3 "" "vds: no such folder 'nope' in $V"
run vds storageProviders details --id spnope
expect "unknown provider" 3 "" "vds: no such storage provider 'spnope'"
DS0=$(new_dataset empty)
run vds datasets files list --id "$DS0"
expect "latest of a dataset without commits" 3 "" "vds: dataset $DS0 has no committed version"
run vds datasets files list --id "$DS0:latest"
expect "explicit latest of a dataset without commits" 3 "" \
	"vds: dataset $DS0 has no committed version"

# ---------------------------------------------------------------- malformed references (4)
run vds datasets files list --id :x
expect "reference ':x'" 4 "" "vds: malformed reference ':x': no dataset"
run vds datasets files list --id "$DS:"
expect "reference 'DS:'" 4 "" "vds: malformed reference '$DS:': expected DATASET[:VERSION|:TAG]"
run vds datasets files list --id a:b:c
expect "reference 'a:b:c'" 4 "" "vds: malformed reference 'a:b:c': expected DATASET[:VERSION|:TAG]"
run vds datasets files list --id "$DS:$VER:x"
expect "reference with two colons" 4 "" \
	"vds: malformed reference '$DS:$VER:x': expected DATASET[:VERSION|:TAG]"
run vds datasets files list --id ""
expect "empty reference" 4 "" "vds: malformed reference '': no dataset"
run vds datasets files list --id "$(printf 'a\tb')"
expect "tab in a reference" 4 "" "vds: malformed reference 'a\\x09b': control characters"
run vds datasets files list --id "$DS:$(printf 'v\033[31m')"
expect "escape sequence in a reference" 4 "" \
	"vds: malformed reference '$DS:v\\x1b[31m': control characters"
run vds datasets files list --id "$DS:$(printf 'v\177')"
expect "DEL in a reference" 4 "" "vds: malformed reference '$DS:v\\x7f': control characters"
run vds datasets files list --id "$(printf 'x\ny')"
expect "newline in a reference" 4 "" "vds: malformed reference 'x\\x0ay': control characters"
run vds datasets files put --id "$DS" --source-path "$S/one.txt"
expect "put needs a version" 4 "" "vds: expected a version reference DATASET:VERSION, not '$DS'"
run vds datasets tags set --id "$V" --name a/b
is "bad tag name: exit 4" "$rc" 4

# ---------------------------------------------------------------- committed versions (5)
before=$(snapshot "$V")
MSG="vds: dataset version $V is committed and cannot be changed"
run vds datasets files put --id "$V" --source-path "$S/one.txt" --target-path new
expect "put into a committed version" 5 "" "$MSG"
is "file list unchanged after put" "$(snapshot "$V")" "$before"
run vds datasets files put --id "$DS:v1" --source-path "$S/one.txt"
expect "put through a tag" 5 "" "$MSG"
run vds datasets files put --id "$DS:latest" --source-path "$S/d"
expect "put through latest" 5 "" "$MSG"
run vds datasets files delete --id "$V" --path one.txt
expect "delete from a committed version" 5 "" "$MSG"
run vds datasets files delete --id "$V" --path d
expect "delete a folder from a committed version" 5 "" "$MSG"
is "file list unchanged after delete" "$(snapshot "$V")" "$before"
run vds datasets versions update --id "$V" --message changed
expect "update a committed version" 5 "" "$MSG"
run vds datasets versions details --id "$V" --json
check "message unchanged" grep -q '"message":	"first"' "$T/out"
run vds datasets versions commit --id "$V"
expect "commit a committed version" 5 "" "$MSG"
is "file list unchanged at the end" "$(snapshot "$V")" "$before"

# ---------------------------------------------------------------- conflicts (6)
run vds datasets versions delete --id "$V"
expect "delete a tagged version" 6 "" "vds: dataset version $V is tagged 'v1': use --force to delete it"
SP=$(vds datasets details --id "$DS" --json | sed -n 's/.*"storageProviderId":[^"]*"\([^"]*\)".*/\1/p')
run vds storageProviders delete --id "$SP"
is "delete a provider holding datasets: exit 6" "$rc" 6

# ---------------------------------------------------------------- missing source paths (3)
dbefore=$(snapshot "$D")
run vds datasets files put --id "$D" --source-path "$T/missing"
expect "put of a missing source" 3 "" "vds: no such source path '$T/missing'"
run vds datasets files put --id "$D" --source-path "$S/d" --source-path "$T/missing"
expect "put of a good and a missing source" 3 "" "vds: no such source path '$T/missing'"
is "draft unchanged: nothing of the good source added" "$(snapshot "$D")" "$dbefore"
vbefore=$(vds datasets versions list --id "$DS")
run vds datasets versions create --id "$DS" --source-path "$S/d/" --source-path "$T/missing"
expect "create with a missing source creates nothing" 3 "" \
	"vds: no such source path '$T/missing'"
is "no draft left behind" "$(vds datasets versions list --id "$DS")" "$vbefore"

# ---------------------------------------------------------------- corrupt metadata (9)
# store_write KEY TEXT: overwrites object KEY of the store with TEXT as it is
# (no checksum: damaged); store_write_record KEY TEXT: with its checksum, so
# that TEXT reaches the parser
store_write() { printf '%s' "$2" >"$T/obj.new" && store_put "$1" "$T/obj.new"; }
store_write_record() { printf '%s' "$2" | store_put_record "$1"; }
# uncache: forgets the content kept in the local cache of a remote store
uncache() { if is_s3; then vds cache prune --max-size 0 >/dev/null; fi; }
# damaged KEY: the message of a record without its checksum
damaged() { echo "record '$1' is damaged: it carries no checksum"; }

DSJ="datasets/$DS.json"
store_cat "$DSJ" >"$T/dataset.json.bak"
check "dataset.json saved" test -s "$T/dataset.json.bak"
store_write "$DSJ" 'garbage{{{'
run vds datasets list
expect "garbage dataset.json: the other datasets listed, exit 9" 9 "$(vds datasets list 2>/dev/null)" \
	"vds: warning: skipped dataset $DS: $(damaged "$DSJ")"
check "the damaged dataset is not listed" sh -c '! grep -q "$1" "$2"' x "$DS" "$T/out"
run vds datasets details --id "$DS"
expect "details of a dataset with garbage dataset.json" 9 "" "vds: $(damaged "$DSJ")"
run vds datasets details --id "$DS0"
is "other datasets still readable" "$rc" 0
store_write_record "$DSJ" 'garbage{{{'
run vds datasets details --id "$DS"
expect "checksummed garbage dataset.json" 9 "" "vds: corrupt metadata in '$DSJ'"
store_write "$DSJ" ''
run vds datasets details --id "$DS"
expect "empty dataset.json" 9 "" "vds: $(damaged "$DSJ")"
sed 's/"name"/"nome"/' "$T/dataset.json.bak" >"$T/dataset.json.flip"
store_put "$DSJ" "$T/dataset.json.flip"
run vds datasets details --id "$DS"
expect "a changed byte in dataset.json" 9 "" \
	"vds: record '$DSJ' is damaged: its checksum does not match"
store_put "$DSJ" "$T/dataset.json.bak"
run vds datasets list
is "restored dataset.json reads again" "$rc" 0

# version.json
VJ="datasets/$DS/versions/$VER/version.json"
store_cat "$VJ" >"$T/version.json.bak"
store_write_record "$VJ" 'junk'
run vds datasets versions list --id "$DS"
expect "garbage version.json: versions list shows the rest, exit 9" 9 "$(cat "$T/out")" \
	"vds: warning: skipped version $VER of dataset $DS: corrupt metadata in '$VJ'"
check "versions list: the damaged version is not listed" sh -c '! grep -q "$1" "$2"' x "$VER" "$T/out"
check "versions list: the other versions are" grep -q "$DS:" "$T/out"
run vds datasets versions details --id "$V"
expect "garbage version.json: versions details" 9 "" "vds: corrupt metadata in '$VJ'"
store_put "$VJ" "$T/version.json.bak"

# commit record
CR="datasets/$DS/versions/$VER/commit.json"
store_cat "$CR" >"$T/commit.bak"
store_write_record "$CR" '{"committed":'
run vds datasets files list --id "$V"
expect "garbage commit record" 9 "" "vds: corrupt metadata in '$CR'"
store_write "$CR" '{"committed":'
run vds datasets files list --id "$V"
expect "commit record without its checksum" 9 "" "vds: $(damaged "$CR")"
store_put "$CR" "$T/commit.bak"

# tag record
TR="datasets/$DS/tags/v1/$(store_ls "datasets/$DS/tags/v1")"
store_cat "$TR" >"$T/tag.bak"
store_write_record "$TR" '["nope"]'
run vds datasets tags list --id "$DS"
expect "tag record that is not an object: tags list shows the rest, exit 9" 9 "$(cat "$T/out")" \
	"vds: warning: skipped tag v1 of dataset $DS: corrupt metadata in '$TR'"
check "tags list: the damaged tag is not listed" sh -c '! grep -q " v1 " "$1"' x "$T/out"
run vds datasets versions details --id "$V"
is "versions details with a damaged tag: exit 9" "$rc" 9
check "versions details with a damaged tag: the details shown" grep -q "first" "$T/out"
run vds datasets files list --id "$DS:v1"
is "resolving the damaged tag fails" "$rc" 9
store_put "$TR" "$T/tag.bak"

# a malformed line in a draft's change record
DM=$(new_version "$DS" --message damaged)
DMV=${DM#*:}
vds datasets files put --id "$DM" --source-path "$S/one.txt" >/dev/null
CH="datasets/$DS/versions/$DMV/changes/$(store_ls "datasets/$DS/versions/$DMV/changes")"
store_cat "$CH" >"$T/change.bak"
store_write_record "$CH" "$(printf 'vds-changes 1\nF nonsense\n')"
run vds datasets versions list --id "$DS"
is "a malformed change record: versions list exits 9" "$rc" 9
check "a malformed change record: the other versions listed" grep -q "$V" "$T/out"
check "a malformed change record: the draft is not" sh -c '! grep -q "$1" "$2"' x "$DMV" "$T/out"
grep -q "skipped version $DMV of dataset $DS: " "$T/err"
is "a malformed change record: the warning names the draft" "$?" 0
store_put "$CH" "$T/change.bak"
run vds datasets versions list --id "$DS"
is "restored change record: versions list exits 0" "$rc" 0
vds datasets versions delete --id "$DM" >/dev/null

# manifest: truncated, or changed in place
M=$(sed -n 's/.*"manifest":[^"]*"\([0-9a-f]*\)".*/\1/p' "$T/commit.bak")
MO=$(object_key "$M")
store_cat "$MO" >"$T/manifest.bak"
check "manifest saved" test -s "$T/manifest.bak"
head -c 40 "$T/manifest.bak" >"$T/manifest.cut"
store_put "$MO" "$T/manifest.cut"
# content read from a bucket is checked against its hash on arrival, before
# it is parsed: a truncated manifest is reported as not matching its hash
MBAD="vds: file list of $V does not match its hash"
if is_s3; then
	MCUT=$MBAD
else
	MCUT="vds: corrupt file list of $V: line 2: truncated"
fi
uncache
run vds datasets files list --id "$V"
expect "truncated manifest: files list" 9 "" "$MCUT"
uncache
run vds datasets files get --id "$V" --target-path "$T/get1"
expect "truncated manifest: files get" 9 "" "$MCUT"
check "nothing written from a truncated manifest" test ! -e "$T/get1/one.txt"
sed 's/one\.txt/onf.txt/' "$T/manifest.bak" >"$T/manifest.alt"
store_put "$MO" "$T/manifest.alt"
uncache
run vds datasets files list --id "$V" --recursive
expect "altered manifest" 9 "" "$MBAD"
store_rm "$MO"
uncache
run vds datasets files list --id "$V"
expect "missing manifest" 9 "" "vds: file list of $V is missing"
store_put "$MO" "$T/manifest.bak"
is "restored manifest reads again" "$(snapshot "$V")" "$before"

# config
CFG="$VDS_HOME/config.json"
cp "$CFG" "$T/config.bak"
printf '{"storageProviders": [' >"$CFG"
run vds datasets list
expect "config.json that is not JSON" 9 "" "vds: configuration file '$CFG' is not valid JSON"
run vds
expect "plain vds with a broken config" 9 "" "vds: configuration file '$CFG' is not valid JSON"
printf 'not json at all\n' >"$T/other.json"
run vds --config "$T/other.json" datasets list
expect "--config naming a non-JSON file" 9 "" \
	"vds: configuration file '$T/other.json' is not valid JSON"
cp "$T/config.bak" "$CFG"

# ---------------------------------------------------------------- disk full (8)
mkdir -p "$MNT"
if mount -t tmpfs -o size=2m tmpfs "$MNT" 2>/dev/null; then
	SP2=$(vds storageProviders create local --name small --path "$MNT/store" |
		sed -n 's/^Created storage provider: //p')
	DSF=$(vds datasets create --name full --storageProviderId "$SP2" |
		sed -n 's/^Created dataset: //p')
	mkdir -p "$T/small" "$T/big"
	printf 'small\n' >"$T/small/s.txt"
	head -c 4194304 /dev/urandom >"$T/big/big.bin"
	VF=$(new_version "$DSF" --source-path "$T/small/")
	DF=$(new_version "$DSF")
	vds datasets files put --id "$DF" --source-path "$T/small/s.txt" >/dev/null
	fbefore=$(snapshot "$DF")
	run vds datasets files put --id "$DF" --source-path "$T/big/big.bin"
	expect "put of 4 MiB into 2 MiB" 8 "" \
		"vds: cannot put '$T/big/big.bin': writing to the store: No space left on device"
	is "draft unchanged after disk full" "$(snapshot "$DF")" "$fbefore"
	is "no temporary files left in the store" "$(ls -A "$MNT/store/tmp")" ""
	vl=$(vds datasets versions list --id "$DSF")
	run vds datasets versions create --id "$DSF" --source-path "$T/big/"
	NEW=$(sed -n 's/^Created dataset version: //p' "$T/out")
	expect "create with a source too big for the disk" 8 "Created dataset version: $NEW" \
		"vds: cannot put '$T/big/big.bin': writing to the store: No space left on device"
	is "no draft left behind" "$(vds datasets versions list --id "$DSF")" "$vl"
	run vds datasets files get --id "$VF" --target-path "$T/back"
	expect "earlier committed version reads back" 0 \
		"Downloaded dataset version $VF to $T/back: 1 file written, 0 already present" ""
	check "earlier content intact" cmp "$T/small/s.txt" "$T/back/s.txt"
	run vds datasets files put --id "$DF" --source-path "$T/small/" --target-path again
	expect "a small put still works after disk full" 0 \
		"Put 1 file (6 bytes) into dataset version: $DF" ""
	# writing a get into a full folder
	DSB=$(new_dataset bigget)
	VB=$(new_version "$DSB" --source-path "$T/big/")
	run vds datasets files get --id "$VB" --target-path "$MNT/out"
	expect "get into a full disk" 8 "" "vds: cannot write 'big.bin': No space left on device"
	check "no partial file under the final name" test ! -e "$MNT/out/big.bin"
	is "no temporary file left in the target" "$(ls -A "$MNT/out")" ""
	umount "$MNT"
else
	for i in 1 2 3 4 5 6 7 8 9 10 11; do
		tap_n=$((tap_n + 1)); echo "ok $tap_n # SKIP cannot mount a tmpfs"
	done
fi

# A bucket is full when its quota is reached: the S3 counterpart of a full
# disk under the store (radosgw answers 403 QuotaExceeded).
# bucket_req METHOD BUCKET[?QUERY] [CURL ARGS...]: a signed request for a bucket
bucket_req() {
	_m=$1 _b=$2; shift 2
	curl -sS -X "$_m" --netrc-file "$T/netrc" --aws-sigv4 "aws:amz:$VDS_TEST_S3_REGION:s3" \
		-H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$@" "$VDS_TEST_S3_ENDPOINT/$_b"
}
# uploads BUCKET: the keys of unfinished multipart uploads in BUCKET
uploads() { bucket_req GET "$1?uploads=" | sed 's|<Upload>|\n|g' | sed -n 's|.*<Key>\([^<]*\)</Key>.*|\1|p'; }
if is_s3 && [ "$VDS_TEST_S3" = rgw ]; then
	QB=$VDS_TEST_S3_BUCKET-quota # on a shared server (tests/s3/run.sh), one per test
	bucket_req PUT "$QB" -f -H "Content-Length: 0" -o /dev/null
	radosgw-admin -c "$VDS_TEST_S3_DIR/ceph.conf" quota set --quota-scope=bucket --bucket="$QB" \
		--max-size=2097152 >/dev/null 2>&1
	radosgw-admin -c "$VDS_TEST_S3_DIR/ceph.conf" quota enable --quota-scope=bucket --bucket="$QB" \
		>/dev/null 2>&1
	SPQ=$(vds storageProviders create s3 --name quota --bucket "$QB" \
		--endpoint "$VDS_TEST_S3_ENDPOINT" --region "$VDS_TEST_S3_REGION" --pathStyle true \
		--accessKey "$VDS_TEST_S3_ACCESS_KEY" --secretAccessKey "$VDS_TEST_S3_SECRET_KEY" |
		sed -n 's/^Created storage provider: //p')
	check "bucket with a quota of 2 MiB set up" test -n "$SPQ"
	DSQ=$(vds datasets create --name quota --storageProviderId "$SPQ" |
		sed -n 's/^Created dataset: //p')
	mkdir -p "$T/qsmall" "$T/qbig" "$T/qhuge"
	printf 'small\n' >"$T/qsmall/s.txt"
	head -c 4194304 /dev/urandom >"$T/qbig/big.bin"
	head -c 17825792 /dev/urandom >"$T/qhuge/huge.bin" # more than one part
	VQ=$(new_version "$DSQ" --source-path "$T/qsmall/")
	DQ=$(new_version "$DSQ")
	vds datasets files put --id "$DQ" --source-path "$T/qsmall/s.txt" >/dev/null
	qbefore=$(snapshot "$DQ")
	BIGK=$(object_key "$(sha256sum <"$T/qbig/big.bin" | cut -d' ' -f1)")
	run vds datasets files put --id "$DQ" --source-path "$T/qbig/big.bin"
	expect "put of 4 MiB into a bucket with 2 MiB left" 8 "" \
		"vds: cannot put '$T/qbig/big.bin': PUT '$BIGK' in bucket '$QB': HTTP 403 QuotaExceeded"
	is "draft unchanged after the bucket is full" "$(snapshot "$DQ")" "$qbefore"
	ql=$(vds datasets versions list --id "$DSQ")
	HUGEK=$(object_key "$(sha256sum <"$T/qhuge/huge.bin" | cut -d' ' -f1)")
	run vds datasets versions create --id "$DSQ" --source-path "$T/qhuge/"
	NEWQ=$(sed -n 's/^Created dataset version: //p' "$T/out")
	expect "create with a source too big for the bucket" 8 "Created dataset version: $NEWQ" \
		"vds: cannot put '$T/qhuge/huge.bin': PUT '$HUGEK' in bucket '$QB': HTTP 403 QuotaExceeded"
	is "no draft left behind in the full bucket" "$(vds datasets versions list --id "$DSQ")" "$ql"
	is "no unfinished multipart upload left in the bucket" "$(uploads "$QB")" ""
	run vds datasets files get --id "$VQ" --target-path "$T/qback"
	expect "earlier committed version reads back from the full bucket" 0 \
		"Downloaded dataset version $VQ to $T/qback: 1 file written, 0 already present" ""
	check "earlier content intact" cmp "$T/qsmall/s.txt" "$T/qback/s.txt"
	run vds datasets files put --id "$DQ" --source-path "$T/qsmall/" --target-path again
	expect "a small put still works in the full bucket" 0 \
		"Put 1 file (6 bytes) into dataset version: $DQ" ""
elif is_s3; then
	for i in 1 2 3 4 5 6 7 8 9 10; do
		tap_n=$((tap_n + 1)); echo "ok $tap_n # SKIP bucket quotas are set with radosgw-admin"
	done
fi

done_testing
