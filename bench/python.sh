#!/usr/bin/env bash
# python.sh - reading every file of a many-file version into memory from
# Python: through the vds module (vds.open(REF).open(path).read()), through
# vds mount (open(path).read() below the mount) and from a plain folder.
#
# Commits FILES files (default 10000) of SIZE_KB KiB each (default 16;
# random bytes, 100 folders) to a local store and reads them all, RUNS
# times each (median; default 3):
#   warm, 1 process     the page cache holds the files (one unmeasured pass first)
#   warm, 4 processes   the same split over 4 forked workers, like a PyTorch
#                       DataLoader (the version opened before the fork)
# Then, when radosgw is installed (tests/s3/rgw.sh install), commits the
# same files to a bucket of a private radosgw and reads them cold (the vds
# cache emptied, the mount made anew before each run) with 4 workers,
# through the module and through the mount. Targets: the module within
# 1.5x of the plain folder warm; faster than the mount cold on S3.
#
# Usage: bench/python.sh [--files N] [--size-kb N] [--runs N] [--s3 0|1] [--keep] [OUTDIR]
#   --s3 0 leaves the radosgw part out.
#   OUTDIR defaults to ./bench/out; everything is written below OUTDIR/python.
#   VDS_BIN names the vds binary (default: ../vds next to this script);
#   the module is taken from python/lib beside it (VDS_PYTHON_LIB), run by
#   /usr/bin/python3 (VDS_PYTHON).
set -euo pipefail

FILES=10000
SIZE_KB=16
RUNS=3
S3=1
KEEP=0
OUT=./bench/out

. "$(dirname "$0")/lib.sh"
bench_args python.sh "files:FILES size-kb:SIZE_KB runs:RUNS s3:S3" "$@"
case $FILES$SIZE_KB$RUNS$S3 in '' | *[!0-9]*) echo "python.sh: --files, --size-kb and --runs take numbers" >&2; exit 2 ;; esac

here=$(cd "$(dirname "$0")" && pwd)
VDS=${VDS_BIN:-$here/../vds}
PY=${VDS_PYTHON:-/usr/bin/python3}
LIB=${VDS_PYTHON_LIB:-$(dirname "$VDS")/python/lib}
[ -x "$VDS" ] || { echo "python.sh: no vds binary at $VDS (set VDS_BIN)" >&2; exit 1; }
[ -d "$LIB/vds" ] || { echo "python.sh: no Python module in $LIB (build with python3-dev)" >&2; exit 1; }
export PYTHONPATH=$LIB PYTHONDONTWRITEBYTECODE=1

mkdir -p "$OUT"
W=$(cd "$OUT" && pwd)/python
rm -rf "$W"
mkdir -p "$W/src" "$W/mnt" "$W/home"
bench_init python.sh $((FILES * SIZE_KB * 3 + 100000))
RGW=
bench_on_exit() {
	"$VDS" umount "$W/mnt" >/dev/null 2>&1 || true
	[ -z "$RGW" ] || sh "$here/../tests/s3/rgw.sh" stop "$RGW" >/dev/null 2>&1 || true
}
export VDS_HOME=$W/home

cat >"$W/read.py" <<'PY'
# read.py MODE WHERE LIST WORKERS: reads every file named in LIST (one path a
# line) into memory, split over WORKERS forked processes; prints the seconds.
# MODE folder: WHERE is a folder (the plain copy, or the mount); vds: a reference.
import os, sys, time
mode, where, listfile, workers = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
paths = open(listfile).read().split("\n")[:-1]
if mode == "vds":
    import vds
    v = vds.open(where)
    def read(p):
        with v.open(p) as f:
            return len(f.read())
else:
    def read(p):
        with open(os.path.join(where, p), "rb") as f:
            return len(f.read())
def work(part):
    n = 0
    for p in part:
        n += read(p)
    return n
t0 = time.monotonic()
if workers == 1:
    total = work(paths)
else:
    pids = []
    for i in range(workers):
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                work(paths[i::workers])
                code = 0
            finally:
                os._exit(code)
        pids.append(pid)
    for pid in pids:
        if os.waitpid(pid, 0)[1] != 0:
            sys.exit("a worker failed")
print("%.3f" % (time.monotonic() - t0))
PY

echo "python.sh: writing $FILES files of $SIZE_KB KiB" >&2
"$PY" - "$W/src" "$FILES" "$SIZE_KB" <<'PY'
import os, sys
root, n, kb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(n):
    d = os.path.join(root, "d%02d" % (i % 100))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%05d.bin" % i), "wb") as f:
        f.write(os.urandom(kb * 1024))
PY
(cd "$W/src" && find . -type f | sed 's|^\./||' | sort) >"$W/list"
ds=$("$VDS" datasets create --name bench | sed -n 's/^Created dataset: //p')
ref=$("$VDS" datasets versions create --id "$ds" --source-path "$W/src/" |
	sed -n 's/^C[a-z]* dataset version: //p' | tail -n 1)
"$VDS" mount --id "$ref" "$W/mnt" >/dev/null || { echo "python.sh: cannot mount" >&2; exit 1; }

# median MODE WHERE WORKERS [PREP]: the median seconds of RUNS runs (PREP before each)
median() {
	local mode=$1 where=$2 workers=$3 prep=${4:-} i
	for ((i = 0; i < RUNS; i++)); do
		[ -z "$prep" ] || $prep
		"$PY" "$W/read.py" "$mode" "$where" "$W/list" "$workers"
	done | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
warm() { # WORKERS: one line of figures, each source read once before
	local folder vdsm mount
	"$PY" "$W/read.py" folder "$W/src" "$W/list" 1 >/dev/null
	"$PY" "$W/read.py" vds "$ref" "$W/list" 1 >/dev/null
	"$PY" "$W/read.py" folder "$W/mnt" "$W/list" 1 >/dev/null
	folder=$(median folder "$W/src" "$1")
	vdsm=$(median vds "$ref" "$1")
	mount=$(median folder "$W/mnt" "$1")
	printf '%-22s %8s %8s %8s %10s\n' "local, warm, $1 proc" "$folder" "$vdsm" "$mount" \
		"$(awk -v a="$vdsm" -v b="$folder" 'BEGIN { printf "%.2fx", a / b }')"
}
{
	echo "python.sh: $FILES files of $SIZE_KB KiB, median of $RUNS runs, seconds"
	printf '%-22s %8s %8s %8s %10s\n' "" folder module mount module/folder
	warm 1
	warm 4
} | tee "$W/result.txt"
"$VDS" umount "$W/mnt" >/dev/null

[ "$S3" = 1 ] || exit 0
if ! sh "$here/../tests/s3/rgw.sh" available; then
	echo "python.sh: radosgw is not installed: no cold S3 figures (tests/s3/rgw.sh install)" | tee -a "$W/result.txt"
	exit 0
fi
RGW=$(mktemp -d /tmp/vds-bench-rgw.XXXXXX)
rmdir "$RGW"
S3_RGW_MEM_MB=$((FILES * SIZE_KB / 1024 * 2 + 1024)) sh "$here/../tests/s3/rgw.sh" start "$RGW" >/dev/null
. "$RGW/env"
sp=$("$VDS" storageProviders create s3 --name rgw --bucket "$S3_BUCKET" --endpoint "$S3_ENDPOINT" \
	--prefix bench/ --accessKey "$S3_ACCESS_KEY" --secretAccessKey "$S3_SECRET_KEY" |
	sed -n 's/^Created storage provider: //p')
ds3=$("$VDS" datasets create --name bench-s3 --storageProviderId "$sp" | sed -n 's/^Created dataset: //p')
echo "python.sh: putting the files into radosgw" >&2
ref3=$("$VDS" datasets versions create --id "$ds3" --source-path "$W/src/" |
	sed -n 's/^C[a-z]* dataset version: //p' | tail -n 1)
cold_module() { rm -rf "$VDS_HOME/cache"; }
cold_mount() {
	"$VDS" umount "$W/mnt" >/dev/null 2>&1 || true
	rm -rf "$VDS_HOME/cache"
	"$VDS" mount --id "$ref3" "$W/mnt" >/dev/null
}
vdsm=$(median vds "$ref3" 4 cold_module)
mount=$(median folder "$W/mnt" 4 cold_mount)
printf '%-22s %8s %8s %8s %10s\n' "radosgw, cold, 4 proc" - "$vdsm" "$mount" \
	"module/mount $(awk -v a="$vdsm" -v b="$mount" 'BEGIN { printf "%.2fx", a / b }')" |
	tee -a "$W/result.txt"
