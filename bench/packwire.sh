#!/bin/sh
# packwire.sh - a store with the feature "packs" against one without, through
# the vds command: FILES (default 5000) files of 4 to 64 KiB committed into
# a bucket of radosgw, once into a store without packs and once into one
# with, each timed and its requests counted (--debug lines); then the
# append case on a local store (2 MiB committed, then 1 KiB appended and
# committed again: the bytes each commit adds to the store, under objects/
# without packs and under packs/ with). rclone is compared when it is
# installed (it copies the same folder into a third prefix); else the
# report says it was skipped.
#
# Usage (radosgw started and stopped by the test harness's tests/s3/run.sh):
#   VDS_BIN=$PWD/vds VDS_SRCDIR=$PWD BENCH_FILES=5000 \
#       sh tests/s3/run.sh rgw bench/packwire.sh
# The report goes to standard output (and to $BENCH_OUT if set).
. "$VDS_SRCDIR/tests/cli/lib.sh"

N=${BENCH_FILES:-5000}
OUTF=${BENCH_OUT:-/dev/null}
say() { printf '%s\n' "$1" | tee -a "$OUTF"; }
now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) / 1e9 }'; }

S=$T/files
mkdir -p "$S"
i=0
while [ $i -lt "$N" ]; do
	head -c $((4096 + ($(od -An -N2 -tu2 /dev/urandom) % 61440))) /dev/urandom >"$S/f$i"
	i=$((i + 1))
done
mb=$(du -sm "$S" | cut -f1)
say "packwire: $N files of 4-64 KiB ($mb MiB), load $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) processors"

# commit_into PREFIX PACKS: commits $S into a store at PREFIX; prints seconds and requests
commit_into() {
	S3_PREFIX=$1 s3_home
	vds datasets list >/dev/null
	[ "$2" = false ] || vds storageProviders update s3 --id "$S3_SP" --packs true >/dev/null
	_ds=$(new_dataset "bench-$2")
	_t0=$(now)
	vds --debug datasets versions create --id "$_ds" --message bench --source-path "$S/" \
		>/dev/null 2>"$T/debug-$2" || { echo "packwire: commit failed" >&2; exit 1; }
	_t1=$(now)
	[ -z "${BENCH_KEEP:-}" ] || cp "$T/debug-$2" "$BENCH_KEEP-$2"
	_puts=$(grep -c '^vds: debug: s3: PUT' "$T/debug-$2")
	_all=$(grep -c '^vds: debug: s3: ' "$T/debug-$2")
	_by=$(sed -n "s|^vds: debug: s3: PUT [^ ]*/$1\([a-zA-Z-]*\)/.*|\1|p" "$T/debug-$2" | sort | uniq -c |
		awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 }')
	say "  packs $2: $(secs "$_t0" "$_t1") s, $_all requests ($_puts PUTs: $_by)"
}
if [ -n "${VDS_TEST_S3:-}" ]; then
	say "radosgw, one commit of the files (vds datasets versions create --source-path):"
	commit_into plain/ false
	commit_into packed/ true
	if command -v rclone >/dev/null 2>&1; then
		_t0=$(now)
		RCLONE_CONFIG_B_TYPE=s3 RCLONE_CONFIG_B_PROVIDER=Ceph RCLONE_CONFIG_B_ENDPOINT=$VDS_TEST_S3_ENDPOINT \
			RCLONE_CONFIG_B_ACCESS_KEY_ID=$VDS_TEST_S3_ACCESS_KEY \
			RCLONE_CONFIG_B_SECRET_ACCESS_KEY=$VDS_TEST_S3_SECRET_KEY \
			rclone copy "$S" "b:$VDS_TEST_S3_BUCKET/rclone" --transfers 8
		say "  rclone copy: $(secs "$_t0" "$(now)") s"
	else
		say "  rclone: not installed, skipped"
	fi
fi

# the append case, on a local store
say "local store, 2 MiB committed, then 1 KiB appended and committed:"
for packs in false true; do
	store=$T/local-$packs
	vds storageProviders create local --name "l$packs" --path "$store" --packs "$packs" >/dev/null
	sp=$(vds storageProviders list --json | tr -d '\n\t ' | sed 's/},{/}\n{/g' |
		sed -n "s/.*\"id\":\"\\(sp[a-z0-9]*\\)\",\"name\":\"l$packs\".*/\\1/p")
	ds=$(vds datasets create --name "app-$packs" --storageProviderId "$sp" | sed -n 's/^Created dataset: //p')
	mkdir -p "$T/app-$packs"
	head -c 2097152 /dev/urandom >"$T/app-$packs/log.bin"
	new_version "$ds" --message one --source-path "$T/app-$packs/" >/dev/null
	b1=$(find "$store/objects" "$store/packs" -type f -printf '%s\n' 2>/dev/null | awk '{ n += $1 } END { print n + 0 }')
	head -c 1024 /dev/urandom >>"$T/app-$packs/log.bin"
	new_version "$ds" --message two --source-path "$T/app-$packs/" >/dev/null
	b2=$(find "$store/objects" "$store/packs" -type f -printf '%s\n' 2>/dev/null | awk '{ n += $1 } END { print n + 0 }')
	say "  packs $packs: first commit $b1 bytes, the append $((b2 - b1)) bytes"
done
echo "1..0 # SKIP a benchmark, not a test"
