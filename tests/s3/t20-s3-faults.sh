#!/bin/sh
# t20-s3-faults: transfers through a fault-injecting proxy (tests/s3/faultproxy)
# that drops connections, answers 503 SlowDown and stalls mid-body: uploads
# and downloads still finish intact, or fail with one clear line and leave
# nothing half-done. Runs under tests/s3/run.sh (a real server).
. "$VDS_SRCDIR/tests/cli/lib.sh"

if ! is_s3; then
	echo "1..0 # SKIP needs a server: run through tests/s3/run.sh"
	exit 0
fi
PROXY=${VDS_FAULTPROXY:-$(dirname "$VDS_BIN")/tests/s3/faultproxy}
EP=$VDS_TEST_S3_ENDPOINT B=$VDS_TEST_S3_BUCKET
ppid=

# proxy ARGS...: (re)starts the proxy in front of the server with ARGS, and
# points provider "faulty" (prefix faulty/) at it
proxy() {
	[ -z "$ppid" ] || { kill "$ppid"; wait "$ppid" 2>/dev/null; }
	rm -f "$T/port"
	"$PROXY" --listen-port-file "$T/port" --upstream "${EP#http://}" --log "$T/proxy.log" "$@" &
	ppid=$!
	_n=0
	while [ ! -s "$T/port" ] && [ $_n -lt 100 ]; do sleep 0.05; _n=$((_n + 1)); done
	PORT=$(cat "$T/port")
	if [ -z "${SP:-}" ]; then
		SP=$(vds storageProviders create s3 --name faulty --bucket "$B" --endpoint "http://127.0.0.1:$PORT" \
			--prefix faulty --accessKey "$VDS_TEST_S3_ACCESS_KEY" \
			--secretAccessKey "$VDS_TEST_S3_SECRET_KEY" | sed -n 's/^Created storage provider: //p')
	else
		vds storageProviders update s3 --id "$SP" --endpoint "http://127.0.0.1:$PORT" >/dev/null
	fi
}
trap '[ -z "$ppid" ] || kill "$ppid" 2>/dev/null; chmod -R u+rwX "$T" 2>/dev/null; rm -rf "$T"' EXIT

mkdir -p "$T/src/many"
i=0
while [ $i -lt 200 ]; do
	head -c $((4096 + i * 97)) /dev/urandom >"$T/src/many/f$i"
	i=$((i + 1))
done
head -c 40000000 /dev/urandom >"$T/src/large.bin"

# ---- random faults: everything still arrives intact -------------------------
export VDS_S3_TIMEOUT=1 # a stall of 1.5 s times out and is retried
proxy --seed 7 --drop 0.05 --error503 0.05 --stall 0.03 --stall-ms 1500
check "the proxy runs" [ -n "$PORT" ] && [ -n "$SP" ]
ds=$(vds datasets create --name faults --storageProviderId "$SP" | sed -n 's/^Created dataset: //p')
run vds datasets versions create --id "$ds" --source-path "$T/src/" --message faulty
v=$(sed -n 's/^Committed dataset version: //p' "$T/out")
check "a put through dropped connections, 503s and stalls commits" [ "$rc" = 0 ] && [ -n "$v" ]
[ "$rc" = 0 ] || diag "$(cat "$T/err")"
check "... and faults did happen" grep -q -e '-> drop' "$T/proxy.log"
check "... of every kind" grep -q -e '-> 503' "$T/proxy.log" && grep -q -e '-> stall' "$T/proxy.log"
run vds datasets files get --id "$v" --target-path "$T/get"
check "a get through the same faults succeeds" [ "$rc" = 0 ]
check "... every file intact" diff -r "$T/src" "$T/get"
rm -rf "$VDS_HOME/cache/objects"
run vds datasets versions verify --id "$v"
expect "verify through the faults" 0 "Verified 201 files of $v: all intact" ""

# ---- a server that stalls forever: a clear error, no file written ----------
proxy --stall 1 --stall-ms 0 --only-path /objects/
run env VDS_S3_ATTEMPTS=2 "$VDS_BIN" datasets files get --id "$v" --source-path large.bin \
	--target-path "$T/stalled"
check "a stalled download fails (exit 7)" [ "$rc" = 7 ]
check "... with one line naming the object and the timeout" sh -c \
	"[ \$(wc -l <'$T/err') = 1 ] && grep -q '^vds: GET .objects/.* in bucket .$B. at http://127.0.0.1:$PORT failed after 2 attempts: Timeout was reached$' '$T/err'"
check "... and writes no file" test ! -e "$T/stalled/large.bin"
large=$(object_key "$(sha256sum "$T/src/large.bin" | cut -d' ' -f1)")
check "... nor into the cache" test ! -e "$VDS_HOME/cache/$large"
is "... and the cache keeps no temporary file" "$(ls "$VDS_HOME/cache/tmp" | wc -l)" 0

# ---- a part that keeps failing: the upload is aborted, not left behind ------
proxy --error503 1 --only-path 'partNumber=2&'
head -c 40000000 /dev/urandom >"$T/other.bin"
run env VDS_S3_ATTEMPTS=3 "$VDS_BIN" datasets versions create --id "$ds" --source-path "$T/other.bin"
check "an upload whose part gets 503 every time fails (exit 7)" [ "$rc" = 7 ]
check "... saying so in one line" sh -c \
	"[ \$(wc -l <'$T/err') = 1 ] && grep -q 'HTTP 503 SlowDown: Please reduce your request rate.$' '$T/err'"
is "... and the multipart upload was aborted" "$(s3uploads)" 0
run vds datasets versions list --id "$ds"
is "... and no draft is left" "$(grep -c '^| ds' "$T/out")" 1

# ---- connections dropped at every request for a while: retried -------------
proxy --drop 1 --only-path /objects/ --seed 3
run env VDS_S3_ATTEMPTS=2 "$VDS_BIN" datasets files get --id "$v" --source-path many/f1 \
	--target-path "$T/dropped"
check "a server that always drops fails cleanly (exit 7)" [ "$rc" = 7 ] && [ ! -e "$T/dropped/many/f1" ]
proxy
run vds datasets files get --id "$v" --source-path many/f1 --target-path "$T/dropped"
check "... and the rerun succeeds" [ "$rc" = 0 ] && cmp -s "$T/src/many/f1" "$T/dropped/many/f1"
done_testing
