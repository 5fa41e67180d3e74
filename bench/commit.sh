#!/usr/bin/env bash
# commit.sh - how long does committing a folder take, compared with copying it?
#
# Builds a deterministic dataset (default 1 GiB in 10,000 files of mixed
# sizes, in nested folders) next to a private store, then times, each with
# the page cache dropped first when that is allowed:
#   (a) cp -r SRC DST && sync                        a plain copy on the same filesystem
#   (b) vds datasets versions create --source-path SRC/ ; sync   first commit
#   (c) the same command again on the unchanged tree             re-commit
# and prints the seconds and the ratios (b)/(a) (target <= 1.5) and
# (c)/(b) (target < 0.15). Missing a target is reported, not an error:
# the script exits non-zero only when a command fails.
#
# Usage: bench/commit.sh [--size-mb N] [--files N] [--seed N] [--keep] [OUTDIR]
#   OUTDIR defaults to ./bench/out; everything is written below OUTDIR/commit.
#   VDS_BIN names the vds binary (default: ../vds next to this script).
set -euo pipefail

SIZE_MB=1024
FILES=10000
SEED=42
KEEP=0
OUT=./bench/out

. "$(dirname "$0")/lib.sh"
bench_args commit.sh "size-mb:SIZE_MB files:FILES seed:SEED" "$@"
case $SIZE_MB$FILES$SEED in *[!0-9]*) echo "commit.sh: sizes, counts and seeds are numbers" >&2; exit 2 ;; esac
[ "$FILES" -ge 10 ] || { echo "commit.sh: --files must be at least 10" >&2; exit 2; }
[ "$SIZE_MB" -ge 1 ] || { echo "commit.sh: --size-mb must be at least 1" >&2; exit 2; }

here=$(cd "$(dirname "$0")" && pwd)
VDS=${VDS_BIN:-$here/../vds}
[ -x "$VDS" ] || { echo "commit.sh: no vds binary at $VDS (set VDS_BIN)" >&2; exit 1; }
VDS=$(cd "$(dirname "$VDS")" && pwd)/$(basename "$VDS")

mkdir -p "$OUT"
W=$(cd "$OUT" && pwd)/commit
rm -rf "$W"
mkdir -p "$W"
SRC=$W/src DST=$W/copy
export VDS_HOME=$W/home HOME=$W/userhome TZ=UTC LC_ALL=C
unset XDG_CONFIG_HOME XDG_DATA_HOME XDG_CACHE_HOME VDS_DATADIR
mkdir -p "$HOME"


BYTES=$((SIZE_MB * 1024 * 1024))

# ---- room on the disk: the tree, its copy and the store ------------------
need_kb=$((BYTES * 3 / 1024 + BYTES / 1024 / 4 + 65536))
bench_init commit.sh "$need_kb"

# ---- tools ---------------------------------------------------------------
# field NAME: a value from the last /usr/bin/time -v report, or "-"
field() {
	if [ ${#TIMEV[@]} -gt 0 ] && [ -s "$W/time.txt" ]; then
		awk -F': ' -v k="$1" '$1 ~ k { v = $2 } END { print (v == "" ? "-" : v) }' "$W/time.txt"
	else
		echo -
	fi
}

# ---- the dataset: a plan of "SIZE PATH" lines, then the bytes -------------
# Sizes: 90% small files (1-64 KiB, log-uniform, at most 30% of the bytes);
# of the rest, half goes to medium files (log-uniform weights) and half to
# a few large ones (one per thousand files). A Park-Miller generator keeps
# the plan identical whatever awk runs it.
echo "commit.sh: building $FILES files, $SIZE_MB MiB, seed $SEED in $SRC" >&2
t0=$(now_ns)
awk -v n="$FILES" -v total="$BYTES" -v seed="$SEED" '
function rnd() { x = (x * 16807) % 2147483647; return x / 2147483647 }
BEGIN {
	x = seed % 2147483646 + 1
	for (i = 0; i < 10; i++) rnd()
	nhuge = int(n / 1000); if (nhuge < 1) nhuge = 1
	nsmall = int(n * 0.9); nmed = n - nsmall - nhuge
	small = 0
	for (i = 0; i < nsmall; i++) { s[i] = int(1024 * exp(rnd() * log(64))); small += s[i] }
	if (small > total * 0.3) {
		f = total * 0.3 / small; small = 0
		for (i = 0; i < nsmall; i++) { s[i] = int(s[i] * f); if (s[i] < 1) s[i] = 1; small += s[i] }
	}
	rest = total - small
	medbytes = nmed > 0 ? int(rest / 2) : 0
	wsum = 0
	for (i = nsmall; i < nsmall + nmed; i++) { w[i] = exp(rnd() * log(64)); wsum += w[i] }
	used = 0
	for (i = nsmall; i < nsmall + nmed; i++) { s[i] = int(medbytes * w[i] / wsum); if (s[i] < 1) s[i] = 1; used += s[i] }
	for (i = nsmall + nmed; i < n; i++) {
		s[i] = int((rest - used) / (n - i)); if (s[i] < 1) s[i] = 1; used += s[i]
	}
	# shuffle which path gets which size
	for (i = n - 1; i > 0; i--) { j = int(rnd() * (i + 1)); t = s[i]; s[i] = s[j]; s[j] = t }
	# about 25 files a folder: setNN/partNNN, a quarter of them two levels deeper
	nleaf = int(n / 25); if (nleaf < 1) nleaf = 1
	for (i = 0; i < n; i++) {
		leaf = i % nleaf
		dir = sprintf("set%02d/part%03d", leaf % 16, int(leaf / 16))
		if (leaf % 4 == 1) dir = dir sprintf("/deep%d/deeper%d", leaf % 3, leaf % 5)
		printf "%d %s/f%05d.dat\n", s[i], dir, i
	}
}' >"$W/plan"

awk '{ p = $2; sub(/\/[^\/]*$/, "", p); print p }' "$W/plan" | sort -u | (cd "$W" && mkdir -p src && cd src && xargs mkdir -p)
if command -v openssl >/dev/null 2>&1; then
	# AES-128-CTR over zeros, keyed by the seed: the same bytes on every run
	key=$(printf '%032x' "$SEED")
	exec 3< <(openssl enc -aes-128-ctr -K "$key" -iv 00000000000000000000000000000000 \
		-nosalt -in /dev/zero 2>/dev/null)
	GEN="openssl aes-128-ctr, seed $SEED"
else
	exec 3</dev/urandom
	GEN="/dev/urandom (openssl not found: content not reproducible)"
fi
while read -r size path; do
	head -c "$size" <&3 >"$SRC/$path"
done <"$W/plan"
exec 3<&-
want=$(awk '{ s += $1 } END { printf "%d", s }' "$W/plan")
got=$(find "$SRC" -type f -printf '%s\n' | awk '{ s += $1; n++ } END { printf "%d %d", s, n }')
if [ "$got" != "$want $FILES" ]; then
	echo "commit.sh: built tree has '$got' (bytes files), planned '$want $FILES'" >&2
	exit 1
fi
sync
t1=$(now_ns)
echo "commit.sh: built in $(secs "$t0" "$t1") s" >&2
largest=$(sort -n "$W/plan" | tail -n 1 | awk '{ printf "%.1f MiB", $1 / 1048576 }')
nsmall=$(awk '$1 <= 65536 { n++ } END { print n + 0 }' "$W/plan")
ndirs=$(find "$SRC" -mindepth 1 -type d | wc -l)

# ---- a fresh store on the same filesystem ---------------------------------
DS=$("$VDS" datasets create --name bench-commit | awk '/^Created dataset: / { print $3 }')
[ -n "$DS" ] || { echo "commit.sh: could not create the dataset" >&2; exit 1; }
mkdir -p "$VDS_HOME/store"
if [ "$(stat -c %d "$SRC")" != "$(stat -c %d "$VDS_HOME/store")" ]; then
	echo "commit.sh: source and store are on different filesystems" >&2
	exit 1
fi
# the hash cache ignores files changed within a second of a put
sleep 1

# ---- (a) copy -------------------------------------------------------------
drop_caches
t0=$(now_ns)
cp -r "$SRC" "$DST"
sync
t1=$(now_ns)
T_CP=$(secs "$t0" "$t1")
rm -rf "$DST"
sync

# ---- (b) first commit -----------------------------------------------------
run_commit() {
	rm -f "$W/time.txt"
	drop_caches
	t0=$(now_ns)
	"${TIMEV[@]}" "$VDS" datasets versions create --id "$DS" --message "$1" \
		--source-path "$SRC/" >"$W/vds.out"
	sync
	t1=$(now_ns)
	grep -q '^Committed dataset version: ' "$W/vds.out" || {
		echo "commit.sh: vds did not commit:" >&2; cat "$W/vds.out" >&2; exit 1
	}
}
run_commit first
T_B=$(secs "$t0" "$t1")
RSS_B=$(field 'Maximum resident set size')
CPU_B=$(awk -v u="$(field 'User time')" -v s="$(field 'System time')" \
	'BEGIN { if (u == "-") print "-"; else printf "%.2f", u + s }')
STORED=$(du -sk "$VDS_HOME/store/objects" | awk '{ printf "%.0f", $1 / 1024 }')

# ---- (c) commit of the unchanged tree ------------------------------------
run_commit second
T_C=$(secs "$t0" "$t1")
RSS_C=$(field 'Maximum resident set size')
CPU_C=$(awk -v u="$(field 'User time')" -v s="$(field 'System time')" \
	'BEGIN { if (u == "-") print "-"; else printf "%.2f", u + s }')

# both versions must hold the whole tree
for v in $("$VDS" datasets versions list --id "$DS" | awk -F'|' 'NR > 3 && NF > 2 { gsub(/ /, "", $2); print $2 }'); do
	n=$("$VDS" datasets versions details --id "$v" | awk -F'|' '$2 ~ /^ Files / { gsub(/ /, "", $3); print $3 }')
	[ "$n" = "$FILES" ] || { echo "commit.sh: $v has $n files, not $FILES" >&2; exit 1; }
done

# ---- report ----------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }'; }
verdict() { awk -v r="$1" -v t="$3" -v op="$2" 'BEGIN { ok = (op == "<=" ? r <= t : r < t); print (ok ? "met" : "MISSED") }'; }
mbps() { awk -v b="$BYTES" -v s="$1" 'BEGIN { printf "%.0f", (s > 0 ? b / 1048576 / s : 0) }'; }
R_BA=$(ratio "$T_B" "$T_CP")
R_CB=$(ratio "$T_C" "$T_B")

echo
echo "vds commit benchmark"
echo "  vds:        $("$VDS" --version) ($VDS)"
echo "  data:       $FILES files, $((want / 1048576)) MiB ($want bytes), $ndirs folders;"
echo "              $nsmall files <= 64 KiB, largest $largest; content from $GEN"
echo "  filesystem: $(df -PT "$W" | awk 'NR == 2 { print $2 " on " $1 }'), $(nproc) CPUs"
if [ "$CAN_DROP" = 1 ]; then
	echo "  caches:     page cache dropped before each timed step"
else
	echo "  caches:     NOT dropped (no permission to write /proc/sys/vm/drop_caches): figures are warm-cache"
fi
echo
printf '  %-44s %9s %8s %9s %10s\n' "step" "seconds" "MiB/s" "CPU s" "peak RSS"
printf '  %-44s %9s %8s %9s %10s\n' "(a) cp -r SRC DST && sync" "$T_CP" "$(mbps "$T_CP")" "-" "-"
printf '  %-44s %9s %8s %9s %10s\n' "(b) versions create --source-path (+ sync)" "$T_B" "$(mbps "$T_B")" "$CPU_B" "$(kb_mb "$RSS_B")"
printf '  %-44s %9s %8s %9s %10s\n' "(c) same, unchanged tree (+ sync)" "$T_C" "$(mbps "$T_C")" "$CPU_C" "$(kb_mb "$RSS_C")"
echo
printf '  %-22s %8s   target %-8s %s\n' "(b)/(a) first commit" "$R_BA" "<= 1.5" "$(verdict "$R_BA" "<=" 1.5)"
printf '  %-22s %8s   target %-8s %s\n' "(c)/(b) re-commit" "$R_CB" "< 0.15" "$(verdict "$R_CB" "<" 0.15)"
echo "  content stored after (b): $STORED MiB"
[ ${#TIMEV[@]} -gt 0 ] || echo "  (peak RSS and CPU not measured: /usr/bin/time not installed)"
exit 0
