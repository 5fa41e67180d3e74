#!/bin/sh
# t21-import: versions from URLs (--source-url) served by a test HTTP server
# on 127.0.0.1: names, redirects, resumption after a dropped connection,
# --sha256, archives unpacked with --extract, unsafe archives, and one clear
# line for every failure with nothing committed and the draft unchanged.
. "$VDS_SRCDIR/tests/cli/lib.sh"
: "${VDS_MKARCHIVE:?VDS_MKARCHIVE must name the test archive writer}"

W=$T/www
mkdir -p "$W"
printf 'hello\n' >"$W/hello.txt"
printf 'a,b\n1,2\n' >"$W/table.csv"
: >"$W/empty"
head -c 3000000 /dev/urandom >"$W/big.bin"
mk() { "$VDS_MKARCHIVE" "$@" || echo "mkarchive failed: $*" >&2; }
mk tgz "$W/data.tar.gz" d:data f:data/a.txt=alpha x:data/run.sh=echo l:data/link=a.txt \
	h:data/again.txt=data/a.txt f:data/sub/b.txt=beta
mk zip "$W/data.zip" f:z/one.txt=one f:z/two/three.txt=three
mk txz "$W/data.tar.xz" f:x.txt=xz
mk tbz2 "$W/data.tar.bz2" f:y.txt=bz
mk tar "$W/plain.tar" f:./dot.txt=dot
mk tgz "$W/dotdot.tar.gz" f:ok.txt=ok f:../evil.txt=evil
mk tar "$W/abs.tar" f:/tmp/abs-evil.txt=evil
mk zip "$W/dotdot.zip" f:a/../../evil.txt=evil
mk tgz "$W/linkout.tar.gz" l:out=../../etc/passwd
mk tgz "$W/linkabs.tar.gz" l:out=/etc/passwd
mk tgz "$W/fifo.tar.gz" f:keep.txt=keep p:pipe
httpd_start "$W"
H=$HTTP
sha() { sha256sum "$1" | cut -c1-64; }
# files DS:VER: "PATH SIZE" per file, and links marked
files() { vds datasets files list --id "$1" --recursive --json | sed -n 's/.*"path":"\([^"]*\)","type":"\([a-z]*\)","size":\([0-9]*\).*"mode":\([0-9]*\).*/\1 \2 \3 \4/p'; }
# leftovers: spool files still in the store's tmp/ or the cache's tmp/
leftovers() { (ls "$VDS_HOME/store/tmp" "$VDS_HOME/cache/tmp" 2>/dev/null) | grep -vc ':$\|^$'; }

ds=$(new_dataset web)

# ---- one file ------------------------------------------------------------------
run vds datasets versions create --id "$ds" --message "from the web" --source-url "$H/files/hello.txt"
v1=$(sed -n 's/^Committed dataset version: //p' "$T/out")
expect "a URL makes a committed version" 0 "Created dataset version: $v1
Committed dataset version: $v1" ""
is "its file is named after the URL" "$(files "$v1")" "hello.txt file 6 420"
mkdir "$T/get1"
vds datasets files get --id "$v1" --target-path "$T/get1" >/dev/null
check "the content arrived intact" cmp -s "$W/hello.txt" "$T/get1/hello.txt"
is "the message is kept" "$(vds datasets versions details --id "$v1" --json | sed -n 's/.*"message":[[:space:]]*"\([^"]*\)".*/\1/p')" "from the web"
is "no spool file is left" "$(leftovers)" 0

# ---- names -----------------------------------------------------------------------
d=$(new_version "$ds")
run vds datasets files put --id "$d" --source-url "$H/download?id=table.csv&as=report.csv" \
	--source-url "$H/download?id=hello.txt&as=../../evil.txt" \
	--source-url "$H/download?id=hello.txt&as=dir/inner.txt" \
	--source-url "$H/download?id=table.csv&as=plain.csv&star=1" \
	--source-url "$H/files/empty" --source-url "$H/redirect2/table.csv"
expect "files put downloads several URLs" 0 "Put 6 files (36 bytes) into dataset version: $d" ""
is "names come from Content-Disposition (filename* first), redirects and the URL" "$(files "$d")" \
	"empty file 0 420
evil.txt file 6 420
inner.txt file 6 420
plain.csv file 8 420
report.csv file 8 420
table.csv file 8 420"
grep ' /redirect' "$HTTP_LOG" >"$T/redirects"
is "both redirect hops were followed" "$(cut -d' ' -f2,4 "$T/redirects")" "/redirect2/table.csv 301
/redirect/table.csv 302"

# ---- resumption ----------------------------------------------------------------
run vds datasets files put --id "$d" --source-url "$H/droponce/big.bin" --target-path blobs
expect "a dropped download is resumed" 0 "Put 1 file (3000000 bytes) into dataset version: $d" ""
is "the second request asked only for the rest" \
	"$(grep ' /droponce/big.bin' "$HTTP_LOG" | cut -d' ' -f3,4)" "- 200
bytes=1500000- 206"
mkdir "$T/get2"
vds datasets files get --id "$d" --source-path blobs --target-path "$T/get2" >/dev/null
check "the resumed file is byte for byte the original" cmp -s "$W/big.bin" "$T/get2/blobs/big.bin"
run vds datasets files put --id "$d" --source-url "$H/norange/big.bin" --target-path norange
expect "a server without ranges: the download starts over" 0 \
	"Put 1 file (3000000 bytes) into dataset version: $d" ""
is "started over with a plain request" "$(grep ' /norange/big.bin' "$HTTP_LOG" | cut -d' ' -f3,4)" \
	"- 200
bytes=1500000- 200"
vds datasets files get --id "$d" --source-path norange --target-path "$T/get2" >/dev/null
check "and the file is whole" cmp -s "$W/big.bin" "$T/get2/norange/big.bin"

# ---- checksums -------------------------------------------------------------------
good=$(sha "$W/table.csv")
bad=$(sha "$W/hello.txt")
run vds datasets files put --id "$d" --source-url "$H/files/table.csv" --sha256 "$good" --target-path sum
expect "a matching --sha256 passes" 0 "Put 1 file (8 bytes) into dataset version: $d" ""
before=$(files "$d")
run vds datasets files put --id "$d" --source-url "$H/files/table.csv" --sha256 "$bad" --target-path sum2
expect "a wrong --sha256 fails with both digests" 9 "" \
	"vds: '$H/files/table.csv' has SHA-256 $good, not the expected $bad"
is "the draft is unchanged" "$(files "$d")" "$before"
is "and no spool file is left" "$(leftovers)" 0
run vds datasets files put --id "$d" --source-url "$H/files/table.csv" --sha256 "$(echo "$good" | tr a-f A-F)" --target-path upper
expect "--sha256 in capitals" 0 "Put 1 file (8 bytes) into dataset version: $d" ""
run vds datasets files put --id "$d" --source-url "$H/files/table.csv" --sha256 abc
expect "a malformed --sha256" 4 "" "vds: malformed SHA-256 'abc': expected 64 hex digits"
run vds datasets files put --id "$d" --source-url "$H/files/table.csv" --source-url "$H/files/hello.txt" --sha256 "$good"
expect "one --sha256 per URL" 2 "" "vds: give one --sha256 per --source-url (2 URLs, 1 digest)"
run vds datasets files put --id "$d" --source-path "$W/hello.txt" --extract
expect "--extract goes with --source-url" 2 "" "vds: --extract goes with --source-url"
run vds datasets files put --id "$d" --source-path "$W/hello.txt" --sha256 "$good"
expect "--sha256 goes with --source-url" 2 "" "vds: --sha256 goes with --source-url"
run vds datasets files put --id "$d"
expect "files put needs a source" 2 "" \
	"vds: missing option '--source-path' (or '--source-url') for 'vds datasets files put'"

# ---- failures: one line each, nothing committed ----------------------------------
versions_before=$(vds datasets versions list --id "$ds")
fails() { # fails DESC RC STDERR URL...
	_desc=$1 _rc=$2 _err=$3
	shift 3
	_args=
	for _u; do _args="$_args --source-url $_u"; done
	# shellcheck disable=SC2086
	VDS_S3_ATTEMPTS=2 run vds datasets versions create --id "$ds" $_args
	_v=$(sed -n 's/^Created dataset version: //p' "$T/out")
	expect "$_desc" "$_rc" "Created dataset version: $_v" "$_err"
}
fails "404" 3 "vds: cannot download '$H/status/404': 404 Not Found" "$H/status/404"
fails "403" 7 "vds: cannot download '$H/status/403': 403 Forbidden" "$H/status/403"
fails "500, tried again then given up" 7 \
	"vds: cannot download '$H/status/500': 500 Internal Server Error (after 2 attempts)" "$H/status/500"
fails "a body cut short every time" 7 \
	"vds: cannot download '$H/truncate/hello.txt': got 5 of 6 bytes (transfer closed with 1 bytes remaining to read)" \
	"$H/truncate/hello.txt"
fails "endless redirects" 7 "vds: cannot download '$H/loop': Maximum (10) redirects followed" "$H/loop"
port=${H##*:}
run sh -c "VDS_S3_ATTEMPTS=2 '$VDS_BIN' datasets versions create --id $ds --source-url http://127.0.0.1:1/x"
check "an unreachable host fails with curl's reason" grep -q "^vds: cannot download 'http://127.0.0.1:1/x': Failed to connect to 127.0.0.1 port 1 after [0-9]* ms: Couldn't connect to server (after 2 attempts)\$" "$T/err"
is "and exits 7" "$rc" 7
fails "one bad URL among good ones fails them all" 3 \
	"vds: cannot download '$H/status/404': 404 Not Found" "$H/files/hello.txt" "$H/status/404"
run vds datasets versions create --id "$ds" --source-url "ftp://127.0.0.1/x"
expect "an unsupported scheme is refused before anything is created" 4 "" \
	"vds: unsupported URL 'ftp://127.0.0.1/x': use http://, https:// or s3://"
run vds datasets versions create --id "$ds" --source-url "http:///x"
expect "a URL without a host" 4 "" "vds: malformed URL 'http:///x'"
URL_PASSWORD=vdstesturlpassword01 URL_TOKEN=vdstesturltoken01
secret "$URL_PASSWORD"
secret "$URL_TOKEN"
run vds datasets versions create --id "$ds" \
	--source-url "http://u:$URL_PASSWORD@127.0.0.1:$port/status/404?token=$URL_TOKEN"
check "user name, password and query stay out of messages" \
	grep -qx "vds: cannot download 'http://\*\*\*@127.0.0.1:$port/status/404?...': 404 Not Found" "$T/err"
is "every failed version create left no draft" "$(vds datasets versions list --id "$ds")" "$versions_before"
is "and no spool file" "$(leftovers)" 0

# TLS: a server whose certificate nobody signed
if command -v openssl >/dev/null 2>&1; then
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 1 \
		-subj /CN=127.0.0.1 >/dev/null 2>&1
	tls_port=$((port + 7))
	for _try in 1 2 3 4 5 6 7 8 9 10; do # a port of its own: the first that s_server keeps
		openssl s_server -quiet -accept "127.0.0.1:$tls_port" -cert "$T/cert.pem" \
			-key "$T/key.pem" -www >"$T/tls.out" 2>&1 &
		tls_pid=$!
		sleep 0.3
		kill -0 "$tls_pid" 2>/dev/null && break
		tls_port=$((tls_port + 1))
	done
	run vds datasets versions create --id "$ds" --source-url "https://127.0.0.1:$tls_port/x"
	kill "$tls_pid" 2>/dev/null
	check "an untrusted certificate fails at once, naming the reason" \
		grep -q "^vds: cannot download 'https://127.0.0.1:$tls_port/x': SSL certificate problem: self.signed certificate\$" "$T/err"
	is "and exits 7" "$rc" 7
else
	ok "# SKIP openssl is not installed"
	ok "# SKIP openssl is not installed"
fi

# ---- archives -------------------------------------------------------------------
run vds datasets versions create --id "$ds" --extract --source-url "$H/files/data.tar.gz" \
	--source-url "$H/files/data.zip" --source-url "$H/files/data.tar.xz" \
	--source-url "$H/files/data.tar.bz2" --source-url "$H/files/plain.tar"
va=$(sed -n 's/^Committed dataset version: //p' "$T/out")
check "tar.gz, zip, tar.xz, tar.bz2 and tar unpack into one version" [ "$rc" = 0 ] && [ -n "$va" ]
is "every entry is a file (modes kept, links as links, hard links as copies)" "$(files "$va")" \
	"data/a.txt file 5 420
data/again.txt file 5 420
data/link link 5 511
data/run.sh file 4 493
data/sub/b.txt file 4 420
dot.txt file 3 420
x.txt file 2 420
y.txt file 2 420
z/one.txt file 3 420
z/two/three.txt file 5 420"
rm -rf "$T/get3"
mkdir "$T/get3"
vds datasets files get --id "$va" --target-path "$T/get3" >/dev/null
is "contents" "$(cat "$T/get3/data/a.txt" "$T/get3/data/again.txt" "$T/get3/z/two/three.txt")" "alphaalphathree"
is "the link" "$(readlink "$T/get3/data/link")" "a.txt"

d2=$(new_version "$ds")
vds datasets files put --id "$d2" --source-path "$W/hello.txt" >/dev/null
before=$(files "$d2")
run vds datasets files put --id "$d2" --extract --source-url "$H/files/data.zip" --target-path unz/deep
expect "--extract into a folder of a draft" 0 "Put 2 files (8 bytes) into dataset version: $d2" ""
is "the archive's tree lands below --target-path" "$(files "$d2" | cut -d' ' -f1)" "hello.txt
unz/deep/z/one.txt
unz/deep/z/two/three.txt"
before=$(files "$d2")
unsafe() { # unsafe DESC ARCHIVE STDERR
	run vds datasets files put --id "$d2" --extract --source-url "$H/files/$2"
	expect "$1" 4 "" "$3"
}
unsafe "a '..' entry in a tar" dotdot.tar.gz \
	"vds: unsafe path '../evil.txt' in archive '$H/files/dotdot.tar.gz'"
unsafe "an absolute entry" abs.tar "vds: absolute path '/tmp/abs-evil.txt' in archive '$H/files/abs.tar'"
unsafe "a '..' entry in a zip" dotdot.zip \
	"vds: unsafe path 'a/../../evil.txt' in archive '$H/files/dotdot.zip'"
unsafe "a link out of the tree" linkout.tar.gz \
	"vds: link 'out' in archive '$H/files/linkout.tar.gz' points outside the tree"
unsafe "an absolute link" linkabs.tar.gz \
	"vds: link 'out' in archive '$H/files/linkabs.tar.gz' points outside the tree"
unsafe "a file that is no archive" hello.txt \
	"vds: '$H/files/hello.txt' is not a tar or zip archive: Unrecognized archive format"
is "after every refusal the draft is unchanged" "$(files "$d2")" "$before"
check "nothing was written outside the store" [ ! -e /tmp/abs-evil.txt ] && [ ! -e "$T/evil.txt" ]
is "no spool file is left" "$(leftovers)" 0
run vds datasets files put --id "$d2" --extract --source-url "$H/files/fifo.tar.gz"
expect "special entries are skipped with a warning" 0 "Put 1 file (4 bytes) into dataset version: $d2" \
	"vds: warning: skipping special file 'pipe' in archive '$H/files/fifo.tar.gz'"

# ---- local paths and URLs in one version ----------------------------------------
mkdir -p "$T/local/sub"
printf 'local\n' >"$T/local/sub/l.txt"
run vds datasets versions create --id "$ds" --source-path "$T/local/" --source-url "$H/files/hello.txt" \
	--source-url "$H/files/data.zip"
vm=$(sed -n 's/^Committed dataset version: //p' "$T/out")
check "--source-path and --source-url build one version" [ "$rc" = 0 ] && [ -n "$vm" ]
is "with the files of both (archives kept whole without --extract)" "$(files "$vm" | cut -d' ' -f1)" \
	"data.zip
hello.txt
sub/l.txt"
run vds datasets versions create --id "$ds" --source-path "$T/local/" --source-url "$H/files/hello.txt" \
	--source-url "$H/files/data.zip" --extract
expect "--extract asks every download to be an archive" 4 \
	"Created dataset version: $(sed -n 's/^Created dataset version: //p' "$T/out")" \
	"vds: '$H/files/hello.txt' is not a tar or zip archive: Unrecognized archive format"
asked=$(wc -l <"$HTTP_LOG")
run vds datasets versions create --id "$ds" --source-url "$H/files/hello.txt" --source-path "$T/nope"
expect "a missing local path is found before anything is created or downloaded" 3 "" \
	"vds: no such source path '$T/nope'"
is "nothing was asked of the server" "$(wc -l <"$HTTP_LOG")" "$asked"

# ---- committed versions stay as they were -----------------------------------------
run vds datasets files put --id "$v1" --source-url "$H/files/table.csv"
expect "a committed version takes no download" 5 "" \
	"vds: dataset version $v1 is committed and cannot be changed"
is "the first version still has its one file" "$(files "$v1")" "hello.txt file 6 420"
run vds fsck
check "fsck finds nothing wrong" [ "$rc" = 0 ]

done_testing
