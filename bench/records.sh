#!/usr/bin/env bash
# records.sh - how many requests, and how long, the commands that read a
# store's records take on S3, the first time and the second (record cache)
#
# Starts a private S3 server (radosgw on 127.0.0.1, tests/s3/rgw.sh) and
# makes a store of one dataset with VERSIONS committed versions (one small
# file each; the first 3 made with the CLI, the others written straight into
# the bucket with curl as copies of the third, each with its own id, times,
# message and record names, and its records' checksums) and TAGS tags, plus
# DATASETS - 1 other datasets (beyond 21, their records written straight
# into the bucket as copies of one made with the CLI). Then, for each
# added latency of LATENCIES (milliseconds per request, added by the test
# proxy tests/s3/faultproxy --latency-ms; 0: straight to the server), runs
#   datasets list
#   datasets versions list --id DS
#   datasets files list --id DS:latest
#   datasets versions details --id DS:latest
#   datasets tags list --id DS
# twice each with --debug and record packs off (VDS_TEST_NO_PACKS): first
# with no record cache (its folder removed: every record is read from the
# store), then again (records come from the cache; only listings are
# made); then, packs on, once with no record cache to leave a pack, and
# once more with no record cache, measured: a new machine after a pack
# exists, and again with that cache (a warm reader with packs). Reported
# per command and latency: the requests (the "s3: " lines of --debug) and
# the wall time of each measured run.
# Target: the second run's and the packed cold run's requests do not grow
# with VERSIONS (a listing page per 250 versions or so), and their time
# is a few round trips.
# Last, the same commands on a local store of VERSIONS versions (the
# default provider; it has no record cache), timed twice each.
#
# Usage: bench/records.sh [--versions N] [--datasets N] [--tags N]
#                         [--latencies LIST] [--keep] [OUTDIR]
#   Defaults: 200 versions, 21 datasets, 3 tags, latencies 0,20,80. OUTDIR defaults
#   to ./bench/out; everything is written below OUTDIR/records. VDS_BIN names
#   the vds binary, VDS_FAULTPROXY the proxy (default: the build's).
set -euo pipefail

VERSIONS=200
DATASETS=21
TAGS=3
LATENCIES=0,20,80
KEEP=0
OUT=./bench/out

. "$(dirname "$0")/lib.sh"
bench_args records.sh "versions:VERSIONS datasets:DATASETS tags:TAGS latencies:LATENCIES" "$@"
case $VERSIONS$DATASETS$TAGS${LATENCIES//,/} in
'' | *[!0-9]*) echo "records.sh: counts and latencies are numbers" >&2; exit 2 ;;
esac
[ "$VERSIONS" -ge 1 ] && [ "$DATASETS" -ge 1 ] ||
	{ echo "records.sh: --versions and --datasets must be at least 1" >&2; exit 2; }

here=$(cd "$(dirname "$0")" && pwd)
VDS=${VDS_BIN:-$here/../vds}
PROXY=${VDS_FAULTPROXY:-$here/../tests/s3/faultproxy}
[ -x "$VDS" ] || { echo "records.sh: no vds binary at $VDS (set VDS_BIN)" >&2; exit 1; }
[ -x "$PROXY" ] || { echo "records.sh: no proxy at $PROXY (make check builds it)" >&2; exit 1; }
RGW_SH=$here/../tests/s3/rgw.sh
sh "$RGW_SH" available || { echo "records.sh: radosgw is not installed ($RGW_SH install)" >&2; exit 1; }

mkdir -p "$OUT"
W=$(cd "$OUT" && pwd)/records
rm -rf "$W"
mkdir -p "$W/src"
export HOME=$W/userhome TZ=UTC LC_ALL=C VDS_HOME=$W/home
unset XDG_CONFIG_HOME XDG_DATA_HOME XDG_CACHE_HOME VDS_DATADIR
mkdir -p "$HOME"
RGWDIR=
PPID_PROXY=
bench_on_exit() {
	[ -z "$PPID_PROXY" ] || kill "$PPID_PROXY" 2>/dev/null || true
	[ -z "$RGWDIR" ] || sh "$RGW_SH" stop "$RGWDIR" || true
}
bench_init records.sh 65536
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# the server's unix sockets need a short folder
RGWDIR=$(mktemp -d /tmp/vds-records.XXXXXX)
rmdir "$RGWDIR"
sh "$RGW_SH" start "$RGWDIR" >"$W/rgw.txt"
. "$RGWDIR/env"

# provider ENDPOINT: points provider "bench" (prefix bench/) at ENDPOINT
SP=
provider() {
	if [ -z "$SP" ]; then
		SP=$("$VDS" storageProviders create s3 --name bench --bucket "$S3_BUCKET" \
			--endpoint "$1" --prefix bench --accessKey "$S3_ACCESS_KEY" \
			--secretAccessKey "$S3_SECRET_KEY" | sed -n 's/^Created storage provider: //p')
	else
		"$VDS" storageProviders update s3 --id "$SP" --endpoint "$1" >/dev/null
	fi
}
provider "$S3_ENDPOINT"

echo "records.sh: a store of $VERSIONS versions, $TAGS tags and $DATASETS datasets in $W" >&2
t0=$(now_ns)
DS=$("$VDS" datasets create --name bench --storageProviderId "$SP" | sed -n 's/^Created dataset: //p')
# up to 21 datasets are made with the CLI; more are written straight into
# the bucket (after the versions) as copies of other2's record
for i in $(seq 2 "$((DATASETS < 21 ? DATASETS : 21))"); do
	"$VDS" datasets create --name "other$i" --storageProviderId "$SP" >/dev/null
done
MADE=$((VERSIONS < 3 ? VERSIONS : 3))
for i in $(seq 1 "$VERSIONS"); do
	printf 'version %s\n' "$i" >"$W/src/v$i.txt"
	[ "$i" -le "$MADE" ] || continue
	"$VDS" datasets versions create --id "$DS" --message "v$i" --source-path "$W/src/v$i.txt" \
		>"$W/created"
done
VER=$(sed -n 's/^Committed dataset version: //p' "$W/created")
# s3get KEY, s3put KEY FILE: an object of the store, straight to the server
s3get() {
	curl -sf --aws-sigv4 "aws:amz:$S3_REGION:s3" --user "$S3_ACCESS_KEY:$S3_SECRET_KEY" \
		-H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' "$S3_ENDPOINT/$S3_BUCKET/bench/$1"
}
export S3_ENDPOINT S3_BUCKET S3_REGION S3_ACCESS_KEY S3_SECRET_KEY
# fill_versions DS VER TPL DEST: writes versions MADE+1..VERSIONS of DS below
# DEST/datasets/DS/versions/ as copies of version VER, whose records are in
# TPL (version.json, commit.json, changes, seal), each with its own id,
# times, message and record names, and its records' checksums; lists the
# keys written in DEST/keys
fill_versions() {
	python3 - "$4" "datasets/$1/versions" "$2" "$3" "$MADE" "$VERSIONS" <<'EOF'
import datetime, hashlib, os, random, re, string, sys
out, base, tid, tdir, made, total = sys.argv[1:7]
tpl = {n: open(os.path.join(tdir, n)).read() for n in ('version.json', 'commit.json', 'changes', 'seal')}
tch = re.search('"changes":\t\\["([^"]*)"', tpl['commit.json']).group(1)
tse = re.search('"seal":\t"([^"]*)"', tpl['commit.json']).group(1)
def seal(text):  # the record's checksum over its text with zeros in its place
    old = re.search('[0-9a-f]{64}', text).group(0)
    z = text.replace(old, '0' * 64, 1)
    return z.replace('0' * 64, hashlib.sha256(z.encode()).hexdigest(), 1)
def when(s):
    return datetime.datetime.strptime(s, '%Y-%m-%dT%H:%M:%S.%fZ')
created = re.search('"created":\t"([^"]*)"', tpl['version.json']).group(1)
committed = re.search('"committed":\t"([^"]*)"', tpl['commit.json']).group(1)
tmsg = re.search('"message":\t"([^"]*)"', tpl['commit.json']).group(1)
rnd = random.Random(42)
keys = open(os.path.join(out, 'keys'), 'w')
for i in range(int(made) + 1, int(total) + 1):
    vid = ''.join(rnd.choice(string.ascii_lowercase + string.digits) for _ in range(7))
    dt = datetime.timedelta(milliseconds=10 * i)
    c1 = (when(created) + dt).strftime('%Y-%m-%dT%H:%M:%S.%fZ')
    c2 = (when(committed) + dt).strftime('%Y-%m-%dT%H:%M:%S.%fZ')
    us = int((when(committed) + dt - datetime.datetime(1970, 1, 1)).total_seconds() * 1e6)
    tail = lambda: ''.join(rnd.choice(string.ascii_lowercase + string.digits) for _ in range(8))
    ch, se = '%016x-%s' % (us - 2, tail()), '%016x-%s' % (us - 1, tail())
    msg = lambda t: t.replace('"message":\t"%s"' % tmsg, '"message":\t"v%d"' % i)
    recs = {
        'version.json': seal(msg(tpl['version.json'].replace(tid, vid).replace(created, c1))),
        'commit.json': seal(msg(tpl['commit.json'].replace(committed, c2).replace(tch, ch)
                                .replace(tse, se))),
        'changes/' + ch: tpl['changes'],
        'seal/' + se: tpl['seal'],
    }
    for name, text in recs.items():
        key = '%s/%s/%s' % (base, vid, name)
        path = os.path.join(out, key)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        open(path, 'w').write(text)
        keys.write(key + '\n')
EOF
}
# the other versions are written straight into the bucket (the CLI on a busy
# machine takes seconds each)
if [ "$VERSIONS" -gt "$MADE" ]; then
	vk=datasets/$DS/versions/${VER#*:}
	mkdir -p "$W/fill/tpl" "$W/fill/put"
	s3get "$vk/version.json" >"$W/fill/tpl/version.json"
	s3get "$vk/commit.json" >"$W/fill/tpl/commit.json"
	ch=$(sed -n 's/.*"changes":[^"]*"\([^"]*\)".*/\1/p' "$W/fill/tpl/commit.json")
	se=$(sed -n 's/.*"seal":[^"]*"\([^"]*\)".*/\1/p' "$W/fill/tpl/commit.json")
	s3get "$vk/changes/$ch" >"$W/fill/tpl/changes"
	s3get "$vk/seal/$se" >"$W/fill/tpl/seal"
	fill_versions "$DS" "${VER#*:}" "$W/fill/tpl" "$W/fill/put"
	xargs -P 8 -n 1 sh -c 'curl -sf -o /dev/null --aws-sigv4 "aws:amz:$S3_REGION:s3" \
		--user "$S3_ACCESS_KEY:$S3_SECRET_KEY" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
		-T "$0/$1" "$S3_ENDPOINT/$S3_BUCKET/bench/$1"' "$W/fill/put" <"$W/fill/put/keys"
	VER=$("$VDS" datasets versions details --id "$DS:latest" --json | sed -n 's/.*"id":\t"\(.*\)",/\1/p' | head -n 1)
fi
if [ "$DATASETS" -gt 21 ]; then
	tid=$("$VDS" datasets list --json | grep -B1 '"name":	"other2"' | sed -n 's/.*"id":\t"\(.*\)",/\1/p')
	mkdir -p "$W/fill/dput"
	# a store with the feature datasetkeys keeps the record at datasets/ID.json
	layout='datasets/%s/dataset.json'
	s3get VDS-FORMAT | grep -q datasetkeys && layout='datasets/%s.json'
	s3get "$(printf "$layout" "$tid")" >"$W/fill/dataset.json"
	python3 - "$W/fill/dput" "$W/fill/dataset.json" "$tid" "$DATASETS" "$layout" <<'EOF'
import hashlib, os, random, re, string, sys
out, tpl, tid, total, layout = sys.argv[1:6]
tpl = open(tpl).read()
def seal(text):  # the record's checksum over its text with zeros in its place
    old = re.search('[0-9a-f]{64}', text).group(0)
    z = text.replace(old, '0' * 64, 1)
    return z.replace('0' * 64, hashlib.sha256(z.encode()).hexdigest(), 1)
rnd = random.Random(43)
keys = open(os.path.join(out, 'keys'), 'w')
for i in range(22, int(total) + 1):
    ds = 'ds' + ''.join(rnd.choice(string.ascii_lowercase + string.digits) for _ in range(13))
    key = layout % ds
    os.makedirs(os.path.join(out, os.path.dirname(key)), exist_ok=True)
    text = tpl.replace(tid, ds).replace('"name":\t"other2"', '"name":\t"other%d"' % i)
    open(os.path.join(out, key), 'w').write(seal(text))
    keys.write(key + '\n')
EOF
	xargs -P 8 -n 1 sh -c 'curl -sf -o /dev/null --aws-sigv4 "aws:amz:$S3_REGION:s3" \
		--user "$S3_ACCESS_KEY:$S3_SECRET_KEY" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
		-T "$0/$1" "$S3_ENDPOINT/$S3_BUCKET/bench/$1"' "$W/fill/dput" <"$W/fill/dput/keys"
fi
for t in $(seq 1 "$TAGS"); do "$VDS" datasets tags set --id "$VER" --name "tag$t" >/dev/null; done
echo "records.sh: made in $(secs "$t0" "$(now_ns)") s" >&2

# measure CMD...: "REQUESTS SECONDS" of one run of vds --debug CMD
measure() {
	local a b
	a=$(now_ns)
	"$VDS" --debug "$@" >/dev/null 2>"$W/debug"
	b=$(now_ns)
	echo "$(grep -c '^vds: debug: s3: ' "$W/debug") $(secs "$a" "$b")"
}

printf '%-28s %7s  %9s %9s  %9s %9s  %9s %9s  %9s %9s\n' "command" latency "1st reqs" "1st s" \
	"2nd reqs" "2nd s" "pack reqs" "pack s" "pwarm req" "pwarm s" | tee "$W/table.txt"
for lat in ${LATENCIES//,/ }; do
	if [ "$lat" = 0 ]; then
		provider "$S3_ENDPOINT"
	else
		[ -z "$PPID_PROXY" ] || { kill "$PPID_PROXY"; wait "$PPID_PROXY" 2>/dev/null || true; }
		rm -f "$W/port"
		"$PROXY" --listen-port-file "$W/port" --upstream "${S3_ENDPOINT#http://}" \
			--latency-ms "$lat" --log "$W/proxy.log" &
		PPID_PROXY=$!
		n=0
		while [ ! -s "$W/port" ] && [ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done
		provider "http://127.0.0.1:$(cat "$W/port")"
	fi
	for cmd in "datasets list" "datasets versions list --id $DS" \
		"datasets files list --id $DS:latest" "datasets versions details --id $DS:latest" \
		"datasets tags list --id $DS"; do
		rm -rf "$VDS_HOME/cache/records"
		# $cmd is split into words on purpose: it holds no spaces of its own
		read -r r1 s1 <<<"$(VDS_TEST_NO_PACKS=1 measure $cmd)"
		read -r r2 s2 <<<"$(VDS_TEST_NO_PACKS=1 measure $cmd)"
		# a cold reader that may write leaves a pack; the next cold one reads it
		rm -rf "$VDS_HOME/cache/records"
		"$VDS" $cmd >/dev/null
		rm -rf "$VDS_HOME/cache/records"
		read -r r3 s3 <<<"$(measure $cmd)"
		read -r r4 s4 <<<"$(measure $cmd)"
		name=$(echo "$cmd" | sed 's/ --id .*//; s/^datasets \(.* \)/\1/')
		case $cmd in *latest) name="$name DS:latest" ;; esac
		printf '%-28s %5s ms  %9s %9s  %9s %9s  %9s %9s  %9s %9s\n' "$name" "$lat" "$r1" "$s1" \
			"$r2" "$s2" "$r3" "$s3" "$r4" "$s4" | tee -a "$W/table.txt"
	done
done

# ---- a local store: no record cache, the same commands timed ---------------------
DL=$("$VDS" datasets create --name local | sed -n 's/^Created dataset: //p')
for i in $(seq 1 "$MADE"); do
	"$VDS" datasets versions create --id "$DL" --message "v$i" --source-path "$W/src/v$i.txt" \
		>"$W/created"
done
if [ "$VERSIONS" -gt "$MADE" ]; then # as on S3, written straight into the store
	LV=$(sed -n 's/^Committed dataset version: [^:]*://p' "$W/created")
	vd=$VDS_HOME/store/datasets/$DL/versions/$LV
	mkdir -p "$W/fill/ltpl"
	cp "$vd/version.json" "$vd/commit.json" "$W/fill/ltpl/"
	cp "$vd"/changes/* "$W/fill/ltpl/changes"
	cp "$vd"/seal/* "$W/fill/ltpl/seal"
	fill_versions "$DL" "$LV" "$W/fill/ltpl" "$VDS_HOME/store"
	rm "$VDS_HOME/store/keys"
fi
for cmd in "datasets versions list --id $DL" "datasets files list --id $DL:latest" \
	"datasets versions details --id $DL:latest"; do
	read -r _ s1 <<<"$(measure $cmd)"
	read -r _ s2 <<<"$(measure $cmd)"
	name=$(echo "$cmd" | sed 's/ --id .*//; s/^datasets //')
	case $cmd in *latest) name="$name DS:latest" ;; esac
	printf '%-28s %8s  %9s %9s  %9s %9s  %9s %9s  %9s %9s\n' "$name" local - "$s1" - "$s2" - - - - |
		tee -a "$W/table.txt"
done
