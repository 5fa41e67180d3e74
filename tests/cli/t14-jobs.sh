#!/bin/sh
# t14-jobs: the browser's keyboard-driven changes and its background jobs,
# driven by key scripts ($VDS_UI_SCRIPT) on a fresh store and a local source
# tree: create a dataset (c), a draft (v), upload through the picker (u),
# progress, cancel (b, K), a failing upload, quitting with a job running,
# commit (C), tag (t), download (g), upload into a committed version,
# remove (x), delete a tag (T), a version and a dataset (D), Esc on forms.
#
# Random ids are replaced in the screens by fixed stand-ins of the same
# length (dsDATASET000001, VERSN01, VERSN02) before they are compared with
# tests/ui/expected/jobs-*.txt; lines whose numbers depend on timing are
# checked by their form only.
#
# VDS_TEST_KEEP_SCREENS=DIR copies every screen taken into DIR (with the
# stand-ins), to look at.
. "$VDS_SRCDIR/tests/cli/lib.sh"

EXP=$VDS_SRCDIR/tests/ui/expected
D=$T/screens
W=$T/work
mkdir -p "$D" "$W"
export TERM=vt100 LINES=24 COLUMNS=80 VDS_NOW=1 # every age shows as 0s
unset NO_COLOR VDS_UI_SCRIPT COLORTERM
ESC=$(printf '\033')

# ui ARGS...: runs vds with the key script $T/script, under a time limit
ui() { VDS_UI_SCRIPT=$T/script timeout 20 "$VDS_BIN" "$@"; }

# keys: writes the key script from stdin
keys() { cat >"$T/script"; }

# ran DESC: the last run ended with status 0 and printed nothing
ran() {
	if [ "$rc" = 0 ] && [ ! -s "$T/out" ] && [ ! -s "$T/err" ]; then ok "$1"; else
		not_ok "$1"; diag "exit $rc"; diag "stdout: $(cat "$T/out")"; diag "stderr: $(cat "$T/err")"
	fi
}

# Stand-ins for random ids, set as the ids become known. An id cut short
# at the end of a line ("ds1a2…") becomes as much of its stand-in.
DS= V1= V2=
norm() {
	_ns=
	for _pair in "$DS dsDATASET000001" "$V1 VERSN01" "$V2 VERSN02"; do
		_id=${_pair% *} _as=${_pair#* }
		[ -n "$_id" ] || continue
		_ns="$_ns s/$_id/$_as/g;"
		_i=1
		while [ "$_i" -lt "${#_id}" ]; do
			_ns="$_ns s/\([^0-9a-z]\)$(printf %s "$_id" | cut -c1-$_i)…\$/\1$(printf %s "$_as" | cut -c1-$_i)…/;"
			_i=$((_i + 1))
		done
	done
	sed -e "$_ns" \
		-e 's|^+ Upload from /.* -*+$|+ Upload from (the work folder) ---------------------------------------------+|' \
		"$1"
}

# screen NAME [EXPECTED]: dump NAME, ids replaced, equals tests/ui/expected/jobs-EXPECTED.txt
screen() {
	_want=$EXP/jobs-${2:-$1}.txt
	if [ ! -f "$D/$1" ]; then
		not_ok "screen $1"; diag "no screen was written"; return
	fi
	norm "$D/$1" >"$D/$1.norm"
	if [ -n "${VDS_TEST_KEEP_SCREENS:-}" ]; then
		mkdir -p "$VDS_TEST_KEEP_SCREENS" && cp "$D/$1.norm" "$VDS_TEST_KEEP_SCREENS/jobs-$1.txt"
	fi
	if cmp -s "$D/$1.norm" "$_want"; then ok "screen $1"; else
		not_ok "screen $1"; diag "$(diff -u "$_want" "$D/$1.norm" | sed "s/$ESC/<ESC>/g")"
	fi
}

# screen_above NAME: like screen, but without the last line (the jobs line, whose numbers vary)
screen_above() {
	_want=$EXP/jobs-$1.txt
	if [ ! -f "$D/$1" ]; then
		not_ok "screen $1 (but its last line)"; diag "no screen was written"; return
	fi
	norm "$D/$1" | sed '$d' >"$D/$1.norm"
	if [ -n "${VDS_TEST_KEEP_SCREENS:-}" ]; then
		mkdir -p "$VDS_TEST_KEEP_SCREENS" && cp "$D/$1.norm" "$VDS_TEST_KEEP_SCREENS/jobs-$1.txt"
	fi
	if cmp -s "$D/$1.norm" "$_want"; then ok "screen $1 (but its last line)"; else
		not_ok "screen $1 (but its last line)"; diag "$(diff -u "$_want" "$D/$1.norm")"
	fi
}

# line N NAME: line N of dump NAME (the last line, 24, is the jobs line)
line() { sed -n "$1p" "$D/$2"; }

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

# title_line WIDTH TITLE: the top line of a frame WIDTH columns wide titled TITLE
title_line() {
	_tw=${#2}
	[ "$_tw" -le $(($1 - 4)) ] || _tw=$(($1 - 4))
	printf '+ %s %s+' "$(cut_to $(($1 - 4)) "$2")" "$(printf '%*s' $(($1 - 4 - _tw)) '' | tr ' ' -)"
}

# has_line DESC NAME TEXT: dump NAME has the line TEXT
has_line() {
	if grep -qxF -- "$3" "$D/$2" 2>/dev/null; then ok "$1"; else
		not_ok "$1"; diag "want the line:"; diag "$3"; diag "screen:"; diag "$(cat "$D/$2" 2>&1)"
	fi
}

# like DESC NAME N REGEX: line N of dump NAME matches the extended REGEX
like() {
	_l=$(line "$3" "$2")
	if printf '%s\n' "$_l" | grep -Eq -- "$4"; then ok "$1"; else
		not_ok "$1"; diag "line $3: $_l"; diag "want: $4"
	fi
}

# the store's temporary files and content objects
tmp_files() { ls -A "$VDS_HOME/store/tmp" 2>/dev/null; }
objects() { find "$VDS_HOME/store/objects" -type f 2>/dev/null | wc -l; }

# the local files to upload; the picker starts in $W
mkdir -p "$W/src/sub/deep"
printf 'alpha\n' >"$W/src/a.txt"
printf 'beta beta\n' >"$W/src/sub/b.txt"
printf 'gamma gamma gamma\n' >"$W/src/sub/deep/c.txt"
seq 1 500 >"$W/src/numbers.csv"
printf 'extra\n' >"$W/extra.txt"
truncate -s 3G "$W/big.bin" # sparse: takes no disk, reads as 3 GiB of zeros
cd "$W" || exit 1

# ================================================= c: create a dataset, Esc
keys <<EOF
c
:type scratch
:dump $D/create-esc-form
<Esc>
:dump $D/create-esc
c
:dump $D/create-form
:type mydata
<Tab>
:type My first dataset
:dump $D/create-filled
<Enter>
:dump $D/create-queued
:wait
:dump $D/created
v
:dump $D/draft-form
<Esc>
:dump $D/draft-esc
v
:type first draft
<Enter>
:wait
:dump $D/drafted
u
:dump $D/picker
<Space>
:dump $D/picker-marked
u
:dump $D/upload-form
<Enter>
:wait
:dump $D/uploaded
EOF
run ui browse
ran "c, v and u on a fresh store"
DS=$(vds datasets list | sed -n 's/^| mydata *| \(ds[0-9a-z]*\) .*/\1/p')
V1=$(vds datasets versions list --id mydata | sed -n "s/^| $DS:\([0-9a-z]*\) .*/\1/p")
check "c created one dataset, v one draft" test -n "$DS" -a -n "$V1"
screen create-esc-form
screen create-esc
check "Esc on the create form: the status line says cancelled" test "$(line 23 create-esc)" = cancelled
screen create-form
screen create-filled
check "Enter on the form queues a job" \
	test "$(line 23 create-queued)" = "job #1 queued: create dataset (b shows jobs)"
screen created
screen draft-form
screen draft-esc
screen drafted
check "the picker starts in the current folder" \
	test "$(line 2 picker)" = "$(title_line 80 "Upload from $W")"
screen picker
screen picker-marked
screen upload-form
screen uploaded

run vds datasets list
expect "c: the dataset is there with the name typed" 0 "$(cat <<EOF
+--------+-----------------+------------------+
| Name   | ID              | Storage Provider |
+--------+-----------------+------------------+
| mydata | $DS | $(vds storageProviders list | sed -n 's/^| local *| \(sp[0-9a-z]*\) .*/\1/p')  |
+--------+-----------------+------------------+
EOF
)" ""
run vds datasets details --id "$DS" --json
check "c: the description typed after Tab" grep -q '"description":	"My first dataset"' "$T/out"
run vds datasets versions list --id "$DS"
expect "v: one draft with the message typed (Esc made none)" 0 "$(cat <<EOF
+-------------------------+-------------+------+
| ID                      | Message     | Tags |
+-------------------------+-------------+------+
| $DS:$V1 | first draft |      |
+-------------------------+-------------+------+
EOF
)" ""
FILES_V1="+--------------------+------+
| Name               | Size |
+--------------------+------+
| src/a.txt          | 6    |
| src/numbers.csv    | 1892 |
| src/sub/b.txt      | 10   |
| src/sub/deep/c.txt | 18   |
+--------------------+------+"
run vds datasets files list --id "$DS:$V1" --recursive
expect "u: the folder marked in the picker was uploaded under its name" 0 "$FILES_V1" ""

# ================================================ progress, quitting with a job running
objects_before=$(objects)
keys <<EOF
u
j
<Space>
u
<Enter>
:wait-progress
:dump $D/progress-1
:wait-progress
:dump $D/progress-2
b
:dump $D/progress-jobs
<Esc>
q
:dump $D/quit-ask
n
:dump $D/quit-no
q
y
:dump $D/after-quit
EOF
run ui browse
ran "an upload of 3 GiB, quitting while it runs"
JOBRE="^job #1 upload 1 item into $DS:$V1: [0-9]{1,3}% 0/1 files [0-9.]+[BKMGT]/3\.0G( |$)"
like "the jobs line shows the running upload with a percentage" progress-1 24 "$JOBRE"
like "again after more progress" progress-2 24 "$JOBRE"
like "the Jobs view lists the running upload with its progress" progress-jobs 3 \
	"^\\|#1   running   upload 1 item into $DS:$V1 [0-9]{1,3}% 0/1 files "
has_line "the Jobs view details say it is running" progress-jobs \
	"| $(fit 76 "#1 upload 1 item into $DS:$V1: running") |"
like "the Jobs view details show its progress" progress-jobs 20 \
	"^\| [0-9]{1,3}% 0/1 files [0-9.]+[BKMGT]/3\.0G [0-9.]+[BKMGT]/s( ETA [0-9]+:[0-9][0-9])? +\|$"
has_line "the Jobs view details show the file being read" progress-jobs "| $(fit 76 "now: big.bin") |"
screen_above quit-ask
like "the question leaves the jobs line showing progress" quit-ask 24 "$JOBRE"
screen_above quit-no
check "n keeps the browser open" test "$(line 23 quit-no)" = cancelled
check "y quits: no screen after it" test ! -e "$D/after-quit"
run vds datasets files list --id "$DS:$V1" --recursive
expect "quitting cancelled the upload: the draft is unchanged" 0 "$FILES_V1" ""
is "quitting left no temporary file in the store's tmp/" "$(tmp_files)" ""
is "quitting stored no content of the cancelled upload" "$(objects)" "$objects_before"

# ========================================================= cancel in the Jobs view
keys <<EOF
u
j
<Space>
u
:dump $D/big-form
<Enter>
:wait-progress
b
K
:wait
:dump $D/cancelled-jobs
<Esc>
:dump $D/cancelled
q
EOF
run ui browse
ran "b, K: cancel a running upload"
screen big-form
screen cancelled-jobs
screen cancelled
run vds datasets files list --id "$DS:$V1"
expect "K: the draft's files are unchanged by the cancelled upload" 0 "$(cat <<EOF
+------+------+
| Name | Size |
+------+------+
| src/ | 1926 |
+------+------+
EOF
)" ""
run vds datasets files list --id "$DS:$V1" --recursive
expect "K: recursively too" 0 "$FILES_V1" ""
is "K: no temporary file is left in the store's tmp/" "$(tmp_files)" ""
is "K: no content of the cancelled upload was stored" "$(objects)" "$objects_before"

# ============================================================ a failing upload
# A file its user cannot read. The tests may run as root, who reads
# everything: then vds runs as an unprivileged user on a store that user owns.
NB=$T/nobody
mkdir -p "$NB/work/src2" "$NB/screens"
printf 'fine\n' >"$NB/work/src2/ok.txt"
printf 'secret\n' >"$NB/work/src2/secret.txt"
chmod 000 "$NB/work/src2/secret.txt"
as_user=
nb_skip=
if [ "$(id -u)" = 0 ]; then
	if command -v setpriv >/dev/null 2>&1; then
		as_user="setpriv --reuid=65534 --regid=65534 --clear-groups"
		chmod 711 "$T"
		chown -R 65534:65534 "$NB"
		$as_user test -w "$NB/screens" 2>/dev/null || nb_skip="user 65534 cannot reach $NB"
	else
		nb_skip="running as root without setpriv(1)"
	fi
fi
if [ -n "$nb_skip" ]; then
	for d in "a failing upload: the browser ran" "the jobs line says it failed, and why" \
		"the Jobs view lists it as failed" "the Jobs view details: failed" \
		"the Jobs view details: the error" "a failed upload adds nothing to the draft"; do
		ok "$d # SKIP $nb_skip"
	done
else
	nbv() { $as_user env VDS_HOME="$NB/home" HOME="$NB" timeout 20 "$VDS_BIN" "$@"; }
	NDS=$(nbv datasets create --name locked | sed -n 's/^Created dataset: //p')
	NV=$(nbv datasets versions create --id locked --message before | sed -n 's/^Created dataset version: [^:]*://p')
	cat >"$NB/script" <<EOF
u
<Space>
u
<Enter>
:wait
:dump $NB/screens/failed
b
:dump $NB/screens/failed-jobs
q
q
EOF
	(cd "$NB/work" && VDS_UI_SCRIPT=$NB/script nbv browse) >"$T/out" 2>"$T/err"
	rc=$?
	ran "a failing upload: the browser ran"
	cp "$NB/screens/failed" "$NB/screens/failed-jobs" "$D/" 2>/dev/null
	err="cannot read '$NB/work/src2/secret.txt': Permission denied"
	check "the jobs line says it failed, and why" test "$(line 24 failed)" = \
		"$(cut_to 80 "job #1 upload 1 item into $NDS:$NV failed: $err")"
	has_line "the Jobs view lists it as failed" failed-jobs \
		"|$(fit 78 "#1   failed    upload 1 item into $NDS:$NV $err")|"
	has_line "the Jobs view details: failed" failed-jobs \
		"| $(fit 76 "#1 upload 1 item into $NDS:$NV: failed") |"
	has_line "the Jobs view details: the error" failed-jobs "| $(fit 76 "$err") |"
	run nbv datasets files list --id "$NDS:$NV" --recursive
	expect "a failed upload adds nothing to the draft" 0 "$(cat <<EOF
+------+------+
| Name | Size |
+------+------+
+------+------+
EOF
)" ""
fi

# ================================================= C: commit, t: tag, g: download
keys <<EOF
C
:dump $D/commit-form
<Esc>
:dump $D/commit-esc
C
^U
:type first release
:dump $D/commit-typed
<Enter>
:wait
:dump $D/committed
C
:dump $D/commit-again
t
:dump $D/tag-form
:type v1
<Enter>
:wait
t
:type stable
<Enter>
:wait
:dump $D/tagged
g
:dump $D/download-form
<Enter>
:wait
g
^U
:type dl
:dump $D/download-typed
<Enter>
:wait
:dump $D/downloaded
<Enter> <Enter> <Enter>
g
:dump $D/download-file-form
^U
:type dl1
<Enter>
:wait
:dump $D/downloaded-file
EOF
run ui browse
ran "C, t and g"
screen commit-form
screen commit-esc
screen commit-typed
screen committed
check "C on a committed version says so" \
	test "$(line 23 commit-again)" = "$DS:$V1 is committed already"
screen tag-form
screen tagged
# the folder offered by g: DATASET-VERSION in the current folder (the end
# of it shows when it is long); compared here, then left out of the screen
default_dl() {
	check "$1" test "$(line 11 "$2" | sed -e 's/^..//' -e 's/..$//')" = \
		"| Into local folder: $(fit 53 "$(printf '%s' "$W/mydata-$V1" | sed 's/.*\(.\{52\}\)$/\1/')") |"
	sed -i '11s/^\(..| Into local folder: \).*\( |..\)$/\1(the default)                                        \2/' "$D/$2"
}
default_dl "g offers a folder named after the dataset and version in the current folder" download-form
screen download-form
screen download-typed
screen downloaded
default_dl "g on a file offers the same folder" download-file-form
screen download-file-form
screen downloaded-file
run vds datasets versions list --id "$DS"
expect "C: the draft was committed with the message typed" 0 "$(cat <<EOF
+-------------------------+---------------+------------+
| ID                      | Message       | Tags       |
+-------------------------+---------------+------------+
| $DS:$V1 | first release | stable, v1 |
+-------------------------+---------------+------------+
EOF
)" ""
run vds datasets tags list --id "$DS"
expect "t: two tags on the committed version" 0 "$(cat <<EOF
+-------------------------+--------+
| ID                      | Name   |
+-------------------------+--------+
| $DS:$V1 | stable |
| $DS:$V1 | v1     |
+-------------------------+--------+
EOF
)" ""
check "g with the default folder: the whole version, byte for byte" \
	diff -r "$W/src" "$W/mydata-$V1/src"
check "g into the folder typed: byte for byte" diff -r "$W/src" "$W/dl/src"
check "g: nothing else was written" test "$(ls -A "$W/dl")" = src
check "g on a file in the Files pane: that file only" \
	test "$(cd "$W/dl1" && find . -type f)" = ./src/a.txt
check "g on a file: byte for byte" cmp "$W/src/a.txt" "$W/dl1/src/a.txt"

# ================================================ u on a committed version
keys <<EOF
u
:dump $D/upload-committed
y
:dump $D/upload-committed-picker
G
<Space>
u
:dump $D/upload-committed-form
<Enter>
:wait
:dump $D/uploaded-new-draft
q
EOF
run ui browse
ran "u on a committed version"
V2=$(vds datasets versions list --id "$DS" | sed -n "s/^| $DS:\([0-9a-z]*\) .*/\1/p" | sed -n 1p)
check "a new draft was made" test -n "$V2" -a "$V2" != "$V1"
# the text of the form over a screen: its lines without the frames, joined
form_text() {
	norm "$D/$1" | sed -e 's/^..//' -e 's/..$//' -e 's/[-|+][-|+]*/ /g' | tr '\n' ' ' | tr -s ' '
}
question="dsDATASET000001:VERSN01 is committed and cannot change. Upload into a new draft based on it (its files carried over)?"
if form_text upload-committed | grep -qF "$question"; then
	ok "u on a committed version asks the whole question"
else
	not_ok "u on a committed version asks the whole question"
	diag "want: $question"; diag "screen:"; diag "$(norm "$D/upload-committed")"
fi
check "u on a committed version: y or n" grep -q '^| | Enter or y: yes   Esc or n: no  *| |$' "$D/upload-committed"
screen upload-committed-picker
screen upload-committed-form
screen uploaded-new-draft
run vds datasets versions list --id "$DS"
expect "the new draft is based on the committed version" 0 "$(cat <<EOF
+-------------------------+------------------+------------+
| ID                      | Message          | Tags       |
+-------------------------+------------------+------------+
| $DS:$V2 | based on $V1 |            |
| $DS:$V1 | first release    | stable, v1 |
+-------------------------+------------------+------------+
EOF
)" ""
run vds datasets files list --id "$DS:$V2" --recursive
expect "the upload landed in the new draft, with the files carried over" 0 "$(cat <<EOF
+--------------------+------+
| Name               | Size |
+--------------------+------+
| extra.txt          | 6    |
| src/a.txt          | 6    |
| src/numbers.csv    | 1892 |
| src/sub/b.txt      | 10   |
| src/sub/deep/c.txt | 18   |
+--------------------+------+
EOF
)" ""
run vds datasets files list --id "$DS:$V1" --recursive
expect "the committed version is unchanged" 0 "$FILES_V1" ""

# ======================================================== x: remove from a draft
keys <<EOF
<Enter> <Enter>
x
:dump $D/remove-file-ask
n
:dump $D/remove-file-no
x
y
:wait
:dump $D/removed-file
<Enter> j j
x
:dump $D/remove-folder-ask
y
:wait
:dump $D/removed-folder
q
EOF
run ui browse
ran "x on a file and on a folder"
screen remove-file-ask
screen remove-file-no
screen removed-file
screen remove-folder-ask
screen removed-folder
run vds datasets files list --id "$DS:$V2" --recursive
expect "x removed the file and the folder, nothing else" 0 "$(cat <<EOF
+-----------------+------+
| Name            | Size |
+-----------------+------+
| src/a.txt       | 6    |
| src/numbers.csv | 1892 |
+-----------------+------+
EOF
)" ""

# ============================================================ T: delete a tag
keys <<EOF
<Tab> <Tab>
T
:dump $D/untag-ask
n
T
y
:wait
:dump $D/untagged
<Tab>
T
:dump $D/untag-elsewhere
EOF
run ui browse
ran "T in the Tags pane"
screen untag-ask
screen untagged
check "T outside the Tags pane asks for a tag" \
	test "$(line 23 untag-elsewhere)" = "select a tag in the Tags pane"
run vds datasets tags list --id "$DS"
expect "T deleted the tag under the cursor, after confirmation" 0 "$(cat <<EOF
+-------------------------+------+
| ID                      | Name |
+-------------------------+------+
| $DS:$V1 | v1   |
+-------------------------+------+
EOF
)" ""

# ================================================= D: delete a version, a dataset
keys <<EOF
<Tab>
D
:dump $D/delete-draft-ask
y
:wait
:dump $D/deleted-draft
D
:dump $D/delete-version-ask
n
:dump $D/delete-version-no
EOF
run ui browse
ran "D in the Versions pane"
screen delete-draft-ask
screen deleted-draft
screen delete-version-ask
screen delete-version-no
run vds datasets versions list --id "$DS"
expect "D deleted the draft; n kept the committed version" 0 "$(cat <<EOF
+-------------------------+---------------+------+
| ID                      | Message       | Tags |
+-------------------------+---------------+------+
| $DS:$V1 | first release | v1   |
+-------------------------+---------------+------+
EOF
)" ""

keys <<EOF
<Tab>
D
y
:wait
:dump $D/deleted-version
<BackTab>
D
:dump $D/delete-dataset-ask
<Esc>
:dump $D/delete-dataset-esc
D
y
:wait
:dump $D/deleted-dataset
EOF
run ui browse
ran "D on a committed, tagged version, then on the dataset"
screen deleted-version
screen delete-dataset-ask
screen delete-dataset-esc
screen deleted-dataset
run vds datasets versions list --id "$DS"
run vds datasets list
expect "D: the dataset is gone" 0 "$(cat <<EOF
+------+----+------------------+
| Name | ID | Storage Provider |
+------+----+------------------+
+------+----+------------------+
EOF
)" ""
run vds datasets details --id "$DS"
expect "D: the dataset cannot be found" 3 "" "vds: no such dataset '$DS'"
is "no temporary file is left in the store's tmp/" "$(tmp_files)" ""

done_testing
