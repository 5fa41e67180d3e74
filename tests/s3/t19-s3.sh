#!/bin/sh
# t19-s3: S3 providers (settings, secrets, credentials), large files in
# parts, resuming, dedup without a request per file, the local cache, and a
# store copied between a folder and a bucket with a plain S3 tool.
# Runs under tests/s3/run.sh (a real server); skips otherwise.
. "$VDS_SRCDIR/tests/cli/lib.sh"

if ! is_s3; then
	echo "1..0 # SKIP needs a server: run through tests/s3/run.sh"
	exit 0
fi
EP=$VDS_TEST_S3_ENDPOINT B=$VDS_TEST_S3_BUCKET AK=$VDS_TEST_S3_ACCESS_KEY SK=$VDS_TEST_S3_SECRET_KEY
CFG=$VDS_HOME/config.json
# the secret must never be printed: every output of this test is kept here
ALL=$T/all-output
: >"$ALL"
keep() { cat "$T/out" "$T/err" >>"$ALL"; }
# created_sp: the id printed by the last "create"
created_sp() { sed -n 's/^Created storage provider: //p' "$T/out"; }

# ---- providers ---------------------------------------------------------------
run vds storageProviders create s3 --name team --bucket "$B" --endpoint "$EP" \
	--region "$VDS_TEST_S3_REGION" --prefix team --accessKey "$AK" --secretAccessKey "$SK"
keep
SP=$(created_sp)
check "create s3 succeeds" [ "$rc" = 0 ] && [ -n "$SP" ]
is "the prefix holds a store marker" "$(s3curl GET ../team/VDS-FORMAT -f)" \
	'{"format":"vds","version":2,"features":["datasetkeys"]}'
is "the configuration stays private" "$(stat -c %a "$CFG")" 600

run vds storageProviders details --id "$SP"
keep
# rows: rules dropped, padding squeezed
rows() { grep '^|' "$T/out" | sed 's/  *|/ |/g'; }
is "details mask the secret" "$(rows)" "$(cat <<EOF
| ID | $SP |
| Name | team |
| Type | s3 |
| Path | s3://$B/team/ |
| Default | false |
| Bucket | $B |
| Prefix | team/ |
| Endpoint | $EP |
| Region | $VDS_TEST_S3_REGION |
| Access Key | $AK |
| Secret Access Key | ******** |
EOF
)"
run vds storageProviders details --id "$SP" --json
keep
check "details --json mask the secret" grep -q '"secretAccessKey":	"\*\*\*\*\*\*\*\*"' "$T/out"
run vds storageProviders list
keep
is "list shows the bucket and prefix" "$(rows | grep team)" "| team | $SP | s3 | s3://$B/team/ |"

# wrong settings: one line, the right exit code, nothing saved
before=$(cat "$CFG")
run vds storageProviders create s3 --name bad --bucket "$B" --endpoint "ftp://$EP"
expect "an endpoint that is not http(s) is refused" 4 "" \
	"vds: endpoint 'ftp://$EP' must start with http:// or https://"
run vds storageProviders create s3 --name bad --bucket "$B" --endpoint "$EP" --prefix "a/../b" \
	--accessKey "$AK" --secretAccessKey "$SK"
expect "a prefix with .. is refused" 4 "" \
	"vds: malformed prefix 'a/../b': use letters, digits and . _ - / only"
run vds storageProviders create s3 --name bad --endpoint "$EP"
expect "the bucket is required" 2 "" "vds: missing option '--bucket' for 'vds storageProviders create s3'"
run vds storageProviders create s3 --name bad --bucket "$B" --endpoint "$EP" --accessKey "$AK"
expect "an access key needs its secret" 2 "" "vds: --accessKey and --secretAccessKey go together"
run vds storageProviders create s3 --name bad --bucket "$B" --endpoint "$EP" --prefix w \
	--accessKey "$AK" --secretAccessKey "wrong$SK"
keep
check "a wrong secret is refused (exit 7)" [ "$rc" = 7 ]
check "... with the server's reason" grep -q "HTTP 403 SignatureDoesNotMatch\|HTTP 403 AccessDenied" "$T/err"
run vds storageProviders create s3 --name bad --bucket nosuchbucket --endpoint "$EP" \
	--accessKey "$AK" --secretAccessKey "$SK"
expect "a missing bucket is named" 3 "" "vds: no such bucket 'nosuchbucket' at $EP"
printf 'not ours\n' >"$T/foreign"
store_put ../foreign/notes.txt "$T/foreign"
run vds storageProviders create s3 --name bad --bucket "$B" --endpoint "$EP" --prefix foreign \
	--accessKey "$AK" --secretAccessKey "$SK"
expect "a prefix holding other things is refused" 4 "" \
	"vds: 's3://$B/foreign/' is not empty and is not a vds store"
run vds storageProviders create s3 --name dup --bucket "$B" --endpoint "$EP" --prefix team/ \
	--accessKey "$AK" --secretAccessKey "$SK"
expect "the same bucket and prefix twice is refused" 6 "" "vds: s3://$B/team/ is storage provider $SP already"
is "no failed create was saved" "$(cat "$CFG")" "$before"

# secrets in a file others can read are refused
chmod 644 "$CFG"
run vds datasets list
expect "a readable configuration with secrets is refused" 4 "" \
	"vds: '$CFG' holds secrets but others can read it: run 'chmod 600 $CFG' first"
chmod 600 "$CFG"

# credentials from the environment and from a profile
run env AWS_ACCESS_KEY_ID="$AK" AWS_SECRET_ACCESS_KEY="$SK" "$VDS_BIN" storageProviders create s3 \
	--name fromenv --bucket "$B" --endpoint "$EP" --prefix envp
keep
SPENV=$(created_sp)
check "keys from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY" [ "$rc" = 0 ] && [ -n "$SPENV" ]
is "... which are not written to the configuration" "$(grep -o "$SK" "$CFG" | wc -l)" 2
run vds datasets create --name envds --storageProviderId "$SPENV"
expect "without them in the environment the provider has no credentials" 3 "" \
	"vds: no credentials for storage provider $SPENV: give --accessKey and --secretAccessKey, or --profile, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
mkdir -p "$HOME/.aws"
printf '[default]\naws_access_key_id = nobody\n\n[team]\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
	"$AK" "$SK" >"$HOME/.aws/credentials"
chmod 600 "$HOME/.aws/credentials"
run vds storageProviders create s3 --name fromprofile --bucket "$B" --endpoint "$EP" \
	--prefix profp --profile team
keep
SPPROF=$(created_sp)
check "keys from a profile of ~/.aws/credentials" [ "$rc" = 0 ] && [ -n "$SPPROF" ]
chmod 644 "$HOME/.aws/credentials"
run vds datasets create --name profds --storageProviderId "$SPPROF"
expect "a credentials file others can read is refused" 4 "" \
	"vds: '$HOME/.aws/credentials' holds secrets but others can read it: run 'chmod 600 $HOME/.aws/credentials' first"
chmod 600 "$HOME/.aws/credentials"
run vds datasets list
expect "a provider without credentials makes listing fail, naming it" 7 "" \
	"vds: storage provider $SPENV cannot be read: no credentials for storage provider $SPENV: give --accessKey and --secretAccessKey, or --profile, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
run vds datasets details --id dsnosuchdataset
expect "... and lookups by id name it too" 7 "" \
	"vds: no dataset 'dsnosuchdataset' found; storage provider $SPENV cannot be read: no credentials for storage provider $SPENV: give --accessKey and --secretAccessKey, or --profile, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
run vds storageProviders delete --id "$SPENV"
expect "such a provider can still be removed" 0 "Deleted storage provider: $SPENV" ""
run vds storageProviders delete --id "$SPPROF"
expect "... as can one with a profile" 0 "Deleted storage provider: $SPPROF" ""

# update
run vds storageProviders update s3 --id "$SP" --name team2
keep
expect "update renames" 0 "Updated storage provider: $SP" ""
run vds storageProviders update s3 --id "$SP" --prefix "../x"
expect "update checks the settings" 4 "" "vds: malformed prefix '../x': use letters, digits and . _ - / only"
LOC=$(vds storageProviders create local --name loc --path "$T/loc" | sed -n 's/^Created storage provider: //p')
run vds storageProviders update s3 --id "$LOC" --bucket x
expect "update s3 of a local provider is refused" 4 "" "vds: storage provider $LOC is not an S3 provider"

# interrupt_put FILE: puts FILE into a new version of $ds, one part at a time,
# and interrupts it (Ctrl-C) once a part has arrived; sets rc
interrupt_put() {
	"$VDS_BIN" --debug datasets versions create --id "$ds" --source-path "$1" \
		--concurrency 1 >"$T/out" 2>"$T/err" &
	_pid=$!
	_n=0
	while [ $_n -lt $((1000 * TIME_SCALE)) ] && ! grep -q 'partNumber=.* -> 200' "$T/err"; do
		sleep 0.01
		_n=$((_n + 1))
	done
	kill -INT $_pid
	wait $_pid
	rc=$?
}

# ---- transfers ---------------------------------------------------------------
ds=$(vds datasets create --name big --storageProviderId "$SP" | sed -n 's/^Created dataset: //p')
mkdir -p "$T/src/small"
head -c 40000000 /dev/urandom >"$T/src/large.bin" # three parts of 16 MiB
i=0
while [ $i -lt 100 ]; do
	printf 'file %d\n' $i >"$T/src/small/f$i.txt"
	i=$((i + 1))
done
run vds --debug datasets versions create --id "$ds" --source-path "$T/src/" --message one
keep
v1=$(sed -n 's/^Committed dataset version: //p' "$T/out")
check "a large file and 100 small ones are put" [ "$rc" = 0 ] && [ -n "$v1" ]
is "the large file went up in 3 parts" "$(grep -c 'PUT .*partNumber=[0-9]*&uploadId=.* -> 200' "$T/err")" 3
is "content was looked up with one listing: no HEAD per file, one for the file list" \
	"$(grep 'HEAD .*/objects/' "$T/err" | grep -vc "/$(object_key "$(sha256sum <"$T/src/large.bin" | cut -d' ' -f1)")")" 1
is "... and one confirming the large file once completed" \
	"$(grep -c "HEAD .*/$(object_key "$(sha256sum <"$T/src/large.bin" | cut -d' ' -f1)") -> 200" "$T/err")" 1
is "no upload is left unfinished" "$(s3uploads)" 0

run vds --debug datasets files get --id "$v1" --target-path "$T/get1"
keep
check "get of the version" [ "$rc" = 0 ]
check "the large file arrives intact" cmp -s "$T/src/large.bin" "$T/get1/large.bin"
check "the small files arrive intact" diff -r "$T/src/small" "$T/get1/small"
large=$(object_key "$(sha256sum "$T/src/large.bin" | cut -d' ' -f1)")
is "the large file came in ranged parts" "$(grep -c "GET .*/$large -> 206" "$T/err")" 3

run vds --debug datasets files get --id "$v1" --target-path "$T/get2"
keep
check "a second get works" [ "$rc" = 0 ] && cmp -s "$T/src/large.bin" "$T/get2/large.bin"
is "... reading content from the cache, not the server" "$(grep -c 'GET .*/objects/' "$T/err")" 0

run vds cache status --json
is "the cache holds the version's content" "$(sed -n 's/.*"objects":	\([0-9]*\).*/\1/p' "$T/out")" 102
run vds cache prune --max-size 1M
check "prune to 1M" [ "$rc" = 0 ] && grep -q '^Removed 1 cached object (40000000 bytes, 38.1 MiB); 101 remain$' "$T/out"
run vds cache limit --max-size 100K
expect "a configured limit" 0 "Cache limit set to 102400 bytes (100.0 KiB)" ""
run vds --debug datasets files get --id "$v1" --target-path "$T/get3"
keep
check "files over a sixteenth of the limit go straight to their target" \
	[ "$rc" = 0 ] && cmp -s "$T/src/large.bin" "$T/get3/large.bin" && diff -r "$T/src/small" "$T/get3/small"
is "... in ranged parts" "$(grep -c "GET .*/$large -> 206" "$T/err")" 3
check "... and are not cached" test ! -e "$VDS_HOME/cache/$large"
run vds cache status --json
check "the limit applies after a download" [ "$(sed -n 's/.*"size":	\([0-9]*\).*/\1/p' "$T/out")" -le 102400 ]
run vds cache limit --max-size lots
expect "a malformed size" 2 "" "vds: --max-size takes a size such as 500M, 10G or 1T, not 'lots'"

# a second put of the same files sends no content
run vds --debug datasets versions create --id "$ds" --source-path "$T/src/" --message two
keep
check "the same files again" [ "$rc" = 0 ]
is "no file content was sent again" \
	"$(grep 'PUT .*/objects/' "$T/err" | grep -vc 'sent 0,')" 0

# an interrupted large upload resumes with the parts that arrived
head -c 150000000 /dev/urandom >"$T/resume.bin" # nine parts
interrupt_put "$T/resume.bin"
check "the upload was interrupted (exit 130)" [ "$rc" = 130 ]
# the parts the server holds: those vds saw arrive, and perhaps the one in
# flight at the interrupt (its answer may come after vds stopped waiting)
sent=$(grep -c 'PUT .*partNumber=.* -> 200' "$T/err")
held=$(s3curl_bucket GET '?uploads=' | sed 's|<Upload>|\n|g' |
	sed -n 's|.*<Key>\([^<]*\)</Key>.*<UploadId>\([^<]*\)</UploadId>.*|\1?uploadId=\2|p')
check "... leaving one unfinished upload" [ "$(printf '%s\n' "$held" | grep -c .)" = 1 ]
held=$(s3curl_bucket GET "$held" | grep -o '<Part>' | wc -l)
check "... holding the parts vds saw arrive ($sent), or one more ($held)" \
	test "$held" = "$sent" -o "$held" = $((sent + 1))
run vds --debug datasets versions create --id "$ds" --source-path "$T/resume.bin" --message three
keep
v3=$(sed -n 's/^Committed dataset version: //p' "$T/out")
check "the rerun commits" [ "$rc" = 0 ] && [ -n "$v3" ]
is "... sending only the parts that had not arrived" \
	"$(grep -c 'PUT .*partNumber=.* -> 200' "$T/err")" $((9 - held))
run vds datasets versions verify --id "$v3"
expect "... and the result is intact" 0 "Verified 1 file of $v3: all intact" ""

# an interrupted upload that is never resumed: gc ends it
head -c 100000000 /dev/urandom >"$T/abandoned.bin"
interrupt_put "$T/abandoned.bin"
check "another upload was interrupted (exit 130)" [ "$rc" = 130 ]
is "... leaving its parts for a rerun" "$(s3uploads)" 1
run vds gc --storageProviderId "$SP" --grace 1h
check "gc within the grace leaves it" sh -c "! grep -q unfinished '$T/out'"
run vds gc --storageProviderId "$SP" --grace 0s --dry-run
check "gc --dry-run counts it" grep -qx "Would end 1 unfinished upload begun over 0s ago" "$T/out"
run vds gc --storageProviderId "$SP" --grace 0s
check "gc past the grace ends it" grep -qx "Ended 1 unfinished upload begun over 0s ago" "$T/out"
is "... and no upload is left" "$(s3uploads)" 0
run vds datasets versions verify --id "$v3"
expect "... and gc kept every version whole" 0 "Verified 1 file of $v3: all intact" ""

# ---- a local store copied to a bucket with a plain S3 tool, and back ---------
if command -v s3cmd >/dev/null && [ "$VDS_TEST_S3" = rgw ]; then
	host=${EP#http://}
	s3c() { s3cmd -q --no-ssl --host="$host" --host-bucket="$host" --access_key="$AK" \
		--secret_key="$SK" --region="$VDS_TEST_S3_REGION" -c /dev/null "$@"; }
	run vds storageProviders create local --name plain --path "$T/plain"
	LSP=$(created_sp)
	lds=$(vds datasets create --name copied --storageProviderId "$LSP" | sed -n 's/^Created dataset: //p')
	lv=$(new_version "$lds" --source-path "$T/src/small/" --message local)
	vds datasets tags set --id "$lv" --name v1 >/dev/null
	run s3c sync --no-preserve "$T/plain/" "s3://$B/copied/"
	check "s3cmd copies the local store to the bucket" [ "$rc" = 0 ]
	mv "$T/plain" "$T/plain.copied" # the local original is gone: only the bucket has it
	run vds storageProviders create s3 --name copied --bucket "$B" --endpoint "$EP" \
		--prefix copied --accessKey "$AK" --secretAccessKey "$SK"
	keep
	check "the copy is a valid S3 store" [ "$rc" = 0 ]
	run vds datasets files get --id "copied:v1" --target-path "$T/fromcopy"
	check "its tagged version reads back intact" [ "$rc" = 0 ] && diff -r "$T/src/small" "$T/fromcopy"
	[ "$rc" = 0 ] || diag "$(cat "$T/err")"
	run vds datasets versions verify --id "copied:v1"
	check "... and verifies" [ "$rc" = 0 ]
	mkdir -p "$T/back"
	run s3c sync "s3://$B/team/" "$T/back/"
	check "s3cmd copies an S3 store to a folder" [ "$rc" = 0 ]
	run vds storageProviders create local --name back --path "$T/back"
	check "the folder is a valid local store" [ "$rc" = 0 ]
	run vds datasets versions verify --id "$v3"
	check "... whose versions verify" [ "$rc" = 0 ]
else
	ok "s3cmd copies # SKIP s3cmd is not installed or the server is not radosgw"
fi

# ---- the secret was never printed, not even with --debug ---------------------
check "no output ever showed the secret" sh -c "! grep -qF '$SK' '$ALL'"
done_testing
