#!/usr/bin/env bash
# s3.sh - uploading to and downloading from S3: vds beside rclone and s3cmd
#
# Starts a private S3 server (radosgw on 127.0.0.1, tests/s3/rgw.sh, data
# held in RAM) and builds two deterministic trees (content is AES-128-CTR
# output keyed by the seed, the same bytes on every run):
#   (a) SMALL files of 4-64 KiB (uniformly random sizes), 100 a folder
#   (b) LARGE-FILES files of LARGE-MB MiB each
# For each tree and each tool it times an upload and a download, dropping
# the page cache first when allowed (root); a download is timed until a
# sync after it, so that every tool's written bytes reach the disk:
#   vds     versions create --id DS --source-path SRC/ --concurrency N
#           (an S3 provider, prefix vds-a or vds-b, in a private VDS_HOME);
#           then the same command again on the unchanged tree, with --debug:
#           it must send no file contents (the bytes sent by PUTs to
#           objects/ keys are summed from the debug lines and must be 0);
#           then "vds cache prune --max-size 0" (untimed), so the download
#           really comes from the server, and
#           files get --id DS:VER --target-path OUT --concurrency N
#   rclone  copy SRC bench:BUCKET/rclone-X --transfers N --checkers N and
#           back the same way (its defaults otherwise: multipart uploads of
#           5 MiB parts, 4 at a time per file; multi-thread downloads of 4
#           streams for files over 250 MiB)
#   s3cmd   put --recursive SRC/ s3://BUCKET/s3cmd-X/ and get --recursive
#           (s3cmd has no concurrency setting: one transfer at a time)
# Every download is compared with its source (diff -r, untimed). Between
# tools the uploaded objects are deleted and radosgw's garbage collector
# frees their RAM at once. Reported beside the wall time: the client's CPU
# time (user+sys, /usr/bin/time) and peak RSS, and the CPU time radosgw and
# the OSD used meanwhile (/proc/PID/stat). Client and server share this
# machine's processors.
# Targets: rclone's time / vds's time >= 1.5 on (a) and >= 1.0 on (b), for
# upload and for download; 0 content bytes sent by the unchanged re-upload.
# A missed target is printed as MISSED and is not an error; the script exits
# non-zero when a command fails or a download differs from its source.
#
# Usage: bench/s3.sh [--small-files N] [--large-mb N] [--large-files N]
#                    [--concurrency N] [--tools LIST] [--seed N] [--keep]
#                    [OUTDIR]
#   Defaults: 5000 small files, 2 large files of 1024 MiB, concurrency 16,
#   tools vds,rclone,s3cmd (vds is always run), seed 42. A quick run:
#   bench/s3.sh --small-files 500 --large-mb 64.
#   OUTDIR defaults to ./bench/out; everything is written below OUTDIR/s3.
#   Needs about three times the data on the disk, and RAM for the server:
#   S3_RGW_MEM_MB (default: twice the data plus 1 GiB). VDS_BIN names the vds
#   binary. rclone, s3cmd, radosgw and /usr/bin/time are installed with
#   apt-get when missing and running as root.
set -euo pipefail

SMALL=5000
LARGE_MB=1024
LARGE_N=2
CONC=16
TOOLS=vds,rclone,s3cmd
SEED=42
KEEP=0
OUT=./bench/out

. "$(dirname "$0")/lib.sh"
bench_args s3.sh "small-files:SMALL large-mb:LARGE_MB large-files:LARGE_N concurrency:CONC tools:TOOLS seed:SEED" "$@"
case $SMALL$LARGE_MB$LARGE_N$CONC$SEED in
*[!0-9]* | "") echo "s3.sh: sizes, counts and seeds are numbers" >&2; exit 2 ;;
esac
[ "$SMALL" -ge 1 ] && [ "$LARGE_MB" -ge 1 ] && [ "$LARGE_N" -ge 1 ] ||
	{ echo "s3.sh: --small-files, --large-mb and --large-files must be at least 1" >&2; exit 2; }
[ "$CONC" -ge 1 ] && [ "$CONC" -le 64 ] || { echo "s3.sh: --concurrency takes 1 to 64" >&2; exit 2; }
# the tools to run, vds first (the others are compared with it)
RUN=(vds)
for t in ${TOOLS//,/ }; do
	case $t in
	vds) ;;
	rclone | s3cmd) RUN+=("$t") ;;
	*) echo "s3.sh: unknown tool '$t' in --tools (vds, rclone, s3cmd)" >&2; exit 2 ;;
	esac
done

here=$(cd "$(dirname "$0")" && pwd)
VDS=${VDS_BIN:-$here/../vds}
[ -x "$VDS" ] || { echo "s3.sh: no vds binary at $VDS (set VDS_BIN)" >&2; exit 1; }
VDS=$(cd "$(dirname "$VDS")" && pwd)/$(basename "$VDS")
RGW_SH=$here/../tests/s3/rgw.sh
[ -f "$RGW_SH" ] || { echo "s3.sh: no $RGW_SH" >&2; exit 1; }

# ---- programs: install what is missing when allowed -------------------------
missing=()
command -v rclone >/dev/null 2>&1 || missing+=(rclone)
command -v s3cmd >/dev/null 2>&1 || missing+=(s3cmd)
[ -x /usr/bin/time ] || missing+=(time)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
	[ "$(id -u)" = 0 ] || { echo "s3.sh: missing ${missing[*]} (Debian packages; run as root to install)" >&2; exit 1; }
	echo "s3.sh: installing ${missing[*]}" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2 ||
		{ DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 &&
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2; }
fi
if ! sh "$RGW_SH" available; then
	[ "$(id -u)" = 0 ] || { echo "s3.sh: radosgw is not installed (as root: $RGW_SH install)" >&2; exit 1; }
	sh "$RGW_SH" install
fi

# ---- the work folder, and clean-up at exit (Ctrl-C included) ----------------
mkdir -p "$OUT"
W=$(cd "$OUT" && pwd)/s3
rm -rf "$W"
mkdir -p "$W/logs"
export HOME=$W/userhome TZ=UTC LC_ALL=C
unset XDG_CONFIG_HOME XDG_DATA_HOME XDG_CACHE_HOME VDS_DATADIR VDS_HOME
# a CA bundle named in the environment breaks rclone's plain-HTTP client
unset AWS_CA_BUNDLE AWS_PROFILE AWS_DEFAULT_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
mkdir -p "$HOME"

DL=$W/download
LARGE_BYTES=$((LARGE_MB * 1048576 * LARGE_N))
# the small files average 34 KiB; room for the trees, one download and vds's cache
need_kb=$(((SMALL * 36 + LARGE_BYTES / 1024) * 3 + 262144))
RGWDIR=
bench_on_exit() {
	if [ -n "$RGWDIR" ]; then
		sh "$RGW_SH" stop "$RGWDIR" || true
		RGWDIR=
	fi
}
bench_init s3.sh "$need_kb"
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# ---- the trees ---------------------------------------------------------------
# The plan: "SIZE PATH" lines; a Park-Miller generator keeps the sizes the
# same whatever awk runs it. The bytes: one AES-128-CTR stream keyed by the
# seed, cut into the files in plan order.
echo "s3.sh: building $SMALL small files and $LARGE_N x $LARGE_MB MiB (seed $SEED) in $W" >&2
t0=$(now_ns)
awk -v n="$SMALL" -v seed="$SEED" '
function rnd() { x = (x * 16807) % 2147483647; return x / 2147483647 }
BEGIN {
	x = seed % 2147483646 + 1
	for (i = 0; i < 10; i++) rnd()
	for (i = 0; i < n; i++)
		printf "%d src-a/d%03d/f%05d.dat\n", 4096 + int(rnd() * (65536 - 4096 + 1)), int(i / 100), i
}' >"$W/plan"
awk -v n="$LARGE_N" -v b=$((LARGE_MB * 1048576)) \
	'BEGIN { for (i = 1; i <= n; i++) printf "%d src-b/large%d.bin\n", b, i }' >>"$W/plan"
awk '{ p = $2; sub(/\/[^\/]*$/, "", p); print p }' "$W/plan" | sort -u | (cd "$W" && xargs mkdir -p)
key=$(printf '%032x' "$SEED")
exec 3< <(openssl enc -aes-128-ctr -K "$key" -iv 00000000000000000000000000000000 \
	-nosalt -in /dev/zero 2>/dev/null)
while read -r size path; do
	head -c "$size" <&3 >"$W/$path"
done <"$W/plan"
exec 3<&-
SMALL_BYTES=$(awk '$2 ~ /^src-a\// { s += $1 } END { printf "%d", s }' "$W/plan")
for c in a b; do
	want=$(awk -v c="src-$c/" 'index($2, c) == 1 { s += $1; n++ } END { printf "%d %d", s, n }' "$W/plan")
	got=$(find "$W/src-$c" -type f -printf '%s\n' | awk '{ s += $1; n++ } END { printf "%d %d", s, n }')
	[ "$got" = "$want" ] || { echo "s3.sh: built src-$c has '$got' (bytes files), planned '$want'" >&2; exit 1; }
done
sync
echo "s3.sh: built in $(secs "$t0" "$(now_ns)") s" >&2
# vds's hash cache ignores files changed within the last second
sleep 1

# ---- the server ------------------------------------------------------------------
# Its memstore holds one tool's copy at a time, plus what radosgw has not
# freed yet; the unix sockets in its folder need a path of at most 70 bytes.
DATA_MB=$(((SMALL_BYTES + LARGE_BYTES) / 1048576 + 1))
export S3_RGW_MEM_MB=${S3_RGW_MEM_MB:-$((DATA_MB * 2 + 1024))}
avail_mb=$(awk '/^MemAvailable:/ { printf "%d", $2 / 1024 }' /proc/meminfo)
if [ "$avail_mb" -lt $((DATA_MB + 1024)) ]; then
	echo "s3.sh: only $avail_mb MiB of RAM available; the server holds about $DATA_MB MiB of data" >&2
	exit 1
fi
if [ ${#W} -le 62 ]; then
	RGWDIR=$W/rgw
else
	RGWDIR=$(mktemp -d "${TMPDIR:-/tmp}/vds-bench-s3.XXXXXX")
fi
sh "$RGW_SH" start "$RGWDIR" >"$W/logs/rgw-start.log" 2>&1 ||
	{ cat "$W/logs/rgw-start.log" >&2; echo "s3.sh: the server did not start" >&2; exit 1; }
# shellcheck disable=SC1091 # S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY, S3_REGION, S3_BUCKET
. "$RGWDIR/env"
HOSTPORT=${S3_ENDPOINT#http://}

# rclone: a remote "bench" made of environment variables, no config file
export RCLONE_CONFIG=/dev/null
export RCLONE_CONFIG_BENCH_TYPE=s3 RCLONE_CONFIG_BENCH_PROVIDER=Ceph
export RCLONE_CONFIG_BENCH_ENDPOINT=$S3_ENDPOINT RCLONE_CONFIG_BENCH_REGION=$S3_REGION
export RCLONE_CONFIG_BENCH_ACCESS_KEY_ID=$S3_ACCESS_KEY RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY=$S3_SECRET_KEY
export RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE=true
# s3cmd: path-style requests over plain HTTP with V4 signatures
cat >"$W/s3cfg" <<EOF
[default]
access_key = $S3_ACCESS_KEY
secret_key = $S3_SECRET_KEY
host_base = $HOSTPORT
host_bucket = $HOSTPORT
use_https = False
bucket_location = $S3_REGION
signature_v2 = False
EOF

# wipe PREFIX: deletes every object below PREFIX/ and lets radosgw free
# their RAM now rather than in an hour
wipe() {
	rclone purge "bench:$S3_BUCKET/$1" --transfers "$CONC" --checkers "$CONC" \
		>>"$W/logs/wipe.log" 2>&1 || true
	radosgw-admin -c "$RGWDIR/ceph.conf" gc process --include-all >>"$W/logs/wipe.log" 2>&1 || true
}

# ---- measuring ----------------------------------------------------------------
TICK=$(getconf CLK_TCK)
# srv_ticks: the CPU time (user+sys, in clock ticks) radosgw and the OSD used so far
srv_ticks() {
	local p st n s sum=0
	while read -r p st n; do
		case $n in rgw | osd) ;; *) continue ;; esac
		s=$(cat "/proc/$p/stat" 2>/dev/null) || continue
		s=${s##*) }
		# shellcheck disable=SC2086 # the fields after "(comm) ": utime is field 14
		set -- $s
		sum=$((sum + ${12} + ${13}))
	done <"$RGWDIR/pids"
	echo "$sum"
}

# Results, keyed "CASE/TOOL/STEP" (STEP: up, reup, down): T wall seconds,
# CPU client seconds, RSS client peak KiB, SRV server CPU seconds, ST status
declare -A T CPU RSS SRV ST
FAILED=0

# timed KEY CMD...: drops the page cache, runs CMD (stdout and stderr in
# logs/KEY.log, with / as -) and a sync, and records the figures under KEY
timed() {
	local k=$1 log s0 s1 t0 t1 u s m rc=0
	shift
	log=$W/logs/${k//\//-}.log
	drop_caches
	s0=$(srv_ticks)
	t0=$(now_ns)
	/usr/bin/time -f '%U %S %M' -o "$W/time.txt" "$@" >"$log" 2>&1 || rc=$?
	sync
	t1=$(now_ns)
	s1=$(srv_ticks)
	T[$k]=$(secs "$t0" "$t1")
	read -r u s m < <(tail -n 1 "$W/time.txt")
	CPU[$k]=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
	RSS[$k]=$m
	SRV[$k]=$(awk -v d=$((s1 - s0)) -v t="$TICK" 'BEGIN { printf "%.2f", d / t }')
	if [ "$rc" = 0 ]; then
		ST[$k]=ok
	else
		ST[$k]="FAILED (exit $rc)"
		FAILED=1
		echo "s3.sh: $k failed (exit $rc); last lines of $log:" >&2
		tail -n 5 "$log" >&2
	fi
	echo "s3.sh: $k ${T[$k]} s" >&2
	return "$rc"
}

# verify KEY SRC: compares the download in $DL with SRC, untimed
declare -A SAME
verify() {
	if diff -r -q "$2" "$DL" >"$W/logs/${1//\//-}-diff.log" 2>&1; then
		SAME[$1]=identical
	else
		SAME[$1]="DIFFERS (see logs/${1//\//-}-diff.log)"
		FAILED=1
		KEEP=1
		echo "s3.sh: the download of $1 differs from its source" >&2
	fi
}

fresh_download_dir() { chmod -R u+rwX "$DL" 2>/dev/null || true; rm -rf "$DL"; mkdir -p "$DL"; }

# ---- the tools ---------------------------------------------------------------------
# REUP_*: what the unchanged re-upload sent, from its --debug lines, per case
declare -A REUP_REQ REUP_SENT REUP_OBJ_PUTS REUP_OBJ_SENT

run_vds() {
	local c=$1 src=$2 sp ds ver
	export VDS_HOME=$W/home-$c
	sp=$("$VDS" storageProviders create s3 --name b --bucket "$S3_BUCKET" --endpoint "$S3_ENDPOINT" \
		--region "$S3_REGION" --accessKey "$S3_ACCESS_KEY" --secretAccessKey "$S3_SECRET_KEY" \
		--prefix "vds-$c" | awk '/^Created storage provider: / { print $4 }')
	[ -n "$sp" ] || { echo "s3.sh: could not create the S3 provider" >&2; exit 1; }
	ds=$("$VDS" datasets create --name "bench-s3-$c" --storageProviderId "$sp" |
		awk '/^Created dataset: / { print $3 }')
	[ -n "$ds" ] || { echo "s3.sh: could not create the dataset" >&2; exit 1; }

	timed "$c/vds/up" "$VDS" datasets versions create --id "$ds" --message first \
		--source-path "$src/" --concurrency "$CONC" || true
	ver=$(awk '/^Committed dataset version: / { print $4 }' "$W/logs/$c-vds-up.log")

	timed "$c/vds/reup" "$VDS" --debug datasets versions create --id "$ds" --message again \
		--source-path "$src/" --concurrency "$CONC" || true
	# "vds: debug: s3: METHOD URL -> STATUS (T ms, sent N, received M, attempt K)"
	read -r "REUP_REQ[$c]" "REUP_SENT[$c]" "REUP_OBJ_PUTS[$c]" "REUP_OBJ_SENT[$c]" < <(awk '
		/^vds: debug: s3: / {
			n++
			sent = 0
			if (match($0, /sent [0-9]+/)) sent = substr($0, RSTART + 5, RLENGTH - 5) + 0
			all += sent
			if ($4 == "PUT" && $5 ~ /\/objects\/[0-9a-f][0-9a-f]\//) { puts++; obj += sent }
		}
		END { printf "%d %d %d %d\n", n, all, puts, obj }' "$W/logs/$c-vds-reup.log")
	awk '/^vds: debug: s3: / { print $4 }' "$W/logs/$c-vds-reup.log" | sort | uniq -c |
		awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 }' >"$W/reup-methods-$c"

	"$VDS" cache prune --max-size 0 >/dev/null
	fresh_download_dir
	if [ -n "$ver" ]; then
		timed "$c/vds/down" "$VDS" datasets files get --id "$ver" --target-path "$DL" \
			--concurrency "$CONC" || true
		verify "$c/vds" "$src"
	else
		ST[$c/vds/down]="not run (no version)"
	fi
	fresh_download_dir
	"$VDS" cache prune --max-size 0 >/dev/null || true
	rm -rf "$VDS_HOME"
	unset VDS_HOME
	wipe "vds-$c"
}

run_rclone() {
	local c=$1 src=$2
	timed "$c/rclone/up" rclone copy "$src" "bench:$S3_BUCKET/rclone-$c" \
		--transfers "$CONC" --checkers "$CONC" || true
	fresh_download_dir
	timed "$c/rclone/down" rclone copy "bench:$S3_BUCKET/rclone-$c" "$DL" \
		--transfers "$CONC" --checkers "$CONC" || true
	verify "$c/rclone" "$src"
	fresh_download_dir
	wipe "rclone-$c"
}

run_s3cmd() {
	local c=$1 src=$2
	timed "$c/s3cmd/up" s3cmd -c "$W/s3cfg" --no-progress put --recursive \
		"$src/" "s3://$S3_BUCKET/s3cmd-$c/" || true
	fresh_download_dir
	timed "$c/s3cmd/down" s3cmd -c "$W/s3cfg" --no-progress get --recursive \
		"s3://$S3_BUCKET/s3cmd-$c/" "$DL/" || true
	verify "$c/s3cmd" "$src"
	fresh_download_dir
	wipe "s3cmd-$c"
}

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
for c in a b; do
	for t in "${RUN[@]}"; do
		"run_$t" "$c" "$W/src-$c"
	done
done
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- report ---------------------------------------------------------------------------
# ratio A B: A / B, or "-"
ratio() {
	case $1$2 in *-* | "") echo - ;; *) awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }' ;; esac
}
# verdict RATIO TARGET: met when RATIO >= TARGET
verdict() {
	case $1 in -) echo "MISSED (not measured)" ;;
	*) awk -v r="$1" -v t="$2" 'BEGIN { print (r >= t ? "met" : "MISSED") }' ;; esac
}
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
get() { local -n arr=$1; echo "${arr[$2]:--}"; }
row() {
	local k=$1 bytes=$2 label=$3 t
	t=$(get T "$k")
	printf '  %-4s %-7s %-22s %9s %8s %9s %9s %9s  %s\n' "(${k%%/*})" "$(echo "$k" | cut -d/ -f2)" "$label" \
		"$t" "$(awk -v b="$bytes" -v s="$t" 'BEGIN { if (b > 0 && s + 0 > 0) printf "%.0f", b / 1048576 / s; else print "-" }')" \
		"$(get CPU "$k")" "$(kb_mb "$(get RSS "$k")")" "$(get SRV "$k")" "$(get ST "$k")"
}

echo
echo "vds S3 benchmark"
echo "  vds:      $("$VDS" --version) ($VDS)"
echo "  rclone:   $(rclone version 2>/dev/null | head -n 1)"
echo "  s3cmd:    $(s3cmd --version 2>/dev/null)"
echo "  server:   $(radosgw --version 2>/dev/null | awk '{ print $1, $2, $3 }') at $S3_ENDPOINT, memstore $S3_RGW_MEM_MB MiB, on this machine"
echo "  machine:  $(nproc) CPUs shared by client and server; $(df -PT "$W" | awk 'NR == 2 { print $2 " on " $1 }')"
echo "  data (a): $SMALL files of 4-64 KiB, $(mib "$SMALL_BYTES") ($SMALL_BYTES bytes), in $(((SMALL + 99) / 100)) folders"
echo "  data (b): $LARGE_N files of $LARGE_MB MiB, $(mib "$LARGE_BYTES") ($LARGE_BYTES bytes)"
echo "  load:     $LOAD0 before the timed steps, $LOAD1 after (other work on this machine skews the figures)"
echo "  content:  openssl aes-128-ctr, seed $SEED"
echo "  transfers in parallel: vds --concurrency $CONC; rclone --transfers $CONC --checkers $CONC; s3cmd one at a time (no such option)"
if [ "$CAN_DROP" = 1 ]; then
	echo "  caches:   page cache dropped before each timed step; downloads timed up to a sync"
else
	echo "  caches:   NOT dropped (no permission to write /proc/sys/vm/drop_caches): figures are warm-cache"
fi
echo
printf '  %-4s %-7s %-22s %9s %8s %9s %9s %9s  %s\n' case tool step seconds MiB/s "CPU s" "peak RSS" "server s" status
for c in a b; do
	if [ $c = a ]; then bytes=$SMALL_BYTES; else bytes=$LARGE_BYTES; fi
	for t in "${RUN[@]}"; do
		row "$c/$t/up" "$bytes" upload
		# (no rate for the re-upload: it moves no content)
		[ "$t" = vds ] && row "$c/$t/reup" 0 "re-upload, unchanged"
		row "$c/$t/down" "$bytes" download
	done
done
echo "  (CPU s: the client's user+sys; server s: radosgw's and the OSD's user+sys meanwhile)"
echo
echo "  downloads compared with their sources (diff -r):"
for c in a b; do
	for t in "${RUN[@]}"; do
		printf '    (%s) %-7s %s\n' "$c" "$t" "$(get SAME "$c/$t")"
	done
done
echo
echo "  unchanged re-upload (vds --debug):"
for c in a b; do
	printf '    (%s) %s requests (%s), %s bytes sent in all;\n' "$c" "$(get REUP_REQ "$c")" \
		"$(cat "$W/reup-methods-$c" 2>/dev/null || echo -)" "$(get REUP_SENT "$c")"
	printf '        %s PUTs to objects/ keys sent %s content bytes   target 0   %s\n' \
		"$(get REUP_OBJ_PUTS "$c")" "$(get REUP_OBJ_SENT "$c")" \
		"$(case $(get REUP_OBJ_SENT "$c") in 0) echo met ;; *) echo MISSED ;; esac)"
	printf '        time: %s s, %s of the first upload\n' "$(get T "$c/vds/reup")" \
		"$(ratio "$(get T "$c/vds/reup")" "$(get T "$c/vds/up")")"
done
echo
echo "  speed-ups (the other tool's seconds / vds's seconds; > 1: vds is faster):"
for t in "${RUN[@]}"; do
	[ "$t" = vds ] && continue
	for c in a b; do
		for s in up down; do
			r=$(ratio "$(get T "$c/$t/$s")" "$(get T "$c/vds/$s")")
			if [ "$t" = rclone ]; then
				if [ $c = a ]; then target=1.5; else target=1.0; fi
				printf '    %-11s (%s) %-8s %6s   target >= %s   %s\n' "$t/vds" "$c" \
					"$([ $s = up ] && echo upload || echo download)" "$r" "$target" "$(verdict "$r" "$target")"
			else
				printf '    %-11s (%s) %-8s %6s   (no target)\n' "$t/vds" "$c" \
					"$([ $s = up ] && echo upload || echo download)" "$r"
			fi
		done
	done
done
if [ "$FAILED" = 1 ]; then
	echo
	echo "  FAILED: a command failed or a download differs; logs kept in $W/logs"
	KEEP=1
	exit 1
fi
exit 0
