#!/bin/sh
# t30-transit: every byte in flight is checked. Bodies damaged on their way
# (tests/s3/faultproxy's flip-request and flip-response rules) are caught by
# the server (Content-MD5, signed SHA-256) or by vds (ETags, SHA-256) and
# sent or fetched again; what cannot be made right fails non-zero, and no
# damaged content is ever stored. Runs under tests/s3/run.sh (rgw or swift).
. "$VDS_SRCDIR/tests/cli/lib.sh"

if ! is_s3; then
	echo "1..0 # SKIP needs a server: run through tests/s3/run.sh"
	exit 0
fi
PROXY=${VDS_FAULTPROXY:-$(dirname "$VDS_BIN")/tests/s3/faultproxy}
EP=$VDS_TEST_S3_ENDPOINT B=$VDS_TEST_S3_BUCKET
"$PROXY" --listen-port-file "$T/port" --upstream "${EP#http://}" --log "$T/proxy.log" \
	--rules "$T/rules" 2>"$T/proxy.err" &
PIDS=$!
n=0
while [ ! -s "$T/port" ] && [ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done
PORT=$(cat "$T/port")
SP=$(vds storageProviders create s3 --name faulty --bucket "$B" --endpoint "http://127.0.0.1:$PORT" \
	--prefix faulty --accessKey "$VDS_TEST_S3_ACCESS_KEY" \
	--secretAccessKey "$VDS_TEST_S3_SECRET_KEY" | sed -n 's/^Created storage provider: //p')
check "the proxy runs" [ -n "$PORT" ] && [ -n "$SP" ]
ds=$(vds datasets create --name transit --storageProviderId "$SP" | sed -n 's/^Created dataset: //p')

# rules LINE...: replaces the proxy's rules
rules() {
	printf '%s\n' "$@" >"$T/rules.tmp"
	mv "$T/rules.tmp" "$T/rules"
}
# key FILE: the content key of FILE
key() { object_key "$(sha256sum "$1" | cut -d' ' -f1)"; }
# stored KEY: the SHA-256 of what the bucket holds as content KEY (fresh, with curl)
stored() { S3_PREFIX=faulty/ s3curl GET "$1" -f | sha256sum | cut -d' ' -f1; }
# log_for KEY: the proxy's log lines for KEY, numbers cut, query cut to partNumber
log_for() { grep " /$B/faulty/$1" "$T/proxy.log" | cut -d' ' -f2- | sed 's/&uploadId=[^ ]*//; s/?uploadId=[^ ]*/?uploadId/'; }
export VDS_S3_ATTEMPTS=3

# ---- one PUT with a byte flipped on its way ---------------------------------
head -c 1000000 /dev/urandom >"$T/small.bin"
k=$(key "$T/small.bin")
rules "flip-request PUT /$k"
run vds datasets versions create --id "$ds" --source-path "$T/small.bin"
v1=$(sed -n 's/^Committed dataset version: //p' "$T/out")
check "a PUT damaged on its way is sent again and the version commits" [ "$rc" = 0 ] && [ -n "$v1" ]
[ "$rc" = 0 ] || diag "$(cat "$T/err")"
is "... the proxy flipped the first and passed the second" "$(log_for "$k" | grep '^PUT')" \
	"PUT /$B/faulty/$k -> flip-request
PUT /$B/faulty/$k -> ok"
is "... and the bucket holds the right bytes" "$(stored "$k")" "$(sha256sum <"$T/small.bin" | cut -d' ' -f1)"

# ---- a part with a byte flipped on its way ----------------------------------
head -c 40000000 /dev/urandom >"$T/large.bin"
k=$(key "$T/large.bin")
rules "flip-request PUT partNumber=2&"
run vds datasets versions create --id "$ds" --source-path "$T/large.bin"
v2=$(sed -n 's/^Committed dataset version: //p' "$T/out")
check "a part damaged on its way is sent again and the version commits" [ "$rc" = 0 ] && [ -n "$v2" ]
[ "$rc" = 0 ] || diag "$(cat "$T/err")"
is "... the proxy flipped part 2 once" "$(log_for "$k" | grep -c 'partNumber=2 -> flip-request')" 1
is "... and passed it the second time" "$(log_for "$k" | grep -c 'partNumber=2 -> ok')" 1
is "... and the bucket holds the right bytes" "$(stored "$k")" "$(sha256sum <"$T/large.bin" | cut -d' ' -f1)"
is "... and no upload is left" "$(s3uploads)" 0

# ---- a part damaged every time: no object, a clear error ---------------------
head -c 40000000 /dev/urandom >"$T/bad.bin"
k=$(key "$T/bad.bin")
rules "flip-request PUT partNumber=3& 0"
run vds datasets versions create --id "$ds" --source-path "$T/bad.bin"
check "a part damaged at every attempt fails the put (exit 7)" [ "$rc" = 7 ]
if [ "$(wc -l <"$T/err")" = 1 ] &&
	grep -q "^vds: cannot put '$T/bad.bin': PUT '$k' in bucket '$B': HTTP 400 BadDigest" "$T/err"; then
	ok "... in one line naming the object"
else
	not_ok "... in one line naming the object"
	diag "$(cat "$T/err")"
fi
is "... tried 3 times" "$(log_for "$k" | grep -c 'partNumber=3 -> flip-request')" 3
check "... and the bucket holds no such object" sh -c "! S3_PREFIX=faulty/ s3curl HEAD '$k' -f -I >/dev/null 2>&1"
is "... and no upload is left" "$(s3uploads)" 0
rules

# ---- downloads damaged on their way ------------------------------------------
k=$(key "$T/small.bin")
rm -rf "$VDS_HOME/cache/objects"
rules "flip-response GET /$k"
run vds datasets files get --id "$v1" --target-path "$T/get1"
check "a download damaged on its way is fetched again (exit 0)" [ "$rc" = 0 ]
[ "$rc" = 0 ] || diag "$(cat "$T/err")"
check "... with the right bytes" cmp -s "$T/small.bin" "$T/get1/small.bin"
is "... the proxy flipped the first GET and passed the second" "$(log_for "$k" | grep '^GET')" \
	"GET /$B/faulty/$k -> flip-response
GET /$B/faulty/$k -> ok"
k=$(key "$T/large.bin")
rm -rf "$VDS_HOME/cache/objects"
rules "flip-response GET /$k"
run vds datasets files get --id "$v2" --target-path "$T/get2"
check "a large download with a damaged range is fetched again (exit 0)" [ "$rc" = 0 ]
[ "$rc" = 0 ] || diag "$(cat "$T/err")"
check "... with the right bytes" cmp -s "$T/large.bin" "$T/get2/large.bin"
is "... the proxy flipped one range" "$(log_for "$k" | grep -c '^GET .* -> flip-response')" 1
rm -rf "$VDS_HOME/cache/objects"
k=$(key "$T/small.bin")
: >"$T/proxy.log"
rules "flip-response GET /$k 0"
run vds datasets files get --id "$v1" --target-path "$T/get3"
expect "a download damaged every time fails (exit 9)" 9 "" \
	"vds: content of 'small.bin' does not match its SHA-256"
if [ "$(log_for "$k" | grep -c '^GET .* -> flip-response')" = 3 ] && [ ! -e "$T/get3/small.bin" ]; then
	ok "... tried 3 times, writing nothing"
else
	not_ok "... tried 3 times, writing nothing"
	diag "$(log_for "$k")"
fi
rules

# ---- versions verify reads the bucket: a damaged read is read again ----------
: >"$T/proxy.log"
rules "flip-response GET /$k"
run vds datasets versions verify --id "$v1"
expect "verify reads a file damaged on its way again: all intact" 0 \
	"Verified 1 file of $v1: all intact" ""
is "... the proxy flipped one read" "$(log_for "$k" | grep -c '^GET .* -> flip-response')" 1
rules

# ---- the mount fetches a one-block file damaged on its way again -------------
rm -rf "$VDS_HOME/cache/objects"
mkdir "$T/mnt"
: >"$T/proxy.log"
rules "flip-response GET /$k 1" # another line than verify's: a count of its own
run vds mount --id "$v1" "$T/mnt"
case $(cat "$T/err") in
*"FUSE is not available here"* | *"cannot mount"*)
	ok "# SKIP $(cat "$T/err")"
	ok "# SKIP $(cat "$T/err")"
	;;
*)
	check "a file of the mount read through a damaged fetch has the right bytes" \
		cmp -s "$T/small.bin" "$T/mnt/small.bin"
	is "... the proxy flipped one fetch" "$(log_for "$k" | grep -c '^GET .* -> flip-response')" 1
	vds umount "$T/mnt" >/dev/null
	;;
esac
rules

# ---- a cached copy that went bad where it lies -------------------------------
run vds datasets files get --id "$v1" --target-path "$T/get4"
check "a get fills the cache" [ "$rc" = 0 ] && [ -f "$VDS_HOME/cache/$k" ]
chmod u+w "$VDS_HOME/cache/$k"
printf 'X' | dd of="$VDS_HOME/cache/$k" bs=1 seek=1000 conv=notrunc 2>/dev/null
: >"$T/proxy.log"
run vds datasets files get --id "$v1" --target-path "$T/get5"
expect "a damaged cached copy is dropped and downloaded again (exit 0)" 0 \
	"Downloaded dataset version $v1 to $T/get5: 1 file written, 0 already present" \
	"vds: warning: the cached copy of 'small.bin' does not match its SHA-256: removed from the cache, downloading it again"
check "... with the right bytes" cmp -s "$T/small.bin" "$T/get5/small.bin"
is "... downloaded once" "$(log_for "$k" | grep -c '^GET .* -> ok')" 1
is "... and cached right again" "$(sha256sum <"$VDS_HOME/cache/$k" | cut -d' ' -f1)" \
	"$(sha256sum <"$T/small.bin" | cut -d' ' -f1)"
done_testing
