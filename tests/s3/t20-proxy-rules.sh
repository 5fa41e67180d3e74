#!/bin/sh
# t20-proxy-rules: the test proxy's aimed faults (tests/s3/faultproxy --rules,
# --latency-ms, --rate) checked with plain curl against a real server: each
# rule hits exactly the requests it names, as many times as it says, and the
# rules file is re-read while the proxy runs. Runs under tests/s3/run.sh.
. "$VDS_SRCDIR/tests/cli/lib.sh"

if ! is_s3; then
	echo "1..0 # SKIP needs a server: run through tests/s3/run.sh"
	exit 0
fi
PROXY=${VDS_FAULTPROXY:-$(dirname "$VDS_BIN")/tests/s3/faultproxy}
EP=$VDS_TEST_S3_ENDPOINT
B=$VDS_TEST_S3_BUCKET
ppid=

# proxy ARGS...: (re)starts the proxy in front of the server with ARGS
proxy() {
	[ -z "$ppid" ] || { kill "$ppid"; wait "$ppid" 2>/dev/null; }
	rm -f "$T/port" "$T/proxy.log"
	"$PROXY" --listen-port-file "$T/port" --upstream "${EP#http://}" --log "$T/proxy.log" "$@" 2>"$T/proxy.err" &
	ppid=$!
	PIDS="$ppid"
	_n=0
	while [ ! -s "$T/port" ] && [ $_n -lt 100 ]; do sleep 0.05; _n=$((_n + 1)); done
	PEP="http://127.0.0.1:$(cat "$T/port")"
}
# rules LINE...: replaces the rules file (through a rename, as a test should)
rules() {
	printf '%s\n' "$@" >"$T/rules.tmp"
	mv "$T/rules.tmp" "$T/rules"
}
# pget KEY FILE [CURL ARGS...]: a signed GET of KEY through the proxy into FILE
pget() {
	_k=$1 _f=$2; shift 2
	VDS_TEST_S3_ENDPOINT=$PEP s3curl GET "$_k" -o "$_f" "$@"
}
# ms: milliseconds since the epoch
ms() { echo $(($(date +%s%N) / 1000000)); }
# last: the proxy's last log line, the request's number cut
last() { tail -n 1 "$T/proxy.log" | cut -d' ' -f2-; }
# diffs A B: how many bytes of A and B differ
diffs() { cmp -l "$1" "$2" | wc -l; }

head -c 200000 /dev/urandom >"$T/obj"
store_put obj "$T/obj"

# ---- a bad rules file is refused at startup ---------------------------------
printf '# faults\nhold GET /x\n' >"$T/bad"
run "$PROXY" --listen-port-file "$T/badport" --upstream "${EP#http://}" --rules "$T/bad"
expect "a bad rule stops the proxy at startup (exit 2)" 2 "" "faultproxy: $T/bad:2: want: hold METHOD TEXT MS [COUNT]"
printf 'tilt GET /x\n' >"$T/bad"
run "$PROXY" --listen-port-file "$T/badport" --upstream "${EP#http://}" --rules "$T/bad"
expect "... and so does an unknown one" 2 "" \
	"faultproxy: $T/bad:1: unknown rule (hold, flip-request, flip-response or drop)"

# ---- flip-response ----------------------------------------------------------
proxy --rules "$T/rules"
pget obj "$T/got" -f
check "without a rules file nothing is changed" cmp -s "$T/obj" "$T/got"
is "... and the log says ok" "$(last)" "GET /$B/store/obj -> ok"
rules '# one flipped download' 'flip-response GET /obj'
pget obj "$T/got" -f
is "flip-response flips exactly one byte" "$(diffs "$T/obj" "$T/got")" 1
is "... and the log names the rule" "$(last)" "GET /$B/store/obj -> flip-response"
pget obj "$T/got" -f
check "... once (COUNT 1 by default)" cmp -s "$T/obj" "$T/got"
rules '# one flipped download, still' 'flip-response GET /obj'
pget obj "$T/got" -f
check "an unchanged line keeps its count across a re-read" cmp -s "$T/obj" "$T/got"
rules 'flip-response * /store/obj 2'
VDS_TEST_S3_ENDPOINT=$PEP s3curl HEAD obj -f -o /dev/null -I
is "a response without a body is not flipped" "$(last)" "HEAD /$B/store/obj -> ok"
VDS_TEST_S3_ENDPOINT=$PEP s3curl GET missing -o /dev/null
is "... nor a 404" "$(last)" "GET /$B/store/missing -> ok"
n=0
for i in 1 2 3; do
	pget obj "$T/got" -f
	n=$((n + $(diffs "$T/obj" "$T/got")))
done
is "... and neither used up the count: a changed line flips 2 of the next 3" "$n" 2

# ---- flip-request -----------------------------------------------------------
rules 'flip-request PUT /put1'
VDS_TEST_S3_ENDPOINT=$PEP s3curl PUT put1 -f -T "$T/obj" -o /dev/null
store_cat put1 >"$T/got"
is "flip-request stores a body with one byte flipped (nothing checks it)" "$(diffs "$T/obj" "$T/got")" 1
is "... and the log names it" "$(last)" "PUT /$B/store/put1 -> flip-request"
rules 'flip-request PUT /put2'
md5=$(md5sum "$T/obj" | cut -c1-32 | sed 's/../&\n/g' |
	while read -r h; do [ -z "$h" ] || printf "\\$(printf %o "0x$h")"; done | base64)
VDS_TEST_S3_ENDPOINT=$PEP s3curl PUT put2 -T "$T/obj" -H "Content-MD5: $md5" -o "$T/answer" -w '%{http_code}' >"$T/code"
is "a flipped body sent with Content-MD5 is refused by the server" "$(cat "$T/code")" 400
check "... as a bad digest" grep -q BadDigest "$T/answer"
check "... and not stored" sh -c "! store_cat put2 2>/dev/null | cmp -s - '$T/obj'"

# ---- drop -------------------------------------------------------------------
rules 'drop GET /obj'
pget obj "$T/got" -f 2>/dev/null
check "drop closes the connection: the request fails" [ $? != 0 ]
is "... and the log says drop" "$(last)" "GET /$B/store/obj -> drop"
pget obj "$T/got" -f
check "... once" cmp -s "$T/obj" "$T/got"

# ---- hold -------------------------------------------------------------------
rules 'hold GET /obj 1500' 'hold GET /obj 300 0'
t0=$(ms)
pget obj "$T/got" -f
t1=$(ms)
check "hold delays the request by its time" [ $((t1 - t0)) -ge 1500 ]
is "... and the log says so" "$(last)" "GET /$B/store/obj -> hold 1500"
check "... and changes nothing" cmp -s "$T/obj" "$T/got"
t0=$(ms)
pget obj "$T/got" -f
pget obj "$T/got" -f
t1=$(ms)
check "the next rule (COUNT 0) holds every request" [ $((t1 - t0)) -ge 600 ] && [ $((t1 - t0)) -lt 1500 ]
is "... and names its own time" "$(last)" "GET /$B/store/obj -> hold 300"
rules 'hold GET /obj' 'flip-response GET /obj'
pget obj "$T/got" -f
check "a bad line in a re-read is skipped, the others apply" [ "$(diffs "$T/obj" "$T/got")" = 1 ]
is "... and named on stderr" "$(cat "$T/proxy.err")" "faultproxy: $T/rules:1: want: hold METHOD TEXT MS [COUNT]"
rules
t0=$(ms)
pget obj "$T/got" -f
t1=$(ms)
check "an emptied rules file holds nothing" [ $((t1 - t0)) -lt 300 ] && cmp -s "$T/obj" "$T/got"

# ---- latency and rate -------------------------------------------------------
proxy --latency-ms 400
t0=$(ms)
pget obj "$T/got" -f
t1=$(ms)
check "--latency-ms delays a request and its answer" [ $((t1 - t0)) -ge 800 ]
t0=$(ms)
pids=
for i in 1 2 3 4; do
	pget obj "$T/got$i" -f &
	pids="$pids $!"
done
for p in $pids; do wait "$p"; done
t1=$(ms)
check "... without serialising connections" [ $((t1 - t0)) -lt 2400 ]
check "... and changes nothing" cmp -s "$T/obj" "$T/got4"
proxy --rate 200
t0=$(ms)
pget obj "$T/got" -f
t1=$(ms)
check "--rate trickles a response body (200 kB at 200 kB/s)" [ $((t1 - t0)) -ge 950 ]
check "... intact" cmp -s "$T/obj" "$T/got"
head -c 100000 /dev/urandom >"$T/small"
t0=$(ms)
VDS_TEST_S3_ENDPOINT=$PEP s3curl PUT put3 -f -T "$T/small" -o /dev/null
t1=$(ms)
check "... and a request body (100 kB)" [ $((t1 - t0)) -ge 450 ]
store_cat put3 >"$T/got"
check "... intact" cmp -s "$T/small" "$T/got"
done_testing
