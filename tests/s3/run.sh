#!/bin/sh
# run.sh - runs one test script against a real S3 server of its own.
#
#   tests/s3/run.sh KIND TEST
#
# KIND is rgw (Ceph radosgw, tests/s3/rgw.sh) or swift (OpenStack Swift with
# s3api, tests/s3/swift.sh); TEST is a test script's path relative to
# $VDS_SRCDIR (the source tree; default: the one holding this script), for
# instance tests/cli/t04-versions.sh.
#
# When KIND's packages are not installed this prints the TAP plan
# "1..0 # SKIP ... not installed (tests/s3/KIND.sh install)" and exits 0.
# Otherwise it starts a server in a new folder under ${VDS_S3_TMP:-/tmp}
# (kept short: the server's unix sockets live there), runs
# `sh "$VDS_SRCDIR/TEST"` with
#
#   VDS_TEST_S3             KIND
#   VDS_TEST_S3_ENDPOINT    http://127.0.0.1:PORT
#   VDS_TEST_S3_ACCESS_KEY  VDS_TEST_S3_SECRET_KEY
#   VDS_TEST_S3_REGION      us-east-1
#   VDS_TEST_S3_BUCKET      an empty bucket (vds-test)
#   VDS_TEST_S3_DIR         the server's folder (radosgw-admin -c DIR/ceph.conf)
#
# in its environment, passes its output through and exits with its status.
# With VDS_TEST_BUDGET_S3 set (percent), the test's VDS_TEST_BUDGET is that
# instead: the sanitizer pass of "./quickstart check" gives the S3 copies
# of the randomised scripts a smaller share than the local ones (HACKING:
# "The CI run").
# With VDS_TEST_SECRETS set (make check sets it) the server's secret key is
# added to that file, never printed: "./quickstart check" makes sure that no
# log shows it.
# The server is stopped when the test ends or this script is interrupted.
# If the server does not start: "Bail out! could not start KIND: REASON",
# exit 1 (the server's log tail goes to stderr).
#
# With VDS_S3_SERVERS set to a folder holding KIND/env, a server started
# there with "tests/s3/KIND.sh start VDS_S3_SERVERS/KIND" ("./quickstart
# check" starts one of each for all the scripts of both suites), no server
# is started: the test gets a new bucket of its own on that one
# (VDS_TEST_S3_DIR is the shared folder), and on radosgw the bucket and
# everything in it is removed when the test ends.

set -u
if [ $# != 2 ]; then
	echo "usage: $0 rgw|swift TEST" >&2
	exit 2
fi
kind=$1 test=$2
here=$(cd "$(dirname "$0")" && pwd)
: "${VDS_SRCDIR:=$(cd "$here/../.." && pwd)}"
export VDS_SRCDIR
case $kind in
rgw) what=radosgw ;;
swift) what=swift ;;
*) echo "$0: unknown server '$kind' (rgw or swift)" >&2; exit 2 ;;
esac
server="$here/$kind.sh"

if ! sh "$server" available; then
	echo "1..0 # SKIP $what is not installed (tests/s3/$kind.sh install)"
	exit 0
fi

dir=
err=
child=
shared= sbucket=
cleanup() {
	if [ -n "$sbucket" ] && [ "$kind" = rgw ]; then
		# the test's bucket and those it named after it (t08's quota bucket)
		for _b in $(radosgw-admin -c "$shared/ceph.conf" bucket list 2>/dev/null |
			sed -n "s/^ *\"\($sbucket[a-z0-9.-]*\)\",\{0,1\}\$/\1/p"); do
			radosgw-admin -c "$shared/ceph.conf" bucket rm --bucket="$_b" --purge-objects \
				--bypass-gc >/dev/null 2>&1 ||
				echo "run.sh: bucket $_b could not be removed" >&2
		done
	fi
	sbucket=
	if [ -n "$dir" ]; then
		[ ! -f "$dir/.vds-s3" ] || sh "$server" stop "$dir" >&2
		rmdir "$dir" 2>/dev/null
		dir=
	fi
	[ -z "$err" ] || rm -f "$err"
	err=
}
# on_signal STATUS: ends the test, stops the server, exits with STATUS
on_signal() {
	if [ -n "$child" ]; then
		kill -TERM "$child" 2>/dev/null
		wait "$child"
	fi
	cleanup
	exit "$1"
}
trap cleanup EXIT
trap 'on_signal 129' HUP
trap 'on_signal 130' INT
trap 'on_signal 143' TERM

bail() {
	echo "Bail out! could not start $kind: $1"
	exit 1
}

S3_ENDPOINT='' S3_ACCESS_KEY='' S3_SECRET_KEY='' S3_REGION='' S3_BUCKET=''
if [ -n "${VDS_S3_SERVERS:-}" ] && [ -f "$VDS_S3_SERVERS/$kind/env" ]; then
	shared=$(cd "$VDS_S3_SERVERS/$kind" && pwd -P) || bail "cannot enter $VDS_S3_SERVERS/$kind"
	. "$shared/env"
	S3_BUCKET=vds-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
	# a signed PUT of the bucket; the keys in the URL, as Swift's
	# ACCOUNT:USER access key holds a colon that --user would split at
	_ak=$(printf %s "$S3_ACCESS_KEY" | sed 's/:/%3A/g')
	_code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 -X PUT \
		-H 'Content-Length: 0' -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' \
		--aws-sigv4 "aws:amz:$S3_REGION:s3" \
		"http://$_ak:$S3_SECRET_KEY@${S3_ENDPOINT#http://}/$S3_BUCKET")
	[ "$_code" = 200 ] || bail "creating bucket $S3_BUCKET on $S3_ENDPOINT: HTTP $_code"
	sbucket=$S3_BUCKET
	echo "# $kind at $S3_ENDPOINT (shared), bucket $S3_BUCKET" >&2
	VDS_TEST_S3_DIR=$shared
else
	base=${VDS_S3_TMP:-/tmp}
	mkdir -p "$base" || bail "cannot make $base"
	dir=$(mktemp -d "$base/vds-s3.XXXXXX") || { dir=; bail "cannot make a folder in $base"; }
	err=$(mktemp "$base/vds-s3.err.XXXXXX") || { err=; bail "cannot make a file in $base"; }
	if ! sh "$server" start "$dir" >/dev/null 2>"$err"; then
		cat "$err" >&2
		why=$(tail -n 1 "$err")
		bail "${why#"$kind.sh: "}"
	fi
	cat "$err" >&2
	. "$dir/env"
	VDS_TEST_S3_DIR=$dir
fi
if [ -n "${VDS_TEST_SECRETS:-}" ] && [ -n "$S3_SECRET_KEY" ]; then
	mkdir -p "$(dirname "$VDS_TEST_SECRETS")"
	grep -qsxF -e "$S3_SECRET_KEY" "$VDS_TEST_SECRETS" ||
		(umask 077 && printf '%s\n' "$S3_SECRET_KEY" >>"$VDS_TEST_SECRETS")
fi
VDS_TEST_S3=$kind
VDS_TEST_S3_ENDPOINT=$S3_ENDPOINT
VDS_TEST_S3_ACCESS_KEY=$S3_ACCESS_KEY
VDS_TEST_S3_SECRET_KEY=$S3_SECRET_KEY
VDS_TEST_S3_REGION=$S3_REGION
VDS_TEST_S3_BUCKET=$S3_BUCKET
export VDS_TEST_S3 VDS_TEST_S3_ENDPOINT VDS_TEST_S3_ACCESS_KEY VDS_TEST_S3_SECRET_KEY \
	VDS_TEST_S3_REGION VDS_TEST_S3_BUCKET VDS_TEST_S3_DIR
if [ -n "${VDS_TEST_BUDGET_S3:-}" ]; then
	VDS_TEST_BUDGET=$VDS_TEST_BUDGET_S3
	export VDS_TEST_BUDGET
fi

# in the background, so that a signal reaches the trap at once
sh "$VDS_SRCDIR/$test" 0<&0 &
child=$!
wait "$child"
status=$?
child=
exit $status
