# lib.sh - shared helpers of the browser tests (sourced after tests/cli/lib.sh, POSIX sh).
#
# The browser runs a key script ($VDS_UI_SCRIPT, see ui/script.c) against an
# in-memory screen; each ":dump $D/NAME" in the script writes a dump NAME,
# which screen compares with tests/ui/expected/${UI_PREFIX}NAME.txt after
# norm has put fixed stand-ins in place of random ids.
#
# Set here: EXP (the expected screens), D (the dumps, created), ESC and BEL
# (the bytes), and TERM=vt100 LINES=24 COLUMNS=80 VDS_NOW=1 (every age shows
# as 0s) exported, with NO_COLOR, VDS_UI_SCRIPT and COLORTERM unset.
# Settings, with their defaults; a test changes them after sourcing this:
#   UI_PREFIX=          how the names of the test's expected screens start
#   UI_TIMEOUT=20       seconds one run of the browser may take (times TIME_SCALE)
#   UI_NORM_SED=        a sed script norm applies after the stand-ins
#   UI_LINES_NORM=      not empty: line, is_line, like and has_line read the
#                       dumps through norm too, else as they were written
#
# ui ARGS...              runs vds with the key script $T/script, under the time limit
# ui_env VAR=VALUE... PROGRAM ARGS...  the same with more variables set
# keys                    writes the key script from stdin
# ran DESC                the last run ended with status 0 and printed nothing
# standin VAR AS SHORTEST BEFORE  norm shows the id in $VAR (once set) as AS
# norm FILE               prints FILE with the stand-ins and UI_NORM_SED applied
# keep NAME               copies what screen compared of NAME to $VDS_TEST_KEEP_SCREENS
# screen NAME [EXPECTED]  dump NAME, through norm, equals the expected screen EXPECTED (NAME)
# screen_above NAME       like screen, but without the last line (the jobs line)
# line N NAME             line N of dump NAME (23 is the status line, 24 the jobs line)
# is_line DESC N NAME TEXT  line N of dump NAME is TEXT
# like DESC NAME N REGEX  line N of dump NAME matches the extended REGEX
# has_line DESC NAME TEXT dump NAME has the line TEXT
# edit NAME SED-SCRIPT    rewrites dump NAME through sed
# cut_to WIDTH TEXT       TEXT cut to WIDTH columns with an ellipsis, as the browser draws it
# fit WIDTH TEXT          TEXT in a cell of WIDTH columns: cut, or padded with spaces
# form_text NAME          the text of the form over dump NAME, through norm, in one line
# asks DESC NAME QUESTION the confirmation over dump NAME asks QUESTION, whole
# tmp_files               the files in the local store's tmp/

EXP=$VDS_SRCDIR/tests/ui/expected
D=$T/screens
_ui_normed=$T/screens-compared # what screen compared, apart from the dumps
mkdir -p "$D" "$_ui_normed"
export TERM=vt100 LINES=24 COLUMNS=80 VDS_NOW=1
unset NO_COLOR VDS_UI_SCRIPT COLORTERM
ESC=$(printf '\033')
BEL=$(printf '\007')
UI_PREFIX=
UI_TIMEOUT=20
UI_NORM_SED=
UI_LINES_NORM=
_ui_standins=

# ui ARGS...: runs vds with the key script $T/script (written before), under a time limit
ui() { VDS_UI_SCRIPT=$T/script timeout "$((UI_TIMEOUT * TIME_SCALE))" "$VDS_BIN" "$@"; }
# ui_env VAR=VALUE... PROGRAM ARGS...: the same with more variables set
ui_env() { VDS_UI_SCRIPT=$T/script timeout "$((UI_TIMEOUT * TIME_SCALE))" env "$@"; }

# keys: writes the key script from stdin
keys() { cat >"$T/script"; }

# ran DESC: the last run ended with status 0 and printed nothing
ran() {
	if [ "$rc" = 0 ] && [ ! -s "$T/out" ] && [ ! -s "$T/err" ]; then ok "$1"; else
		not_ok "$1"; diag "exit $rc"; diag "stdout: $(cat "$T/out")"; diag "stderr: $(cat "$T/err")"
	fi
}

# standin VAR AS SHORTEST BEFORE: once the variable VAR holds a random id,
# norm shows it as AS, a fixed stand-in of the same length. An id cut short
# at the end of a line ("DS:1a2…", "(ds1a…"), down to SHORTEST characters
# and after one of the characters BEFORE, becomes as much of AS.
standin() {
	_ui_standins="$_ui_standins$1|$2|$3|$4
"
}

# norm FILE: prints FILE with the stand-ins of the ids known so far, then
# UI_NORM_SED, applied (FILE as it is when there is nothing to apply)
norm() {
	_ui_ns=
	while IFS='|' read -r _ui_var _ui_as _ui_short _ui_before; do
		[ -n "$_ui_var" ] || continue
		eval "_ui_id=\${$_ui_var-}"
		[ -n "$_ui_id" ] || continue # not known yet
		_ui_ns="$_ui_ns s/$_ui_id/$_ui_as/g;"
		while [ "${#_ui_id}" -gt "$_ui_short" ]; do
			_ui_id=${_ui_id%?} _ui_as=${_ui_as%?}
			_ui_ns="$_ui_ns s/\([$_ui_before]\)$_ui_id…\$/\1$_ui_as…/;"
		done
	done <<EOF
$_ui_standins
EOF
	if [ -z "$_ui_ns$UI_NORM_SED" ]; then
		cat "$1"
	else
		sed -e "$_ui_ns" -e "$UI_NORM_SED" "$1"
	fi
}

# keep NAME: what screen compared of dump NAME, kept as ${UI_PREFIX}NAME.txt
# in $VDS_TEST_KEEP_SCREENS when that is set
keep() {
	if [ -n "${VDS_TEST_KEEP_SCREENS:-}" ]; then
		mkdir -p "$VDS_TEST_KEEP_SCREENS" && cp "$_ui_normed/$1" "$VDS_TEST_KEEP_SCREENS/$UI_PREFIX$1.txt"
	fi
}

# _ui_compare DESC NAME WANT: the compared form of dump NAME equals the file WANT
_ui_compare() {
	keep "$2"
	if cmp -s "$_ui_normed/$2" "$3"; then ok "$1"; else
		not_ok "$1"; diag "$(diff -u "$3" "$_ui_normed/$2" 2>&1 | sed "s/$ESC/<ESC>/g")"
	fi
}

# screen NAME [EXPECTED]: dump NAME, ids replaced, equals
# tests/ui/expected/${UI_PREFIX}EXPECTED.txt (EXPECTED is NAME unless given)
screen() {
	if [ ! -f "$D/$1" ]; then
		not_ok "screen $1"; diag "no screen was written"; return
	fi
	norm "$D/$1" >"$_ui_normed/$1"
	_ui_compare "screen $1" "$1" "$EXP/$UI_PREFIX${2:-$1}.txt"
}

# screen_above NAME: like screen, but without the last line (the jobs line, whose text varies)
screen_above() {
	if [ ! -f "$D/$1" ]; then
		not_ok "screen $1 (but its last line)"; diag "no screen was written"; return
	fi
	norm "$D/$1" | sed '$d' >"$_ui_normed/$1"
	_ui_compare "screen $1 (but its last line)" "$1" "$EXP/$UI_PREFIX$1.txt"
}

# _ui_dump NAME: dump NAME as line and the checks below read it (see UI_LINES_NORM)
_ui_dump() {
	if [ -n "$UI_LINES_NORM" ]; then norm "$D/$1"; else cat "$D/$1"; fi
}

# line N NAME: line N of dump NAME (23 is the status line, 24 the jobs line)
line() { _ui_dump "$2" 2>/dev/null | sed -n "$1p"; }

# is_line DESC N NAME TEXT: line N of dump NAME is TEXT
is_line() {
	if [ ! -f "$D/$3" ]; then
		not_ok "$1"; diag "no screen $3 was written"; return
	fi
	is "$1" "$(line "$2" "$3")" "$4"
}

# like DESC NAME N REGEX: line N of dump NAME matches the extended REGEX
like() {
	_l=$(line "$3" "$2")
	if printf '%s\n' "$_l" | grep -Eq -- "$4"; then ok "$1"; else
		not_ok "$1"; diag "line $3: $_l"; diag "want: $4"
	fi
}

# has_line DESC NAME TEXT: dump NAME has the line TEXT
has_line() {
	if _ui_dump "$2" 2>/dev/null | grep -qxF -- "$3"; then ok "$1"; else
		not_ok "$1"; diag "want the line:"; diag "$3"; diag "screen:"; diag "$(cat "$D/$2" 2>&1)"
	fi
}

# edit NAME SED-SCRIPT: rewrites dump NAME through sed
edit() { sed "$2" "$D/$1" >"$D/$1.tmp" && mv "$D/$1.tmp" "$D/$1"; }

# cut_to WIDTH TEXT: TEXT cut to WIDTH columns with an ellipsis, as the
# browser draws it (ASCII text only)
cut_to() {
	if [ "${#2}" -gt "$1" ]; then
		printf '%s\342\200\246' "$(printf '%s' "$2" | cut -c1-$(($1 - 1)))"
	else
		printf '%s' "$2"
	fi
}

# fit WIDTH TEXT: TEXT in a cell of WIDTH columns: cut, or padded with spaces
fit() {
	if [ "${#2}" -gt "$1" ]; then cut_to "$1" "$2"; else printf "%-$1s" "$2"; fi
}

# form_text NAME: the text of the form over dump NAME: its lines without the frames, joined
form_text() {
	norm "$D/$1" | sed -e 's/^..//' -e 's/..$//' -e 's/[-|+][-|+]*/ /g' | tr '\n' ' ' | tr -s ' '
}

# asks DESC NAME QUESTION: the confirmation over dump NAME asks QUESTION, whole
asks() {
	if form_text "$2" | grep -qF -- "$3"; then ok "$1"; else
		not_ok "$1"; diag "want: $3"; diag "screen:"; diag "$(norm "$D/$2")"
	fi
}

# tmp_files: the files in the store's tmp/ (a local store)
tmp_files() { ls -A "$VDS_HOME/store/tmp" 2>/dev/null; }
