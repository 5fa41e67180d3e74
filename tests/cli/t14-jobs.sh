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
. "$VDS_SRCDIR/tests/ui/lib.sh"

UI_PREFIX=jobs-
W=$T/work
mkdir -p "$W"

# the random ids, set as they become known, and their stand-ins in the screens
DS= V1= V2=
standin DS dsDATASET000001 4 '( '
standin V1 VERSN01 2 :
standin V2 VERSN02 2 :
# the picker's title names the work folder, which is different on each run
UI_NORM_SED='s|^+ Upload from /.* -*+$|+ Upload from (the work folder) -----------------------------------------------+|'

# title_line WIDTH TITLE: the top line of a frame WIDTH columns wide titled TITLE
title_line() {
	_tw=${#2}
	[ "$_tw" -le $(($1 - 4)) ] || _tw=$(($1 - 4))
	printf '+ %s %s+' "$(cut_to $(($1 - 4)) "$2")" "$(printf '%*s' $(($1 - 4 - _tw)) '' | tr ' ' -)"
}

# the store's content objects
objects() { find "$VDS_HOME/store/objects" -type f 2>/dev/null | wc -l; }

# the local files to upload; the picker starts in $W
mkdir -p "$W/src/sub/deep"
printf 'alpha\n' >"$W/src/a.txt"
printf 'beta beta\n' >"$W/src/sub/b.txt"
printf 'gamma gamma gamma\n' >"$W/src/sub/deep/c.txt"
awk 'BEGIN { for (i = 1; i <= 500; i++) print i }' >"$W/src/numbers.csv"
printf 'extra\n' >"$W/extra.txt"
# sparse: takes no disk, reads as 3 GiB of zeros (only the start is ever stored)
truncate -s 3G "$W/big.bin" 2>/dev/null ||
	dd if=/dev/null of="$W/big.bin" bs=1048576 seek=3072 2>/dev/null
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
<Esc>
:dump $D/picker-esc
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
	test "$(line 23 create-queued)" = "job #1 queued: create dataset mydata (b shows jobs)"
screen created
screen draft-form
screen draft-esc
screen drafted
check "Esc in the picker: the status line says the upload was cancelled" \
	test "$(line 23 picker-esc)" = "upload cancelled"
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
run vds datasets details --id "$DS"
check "c: the description typed after Tab" grep -q '^| Description  *| My first dataset  *|$' "$T/out"
run vds datasets versions list --id "$DS"
expect "v: one draft with the message typed (Esc made none)" 0 "$(cat <<EOF
+-------------------------+-------+-------+---------+-------------+------+
| ID                      | State | Files | Size    | Message     | Tags |
+-------------------------+-------+-------+---------+-------------+------+
| $DS:$V1 | draft | 4     | 1.9 KiB | first draft |      |
+-------------------------+-------+-------+---------+-------------+------+
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
JOBRE="^job #1 upload 1 item into mydata:$V1: [0-9]{1,3}% 0/1 files [0-9.]+[BKMGT]/3\.0G( |$)"
like "the jobs line shows the running upload with a percentage" progress-1 24 "$JOBRE"
like "again after more progress" progress-2 24 "$JOBRE"
like "the Jobs view lists the running upload with its progress" progress-jobs 3 \
	"^\\|#1   running   upload 1 item into mydata:$V1  [0-9]{1,3}% 0/1 files "
has_line "the Jobs view details say it is running" progress-jobs \
	"| $(fit 76 "#1 upload 1 item into mydata:$V1: running") |"
like "the Jobs view details show its progress" progress-jobs 20 \
	"^\| [0-9]{1,3}% 0/1 files [0-9.]+[BKMGT]/3\.0G [0-9.]+[BKMGT]/s( ETA [0-9]+:[0-9][0-9])? +\|$"
has_line "the Jobs view details show the file being read" progress-jobs "| $(fit 76 "now: big.bin") |"
screen_above quit-ask
like "the question leaves the jobs line showing progress" quit-ask 24 "$JOBRE"
screen_above quit-no
like "n: the browser stays and the upload goes on" quit-no 24 "$JOBRE"
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
b
K
<Esc>
:dump $D/cancel-ended
q
EOF
run ui browse
ran "b, K: cancel a running upload"
screen big-form
screen cancelled-jobs
screen cancelled
if [ "$(line 23 cancel-ended)" != "cancelling job #1" ]; then
	ok "K on a job that has ended does not claim to cancel it"
else
	not_ok "K on a job that has ended does not claim to cancel it"
	diag "status line: $(line 23 cancel-ended)"
fi
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
		"the Jobs view details: the error" "a failed upload adds nothing to the draft" \
		"a failing upload into a new draft: the browser ran" \
		"the jobs line says the upload into a new draft failed, and why" \
		"a failed upload into a new draft leaves no draft behind"; do
		ok "$d # SKIP $nb_skip"
	done
else
	nbv() { $as_user env VDS_HOME="$NB/home" HOME="$NB" timeout $((20 * TIME_SCALE)) "$VDS_BIN" "$@"; }
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
		"$(cut_to 80 "job #1 upload 1 item into locked:$NV failed: $err")"
	has_line "the Jobs view lists it as failed" failed-jobs \
		"|$(fit 78 "#1   failed    upload 1 item into locked:$NV  $err")|"
	has_line "the Jobs view details: failed" failed-jobs \
		"| $(fit 76 "#1 upload 1 item into locked:$NV: failed") |"
	has_line "the Jobs view details: the error" failed-jobs "| $(fit 76 "$err") |"
	run nbv datasets files list --id "$NDS:$NV" --recursive
	expect "a failed upload adds nothing to the draft" 0 "$(cat <<EOF
+------+------+
| Name | Size |
+------+------+
+------+------+
EOF
)" ""

	# into a new draft based on a committed version: the draft goes too
	nbv datasets versions commit --id "$NDS:$NV" >/dev/null
	cat >"$NB/script" <<EOF
u
y
<Space>
u
<Enter>
:wait
:dump $NB/screens/failed-new-draft
EOF
	(cd "$NB/work" && VDS_UI_SCRIPT=$NB/script nbv browse) >"$T/out" 2>"$T/err"
	rc=$?
	ran "a failing upload into a new draft: the browser ran"
	cp "$NB/screens/failed-new-draft" "$D/" 2>/dev/null
	check "the jobs line says the upload into a new draft failed, and why" \
		test "$(line 24 failed-new-draft)" = \
		"$(cut_to 80 "job #1 upload 1 item into a new draft from locked:$NV failed: $err")"
	run nbv datasets versions list --id "$NDS"
	expect "a failed upload into a new draft leaves no draft behind" 0 "$(cat <<EOF
+-------------------------+-----------+-------+------+---------+------+
| ID                      | State     | Files | Size | Message | Tags |
+-------------------------+-----------+-------+------+---------+------+
| $NDS:$NV | committed | 0     | 0 B  | before  |      |
+-------------------------+-----------+-------+------+---------+------+
EOF
)" ""
fi

# ================================================= C: commit, t: tag, S: download
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
t
:type bad/name
<Enter>
:dump $D/tag-bad
<Esc>
S
:dump $D/download-form
<Enter>
:wait
S
^U
:type dl
:dump $D/download-typed
<Enter>
:wait
:dump $D/downloaded
<Enter> <Enter> <Enter>
S
:dump $D/download-file-form
^U
:type dl1
<Enter>
:wait
:dump $D/downloaded-file
EOF
run ui browse
ran "C, t and S"
screen commit-form
screen commit-esc
screen commit-typed
screen committed
check "C on a committed version says so" \
	test "$(line 23 commit-again)" = "mydata:$V1 is committed already"
screen tag-form
screen tagged
asks "t refuses a malformed tag name in the form, which stays open with it" tag-bad \
	"Tag: bad/name tag name 'bad/name' may not contain '/' Enter: OK"
check "t with a malformed name queues no job" \
	test "$(line 24 tag-bad)" = "job #3 tag stable done: tag stable now names mydata:$V1"
# the folder offered by S: DATASET-VERSION in the current folder (the end
# of it shows when it is long); compared here, then left out of the screen
default_dl() {
	check "$1" test "$(line 11 "$2" | sed -e 's/^..//' -e 's/..$//')" = \
		"| Into local folder: $(fit 53 "$(printf '%s' "$W/mydata-$V1" | sed 's/.*\(.\{52\}\)$/\1/')") |"
	edit "$2" '11s/^\(..| Into local folder: \).*\( |..\)$/\1(the default)                                        \2/'
}
default_dl "S offers a folder named after the dataset and version in the current folder" download-form
screen download-form
screen_above download-typed
check "the jobs line says where the default download went" test "$(line 24 download-typed)" = \
	"$(cut_to 80 "job #4 download mydata:stable done: downloaded 4 files (1.9 KiB) to $W/mydata-$V1 (0 already there)")"
screen downloaded
default_dl "S on a file offers the same folder" download-file-form
screen download-file-form
screen downloaded-file
run vds datasets versions list --id "$DS"
expect "C: the draft was committed with the message typed" 0 "$(cat <<EOF
+-------------------------+-----------+-------+---------+---------------+------------+
| ID                      | State     | Files | Size    | Message       | Tags       |
+-------------------------+-----------+-------+---------+---------------+------------+
| $DS:$V1 | committed | 4     | 1.9 KiB | first release | stable, v1 |
+-------------------------+-----------+-------+---------+---------------+------------+
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
check "S with the default folder: the whole version, byte for byte" \
	diff -r "$W/src" "$W/mydata-$V1/src"
check "S into the folder typed: byte for byte" diff -r "$W/src" "$W/dl/src"
check "S: nothing else was written" test "$(ls -A "$W/dl")" = src
check "S on a file in the Files pane: that file only" \
	test "$(cd "$W/dl1" && find . -type f)" = ./src/a.txt
check "S on a file: byte for byte" cmp "$W/src/a.txt" "$W/dl1/src/a.txt"

# ================================================ u on a committed version
# cancelled: the draft made for the upload goes with it
keys <<EOF
u
y
G k
<Space>
u
<Enter>
:wait-progress
b
<Delete>
:wait
:dump $D/cancelled-new-draft-jobs
EOF
run ui browse
ran "u on a committed version, cancelled with Delete in the Jobs view"
# the id of the draft made (and removed) by the job is random
edit cancelled-new-draft-jobs "s/\(nothing was added to mydata:\)[0-9a-z]\{7\}/\1VERSNXX/"
screen cancelled-new-draft-jobs
run vds datasets versions list --id "$DS"
expect "a cancelled upload leaves no new draft behind" 0 "$(cat <<EOF
+-------------------------+-----------+-------+---------+---------------+------------+
| ID                      | State     | Files | Size    | Message       | Tags       |
+-------------------------+-----------+-------+---------+---------------+------------+
| $DS:$V1 | committed | 4     | 1.9 KiB | first release | stable, v1 |
+-------------------------+-----------+-------+---------+---------------+------------+
EOF
)" ""
is "nothing is left in the store's tmp/" "$(tmp_files)" ""

# accepted: the files go into a new draft
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
asks "u on a committed version asks the whole question" upload-committed \
	"mydata:stable is committed and cannot change. Upload into a new draft based on it (its files carried over)?"
check "u on a committed version: y or n" grep -q '^| | Enter or y: yes   Esc or n: no  *| |$' "$D/upload-committed"
screen upload-committed-picker
screen upload-committed-form
screen uploaded-new-draft
run vds datasets versions list --id "$DS"
expect "the new draft is based on the committed version" 0 "$(cat <<EOF
+-------------------------+-----------+-------+---------+------------------+------------+
| ID                      | State     | Files | Size    | Message          | Tags       |
+-------------------------+-----------+-------+---------+------------------+------------+
| $DS:$V2 | draft     | 5     | 1.9 KiB | based on $V1 |            |
| $DS:$V1 | committed | 4     | 1.9 KiB | first release    | stable, v1 |
+-------------------------+-----------+-------+---------+------------------+------------+
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
screen delete-version-no deleted-draft
run vds datasets versions list --id "$DS"
expect "D deleted the draft; n kept the committed version" 0 "$(cat <<EOF
+-------------------------+-----------+-------+---------+---------------+------+
| ID                      | State     | Files | Size    | Message       | Tags |
+-------------------------+-----------+-------+---------+---------------+------+
| $DS:$V1 | committed | 4     | 1.9 KiB | first release | v1   |
+-------------------------+-----------+-------+---------+---------------+------+
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
:type mydat
<Enter>
:dump $D/delete-dataset-typo
a
<Enter>
:wait
:dump $D/deleted-dataset
c
<Enter>
:dump $D/create-empty
<Esc>
EOF
run ui browse
ran "D on a committed, tagged version, then on the dataset"
screen deleted-version
screen delete-dataset-ask
screen delete-dataset-esc
screen deleted-dataset
asks "D on a dataset: a name typed wrong is refused in the form, which stays open" \
	delete-dataset-typo "Name: mydat type the name 'mydata' to delete it, or Esc to keep it"
asks "c with no name: the form says why and stays open" create-empty \
	"Name: Description: Storage provider: < local > dataset name may not be empty"
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
