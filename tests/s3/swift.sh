#!/bin/sh
# swift.sh - a private, real S3 server for the tests: OpenStack Swift with
# its s3api and tempauth middlewares.
#
# A proxy, an account, a container and an object server (one process each,
# workers = 0) and a memcached, all on 127.0.0.1, from the Debian packages
# swift, swift-proxy, swift-object, swift-container, swift-account,
# python3-swift and memcached. It starts in a few seconds and uses about
# 270 MB; objects are files under DIR/node.
#
#   swift.sh install     apt-get install the packages unless present (as root)
#   swift.sh available   exit 0 if they are installed, else 1
#   swift.sh start DIR   start a server living in DIR (absent or empty, at
#                        most 70 bytes long, on a file system with user
#                        xattrs), create the bucket, wait until S3 answers,
#                        then print these lines and write them to DIR/env
#                        (sh-sourceable):
#                          S3_ENDPOINT=http://127.0.0.1:PORT
#                          S3_ACCESS_KEY=test:tester
#                          S3_SECRET_KEY=testing
#                          S3_REGION=us-east-1
#                          S3_BUCKET=vds-test
#                        If it fails, nothing is left running and DIR/log stays.
#   swift.sh stop DIR    stop the processes named in DIR/pids (each checked by
#                        pid and start time), wait for them, remove DIR
#
# Environment: S3_BUCKET (vds-test), S3_START_TIMEOUT (60 seconds).
# Unlike AWS and radosgw: the region in a signature must be us-east-1;
# conditional PUTs (If-None-Match, If-Match) get 501 Not Implemented;
# DeleteObjects wants a Content-MD5. The access key holds a colon: with
# libcurl pass it as CURLOPT_USERNAME, not inside CURLOPT_USERPWD.
# Requests must carry an x-amz-content-sha256 header.

set -u
me=swift.sh
PY=/usr/bin/python3    # the system's python, which has the swift modules
ACCESS_KEY=test:tester
SECRET_KEY=testing

say() { printf '%s: %s\n' "$me" "$*" >&2; }

installed() {
	[ -x /usr/bin/memcached ] && command -v curl >/dev/null 2>&1 &&
		"$PY" -c 'import swift.common.middleware.s3api.s3api' 2>/dev/null
}

install() {
	installed && return 0
	[ "$(id -u)" = 0 ] || { say "run as root to install swift and memcached"; return 1; }
	# a policy-rc.d that says no keeps the packages from starting services
	_prc=/usr/sbin/policy-rc.d _made=
	if [ ! -e $_prc ]; then
		printf '#!/bin/sh\nexit 101\n' >$_prc && chmod 755 $_prc && _made=1
	fi
	_rc=0
	DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
			swift swift-proxy swift-object swift-container swift-account \
			python3-swift memcached curl >&2 || _rc=$?
	[ -z "$_made" ] || rm -f $_prc
	return $_rc
}

# ---- processes: DIR/pids holds "PID STARTTIME NAME" lines ----

# starttime PID: prints the start time of a running (not zombie) process
starttime() {
	_s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	_s=${_s##*) }
	# shellcheck disable=SC2086 # the fields after "(comm) "
	set -- $_s
	[ "$1" != Z ] && echo "${20}"
}

# ours PID STARTTIME: true while that very process runs
ours() { [ "$(starttime "$1")" = "$2" ]; }

# spawn NAME CMD...: starts CMD in the background (output in log/NAME.log)
spawn() {
	_n=$1; shift
	_p=$("$@" </dev/null >"$dir/log/$_n.log" 2>&1 & echo $!)
	_st=$(starttime "$_p") || _st=gone
	echo "$_p $_st $_n" >>"$dir/pids"
}

# alive: true if every process started is still running
alive() {
	while read -r _p _st _n; do
		ours "$_p" "$_st" || { why="$_n exited"; return 1; }
	done <"$dir/pids"
}

# stop_all DIR: stops DIR's processes: TERM, up to 5 s, then KILL
stop_all() {
	[ -f "$1/pids" ] || return 0
	while read -r _p _st _n; do
		ours "$_p" "$_st" && kill -TERM "$_p" 2>/dev/null
	done <"$1/pids"
	_i=0
	while [ $_i -lt 100 ]; do
		_left=
		while read -r _p _st _n; do
			ours "$_p" "$_st" && _left=1
		done <"$1/pids"
		[ -n "$_left" ] || break
		sleep 0.05
		_i=$((_i + 1))
	done
	while read -r _p _st _n; do
		ours "$_p" "$_st" || continue
		kill -KILL "$_p" 2>/dev/null
		while ours "$_p" "$_st"; do sleep 0.05; done
	done <"$1/pids"
	rm -f "$1/pids"
}

# ports N: prints N random TCP ports (20000-31999, below the ephemeral
# range) that no socket of this machine uses now
ports() {
	_used=$(cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk '{ sub(/.*:/, "", $2); print $2 }')
	_out=
	_k=$1
	while [ "$_k" -gt 0 ]; do
		_r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
		_port=$((20000 + _r % 12000))
		case " $_out " in *" $_port "*) continue ;; esac
		printf '%s\n' "$_used" | grep -qx "$(printf '%04X' $_port)" && continue
		_out="$_out $_port"
		_k=$((_k - 1))
	done
	echo "${_out# }"
}

late() { [ "$(date +%s)" -ge "$deadline" ]; }

# died: sets why, returns 3 when a port was taken meanwhile (start again)
died() {
	grep -qs -e 'Address already in use' -e 'Could not bind' "$dir"/log/* &&
		{ why="$why: port in use"; return 3; }
	return 1
}

# code SECONDS URL [CURL-ARGS...]: prints the HTTP status of a request
# (000: no answer within SECONDS)
code() {
	_t=$1 _u=$2; shift 2
	curl -s -o "$dir/log/curl.out" -w '%{http_code}' --max-time "$_t" "$@" "$_u"
}

start_once() {
	# shellcheck disable=SC2046 # one word a port
	set -- $(ports 5)
	pport=$1 aport=$2 cport=$3 oport=$4 mport=$5
	endpoint=http://127.0.0.1:$pport
	mkdir -p "$dir/etc" "$dir/node/d1" "$dir/log" || return 1
	cat >"$dir/etc/swift.conf" <<EOF
[swift-hash]
swift_hash_path_suffix = vds-test
swift_hash_path_prefix = vds-test

[storage-policy:0]
name = Policy-0
default = yes

[swift-constraints]
# S3 allows 2 KB of user metadata; Swift's default of 256 bytes a value
# makes s3api answer 500 to a longer x-amz-meta-* header
max_meta_value_length = 2048
EOF
	for _s in account container object; do
		case $_s in account) _port=$aport ;; container) _port=$cport ;; object) _port=$oport ;; esac
		cat >"$dir/etc/$_s-server.conf" <<EOF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $_port
bind_timeout = 2
workers = 0
user = $(id -un)
swift_dir = $dir/etc
devices = $dir/node
mount_check = false
disable_fallocate = true
log_level = WARNING

[pipeline:main]
pipeline = $_s-server

[app:$_s-server]
use = egg:swift#$_s
EOF
	done
	cat >"$dir/etc/proxy-server.conf" <<EOF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $pport
bind_timeout = 2
workers = 0
user = $(id -un)
swift_dir = $dir/etc
log_level = WARNING

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk s3api tempauth copy slo dlo versioned_writes symlink proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
allow_account_management = true

[filter:s3api]
use = egg:swift#s3api
location = us-east-1
# as S3: up to 10000 parts, 1000 keys per DeleteObjects
max_upload_part_num = 10000
max_multi_delete_objects = 1000

[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = testing .admin

[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$mport

[filter:slo]
use = egg:swift#slo
max_manifest_segments = 10000

[filter:versioned_writes]
use = egg:swift#versioned_writes
allow_object_versioning = true

[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:bulk]
use = egg:swift#bulk
[filter:copy]
use = egg:swift#copy
[filter:dlo]
use = egg:swift#dlo
[filter:symlink]
use = egg:swift#symlink
EOF
	# serve.py CONF NAME: runs one server with DIR/etc/swift.conf (not
	# /etc/swift's) and its log on stderr instead of syslog
	cat >"$dir/etc/serve.py" <<'EOF'
import logging, os, sys
import swift.common.utils as utils
utils.SWIFT_CONF_FILE = os.path.join(os.path.dirname(sys.argv[1]), 'swift.conf')
class NoSyslog(logging.NullHandler):
    def __init__(self, *args, **kwargs):
        logging.NullHandler.__init__(self)
utils.ThreadSafeSysLogHandler = NoSyslog
from swift.common.wsgi import run_wsgi
sys.exit(run_wsgi(sys.argv[1], sys.argv[2], verbose=True))
EOF
	# rings of one device each: 2^6 partitions, one replica
	"$PY" - "$dir/etc" "$aport" "$cport" "$oport" >"$dir/log/rings.log" 2>&1 <<'EOF' ||
import sys
from swift.common.ring import RingBuilder
for kind, port in zip(('account', 'container', 'object'), sys.argv[2:5]):
    b = RingBuilder(6, 1, 1)
    b.add_dev({'id': 0, 'region': 1, 'zone': 1, 'ip': '127.0.0.1',
               'port': int(port), 'device': 'd1', 'weight': 1.0, 'meta': ''})
    b.rebalance()
    b.get_ring().save('%s/%s.ring.gz' % (sys.argv[1], kind))
EOF
		{ why="making the rings failed"; return 1; }
	if [ "$(id -u)" = 0 ]; then
		spawn memcached /usr/bin/memcached -l 127.0.0.1 -p "$mport" -U 0 -m 64 -u nobody
	else
		spawn memcached /usr/bin/memcached -l 127.0.0.1 -p "$mport" -U 0 -m 64
	fi
	for _s in account container object proxy; do
		spawn "$_s" "$PY" "$dir/etc/serve.py" "$dir/etc/$_s-server.conf" "$_s-server"
	done
	# up when the proxy's healthcheck answers and every server takes connections
	while sleep 0.1; do
		alive || { died; return; }
		_ok=1
		[ "$(code 2 "$endpoint/healthcheck")" = 200 ] || _ok=
		for _port in $aport $cport $oport; do
			[ "$(code 2 "http://127.0.0.1:$_port/")" != 000 ] || _ok=
		done
		[ -n "$_ok" ] && break
		late && { why="the servers do not answer"; return 1; }
	done
	# through s3api, tempauth and memcached: make the bucket (the colon of
	# the access key goes escaped into the URL)
	while :; do
		_code=$(code 10 "http://test%3Atester:$SECRET_KEY@127.0.0.1:$pport/$bucket" -X PUT \
			-H 'Content-Length: 0' -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' \
			--aws-sigv4 aws:amz:us-east-1:s3)
		[ "$_code" = 200 ] && break
		alive || { died; return; }
		late && { why="creating bucket $bucket: HTTP $_code"; return 1; }
		sleep 0.2
	done
}

start() {
	_t0=$(date +%s%N)
	installed || { say "swift is not installed ($0 install)"; return 1; }
	bucket=${S3_BUCKET:-vds-test}
	case $bucket in *[!a-z0-9.-]* | ?? | ? | -* | .*)
		say "bad bucket name '$bucket'"; return 1 ;;
	esac
	case $1 in /*) dir=$1 ;; *) dir=$PWD/$1 ;; esac
	[ ${#dir} -le 70 ] || { say "DIR is longer than 70 bytes: $dir"; return 1; }
	mkdir -p "$dir" && dir=$(cd "$dir" && pwd -P) || return 1
	[ ${#dir} -le 70 ] || { say "DIR is longer than 70 bytes: $dir"; return 1; }
	[ -z "$(ls -A "$dir")" ] || { say "$dir is not empty"; return 1; }
	echo swift >"$dir/.vds-s3"
	# Swift keeps object metadata in user xattrs (tmpfs has them only
	# since Linux 6.6)
	if ! "$PY" -c 'import os, sys; os.setxattr(sys.argv[1], "user.vds", b"1")' \
		"$dir/.vds-s3" 2>/dev/null; then
		say "$dir has no user xattrs: choose a DIR on ext4, xfs or btrfs"
		return 1
	fi
	deadline=$(($(date +%s) + ${S3_START_TIMEOUT:-60}))
	_try=1
	while :; do
		: >"$dir/pids"
		why=
		start_once && break
		_rc=$?
		stop_all "$dir"
		if [ $_rc = 3 ] && [ $_try -lt 3 ] && ! late; then
			# a port was taken between choosing and binding it: again
			(cd "$dir" && rm -rf etc node log)
			_try=$((_try + 1))
			continue
		fi
		for _f in "$dir"/log/*; do
			[ -s "$_f" ] && { echo "==> $_f"; tail -n 8 "$_f"; }
		done >&2
		say "${why:-start failed}"
		return 1
	done
	cat >"$dir/env" <<EOF
S3_ENDPOINT=$endpoint
S3_ACCESS_KEY=$ACCESS_KEY
S3_SECRET_KEY=$SECRET_KEY
S3_REGION=us-east-1
S3_BUCKET=$bucket
EOF
	cat "$dir/env"
	_ms=$((($(date +%s%N) - _t0) / 1000000))
	say "ready in $((_ms / 1000)).$(printf %03d $((_ms % 1000))) s at $endpoint"
}

stop() {
	[ -d "$1" ] || return 0
	[ -f "$1/.vds-s3" ] || { say "$1 was not made by '$me start': left alone"; return 1; }
	stop_all "$1"
	rm -rf "$1"
}

case ${1:-} in
install) install ;;
available) installed ;;
start) [ $# = 2 ] || { echo "usage: $0 start DIR" >&2; exit 2; }; start "$2" ;;
stop) [ $# = 2 ] || { echo "usage: $0 stop DIR" >&2; exit 2; }; stop "$2" ;;
*) echo "usage: $0 install | available | start DIR | stop DIR" >&2; exit 2 ;;
esac
