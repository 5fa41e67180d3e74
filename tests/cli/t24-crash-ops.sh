#!/bin/sh
# t24-crash-ops: SIGKILL at random moments of the operations t11 leaves out:
# moving and deleting tags, deleting drafts and committed versions, deleting
# files from drafts, gc, and creates while gc runs beside them. After every
# kill the state is the one before or the one after the operation, and the
# operation run again completes; at the end fsck finds only leftovers of
# interrupted writes, every committed version reads back equal to what was
# committed and every tag names a committed version.
#
# gc with a grace of 0s is only run on a store where nothing else writes:
# the grace is what protects a running writer. The part with creates beside
# gc runs gc with its default grace; on the local provider every object is
# backdated by two hours between rounds (while no writer runs), so that gc
# does delete unreferenced content there, content the next create reuses.
. "$VDS_SRCDIR/tests/cli/lib.sh"

# SCALE (percent): the time budgets of the kill loops are twice as long on
# S3, where every run takes many times as long; VDS_TEST_BUDGET (percent,
# default 100) scales them all (the sanitizer pass of the suite uses less)
if is_s3; then SCALE=200; else SCALE=100; fi
SCALE=$((SCALE * ${VDS_TEST_BUDGET:-100} / 100))
# under valgrind (VDS_TEST_VALGRIND) every run takes TIME_SCALE times as
# long: so do the budgets, and a part has 5 rounds at most
SCALE=$((SCALE * TIME_SCALE))
if [ -n "${VDS_TEST_VALGRIND:-}" ]; then MAX_ROUNDS=5; else MAX_ROUNDS=1000000; fi
# budget SECONDS ROUNDS: true while the current part has time and rounds left
budget() {
	[ "$rounds" -lt "$2" ] && [ "$rounds" -lt "$MAX_ROUNDS" ] &&
		[ $(($(date +%s) - start)) -lt $(($1 * SCALE / 100 + 1)) ]
}

failures=
# fail TEXT: records a failure of the current part
fail() { failures="$failures [$1]"; }
# all_kills, all_completed: the counts over every part
all_kills=0 all_completed=0
# part_end DESC: reports the part's failures and kill counts, starts the next part
part_end() {
	diag "$1: $rounds rounds, $kills killed, $completed completed"
	is "$1" "$failures" ""
	all_kills=$((all_kills + kills)) all_completed=$((all_completed + completed))
	failures= kills=0 completed=0 rounds=0 start=$(date +%s)
}

# ---------------------------------------------------------------- what was committed
# EXP holds "REF DIR" lines: committed version REF must read back equal to folder DIR
EXP=$T/expected
: >"$EXP"
expect_as() { echo "$1 $2" >>"$EXP"; }
expected_of() { sed -n "s|^$1 ||p" "$EXP" | tail -n 1; }
# files_of DIR: the paths of the files and links below DIR, sorted
files_of() { (cd "$1" && find . ! -type d | sed 's|^\./||' | LC_ALL=C sort); }
# listed REF: the paths of the files and links of REF, sorted
listed() {
	vds datasets files list --id "$1" --recursive --json |
		sed -n 's/.*"path":"\([^"]*\)".*/\1/p' | LC_ALL=C sort
}
# readback REF: gets committed version REF and compares it with what was committed
checked=0
readback() {
	checked=$((checked + 1))
	_want=$(expected_of "$1")
	rm -rf "$T/get"
	if [ -z "$_want" ]; then
		fail "$1 is committed but nothing was committed as it"
	elif ! vds datasets files get --id "$1" --target-path "$T/get" >/dev/null 2>"$T/gerr"; then
		fail "get $1: $(cat "$T/gerr")"
	elif ! diff -r --no-dereference "$_want" "$T/get" >/dev/null 2>&1; then
		fail "$1 differs from $_want"
	fi
}
# committed DS: the committed versions of DS (DS:VER lines)
committed() {
	vds datasets versions list --id "$1" --isCommitted true --json |
		sed -n 's/.*"id":[^"]*"\(ds[0-9a-z]*:[0-9a-z]*\)".*/\1/p'
}
# state REF: sets st to committed, draft or gone, and nfiles to the file count
state() {
	vds datasets versions details --id "$1" --json >"$T/st" 2>"$T/sterr"
	case $? in
	0)
		nfiles=$(sed -n 's/.*"fileCount":[^0-9]*\([0-9]*\).*/\1/p' "$T/st")
		if grep -q '"isCommitted":	true' "$T/st"; then st=committed; else st=draft; fi ;;
	3) st=gone ;;
	*) st="error: $(cat "$T/sterr")" ;;
	esac
}
# tags_now DS: reads the tags of DS; tag TAG then names version $(tag TAG) (empty: none)
tags_now() {
	vds datasets tags list --id "$1" 2>"$T/tlerr" >"$T/tl" ||
		echo "| $1:(tags list failed) | $(cat "$T/tlerr") |" >"$T/tl"
	_tds=$1
}
tag() { sed -n "s/^| $_tds:\([^ ]*\) *| $1 *|\$/\1/p" "$T/tl"; }
# tag_of DS TAG: the version TAG names in DS now
tag_of() { tags_now "$1" && tag "$2"; }
# again DESC WANTRC WANTOUT [WANTERR]: the last run exited WANTRC with exactly
# WANTOUT on stdout and WANTERR (default: nothing) on stderr
again() {
	[ "$rc" = "$2" ] && [ "$(cat "$T/out")" = "$3" ] && [ "$(cat "$T/err")" = "${4:-}" ] ||
		fail "$1: exit $rc: $(cat "$T/out" "$T/err")"
}

# ---------------------------------------------------------------- sources
# S1..S4: four different trees (files, folders, a link, a binary) of the same shape
k=1
while [ $k -le 4 ]; do
	s="$T/s$k"
	d=0
	while [ $d -lt 6 ]; do
		mkdir -p "$s/d$d"
		f=0
		while [ $f -lt 5 ]; do
			printf 'tree %s folder %s file %s\n' $k $d $f >"$s/d$d/f$f.txt"
			f=$((f + 1))
		done
		d=$((d + 1))
	done
	for f in 0 1 2 3; do printf 'tree %s top %s\n' $k $f >"$s/top$f.txt"; done
	head -c 262144 /dev/urandom >"$s/d3/blob.bin"
	ln -s ../top0.txt "$s/d1/link"
	k=$((k + 1))
done
NF=$(files_of "$T/s1" | wc -l | tr -d ' ')

SP1=$(vds storageProviders list | sed -n 's/^| local *| \(sp[0-9a-z]*\) .*/\1/p')
DS=$(new_dataset ops)
k=1
while [ $k -le 4 ]; do
	run vds datasets versions create --id "$DS" --message "v$k" --source-path "$T/s$k/"
	eval "V$k=\$(sed -n 's/^Committed dataset version: //p' \"\$T/out\")"
	eval "expect_as \"\$V$k\" \"\$T/s$k\""
	k=$((k + 1))
done
check "setup: four committed versions" test -n "$V1" -a -n "$V2" -a -n "$V3" -a -n "$V4" -a -n "$SP1"
for t in t1 t2 t3; do vds datasets tags set --id "$V1" --name $t >/dev/null; done
is "setup: three tags" "$(vds datasets tags list --id "$DS" | grep -c "^| $V1 ")" 3
# vv N: version N of the four
vv() { eval "echo \$V$1"; }

# an undisturbed tags set, to aim the kills
t0=$(now_ms)
vds datasets tags set --id "$V2" --name t1 >/dev/null
span=$(($(now_ms) - t0 + 2))
diag "an undisturbed tags set takes about $span ms"

# ---------------------------------------------------------------- tags set
# at_t1, at_t2, at_t3: the version each tag names (known from the last round)
tags_now "$DS"
for t in t1 t2 t3; do eval "at_$t=\$(tag $t)"; done
rounds=0 start=$(date +%s) kills=0 completed=0
while budget 10 200; do
	tag=t$(($(rnd 3) + 1))
	to=$(vv $(($(rnd 4) + 1)))
	eval "old=\$at_$tag"
	if aimed_kill span datasets tags set --id "$to" --name $tag; then
		[ "$krc" = 0 ] || fail "tags set $to $tag: exit $krc"
		[ "$(tag_of "$DS" $tag)" = "${to#*:}" ] || fail "completed tags set $to $tag did not move it"
	else
		now=$(tag_of "$DS" $tag)
		[ "$now" = "$old" ] || [ "$now" = "${to#*:}" ] ||
			fail "killed tags set $to $tag: tag at '$now', neither '$old' nor '${to#*:}'"
		run vds datasets tags set --id "$to" --name $tag
		again "tags set $to $tag after a kill" 0 "Set dataset tag: $DS:$tag"
	fi
	eval "at_$tag=\${to#*:}"
	rounds=$((rounds + 1))
done
tags_now "$DS"
for t in t1 t2 t3; do
	eval "want=\$at_$t"
	[ "$(tag $t)" = "$want" ] || fail "tag $t names '$(tag $t)', not '$want' where it was set last"
done
part_end "killed tags set: a tag names its old or its new version, a rerun moves it"

# ---------------------------------------------------------------- tags delete
# the tags in turn, each at least once: every tag is deleted at the end
while [ "$rounds" -lt 3 ] || budget 8 200; do
	tag=t$((rounds % 3 + 1))
	eval "old=\$at_$tag"
	if [ -z "$old" ]; then
		old=$(vv $(($(rnd 4) + 1)))
		vds datasets tags set --id "$old" --name $tag >/dev/null
		old=${old#*:}
	fi
	if aimed_kill span datasets tags delete --id "$DS:$tag"; then
		[ "$krc" = 0 ] || fail "tags delete $tag: exit $krc"
		[ -z "$(tag_of "$DS" $tag)" ] || fail "completed tags delete $tag left the tag"
	else
		now=$(tag_of "$DS" $tag)
		run vds datasets tags delete --id "$DS:$tag"
		case $now in
		"$old") again "tags delete $tag after a kill" 0 "Deleted dataset tag: $DS:$tag" ;;
		"") again "tags delete $tag after a kill that deleted it" 3 "" \
			"vds: no such tag '$tag' in dataset $DS" ;;
		*) fail "killed tags delete $tag: tag at '$now', was '$old'" ;;
		esac
	fi
	eval "at_$tag="
	rounds=$((rounds + 1))
done
is "no tag is left after the deletes" "$(vds datasets tags list --id "$DS" | grep -c '^| ds')" 0
for t in t1 t2 t3; do vds datasets tags set --id "$(vv $(($(rnd 4) + 1)))" --name $t >/dev/null; done
part_end "killed tags delete: a tag is there or gone, a rerun deletes it"

# ---------------------------------------------------------------- versions delete: drafts
while budget 8 150; do
	D=$(new_version "$DS" --message doomed)
	vds datasets files put --id "$D" --source-path "$T/s$(($(rnd 4) + 1))/" >/dev/null
	if aimed_kill span datasets versions delete --id "$D"; then
		[ "$krc" = 0 ] || fail "versions delete $D: exit $krc"
		state "$D"; [ "$st" = gone ] || fail "completed versions delete $D left the draft"
	else
		state "$D"
		run vds datasets versions delete --id "$D"
		case $st in
		draft)
			[ "$nfiles" = "$NF" ] || fail "killed delete of draft $D left $nfiles of $NF files"
			again "versions delete $D after a kill" 0 "Deleted dataset version: $D" ;;
		gone) again "versions delete $D after a kill that deleted it" 3 "" \
			"vds: no version or tag '${D#*:}' in dataset $DS" ;;
		*) fail "killed versions delete $D: $st" ;;
		esac
	fi
	rounds=$((rounds + 1))
done
is "no deleted draft is left" \
	"$(vds datasets versions list --id "$DS" --json | grep -c '"message":	"doomed"')" 0
part_end "killed deletes of drafts: the draft is whole or gone, a rerun deletes it"

# ---------------------------------------------------------------- versions delete: committed
dspan=$span
while budget 10 150; do
	k=$(($(rnd 4) + 1))
	run vds datasets versions create --id "$DS" --message "doomed $k" --source-path "$T/s$k/"
	C=$(sed -n 's/^Committed dataset version: //p' "$T/out")
	[ -n "$C" ] || { fail "create: $(cat "$T/err")"; break; }
	expect_as "$C" "$T/s$k"
	tagged=$(rnd 3) # 0: untagged, 1: tag doomed, 2: tags doomed and doomed2
	[ "$tagged" -lt 1 ] || vds datasets tags set --id "$C" --name doomed >/dev/null
	[ "$tagged" -lt 2 ] || vds datasets tags set --id "$C" --name doomed2 >/dev/null
	if aimed_kill dspan datasets versions delete --id "$C" --force; then
		[ "$krc" = 0 ] || fail "versions delete --force $C: exit $krc"
		state "$C"; [ "$st" = gone ] || fail "completed versions delete $C left the version"
	else
		state "$C"
		[ "$st" != committed ] || readback "$C"
		run vds datasets versions delete --id "$C" --force
		case $st in
		committed) again "versions delete $C after a kill" 0 "Deleted dataset version: $C" ;;
		gone) again "versions delete $C after a kill that deleted it" 3 "" \
			"vds: no version or tag '${C#*:}' in dataset $DS" ;;
		*) fail "killed versions delete $C: $st" ;;
		esac
	fi
	if [ "$tagged" != 0 ]; then
		tags_now "$DS"
		[ -z "$(tag doomed)" ] || fail "tag doomed of deleted $C is left"
		[ -z "$(tag doomed2)" ] || fail "tag doomed2 of deleted $C is left"
	fi
	rounds=$((rounds + 1))
done
is "no deleted committed version is left" \
	"$(vds datasets versions list --id "$DS" --json | grep -c '"message":	"doomed [0-9]"')" 0
part_end "killed deletes of committed versions: whole or gone with their tags, a rerun deletes"

# ---------------------------------------------------------------- files delete in drafts
fspan=$span
while budget 8 150; do
	k=$(($(rnd 4) + 1))
	D=$(new_version "$DS" --message "trimmed $k")
	vds datasets files put --id "$D" --source-path "$T/s$k/" >/dev/null
	P1=d$(rnd 6) P2=top$(rnd 4).txt
	W="$T/exp/$rounds"
	mkdir -p "$W" && cp -PR "$T/s$k/." "$W" && rm -rf "${W:?}/$P1" "${W:?}/$P2"
	if aimed_kill fspan datasets files delete --id "$D" --path "$P1" --path "$P2"; then
		[ "$krc" = 0 ] || fail "files delete $D: exit $krc"
		[ "$(listed "$D")" = "$(files_of "$W")" ] || fail "completed files delete in $D: wrong files"
	else
		now=$(listed "$D")
		run vds datasets files delete --id "$D" --path "$P1" --path "$P2"
		if [ "$now" = "$(files_of "$T/s$k")" ]; then
			again "files delete in $D after a kill" 0 "Deleted 2 paths from dataset version: $D"
		elif [ "$now" = "$(files_of "$W")" ]; then
			again "files delete in $D after a kill that deleted them" 3 "" \
				"vds: no such file or folder '$P1' in $D"
		else
			fail "killed files delete of $P1 $P2 in $D: neither all files nor all but those"
		fi
	fi
	if [ $((rounds % 3)) = 0 ]; then
		run vds datasets versions commit --id "$D"
		again "commit $D" 0 "Committed dataset version: $D"
		expect_as "$D" "$W"
	fi
	rounds=$((rounds + 1))
done
part_end "killed files deletes: a draft holds all or all but the paths, a rerun deletes them"

# ---------------------------------------------------------------- gc --grace 0s, nothing else writing
# objkeys: the content objects of the default store
objkeys() {
	if is_s3; then s3keys objects/ | cut -d' ' -f1
	else (cd "$VDS_HOME/store" && find objects -type f); fi
}
GCRE='^Freed [0-9]* objects\{0,1\} ([0-9]* bytes, [0-9.]* [KMG]\{0,1\}i\{0,1\}B); [0-9]* referenced, 0 unreferenced but written or used less than 0s ago$'
run vds gc --grace 0s --storageProviderId "$SP1"
check "setup: gc --grace 0s frees what the deletes left" grep -q "$GCRE" "$T/out"
t0=$(now_ms)
vds gc --grace 0s --storageProviderId "$SP1" >/dev/null
gspan=$(($(now_ms) - t0 + 2))
mkdir -p "$T/garbage"
freed=0
while budget 8 100; do
	# unreferenced content: the twelve files of a deleted draft
	G="$T/garbage/r$rounds"
	mkdir -p "$G"
	head -c 36000 /dev/urandom | split -b 3000 - "$G/g"
	D=$(new_version "$DS")
	vds datasets files put --id "$D" --source-path "$G/" >/dev/null
	vds datasets versions delete --id "$D" >/dev/null
	sha256sum "$G"/* | sed 's|^\(..\)\([0-9a-f]*\) .*|objects/\1/\2|' >"$T/gkeys"
	if aimed_kill gspan gc --grace 0s --storageProviderId "$SP1"; then
		[ "$krc" = 0 ] || fail "gc: exit $krc"
	else
		run vds gc --grace 0s --storageProviderId "$SP1"
		grep -q "$GCRE" "$T/out" && [ "$rc" = 0 ] && [ ! -s "$T/err" ] ||
			fail "gc after a kill: exit $rc: $(cat "$T/out" "$T/err")"
		freed=$((freed + $(sed -n 's/^Freed \([0-9]*\) .*/\1/p' "$T/out")))
	fi
	left=$(objkeys | grep -c -F -x -f "$T/gkeys")
	[ "$left" = 0 ] || fail "gc left $left of the 12 unreferenced objects"
	if [ $((rounds % 3)) = 0 ]; then
		v=$(vv $(($(rnd 4) + 1)))
		run vds datasets versions verify --id "$v"
		again "verify $v after gc" 0 "Verified $NF files of $v: all intact"
	fi
	rounds=$((rounds + 1))
done
diag "gc reruns after kills freed $freed objects"
part_end "killed gc --grace 0s: only unreferenced content goes, a rerun frees the rest"

# ---------------------------------------------------------------- creates beside gc
if is_s3; then
	SP2=$(vds storageProviders create s3 --name busy --bucket "$VDS_TEST_S3_BUCKET" \
		--endpoint "$VDS_TEST_S3_ENDPOINT" --region "$VDS_TEST_S3_REGION" --prefix busy/ \
		--accessKey "$VDS_TEST_S3_ACCESS_KEY" --secretAccessKey "$VDS_TEST_S3_SECRET_KEY" |
		sed -n 's/^Created storage provider: //p')
else
	SP2=$(vds storageProviders create local --name busy --path "$T/busy" |
		sed -n 's/^Created storage provider: //p')
fi
DSG=$(vds datasets create --name busy --storageProviderId "$SP2" | sed -n 's/^Created dataset: //p')
check "setup: a dataset on a second provider" test -n "$DSG"
GB="$T/g/base"
mkdir -p "$GB"
cp -PR "$T/s1/." "$GB"
head -c 1048576 /dev/urandom >"$GB/big.bin"
NG=$(($(files_of "$GB" | wc -l) + 1))
# gc with its default grace, again and again, until g.stop exists
(
	while [ ! -e "$T/g.stop" ]; do
		timeout "$TEST_TIMEOUT" "$VDS_BIN" gc --storageProviderId "$SP2" >"$T/g.out" 2>&1
		echo "$? $(cat "$T/g.out")" >>"$T/g.log"
	done
) &
gcpid=$!
trap 'touch "$T/g.stop"; wait "$gcpid"; cleanup' EXIT
seen=" "
cspan=
while budget 14 80; do
	R="$T/g/r$rounds"
	mkdir -p "$R"
	cp -PR "$GB/." "$R"
	head -c 4096 /dev/urandom >"$R/round.bin"
	# round.bin's content, unreferenced and (locally) old when the create starts
	D=$(new_version "$DSG")
	vds datasets files put --id "$D" --source-path "$R/round.bin" >/dev/null
	vds datasets versions delete --id "$D" >/dev/null
	is_s3 || find "$T/busy/objects" -type f -exec touch -h -d '2 hours ago' {} +
	if [ -z "$cspan" ]; then
		t0=$(now_ms)
		run vds datasets versions create --id "$DSG" --source-path "$R/"
		cspan=$(($(now_ms) - t0 + 2))
		[ "$rc" = 0 ] || fail "an undisturbed create beside gc: exit $rc: $(cat "$T/err")"
		killed=0
	else
		aimed_kill cspan datasets versions create --id "$DSG" --source-path "$R/"
		killed=$?
		[ "$killed" = 1 ] || [ "$krc" = 0 ] || fail "create beside gc: exit $krc"
	fi
	# versions that appeared: committed ones hold R, drafts all of R or nothing
	for v in $(vds datasets versions list --id "$DSG" --json |
		sed -n 's/.*"id":[^"]*"\(ds[0-9a-z]*:[0-9a-z]*\)".*/\1/p'); do
		case $seen in *" $v "*) continue ;; esac
		seen="$seen$v "
		state "$v"
		case $st in
		committed) expect_as "$v" "$R"; readback "$v" ;;
		draft) [ "$nfiles" = 0 ] || [ "$nfiles" = "$NG" ] ||
			fail "a killed create left draft $v with $nfiles of $NG files" ;;
		*) fail "version $v: $st" ;;
		esac
	done
	if [ "$killed" = 1 ]; then
		run vds datasets versions create --id "$DSG" --source-path "$R/"
		C=$(sed -n 's/^Committed dataset version: //p' "$T/out")
		again "create after a killed create" 0 \
			"$(printf 'Created dataset version: %s\nCommitted dataset version: %s' "$C" "$C")"
		seen="$seen$C "
		expect_as "$C" "$R"
		readback "$C"
	fi
	rounds=$((rounds + 1))
done
touch "$T/g.stop"
wait "$gcpid"
trap cleanup EXIT
gcruns=$(wc -l <"$T/g.log" | tr -d ' ')
gcfreed=$(sed -n 's/^0 Freed \([0-9]*\) .*/\1/p' "$T/g.log" | awk '{ n += $1 } END { print n + 0 }')
diag "gc beside the creates: $gcruns runs freeing $gcfreed objects"
grep -v '^0 Freed [0-9]* objects\{0,1\} ([0-9]* bytes, [0-9.]* [KMG]\{0,1\}i\{0,1\}B); [0-9]* referenced, [0-9]* unreferenced but written or used less than 3600s ago$' \
	"$T/g.log" >"$T/g.bad"
[ ! -s "$T/g.bad" ] || fail "gc beside the creates: $(head -n 3 "$T/g.bad")"
[ "$gcruns" -ge 3 ] || fail "gc ran only $gcruns times beside the creates"
is_s3 || [ "$gcfreed" -ge 1 ] || fail "gc beside the creates freed nothing"
part_end "killed creates beside gc: committed versions whole, drafts all or nothing, reruns commit"

# ---------------------------------------------------------------- after all the kills
# fsck: what the kills left is at most temporary files, commits and
# deletions to finish and the folder of a version whose version.json is
# gone (a delete killed half way, or a draft killed before its
# version.json was renamed into it): notes, no damage
run vds fsck
diag "fsck: $(grep -c '^note:' "$T/out") leftovers; $(tail -n 1 "$T/out")"
is "fsck after all the kills: leftovers are no damage (exit 0)" "$rc" 0
is "fsck after all the kills finds only leftovers of interrupted writes" "$(grep -v \
	-e '^note:     leftover temporary file: tmp/[^/]*$' \
	-e '^note:     leftover of a deleted version: datasets/ds[0-9a-z]*/versions/[0-9a-z]*$' \
	-e '^note:     interrupted commit (commit again to finish it): datasets/ds[0-9a-z]*/versions/[0-9a-z]*/seal/[0-9a-f]*-[0-9a-z]*$' \
	-e '^note:     interrupted deletion (delete the version again to finish it): datasets/ds[0-9a-z]*/versions/[0-9a-z]*$' \
	-e '^Checked [0-9]* datasets, [0-9]* versions, [0-9]* tags, [0-9]* files: 0 problems, [0-9]* notes\{0,1\}, 0 repaired$' \
	"$T/out")" ""

checked=0
for ds in "$DS" "$DSG"; do
	for v in $(committed "$ds"); do readback "$v"; done
done
is "every committed version reads back equal to what was committed" "$failures" ""
failures=
for ds in "$DS" "$DSG"; do
	vds datasets tags list --id "$ds" >"$T/tags" || fail "tags list $ds"
	committed "$ds" >"$T/committed"
	for v in $(sed -n 's/^| \(ds[0-9a-z]*:[0-9a-z]*\) .*/\1/p' "$T/tags"); do
		grep -q -x -F "$v" "$T/committed" || fail "a tag names $v, not a committed version"
	done
done
is "every tag names a committed version" "$failures" ""
diag "$all_kills kills, $all_completed completions, $checked committed versions checked at the end"

done_testing
