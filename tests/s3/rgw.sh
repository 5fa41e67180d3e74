#!/bin/sh
# rgw.sh - a private, real S3 server for the tests: Ceph's RADOS Gateway.
#
# One monitor, one OSD that keeps its data in RAM (memstore), no manager and
# no authentication inside the cluster, and radosgw in front of them, all on
# 127.0.0.1, from the Debian packages radosgw, ceph-mon and ceph-osd.
# It starts in a few seconds and uses about 200 MB plus the data it holds.
#
#   rgw.sh install     apt-get install the packages unless present (as root)
#   rgw.sh available   exit 0 if they are installed, else 1
#   rgw.sh start DIR   start a server living in DIR (absent or empty; at most
#                      70 bytes long, since its unix sockets are made there),
#                      create the S3 user and the bucket, wait until S3
#                      answers, then print these lines and write them to
#                      DIR/env (sh-sourceable):
#                        S3_ENDPOINT=http://127.0.0.1:PORT
#                        S3_ACCESS_KEY=...
#                        S3_SECRET_KEY=...
#                        S3_REGION=us-east-1
#                        S3_BUCKET=vds-test
#                      If it fails, nothing is left running and DIR/log stays.
#   rgw.sh stop DIR    stop the processes named in DIR/pids (each checked by
#                      pid and start time), wait for them, remove DIR
#
# Environment: S3_BUCKET (vds-test), S3_RGW_MEM_MB (1024: the size of the
# OSD's store in RAM), S3_START_TIMEOUT (60 seconds).
# While it runs: radosgw-admin -c DIR/ceph.conf ... (for instance
# `gc process --include-all` frees the RAM of deleted objects at once).
# Requests must carry an x-amz-content-sha256 header, and a PUT without a body
# a Content-Length: 0 header.
# The commands, DIR/pids and the waiting are server.sh's, shared with swift.sh.

# shellcheck source=server.sh source-path=SCRIPTDIR
. "$(dirname "$0")/server.sh"

ACCESS_KEY=VDSTESTACCESSKEY0001
SECRET_KEY=vdstestsecretkey000000000000000000000001

installed() {
	for _c in radosgw radosgw-admin ceph ceph-mon ceph-osd monmaptool curl; do
		command -v "$_c" >/dev/null 2>&1 || return 1
	done
}

install() { install_packages radosgw ceph-mon ceph-osd curl; }

# cephc [-t SECONDS] ARGS...: the ceph command on this cluster
cephc() {
	_t=10
	[ "${1:-}" != -t ] || { _t=$2; shift 2; }
	ceph -c "$dir/ceph.conf" --connect-timeout "$_t" "$@"
}

# s3 METHOD PATH [CURL-ARGS...]: a signed request; prints the HTTP status
s3() {
	_m=$1 _path=$2; shift 2
	code 30 "$endpoint$_path" -X "$_m" \
		--aws-sigv4 aws:amz:us-east-1:s3 --user "$ACCESS_KEY:$SECRET_KEY" \
		-H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' "$@"
}

# mon_up, osd_up, rgw_up, bucket_made: wait_for's tests of the steps
mon_up() { [ "$(cephc -t 3 osd new "$osduuid" 2>/dev/null)" = 0 ]; }
osd_up() { cephc -t 3 osd stat 2>/dev/null | grep -q ' 1 up'; }
rgw_up() { [ "$(code 2 "$endpoint/")" = 200 ]; }
bucket_made() {
	_code=$(s3 PUT "/$bucket" -H 'Content-Length: 0')
	[ "$_code" = 200 ] || fail "creating bucket $bucket: HTTP $_code"
}

# start_once DIR BUCKET: see server.sh
start_once() {
	dir=$1 bucket=$2
	# shellcheck disable=SC2046 # one word a port
	set -- $(ports 2)
	mport=$1 port=$2
	endpoint=http://127.0.0.1:$port
	fsid=$(cat /proc/sys/kernel/random/uuid)
	osduuid=$(cat /proc/sys/kernel/random/uuid)
	mkdir -p "$dir/run" "$dir/log" "$dir/mon.a" "$dir/osd.0" "$dir/rgw" || return 1
	cat >"$dir/ceph.conf" <<EOF
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$mport
mon initial members = a
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind msgr1 = false
ms bind ipv6 = false
ms bind retry count = 1
ms bind retry delay = 1
# no cephx inside this private cluster ("secure" mode would need it)
auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc secure
ms client mode = crc secure
keyring = $dir/keyring
run dir = $dir/run
admin socket = $dir/run/\$name.\$pid.asok
# one OSD: pools of one copy, few placement groups
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
mon warn on pool no redundancy = false
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon max pg per osd = 1000
# never stop for a full disk: the data is in RAM
mon data avail crit = 0
mon data avail warn = 1
[mon]
mon data = $dir/mon.\$id
log file = $dir/log/\$name.log
mon cluster log to file = false
# commit map changes (pool creation) every 50 ms, not every second
paxos propose interval = 0.05
paxos min wait = 0.01
[osd]
osd data = $dir/osd.\$id
log file = $dir/log/\$name.log
osd objectstore = memstore
memstore device bytes = $((${S3_RGW_MEM_MB:-1024} * 1048576))
[client.rgw.a]
log file = $dir/log/\$name.log
rgw data = $dir/rgw
# without tcp_nodelay every response on a kept-alive connection waits ~40 ms
rgw frontends = beast endpoint=127.0.0.1:$port tcp_nodelay=1
rgw thread pool size = 64
EOF
	monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$mport]" \
		"$dir/monmap" >"$dir/log/monmap.out" 2>&1 || { fail "monmaptool failed"; return; }
	ceph-mon -c "$dir/ceph.conf" -i a --mkfs --monmap "$dir/monmap" \
		>"$dir/log/mkfs-mon.out" 2>&1 || { fail "ceph-mon --mkfs failed"; return; }
	spawn mon ceph-mon -c "$dir/ceph.conf" -i a -f
	wait_for "the monitor does not answer" mon_up || return
	# create radosgw's pools now, in one session, so the OSD makes their
	# placement groups as it boots (radosgw would make them one by one)
	for _pool in .rgw.root default.rgw.log default.rgw.control default.rgw.meta \
		default.rgw.buckets.index default.rgw.buckets.data default.rgw.buckets.non-ec; do
		echo "osd pool create $_pool 8 8"
		echo "osd pool application enable $_pool rgw"
	done | cephc >"$dir/log/pools.out" 2>&1 || { fail "creating the pools failed"; return; }
	ceph-osd -c "$dir/ceph.conf" -i 0 --mkfs --osd-uuid "$osduuid" \
		>"$dir/log/mkfs-osd.out" 2>&1 || { fail "ceph-osd --mkfs failed"; return; }
	spawn osd ceph-osd -c "$dir/ceph.conf" -i 0 -f
	wait_for "the OSD does not come up" osd_up || return
	spawn rgw radosgw -c "$dir/ceph.conf" -n client.rgw.a -f
	wait_for "radosgw does not answer" rgw_up || return
	radosgw-admin -c "$dir/ceph.conf" user create --uid=vds --display-name=vds \
		--access-key="$ACCESS_KEY" --secret-key="$SECRET_KEY" \
		>"$dir/log/user.out" 2>&1 || { fail "radosgw-admin user create failed"; return; }
	wait_for "creating bucket $bucket" bucket_made || return
	# the first object written makes radosgw set up the data pool (~2 s):
	# pay for it here rather than in a test
	_code=$(s3 PUT "/$bucket/.vds-warmup" --data-binary warmup)
	[ "$_code" = 200 ] || { fail "first PUT: HTTP $_code"; return; }
	s3 DELETE "/$bucket/.vds-warmup" >/dev/null
	ready "$endpoint" "$ACCESS_KEY" "$SECRET_KEY"
}

# newest first: radosgw and the OSD exit quickly only while the monitor
# still answers
main rgw radosgw newest-first "$@"

