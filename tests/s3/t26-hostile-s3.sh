#!/bin/sh
# t26-hostile-s3: an S3 server that answers with malice or damage, through
# tests/s3/faultproxy: content with a flipped byte, bodies cut short of their
# Content-Length, and bucket listings that are enormous, deeply nested,
# self-expanding, malformed or never end. vds never writes a damaged file, a
# cut body is retried and then one clear error, a hostile listing is one
# clear error, and memory stays bounded (peak RSS under 500 MB, measured with
# /usr/bin/time -v when it is installed). Runs under tests/s3/run.sh.
. "$VDS_SRCDIR/tests/cli/lib.sh"

if ! is_s3; then
	echo "1..0 # SKIP needs a server: run through tests/s3/run.sh"
	exit 0
fi
PROXY=${VDS_FAULTPROXY:-$(dirname "$VDS_BIN")/tests/s3/faultproxy}
EP=$VDS_TEST_S3_ENDPOINT B=$VDS_TEST_S3_BUCKET
RSS_MAX=512000 # KiB
ppid=

# proxy ARGS...: (re)starts the proxy in front of the server with ARGS, and
# points provider "hostile" (prefix hostile/) at it
proxy() {
	[ -z "$ppid" ] || { kill "$ppid"; wait "$ppid" 2>/dev/null; }
	rm -f "$T/port"
	: >"$T/proxy.log"
	"$PROXY" --listen-port-file "$T/port" --upstream "${EP#http://}" --log "$T/proxy.log" "$@" &
	ppid=$!
	_n=0
	while [ ! -s "$T/port" ] && [ $_n -lt 100 ]; do sleep 0.05; _n=$((_n + 1)); done
	PORT=$(cat "$T/port")
	if [ -z "${SP:-}" ]; then
		SP=$(vds storageProviders create s3 --name hostile --bucket "$B" --endpoint "http://127.0.0.1:$PORT" \
			--prefix hostile --accessKey "$VDS_TEST_S3_ACCESS_KEY" \
			--secretAccessKey "$VDS_TEST_S3_SECRET_KEY" | sed -n 's/^Created storage provider: //p')
	else
		vds storageProviders update s3 --id "$SP" --endpoint "http://127.0.0.1:$PORT" >/dev/null
	fi
}
trap '[ -z "$ppid" ] || kill "$ppid" 2>/dev/null; chmod -R u+rwX "$T" 2>/dev/null; rm -rf "$T"' EXIT

# one_line DESC RC PATTERN: the last run exited RC with nothing on stdout and
# one line on stderr matching the extended regular expression PATTERN
one_line() {
	if [ "$rc" = "$2" ] && [ ! -s "$T/out" ] && [ "$(wc -l <"$T/err")" = 1 ] &&
		grep -E -q -e "$3" "$T/err"; then ok "$1"; else
		not_ok "$1"; diag "exit $rc, want $2"; diag "$(cat "$T/out" "$T/err")"
	fi
}
# key FILE: the key of the object holding FILE's content
key() { object_key "$(sha256sum "$1" | cut -c1-64)"; }
# uncache: forgets every content object read before
uncache() { rm -rf "$VDS_HOME/cache/objects"; }
# written DIR: the files below DIR (temporary files of a get included)
written() { find "$1" ! -type d 2>/dev/null | sed "s|^$1/||" | LC_ALL=C sort; }
# same_as_source DIR: every file below DIR equals its source in $S
same_as_source() {
	for _f in $(written "$1"); do cmp -s "$S/$_f" "$1/$_f" || return 1; done
}

S="$T/src"
mkdir -p "$S/many"
head -c 3000000 /dev/urandom >"$S/big.bin"
printf 'small\n' >"$S/small.txt"
i=0
while [ $i -lt 20 ]; do
	head -c $((5000 + i * 311)) /dev/urandom >"$S/many/f$i"
	i=$((i + 1))
done
NF=22

proxy
check "the proxy runs" [ -n "$PORT" ] && [ -n "$SP" ]
DS=$(vds datasets create --name hostile --storageProviderId "$SP" | sed -n 's/^Created dataset: //p')
run vds datasets versions create --id "$DS" --source-path "$S/"
V=$(sed -n 's/^Committed dataset version: //p' "$T/out")
check "setup: a committed version through the proxy" [ "$rc" = 0 ] && [ -n "$V" ]
BIG=$(key "$S/big.bin")
# the file list's key, read with curl below the provider's prefix
COMMIT=datasets/$DS/versions/${V#*:}/commit.json
MAN=$(object_key "$(S3_PREFIX=hostile/ && s3curl GET "$COMMIT" -f |
	sed -n 's/.*"manifest":[^"]*"\([0-9a-f]*\)".*/\1/p')")
check "setup: the file list's key" [ -n "${MAN#objects/}" ] && [ "$MAN" != "objects//" ]

# ---------------------------------------------------------------- a flipped byte
uncache
run vds datasets files list --id "$V" # the file list, read intact into the cache
proxy --corrupt 1 --only-path "$BIG"
run vds datasets files get --id "$V" --source-path big.bin --target-path "$T/c1"
one_line "content with a flipped byte is refused (exit 9), naming the file" 9 \
	"^vds: .*'big\\.bin'.* does not match its SHA-256$"
check "... the corruption did happen" grep -q -e '-> corrupt$' "$T/proxy.log"
is "... and nothing is written" "$(written "$T/c1")" ""
check "... nor kept in the cache" test ! -e "$VDS_HOME/cache/$BIG"
is "... and the cache keeps no temporary file" "$(ls "$VDS_HOME/cache/tmp" 2>/dev/null | wc -l)" 0

uncache
proxy --corrupt 1 --only-path "$MAN"
run vds datasets files list --id "$V"
expect "a file list with a flipped byte is refused" 9 "" "vds: file list of $V does not match its hash"
run vds datasets files get --id "$V" --target-path "$T/c2"
expect "... also by files get" 9 "" "vds: file list of $V does not match its hash"
is "... which writes nothing" "$(written "$T/c2")" ""

# random flips: a get succeeds whole, or fails with exit 9; never a damaged file
uncache
proxy
run vds datasets files list --id "$V"
bad= runs=0 fails=0
for seed in 1 2 3 4 5 6 7 8; do
	proxy --corrupt 0.03 --only-path /objects/ --seed $seed
	rm -rf "$T/c3" "$VDS_HOME/cache/objects/$(echo "$BIG" | cut -d/ -f2)"
	find "$VDS_HOME/cache/objects" -type f ! -path "*/${MAN#objects/}" -exec rm -f {} + 2>/dev/null
	run vds datasets files get --id "$V" --target-path "$T/c3"
	runs=$((runs + 1))
	case $rc in
	0) [ "$(written "$T/c3" | wc -l)" = $NF ] || bad="$bad [seed $seed: exit 0 but not every file]" ;;
	9) fails=$((fails + 1)) ;;
	*) bad="$bad [seed $seed: exit $rc: $(cat "$T/err")]" ;;
	esac
	same_as_source "$T/c3" || bad="$bad [seed $seed: a damaged file was written]"
	[ -z "$(written "$T/c3" | grep '\.vds-')" ] || bad="$bad [seed $seed: temporary files left]"
done
diag "random flips: $runs gets, $fails refused; the last one met $(grep -c -e '-> corrupt$' "$T/proxy.log") flipped bytes"
is "random flips: every get whole, or refused with no damaged file written" "$bad" ""
proxy
uncache
run vds datasets versions verify --id "$V"
expect "the store itself was never damaged" 0 "Verified $NF files of $V: all intact" ""

# ---------------------------------------------------------------- bodies cut short
proxy --truncate-body 1 --only-path "$BIG"
run env VDS_S3_ATTEMPTS=3 "$VDS_BIN" datasets files get --id "$V" --source-path big.bin \
	--target-path "$T/t1"
one_line "a body always cut short: retried, then one clear error (exit 7)" 7 \
	"^vds: GET '$BIG' in bucket '$B' at http://127.0.0.1:$PORT failed after 3 attempts: Transferred a partial file$"
is "... after three cut answers" "$(grep -c -e '-> truncate$' "$T/proxy.log")" 3
is "... and nothing is written" "$(written "$T/t1")" ""
check "... nor kept in the cache" test ! -e "$VDS_HOME/cache/$BIG"
uncache
proxy --truncate-body 0.3 --only-path /objects/ --seed 11
run vds datasets files get --id "$V" --target-path "$T/t2"
expect "bodies cut now and then: the get is retried to the end" 0 \
	"Downloaded dataset version $V to $T/t2: $NF files written, 0 already present" ""
check "... the cuts did happen" grep -q -e '-> truncate$' "$T/proxy.log"
check "... and every file is intact" diff -r "$S" "$T/t2"

# ---------------------------------------------------------------- hostile listings
# listing KIND MB RC MESSAGE: `vds datasets list` while every listing is
# answered with KIND of MB MiB gives exit RC and MESSAGE (on stdout if RC is
# 0, else on stderr; a MESSAGE starting with ^ is a pattern of the one line
# on stderr), within 30 s and in bounded memory
TIMEV=/usr/bin/time
[ -x "$TIMEV" ] && "$TIMEV" -v true >/dev/null 2>&1 || TIMEV=
# under valgrind (VDS_TEST_VALGRIND) RSS is valgrind's: not measured
NORSS="no /usr/bin/time"
[ -z "${VDS_TEST_VALGRIND:-}" ] || { TIMEV= NORSS="not under valgrind"; }
listing() {
	proxy --huge-xml "$1" --xml-mb "$2"
	if [ -n "$TIMEV" ]; then
		run "$TIMEV" -v -o "$T/timev" timeout 30 "$VDS_BIN" datasets list
	else
		run timeout $((30 * TIME_SCALE)) "$VDS_BIN" datasets list
	fi
	_what="a listing answered with $1 XML ($2 MiB)"
	check "$_what: vds answers within 30 s" [ "$rc" != 124 ]
	check "$_what: no crash" [ "$rc" -lt 128 ]
	case $3:$4 in
	0:*) expect "$_what: taken as a listing of nothing" 0 "$4" "" ;;
	*:^*) one_line "$_what: one clear error" "$3" "$4" ;;
	*) expect "$_what: one clear error" "$3" "" "$4" ;;
	esac
	if [ -n "$TIMEV" ]; then
		_rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$T/timev")
		check "$_what: peak RSS under 500 MB (${_rss:-?} KiB)" [ "${_rss:-999999999}" -lt $RSS_MAX ]
	else
		tap_n=$((tap_n + 1)); echo "ok $tap_n # SKIP $_what: peak RSS ($NORSS)"
	fi
	check "$_what: the proxy answered it" grep -q -e "-> xml-$1\$" "$T/proxy.log"
}
TOOBIG="vds: storage provider $SP cannot be read: the answer to a request in bucket '$B' is over 64 MiB"
MALFORMED="vds: storage provider $SP cannot be read: the S3 server sent a malformed XML answer"
EMPTY=$(printf '+------+----+------------------+\n| Name | ID | Storage Provider |\n+------+----+------------------+\n+------+----+------------------+')
listing wide 200 7 "$TOOBIG"
listing long 200 7 "$TOOBIG"
listing blank 200 7 "$TOOBIG"
listing wide 60 0 "$EMPTY"
listing long 60 0 "$EMPTY"
listing deep 60 7 "$MALFORMED"
listing laughs 1 7 "$MALFORMED"
listing malformed 1 7 "$MALFORMED"
listing garbage 1 7 "$MALFORMED"
listing endless 1 7 "^vds: storage provider $SP cannot be read: "
diag "a listing that never ends: $(grep -c -e '-> xml-endless$' "$T/proxy.log") pages asked for"

proxy
run vds datasets list
check "with an honest server the dataset lists again" grep -q "^| hostile *| $DS " "$T/out"

done_testing
