#!/usr/bin/env bash
# remote.sh - does the browser answer at once on a store far away?
#
# Starts a private radosgw (tests/s3/rgw.sh, data in RAM) and fills an S3
# provider, directly, with DATASETS datasets (ds-0001 ...), one more, "many",
# of VERSIONS versions, and one, "big", whose version holds FILES files in
# one folder. Then for each round trip RTT of 0, 20 and 80 ms it puts
# tests/s3/faultproxy in front of the server with --latency-ms RTT/2 (each
# request and each response delayed by half the round trip), makes a fresh
# home whose only S3 provider reaches the same bucket and prefix through the
# proxy, and runs each binary given (the one to test, VDS_BIN, and the one
# to compare with, VDS_BASE_BIN, if set) in a pseudo-terminal (100x30,
# TERM=xterm) followed by the small terminal emulator of latency.sh.
#
# Measured, each for one run of each binary at each RTT:
#   first frame   start to the first screen with the panes' frames drawn
#   list          start to "Datasets (N)" with every dataset on the screen
#   keys          while that list and what follows load: Tab and BackTab in
#                 turn (each moves the focus, so each redraws), KEYS keys at
#                 least GAP ms apart; for each, the time from
#                 writing it to the first byte of its screen update and to
#                 the end of that burst (the next 20 ms quiet; a redraw of a
#                 loading line's time can join it): median, p99, max as
#                 FIRST/LAST (a key whose update never comes counts as 1 s)
#   list reqs     requests the proxy saw from start to that full list
#   enter many    "/many" written at once (the filter puts the Datasets
#                 cursor on it): to "Versions (VERSIONS)" on the screen,
#                 and the requests meanwhile (many-reqs)
#   j held        j sent every 30 ms for 2 s in the Datasets pane, sorted by
#                 name from its first row: keys sent, where the cursor ended
#                 (each key moves it one row: on ds-N after N keys), and the
#                 requests the proxy saw meanwhile (its log's lines)
# Targets (issue 16): keys median < 5 ms, p99 < 16 ms, none > 50 ms; first
# frame < 100 ms at any RTT; versions within 4 round trips at 80 ms; every
# j reflected and no more than a handful of reads while it is held.
#
# With --packs "off on" every round trip is run twice: without record packs
# (VDS_TEST_NO_PACKS=1 for the browser), then with them, a pack of "many"
# left beforehand by a cold read (versions list from a home of its own).
#
# Usage: bench/remote.sh [--datasets 500] [--versions 200] [--files 100000]
#                        [--keys 40] [--gap-ms 50] [--rtts "0 20 80"] [--packs on]
#                        [--keep] [OUTDIR]
#   OUTDIR defaults to ./bench/out; everything is written below OUTDIR/remote.
#   VDS_BIN names the vds binary (default: ../vds next to this script),
#   VDS_BASE_BIN one to compare with (e.g. a build of main), FAULTPROXY the
#   proxy (default: ../tests/s3/faultproxy). Needs radosgw and python3.
set -euo pipefail

DATASETS=500
VERSIONS=200
FILES=100000
KEYS=40
GAP_MS=50
RTTS="0 20 80"
PACKS=on
KEEP=0
OUT=./bench/out
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
bench_args remote.sh "datasets:DATASETS versions:VERSIONS files:FILES keys:KEYS gap-ms:GAP_MS rtts:RTTS packs:PACKS" "$@"
VDS=${VDS_BIN:-$here/../vds}
[ -x "$VDS" ] || { echo "remote.sh: no vds binary at $VDS (set VDS_BIN)" >&2; exit 1; }
VDS=$(cd "$(dirname "$VDS")" && pwd)/$(basename "$VDS")
PROXY=${FAULTPROXY:-$here/../tests/s3/faultproxy}
[ -x "$PROXY" ] || { echo "remote.sh: no proxy at $PROXY (make tests/s3/faultproxy)" >&2; exit 1; }
RGW_SH=$here/../tests/s3/rgw.sh
sh "$RGW_SH" available || { echo "remote.sh: radosgw is not installed ($RGW_SH install)" >&2; exit 1; }

mkdir -p "$OUT"
W=$(cd "$OUT" && pwd)/remote
rm -rf "$W"
mkdir -p "$W/src" "$W/logs"
export HOME=$W/userhome TZ=UTC LC_ALL=C.UTF-8
unset XDG_CONFIG_HOME XDG_DATA_HOME XDG_CACHE_HOME VDS_DATADIR NO_COLOR VDS_UI_SCRIPT VDS_NOW
mkdir -p "$HOME"
RGWDIR= PROXYPID=
bench_on_exit() {
	[ -z "$PROXYPID" ] || kill "$PROXYPID" 2>/dev/null || true
	if [ -n "$RGWDIR" ]; then
		sh "$RGW_SH" stop "$RGWDIR" || true
		RGWDIR=
	fi
}
bench_init remote.sh $((FILES / 4 + 1024 * 1024))
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# ---- the server and the store ----------------------------------------------------
RGWDIR=$W/rgw
eval "$(sh "$RGW_SH" start "$RGWDIR")" # S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY, S3_BUCKET
provider() { # HOME NAME ENDPOINT: an S3 provider in that home, its id printed
	VDS_HOME=$1 "$VDS" storageProviders create s3 --name "$2" --bucket "$S3_BUCKET" \
		--endpoint "$3" --prefix bench --accessKey "$S3_ACCESS_KEY" \
		--secretAccessKey "$S3_SECRET_KEY" | sed -n 's/^Created storage provider: //p'
}
NEAR=$W/near
SP=$(provider "$NEAR" near "$S3_ENDPOINT")
t0=$(now_ns)
echo "remote.sh: $DATASETS datasets, one of $VERSIONS versions, one of $FILES files" >&2
for i in $(seq -f '%04g' 1 "$DATASETS"); do
	VDS_HOME=$NEAR "$VDS" datasets create --name "ds-$i" --storageProviderId "$SP" >/dev/null
done
VDS_HOME=$NEAR "$VDS" datasets create --name many --storageProviderId "$SP" >/dev/null
for i in $(seq 1 "$VERSIONS"); do
	echo "version $i" >"$W/src/v.txt"
	VDS_HOME=$NEAR "$VDS" datasets versions create --id many --source-path "$W/src/v.txt" \
		--message "version $i" >/dev/null
done
mkdir -p "$W/src/big"
(cd "$W/src/big" && seq -f 'f%06g.txt' 1 "$FILES" | while read -r f; do echo "$f" >"$f"; done)
VDS_HOME=$NEAR "$VDS" datasets create --name big --storageProviderId "$SP" >/dev/null
VDS_HOME=$NEAR "$VDS" datasets versions create --id big --source-path "$W/src/big/." --message big >/dev/null
echo "remote.sh: the store took $(secs "$t0" "$(now_ns)") s" >&2
TOTAL=$((DATASETS + 2))

# ---- the driver -------------------------------------------------------------------
{
	bench_pty_py
	cat <<'PY'
NAME = "remote.sh"
vds, home, total, versions, nkeys, gap, plog = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
    int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]) / 1000, sys.argv[7]
ROWS, COLS = 30, 100
spawn([vds, "browse"], dict(os.environ, TERM="xterm", VDS_HOME=home), ROWS, COLS)

t_frame = wait(lambda: "Datasets" in scr.row(0) and "Files" in "".join(scr.text()), 60) - t_start
keys = []
del firsts[:]
for i in range(nkeys):  # Tab and BackTab: each moves the focus, so each redraws
    keys.append(press("\t" if i % 2 == 0 else "\x1b[Z"))
    time.sleep(gap)
kfirst = list(firsts)
t_list = wait(on("Datasets (%d)" % total)) - t_start
def plines():
    with open(plog) as f:
        return sum(1 for _ in f)
list_reqs = plines()
# enter "many": "/many", written at once, puts the cursor on it
while chunk(0.3):
    pass
before = plines()
t0 = now()
os.write(fd, b"/many")
t_many = wait(on("Versions (%d)" % versions)) - t0
many_reqs = plines() - before
press("\r")
press("\x1b")  # the filter goes, the cursor stays on many
wait(on("Datasets (%d)" % total))
press("s")  # sorted by name: big, ds-0001, ...
os.write(fd, b"g")
os.write(fd, b"g")
while chunk(0.5):
    pass
before = plines()
sent = 0
t0 = now()
while now() - t0 < 2.0:  # a key every 30 ms, as a held key repeats
    os.write(fd, b"j")
    sent += 1
    nxt = t0 + sent * 0.03
    while now() < nxt:
        chunk(nxt - now())
reqs = plines() - before
while chunk(0.5):
    pass
status = scr.row(ROWS - 2)
m = re.match(r"\s*ds-(\d+)", status)
moved = int(m.group(1)) if m else -1
if moved < 0:
    print("remote.sh: status line: " + status, file=sys.stderr)
stop()
print("%.0f %.0f %d %.1f/%.1f %.1f/%.1f %.1f/%.1f %.0f %d %d %d %d" % (t_frame * 1000, t_list * 1000,
      list_reqs, pct(kfirst, 0.5) * 1000, pct(keys, 0.5) * 1000, pct(kfirst, 0.99) * 1000,
      pct(keys, 0.99) * 1000, max(kfirst) * 1000, max(keys) * 1000, t_many * 1000, many_reqs, sent,
      moved, reqs))
PY
} >"$W/remote.py"

run_one() { # BIN RTT: one line of figures
	local bin=$1 rtt=$2 far=$W/far-$2-$RANDOM port
	: >"$W/logs/proxy-$rtt.log"
	rm -f "$W/port"
	"$PROXY" --listen-port-file "$W/port" --upstream "${S3_ENDPOINT#http://}" \
		--latency-ms $((rtt / 2)) --log "$W/logs/proxy-$rtt.log" 2>>"$W/logs/proxy.err" &
	PROXYPID=$!
	while [ ! -s "$W/port" ]; do sleep 0.05; done
	port=$(cat "$W/port")
	provider "$far" far "http://127.0.0.1:$port" >/dev/null
	python3 "$W/remote.py" "$bin" "$far" "$TOTAL" "$VERSIONS" "$KEYS" "$GAP_MS" "$W/logs/proxy-$rtt.log" ||
		echo "- - - - - - - - - - -"
	kill "$PROXYPID" 2>/dev/null || true
	wait "$PROXYPID" 2>/dev/null || true
	PROXYPID=
}

printf '%-6s %-5s %-5s %9s %7s %5s %12s %12s %12s %8s %5s %6s %6s %6s\n' binary rtt packs first-ms \
	list-ms reqs key-med key-p99 key-max many-ms reqs j-sent j-moved reqs
for packs in $PACKS; do
	if [ "$packs" = off ]; then
		export VDS_TEST_NO_PACKS=1
	else
		unset VDS_TEST_NO_PACKS
		# a cold read of a writer leaves a pack of "many"'s records
		provider "$W/packer" packer "$S3_ENDPOINT" >/dev/null
		VDS_HOME=$W/packer "$VDS" datasets versions list --id many >/dev/null
	fi
	for rtt in $RTTS; do
		for which in test base; do
			if [ $which = test ]; then bin=$VDS; else bin=${VDS_BASE_BIN:-}; fi
			[ -n "$bin" ] || continue
			read -r f l lr km kp kx many mr sent moved reqs <<<"$(run_one "$bin" "$rtt")"
			printf '%-6s %-5s %-5s %9s %7s %5s %12s %12s %12s %8s %5s %6s %6s %6s\n' $which "${rtt}ms" \
				"$packs" "$f" "$l" "$lr" "$km" "$kp" "$kx" "$many" "$mr" "$sent" "$moved" "$reqs"
		done
	done
done
