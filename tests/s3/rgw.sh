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

set -u
me=rgw.sh
ACCESS_KEY=VDSTESTACCESSKEY0001
SECRET_KEY=vdstestsecretkey000000000000000000000001

say() { printf '%s: %s\n' "$me" "$*" >&2; }

installed() {
	for _c in radosgw radosgw-admin ceph ceph-mon ceph-osd monmaptool curl; do
		command -v "$_c" >/dev/null 2>&1 || return 1
	done
}

install() {
	installed && return 0
	[ "$(id -u)" = 0 ] || { say "run as root to install radosgw ceph-mon ceph-osd"; return 1; }
	# a policy-rc.d that says no keeps the packages from starting services
	_prc=/usr/sbin/policy-rc.d _made=
	if [ ! -e $_prc ]; then
		printf '#!/bin/sh\nexit 101\n' >$_prc && chmod 755 $_prc && _made=1
	fi
	_rc=0
	DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends radosgw ceph-mon ceph-osd curl >&2 || _rc=$?
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

# spawn NAME CMD...: starts CMD in the background (output in log/NAME.out)
spawn() {
	_n=$1; shift
	_p=$("$@" </dev/null >"$dir/log/$_n.out" 2>&1 & echo $!)
	_st=$(starttime "$_p") || _st=gone
	echo "$_p $_st $_n" >>"$dir/pids"
}

# alive: true if every process started is still running
alive() {
	while read -r _p _st _n; do
		ours "$_p" "$_st" || { why="$_n exited"; return 1; }
	done <"$dir/pids"
}

# stop_all DIR: stops DIR's processes, newest first, each before the next
# (radosgw and the OSD exit quickly only while the monitor still answers)
stop_all() {
	[ -f "$1/pids" ] || return 0
	tac "$1/pids" | while read -r _p _st _n; do
		ours "$_p" "$_st" || continue
		kill -TERM "$_p" 2>/dev/null
		_i=0
		while ours "$_p" "$_st" && [ $_i -lt 100 ]; do sleep 0.05; _i=$((_i + 1)); done
		ours "$_p" "$_st" || continue
		kill -KILL "$_p" 2>/dev/null
		while ours "$_p" "$_st"; do sleep 0.05; done
	done
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
	grep -qs 'Address already in use' "$dir"/log/* && { why="$why: port in use"; return 3; }
	return 1
}

# cephc [-t SECONDS] ARGS...: the ceph command on this cluster
cephc() {
	_t=10
	[ "${1:-}" != -t ] || { _t=$2; shift 2; }
	ceph -c "$dir/ceph.conf" --connect-timeout "$_t" "$@"
}

# s3 METHOD PATH [CURL-ARGS...]: a signed request; prints the HTTP status
s3() {
	_m=$1 _path=$2; shift 2
	curl -s -o "$dir/log/s3.out" -w '%{http_code}' --max-time 30 -X "$_m" \
		--aws-sigv4 aws:amz:us-east-1:s3 --user "$ACCESS_KEY:$SECRET_KEY" \
		-H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' "$@" "$endpoint$_path"
}

start_once() {
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
		"$dir/monmap" >"$dir/log/monmap.out" 2>&1 || { why="monmaptool failed"; return 1; }
	ceph-mon -c "$dir/ceph.conf" -i a --mkfs --monmap "$dir/monmap" \
		>"$dir/log/mkfs-mon.out" 2>&1 || { why="ceph-mon --mkfs failed"; return 1; }
	spawn mon ceph-mon -c "$dir/ceph.conf" -i a -f
	while sleep 0.1; do
		alive || { died; return; }
		[ "$(cephc -t 3 osd new "$osduuid" 2>/dev/null)" = 0 ] && break
		late && { why="the monitor does not answer"; return 1; }
	done
	# create radosgw's pools now, in one session, so the OSD makes their
	# placement groups as it boots (radosgw would make them one by one)
	for _pool in .rgw.root default.rgw.log default.rgw.control default.rgw.meta \
		default.rgw.buckets.index default.rgw.buckets.data default.rgw.buckets.non-ec; do
		echo "osd pool create $_pool 8 8"
		echo "osd pool application enable $_pool rgw"
	done | cephc >"$dir/log/pools.out" 2>&1 || { why="creating the pools failed"; return 1; }
	ceph-osd -c "$dir/ceph.conf" -i 0 --mkfs --osd-uuid "$osduuid" \
		>"$dir/log/mkfs-osd.out" 2>&1 || { why="ceph-osd --mkfs failed"; return 1; }
	spawn osd ceph-osd -c "$dir/ceph.conf" -i 0 -f
	while sleep 0.1; do
		alive || { died; return; }
		cephc -t 3 osd stat 2>/dev/null | grep -q ' 1 up' && break
		late && { why="the OSD does not come up"; return 1; }
	done
	spawn rgw radosgw -c "$dir/ceph.conf" -n client.rgw.a -f
	while sleep 0.1; do
		alive || { died; return; }
		[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$endpoint/")" = 200 ] && break
		late && { why="radosgw does not answer"; return 1; }
	done
	radosgw-admin -c "$dir/ceph.conf" user create --uid=vds --display-name=vds \
		--access-key="$ACCESS_KEY" --secret-key="$SECRET_KEY" \
		>"$dir/log/user.out" 2>&1 || { why="radosgw-admin user create failed"; return 1; }
	until _code=$(s3 PUT "/$bucket" -H 'Content-Length: 0') && [ "$_code" = 200 ]; do
		alive || { died; return; }
		late && { why="creating bucket $bucket: HTTP $_code"; return 1; }
		sleep 0.2
	done
	# the first object written makes radosgw set up the data pool (~2 s):
	# pay for it here rather than in a test
	_code=$(s3 PUT "/$bucket/.vds-warmup" --data-binary warmup)
	[ "$_code" = 200 ] || { why="first PUT: HTTP $_code"; return 1; }
	s3 DELETE "/$bucket/.vds-warmup" >/dev/null
}

start() {
	_t0=$(date +%s%N)
	installed || { say "radosgw is not installed ($0 install)"; return 1; }
	bucket=${S3_BUCKET:-vds-test}
	case $bucket in *[!a-z0-9.-]* | ?? | ? | -* | .*)
		say "bad bucket name '$bucket'"; return 1 ;;
	esac
	case $1 in /*) dir=$1 ;; *) dir=$PWD/$1 ;; esac
	[ ${#dir} -le 70 ] || { say "DIR is longer than 70 bytes (unix sockets live there): $dir"; return 1; }
	mkdir -p "$dir" && dir=$(cd "$dir" && pwd -P) || return 1
	[ ${#dir} -le 70 ] || { say "DIR is longer than 70 bytes (unix sockets live there): $dir"; return 1; }
	[ -z "$(ls -A "$dir")" ] || { say "$dir is not empty"; return 1; }
	echo rgw >"$dir/.vds-s3"
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
			(cd "$dir" && rm -rf run log mon.a osd.0 rgw monmap ceph.conf)
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
