#!/bin/sh
# t28-run: vds run. A two-step pipeline (a job writes a dataset, the next one
# reads it and writes another), outputs committed with what the job wrote,
# VDS_INPUTS and VDS_OUTPUTS, inputs read-only, a failing command committing
# nothing and keeping its outputs, exit statuses passed through, signals
# passed on, work folder rules, job spec files, and every usage error. The
# jobs run twice: with inputs mounted where FUSE works (else copied, with a
# note), and with --no-mount.
. "$VDS_SRCDIR/tests/cli/lib.sh"

# no_mounts: nothing is mounted below $T
no_mounts() { ! awk -v t="$T/" 'index($5, t) == 1 { f = 1 } END { exit !f }' /proc/self/mountinfo; }
# committed_ref: the DS:VER of the last "Committed dataset version" line of the last run
committed_ref() { sed -n 's/^Committed dataset version: //p' "$T/out" | tail -n 1; }
# count_versions DS: how many versions (drafts too) DS has
count_versions() { vds datasets versions list --id "$1" --json | grep -c '"id":'; }
# drafts DS: the drafts of DS, one DS:VER a line
drafts() { vds datasets versions list --id "$1" --isCommitted false --json | sed -n 's/.*"id":[^"]*"\(.*\)",$/\1/p'; }
# get REF DIR: the files of REF, written into DIR
get() { rm -rf "$2" && vds datasets files get --id "$1" --target-path "$2" >/dev/null; }
# wait_file FILE: waits (a while) until FILE exists
wait_file() {
	_i=0
	while [ ! -e "$1" ] && [ $_i -lt $((200 * TIME_SCALE)) ]; do
		_i=$((_i + 1))
		sleep 0.05
	done
	[ -e "$1" ]
}

ROOT=false
[ "$(id -u)" = 0 ] && ROOT=true

mkdir -p "$T/tmp"
export TMPDIR="$T/tmp"

# ---- the modes ------------------------------------------------------------------
# Where FUSE works, a run without --no-mount mounts its inputs; elsewhere it
# copies them and says why once per run. A probe tells which.
FUSE=false FUSE_NOTE=
# probe: runs a job with an input without --no-mount, and sets FUSE and FUSE_NOTE
probe() {
	_ds=$(new_dataset probe)
	vds run --output p="$_ds" -- true >/dev/null 2>&1
	PV=$(vds datasets versions list --id "$_ds" --json | sed -n 's/.*"id":[^"]*"\(.*\)",$/\1/p')
	run vds run --input p="$PV" -- true
	case $(cat "$T/err") in
	*"(mounted)"*) FUSE=true FUSE_NOTE= ;;
	*) FUSE=false FUSE_NOTE=$(head -n 1 "$T/err") ;;
	esac
	expect "probe: a job with an input and no output" 0 ""
	if $FUSE; then
		is "probe: the input is mounted" "$(cat "$T/err")" "vds: input p: $PV (mounted)"
	else
		is "probe: without FUSE the input is copied, and a note says why" "$(cat "$T/err")" \
			"$FUSE_NOTE
vds: input p: $PV (copied)"
		check "probe: the note's form" sh -c "printf '%s\n' '$FUSE_NOTE' |
			grep -Eqx 'vds: FUSE unavailable \(.+\): inputs are copied read-only'"
	fi
}
probe

# notes MODE NAME=DS:VER...: the lines vds says about the inputs of a run in MODE
notes() {
	_m=$1
	shift
	[ $# -gt 0 ] && [ "$_m" = mount ] && [ -n "$FUSE_NOTE" ] && printf '%s\n' "$FUSE_NOTE"
	for _b; do
		if [ "$_m" = mount ] && $FUSE; then _how=mounted; else _how=copied; fi
		printf 'vds: input %s: %s (%s)\n' "${_b%%=*}" "${_b#*=}" "$_how"
	done
}

# ---- the jobs, in each mode ----------------------------------------------------------

S=$T/src
mkdir -p "$S"
printf 'hello from step 1\n' >"$S/expected-a.txt"

for MODE in mount copy; do
	OPT=
	[ $MODE = copy ] && OPT=--no-mount
	# a fixed work folder, so that messages naming it are known
	W=$T/work-$MODE

	RAW=$(new_dataset "raw-$MODE")
	SORTED=$(new_dataset "sorted-$MODE")

	# step 1: a job without inputs writes a dataset
	run vds run $OPT --output raw="raw-$MODE" --message "step 1" -- sh -c '
		printf "c\na\nb\n" >"$VDS_OUTPUTS/raw/list.txt"
		mkdir -p "$VDS_OUTPUTS/raw/sub/deeper"
		printf "hello from step 1\n" >"$VDS_OUTPUTS/raw/sub/deeper/a.txt"
		: >"$VDS_OUTPUTS/raw/empty"
		ln -s sub/deeper/a.txt "$VDS_OUTPUTS/raw/link"
		echo "to stdout"; echo "to stderr" >&2'
	R1=$(committed_ref)
	expect "[$MODE] step 1: the command's output passes through, the version is committed" 0 \
		"to stdout
Committed dataset version: $R1" "to stderr"
	is "[$MODE] step 1: the committed version is of the output's dataset" "${R1%%:*}" "$RAW"
	run vds datasets files list --id "$R1" --recursive
	check "[$MODE] step 1: its files are what the job wrote" grep -q 'sub/deeper/a.txt' "$T/out"
	get "$R1" "$T/got1"
	check "[$MODE] step 1: the contents are what the job wrote" cmp "$T/got1/sub/deeper/a.txt" "$S/expected-a.txt"
	is "[$MODE] step 1: the link is kept" "$(readlink "$T/got1/link")" "sub/deeper/a.txt"
	run vds datasets versions details --id "$R1" --json
	check "[$MODE] step 1: the version has the message" grep -q '"message":	"step 1"' "$T/out"
	is "[$MODE] step 1: no temporary work folder is left" "$(ls -A "$TMPDIR")" ""

	# step 2: the next job reads it (by latest) and writes another dataset
	run vds run $OPT --input raw="raw-$MODE:latest" --output sorted="$SORTED" -- sh -c '
		sort "$VDS_INPUTS/raw/list.txt" >"$VDS_OUTPUTS/sorted/list.txt"
		cp -R "$VDS_INPUTS/raw/sub" "$VDS_OUTPUTS/sorted/"
		wc -l <"$VDS_INPUTS/raw/list.txt"'
	R2=$(committed_ref)
	expect "[$MODE] step 2: latest resolved to the exact version, said on stderr" 0 "3
Committed dataset version: $R2" "$(notes $MODE "raw=$R1")"
	get "$R2" "$T/got2"
	is "[$MODE] step 2: the output holds what the job made of its input" "$(cat "$T/got2/list.txt")" "a
b
c"
	check "[$MODE] step 2: and the copied folder" cmp "$T/got2/sub/deeper/a.txt" "$S/expected-a.txt"
	run vds datasets versions details --id "$R2"
	check "[$MODE] step 2: details show the input at its exact version" grep -q "| Inputs      | raw = $R1 (raw-$MODE)" "$T/out"
	check "[$MODE] step 2: no mount is left" no_mounts

	# the environment, the work folder and the current folder
	mkdir -p "$T/cwd-$MODE"
	run sh -c "cd '$T/cwd-$MODE' && '$VDS_BIN' run $OPT --workdir '$W' --input raw='$R1' --output out='$SORTED' -- sh -c 'echo \"\$VDS_INPUTS\"; echo \"\$VDS_OUTPUTS\"; pwd; ls \"\$VDS_INPUTS\" \"\$VDS_OUTPUTS\"; echo x >\"\$VDS_OUTPUTS/out/x\"'"
	R3=$(committed_ref)
	expect "[$MODE] VDS_INPUTS and VDS_OUTPUTS name the work folder's inputs/ and outputs/; the command runs where vds was started" 0 \
		"$W/inputs
$W/outputs
$T/cwd-$MODE
$W/inputs:
raw

$W/outputs:
out
Committed dataset version: $R3" "$(notes $MODE "raw=$R1")"
	is "[$MODE] after a success, inputs/ and outputs/ of a given work folder are removed" "$(ls -A "$W")" ""

	# inputs are read-only (root writes through permissions: not into a mount, though)
	run vds run $OPT --input raw="$R1" -- sh -c '
		find "$VDS_INPUTS" ! -type l -perm /222 | wc -l
		for f in "$VDS_INPUTS/raw/list.txt" "$VDS_INPUTS/raw/new.txt" "$VDS_INPUTS/raw/sub/new"; do
			if (echo x >"$f") 2>/dev/null; then echo "wrote $f"; fi
		done
		mkdir "$VDS_INPUTS/raw/d" 2>/dev/null && echo "made a folder"
		rm -f "$VDS_INPUTS/raw/empty" 2>/dev/null; [ -e "$VDS_INPUTS/raw/empty" ] || echo "removed a file"
		(echo x >"$VDS_INPUTS/new") 2>/dev/null && [ "$(id -u)" != 0 ] && echo "wrote beside the inputs"
		exit 0'
	if [ $MODE = copy ] && $ROOT; then
		check "[$MODE] inputs have no write permission (root writes all the same)" \
			sh -c "head -n 1 '$T/out' | grep -qx 0"
	else
		expect "[$MODE] inputs are read-only: no write, new file, folder or removal succeeds" 0 "0" \
			"$(notes $MODE "raw=$R1")"
	fi
	run vds datasets versions verify --id "$R1"
	is "[$MODE] the input's version is untouched" "$rc" 0
	get "$R1" "$T/got1b"
	check "[$MODE] its files are as they were" diff -r "$T/got1" "$T/got1b"

	# a failing command commits nothing, keeps its outputs, passes its status on
	n=$(count_versions "$SORTED")
	run vds run $OPT --workdir "$W" --input raw="$R1" --output sorted="$SORTED" --output other="$RAW" \
		-- sh -c 'echo partial >"$VDS_OUTPUTS/sorted/p.txt"; echo "it broke" >&2; exit 3'
	expect "[$MODE] a failing command: its status, nothing committed, the outputs kept" 3 "" \
		"$(notes $MODE "raw=$R1")
it broke
vds: the command failed (exit status 3): nothing was committed
vds: outputs are kept in $W"
	is "[$MODE] the output is kept as the command left it" "$(cat "$W/outputs/sorted/p.txt")" "partial"
	check "[$MODE] the inputs are gone (unmounted or removed)" test ! -e "$W/inputs"
	check "[$MODE] no mount is left after the failure" no_mounts
	is "[$MODE] no version was added" "$(count_versions "$SORTED")" "$n"
	is "[$MODE] no draft was left" "$(drafts "$SORTED")$(drafts "$RAW")" ""
	run vds run $OPT --workdir "$W" -- true
	expect "[$MODE] the work folder with kept outputs is refused" 6 "" \
		"vds: work folder '$W': outputs/ is not empty (left by an earlier run?)"
	is "[$MODE] the refused run left the kept outputs alone" "$(cat "$W/outputs/sorted/p.txt")" "partial"
	rm -rf "$W"

	# a temporary work folder is kept after a failure, and named
	run vds run $OPT --output sorted="$SORTED" -- sh -c 'echo left >"$VDS_OUTPUTS/sorted/f"; kill -KILL $$'
	kept=$(sed -n 's/^vds: outputs are kept in //p' "$T/err")
	expect "[$MODE] a command killed by a signal: 128 + its number" 137 "" \
		"vds: the command failed (exit status 137): nothing was committed
vds: outputs are kept in $kept"
	case $kept in "$TMPDIR"/vds-run-??????) ok "[$MODE] the kept folder is a new one in \$TMPDIR" ;;
	*) not_ok "[$MODE] the kept folder is a new one in \$TMPDIR"; diag "$kept" ;;
	esac
	is "[$MODE] and it holds the outputs" "$(cat "$kept/outputs/sorted/f" 2>&1)" "left"
	rm -rf "$kept"

	# signals sent to vds reach the command; vds cleans up after it
	"$VDS_BIN" run $OPT --workdir "$W" --input raw="$R1" --output sorted="$SORTED" -- sh -c '
		trap "echo got TERM; exit 7" TERM
		echo out >"$VDS_OUTPUTS/sorted/f"
		: >"$0.started"
		while :; do sleep 0.05; done' "$T/sig-$MODE" >"$T/sig.out" 2>"$T/sig.err" &
	pid=$!
	PIDS="$PIDS $pid"
	if wait_file "$T/sig-$MODE.started"; then
		kill -TERM "$pid"
		wait "$pid"
		rc=$?
	else
		rc="never started"
	fi
	is "[$MODE] SIGTERM to vds: the command got it, and its status is vds's" "$rc" 7
	is "[$MODE] SIGTERM: the command's output" "$(cat "$T/sig.out")" "got TERM"
	is "[$MODE] SIGTERM: what vds says" "$(cat "$T/sig.err")" "$(notes $MODE "raw=$R1")
vds: interrupted by signal 15 (Terminated): the command ended with exit status 7; nothing was committed
vds: outputs are kept in $W"
	check "[$MODE] SIGTERM: no mount is left" no_mounts
	check "[$MODE] SIGTERM: the inputs are gone" test ! -e "$W/inputs"
	is "[$MODE] SIGTERM: nothing was committed" "$(count_versions "$SORTED")" "$n"
	rm -rf "$W"

	# a command that exits 0 after vds was interrupted commits nothing either
	env --default-signal=INT "$VDS_BIN" run $OPT --workdir "$W" --output sorted="$SORTED" -- sh -c '
		trap "exit 0" INT
		: >"$0.started"
		while :; do sleep 0.05; done' "$T/int-$MODE" >"$T/sig.out" 2>"$T/sig.err" &
	pid=$!
	PIDS="$PIDS $pid"
	if wait_file "$T/int-$MODE.started"; then
		kill -INT "$pid"
		wait "$pid"
		rc=$?
	else
		rc="never started"
	fi
	is "[$MODE] SIGINT, and the command exits 0: 128 + 2" "$rc" 130
	is "[$MODE] SIGINT: what vds says" "$(cat "$T/sig.err")" \
		"vds: interrupted by signal 2 (Interrupt): the command ended with exit status 0; nothing was committed
vds: outputs are kept in $W"
	is "[$MODE] SIGINT: nothing was committed" "$(count_versions "$SORTED")" "$n"
	rm -rf "$W"

	# two outputs: both committed, in order; an empty output folder is an empty version
	E=$(new_dataset "empty-$MODE")
	run vds run $OPT --input raw="$R1" --output b="$SORTED" --output a="$E" \
		-- sh -c 'cp "$VDS_INPUTS/raw/list.txt" "$VDS_OUTPUTS/b/"'
	expect "[$MODE] two outputs: two versions, in the order given" 0 \
		"$(printf 'Committed dataset version: %s\n' "$SORTED:$(vds datasets versions list --id "$SORTED" --json | sed -n 's/.*"version":[^"]*"\(.*\)",$/\1/p' | head -n 1)" \
			"$E:$(vds datasets versions list --id "$E" --json | sed -n 's/.*"version":[^"]*"\(.*\)",$/\1/p' | head -n 1)")" \
		"$(notes $MODE "raw=$R1")"
	run vds datasets versions details --id "$E:latest" --json
	check "[$MODE] the empty output is a committed version without files" grep -q '"fileCount":	0' "$T/out"

	# a failure while committing one output commits none of them
	GONE=$(new_dataset "gone-$MODE")
	n=$(count_versions "$SORTED")
	run vds run $OPT --workdir "$W" --output a="$SORTED" --output b="$GONE" \
		-- sh -c 'echo a >"$VDS_OUTPUTS/a/a"; "$0" datasets delete --id "$1" >/dev/null' "$VDS_BIN" "$GONE"
	expect "[$MODE] an output's dataset deleted meanwhile: nothing committed" 3 "" \
		"vds: output b: no such dataset '$GONE'; nothing was committed
vds: outputs are kept in $W"
	is "[$MODE] the first output was not committed either" "$(count_versions "$SORTED")" "$n"
	is "[$MODE] and left no draft" "$(drafts "$SORTED")" ""
	rm -rf "$W"
done

# ---- independent of the mode ------------------------------------------------------------

A=$(new_dataset a)
B=$(new_dataset b)
AV=$(vds run --no-mount --output o=a -- sh -c 'echo one >"$VDS_OUTPUTS/o/one"' | sed -n 's/^Committed dataset version: //p')

run vds run -- sh -c 'echo "$0 $1"' x 'y z'
expect "no inputs or outputs: the command just runs" 0 "x y z" ""
run vds run -- sh -c 'exit 42'
expect "a command's exit status is vds's" 42 "" \
	"vds: the command failed (exit status 42): nothing was committed"
run vds run -- no-such-command-here arg
expect "a command that is not found: 127" 127 "" \
	"vds: cannot run 'no-such-command-here': No such file or directory
vds: the command failed (exit status 127): nothing was committed"
run vds run -- sh -c 'echo "$1"' - --help
expect "--help after -- belongs to the command" 0 "--help" ""
run vds run --no-mount --input x="$AV" -- sh -c 'ls "$VDS_INPUTS/x"'
expect "--no-mount copies without a note" 0 "one" "vds: input x: $AV (copied)"

# the workdir rules
W=$T/wd
mkdir -p "$W/inputs/old"
run vds run --workdir "$W" -- true
expect "a work folder whose inputs/ is not empty is refused" 6 "" \
	"vds: work folder '$W': inputs/ is not empty (left by an earlier run?)"
check "the refused run left it alone" test -d "$W/inputs/old"
rm -rf "$W/inputs" && mkdir -p "$W" && : >"$W/outputs"
run vds run --workdir "$W" -- true
expect "a file named outputs is refused" 6 "" \
	"vds: work folder '$W': outputs/ is not a folder (left by an earlier run?)"
rm -f "$W/outputs" && mkdir "$W/inputs" "$W/outputs" && echo mine >"$W/keep.txt"
run vds run --workdir "$W" --output o=b -- sh -c 'cat "$VDS_OUTPUTS/../keep.txt" >"$VDS_OUTPUTS/o/k"'
expect "empty inputs/ and outputs/ are fine; other files stay" 0 "Committed dataset version: $(committed_ref)" ""
is "only keep.txt is left" "$(ls -A "$W")" "keep.txt"

# usage errors: nothing runs, nothing is created
run vds run --input a -- true
expect "--input without NAME=" 2 "" "vds: --input takes NAME=DS:REF, not 'a'"
run vds run --input =a -- true
expect "--input without a name" 2 "" "vds: --input takes NAME=DS:REF, not '=a'"
run vds run --output o= -- true
expect "--output without a dataset" 2 "" "vds: --output takes NAME=DS, not 'o='"
run vds run --input x=a --input x=b -- true
expect "an input named twice" 2 "" "vds: --input 'x' is given twice"
run vds run --input 'a/b=a' -- true
expect "an input name with a slash" 4 "" \
	"vds: input name 'a/b' may hold only letters, digits, '.', '_' and '-', and may not start with '.' or '-'"
run vds run --output ..=a -- true
expect "an output name .." 4 "" \
	"vds: output name '..' may hold only letters, digits, '.', '_' and '-', and may not start with '.' or '-'"
run vds run --output "$(printf 'x%065d' 0)=a" -- true
expect "an output name over 64 characters" 4 "" \
	"vds: output name '$(printf 'x%065d' 0)' must have 1 to 64 characters"
run vds run --input x=a
expect "no command" 2 "" "vds: no command to run: give it after '--', or in a --spec file"
run vds run --input x=a --
expect "nothing after --" 2 "" "vds: no command to run: give it after '--', or in a --spec file"
run vds run --concurrency 0 -- true
expect "a bad --concurrency" 2 "" "vds: --concurrency takes a number from 1 to 64, not '0'"
run vds datasets list -- x
expect "-- is only for run" 2 "" "vds: unexpected argument '--' for 'vds datasets list'"
run vds run --bogus -- true
expect "an unknown option" 2 "" "vds: unknown option '--bogus' for 'vds run' (see 'vds run --help')"

# missing datasets, versions and drafts
run vds run --input x=nope -- true
expect "a missing input dataset" 3 "" "vds: input x: no such dataset 'nope'"
run vds run --input x=a:nope -- true
expect "a missing input version or tag" 3 "" "vds: input x: no version or tag 'nope' in dataset $A"
NOV=$(new_dataset nov)
run vds run --input x=nov:latest -- true
expect "an input without a committed version" 3 "" "vds: input x: dataset $NOV has no committed version"
run vds run --output o=nope -- true
expect "a missing output dataset" 3 "" "vds: output o: no such dataset 'nope'"
run vds run --output o=a:latest -- true
expect "an output names a dataset, not a version" 4 "" \
	"vds: output o: expected a dataset, not the reference 'a:latest'"
DRAFT=$(new_version "$A" --message draft)
run vds run --input x="$DRAFT" -- true
expect "a draft input is refused" 4 "" \
	"vds: input x: dataset version $DRAFT is a draft; only committed versions can be inputs"
vds datasets versions delete --id "$DRAFT" >/dev/null
is "nothing was created by the refused runs" "$(count_versions "$A") $(count_versions "$NOV") $(ls -A "$TMPDIR")" "1 0 "

# ---- job spec files -------------------------------------------------------------------

cat >"$T/job.json" <<EOF
{
	"inputs": {"src": "a:latest"},
	"outputs": {"copy": "b"},
	"command": ["sh", "-c", "cp \"\$VDS_INPUTS/src/one\" \"\$VDS_OUTPUTS/copy/\"; echo from spec"],
	"message": "from a spec"
}
EOF
run vds run --no-mount --spec "$T/job.json"
SV=$(committed_ref)
expect "a spec file names inputs, outputs, command and message" 0 "from spec
Committed dataset version: $SV" "vds: input src: $AV (copied)"
run vds datasets versions details --id "$SV" --json
check "its message" grep -q '"message":	"from a spec"' "$T/out"
cat >"$T/want" <<'EOF'
		"commandLine":	"sh -c 'cp \"$VDS_INPUTS/src/one\" \"$VDS_OUTPUTS/copy/\"; echo from spec'",
EOF
check "its command is the lineage's" grep -qxF -f "$T/want" "$T/out"
run vds run --no-mount --spec "$T/job.json" --message other --input src="$AV" --input more="$AV" \
	-- sh -c 'ls "$VDS_INPUTS"; cp "$VDS_INPUTS/more/one" "$VDS_OUTPUTS/copy/two"'
SV2=$(committed_ref)
expect "the command line overrides the spec's message and command and adds inputs" 0 "more
src
Committed dataset version: $SV2" "vds: input src: $AV (copied)
vds: input more: $AV (copied)"
run vds datasets versions details --id "$SV2" --json
check "the message from the command line" grep -q '"message":	"other"' "$T/out"

printf '{"inputs": {}, "outputs": {}, "command": ["true"], "bogus": 1}' >"$T/bad.json"
run vds run --spec "$T/bad.json"
expect "an unknown key in a spec" 4 "" "vds: job spec '$T/bad.json': unknown key 'bogus'"
printf '{"command": "true"}' >"$T/bad.json"
run vds run --spec "$T/bad.json"
expect "a command that is not a list" 4 "" \
	"vds: job spec '$T/bad.json': \"command\" must be a list of strings, not empty"
printf '{"command": ["true", 1]}' >"$T/bad.json"
run vds run --spec "$T/bad.json"
expect "a command word that is not a string" 4 "" \
	"vds: job spec '$T/bad.json': \"command\" must be a list of strings"
printf '{"inputs": {"x": 1}, "command": ["true"]}' >"$T/bad.json"
run vds run --spec "$T/bad.json"
expect "an input that is not a string" 4 "" "vds: job spec '$T/bad.json': input 'x' must be a string"
printf '{"outputs": ["b"], "command": ["true"]}' >"$T/bad.json"
run vds run --spec "$T/bad.json"
expect "outputs that are not an object" 4 "" \
	"vds: job spec '$T/bad.json': \"output\" must be an object of names"
printf '{"inputs": {"x": "a", "x": "a"}, "command": ["true"]}' >"$T/bad.json"
run vds run --spec "$T/bad.json"
expect "an input named twice in a spec" 4 "" "vds: job spec '$T/bad.json': input 'x' is named twice"
printf '{"message": 3, "command": ["true"]}' >"$T/bad.json"
run vds run --spec "$T/bad.json"
expect "a message that is not a string" 4 "" "vds: job spec '$T/bad.json': \"message\" must be a string"
printf '[1, 2]' >"$T/bad.json"
run vds run --spec "$T/bad.json"
expect "a spec that is not an object" 4 "" "vds: job spec '$T/bad.json' is not a JSON object"
printf '{"command": ["true"' >"$T/bad.json"
run vds run --spec "$T/bad.json"
expect "a spec that is not JSON" 4 "" "vds: job spec '$T/bad.json' is not a JSON object"
printf '{"inputs": {"src": "a"}}' >"$T/nocmd.json"
run vds run --spec "$T/nocmd.json"
expect "a spec without a command, and none given" 2 "" \
	"vds: no command to run: give it after '--', or in a --spec file"
run vds run --spec "$T/missing.json"
expect "a missing spec file" 3 "" "vds: no such job spec '$T/missing.json'"
printf '{"workdir": "%s", "command": ["sh", "-c", "echo \\"$VDS_OUTPUTS\\""]}' "$T/specwd" >"$T/wd.json"
run vds run --spec "$T/wd.json"
expect "the spec's work folder" 0 "$T/specwd/outputs" ""

# ---- help --------------------------------------------------------------------------

run vds run --help
expect "run --help" 0 "$(cat <<'EOF'
Usage: vds run [--input NAME=DS:REF]... [--output NAME=DS]... [--message TEXT] [--workdir DIR] [--spec FILE] [--no-mount] [--concurrency N] [-- COMMAND [ARGS...]]

Run a command on datasets: inputs read-only, outputs committed

Options:
  --input NAME=DS:REF          a committed version, read-only at $VDS_INPUTS/NAME
  --output NAME=DS             what the command writes to $VDS_OUTPUTS/NAME: a new version
  --message TEXT               message of the versions committed
  --workdir DIR                work folder (default: a new one under $TMPDIR)
  --spec FILE                  job spec (JSON): inputs, outputs, command, message, workdir
  --no-mount                   copy the inputs read-only instead of mounting them
  --concurrency N              parallel file workers
  -- COMMAND [ARGS...]         the command to run (instead of the spec's)
EOF
)" ""

check "no mount is left at the end" no_mounts
run vds fsck
is "fsck finds nothing wrong" "$rc" 0
done_testing
