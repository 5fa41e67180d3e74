#!/bin/sh
# t44-packs: a store with the feature "packs" (vds-format(5), CONTENT PACKS).
# A store of before (content as whole objects) is given the feature; its old
# versions still read, new content goes into packs and is deduplicated
# against the old objects; round trips byte for byte (small files, 3 MiB,
# an empty file, links); exact growth of an append; on S3 one pack PUT per
# flush and none for an unchanged tree; fsck clean, also after commits
# killed at random moments; gc keeps every pack; a damaged pack refused on
# get, naming the pack and blob; the feature cannot be removed.
. "$VDS_SRCDIR/tests/cli/lib.sh"

S="$T/src"
mkdir -p "$S/sub" "$T/v0"
# keys PREFIX: every key below PREFIX/ of the default store, sorted
keys() {
	if is_s3; then s3keys "$1/" | cut -d' ' -f1 | sort
	else (cd "$VDS_HOME/store" 2>/dev/null && find "$1" -type f 2>/dev/null | sort); fi
}
# bytes PREFIX: the bytes of every object below PREFIX/
bytes() {
	if is_s3; then s3keys "$1/" | awk '{ n += $2 } END { print n + 0 }'
	else find "$VDS_HOME/store/$1" -type f -printf '%s\n' 2>/dev/null | awk '{ n += $1 } END { print n + 0 }'; fi
}
# puts LOG PREFIX: the PUT requests to keys below PREFIX/ in a --debug log
puts() { grep -c "^vds: debug: s3: PUT [^ ]*/${S3_PREFIX:-}$2/" "$1"; }
# written LOG PREFIX: the distinct keys below PREFIX/ PUT in a --debug log (a retried PUT once)
written() { grep -o "^vds: debug: s3: PUT [^ ]*/${S3_PREFIX:-}$2/[^ ]*" "$1" | sort -u | wc -l; }
# get REF DIR: files get of REF into DIR (new)
get() { rm -rf "$2" && vds datasets files get --id "$1" --target-path "$2" >/dev/null; }

# ---- a store of before: content as whole objects ------------------------------
head -c 300000 /dev/urandom >"$T/v0/old.bin"
printf 'old text\n' >"$T/v0/old.txt"
DS=$(new_dataset packs)
V0=$(new_version "$DS" --message zero --source-path "$T/v0/")
check "setup: a version of before" test -n "$V0"
nobj=$(keys objects | wc -l)
is "its content is in whole objects (two files and the file list)" "$nobj" 3

if is_s3; then SP=$S3_SP; kind=s3; else
	SP=$(vds storageProviders list --json | sed -n 's/.*"id":[^"]*"\(sp[a-z0-9]*\)".*/\1/p' | head -n 1)
	kind=local
fi
run vds storageProviders update $kind --id "$SP" --packs false
is "--packs false on a store without the feature changes nothing" "$rc" 0
is "... and its marker names no feature but datasetkeys" "$(store_cat VDS-FORMAT)" '{"format":"vds","version":2,"features":["datasetkeys"]}'
run vds storageProviders update $kind --id "$SP" --packs true
if is_s3; then upd="
Updated storage provider: $SP"; else upd=; fi
expect "update --packs true adds the feature and says so" 0 \
	"The store of storage provider $SP now keeps new content in packs$upd" ""
is "the marker names the feature" "$(store_cat VDS-FORMAT)" \
	'{"format":"vds","version":2,"features":["datasetkeys","packs"]}'
run vds storageProviders update $kind --id "$SP" --packs true
expect "a second --packs true says nothing more" 0 "${upd#?}" ""
run vds storageProviders update $kind --id "$SP" --packs false
expect "--packs false refused on a store with the feature" 6 "" \
	"vds: the store of storage provider $SP holds content in packs: the feature cannot be removed"
is "... and the marker still names it" "$(store_cat VDS-FORMAT)" \
	'{"format":"vds","version":2,"features":["datasetkeys","packs"]}'

get "$V0" "$T/g0"
check "the version of before still reads, byte for byte" diff -r "$T/v0" "$T/g0"

# ---- round trips ------------------------------------------------------------------
head -c 3145728 /dev/urandom >"$S/big.bin"
printf 'small\n' >"$S/small.txt"
: >"$S/empty"
ln -s small.txt "$S/link"
ln -s ../big.bin "$S/sub/up"
printf 'deep\n' >"$S/sub/deep.txt"
cp "$T/v0/old.bin" "$S/sub/old-again.bin"
V1=$(new_version "$DS" --message one --source-path "$S/")
check "a version committed into packs" test -n "$V1"
is "no new whole object: the old content is deduplicated against objects/" \
	"$(keys objects | wc -l)" "$nobj"
check "packs were written" test "$(keys packs | wc -l)" -ge 1
# the largest pack written so far holds big.bin
big=$(if is_s3; then s3keys packs/ | sort -k2 -n | tail -n 1 | cut -d' ' -f1; else
	(cd "$VDS_HOME/store" && find packs -type f -printf '%s %p\n' | sort -n | tail -n 1 | cut -d' ' -f2); fi)
check "index objects were written" test "$(keys index | wc -l)" -ge 1
get "$V1" "$T/g1"
check "files get reads it back byte for byte (links too)" diff -r "$S" "$T/g1"
is "the empty file is empty" "$(wc -c <"$T/g1/empty")" 0
run vds datasets versions verify --id "$V1"
is "versions verify of the packed version" "$rc" 0
packed=$(bytes packs)
check "the packs hold about one copy of the new content" \
	test "$packed" -gt 3145728 -a "$packed" -lt 3300000

# ranged reads through the Python module: only the chunks a range needs
if [ -n "${VDS_PYTHON_LIB:-}" ] && [ -d "$VDS_PYTHON_LIB/vds" ]; then
	run env PYTHONPATH="$VDS_PYTHON_LIB" PYTHONDONTWRITEBYTECODE=1 \
		timeout "$TEST_TIMEOUT" "${VDS_PYTHON:-python3}" - "$V1" "$S/big.bin" <<'EOF'
import sys, vds
ref, src = sys.argv[1], sys.argv[2]
want = open(src, "rb").read()
v = vds.open(ref)
bad = []
with v.open("big.bin") as f:
    for off, n in ((0, 10), (65535, 3), (1000000, 200000), (3145700, 100), (3145728, 5)):
        f.seek(off)
        if f.read(n) != want[off:off + n]:
            bad.append(off)
print("ranges differ at", bad if bad else "none")
print(v.read("sub/deep.txt").decode(), end="")
EOF
	expect "ranged reads of packed content through the Python module" 0 "ranges differ at none
deep" ""
else
	ok "ranged reads of packed content through the Python module # SKIP the module is not built"
fi

# ---- an unchanged tree stores nothing -----------------------------------------
vds --debug datasets versions create --id "$DS" --message again --source-path "$S/" \
	>/dev/null 2>"$T/again.log"
is "an unchanged tree adds nothing to packs/" "$(bytes packs)" "$packed"
if is_s3; then
	is "... and sends no pack" "$(puts "$T/again.log" packs)" 0
	is "... and no index object" "$(puts "$T/again.log" index)" 0
else
	ok "... and sends no pack # SKIP remote store only"
	ok "... and no index object # SKIP remote store only"
fi

# ---- an append stores a few chunks ----------------------------------------------
mkdir -p "$T/app"
head -c 2097152 /dev/urandom >"$T/app/log.bin"
new_version "$DS" --message log1 --source-path "$T/app/" >/dev/null
before=$(bytes packs)
head -c 1024 /dev/urandom >>"$T/app/log.bin"
VA=$(new_version "$DS" --message log2 --source-path "$T/app/")
grown=$(($(bytes packs) - before))
check "2 MiB + 1 KiB appended stores under 300 KiB ($grown bytes)" test "$grown" -lt 307200
get "$VA" "$T/ga"
check "the appended file reads back" cmp "$T/app/log.bin" "$T/ga/log.bin"

# ---- many small files: one pack per flush ---------------------------------------
mkdir -p "$T/many"
i=0
while [ $i -lt 200 ]; do
	head -c $((1024 + i * 13)) /dev/urandom >"$T/many/f$i"
	i=$((i + 1))
done
D=$(new_version "$DS")
vds --debug datasets files put --id "$D" --source-path "$T/many/" >/dev/null 2>"$T/many.log"
if is_s3; then
	is "200 small files: one pack PUT" "$(puts "$T/many.log" packs)" 1
	is "... and one index object" "$(written "$T/many.log" index)" 1
else
	ok "200 small files: one pack PUT # SKIP remote store only"
	ok "... and one index object # SKIP remote store only"
fi
run vds datasets versions commit --id "$D"
is "their commit" "$rc" 0
get "$D" "$T/gm"
check "200 small files read back" diff -r "$T/many" "$T/gm"

# ---- fsck, and a damaged pack ---------------------------------------------------
run vds fsck
is "fsck of the store with packs: clean" "$rc" 0
check "... no problem" grep -q ': 0 problems' "$T/out"

# ---- SIGKILL during commits: the store stays readable, fsck finds no damage ------
mkdir -p "$T/kill"
head -c 4194304 /dev/urandom >"$T/kill/k.bin"
# the first run killed 150 ms in (most likely while it reads or writes), the
# others at random moments aimed at the run's length
if is_s3; then span=1500 rounds=3; else span=400 rounds=8; fi
round=0
while [ $round -lt $rounds ]; do
	head -c 65536 /dev/urandom >"$T/kill/r$round"
	if [ $round = 0 ]; then
		killed_run 150 datasets versions create --id "$DS" --message "kill $round" \
			--source-path "$T/kill/" || :
	else
		aimed_kill span datasets versions create --id "$DS" --message "kill $round" \
			--source-path "$T/kill/" || :
	fi
	round=$((round + 1))
done
check "commits were killed ($kills of $round)" test "$kills" -ge 1
run vds fsck
is "after the kills fsck finds no damage" "$rc" 0
check "... 0 problems" grep -q ': 0 problems' "$T/out"
get "$V1" "$T/gk"
check "... and the packed version reads" diff -r "$S" "$T/gk"
run vds datasets versions list --id "$DS" --json
is "... and every version lists" "$rc" 0
run vds datasets versions verify --id "$DS:latest"
is "... and the latest one verifies" "$rc" 0

# a pack no index names: a leftover, removed by a repair once a day old
store_cat "$big" >"$T/orphan"
printf 'x' >>"$T/orphan"
oid=$(sha256sum "$T/orphan" | cut -c1-64)
okey=packs/$(echo "$oid" | cut -c1-2)/$oid
store_put "$okey" "$T/orphan"
run vds fsck
is "fsck with a pack no index names: exit 0" "$rc" 0
check "... a note naming it" grep -q "pack named by no index (an interrupted write): $okey" "$T/out"
run vds fsck --repair
check "... a young one is kept by a repair" store_has "$okey"
if is_s3; then
	ok "... one a day old is removed by a repair # SKIP S3 ages cannot be set back"
	store_rm "$okey"
else
	touch -d '2 days ago' "$VDS_HOME/store/$okey"
	run vds fsck --repair
	check "... one a day old is removed by a repair" test ! -e "$VDS_HOME/store/$okey"
fi
run vds fsck --read-data
is "fsck --read-data reads every blob of the packs: clean" "$rc" 0

# gc removes whole objects nothing uses, and no pack
pk=$(keys packs)
ix=$(keys index)
run vds gc --grace 0s
is "gc of the store with packs" "$rc" 0
is "... keeps every pack" "$(keys packs)" "$pk"
is "... and every index object" "$(keys index)" "$ix"
get "$V1" "$T/g2"
check "... and the packed version still reads" diff -r "$S" "$T/g2"
get "$V0" "$T/g3"
check "... and so does the version of before" diff -r "$T/v0" "$T/g3"

# a byte flipped in the middle of big.bin's pack
store_cat "$big" >"$T/pack"
size=$(wc -c <"$T/pack")
off=$((size / 2))
b=$(dd if="$T/pack" bs=1 skip=$off count=1 2>/dev/null | od -An -tu1 | tr -d ' ')
printf "$(printf '\\%03o' $(((b + 1) % 256)))" |
	dd of="$T/pack" bs=1 seek=$off conv=notrunc 2>/dev/null
store_put "$big" "$T/pack"
rm -rf "$VDS_HOME/cache/objects"
run vds datasets files get --id "$V1" --target-path "$T/gbad"
is "a damaged pack: get fails with status 9" "$rc" 9
check "... naming the pack" grep -q "${big##*/}" "$T/err"
check "... and the blob" grep -q ": blob [0-9a-f]\{64\} does not match its id$" "$T/err"
check "... and writes no wrong bytes" test ! -e "$T/gbad/big.bin"
run vds fsck --read-data
is "fsck --read-data finds the damaged pack" "$rc" 9
check "... naming the pack and the blob" \
	grep -q "${big##*/}: blob [0-9a-f]\{64\} does not match its id" "$T/out" "$T/err"

done_testing
