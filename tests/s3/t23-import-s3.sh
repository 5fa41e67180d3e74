#!/bin/sh
# t23-import-s3: versions from s3:// URLs (anonymously from a public
# bucket, or with a provider's keys from a private one), archives in a
# bucket, and read-only providers: a public store browsed and read without
# keys, every write refused before any request is sent.
# Runs under tests/s3/run.sh (a real server); skips otherwise.
. "$VDS_SRCDIR/tests/cli/lib.sh"
: "${VDS_MKARCHIVE:?VDS_MKARCHIVE must name the test archive writer}"

if ! is_s3; then
	echo "1..0 # SKIP needs a server: run through tests/s3/run.sh"
	exit 0
fi
EP=$VDS_TEST_S3_ENDPOINT AK=$VDS_TEST_S3_ACCESS_KEY SK=$VDS_TEST_S3_SECRET_KEY
# the buckets it makes are named after its own (one per script on a
# server shared by many: tests/s3/run.sh removes them with it)
PUB=$VDS_TEST_S3_BUCKET-public PRIV=$VDS_TEST_S3_BUCKET-private
# s3raw METHOD PATH [CURL ARGS...]: one signed request for PATH of the server
s3raw() {
	_m=$1 _p=$2; shift 2
	curl -sS -f -X "$_m" --netrc-file "$T/netrc" --aws-sigv4 "aws:amz:$VDS_TEST_S3_REGION:s3" \
		-H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$@" "$EP/$_p"
}
# files DS:VER: "PATH SIZE" per file
files() { vds datasets files list --id "$1" --recursive --json | sed -n 's/.*"path":"\([^"]*\)","type":"[a-z]*","size":\([0-9]*\).*/\1 \2/p'; }
# anon ARGS...: vds without any keys (no AWS_* keys, no credentials file)
anon() {
	env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_PROFILE \
		timeout "$TEST_TIMEOUT" "$VDS_BIN" "$@"
}

s3raw PUT "$PUB" -H "Content-Length: 0" >/dev/null
s3raw PUT "$PRIV" -H "Content-Length: 0" >/dev/null
cat >"$T/policy.json" <<EOF
{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*",
 "Action":["s3:GetObject","s3:ListBucket"],
 "Resource":["arn:aws:s3:::$PUB","arn:aws:s3:::$PUB/*"]}]}
EOF
s3raw PUT "$PUB?policy=" --data-binary "@$T/policy.json" >/dev/null
GET=$VDS_TEST_S3_BUCKET-getonly # objects may be read, the bucket not listed
s3raw PUT "$GET" -H "Content-Length: 0" >/dev/null
cat >"$T/policy2.json" <<EOF
{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*",
 "Action":["s3:GetObject"],"Resource":["arn:aws:s3:::$GET/*"]}]}
EOF
s3raw PUT "$GET?policy=" --data-binary "@$T/policy2.json" >/dev/null
check "the public bucket has a public-read policy" s3raw GET "$PUB?policy=" -o /dev/null
"$VDS_MKARCHIVE" tgz "$T/pack.tar.gz" f:in/one.txt=one f:in/two.txt=two
for k in data/a.txt data/sub/b.txt data2/c.txt; do
	printf '%s\n' "$k" >"$T/obj"
	s3raw PUT "$PUB/$k" --data-binary "@$T/obj" >/dev/null
	s3raw PUT "$PRIV/$k" --data-binary "@$T/obj" >/dev/null
	s3raw PUT "$GET/$k" --data-binary "@$T/obj" >/dev/null
done
s3raw PUT "$PUB/archives/pack.tar.gz" --data-binary "@$T/pack.tar.gz" >/dev/null
s3raw PUT "$PUB/data/folder/" -H "Content-Length: 0" >/dev/null # a folder marker
check "anonymous reads of the public bucket work" curl -sSf -o /dev/null "$EP/$PUB/data/a.txt"
check "and of the private one do not" sh -c "! curl -sSf -o /dev/null '$EP/$PRIV/data/a.txt' 2>/dev/null"

ds=$(new_dataset imported)
export AWS_ENDPOINT_URL="$EP"

# ---- anonymous, from a public bucket ---------------------------------------------
run anon datasets versions create --id "$ds" --source-url "s3://$PUB/data/"
v1=$(sed -n 's/^Committed dataset version: //p' "$T/out")
check "a public prefix is imported without keys" [ "$rc" = 0 ] && [ -n "$v1" ]
is "every object below the prefix, folder markers left out" "$(files "$v1")" "a.txt 11
sub/b.txt 15"
run anon datasets versions create --id "$ds" --source-url "s3://$PUB/data"
v2=$(sed -n 's/^Committed dataset version: //p' "$T/out")
is "s3://B/data is the folder data/, not data2/" "$(files "$v2")" "a.txt 11
sub/b.txt 15"
run anon datasets versions create --id "$ds" --source-url "s3://$PUB/data/sub/b.txt"
v3=$(sed -n 's/^Committed dataset version: //p' "$T/out")
is "one object by its key" "$(files "$v3")" "b.txt 15"
mkdir "$T/get"
vds datasets files get --id "$v1" --target-path "$T/get" >/dev/null
is "contents arrived" "$(cat "$T/get/a.txt" "$T/get/sub/b.txt")" "data/a.txt
data/sub/b.txt"
run anon datasets versions create --id "$ds" --extract --source-url "s3://$PUB/archives/pack.tar.gz"
v4=$(sed -n 's/^Committed dataset version: //p' "$T/out")
is "an archive in a bucket is unpacked" "$(files "$v4")" "in/one.txt 3
in/two.txt 3"
vlist=$(vds datasets versions list --id "$ds")
run anon datasets versions create --id "$ds" --source-url "s3://$PUB/nope/"
expect "an empty prefix is an error" 3 \
	"Created dataset version: $(sed -n 's/^Created dataset version: //p' "$T/out")" \
	"vds: no objects at 's3://$PUB/nope/'"
run anon datasets versions create --id "$ds" --source-url "s3://$PRIV/data/"
check "a private bucket refuses anonymous listing" \
	grep -q "^vds: cannot list 's3://$PRIV/data/': .*AccessDenied" "$T/err"
is "and exits 7" "$rc" 7
run anon datasets versions create --id "$ds" --source-url "s3://$GET/data/sub/b.txt"
v6=$(sed -n 's/^Committed dataset version: //p' "$T/out")
is "one object of a bucket that may not be listed, by its key" "$(files "$v6")" "b.txt 15"
run anon datasets versions create --id "$ds" --source-url "s3://$GET/data/"
check "but not a prefix of it" grep -q "^vds: cannot list 's3://$GET/data/': .*AccessDenied" "$T/err"
vlist=$(vds datasets versions list --id "$ds")
run vds datasets versions create --id "$ds" --source-url "s3://bad_bucket!/x"
expect "a malformed s3 URL" 4 "" "vds: malformed URL 's3://bad_bucket!/x': expected s3://BUCKET/PREFIX"
is "no failed import left a version" "$(vds datasets versions list --id "$ds")" "$vlist"

# ---- with a provider's endpoint and keys -----------------------------------------
unset AWS_ENDPOINT_URL
run vds datasets versions create --id "$ds" --source-url "s3://$PRIV/data/" --storageProviderId sps3test0000001
v5=$(sed -n 's/^Committed dataset version: //p' "$T/out")
is "a private bucket through a provider's keys" "$(files "$v5")" "a.txt 11
sub/b.txt 15"
run vds datasets versions create --id "$ds" --source-url "s3://$PRIV/data/" --storageProviderId spnosuchprovide
expect "an unknown provider" 3 "" "vds: no such storage provider 'spnosuchprovide'"

# ---- a read-only provider: a public store ----------------------------------------
W=$T/writer
mkdir -p "$W"
VDS_HOME=$W vds storageProviders create s3 --name pubstore --bucket "$PUB" --endpoint "$EP" \
	--region "$VDS_TEST_S3_REGION" --prefix store --accessKey "$AK" --secretAccessKey "$SK" >/dev/null
wsp=$(VDS_HOME=$W vds storageProviders list --json | sed -n 's/.*"id": *"\(sp[a-z0-9]*\)".*"name": *"pubstore".*/\1/p')
[ -n "$wsp" ] || wsp=$(VDS_HOME=$W vds storageProviders list | sed -n 's/^| pubstore *| \(sp[a-z0-9]*\) .*/\1/p')
pds=$(VDS_HOME=$W vds datasets create --name mnist --storageProviderId "$wsp" | sed -n 's/^Created dataset: //p')
printf 'pixels\n' >"$T/img.txt"
pv=$(VDS_HOME=$W new_version "$pds" --source-path "$T/img.txt")
VDS_HOME=$W vds datasets tags set --id "$pv" --name v1 >/dev/null
check "a store was written into the public bucket" [ -n "$pds" ] && [ -n "$pv" ]

run anon storageProviders create s3 --name public --bucket "$PUB" --endpoint "$EP" \
	--region "$VDS_TEST_S3_REGION" --prefix store --readOnly true
RO=$(sed -n 's/^Created storage provider: //p' "$T/out")
check "a read-only provider needs no keys" [ "$rc" = 0 ] && [ -n "$RO" ]
run vds storageProviders details --id "$RO"
check "details say read-only" grep -q '^| Read Only  *| true  *|$' "$T/out"
run anon storageProviders create s3 --name empty --bucket "$PUB" --endpoint "$EP" \
	--region "$VDS_TEST_S3_REGION" --prefix nothing-here --readOnly true
expect "a read-only provider must find a store" 3 "" "vds: 's3://$PUB/nothing-here/' is not a vds store"
check "and it did not start one" sh -c "! curl -sSf -o /dev/null '$EP/$PUB/nothing-here/VDS-FORMAT' 2>/dev/null"

run anon datasets list
check "the public dataset is listed" grep -q "^| mnist  *| $pds  *| $RO  *|$" "$T/out"
run anon datasets files list --id "$pds:v1"
check "its files are listed" grep -q '^| img.txt  *| 7  *|$' "$T/out"
mkdir "$T/pget"
run anon datasets files get --id "$pds:v1" --target-path "$T/pget"
check "and downloaded" cmp -s "$T/img.txt" "$T/pget/img.txt"
run anon datasets versions verify --id "$pds:v1"
check "and verified" [ "$rc" = 0 ]

# every write: refused with the provider named, before any request
refused() { # refused DESC CMD...
	_d=$1; shift
	run anon --debug "$@"
	_e=$(grep -v '^vds: debug:' "$T/err")
	if [ "$rc" = 6 ] && [ "$_e" = "vds: storage provider $RO is read-only" ] &&
		! grep -q '^vds: debug: s3: \(PUT\|POST\|DELETE\)' "$T/err"; then
		ok "$_d"
	else
		not_ok "$_d"
		diag "exit $rc"
		diag "$(cat "$T/err")"
	fi
}
refused "datasets create" datasets create --name x --storageProviderId "$RO"
refused "versions create" datasets versions create --id "$pds"
refused "versions create with files" datasets versions create --id "$pds" --source-path "$T/img.txt"
refused "versions create from a URL: before downloading" datasets versions create --id "$pds" \
	--source-url "s3://$PUB/data/"
refused "tags set" datasets tags set --id "$pv" --name v2
refused "tags delete" datasets tags delete --id "$pds:v1"
refused "versions delete" datasets versions delete --id "$pds:v1" --force
refused "datasets update" datasets update --id "$pds" --name y
refused "datasets delete" datasets delete --id "$pds"
refused "gc of the provider" gc --storageProviderId "$RO"
refused "fsck --repair of the provider" fsck --storageProviderId "$RO" --repair
run anon gc
check "gc of every provider leaves read-only ones alone" [ "$rc" = 0 ]
run anon fsck --storageProviderId "$RO"
check "fsck checks a read-only provider" [ "$rc" = 0 ]
run anon gc --storageProviderId "$RO" --dry-run
check "gc --dry-run may look" [ "$rc" = 0 ]
is "the public version is as it was" "$(VDS_HOME=$W files "$pds:v1")" "img.txt 7"

done_testing
