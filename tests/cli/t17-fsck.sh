#!/bin/sh
# t17-fsck: vds fsck finds each kind of damage with one exact line and exits
# 9 for it; leftovers of interrupted or racing writes are notes (exit 0),
# and --repair removes only leftovers older than an hour, never committed
# data.
#
# The store is reached through lib.sh's store_* helpers, so the same checks
# run on the local provider and on an S3 bucket. Only ageing differs: a
# local file is backdated with touch, while an S3 object's age is its
# Last-Modified, set by the server; on S3 the repairs of old leftovers are
# skipped and the leftovers removed by hand instead.
. "$VDS_SRCDIR/tests/cli/lib.sh"

# ---------------------------------------------------------------- helpers
# age KEY...: makes the objects at or below KEY (files and folders of the
# local store) look written two hours ago; local stores only
age() { for _k; do find "$VDS_HOME/store/$_k" -exec touch -h -d '2 hours ago' {} +; done; }

# no_age DESC: skips a check that needs an old leftover (S3 only)
no_age() { ok "$1 # SKIP an S3 object's age is its Last-Modified, which cannot be backdated"; }

# store_write KEY: writes standard input as object KEY of the default store
store_write() { cat >"$T/store_write" && store_put "$1" "$T/store_write"; }

# gone KEY: the default store holds neither KEY nor keys below KEY/
gone() { ! store_has "$1"; }

# store_count PREFIX: how many children PREFIX has in the default store
store_count() { store_ls "$1" | wc -l | tr -d ' '; }

# stamp: a record name as writers make them (16 hex digits of microseconds,
# '-', 8 base36 characters), a second ahead so that it sorts after every
# record written so far; distinct on each call
stamp_n=0
stamp() {
	stamp_n=$((stamp_n + 1))
	printf '%016x-fsck%04d' "$((($(date +%s) + 1) * 1000000 + stamp_n))" "$stamp_n"
}

# plural N WORD: "1 WORD" or "N WORDs"
plural() { if [ "$1" = 1 ]; then echo "1 $2"; else echo "$1 $2s"; fi; }

# checked PROBLEMS NOTES REPAIRED: the summary line for the current counts
checked() {
	echo "Checked $(plural "$NDS" dataset), $(plural "$NV" version), $(plural "$NT" tag)," \
		"$(plural "$NF" file): $(plural "$1" problem), $(plural "$2" note), $3 repaired"
}

# left N: stderr of a check that finds N problems
left() { echo "vds: $(plural "$1" problem) found: see above"; }

# clean DESC [ARGS...]: fsck finds nothing
clean() {
	_d=$1; shift
	run vds fsck "$@"
	expect "$_d" 0 "$(checked 0 0 0)" ""
}

# filled VALUE...: true if no VALUE is empty
filled() { for _x; do [ -n "$_x" ] || return 1; done; }

# sha FILE: the SHA-256 of a local file
sha() { sha256sum "$1" | cut -c1-64; }

# manifest DS:VER: the manifest SHA-256 of a committed version
manifest() {
	store_cat "datasets/${1%%:*}/versions/${1#*:}/commit.json" |
		sed -n 's/.*"manifest":[^"]*"\([0-9a-f]*\)".*/\1/p' | head -n 1
}

# COMMITTED holds "DS:VER SOURCE" pairs, one a line: every committed
# version and the folder it was made from.
COMMITTED=
committed() { COMMITTED="$COMMITTED$1 $2
"; }

# intact DESC: every committed version verifies and reads back as its source
get_n=0
intact() {
	_bad=
	while read -r _v _src; do
		[ -n "$_v" ] || continue
		get_n=$((get_n + 1))
		_dir="$T/get$get_n"
		if ! vds datasets versions verify --id "$_v" >"$T/vout" 2>&1; then
			_bad="$_bad verify of $_v failed: $(cat "$T/vout");"
		elif ! vds datasets files get --id "$_v" --target-path "$_dir" >"$T/vout" 2>&1; then
			_bad="$_bad get of $_v failed: $(cat "$T/vout");"
		elif ! diff -r "$_src" "$_dir" >"$T/vout" 2>&1; then
			_bad="$_bad $_v differs from its source: $(cat "$T/vout");"
		fi
	done <<EOF
$COMMITTED
EOF
	if [ -z "$_bad" ]; then ok "$1"; else not_ok "$1"; diag "$_bad"; fi
}

# ---------------------------------------------------------------- a store
mkdir -p "$T/s1/d" "$T/s2" "$T/s3" "$T/s4" "$T/s5" "$T/s7" "$T/sg"
printf 'one\n' >"$T/s1/a.txt"
printf 'two\n' >"$T/s1/d/b.txt"
printf 'three\n' >"$T/s2/c.txt"
printf 'beta\n' >"$T/s3/tab$(printf '\t')name.txt"
printf 'draft\n' >"$T/s4/e.txt"
printf 'second draft\n' >"$T/s5/f.txt"
printf 'other provider\n' >"$T/s7/h.txt"
printf 'gone\n' >"$T/sg/gone.txt"

A=$(new_dataset alpha)
V1=$(new_version "$A" --message first --source-path "$T/s1/")
committed "$V1" "$T/s1"
vds datasets tags set --id "$V1" --name v1 >/dev/null
V2=$(new_version "$A" --message second --source-path "$T/s2/")
committed "$V2" "$T/s2"
D1=$(new_version "$A" --message draft)
vds datasets files put --id "$D1" --source-path "$T/s4/e.txt" >/dev/null
B=$(new_dataset beta)
V3=$(new_version "$B" --message third --source-path "$T/s3/")
committed "$V3" "$T/s3"
check "setup: three committed versions and a draft" filled "$A" "$B" "$V1" "$V2" "$V3" "$D1"
NDS=2 NV=4 NT=1 NF=5

# ---------------------------------------------------------------- a clean store
run vds fsck
expect "clean store" 0 "Checked 2 datasets, 4 versions, 1 tag, 5 files: 0 problems, 0 notes, 0 repaired" ""
clean "clean store, --repair" --repair
run vds fsck --bogus
expect "unknown option" 2 "" "vds: unknown option '--bogus' for 'vds fsck' (see 'vds fsck --help')"
run vds fsck --storageProviderId spnope
expect "unknown provider" 3 "" "vds: no such storage provider 'spnope'"
intact "setup: every committed version verifies and reads back"

# ---------------------------------------------------------------- leftover of a deleted dataset
G=$(new_dataset gone)
new_version "$G" --source-path "$T/sg/" >/dev/null
store_rm "datasets/$G.json" # a delete that stopped after its first step
NDS=3
MSG="leftover of a deleted dataset: datasets/$G"
run vds fsck
expect "leftover dataset" 0 "note:     $MSG
$(checked 0 1 0)" ""
run vds fsck --repair
expect "young leftover dataset: reported, not repaired" 0 "note:     $MSG
$(checked 0 1 0)" ""
check "young leftover dataset kept" store_has "datasets/$G/versions"
if is_s3; then
	no_age "old leftover dataset: repaired"
	no_age "old leftover dataset removed"
	store_rm "datasets/$G"
else
	age "datasets/$G"
	run vds fsck --repair
	expect "old leftover dataset: repaired" 0 "repaired: $MSG
$(checked 0 1 1)" ""
	check "old leftover dataset removed" gone "datasets/$G"
fi
NDS=2
clean "clean after removing the leftover dataset"
intact "committed versions intact after repairing a dataset leftover"

# ---------------------------------------------------------------- leftover of a deleted version
VX=$(new_version "$A" --message doomed --source-path "$T/s2/")
VXD="datasets/$A/versions/${VX#*:}"
store_rm "$VXD/version.json" # a delete that stopped after its first step
NV=5
MSG="leftover of a deleted version: datasets/$A/versions/${VX#*:}"
run vds fsck
expect "leftover version" 0 "note:     $MSG
$(checked 0 1 0)" ""
run vds fsck --repair
expect "young leftover version: reported, not repaired" 0 "note:     $MSG
$(checked 0 1 0)" ""
check "young leftover version kept" store_has "$VXD/commit.json"
if is_s3; then
	no_age "old leftover version: repaired"
	no_age "old leftover version removed"
	store_rm "$VXD"
	no_age "old leftover version holding a file written just now: not repaired"
	no_age "leftover version holding a new file kept"
else
	age "$VXD"
	run vds fsck --repair
	expect "old leftover version: repaired" 0 "repaired: $MSG
$(checked 0 1 1)" ""
	check "old leftover version removed" gone "$VXD"
	# an old folder is young while a file in it is: a writer may be at work there
	VY=$(new_version "$A" --message doomed --source-path "$T/s2/")
	VYD="datasets/$A/versions/${VY#*:}"
	store_rm "$VYD/version.json"
	age "$VYD"
	printf 'vds-changes 1\n' | store_write "$VYD/changes/$(stamp)" # written just now
	MSG="leftover of a deleted version: datasets/$A/versions/${VY#*:}"
	run vds fsck --repair
	expect "old leftover version holding a file written just now: not repaired" 0 "note:     $MSG
$(checked 0 1 0)" ""
	check "leftover version holding a new file kept" store_has "$VYD/commit.json"
	store_rm "$VYD"
fi
NV=4
clean "clean after removing the leftover version"
intact "committed versions intact after repairing a version leftover"

# ---------------------------------------------------------------- leftover temporary file
TMPF="tmp/fsckleftover"
printf 'half a copy' | store_write "$TMPF"
MSG="leftover temporary file: tmp/fsckleftover"
run vds fsck --repair
expect "young temporary file: reported, not repaired" 0 "note:     $MSG
$(checked 0 1 0)" ""
check "young temporary file kept" store_has "$TMPF"
if is_s3; then
	run vds fsck
	expect "young temporary file without --repair: reported" 0 "note:     $MSG
$(checked 0 1 0)" ""
	check "temporary file kept without --repair" store_has "$TMPF"
	no_age "old temporary file: repaired"
	no_age "old temporary file removed"
	store_rm "$TMPF"
else
	age "$TMPF"
	run vds fsck
	expect "old temporary file without --repair: reported" 0 "note:     $MSG
$(checked 0 1 0)" ""
	check "temporary file kept without --repair" store_has "$TMPF"
	run vds fsck --repair
	expect "old temporary file: repaired" 0 "repaired: $MSG
$(checked 0 1 1)" ""
	check "old temporary file removed" gone "$TMPF"
fi
clean "clean after removing the temporary file"

# ---------------------------------------------------------------- extra commit record
CDIR="datasets/$A/versions/${V2#*:}/commit"
XK="$CDIR/$(stamp).json"
# a commit record of format 1 beside commit.json: one that lost a race while
# the store was of format 1
store_cat "${CDIR}.json" | store_write "$XK"
MSG="extra commit record: $XK"
run vds fsck --repair
expect "young extra commit record: reported, not repaired" 0 "note:     $MSG
$(checked 0 1 0)" ""
check "young extra commit record kept" store_has "$XK"
if is_s3; then
	no_age "old extra commit record: repaired"
	no_age "extra commit record removed"
	store_rm "$XK"
else
	age "$XK"
	run vds fsck --repair
	expect "old extra commit record: repaired" 0 "repaired: $MSG
$(checked 0 1 1)" ""
	check "extra commit record removed" gone "$XK"
fi
check "winning commit record kept" store_has "$CDIR.json"
clean "clean after removing the extra commit record"
intact "committed versions intact after repairing an extra commit record"

# ---------------------------------------------------------------- change record that missed its commit
LK="datasets/$A/versions/${V1#*:}/changes/$(stamp)"
printf 'vds-changes 1\nD a.txt\n' | store_put_record "$LK" # a put that lost to a commit
MSG="change record that missed its commit: $LK"
run vds fsck --repair
expect "young change record that missed its commit: reported, not repaired" 0 "note:     $MSG
$(checked 0 1 0)" ""
check "young change record kept" store_has "$LK"
if is_s3; then
	no_age "old change record that missed its commit: repaired"
	no_age "change record removed"
	store_rm "$LK"
else
	age "$LK"
	run vds fsck --repair
	expect "old change record that missed its commit: repaired" 0 "repaired: $MSG
$(checked 0 1 1)" ""
	check "change record removed" gone "$LK"
fi
is "the committed change records stay" "$(store_count "datasets/$A/versions/${V1#*:}/changes")" 1
clean "clean after removing the change record"
intact "committed versions intact after repairing a change record"

# ---------------------------------------------------------------- seal record without a commit record
D2=$(new_version "$A" --message "sealed draft")
vds datasets files put --id "$D2" --source-path "$T/s5/f.txt" >/dev/null
NV=5 NF=6
SK="datasets/$A/versions/${D2#*:}/seal/$(stamp)"
printf '{}\n' | store_put_record "$SK"
MSG="interrupted commit (commit again to finish it): $SK"
run vds fsck --repair
expect "young seal record: reported, not repaired" 0 "note:     $MSG
$(checked 0 1 0)" ""
check "young seal record kept" store_has "$SK"
run vds datasets files put --id "$D2" --source-path "$T/s5/f.txt" --target-path again
is "a sealed draft takes no puts: exit 6" "$rc" 6
if is_s3; then
	no_age "old seal record: repaired"
	no_age "old seal record removed"
	store_rm "$SK"
else
	age "$SK"
	run vds fsck --repair
	expect "old seal record: repaired" 0 "repaired: $MSG
$(checked 0 1 1)" ""
	check "old seal record removed" gone "$SK"
fi
clean "clean after removing the seal record"
intact "committed versions intact after repairing a seal record"

# ---------------------------------------------------------------- interrupted commit, finished
D1D="datasets/$A/versions/${D1#*:}"
printf '{}\n' | store_put_record "$D1D/seal/$(stamp)" # a commit that stopped after sealing
is_s3 || age "$D1D"
SK="$D1D/seal/$(store_ls "$D1D/seal")"
run vds fsck
expect "interrupted commit" 0 "note:     interrupted commit (commit again to finish it): $SK
$(checked 0 1 0)" ""
run vds datasets versions commit --id "$D1"
expect "committing again finishes it" 0 "Committed dataset version: $D1" ""
committed "$D1" "$T/s4"
clean "clean after the commit"
check "the seal record stays after the commit" store_has "$SK"
intact "committed versions intact after finishing a commit"

# ---------------------------------------------------------------- missing content
OC=$(object_key "$(sha "$T/s2/c.txt")")
store_cat "$OC" >"$T/c.obj"
store_rm "$OC"
run vds fsck
expect "missing content of a committed version" 9 "problem:  $V2: content of 'c.txt' is missing
$(checked 1 0 0)" "$(left 1)"
run vds fsck --repair
expect "--repair does not mend missing content" 9 "problem:  $V2: content of 'c.txt' is missing
$(checked 1 0 0)" "$(left 1)"
store_put "$OC" "$T/c.obj"
OF=$(object_key "$(sha "$T/s5/f.txt")")
store_cat "$OF" >"$T/f.obj"
store_rm "$OF"
run vds fsck --repair
expect "missing content of a draft" 9 "problem:  $D2: content of 'f.txt' is missing
$(checked 1 0 0)" "$(left 1)"
store_put "$OF" "$T/f.obj"
OB=$(object_key "$(sha "$T/s3/tab$(printf '\t')name.txt")")
store_cat "$OB" >"$T/b.obj"
store_rm "$OB"
run vds fsck
expect "missing content: the path is escaped once" 9 \
	"problem:  $V3: content of 'tab\\x09name.txt' is missing
$(checked 1 0 0)" "$(left 1)"
store_put "$OB" "$T/b.obj"
clean "clean with the content back"
intact "committed versions intact after missing content"

# ---------------------------------------------------------------- corrupt dataset.json
DJ="datasets/$B.json"
store_cat "$DJ" >"$T/dataset.json"
printf 'garbage{{{' | store_write "$DJ"
MSG="record 'datasets/$B.json' is damaged: it carries no checksum"
NV=4 NF=5 # beta's version is not looked at
run vds fsck
expect "corrupt dataset.json" 9 "problem:  $MSG
$(checked 1 0 0)" "$(left 1)"
run vds fsck --repair
expect "corrupt dataset.json, --repair" 9 "problem:  $MSG
$(checked 1 0 0)" "$(left 1)"
check "--repair leaves a corrupt dataset.json alone" test "$(store_cat "$DJ")" = 'garbage{{{'
check "--repair keeps the dataset's versions" store_has "datasets/$B/versions/${V3#*:}/version.json"
store_put "$DJ" "$T/dataset.json"
NV=5 NF=6
clean "clean with dataset.json back"
intact "committed versions intact after a corrupt dataset.json"

# ---------------------------------------------------------------- corrupt version.json
VJ="datasets/$B/versions/${V3#*:}/version.json"
store_cat "$VJ" >"$T/version.json"
printf 'junk' | store_put_record "$VJ"
MSG="corrupt metadata in 'datasets/$B/versions/${V3#*:}/version.json'"
junk=$(store_cat "$VJ")
NF=5
run vds fsck --repair
expect "corrupt version.json" 9 "problem:  $MSG
$(checked 1 0 0)" "$(left 1)"
check "--repair leaves a corrupt version.json alone" test "$(store_cat "$VJ")" = "$junk"
store_put "$VJ" "$T/version.json"
NF=6
clean "clean with version.json back"
intact "committed versions intact after a corrupt version.json"

# ---------------------------------------------------------------- corrupt commit record
V3D="datasets/$B/versions/${V3#*:}"
is_s3 || age "$V3D" # old enough that --repair would remove a leftover
store_cat "$V3D/commit.json" >"$T/commit.json"
printf '{"committed":' | store_write "$V3D/commit.json"
MSG="record 'datasets/$B/versions/${V3#*:}/commit.json' is damaged: it carries no checksum"
NF=5
run vds fsck --repair
expect "corrupt commit record" 9 "problem:  $MSG
$(checked 1 0 0)" "$(left 1)"
check "--repair keeps the seal record of a committed version" test -n "$(store_ls "$V3D/seal")"
check "--repair keeps the change records of a committed version" \
	test -n "$(store_ls "$V3D/changes")"
store_put "$V3D/commit.json" "$T/commit.json"
NF=6
clean "clean with the commit record back"
intact "committed versions intact after a corrupt commit record"

# ---------------------------------------------------------------- manifest changed or missing
M=$(manifest "$V1")
MO=$(object_key "$M")
store_cat "$MO" >"$T/manifest"
sed 's/a\.txt$/c.txt/' "$T/manifest" | store_write "$MO"
NF=4
run vds fsck --repair
expect "changed manifest" 9 "problem:  file list of $V1 does not match its hash
$(checked 1 0 0)" "$(left 1)"
store_rm "$MO"
run vds fsck --repair
expect "missing manifest" 9 "problem:  file list of $V1 is missing
$(checked 1 0 0)" "$(left 1)"
store_put "$MO" "$T/manifest"
NF=6
clean "clean with the manifest back"
intact "committed versions intact after a damaged manifest"

# ---------------------------------------------------------------- tag naming a missing version
TK="datasets/$A/tags/ghost/$(stamp).json"
printf '{"name": "ghost", "version": "zzzzzzz"}\n' | store_put_record "$TK"
is_s3 || age "${TK%/*}"
NT=2
run vds fsck --repair
expect "tag naming a missing version" 9 "problem:  tag 'ghost' of $A names missing version zzzzzzz
$(checked 1 0 0)" "$(left 1)"
check "--repair keeps the tag record" store_has "$TK"
store_rm "${TK%/*}"
NT=1
clean "clean without the tag"
intact "committed versions intact after a tag naming a missing version"

# ---------------------------------------------------------------- corrupt tag record
TR="datasets/$A/tags/v1/$(store_ls "datasets/$A/tags/v1")"
store_cat "$TR" >"$T/tag.json"
printf 'nope' | store_write "$TR"
is_s3 || age "$TR"
NT=0
run vds fsck --repair
expect "corrupt tag record" 9 "problem:  skipped tag v1 of dataset $A: record '$TR' is damaged: it carries no checksum
$(checked 1 0 0)" "$(left 1)"
check "--repair leaves a corrupt tag record alone" test "$(store_cat "$TR")" = nope
store_put "$TR" "$T/tag.json"
NT=1
clean "clean with the tag record back"

# ---------------------------------------------------------------- corrupt change record of a draft
CK="datasets/$A/versions/${D2#*:}/changes/$(store_ls "datasets/$A/versions/${D2#*:}/changes")"
store_cat "$CK" >"$T/changes"
printf 'vds-changes 1\nX nonsense\n' | store_put_record "$CK"
nonsense=$(store_cat "$CK")
is_s3 || age "$CK"
NF=5
run vds fsck --repair
expect "corrupt change record of a draft" 9 "problem:  corrupt file list of $D2: line 2: malformed or unsafe entry
$(checked 1 0 0)" "$(left 1)"
check "--repair leaves a corrupt change record alone" \
	test "$(store_cat "$CK")" = "$nonsense"
store_put "$CK" "$T/changes"
NF=6
clean "clean with the change record back"
intact "committed versions intact after corrupt tag and change records"

# ---------------------------------------------------------------- --storageProviderId
SP1=$(vds datasets details --id "$A" --json |
	sed -n 's/.*"storageProviderId":[^"]*"\([^"]*\)".*/\1/p')
# at_second CMD...: runs CMD with the store_* helpers reaching the second provider
at_second() { (VDS_HOME=$T/second S3_PREFIX=second/store/ && "$@"); }
if is_s3; then
	SP2=$(vds storageProviders create s3 --name second --bucket "$VDS_TEST_S3_BUCKET" \
		--endpoint "$VDS_TEST_S3_ENDPOINT" --region "$VDS_TEST_S3_REGION" \
		--prefix second/store/ --accessKey "$VDS_TEST_S3_ACCESS_KEY" \
		--secretAccessKey "$VDS_TEST_S3_SECRET_KEY" | sed -n 's/^Created storage provider: //p')
else
	SP2=$(vds storageProviders create local --name second --path "$T/second/store" |
		sed -n 's/^Created storage provider: //p')
fi
C=$(vds datasets create --name gamma --storageProviderId "$SP2" | sed -n 's/^Created dataset: //p')
V4=$(new_version "$C" --source-path "$T/s7/")
committed "$V4" "$T/s7"
check "setup: a second provider with a committed version" filled "$SP1" "$SP2" "$C" "$V4"
NDS=3 NV=6 NF=7
clean "clean store with two providers"
NDS=2 NV=5 NF=6
clean "--storageProviderId: the first provider only" --storageProviderId "$SP1"
NDS=1 NV=1 NT=0 NF=1
clean "--storageProviderId: the second provider only" --storageProviderId "$SP2"
printf 'leftover' | at_second store_write tmp/fsckleftover2
is_s3 || at_second age tmp/fsckleftover2
MSG="leftover temporary file: tmp/fsckleftover2"
NDS=2 NV=5 NT=1 NF=6
clean "--storageProviderId: a problem elsewhere is not seen" --storageProviderId "$SP1"
clean "--storageProviderId --repair: a leftover elsewhere is not seen" --storageProviderId "$SP1" --repair
check "--repair of another provider keeps the leftover" at_second store_has tmp/fsckleftover2
NDS=3 NV=6 NF=7
run vds fsck
expect "every provider is checked by default" 0 "note:     $MSG
$(checked 0 1 0)" ""
NDS=1 NV=1 NT=0 NF=1
run vds fsck --storageProviderId "$SP2" --repair
if is_s3; then
	expect "--storageProviderId --repair: that provider's young leftover reported" 0 \
		"note:     $MSG
$(checked 0 1 0)" ""
	no_age "the other provider's leftover removed"
	at_second store_rm tmp/fsckleftover2
else
	expect "--storageProviderId --repair: that provider's leftover repaired" 0 "repaired: $MSG
$(checked 0 1 1)" ""
	check "the other provider's leftover removed" at_second gone tmp/fsckleftover2
fi
NDS=3 NV=6 NT=1 NF=7
clean "clean with two providers at the end"
intact "every committed version verifies and reads back at the end"

done_testing
