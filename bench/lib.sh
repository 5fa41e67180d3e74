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

# bench_pty_py: prints the start of a Python 3 script that drives a program in
# a pseudo-terminal: latency.sh's terminal emulator (class Screen) and, over
# one program at a time, spawn(ARGV, ENV, ROWS, COLS) (sets scr, fd, pid,
# t_start), chunk(TIMEOUT) (one read fed to scr: (time, rows touched), or
# None), wait(PRED), on(TEXT), press(KEY) (the time to the end of its screen
# update; the time to its first byte goes to FIRSTS), watch(NAME, PRED) (the
# time of the first read after which PRED holds, in WATCHED[NAME]) and pct.
# remote.sh and preview.sh write their drivers as this, then their own part.
bench_pty_py() {
	echo 'import codecs, fcntl, os, pty, re, select, signal, struct, sys, termios, time'
	echo 'now = time.monotonic'
	sed -n '/^class Screen:/,/^class Browser:/p' "$(dirname "${BASH_SOURCE[0]}")/latency.sh" | sed '$d'
	cat <<'PY'
NAME = "bench"  # the script's name, in its messages
scr = fd = pid = p = t_start = None
firsts = []
watches, watched = {}, {}

def spawn(argv, env, rows, cols):
    """Starts ARGV in a pseudo-terminal of ROWS x COLS (LINES and COLUMNS unset)."""
    global scr, fd, pid, p, t_start
    scr = Screen(rows, cols)
    env = {k: v for k, v in env.items() if k not in ("LINES", "COLUMNS")}
    t_start = now()
    pid, fd = pty.fork()
    if pid == 0:
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
            os.execve(argv[0], argv, env)
        finally:
            os._exit(127)
    p = select.poll()
    p.register(fd, select.POLLIN)

def chunk(timeout):
    if not p.poll(max(0, timeout) * 1000):
        return None
    t = now()
    try:
        data = os.read(fd, 65536)
    except OSError:
        data = b""
    if not data:
        raise SystemExit("%s: the browser ended early" % NAME)
    rows = scr.feed(data)
    for k, pred in watches.items():
        if k not in watched and pred():
            watched[k] = t
    return t, rows

def wait(pred, timeout=120.0):
    end = now() + timeout
    while not pred():
        if now() > end:
            print("\n".join(scr.text()), file=sys.stderr)
            raise SystemExit("%s: timed out" % NAME)
        chunk(0.01)
    return now()

def on(text):
    return lambda: any(text in l for l in scr.text())

def watch(name, pred):
    watched.pop(name, None)
    watches[name] = pred

def press(k, quiet=0.02, limit=1.0, other=None):
    """Writes K; the time to the end of its screen update (LIMIT when none
    comes). The time to its first byte is appended to FIRSTS. A read whose
    rows touched OTHER(rows) says are not the key's (a redraw of its own)
    neither begins the update nor ends it early."""
    while chunk(0):
        pass
    t0 = now()
    os.write(fd, k.encode())
    first = last = None
    end = t0 + limit
    while now() < end:
        c = chunk(quiet if last else end - now())
        if c is None:
            if last:
                break
            continue
        if first is None and other and other(c[1]):
            continue
        first = first or c[0]
        last = c[0]
    firsts.append((first - t0) if first else limit)
    return (last - t0) if last else limit

def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(q * len(v)))]

def stop():
    os.write(fd, b"q")
    time.sleep(0.5)
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
PY
}

# seal_record FILE: gives the JSON record FILE (written by a benchmark that
# builds a store directly) the checksum every record carries, vds-format(5)
# "Checksums": {"sum":"SHA-256 of the record with 64 zeros there", ...}
seal_record() {
	local z=0000000000000000000000000000000000000000000000000000000000000000 s c=,
	[ "$(tail -c +2 "$1" | tr -d ' \t\n' | head -c 1)" != "}" ] || c= # no member but it
	{ printf '{"sum":"%s"%s' "$z" "$c"; tail -c +2 "$1"; } >"$1.sealing"
	s=$(sha256sum "$1.sealing" | cut -c 1-64)
	sed "1s/$z/$s/" "$1.sealing" >"$1"
	rm -f "$1.sealing"
}
