#!/usr/bin/env bash
# browse.sh - how does the terminal browser cope with big stores?
#
# Builds two private stores without the CLI doing the bulk work:
#   many: 1,000 datasets (dataset.json written directly), each with one
#         committed version of 20 small files and a tag "v1";
#   big:  one dataset whose version holds 1,000,000 files, written as in
#         list.sh (big/ holds 100,000 files; d000..d899 1,000 each).
#
# 1. Time to a screen. VDS_UI_SCRIPT runs the browser against an in-memory
#    80x24 screen; each script ends with ":dump FILE" and the end of the
#    script quits, so the whole process time is the time to that screen.
#    Each is run once with the page cache dropped (when allowed) and RUNS
#    times warm (median and minimum):
#      vds browse                 on many (first screen, 1,000 datasets)
#      vds browse                 on big  (opens the 1,000,000-file version)
#      vds browse DS              on big  (the dataset named)
#      vds browse DS:VER          on big  (focus on Files, at the root)
#      vds browse DS:VER <Enter>  on big  (the 100,000-entry folder big/)
#      ... then 200 x j           (200 cursor steps in big/)
#      ... then ^F to the end     (page steps through all of big/)
#    Target: big/ shows its first screen in under 0.5 s.
#
# 2. Bytes written to the terminal. The real browser runs in tmux at
#    80x24 (a private tmux server); "tmux pipe-pane" copies what it writes
#    to a file. After the first screen has drawn, STEPS single "j" keys are
#    sent one at a time, each after the byte count has settled, in the
#    Datasets pane (many) and in the Files pane inside big/ (big). Reported:
#    bytes of the first screen (a full repaint), whether the terminal still
#    shows that screen once output stops, and bytes per step (first, median,
#    max). Targets: a median step costs under a tenth of a full repaint, no
#    step costs half a repaint or more, the first screen stays shown.
#    Skipped, with a note, when tmux is not installed.
#
# Usage: bench/browse.sh [--runs N] [--steps N] [--keep] [OUTDIR]
#   OUTDIR defaults to ./bench/out; everything is written below OUTDIR/browse.
#   VDS_BIN names the vds binary (default: ../vds next to this script).
set -euo pipefail

RUNS=5
STEPS=40
KEEP=0
OUT=./bench/out

. "$(dirname "$0")/lib.sh"
bench_args browse.sh "runs:RUNS steps:STEPS" "$@"
case $RUNS in '' | *[!0-9]*) echo "browse.sh: --runs takes a number" >&2; exit 2 ;; esac
case $STEPS in '' | *[!0-9]*) echo "browse.sh: --steps takes a number" >&2; exit 2 ;; esac
[ "$RUNS" -ge 1 ] || RUNS=1
[ "$STEPS" -ge 1 ] || STEPS=1

here=$(cd "$(dirname "$0")" && pwd)
VDS=${VDS_BIN:-$here/../vds}
[ -x "$VDS" ] || { echo "browse.sh: no vds binary at $VDS (set VDS_BIN)" >&2; exit 1; }
VDS=$(cd "$(dirname "$VDS")" && pwd)/$(basename "$VDS")

mkdir -p "$OUT"
W=$(cd "$OUT" && pwd)/browse
rm -rf "$W"
mkdir -p "$W"
export HOME=$W/userhome TZ=UTC LC_ALL=C
unset XDG_CONFIG_HOME XDG_DATA_HOME XDG_CACHE_HOME VDS_DATADIR VDS_HOME VDS_UI_SCRIPT TMUX
mkdir -p "$HOME"
MANY=$W/many # a VDS_HOME each
BIG=$W/big
COLS=80
ROWS=24
UI_TERM=xterm-256color # what the in-memory screen pretends to be

TMUX_SOCK=$W/tmux.sock
TMUX_UP=0
bench_on_exit() {
	if [ "$TMUX_UP" = 1 ]; then
		tmux -S "$TMUX_SOCK" kill-server 2>/dev/null || true
	fi
}
bench_init browse.sh 524288

median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
maximum() { printf '%s\n' "$@" | sort -n | tail -n 1; }
fail() { echo "browse.sh: $*" >&2; exit 1; }

# store_init HOME NAME: creates the store of HOME with one dataset NAME
# through the CLI, prints its id
store_init() {
	local ds
	ds=$(VDS_HOME=$1 "$VDS" datasets create --name "$2" | awk '/^Created dataset: / { print $3 }')
	[ -n "$ds" ] || fail "could not create a dataset in $1"
	[ -f "$1/store/VDS-FORMAT" ] && [ -f "$1/store/datasets/$ds/dataset.json" ] ||
		fail "the store of $1 is not at $1/store"
	echo "$ds"
}

# put_object STORE FILE: stores FILE as a read-only content object, prints its hash
put_object() {
	local sha
	sha=$(sha256 "$2")
	mkdir -p "$1/objects/${sha:0:2}"
	mv "$2" "$1/objects/${sha:0:2}/${sha:2}"
	chmod 0444 "$1/objects/${sha:0:2}/${sha:2}"
	echo "$sha"
}

MTIME=1767225600 # 2026-01-01T00:00:00Z
CREATED=2026-01-01T00:00:00.000000Z
STAMP=$(printf '%016x-bench000' $((MTIME * 1000000)))
VER=bench01

# commit_version STORE DS MANIFEST-SHA FILES SIZE MESSAGE: a committed version VER
commit_version() {
	local vdir=$1/datasets/$2/versions/$VER
	mkdir -p "$vdir/seal"
	printf '{\n\t"id":\t"%s",\n\t"message":\t"%s",\n\t"created":\t"%s"\n}\n' \
		"$VER" "$6" "$CREATED" >"$vdir/version.json"
	printf '{}\n' >"$vdir/seal/$STAMP"
	printf '{\n\t"committed":\t"%s",\n\t"message":\t"%s",\n\t"manifest":\t"%s",\n\t"files":\t%s,\n\t"size":\t%s,\n\t"changes":\t[],\n\t"seal":\t"%s"\n}\n' \
		"$CREATED" "$6" "$3" "$4" "$5" "$STAMP" >"$vdir/commit.json"
	seal_record "$vdir/version.json"
	seal_record "$vdir/seal/$STAMP"
	seal_record "$vdir/commit.json"
}

# ---- many: 1,000 datasets --------------------------------------------------
echo "browse.sh: writing 1,000 datasets" >&2
t0=$(now_ns)
NDS=1000
SMALL_FILES=20
DS_FIRST=$(store_init "$MANY" dataset-0000)
S=$MANY/store
mkdir -p "$S/tmp"
printf 'one line shared by every file\n' >"$S/tmp/content"
FSIZE=$(wc -c <"$S/tmp/content")
FSHA=$(put_object "$S" "$S/tmp/content")
{
	printf 'vds-manifest 1\n'
	for ((i = 1; i <= SMALL_FILES; i++)); do
		printf 'F %s %s 644 %s file%02d.txt\n' "$FSHA" "$FSIZE" "$MTIME" "$i"
	done
} >"$S/tmp/manifest"
SMALL_SHA=$(put_object "$S" "$S/tmp/manifest")
# dataset-0000 (made by the CLI) and dataset-0001..0999 (written here)
ids=("$DS_FIRST")
dirs=()
for ((i = 1; i < NDS; i++)); do
	ds=$(printf 'dsbench%08d' "$i")
	ids+=("$ds")
	dirs+=("$S/datasets/$ds/tags/v1")
done
mkdir -p "${dirs[@]}"
mkdir -p "$S/datasets/$DS_FIRST/tags/v1"
for ((i = 0; i < NDS; i++)); do
	ds=${ids[i]}
	if [ "$i" -gt 0 ]; then
		printf '{\n\t"id":\t"%s",\n\t"name":\t"dataset-%04d",\n\t"description":\t"",\n\t"created":\t"%s"\n}\n' \
			"$ds" "$i" "$CREATED" >"$S/datasets/$ds/dataset.json"
		seal_record "$S/datasets/$ds/dataset.json"
	fi
	commit_version "$S" "$ds" "$SMALL_SHA" "$SMALL_FILES" $((SMALL_FILES * FSIZE)) "twenty files"
	printf '{\n\t"name":\t"v1",\n\t"version":\t"%s"\n}\n' "$VER" >"$S/datasets/$ds/tags/v1/$STAMP.json"
	seal_record "$S/datasets/$ds/tags/v1/$STAMP.json"
done
sync
t1=$(now_ns)
echo "browse.sh: 1,000 datasets written in $(secs "$t0" "$t1") s" >&2
n=$(VDS_HOME=$MANY "$VDS" datasets list | grep -c '^| dataset-' || true)
[ "$n" = "$NDS" ] || fail "vds sees $n datasets in the many store, not $NDS"
n=$(VDS_HOME=$MANY "$VDS" datasets versions details --id "dsbench00000999:v1" |
	awk -F'|' '$2 ~ /^ Files / { gsub(/ /, "", $3); print $3 }')
[ "$n" = "$SMALL_FILES" ] || fail "vds sees $n files in dsbench00000999:v1"

# ---- big: a version of 1,000,000 files ----------------------------------------
echo "browse.sh: writing a 1,000,000-file version" >&2
t0=$(now_ns)
DS=$(store_init "$BIG" bench-browse)
S=$BIG/store
mkdir -p "$S/tmp"
printf 'one line shared by every file\n' >"$S/tmp/content"
FSHA=$(put_object "$S" "$S/tmp/content")
{
	printf 'vds-manifest 1\n'
	awk -v sha="$FSHA" -v size="$FSIZE" -v mtime="$MTIME" 'BEGIN {
		pre = "F " sha " " size " 644 " mtime " "
		for (i = 0; i < 100000; i++) printf "%sbig/f%06d\n", pre, i
		for (d = 0; d < 900; d++)
			for (i = 0; i < 1000; i++) printf "%sd%03d/f%04d\n", pre, d, i
	}' | LC_ALL=C sort
} >"$S/tmp/manifest"
MSIZE=$(wc -c <"$S/tmp/manifest")
MSHA=$(put_object "$S" "$S/tmp/manifest")
commit_version "$S" "$DS" "$MSHA" 1000000 $((1000000 * FSIZE)) "one million files"
sync
t1=$(now_ns)
echo "browse.sh: written in $(secs "$t0" "$t1") s (manifest $((MSIZE / 1048576)) MiB)" >&2
n=$(VDS_HOME=$BIG "$VDS" datasets versions details --id "$DS:$VER" |
	awk -F'|' '$2 ~ /^ Files / { gsub(/ /, "", $3); print $3 }')
[ "$n" = 1000000 ] || fail "vds sees $n files in $DS:$VER"

# ---- 1. time to a screen (scripted, in-memory screen) -------------------------
BIG_ROWS=100000
# the Files pane's page: the layout of browse.c at 80x24 gives it 14 rows, 12 inside
PAGE=12
PAGES=$(((BIG_ROWS - 1 + PAGE - 1) / PAGE)) # ^F steps from the first row to the last
SC=$W/scripts
mkdir -p "$SC"
printf ':dump %s/first.txt\n' "$W" >"$SC/first"
printf '<Enter>\n:dump %s/enter.txt\n' "$W" >"$SC/enter"
{
	printf '<Enter>\n'
	for ((i = 0; i < 200; i++)); do printf 'j\n'; done
	printf ':dump %s/j200.txt\n' "$W"
} >"$SC/j200"
{
	printf '<Enter>\n'
	for ((i = 0; i < PAGES; i++)); do printf '^F\n'; done
	printf ':dump %s/pages.txt\n' "$W"
} >"$SC/pages"

declare -A COLD WARM BEST RSS
NAMES=()
# run_once HOME SCRIPT [REF]: one scripted browser run, its time in LAST
run_once() {
	local home=$1 script=$2 t0 t1 rc=0
	shift 2
	rm -f "$W/time.txt"
	t0=$(now_ns)
	"${TIMEV[@]}" env VDS_HOME="$home" VDS_UI_SCRIPT="$script" TERM=$UI_TERM \
		COLUMNS=$COLS LINES=$ROWS "$VDS" browse "$@" </dev/null >/dev/null || rc=$?
	t1=$(now_ns)
	[ "$rc" = 0 ] || fail "'vds browse $*' with script $(basename "$script") failed with status $rc"
	LAST=$(secs "$t0" "$t1")
	LAST_RSS=-
	if [ ${#TIMEV[@]} -gt 0 ] && [ -s "$W/time.txt" ]; then
		LAST_RSS=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$W/time.txt")
	fi
}
# measure NAME HOME SCRIPT [REF]: one cold run and RUNS warm runs
measure() {
	local name=$1 i times=() rss=0
	shift
	NAMES+=("$name")
	drop_caches
	run_once "$@"
	COLD[$name]=$LAST
	for ((i = 0; i < RUNS; i++)); do
		run_once "$@"
		times+=("$LAST")
		[ "$LAST_RSS" = - ] || [ "$LAST_RSS" -le "$rss" ] || rss=$LAST_RSS
	done
	WARM[$name]=$(median "${times[@]}")
	BEST[$name]=$(printf '%s\n' "${times[@]}" | sort -n | head -n 1)
	RSS[$name]=$([ ${#TIMEV[@]} -gt 0 ] && echo "$rss" || echo -)
}
# expect DUMP TEXT WHAT: the screen dump must contain TEXT
expect() {
	grep -qF -- "$2" "$1" || {
		cat "$1" >&2
		fail "$3: the screen above lacks '$2'"
	}
}

echo "browse.sh: timing scripted runs ($RUNS warm runs each)" >&2
N_MANY="many: vds browse (first screen)"
N_BIG="big: vds browse (first screen)"
N_DS="big: vds browse DS"
N_REF="big: vds browse DS:VER"
N_ENTER="big: DS:VER, <Enter> on big/"
N_J200="big: DS:VER, big/, 200 x j"
N_PAGES="big: DS:VER, big/, $PAGES x ^F"
measure "$N_MANY" "$MANY" "$SC/first"
expect "$W/first.txt" "Datasets ($NDS)" "$N_MANY"
measure "$N_BIG" "$BIG" "$SC/first"
expect "$W/first.txt" "Files / (901)" "$N_BIG"
measure "$N_DS" "$BIG" "$SC/first" "$DS"
expect "$W/first.txt" "Files / (901)" "$N_DS"
measure "$N_REF" "$BIG" "$SC/first" "$DS:$VER"
expect "$W/first.txt" "Files / (901)" "$N_REF"
measure "$N_ENTER" "$BIG" "$SC/enter" "$DS:$VER"
expect "$W/enter.txt" "Files /big (100000)" "$N_ENTER"
expect "$W/enter.txt" "f000000" "$N_ENTER"
measure "$N_J200" "$BIG" "$SC/j200" "$DS:$VER"
expect "$W/j200.txt" "Preview: big/f000200" "$N_J200"
measure "$N_PAGES" "$BIG" "$SC/pages" "$DS:$VER"
expect "$W/pages.txt" "Preview: big/f099999" "$N_PAGES"

# ---- 2. bytes written to a real terminal (tmux) -------------------------------
HAVE_TMUX=0
command -v tmux >/dev/null 2>&1 && HAVE_TMUX=1
tm() { tmux -S "$TMUX_SOCK" -f "$W/tmux.conf" "$@"; }
tty_bytes() { stat -c %s "$1" 2>/dev/null || echo 0; }
# settle FILE BEFORE CHANGE_S: waits (up to CHANGE_S seconds) for FILE to
# grow past BEFORE, then until it has not grown for 0.3 s (up to 30 s more)
settle() {
	local f=$1 before=$2 i n last stable=0
	for ((i = 0; i < $3 * 100; i++)); do
		[ "$(tty_bytes "$f")" -gt "$before" ] && break
		sleep 0.01
	done
	last=$(tty_bytes "$f")
	for ((i = 0; i < 1500 && stable < 15; i++)); do
		sleep 0.02
		n=$(tty_bytes "$f")
		if [ "$n" = "$last" ]; then stable=$((stable + 1)); else stable=0; last=$n; fi
	done
}
# tty_open NAME HOME [REF]: runs vds browse in a new 80x24 tmux window
# with its output piped to $W/NAME.tty, and waits for the first screen
tty_open() {
	local name=$1 home=$2 i
	shift 2
	cat >"$W/$name.sh" <<EOF
#!/bin/sh
while [ ! -e '$W/$name.go' ]; do sleep 0.01; done
env VDS_HOME='$home' '$VDS' browse $*
echo \$? >'$W/$name.rc'
EOF
	if [ ! -f "$W/tmux.conf" ]; then
		local term=screen
		infocmp tmux-256color >/dev/null 2>&1 && term=tmux-256color
		printf 'set -g default-terminal %s\nset -g status off\nset -g remain-on-exit on\n' \
			"$term" >"$W/tmux.conf"
	fi
	TMUX_UP=1
	tm new-session -d -s "$name" -x $COLS -y $ROWS "sh '$W/$name.sh'"
	local size
	size=$(tm display-message -p -t "$name" '#{pane_width}x#{pane_height}')
	[ "$size" = "${COLS}x${ROWS}" ] || fail "the tmux pane is $size, not ${COLS}x${ROWS}"
	TTY_TERM=$(tm show-options -gv default-terminal)
	: >"$W/$name.tty"
	tm pipe-pane -o -t "$name" "cat >> '$W/$name.tty'"
	touch "$W/$name.go"
	# the first screen: the status line is drawn last, then output stops
	for ((i = 0; i < 12000; i++)); do
		grep -qF 'jobs: none' "$W/$name.tty" && break
		if [ -s "$W/$name.rc" ]; then
			fail "vds browse $* exited in tmux: $(tm capture-pane -p -t "$name" | grep . | tail -n 3)"
		fi
		sleep 0.01
	done
	grep -qF 'jobs: none' "$W/$name.tty" || fail "vds browse $* drew no screen in tmux within 120 s"
	settle "$W/$name.tty" 0 1
	FIRST_BYTES=$(tty_bytes "$W/$name.tty")
	# what the terminal shows once the output has stopped
	if tm capture-pane -p -t "$name" | grep -qF 'jobs: none'; then
		FIRST_SHOWN=yes
	else
		FIRST_SHOWN=BLANK
	fi
}
# tty_key NAME KEY WAIT_S: sends one key, prints the bytes it caused
tty_key() {
	local before
	before=$(tty_bytes "$W/$1.tty")
	tm send-keys -t "$1" "$2"
	settle "$W/$1.tty" "$before" "$3"
	echo $(($(tty_bytes "$W/$1.tty") - before))
}
# tty_steps NAME: STEPS single j keys; sets STEP_FIRST, STEP_MED, STEP_MAX
# (all steps), STEP_MAX2 (steps 2..STEPS) and STEP_LIST
tty_steps() {
	local i b list=()
	for ((i = 0; i < STEPS; i++)); do
		b=$(tty_key "$1" j 5)
		list+=("$b")
	done
	STEP_FIRST=${list[0]}
	STEP_MED=$(median "${list[@]}")
	STEP_MAX=$(maximum "${list[@]}")
	STEP_MAX2=$([ "$STEPS" -gt 1 ] && maximum "${list[@]:1}" || echo -)
	STEP_LIST="${list[*]}"
}
# tty_record N: files what the last tty_open and tty_steps found under N
tty_record() {
	TTY_NAMES+=("$1")
	TTY_FULL[$1]=$FIRST_BYTES TTY_SHOWN[$1]=$FIRST_SHOWN TTY_FIRST[$1]=$STEP_FIRST
	TTY_MED[$1]=$STEP_MED TTY_MAX[$1]=$STEP_MAX TTY_MAX2[$1]=$STEP_MAX2 TTY_LIST[$1]=$STEP_LIST
}
# tty_quit NAME: q, then the browser must have exited with status 0
tty_quit() {
	local i
	tm send-keys -t "$1" q
	for ((i = 0; i < 1000; i++)); do
		[ -s "$W/$1.rc" ] && break
		sleep 0.01
	done
	[ -s "$W/$1.rc" ] || fail "vds browse did not quit on q"
	[ "$(cat "$W/$1.rc")" = 0 ] || fail "vds browse exited with status $(cat "$W/$1.rc") in tmux"
	tm kill-session -t "$1"
}

declare -A TTY_FULL TTY_SHOWN TTY_FIRST TTY_MED TTY_MAX TTY_MAX2 TTY_LIST
TTY_NAMES=()
if [ "$HAVE_TMUX" = 1 ]; then
	echo "browse.sh: counting terminal bytes in tmux ($STEPS steps each)" >&2
	tty_open datasets "$MANY"
	tty_steps datasets
	tty_record "Datasets (1,000)"
	tm capture-pane -p -t datasets >"$W/datasets.screen"
	expect "$W/datasets.screen" "$(printf dsbench%08d "$STEPS"):$VER" "Datasets pane in tmux"
	tty_quit datasets

	tty_open files "$BIG" "$DS:$VER"
	ENTER_BYTES=$(tty_key files Enter 60)
	tm capture-pane -p -t files >"$W/files.screen"
	expect "$W/files.screen" "Files /big (100000)" "Files pane in tmux"
	tty_steps files
	tty_record "Files (big/, 100,000)"
	tm capture-pane -p -t files >"$W/files.screen"
	expect "$W/files.screen" "Preview: big/f$(printf %06d "$STEPS")" "Files pane in tmux"
	tty_quit files
fi

# ---- report ----------------------------------------------------------------
verdict() { awk -v v="$1" -v t="$2" 'BEGIN { print (v < t ? "met" : "MISSED") }'; }
ms() { awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { printf "%.2f", (a - b) * 1000 / n }'; }

echo
echo "vds browser benchmark"
echo "  vds:      $("$VDS" --version) ($VDS)"
echo "  many:     $NDS datasets, each one committed version of $SMALL_FILES files and a tag"
echo "  big:      $DS:$VER, 1,000,000 files (big/: 100,000; d000..d899: 1,000 each); manifest $MSIZE bytes"
echo "  screen:   ${COLS}x${ROWS}; scripted runs draw into memory (TERM=$UI_TERM); $(nproc) CPUs; $(df -PT "$W" | awk 'NR == 2 { print $2 }')"
if [ "$CAN_DROP" = 1 ]; then
	echo "  cold:     page cache dropped before the first run of each command"
else
	echo "  cold:     caches could NOT be dropped (no permission): the cold column is warm too"
fi
echo
echo "1. Time to a screen (whole process: start, keys, :dump, quit)"
echo
printf '  %-38s %8s %13s %9s %9s\n' "scripted run" "cold s" "warm s (med)" "(min)" "peak RSS"
for name in "${NAMES[@]}"; do
	printf '  %-38s %8s %13s %9s %9s\n' "$name" "${COLD[$name]}" "${WARM[$name]}" "${BEST[$name]}" \
		"$(kb_mb "${RSS[$name]}")"
done
echo
echo "  differences of the warm minimums (the medians are noisier):"
printf '  %-48s %7s ms\n' "<Enter> on big/ alone" "$(ms "${BEST[$N_ENTER]}" "${BEST[$N_REF]}" 1)"
printf '  %-48s %7s ms\n' "one j step in big/ (of 200)" "$(ms "${BEST[$N_J200]}" "${BEST[$N_ENTER]}" 200)"
printf '  %-48s %7s ms\n' "one ^F step in big/ (of $PAGES)" "$(ms "${BEST[$N_PAGES]}" "${BEST[$N_ENTER]}" "$PAGES")"
echo
printf '  %-48s %6s s   target %-8s %s\n' "big/ first screen from start, warm" "${WARM[$N_ENTER]}" "< 0.5 s" "$(verdict "${WARM[$N_ENTER]}" 0.5)"
printf '  %-48s %6s s   target %-8s %s\n' "big/ first screen from start, cold" "${COLD[$N_ENTER]}" "< 0.5 s" "$(verdict "${COLD[$N_ENTER]}" 0.5)"
echo
if [ "$HAVE_TMUX" = 1 ]; then
	echo "2. Bytes written to the terminal (tmux ${COLS}x${ROWS}, TERM=$TTY_TERM, $STEPS single j steps)"
	echo
	printf '  %-27s %7s %6s %7s %6s %6s %8s %8s\n' "bytes" "first" "shown" "step 1" "med" "max" "max 2.." "med/full"
	for n in "${TTY_NAMES[@]}"; do
		r=$(awk -v s="${TTY_MED[$n]}" -v f="${TTY_FULL[$n]}" 'BEGIN { printf "%.3f", f ? s / f : 0 }')
		printf '  %-27s %7s %6s %7s %6s %6s %8s %8s\n' "$n" "${TTY_FULL[$n]}" "${TTY_SHOWN[$n]}" \
			"${TTY_FIRST[$n]}" "${TTY_MED[$n]}" "${TTY_MAX[$n]}" "${TTY_MAX2[$n]}" "$r"
	done
	echo
	echo "  first: bytes until the first screen is out (a full repaint); shown: whether the"
	echo "  terminal still shows it when output stops; step 1: the first j; max 2..: the"
	echo "  largest of the other steps; med/full: median step / first screen."
	echo "  <Enter> on big/ (the first key of the Files run): $ENTER_BYTES bytes"
	for n in "${TTY_NAMES[@]}"; do
		echo "  steps, $n: ${TTY_LIST[$n]}"
	done
	echo
	for n in "${TTY_NAMES[@]}"; do
		r=$(awk -v s="${TTY_MED[$n]}" -v f="${TTY_FULL[$n]}" 'BEGIN { printf "%.3f", f ? s / f : 0 }')
		full=$(printf '%s\n' ${TTY_LIST[$n]} | awk -v f="${TTY_FULL[$n]}" '$1 * 2 >= f { n++ } END { print n + 0 }')
		printf '  %-48s %8s   target %-8s %s\n' "$n: median step / full" "$r" "< 0.1" "$(verdict "$r" 0.1)"
		printf '  %-48s %8s   target %-8s %s\n' "$n: steps >= half a repaint" "$full" "0" "$(verdict "$full" 1)"
		printf '  %-48s %8s   target %-8s %s\n' "$n: first screen still shown" "${TTY_SHOWN[$n]}" "yes" \
			"$([ "${TTY_SHOWN[$n]}" = yes ] && echo met || echo MISSED)"
	done
else
	echo "2. Bytes written to the terminal: skipped (tmux is not installed)"
fi
exit 0
