#!/bin/sh
# t32-races: the store protocol under delay. One chosen request (S3: held by
# the test proxy) or rename (local store: held by VDS_TEST_HOLD) of one
# command is held while another command runs, and the invariants of
# vds-format(5) CONCURRENCY must hold exactly:
#   I1  a version read as committed never changes its file list
#   I2  a put that exits 0 is in the version that commits it; a put that is
#       not in it exits non-zero
#   I3  no tag names a deleted version once both commands have exited
# First the scenario that broke the old protocol, with its exact outcome per
# backend; then every pairing of put, commit, tag set, tag delete, version
# delete and gc with the first one's decisive write held (with a
# $VDS_TEST_BUDGET below 100 percent, as in the sanitizer pass, each
# unordered pair once: on the local store all 21, on S3 radosgw and Swift
# take every other one, so that each runs once against a server).
. "$VDS_SRCDIR/tests/cli/lib.sh"

HOLD_MS=$((1500 * TIME_SCALE))
# ---------------------------------------------------------------- holding
# On S3 the default provider reaches the server through the proxy, whose
# rules file says which request to hold; the store_* helpers go straight
# to the server. The pairings below run in lanes, each with a proxy of its
# own: L is the lane ("" before them), its files are $T/port$L, $T/rules$L
# and $T/proxy$L.log.
L=
# proxy_start: starts lane $L's proxy and waits for its port
proxy_start() {
	"$PROXY" --listen-port-file "$T/port$L" --upstream "${VDS_TEST_S3_ENDPOINT#http://}" \
		--rules "$T/rules$L" --log "$T/proxy$L.log" 2>"$T/proxy$L.err" &
	PIDS="$PIDS $!"
	_n=0
	while [ ! -s "$T/port$L" ] && [ $_n -lt 100 ]; do sleep 0.05; _n=$((_n + 1)); done
}
if is_s3; then
	PROXY=${VDS_FAULTPROXY:-$(dirname "$VDS_BIN")/tests/s3/faultproxy}
	proxy_start
	(VDS_TEST_S3_ENDPOINT="http://127.0.0.1:$(cat "$T/port")" && s3_home)
fi

# held WHAT MS CMD...: runs vds CMD in the background with its first
# request WHAT ("METHOD TEXT": a request whose target holds TEXT; on the
# local store, the rename or link of a key holding TEXT) held MS
# milliseconds; its pid goes to $!, its stderr to the file $held_err.
# Rules add up until unhold.
held_n=0
held() {
	_w=$1 _ms=$2; shift 2
	held_n=$((held_n + 1)) held_err="$T/held$L.$held_n.err"
	if is_s3; then
		{ cat "$T/rules$L" 2>/dev/null; printf 'hold %s %s 1\n' "$_w" "$_ms"; } >"$T/rules$L.tmp"
		mv "$T/rules$L.tmp" "$T/rules$L"
		vds "$@" >/dev/null 2>"$held_err" &
	else
		VDS_TEST_HOLD="${_w#* }=$_ms" VDS_TEST_HOLD_LOG="$T/proxy$L.log" vds "$@" \
			>/dev/null 2>"$held_err" &
	fi
}
# unhold: no rule left for what follows
unhold() { if is_s3; then : >"$T/rules$L.tmp" && mv "$T/rules$L.tmp" "$T/rules$L"; fi; }
# holds: how many requests (renames) have been held so far: the proxy logs
# them, and so does vds on a local store (VDS_TEST_HOLD_LOG)
holds() { if [ -f "$T/proxy$L.log" ]; then grep -c 'hold' "$T/proxy$L.log"; else echo 0; fi; }
# wait_held N [PID]: waits (up to 10 s) until more than N have been held,
# or process PID has ended
wait_held() {
	_n=0
	while [ "$(holds)" -le "$1" ] && [ $_n -lt $((200 * TIME_SCALE)) ]; do
		[ -z "${2:-}" ] || kill -0 "$2" 2>/dev/null || break
		sleep 0.05
		_n=$((_n + 1))
	done
}

# files REF: the sorted paths of a version, or "error N"
files() {
	_o=$(vds datasets files list --id "$1" --recursive --json 2>/dev/null) || { echo "error $?"; return; }
	printf '%s\n' "$_o" | sed -n 's/.*"path":[^"]*"\([^"]*\)".*/\1/p' | sort | tr '\n' ' '
}
# committed DS:VER: true if the version is committed
committed() { vds datasets versions details --id "$1" --json 2>/dev/null | grep -q '"committed":[^a-z]*true'; }
mkdir -p "$T/src"
for i in 0 1 2 3 4 5 6 7 8 9; do printf 'file %s\n' "$i" >"$T/src/f$i.txt"; done

# ---------------------------------------------------------------- the scenario
# A draft holds f0.txt. P puts f1.txt with its change record held; A commits
# meanwhile, with its commit record held for longer; B commits once P's
# record has arrived, while A's is still held.
DS=$(new_dataset race)
D=$(new_version "$DS")
vds datasets files put --id "$D" --source-path "$T/src/f0.txt" >/dev/null
h=$(holds)
held "PUT changes/" $((4000 * TIME_SCALE)) datasets files put --id "$D" --source-path "$T/src/f1.txt"
P=$!
wait_held "$h"
held "PUT commit.json" $((9000 * TIME_SCALE)) datasets versions commit --id "$D"
A=$!
wait_held $((h + 1))
unhold
CH="datasets/${D%%:*}/versions/${D#*:}/changes"
n=0
while [ "$(store_ls "$CH" | wc -l)" -lt 2 ] && [ $n -lt $((200 * TIME_SCALE)) ]; do
	sleep 0.05
	n=$((n + 1))
done
run vds datasets versions commit --id "$D"
brc=$rc
seen_b=$(files "$D")
wait $P; prc=$?
wait $A; arc=$?
final=$(files "$D")
diag "put $prc, commit A $arc, commit B $brc; B saw: $seen_b; at the end: $final"
if [ "$brc" = 0 ]; then
	is "I1: what B's commit showed is what the version holds at the end" "$final" "$seen_b"
else
	ok "I1: B did not commit"
fi
case "$final" in
*f1.txt*) is "I2: the put is in the version: it exited 0" "$prc" 0 ;;
*) check "I2: the put is not in the version: it exited non-zero" test "$prc" != 0 ;;
esac
if [ "${VDS_TEST_S3:-}" = swift ]; then
	# no conditional writes: the lease lets A finish and refuses B
	is "swift: A's commit wins (exit 0)" "$arc" 0
	is "swift: B is refused while A holds the draft (exit 6)" "$brc" 6
	check "swift: B says why" grep -q "cannot arbitrate between commits" "$T/err"
	is "swift: the put missed A's commit (exit 5)" "$prc" 5
	is "swift: the version holds f0.txt" "$final" "f0.txt "
else
	is "B's commit wins (exit 0)" "$brc" 0
	is "A's late commit record loses (exit 6)" "$arc" 6
	is "A says so" "$(cat "$held_err")" "vds: dataset version $D was committed meanwhile by another process"
	is "the put is in B's commit (exit 0)" "$prc" 0
	is "the version holds f0.txt and f1.txt" "$final" "f0.txt f1.txt "
fi
run vds fsck
is "fsck after the race: no damage (exit 0)" "$rc" 0

# ---------------------------------------------------------------- every pairing
# Each pairing starts from the same store: one dataset with C committed
# (tag t on it), V committed (the one deleted and tagged) and D a draft
# holding f0.txt. That store is made once, by vds, as the fixture, and
# copied for each pairing into a store of its own (local: the folder; S3:
# each object copied by the server into the prefix pN/), which fsck checks
# once the pairing is over (on S3 once all are, several at once). The pairings run in $LANES lanes at once, each
# with its own VDS_HOME (and on S3 its own proxy): a pairing's hold, its
# commands and its store are its lane's alone, as a pairing spends most of
# its time waiting (holds, the server). Swift, slower to answer, gets one
# lane: with two, its answers came too late for the second command to end
# within the hold in 3 of 36 pairings (a commit seen done, not under way).
if [ "${VDS_TEST_S3:-}" = swift ]; then LANES=1; else LANES=2; fi
# use_fixture: the default store is now a new, empty one for the fixture
# (S3: below the prefix fixture/; local: the folder, the scenario's removed)
use_fixture() {
	if is_s3; then
		S3_PREFIX=fixture/
		(VDS_TEST_S3_ENDPOINT="http://127.0.0.1:$(cat "$T/port")" && s3_home)
	else
		rm -rf "$VDS_HOME/store"
	fi
}
# use_copy P: lane $L's store is now a copy of the fixture's (S3: every key
# copied by the server into the prefix P, 4 at once; local: the folder
# copied); 1 if a copy failed
use_copy() {
	if is_s3; then
		S3_PREFIX=$1
		(VDS_TEST_S3_ENDPOINT="http://127.0.0.1:$(cat "$T/port$L")" && s3_home)
		printf '%s\n' $fixture_keys | xargs -P 4 -I {} \
			curl -sS -f -o /dev/null -X PUT -T /dev/null --netrc-file "$T/netrc" \
			--aws-sigv4 "aws:amz:$VDS_TEST_S3_REGION:s3" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
			-H "x-amz-copy-source: /$VDS_TEST_S3_BUCKET/fixture/{}" \
			"$VDS_TEST_S3_ENDPOINT/$VDS_TEST_S3_BUCKET/$1{}"
	else
		rm -rf "$VDS_HOME/store" && cp -a "$T/fixture" "$VDS_HOME/store"
	fi
}
use_fixture
DS=$(new_dataset pairs)
C=$(new_version "$DS" --source-path "$T/src/f9.txt")
V=$(new_version "$DS" --source-path "$T/src/f8.txt")
vds datasets tags set --id "$C" --name t >/dev/null
D=$(new_version "$DS")
vds datasets files put --id "$D" --source-path "$T/src/f0.txt" >/dev/null
cfiles=$(files "$C") vfiles=$(files "$V")
is "the fixture: C holds f9.txt, V f8.txt, D f0.txt" "$cfiles/$vfiles/$(files "$D")" "f9.txt /f8.txt /f0.txt "
if is_s3; then
	fixture_keys=$(s3keys "" | sed 's/ [0-9]*$//')
else
	mv "$VDS_HOME/store" "$T/fixture"
fi
# op NAME: the command of operation NAME; what: the key text of its decisive write
op() {
	case $1 in
	put) echo "datasets files put --id $D --source-path $T/src/f$2.txt" ;;
	commit) echo "datasets versions commit --id $D" ;;
	tagset) echo "datasets tags set --id $V --name t" ;;
	tagdel) echo "datasets tags delete --id $DS:t" ;;
	vdel) echo "datasets versions delete --id $V --force" ;;
	gc) echo "gc" ;;
	esac
}
what() {
	case $1 in
	put) echo PUT changes/ ;;
	commit) echo PUT commit.json ;;
	tagset | tagdel) echo PUT /tags/ ;;
	vdel) echo PUT delete.json ;;
	gc) echo GET list-type ;; # S3 only: gc renames nothing on a local store
	esac
}
# pairing N X Y: pairing N, X held while Y runs, in lane $L's store; its
# result goes to $T/pair.N: "ok" or "not ok", the description, diagnostics
pairing() {
	_r=$T/pair.$1 x=$2 y=$3
	if ! use_copy "p$1/"; then
		printf 'not ok\n%s\n' "$x held, $y meanwhile: the fixture could not be copied" >"$_r"
		return
	fi
	h=$(holds)
	# shellcheck disable=SC2046
	held "$(what "$x")" "$HOLD_MS" $(op "$x" 1)
	X=$!
	is_s3 || [ "$x" != gc ] || h=-1 # gc renames nothing on a local store
	wait_held "$h" "$X"
	# shellcheck disable=SC2046
	vds $(op "$y" 2) >"$T/y$L.out" 2>"$T/y$L.err"
	yrc=$?
	# reads right after the second command: what it showed as committed
	yd=$(files "$D"); ydc=false
	! committed "$D" || ydc=true
	wait $X; xrc=$?
	unhold
	why=
	# I1: committed versions keep their file lists
	[ "$(files "$C")" = "$cfiles" ] || why="$why C changed;"
	if [ "$(files "$V")" != "$vfiles" ] && vds datasets versions details --id "$V" >/dev/null 2>&1; then
		why="$why V changed;"
	fi
	if [ "$ydc" = true ] && [ "$(files "$D")" != "$yd" ]; then why="$why D changed after it was read committed;"; fi
	# I2: every put that exited 0 is in D once committed
	committed "$D" || vds datasets versions commit --id "$D" >/dev/null 2>&1
	dfinal=$(files "$D")
	[ "$x" != put ] || [ "$xrc" != 0 ] || case $dfinal in *f1.txt*) ;; *) why="$why put 1 lost;" ;; esac
	[ "$y" != put ] || [ "$yrc" != 0 ] || case $dfinal in *f2.txt*) ;; *) why="$why put 2 lost;" ;; esac
	# I3: no tag names a deleted version
	tv=$(vds datasets tags list --id "$DS" --json 2>/dev/null | sed -n 's/.*"version":[^"]*"\([^"]*\)".*/\1/p')
	for v in $tv; do
		vds datasets versions details --id "$DS:$v" >/dev/null 2>&1 || why="$why tag on deleted $v;"
	done
	# and the store it leaves is whole (on S3 checked when the lanes are
	# done, out of the holds' way)
	is_s3 || vds fsck >"$T/fsck$L.out" 2>&1 ||
		why="$why fsck exit $?: $(head -n 3 "$T/fsck$L.out" | tr '\n' ' ');"
	if [ -n "$why" ]; then
		printf 'not ok\n%s\n' "$x held, $y meanwhile: exits $xrc and $yrc;$why" >"$_r"
		cat "$held_err" "$T/y$L.err" >>"$_r"
	else
		printf 'ok\n%s\n' "$x held, $y meanwhile: exits $xrc and $yrc" >"$_r"
	fi
}
OPS="put commit tagset tagdel vdel gc"
# (each name between spaces of its own, so that neighbours match too)
ops2=" $(echo $OPS | sed 's/ /  /g') "
pairs=0 k=0
: >"$T/pairs"
for x in $OPS; do
	for y in $OPS; do
		if [ "${VDS_TEST_BUDGET:-100}" -lt 100 ]; then # y before x: that pair ran as x, y
			case $ops2 in *" $y "*" $x "*) continue ;; esac
			# and the two S3 servers share them: radosgw the even, Swift the odd
			k=$((k + 1))
			case ${VDS_TEST_S3:-} in
			rgw) [ $((k % 2)) = 0 ] || continue ;;
			swift) [ $((k % 2)) = 1 ] || continue ;;
			esac
		fi
		pairs=$((pairs + 1))
		echo "$pairs $x $y" >>"$T/pairs"
	done
done
# lane l takes the pairings l, l + LANES, ...
l=1 lanes=
while [ $l -le $LANES ]; do
	L=.$l
	mkdir -p "$T/lane$l"
	! is_s3 || proxy_start
	(
		VDS_HOME=$T/lane$l
		export VDS_HOME
		while read -r n x y; do
			[ $(((n - 1) % LANES + 1)) = "$l" ] || continue
			pairing "$n" "$x" "$y" </dev/null
		done <"$T/pairs"
	) &
	lanes="$lanes $!"
	l=$((l + 1))
done
for p in $lanes; do wait "$p"; done
# on S3, fsck of each pairing's store, straight to the server, 3 at once
if is_s3; then
	fl=
	while read -r n x y; do
		(
			VDS_HOME=$T/fsck$n S3_PREFIX=p$n/
			export VDS_HOME
			s3_home
			vds fsck >"$T/fsck.$n.out" 2>&1
			echo $? >"$T/fsck.$n.rc"
		) </dev/null &
		fl="$fl $!"
		if [ $((n % 3)) = 0 ]; then
			for p in $fl; do wait "$p"; done
			fl=
		fi
	done <"$T/pairs"
	for p in $fl; do wait "$p"; done
fi
bad=0
while read -r n x y; do
	f=
	if is_s3 && [ ! -f "$T/fsck.$n.rc" ]; then
		f=" fsck did not run;"
	elif is_s3 && [ "$(cat "$T/fsck.$n.rc")" != 0 ]; then
		f=" fsck exit $(cat "$T/fsck.$n.rc"): $(head -n 3 "$T/fsck.$n.out" | tr '\n' ' ');"
	fi
	if [ ! -f "$T/pair.$n" ]; then
		not_ok "$x held, $y meanwhile: the pairing did not finish"
	elif [ "$(head -n 1 "$T/pair.$n")" = ok ] && [ -z "$f" ]; then
		ok "$(sed -n 2p "$T/pair.$n")"
		continue
	else
		d=$(sed -n 2p "$T/pair.$n")
		[ "$(head -n 1 "$T/pair.$n")" = "not ok" ] || d="$d;"
		not_ok "$d$f"
		diag "$(tail -n +3 "$T/pair.$n")"
	fi
	bad=$((bad + 1))
done <"$T/pairs"
diag "pairings: $pairs in $LANES lanes, invariants broken or stores damaged: $bad"

done_testing
