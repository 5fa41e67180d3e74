# lib.sh - shared helpers of the CLI tests (sourced, POSIX sh + a few bashisms avoided).
#
# Each test gets a private, pinned environment: its own VDS_HOME and HOME,
# TZ=UTC, a UTF-8 locale, and a scratch folder $T that is removed at exit.
# run CMD... captures stdout in $T/out, stderr in $T/err and the status in $rc.

set -u
: "${VDS_BIN:?VDS_BIN must name the vds binary}"
: "${VDS_SRCDIR:?VDS_SRCDIR must name the source tree}"
: "${VDS_TEST_TMP:=${TMPDIR:-/tmp}}"
mkdir -p "$VDS_TEST_TMP"
T=$(mktemp -d "$VDS_TEST_TMP/t.XXXXXX")
# PIDS: processes a test started that must not outlive it
PIDS=
# cleanup: kills PIDS, undoes the mounts below $T (left by the tests of
# mount and run when they fail), then removes $T
cleanup() {
	for _p in $PIDS; do kill -9 "$_p" 2>/dev/null; done
	awk -v t="$T/" 'index($5, t) == 1 { print $5 }' /proc/self/mountinfo 2>/dev/null |
		sort -r | while read -r _m; do
			umount -l "$_m" 2>/dev/null || fusermount3 -u -z "$_m" 2>/dev/null
		done
	chmod -R u+rwX "$T" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
export VDS_HOME="$T/home" HOME="$T/userhome" TZ=UTC LC_ALL=C.UTF-8
unset XDG_CONFIG_HOME XDG_DATA_HOME XDG_CACHE_HOME VDS_DATADIR
mkdir -p "$HOME"
# TIME_SCALE: how many times as long a run of vds takes here: 10 under
# "make check-valgrind" (VDS_TEST_VALGRIND set, VDS_BIN runs vds under
# valgrind), else 1; time limits and budgets are multiplied by it
if [ -n "${VDS_TEST_VALGRIND:-}" ]; then TIME_SCALE=10; else TIME_SCALE=1; fi
TEST_TIMEOUT=${TEST_TIMEOUT:-$((120 * TIME_SCALE))}
tap_n=0
tap_fail=0

vds() { timeout "$TEST_TIMEOUT" "$VDS_BIN" "$@"; }

# run CMD...: runs a command, capturing out, err and rc
run() {
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	return 0
}

ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $1"; }
not_ok() {
	tap_n=$((tap_n + 1)); tap_fail=$((tap_fail + 1))
	echo "not ok $tap_n - $1"
}

# diag TEXT: prints TEXT as TAP comments
diag() { printf '%s\n' "$1" | sed 's/^/#   /'; }

# check DESC COND...: passes if the command COND succeeds
check() {
	desc=$1; shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# is DESC GOT WANT: exact string comparison
is() {
	if [ "$2" = "$3" ]; then ok "$1"; else
		not_ok "$1"; diag "got:"; diag "$2"; diag "want:"; diag "$3"
	fi
}

# expect DESC RC STDOUT [STDERR]: checks the last run exactly
expect() {
	_d=$1 _rc=$2 _out=$3
	_got_out=$(cat "$T/out"); _got_err=$(cat "$T/err")
	_bad=
	[ "$rc" = "$_rc" ] || _bad="exit $rc, want $_rc"
	[ "$_got_out" = "$_out" ] || _bad="$_bad stdout differs"
	if [ $# -ge 4 ] && [ "$_got_err" != "$4" ]; then _bad="$_bad stderr differs"; fi
	if [ -z "$_bad" ]; then ok "$_d"; else
		not_ok "$_d"; diag "$_bad"
		diag "stdout:"; diag "$_got_out"; diag "stderr:"; diag "$_got_err"
		[ "$_got_out" = "$_out" ] || { diag "want stdout:"; diag "$_out"; }
		[ $# -lt 4 ] || [ "$_got_err" = "$4" ] || { diag "want stderr:"; diag "$4"; }
	fi
}

# new_dataset NAME: creates a dataset and prints its id
new_dataset() { vds datasets create --name "$1" | sed -n 's/^Created dataset: //p'; }

# new_version DS [ARGS...]: creates a version and prints DS:VER (last line)
new_version() {
	_ds=$1; shift
	vds datasets versions create --id "$_ds" "$@" | sed -n 's/^C[a-z]* dataset version: //p' | tail -n 1
}

# secret VALUE: VALUE is a secret the test uses, which must never appear in any
# output or log: it is added to the file $VDS_TEST_SECRETS (when set; make
# check sets it), where "./quickstart check" looks for it in the logs after
secret() {
	[ -n "${VDS_TEST_SECRETS:-}" ] && [ -n "$1" ] || return 0
	mkdir -p "$(dirname "$VDS_TEST_SECRETS")"
	grep -qsxF -e "$1" "$VDS_TEST_SECRETS" ||
		(umask 077 && printf '%s\n' "$1" >>"$VDS_TEST_SECRETS")
}

# ---- the default store: local, or an S3 bucket --------------------------------
# Under tests/s3/run.sh (VDS_TEST_S3 set) the default provider is an S3
# provider on that server, below the prefix "store/", named "local" like the
# default local provider so that expected outputs stay the same. The store_*
# helpers reach the store's keys either way: through the file system, or
# with curl's own SigV4 signing (a client independent of vds).
S3_SP=sps3test0000001
# s3_home: writes $VDS_HOME/config.json with the S3 provider at $S3_PREFIX as default
s3_home() {
	mkdir -p "$VDS_HOME"
	(umask 077 && printf '%s\n' \
		"{\"defaultStorageProviderId\": \"$S3_SP\", \"storageProviders\": [{\"id\": \"$S3_SP\"," \
		" \"name\": \"local\", \"type\": \"s3\", \"bucket\": \"$VDS_TEST_S3_BUCKET\"," \
		" \"endpoint\": \"$VDS_TEST_S3_ENDPOINT\", \"region\": \"$VDS_TEST_S3_REGION\"," \
		" \"prefix\": \"$S3_PREFIX\", \"accessKey\": \"$VDS_TEST_S3_ACCESS_KEY\"," \
		" \"secretAccessKey\": \"$VDS_TEST_S3_SECRET_KEY\"}]}" >"$VDS_HOME/config.json")
}
if [ -n "${VDS_TEST_S3:-}" ]; then
	S3_PREFIX=store/
	s3_home
	(umask 077 && printf 'machine 127.0.0.1 login %s password %s\n' \
		"$VDS_TEST_S3_ACCESS_KEY" "$VDS_TEST_S3_SECRET_KEY" >"$T/netrc")
fi

# is_s3: true when the default store is an S3 bucket
is_s3() { [ -n "${VDS_TEST_S3:-}" ]; }

# s3curl METHOD KEY [CURL ARGS...]: one signed request for KEY of the store
s3curl() {
	_m=$1 _k=$2; shift 2
	curl -sS -X "$_m" --netrc-file "$T/netrc" --aws-sigv4 "aws:amz:$VDS_TEST_S3_REGION:s3" \
		-H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$@" \
		"$VDS_TEST_S3_ENDPOINT/$VDS_TEST_S3_BUCKET/$S3_PREFIX$_k"
}

# s3keys PREFIX: "KEY SIZE" for every key below PREFIX of the store
s3keys() {
	_p=$(printf '%s' "$S3_PREFIX$1" | sed 's|/|%2F|g')
	curl -sS --netrc-file "$T/netrc" --aws-sigv4 "aws:amz:$VDS_TEST_S3_REGION:s3" \
		-H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
		"$VDS_TEST_S3_ENDPOINT/$VDS_TEST_S3_BUCKET/?list-type=2&prefix=$_p" |
		sed 's|<Contents>|\n|g' |
		sed -n 's|.*<Key>\([^<]*\)</Key>.*<Size>\([0-9]*\)</Size>.*|\1 \2|p' |
		sed "s|^$S3_PREFIX||"
}

# s3curl_bucket METHOD PATH: one signed request for PATH (a key and/or a
# query) from the bucket's root, whatever the store's prefix
s3curl_bucket() {
	curl -sS -f -X "$1" --netrc-file "$T/netrc" --aws-sigv4 "aws:amz:$VDS_TEST_S3_REGION:s3" \
		-H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$VDS_TEST_S3_ENDPOINT/$VDS_TEST_S3_BUCKET/$2"
}

# s3uploads: the number of unfinished multipart uploads in the bucket
s3uploads() { s3curl_bucket GET '?uploads=' | grep -o '<Upload>' | wc -l; }

# store_has KEY: true if the default store holds object KEY (or keys below KEY/)
store_has() {
	if is_s3; then [ -n "$(s3keys "$1" | grep -E "^$1(/| )" | head -n 1)" ]
	else [ -e "$VDS_HOME/store/$1" ]; fi
}

# store_ls PREFIX: child names below PREFIX/ of the default store, sorted
store_ls() {
	if is_s3; then s3keys "$1/" | sed "s|^$1/||; s|[/ ].*||" | sort -u
	else ls "$VDS_HOME/store/$1" 2>/dev/null; fi
}

# store_cat KEY: prints object KEY of the default store
store_cat() {
	if is_s3; then s3curl GET "$1" -f
	else cat "$VDS_HOME/store/$1"; fi
}

# store_put KEY FILE: writes FILE as object KEY of the default store
store_put() {
	if is_s3; then s3curl PUT "$1" -f -T "$2" -o /dev/null
	else mkdir -p "$(dirname "$VDS_HOME/store/$1")" && rm -f "$VDS_HOME/store/$1" &&
		cp "$2" "$VDS_HOME/store/$1"; fi
}

# store_put_record KEY: writes the metadata record read from standard input
# (JSON, or a change record's text starting "vds-changes 1") as object KEY
# of the default store the way vds writes records: with its checksum
# (vds-format(5)), which makes whatever text follows it reach the parser
store_put_record() {
	cat >"$T/.record.in"
	_z=0000000000000000000000000000000000000000000000000000000000000000
	if [ "$(head -n 1 "$T/.record.in")" = "vds-changes 1" ]; then
		{ echo "vds-changes 2 $_z"; tail -n +2 "$T/.record.in"; } >"$T/.record"
	elif [ "$(head -c 1 "$T/.record.in")" = "{" ]; then
		_c=,
		[ "$(tail -c +2 "$T/.record.in" | tr -d ' \t\n' | head -c 1)" != "}" ] || _c=
		{ printf '{"sum":"%s"%s' "$_z" "$_c"; tail -c +2 "$T/.record.in"; } >"$T/.record"
	else
		{ printf '{"sum":"%s"}' "$_z"; cat "$T/.record.in"; } >"$T/.record"
	fi
	_s=$(sha256sum "$T/.record" | cut -c 1-64)
	sed -i "0,/$_z/s//$_s/" "$T/.record"
	store_put "$1" "$T/.record"
}

# store_rm KEY: removes object KEY (or every key below KEY/) of the default store
store_rm() {
	if is_s3; then
		for _k in $(s3keys "$1" | grep -E "^$1(/| )" | cut -d' ' -f1); do
			s3curl DELETE "$_k" -f -o /dev/null
		done
	else rm -rf "$VDS_HOME/store/$1"; fi
}

# store_bytes: total size of content objects in the default store
store_bytes() {
	if is_s3; then s3keys objects/ | awk '{ n += $2 } END { print n + 0 }'
	else du -sb "$VDS_HOME/store/objects" | cut -f1; fi
}

# object_key HEX: the key of content HEX ("objects/ab/cdef...")
object_key() { echo "objects/$(echo "$1" | cut -c1-2)/$(echo "$1" | cut -c3-)"; }

# httpd_start ROOT: serves folder ROOT on 127.0.0.1 with tests/import/httpd
# (routes in its header comment) until the test ends; sets HTTP to its base
# URL and HTTP_LOG to its request log ("METHOD TARGET RANGE STATUS" lines)
httpd_start() {
	: "${VDS_HTTPD:?VDS_HTTPD must name the test HTTP server}"
	"$VDS_HTTPD" --root "$1" --port-file "$T/httpd.port" --log "$T/httpd.log" &
	httpd_pid=$!
	trap 'kill "$httpd_pid" 2>/dev/null; chmod -R u+rwX "$T" 2>/dev/null; rm -rf "$T"' EXIT
	i=0
	while [ ! -s "$T/httpd.port" ] && [ $i -lt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	HTTP="http://127.0.0.1:$(cat "$T/httpd.port")"
	HTTP_LOG="$T/httpd.log"
}

# ---- SIGKILL campaigns (t11, t24) ---------------------------------------------
# rnd N: a random number in [0, N)
rnd() { echo $(($(od -An -N4 -tu4 /dev/urandom | tr -d ' ') % $1)); }
# now_ms: milliseconds since the epoch
now_ms() { echo $(($(date +%s%N) / 1000000)); }
# killed_run MS CMD...: runs vds CMD and kills it with SIGKILL after MS
# milliseconds; counts kills in $kills and completions in $completed, and
# leaves the status of a completed run in $krc
kills=0 completed=0 krc=0
killed_run() {
	_ms=$1; shift
	_ms=$((_ms + 1)) # timeout 0 would mean no timeout
	timeout -s KILL "$(printf '%d.%03d' $((_ms / 1000)) $((_ms % 1000)))" "$VDS_BIN" "$@" \
		>/dev/null 2>&1
	krc=$?
	if [ $krc = 137 ]; then kills=$((kills + 1)); return 1; fi
	completed=$((completed + 1))
	return 0
}
# aimed_kill SPANVAR CMD...: killed_run after a random delay below $SPANVAR ms,
# then shortens the span if the run finished first, else lengthens it, so
# that most runs die, at moments spread over the whole run; returns 1 if
# the run was killed
aimed_kill() {
	_var=$1; shift
	eval "_span=\$$_var"
	if killed_run "$(rnd "$_span")" "$@"; then
		eval "$_var=$((_span * 2 / 3 + 1))"
		return 0
	fi
	eval "$_var=$((_span * 9 / 8 + 1))"
	return 1
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_fail" -eq 0 ]
	exit $?
}
