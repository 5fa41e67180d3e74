#!/bin/sh
# t16-gc: vds gc deletes exactly the content objects that no live version or
# draft references and that were written or reused longer ago than the grace
# period; it deletes nothing when a file list cannot be read, and it is safe
# next to a running put. Which objects exist afterwards is checked by name
# (objects/XX/REST of the SHA-256 of what was put), and every committed
# version that is left still verifies after each gc.
#
# Each part has its own VDS_HOME: drafts, committed versions, datasets,
# unreadable file lists and providers share one; renewal of reused content,
# a draft based on a committed version, gc beside a running put and an
# overlong grace have one each.
#
# The store is reached through lib.sh's store_* helpers, so the same checks
# run on the local provider and on an S3 bucket (each VDS_HOME then has its
# own prefix in the bucket). Only ageing differs: a local object is
# backdated with touch; an S3 object's age is its Last-Modified, which the
# server sets, so on S3 the test waits a few seconds instead and runs the
# gc meant to see old content with a grace of a few seconds.
. "$VDS_SRCDIR/tests/cli/lib.sh"

# GR: the grace in seconds under which content written before make_old is
# old; GRACE: the option giving it (none: the default of an hour)
if is_s3; then GR=5 GRACE="--grace 5s"; else GR=3600 GRACE=; fi

# use_home NAME: a fresh VDS_HOME (own config, store and hash cache); on S3
# its default provider keeps its store below the prefix NAME/store/
use_home() {
	VDS_HOME=$T/$1
	export VDS_HOME
	S3_PREFIX=$1/store/
	LIVE=
	is_s3 || return 0
	s3_home
}
# at_second CMD...: runs CMD with the store_* helpers reaching the second
# provider of the providers part (a local folder, or a prefix of the bucket)
at_second() { (VDS_HOME=$T/p2 S3_PREFIX=p2/store/ && "$@"); }
# has KEY: the store holds KEY; "2:KEY" is KEY of the second provider
has() {
	case $1 in
	2:*) at_second store_has "${1#2:}" ;;
	*) store_has "$1" ;;
	esac
}
# sha FILE: the SHA-256 of FILE's content
sha() { sha256sum "$1" | cut -c1-64; }
# objp HEX: the key of a content object
objp() { object_key "$1"; }
# obj_of FILE: the key of the object holding FILE's content
obj_of() { object_key "$(sha "$1")"; }
# manifest DS:VER: the hash of a committed version's file list
manifest() {
	store_cat "datasets/${1%%:*}/versions/${1#*:}/commit.json" |
		sed -n 's/.*"manifest":[^"]*"\([0-9a-f]*\)".*/\1/p'
}
# size FILE: its size in bytes (0 if it is missing)
size() { if [ -f "$1" ]; then wc -c <"$1" | tr -d ' '; else echo 0; fi; }
# osize KEY: the size of object KEY of the store in bytes (0 if it is missing)
osize() { { store_cat "$1" 2>/dev/null || :; } | wc -c | tr -d ' '; }
# nobj: how many objects the store holds
nobj() {
	for _x in $(store_ls objects); do store_ls "objects/$_x"; done | wc -l | tr -d ' '
}
# mtime KEY: when object KEY of the store was last written, in seconds
# since the epoch (its Last-Modified on S3)
mtime() {
	if is_s3; then
		date -d "$(s3curl HEAD "$1" -I | tr -d '\r' | sed -n 's/^[Ll]ast-[Mm]odified: //p')" +%s
	else
		stat -c %Y "$VDS_HOME/store/$1"
	fi
}
# make_old KEY...: makes objects of the store older than the grace GR:
# backdated by two hours (local), or after waiting GR + 1 seconds (S3: then
# everything written so far is that old)
make_old() {
	if is_s3; then sleep $((GR + 1)); else
		for _k; do touch -d '2 hours ago' "$VDS_HOME/store/$_k"; done
	fi
}
# renewed KEY: object KEY was written or renewed since $since (seconds)
renewed() { [ "$(mtime "$1")" -ge "$since" ]; }
# uncache: empties the local cache of content read from S3, where a file
# list read before is kept (checked against its SHA-256) and could still be
# read after the store's copy is damaged: the checks below are about file
# lists that cannot be read at all
uncache() { vds cache prune --max-size 0 >/dev/null; }
# human BYTES: the size as vds shows it after the byte count
human() {
	awk -v b="$1" 'BEGIN {
		if (b < 1024) printf "%d B", b
		else if (b < 1048576) printf "%.1f KiB", b / 1024
		else printf "%.1f MiB", b / 1048576 }'
}
# gcline VERB N BYTES KEPT YOUNG [GRACE]: the line vds gc prints
gcline() {
	_s=s
	[ "$2" = 1 ] && _s=
	echo "$1 $2 object$_s ($3 bytes, $(human "$3")); $4 referenced, $5 unreferenced but written or used less than ${6:-3600}s ago"
}
# present DESC KEY...: the store holds every KEY (see has)
present() {
	_d=$1; shift
	_miss=
	for _p; do has "$_p" || _miss="$_miss $_p"; done
	if [ -z "$_miss" ]; then ok "$_d"; else not_ok "$_d"; diag "missing:$_miss"; fi
}
# absent DESC KEY...: the store holds no KEY (see has)
absent() {
	_d=$1; shift
	_left=
	for _p; do ! has "$_p" || _left="$_left $_p"; done
	if [ -z "$_left" ]; then ok "$_d"; else not_ok "$_d"; diag "still there:$_left"; fi
}
# verify_live DESC: every committed version in $LIVE verifies
verify_live() {
	_bad=
	for _v in $LIVE; do
		run vds datasets versions verify --id "$_v"
		case "$rc $(cat "$T/out")" in
		"0 Verified "*" of $_v: all intact") ;;
		*) _bad="$_bad
$_v: exit $rc: $(cat "$T/out" "$T/err")" ;;
		esac
	done
	if [ -z "$_bad" ]; then ok "$1"; else not_ok "$1"; diag "$_bad"; fi
}
# gc_ok DESC WANT [ARGS...]: runs vds gc ARGS, expects WANT on stdout, no error
gc_ok() {
	_d=$1 _w=$2; shift 2
	run vds gc "$@"
	expect "$_d" 0 "$_w" ""
}
# rand FILE BYTES: FILE with BYTES random bytes
rand() { head -c "$2" /dev/urandom >"$1"; }
# put REF FILE...: puts files into a draft, checks nothing but success
put() {
	_r=$1; shift
	for _f; do set -- "$@" --source-path "$_f"; shift; done
	vds datasets files put --id "$_r" "$@" >/dev/null
}

S=$T/src
mkdir -p "$S"

# =================================================================== fresh store
use_home h1
gc_ok "nothing to free in a fresh store" \
	"Freed 0 objects (0 bytes, 0 B); 0 referenced, 0 unreferenced but written or used less than 3600s ago"
gc_ok "--dry-run in a fresh store" \
	"Would free 0 objects (0 bytes, 0 B); 0 referenced, 0 unreferenced but written or used less than 3600s ago" \
	--dry-run
for g in 0:0 90:90 90s:90 30m:1800 1h:3600 2d:172800; do
	gc_ok "--grace ${g%:*} is ${g#*:} seconds" "$(gcline Freed 0 0 0 0 "${g#*:}")" --grace "${g%:*}"
done
gc_ok "--grace=VALUE" "$(gcline Freed 0 0 0 0 1800)" --grace=30m
for g in 5x 1hh 1.5h 5H h '' -5 ' '; do
	run vds gc --grace="$g"
	expect "--grace '$g' is refused" 2 "" \
		"vds: --grace takes a duration such as 90s, 30m, 1h or 2d, not '$g'"
done
run vds gc --storageProviderId spzzzzzzzzzzzzz
expect "gc of an unknown provider" 3 "" "vds: no such storage provider 'spzzzzzzzzzzzzz'"

# ======================================================================= drafts
mkdir -p "$S/keep" "$S/d"
rand "$S/keep/k1.bin" 3000
printf 'kept\n' >"$S/keep/k2.txt"
rand "$S/d/d1.bin" 2000
printf 'draft only\n' >"$S/d/d2.txt"
DS=$(new_dataset first)
V1=$(new_version "$DS" --message one --source-path "$S/keep/")
check "setup: a committed version" test -n "$V1"
LIVE="$V1"
M1=$(objp "$(manifest "$V1")")
K1=$(obj_of "$S/keep/k1.bin") K2=$(obj_of "$S/keep/k2.txt")
present "setup: its content and file list are stored" "$K1" "$K2" "$M1"
D1=$(new_version "$DS" --message draft)
run vds datasets files put --id "$D1" --source-path "$S/d/d1.bin" --source-path "$S/d/d2.txt"
expect "setup: put into a draft" 0 "Put 2 files (2011 bytes) into dataset version: $D1" ""
O1=$(obj_of "$S/d/d1.bin") O2=$(obj_of "$S/d/d2.txt")
present "setup: the draft's content is stored" "$O1" "$O2"
gc_ok "a draft's content is referenced" "$(gcline Freed 0 0 5 0 0)" --grace 0
present "gc --grace 0 keeps a live draft's content" "$O1" "$O2" "$K1" "$K2" "$M1"

run vds datasets versions delete --id "$D1"
expect "delete the draft" 0 "Deleted dataset version: $D1" ""
present "deleting a draft deletes no content" "$O1" "$O2"
gc_ok "a deleted draft's young content stays with the default grace" "$(gcline Freed 0 0 3 2)"
gc_ok "... and with a grace of 30m" "$(gcline Freed 0 0 3 2 1800)" --grace 30m
present "the young unreferenced content is still there" "$O1" "$O2"

freed=$(($(osize "$O1") + $(osize "$O2")))
gc_ok "--dry-run --grace 0 says what would go" "$(gcline 'Would free' 2 "$freed" 3 0 0)" \
	--dry-run --grace 0
present "--dry-run deletes nothing" "$O1" "$O2"
gc_ok "--grace 0 frees the deleted draft's content" "$(gcline Freed 2 "$freed" 3 0 0)" --grace 0
absent "the deleted draft's objects are gone" "$O1" "$O2"
present "the committed version's objects stay" "$K1" "$K2" "$M1"
is "nothing else went" "$(nobj)" 3
verify_live "committed versions verify after freeing a draft"
gc_ok "a second gc finds nothing" "$(gcline Freed 0 0 3 0 0)" --grace 0

# a deleted draft that shared content with a committed version
cp "$S/keep/k1.bin" "$S/d/k1-copy.bin"
printf 'third\n' >"$S/d/d3.txt"
D2=$(new_version "$DS")
put "$D2" "$S/d/k1-copy.bin" "$S/d/d3.txt"
O3=$(obj_of "$S/d/d3.txt")
vds datasets versions delete --id "$D2" >/dev/null
gc_ok "a deleted draft frees only what nothing else names" \
	"$(gcline Freed 1 "$(size "$S/d/d3.txt")" 3 0 0)" --grace 0
absent "its own content is gone" "$O3"
present "content it shared with a committed version stays" "$K1"
verify_live "committed versions verify after freeing a sharing draft"

# ============================================================ committed versions
mkdir -p "$S/v2" "$S/v3"
cp -p "$S/keep/k1.bin" "$S/v2/k1.bin" # shared with V1
rand "$S/v2/u2.bin" 1500              # shared with V3
rand "$S/v2/o2.bin" 700               # only in V2
cp -p "$S/v2/u2.bin" "$S/v3/u2.bin"
printf 'only three\n' >"$S/v3/u3.txt"
V2=$(new_version "$DS" --message two --source-path "$S/v2/")
V3=$(new_version "$DS" --message three --source-path "$S/v3/")
check "setup: two more committed versions" test -n "$V2" -a -n "$V3"
LIVE="$V1 $V2 $V3"
vds datasets tags set --id "$V2" --name t2 >/dev/null
M2=$(objp "$(manifest "$V2")") M3=$(objp "$(manifest "$V3")")
U2=$(obj_of "$S/v2/u2.bin") OO2=$(obj_of "$S/v2/o2.bin") U3=$(obj_of "$S/v3/u3.txt")
gc_ok "every committed version's content is referenced" "$(gcline Freed 0 0 8 0 0)" --grace 0
verify_live "all committed versions verify"

run vds datasets versions delete --id "$V2"
expect "a tagged version needs --force" 6 "" \
	"vds: dataset version $V2 is tagged 't2': use --force to delete it"
run vds datasets versions delete --id "$V2" --force
expect "delete a tagged committed version with --force" 0 "Deleted dataset version: $V2" ""
LIVE="$V1 $V3"
freed=$(($(osize "$OO2") + $(osize "$M2")))
gc_ok "the default grace keeps what it alone referenced" "$(gcline Freed 0 0 6 2)"
gc_ok "--grace 0 frees what only the deleted version referenced" \
	"$(gcline Freed 2 "$freed" 6 0 0)" --grace 0
absent "its own content and its file list are gone" "$OO2" "$M2"
present "content shared with other versions stays" "$K1" "$U2"
present "the other versions' own objects stay" "$K2" "$M1" "$U3" "$M3"
is "nothing else went" "$(nobj)" 6
verify_live "remaining versions verify after deleting a committed version"

run vds datasets versions delete --id "$V3"
expect "delete an untagged committed version" 0 "Deleted dataset version: $V3" ""
LIVE="$V1"
freed=$(($(osize "$U2") + $(osize "$U3") + $(osize "$M3")))
gc_ok "then its content goes too, shared only with a deleted version" \
	"$(gcline Freed 3 "$freed" 3 0 0)" --grace 0
absent "u2, u3 and the file list are gone" "$U2" "$U3" "$M3"
verify_live "the first version still verifies"

# a file whose content gc freed is stored again when it is put again, even
# though the hash cache still knows the unchanged source file
D3=$(new_version "$DS")
run vds datasets files put --id "$D3" --source-path "$S/v3/u3.txt"
expect "put again a file whose content was freed" 0 \
	"Put 1 file (11 bytes) into dataset version: $D3" ""
present "its content is stored again" "$U3"
run vds datasets versions commit --id "$D3"
expect "commit it" 0 "Committed dataset version: $D3" ""
LIVE="$V1 $D3"
verify_live "the version with re-stored content verifies"

# ============================================================= deleting datasets
mkdir -p "$S/b"
cp "$S/keep/k2.txt" "$S/b/k2.txt" # shared with the first dataset
rand "$S/b/b1.bin" 900
printf 'draft of b\n' >"$S/bd.txt"
DSB=$(new_dataset second)
W1=$(new_version "$DSB" --source-path "$S/b/")
WD=$(new_version "$DSB")
put "$WD" "$S/bd.txt"
LIVE="$LIVE $W1"
MW=$(objp "$(manifest "$W1")")
B1=$(obj_of "$S/b/b1.bin") BD=$(obj_of "$S/bd.txt")
present "setup: the second dataset's objects" "$MW" "$B1" "$BD"
verify_live "both datasets verify"
n_before=$(nobj)
run vds datasets delete --id "$DSB"
expect "delete a dataset" 0 "Deleted dataset: $DSB" ""
LIVE="$V1 $D3"
freed=$(($(osize "$MW") + $(osize "$B1") + $(osize "$BD")))
gc_ok "--dry-run counts a deleted dataset's content" \
	"$(gcline 'Would free' 3 "$freed" 5 0 0)" --dry-run --grace 0
is "--dry-run deleted nothing" "$(nobj)" "$n_before"
gc_ok "a deleted dataset's content is freed" "$(gcline Freed 3 "$freed" 5 0 0)" --grace 0
absent "its versions' and drafts' objects are gone" "$MW" "$B1" "$BD"
present "content it shared with another dataset stays" "$K2"
verify_live "the other dataset verifies after deleting a dataset"

# ========================================================= unreadable file lists
printf 'garbage\n' >"$S/garbage.txt"
G=$(obj_of "$S/garbage.txt")
D4=$(new_version "$DS")
put "$D4" "$S/garbage.txt"
vds datasets versions delete --id "$D4" >/dev/null
store_cat "$M1" >"$T/m1.saved"
printf 'vds-manifest 1\n' >"$T/m1.bad"
store_put "$M1" "$T/m1.bad"
uncache
run vds gc --grace 0
expect "a corrupt file list stops gc" 9 "" "vds: file list of $V1 does not match its hash"
uncache
run vds gc --grace 0 --dry-run
expect "... also with --dry-run" 9 "" "vds: file list of $V1 does not match its hash"
present "a corrupt file list: nothing deleted" "$G" "$M1" "$K1" "$K2"
store_rm "$M1"
uncache
run vds gc --grace 0
expect "a missing file list stops gc" 9 "" "vds: file list of $V1 is missing"
present "a missing file list: nothing deleted" "$G" "$K1" "$K2"
store_put "$M1" "$T/m1.saved"
verify_live "the restored file list verifies"

# a draft whose change record does not read
D5=$(new_version "$DS")
put "$D5" "$S/keep/k2.txt"
rec="datasets/$DS/versions/${D5#*:}/changes/$(store_ls "datasets/$DS/versions/${D5#*:}/changes")"
store_cat "$rec" >"$T/rec.saved"
printf 'vds-changes 1\nX nonsense\n' | store_put_record "$rec"
run vds gc --grace 0
expect "a draft whose change record is corrupt stops gc" 9 "" \
	"vds: corrupt file list of $D5: line 2: malformed or unsafe entry"
present "a corrupt draft: nothing deleted" "$G" "$K1" "$K2" "$M1"
store_put "$rec" "$T/rec.saved"
gc_ok "once repaired, the garbage goes" "$(gcline Freed 1 "$(size "$S/garbage.txt")" 5 0 0)" \
	--grace 0
absent "the garbage is gone" "$G"
verify_live "all versions verify after the repaired gc"
vds datasets versions delete --id "$D5" >/dev/null

# ==================================================================== providers
mkdir -p "$S/p"
printf 'on the second provider\n' >"$S/p/p.txt"
printf 'garbage on the second provider\n' >"$S/p-garbage.txt"
printf 'garbage on the first provider\n' >"$S/l-garbage.txt"
if is_s3; then
	run vds storageProviders create s3 --name second --bucket "$VDS_TEST_S3_BUCKET" \
		--endpoint "$VDS_TEST_S3_ENDPOINT" --region "$VDS_TEST_S3_REGION" --prefix p2/store/ \
		--accessKey "$VDS_TEST_S3_ACCESS_KEY" --secretAccessKey "$VDS_TEST_S3_SECRET_KEY"
else
	run vds storageProviders create local --name second --path "$T/p2/store"
fi
SP2=$(sed -n 's/^Created storage provider: //p' "$T/out")
check "setup: a second provider" test -n "$SP2"
SP1=$(vds storageProviders list | sed -n 's/^| local *| \(sp[0-9a-z]*\) .*/\1/p')
check "setup: the first provider's id" test -n "$SP1"
DSC=$(vds datasets create --name third --storageProviderId "$SP2" | sed -n 's/^Created dataset: //p')
C1=$(new_version "$DSC" --source-path "$S/p/")
LIVE="$LIVE $C1"
CD=$(new_version "$DSC")
put "$CD" "$S/p-garbage.txt"
vds datasets versions delete --id "$CD" >/dev/null
LD=$(new_version "$DS")
put "$LD" "$S/l-garbage.txt"
vds datasets versions delete --id "$LD" >/dev/null
PG=2:$(obj_of "$S/p-garbage.txt") LG=$(obj_of "$S/l-garbage.txt")
MC=$(objp "$(at_second manifest "$C1")")
present "setup: garbage on both providers" "$PG" "$LG"

# a corrupt file list on one provider: gc deletes nothing on any
at_second store_cat "$MC" >"$T/mc.saved"
at_second store_put "$MC" "$T/m1.bad"
uncache
run vds gc --grace 0
expect "a corrupt file list on the second provider stops gc" 9 "" \
	"vds: file list of $C1 does not match its hash"
present "nothing is deleted on either provider" "$PG" "$LG"
LD=$(new_version "$DS") # the first provider's garbage again, should it be gone
put "$LD" "$S/l-garbage.txt"
vds datasets versions delete --id "$LD" >/dev/null
run vds gc --grace 0 --storageProviderId "$SP1"
expect "gc of the first provider alone is not stopped by the second" 0 \
	"$(gcline Freed 1 "$(size "$S/l-garbage.txt")" 5 0 0)" ""
absent "... and frees the first provider's garbage" "$LG"
present "... and not the second's" "$PG"
at_second store_put "$MC" "$T/mc.saved"

gc_ok "--storageProviderId limits gc to that provider" \
	"$(gcline Freed 1 "$(size "$S/p-garbage.txt")" 2 0 0)" --grace 0 --storageProviderId "$SP2"
absent "the second provider's garbage is gone" "$PG"
verify_live "every version on both providers verifies"

put "$(new_version "$DSC" | tee "$T/cd2")" "$S/p-garbage.txt"
vds datasets versions delete --id "$(cat "$T/cd2")" >/dev/null
LD=$(new_version "$DS")
put "$LD" "$S/l-garbage.txt"
vds datasets versions delete --id "$LD" >/dev/null
gc_ok "without --storageProviderId gc covers every provider" \
	"$(gcline Freed 2 $(($(size "$S/l-garbage.txt") + $(size "$S/p-garbage.txt"))) 7 0 0)" --grace 0
absent "garbage on both providers is gone" "$PG" "$LG"
verify_live "every version verifies after gc of all providers"

# =================================================== reuse protects old content
# Content a writer finds already stored is renewed: by a put that reads and
# hashes the file, by a put that trusts the hash cache, and by a commit
# whose file list is already stored. lib.sh serves as a file old enough for
# the hash cache to trust (it ignores files changed in the last second).
use_home h2
LIB=$VDS_SRCDIR/tests/cli/lib.sh
rand "$S/old2.bin" 5000
cp "$S/old2.bin" "$S/old2-copy.bin"
DS=$(new_dataset reuse)
V=$(new_version "$DS" --source-path "$LIB" --source-path "$S/old2.bin")
MV=$(objp "$(manifest "$V")")
R1=$(obj_of "$LIB") R2=$(obj_of "$S/old2.bin")
if grep -q "$(sha "$LIB")" "$VDS_HOME/cache/hashcache"; then
	ok "setup: the hash cache knows lib.sh"
else
	ok "setup: the hash cache knows lib.sh # SKIP lib.sh changed less than a second ago"
fi
make_old "$R1" "$R2" "$MV"
msize=$(osize "$MV")
vds datasets versions delete --id "$V" >/dev/null
freed=$(($(osize "$R1") + $(osize "$R2") + msize))
gc_ok "old unreferenced content would go with the default grace" \
	"$(gcline 'Would free' 3 "$freed" 0 0 "$GR")" --dry-run $GRACE
# lib.sh is put unchanged (the hash cache knows it), old2-copy.bin is a
# copy that has to be read and hashed: both find their content stored
E=$(new_version "$DS")
since=$(date +%s)
run vds datasets files put --id "$E" --source-path "$LIB" --source-path "$S/old2-copy.bin"
expect "put the same content again" 0 \
	"Put 2 files ($(($(size "$LIB") + 5000)) bytes) into dataset version: $E" ""
is "dedup: no new object" "$(nobj)" 3
check "the put renewed content the hash cache vouched for" renewed "$R1"
check "the put renewed content it read and hashed" renewed "$R2"
check "the old file list was left old" test "$(mtime "$MV")" -lt "$since"
# the renewal alone keeps the content: the draft that named it is gone
vds datasets versions delete --id "$E" >/dev/null
gc_ok "renewed content is young again: only the old file list goes" \
	"$(gcline Freed 1 "$msize" 0 2 "$GR")" $GRACE
absent "the old file list is gone" "$MV"
present "the renewed content stays" "$R1" "$R2"

make_old "$R1" "$R2"
E=$(new_version "$DS")
since=$(date +%s)
put "$E" "$LIB" "$S/old2-copy.bin"
is "dedup again: no new object" "$(nobj)" 2
check "the put renewed the reused content" renewed "$R1"
check "the put renewed the reused content (read and hashed)" renewed "$R2"
gc_ok "reused content named by a draft stays" "$(gcline Freed 0 0 2 0 "$GR")" $GRACE
present "the reused content is there" "$R1" "$R2"
run vds datasets versions commit --id "$E"
expect "the new draft commits" 0 "Committed dataset version: $E" ""
run vds datasets versions verify --id "$E"
expect "and verifies" 0 "Verified 2 files of $E: all intact" ""

# the same tree again: its commit finds the file list stored and renews it
ME=$(objp "$(manifest "$E")")
make_old "$ME"
E2=$(new_version "$DS")
since=$(date +%s)
put "$E2" "$LIB" "$S/old2-copy.bin"
run vds datasets versions commit --id "$E2"
expect "the same tree commits again" 0 "Committed dataset version: $E2" ""
is "both versions share one file list" "$(manifest "$E2")" "$(manifest "$E")"
check "the commit renewed the stored file list" renewed "$ME"
vds datasets versions delete --id "$E" >/dev/null
gc_ok "nothing is freed while the other version names it all" "$(gcline Freed 0 0 3 0 "$GR")" \
	$GRACE
run vds datasets versions verify --id "$E2"
expect "the version sharing the file list verifies" 0 "Verified 2 files of $E2: all intact" ""

# ========================================== a draft based on a committed version
# The browser makes such drafts (u on a committed version). The draft keeps
# its base's file list and the content it carries over, even once the base
# version is deleted.
use_home h3
mkdir -p "$S/base" "$S/up"
printf 'base a\n' >"$S/base/a.txt"
rand "$S/base/b.bin" 1200
printf 'extra\n' >"$S/up/extra.txt"
DS=$(new_dataset based)
V=$(new_version "$DS" --source-path "$S/base/")
MV=$(objp "$(manifest "$V")")
printf '%s\n' u y G '<Space>' u '<Enter>' :wait q >"$T/script"
(cd "$S/up" && VDS_UI_SCRIPT=$T/script TERM=vt100 LINES=24 COLUMNS=80 VDS_NOW=1 \
	vds browse "$V" >"$T/out" 2>"$T/err")
BD=$(vds datasets versions list --id "$DS" --isCommitted false | sed -n "s/^| \($DS:[0-9a-z]*\) .*/\1/p")
check "setup: the browser made a draft based on the version" test -n "$BD"
run vds datasets files list --id "$BD" --recursive
expect "setup: the draft carries the base's files and the upload" 0 "$(cat <<EOF
+-----------+------+
| Name      | Size |
+-----------+------+
| a.txt     | 7    |
| b.bin     | 1200 |
| extra.txt | 6    |
+-----------+------+
EOF
)" ""
vds datasets versions delete --id "$V" >/dev/null
gc_ok "the draft references its base's file list and carried-over content" \
	"$(gcline Freed 0 0 4 0 0)" --grace 0
present "they all stay" "$MV" "$(obj_of "$S/base/a.txt")" "$(obj_of "$S/base/b.bin")" \
	"$(obj_of "$S/up/extra.txt")"
run vds datasets versions commit --id "$BD"
expect "the based draft commits" 0 "Committed dataset version: $BD" ""
run vds datasets versions verify --id "$BD"
expect "and verifies" 0 "Verified 3 files of $BD: all intact" ""

# ============================================ gc next to a put in another process
use_home h4
mkdir -p "$S/c"
DS=$(new_dataset busy)
rand "$S/stale.bin" 3000
X=$(new_version "$DS")
put "$X" "$S/stale.bin"
vds datasets versions delete --id "$X" >/dev/null
STALE=$(obj_of "$S/stale.bin")
make_old "$STALE"
D=$(new_version "$DS")
N=25
(
	i=1
	while [ "$i" -le "$N" ]; do
		printf 'file %d\n' "$i" >"$S/c/f$i.txt"
		vds datasets files put --id "$D" --source-path "$S/c/f$i.txt" --target-path c \
			>>"$T/bg.out" 2>&1 || echo "put $i failed" >>"$T/bg.out"
		i=$((i + 1))
	done
	: >"$T/bg.done"
) &
bg=$!
runs=0 during=0 gcbad=
while [ ! -e "$T/bg.done" ] || [ "$runs" -lt 3 ]; do
	[ -e "$T/bg.done" ] || during=$((during + 1))
	run vds gc $GRACE
	case "$rc $(cat "$T/out")" in
	"0 Freed "*" unreferenced but written or used less than ${GR}s ago") ;;
	*) gcbad="$gcbad
exit $rc: $(cat "$T/out" "$T/err")" ;;
	esac
	runs=$((runs + 1))
done
wait "$bg"
check "gc ran while the puts were running" test "$during" -ge 1
is "gc ran beside the puts without an error" "$gcbad" ""
is "every put succeeded" "$(grep -vc '^Put 1 file (' "$T/bg.out")" 0
absent "the stale content was freed meanwhile" "$STALE"
run vds datasets versions commit --id "$D"
expect "the draft commits" 0 "Committed dataset version: $D" ""
run vds datasets versions verify --id "$D"
expect "with every file intact" 0 "Verified $N files of $D: all intact" ""
gc_ok "after the commit everything is referenced" "$(gcline Freed 0 0 $((N + 1)) 0 0)" --grace 0
run vds datasets versions verify --id "$D"
expect "and still verifies" 0 "Verified $N files of $D: all intact" ""

# ============================================ a grace too long to count
use_home h5
printf 'young garbage\n' >"$S/young.txt"
DS=$(new_dataset long)
X=$(new_version "$DS")
put "$X" "$S/young.txt"
vds datasets versions delete --id "$X" >/dev/null
Y=$(obj_of "$S/young.txt")
# 106751991167301 days is more seconds than a signed 64-bit count holds
run vds gc --grace 106751991167301d
case "$rc $(cat "$T/out") $(cat "$T/err")" in
"2  vds: --grace takes a duration such as 90s, 30m, 1h or 2d, not '106751991167301d'" | \
	"0 Freed 0 objects (0 bytes, 0 B); 0 referenced, 1 unreferenced but written or used less than "[0-9]*"s ago ")
	ok "a grace too long to count is refused or kept as long" ;;
*)
	not_ok "a grace too long to count is refused or kept as long"
	diag "exit $rc"; diag "$(cat "$T/out" "$T/err")" ;;
esac
present "a grace too long to count deletes nothing young" "$Y"

done_testing
