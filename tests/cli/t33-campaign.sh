#!/bin/sh
# t33-campaign: a randomized campaign against the store protocol for a
# bounded time ($VDS_CAMPAIGN_SECONDS, 60 by default, times the percentage
# $VDS_TEST_BUDGET, 100 by default). Each round runs two
# or three of put, commit, tag set, tag delete and version delete at once on
# one dataset, with random requests (S3: through the test proxy) or renames
# (local store) held, record and content downloads damaged in transit (S3),
# and now and then one command killed with SIGKILL. After every round the
# invariants of vds-format(5) CONCURRENCY are checked against everything seen
# so far; the counts are printed at the end, and the lost and changed counts
# must be 0.
. "$VDS_SRCDIR/tests/cli/lib.sh"

BUDGET=$((${VDS_CAMPAIGN_SECONDS:-60} * ${VDS_TEST_BUDGET:-100} / 100))
if is_s3; then
	PROXY=${VDS_FAULTPROXY:-$(dirname "$VDS_BIN")/tests/s3/faultproxy}
	"$PROXY" --listen-port-file "$T/port" --upstream "${VDS_TEST_S3_ENDPOINT#http://}" \
		--rules "$T/rules" --log "$T/proxy.log" --seed "$(rnd 100000)" 2>"$T/proxy.err" &
	PIDS="$PIDS $!"
	n=0
	while [ ! -s "$T/port" ] && [ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done
	(VDS_TEST_S3_ENDPOINT="http://127.0.0.1:$(cat "$T/port")" && s3_home)
	# a short lease where the server cannot arbitrate (Swift), so that a
	# killed commit's draft is free again within the campaign
	export VDS_S3_ATTEMPTS=2 VDS_S3_TIMEOUT=5
fi

# files REF: the sorted paths of a version, or "error"
files() {
	_o=$(vds datasets files list --id "$1" --recursive --json 2>/dev/null) || { echo error; return; }
	printf '%s\n' "$_o" | sed -n 's/.*"path":[^"]*"\([^"]*\)".*/\1/p' | sort | tr '\n' ' '
}
# state DS:VER: committed, draft or gone
state() {
	_o=$(vds datasets versions details --id "$1" --json 2>/dev/null) || { echo gone; return; }
	case $_o in *'"isCommitted":'*true*) echo committed ;; *) echo draft ;; esac
}
# sleep_ms MS
sleep_ms() { sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"; }

mkdir -p "$T/src"
DS=$(new_dataset campaign)
n=0
D=
# SEEN: "DS:VER files..." lines of versions read as committed
: >"$T/seen"
# ACKED: "DS:VER FILE" lines of puts that exited 0
: >"$T/acked"
ops=0 holds=0 flips=0 kills=0 lost=0 changed=0 tagbad=0 refused=0 rounds=0
end=$(($(date +%s) + BUDGET))
while [ "$(date +%s)" -lt "$end" ]; do
	rounds=$((rounds + 1))
	[ -n "$D" ] && [ "$(state "$D")" = draft ] || D=$(new_version "$DS")
	committed=$(grep -v "^$D " "$T/seen" | cut -d' ' -f1 | sort -u)
	victim=$(echo "$committed" | shuf -n 1)
	# the round's faults
	rules=
	: >"$T/round.env"
	k=$((2 + $(rnd 2)))
	pids= names=
	i=0
	while [ $i -lt $k ]; do
		i=$((i + 1))
		case $(rnd 5) in
		0 | 1) n=$((n + 1)); printf 'file %s\n' "$n" >"$T/src/f$n.txt"
			cmd="datasets files put --id $D --source-path $T/src/f$n.txt" what=changes/ name="put:f$n.txt" ;;
		2) cmd="datasets versions commit --id $D" what=commit.json name=commit ;;
		3) [ -n "$victim" ] || continue
			if [ "$(rnd 2)" = 0 ]; then
				cmd="datasets tags set --id $victim --name t$(rnd 3)" what=/tags/ name=tagset
			else
				cmd="datasets tags delete --id $DS:t$(rnd 3)" what=/tags/ name=tagdel
			fi ;;
		4) [ -n "$victim" ] || continue
			cmd="datasets versions delete --id $victim --force" what=delete.json name=vdel ;;
		esac
		ms=$(rnd 2000)
		if [ "$(rnd 2)" = 0 ]; then
			holds=$((holds + 1))
			rules="${rules}hold * $what $ms 1
"
			hold="$what=$ms"
		else
			hold=
		fi
		ops=$((ops + 1))
		# shellcheck disable=SC2086
		if is_s3; then
			vds $cmd >/dev/null 2>"$T/err.$i" &
		else
			VDS_TEST_HOLD=$hold vds $cmd >/dev/null 2>"$T/err.$i" &
		fi
		pids="$pids $!" names="$names $name"
		if is_s3 && [ "$(rnd 3)" = 0 ]; then
			flips=$((flips + 1))
			case $(rnd 2) in
			0) rules="${rules}flip-response GET /datasets/ 1
" ;;
			1) rules="${rules}flip-response GET /objects/ 1
" ;;
			esac
		fi
		if is_s3; then printf '%s' "$rules" >"$T/rules.tmp" && mv "$T/rules.tmp" "$T/rules"; fi
		sleep_ms "$(rnd 400)"
	done
	# now and then one of them is killed
	if [ "$(rnd 4)" = 0 ]; then
		victim_pid=$(echo $pids | tr ' ' '\n' | shuf -n 1)
		sleep_ms "$(rnd 1500)"
		kill -9 "$victim_pid" 2>/dev/null && kills=$((kills + 1))
	fi
	set -- $names
	for p in $pids; do
		wait "$p"
		rc=$?
		case $1 in
		put:*) [ "$rc" != 0 ] || echo "$D ${1#put:}" >>"$T/acked" ;;
		esac
		[ "$rc" = 0 ] || [ "$rc" = 137 ] || refused=$((refused + 1))
		shift
	done
	if is_s3; then : >"$T/rules.tmp" && mv "$T/rules.tmp" "$T/rules"; fi
	# what is committed now is seen; I1: what was seen stays
	if [ "$(state "$D")" = committed ]; then echo "$D $(files "$D")" >>"$T/seen"; fi
	while read -r v rest; do
		[ "$(state "$v")" = committed ] || continue
		now=$(files "$v")
		if [ "$now" != "$rest " ] && [ "$now" != "$rest" ]; then
			changed=$((changed + 1))
			diag "round $rounds: $v changed: was '$rest', is '$now'"
		fi
	done <"$T/seen"
	sort -u "$T/seen" -o "$T/seen"
	# I3: tags name versions that exist
	for v in $(vds datasets tags list --id "$DS" --json 2>/dev/null |
		sed -n 's/.*"version":[^"]*"\([^"]*\)".*/\1/p'); do
		if [ "$(state "$DS:$v")" = gone ]; then
			tagbad=$((tagbad + 1))
			diag "round $rounds: a tag names deleted version $v"
		fi
	done
done
# every draft is committed at last (a killed commit is finished), then I2
for v in $(cut -d' ' -f1 "$T/acked" | sort -u); do
	[ "$(state "$v")" != draft ] || vds datasets versions commit --id "$v" >/dev/null 2>&1 ||
		{ sleep 20; vds datasets versions commit --id "$v" >/dev/null 2>&1; }
done
while read -r v f; do
	case " $(files "$v") " in
	*" $f "*) ;;
	*)
		if [ "$(state "$v")" != gone ]; then
			lost=$((lost + 1))
			diag "an acknowledged put of $f into $v is not in it"
		fi ;;
	esac
done <"$T/acked"
diag "campaign: $rounds rounds, $ops operations, $holds held, $flips damaged in transit, $kills killed, $refused refused"
diag "acknowledged writes lost: $lost, committed versions changed: $changed, tags on deleted versions: $tagbad"
is "no acknowledged write lost" "$lost" 0
is "no committed version changed" "$changed" 0
is "no tag names a deleted version" "$tagbad" 0
check "the campaign ran operations" test "$ops" -gt 0
run vds fsck
is "fsck at the end: no damage (exit 0)" "$rc" 0

done_testing
