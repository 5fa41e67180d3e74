# shellcheck shell=sh
# server.sh - the parts rgw.sh and swift.sh share: their commands (install,
# available, start DIR, stop DIR), the start and stop of a server's
# processes and the waiting for it. It is sourced, not run:
#
#   . "$(dirname "$0")/server.sh"
#
# The sourcing script defines these functions, then calls main last:
#
#   installed            true if the packages it needs are installed
#   install              installs them: install_packages PKG...
#   start_once DIR BUCKET
#                        makes and starts the server in DIR (which holds an
#                        empty DIR/pids) with spawn, waits for it with
#                        wait_for, makes BUCKET and ends with ready. On
#                        failure it returns 1 after fail REASON, or as died
#                        does (3: a port was taken meanwhile, start again)
#   main KIND WHAT STOP-ORDER ARGS...
#                        does the command in ARGS; KIND names the script
#                        (KIND.sh) and is written to DIR/.vds-s3, WHAT is the
#                        server's name in messages, STOP-ORDER how DIR's
#                        processes stop: newest-first (each before the next)
#                        or together
#
# DIR/pids holds a line "PID STARTTIME NAME" for each process started
# (STARTTIME from /proc/PID/stat, so that a PID reused by another process is
# left alone); DIR/log/NAME.out has its output.

set -u

say() { printf '%s: %s\n' "$me" "$*" >&2; }

# install_packages PKG...: apt-get installs the packages unless installed
install_packages() {
	installed && return 0
	[ "$(id -u)" = 0 ] || { say "run as root to install $*"; return 1; }
	# a policy-rc.d that says no keeps the packages from starting services
	_prc=/usr/sbin/policy-rc.d _made=
	if [ ! -e $_prc ]; then
		printf '#!/bin/sh\nexit 101\n' >$_prc && chmod 755 $_prc && _made=1
	fi
	_rc=0
	DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends "$@" >&2 || _rc=$?
	[ -z "$_made" ] || rm -f $_prc
	return $_rc
}

# ---- processes ----

# starttime PID: prints the start time of a running (not zombie) process
starttime() {
	_s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	_s=${_s##*) }
	# shellcheck disable=SC2086 # the fields after "(comm) "
	set -- $_s
	[ "$1" != Z ] && echo "${20}"
}

# ours PID STARTTIME: true while that very process runs
ours() { _now=$(starttime "$1") && [ "$_now" = "$2" ]; }

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

# running LINES: true while a process of LINES ("PID STARTTIME NAME") runs
running() {
	while read -r _p _st _n; do
		ours "$_p" "$_st" && return 0
	done <<EOF
$1
EOF
	return 1
}

# stop_procs LINES: stops the processes of LINES ("PID STARTTIME NAME"):
# TERM to each, up to 5 s for them all to exit, then KILL
stop_procs() {
	while read -r _p _st _n; do
		if ours "$_p" "$_st"; then kill -TERM "$_p" 2>/dev/null; fi
	done <<EOF
$1
EOF
	_i=0
	while running "$1" && [ $_i -lt 100 ]; do sleep 0.05; _i=$((_i + 1)); done
	while read -r _p _st _n; do
		ours "$_p" "$_st" || continue
		kill -KILL "$_p" 2>/dev/null
		while ours "$_p" "$_st"; do sleep 0.05; done
	done <<EOF
$1
EOF
}

# stop_all DIR: stops DIR's processes in stop_order and removes DIR/pids
stop_all() {
	[ -f "$1/pids" ] || return 0
	case $stop_order in
	newest-first)
		tac "$1/pids" | while IFS= read -r _line; do stop_procs "$_line"; done ;;
	*) stop_procs "$(cat "$1/pids")" ;;
	esac
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

# ---- waiting ----

late() { [ "$(date +%s)" -ge "$deadline" ]; }

# fail REASON: sets why, returns 1
fail() { why=$1; return 1; }

# died: after alive failed: returns 3 when a port was taken meanwhile (start
# again), else 1
died() {
	grep -qs -e 'Address already in use' -e 'Could not bind' "$dir"/log/* &&
		{ why="$why: port in use"; return 3; }
	return 1
}

# wait_for REASON CMD...: runs CMD every 0.1 s until it succeeds (then 0).
# Returns as died does when a process started exits, and 1 once the
# deadline has passed, with why set to REASON or to what CMD's last run
# said with fail.
wait_for() {
	_reason=$1; shift
	while :; do
		alive || { died; return; }
		why=$_reason
		"$@" && return 0
		late && return 1
		sleep 0.1
	done
}

# code SECONDS URL [CURL-ARGS...]: prints the HTTP status of a request
# (000: no answer within SECONDS); the body goes to log/curl.out
code() {
	_t=$1 _u=$2; shift 2
	curl -s -o "$dir/log/curl.out" -w '%{http_code}' --max-time "$_t" "$@" "$_u"
}

# ready ENDPOINT ACCESS-KEY SECRET-KEY: start_once's last step: S3 answers
# at ENDPOINT to these keys
ready() { s3_endpoint=$1 s3_access_key=$2 s3_secret_key=$3; }

# ---- commands ----

start() {
	_t0=$(date +%s%N)
	installed || { say "$what is not installed ($0 install)"; return 1; }
	bucket=${S3_BUCKET:-vds-test}
	case $bucket in *[!a-z0-9.-]* | ?? | ? | -* | .*)
		say "bad bucket name '$bucket'"; return 1 ;;
	esac
	case $1 in /*) dir=$1 ;; *) dir=$PWD/$1 ;; esac
	[ ${#dir} -le 70 ] || { say "DIR is longer than 70 bytes: $dir"; return 1; }
	mkdir -p "$dir" && dir=$(cd "$dir" && pwd -P) || return 1
	[ ${#dir} -le 70 ] || { say "DIR is longer than 70 bytes: $dir"; return 1; }
	[ -z "$(ls -A "$dir")" ] || { say "$dir is not empty"; return 1; }
	echo "$kind" >"$dir/.vds-s3"
	deadline=$(($(date +%s) + ${S3_START_TIMEOUT:-60}))
	_try=1
	while :; do
		: >"$dir/pids"
		why=
		start_once "$dir" "$bucket" && break
		_rc=$?
		stop_all "$dir"
		if [ $_rc = 3 ] && [ $_try -lt 3 ] && ! late; then
			# a port was taken between choosing and binding it: again,
			# in a DIR as it was before
			find "$dir" -mindepth 1 -maxdepth 1 ! -name .vds-s3 -exec rm -rf {} +
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
S3_ENDPOINT=$s3_endpoint
S3_ACCESS_KEY=$s3_access_key
S3_SECRET_KEY=$s3_secret_key
S3_REGION=us-east-1
S3_BUCKET=$bucket
EOF
	cat "$dir/env"
	_ms=$((($(date +%s%N) - _t0) / 1000000))
	say "ready in $((_ms / 1000)).$(printf %03d $((_ms % 1000))) s at $s3_endpoint"
}

stop() {
	[ -d "$1" ] || return 0
	[ -f "$1/.vds-s3" ] || { say "$1 was not made by '$me start': left alone"; return 1; }
	stop_all "$1"
	rm -rf "$1"
}

main() {
	kind=$1 what=$2 stop_order=$3; shift 3
	me=$kind.sh
	case ${1:-} in
	install) install ;;
	available) installed ;;
	start) [ $# = 2 ] || { echo "usage: $0 start DIR" >&2; exit 2; }; start "$2" ;;
	stop) [ $# = 2 ] || { echo "usage: $0 stop DIR" >&2; exit 2; }; stop "$2" ;;
	*) echo "usage: $0 install | available | start DIR | stop DIR" >&2; exit 2 ;;
	esac
}
