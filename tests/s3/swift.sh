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
#                          S3_SECRET_KEY=vdstestswiftsecret0000000000000000000001
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
# The commands, DIR/pids and the waiting are server.sh's, shared with rgw.sh.

# shellcheck source=server.sh source-path=SCRIPTDIR
. "$(dirname "$0")/server.sh"

PY=/usr/bin/python3    # the system's python, which has the swift modules
ACCESS_KEY=test:tester
SECRET_KEY=vdstestswiftsecret0000000000000000000001

installed() {
	[ -x /usr/bin/memcached ] && command -v curl >/dev/null 2>&1 &&
		"$PY" -c 'import swift.common.middleware.s3api.s3api' 2>/dev/null
}

install() {
	install_packages swift swift-proxy swift-object swift-container swift-account \
		python3-swift memcached curl
}

# servers_up: true when the proxy's healthcheck answers and every server
# takes connections
servers_up() {
	[ "$(code 2 "$endpoint/healthcheck")" = 200 ] || return 1
	for _port in $aport $cport $oport; do
		[ "$(code 2 "http://127.0.0.1:$_port/")" != 000 ] || return 1
	done
}

# bucket_made: true once PUT BUCKET went through s3api, tempauth and
# memcached (the colon of the access key goes escaped into the URL)
bucket_made() {
	_code=$(code 10 "http://${ACCESS_KEY%%:*}%3A${ACCESS_KEY#*:}:$SECRET_KEY@127.0.0.1:$pport/$bucket" \
		-X PUT -H 'Content-Length: 0' -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' \
		--aws-sigv4 aws:amz:us-east-1:s3)
	[ "$_code" = 200 ] || fail "creating bucket $bucket: HTTP $_code"
}

# start_once DIR BUCKET: see server.sh
start_once() {
	dir=$1 bucket=$2
	# Swift keeps object metadata in user xattrs (tmpfs has them only
	# since Linux 6.6)
	"$PY" -c 'import os, sys; os.setxattr(sys.argv[1], "user.vds", b"1")' \
		"$dir/.vds-s3" 2>/dev/null ||
		{ fail "$dir has no user xattrs: choose a DIR on ext4, xfs or btrfs"; return; }
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
user_test_tester = $SECRET_KEY .admin

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
		{ fail "making the rings failed"; return; }
	if [ "$(id -u)" = 0 ]; then
		spawn memcached /usr/bin/memcached -l 127.0.0.1 -p "$mport" -U 0 -m 64 -u nobody
	else
		spawn memcached /usr/bin/memcached -l 127.0.0.1 -p "$mport" -U 0 -m 64
	fi
	for _s in account container object proxy; do
		spawn "$_s" "$PY" "$dir/etc/serve.py" "$dir/etc/$_s-server.conf" "$_s-server"
	done
	wait_for "the servers do not answer" servers_up || return
	wait_for "creating bucket $bucket" bucket_made || return
	ready "$endpoint" "$ACCESS_KEY" "$SECRET_KEY"
}

main swift swift together "$@"

