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
trap 'chmod -R u+rwX "$T" 2>/dev/null; rm -rf "$T"' EXIT
export VDS_HOME="$T/home" HOME="$T/userhome" TZ=UTC LC_ALL=C.UTF-8
unset XDG_CONFIG_HOME XDG_DATA_HOME XDG_CACHE_HOME VDS_DATADIR
mkdir -p "$HOME"
TEST_TIMEOUT=${TEST_TIMEOUT:-120}
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

# store_bytes: total size of content objects in the default store
store_bytes() { du -sb "$VDS_HOME/store/objects" | cut -f1; }

done_testing() {
	echo "1..$tap_n"
	[ "$tap_fail" -eq 0 ]
	exit $?
}
