# lib.sh - what the benchmarks share (sourced by bash): their options, clean-up
# of the work folder, the disk check, cache dropping, timing and formatters.

# bench_args NAME SPEC ARGS...: parses the script's command line: "--OPT VALUE"
# and "--OPT=VALUE" for each OPT:VAR word of SPEC (setting VAR), --keep
# (KEEP=1), -h or --help (prints the script's header comment and exits) and
# one folder (OUT); anything else is a usage error (exit 2).
bench_args() {
	local name=$1 spec=$2 pair opt found
	shift 2
	while [ $# -gt 0 ]; do
		case $1 in
		--keep) KEEP=1; shift; continue ;;
		-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
		-*)
			found=
			for pair in $spec; do
				opt=${pair%%:*}
				case $1 in
				--"$opt"=*) printf -v "${pair#*:}" '%s' "${1#*=}"; found=1; shift; break ;;
				--"$opt")
					[ $# -ge 2 ] || { echo "$name: option '$1' needs a value" >&2; exit 2; }
					printf -v "${pair#*:}" '%s' "$2"; found=1; shift 2; break ;;
				esac
			done
			[ -n "$found" ] || { echo "$name: unknown option '$1'" >&2; exit 2; } ;;
		*) OUT=$1; shift ;;
		esac
	done
}

# bench_init NAME NEED_KB: W (work folder) and KEEP must be set. Removes W at
# exit unless KEEP=1 (calling bench_on_exit first if the script defines it),
# checks the free disk, and finds /usr/bin/time and whether caches can drop.
bench_init() {
	BENCH_NAME=$1
	trap bench_cleanup EXIT
	avail_kb=$(df -Pk "$W" | awk 'NR == 2 { print $4 }')
	if [ "$avail_kb" -lt "$2" ]; then
		echo "$BENCH_NAME: $W has $((avail_kb / 1024)) MiB free, needs about $(($2 / 1024)) MiB" >&2
		exit 1
	fi
	TIMEV=()
	if [ -x /usr/bin/time ] && /usr/bin/time -v true 2>/dev/null; then
		TIMEV=(/usr/bin/time -v -o "$W/time.txt")
	fi
	CAN_DROP=0
	if (sync && echo 3 >/proc/sys/vm/drop_caches) 2>/dev/null; then
		CAN_DROP=1
	fi
}

bench_cleanup() {
	if declare -F bench_on_exit >/dev/null; then bench_on_exit; fi
	if [ "$KEEP" = 0 ]; then
		chmod -R u+rwX "$W" 2>/dev/null || true
		rm -rf "$W"
	fi
}

# drop_caches: empties the page cache when allowed (root), after a sync
drop_caches() {
	sync
	if [ "$CAN_DROP" = 1 ]; then echo 3 >/proc/sys/vm/drop_caches; fi
}
now_ns() { date +%s%N; }
# secs START_NS END_NS: the seconds between, to the millisecond
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }
# sha256 FILE: its hex SHA-256
sha256() {
	if command -v sha256sum >/dev/null 2>&1; then
		sha256sum "$1" | awk '{ print $1 }'
	else
		openssl dgst -sha256 -r "$1" | awk '{ print $1 }'
	fi
}
# kb_mb KB: "123 MB", or "-" for "-"
kb_mb() { case $1 in -) echo - ;; *) awk -v k="$1" 'BEGIN { printf "%.0f MB", k / 1024 }' ;; esac; }
