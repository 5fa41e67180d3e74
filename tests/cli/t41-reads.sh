#!/bin/sh
# t41-reads: the browser's reads run on reader threads. A slow store is made
# with VDS_TEST_LOAD_DELAY_MS (each read waits that long before it starts);
# ":async" lets the script see the screens while reads are in flight. The
# panes say what they wait for, keys typed ahead of the data are handled in
# order, a dataset left before its versions arrive does not take the panes,
# an abandoned preview is cancelled, and a read that fails says so in its pane.
# The same holds for the reads of the views: the REF given on the command
# line, the content diff, the picker's listing of a local folder (and its
# Tab completion) and what a delete confirmation names; a view's title
# naming a version of a dataset not read yet names it by its id until read,
# the diff view's and a job's in the Jobs view alike.
. "$VDS_SRCDIR/tests/cli/lib.sh"
. "$VDS_SRCDIR/tests/ui/fixture.sh"
. "$VDS_SRCDIR/tests/ui/lib.sh"

FX=$T/fx
mkdir -p "$FX"
make_fixture "$FX"
export VDS_HOME="$FX" VDS_NOW=$FIXTURE_NOW
run vds datasets list # the fixture's store is upgraded once, here
UI_PREFIX=reads-
UI_NORM_SED='s/loading… [0-9]*\.[0-9]s/loading… N.Ns/g'
standin FIXTURE_IMAGES dsfixture000001 15 ""

# ================================================================ loading, then the data
keys <<EOF
:async
:sleep 500
:dump $D/loading
:settle
:dump $D/loaded
EOF
run ui_env VDS_TEST_LOAD_DELAY_MS=900 "$VDS_BIN" browse
ran "a slow store: the browser starts at once and ends cleanly"
screen loading
like "the Datasets pane says how long it has waited" loading 2 '^\|loading… [0-9]+\.[0-9]s +\|'
screen loaded

# the same without a delay, settled as every other screen test: the same screen
keys <<EOF
:dump $D/loaded-at-once
EOF
run ui browse
ran "a quick store"
screen loaded-at-once loaded

# ================================================================ keys typed ahead of the data
keys <<EOF
:async
j j <Enter>
:settle
:dump $D/typed-ahead
EOF
run ui_env VDS_TEST_LOAD_DELAY_MS=300 "$VDS_BIN" browse
ran "keys typed while the dataset list is read"
screen typed-ahead
like "they were handled in order, once it was there: zeta, then Enter" typed-ahead 23 '^zeta'

# ================================================================ a dataset left before its versions arrive
# at "empty", "images" is read ahead; j j goes on to zeta, whose versions
# are read once the cursor rests; k goes back to images before they arrive
keys <<EOF
:async
:settle
j j
:sleep 200
k
:dump $D/left-at-once
:sleep 1000
:dump $D/left
:settle
j
:dump $D/back-to-zeta
EOF
run ui_env VDS_TEST_LOAD_DELAY_MS=600 VDS_TEST_LOAD_LOG="$T/loads.log" "$VDS_BIN" browse
ran "moving on before the versions arrive"
like "images, read ahead, is shown at once" left-at-once 1 '^\+ Datasets \(3\) .*\+ Versions \(3\) '
like "zeta's versions arrived meanwhile: they did not take the Versions pane" left 1 \
	'^\+ Datasets \(3\) .*\+ Versions \(3\) '
like "the status line is still images" left 23 '^images:'
like "zeta's versions were kept: shown at once when it is selected again" back-to-zeta 1 \
	'^\+ Datasets \(3\) .*\+ Versions \(1\) '

# ================================================================ an abandoned preview
# the cursor rests on a file (its preview starts), then moves on before the
# read begins: that read is cancelled and never runs
keys <<EOF
:async
:settle
j
:sleep 150
j
:settle
:dump $D/preview-moved
EOF
: >"$T/loads.log"
run ui_env VDS_TEST_LOAD_DELAY_MS=400 VDS_TEST_LOAD_LOG="$T/loads.log" "$VDS_BIN" browse images:v2
ran "a preview abandoned"
check "one read was cancelled before it ran" test "$(grep -c 'cancelled before it ran' "$T/loads.log")" = 1
check "and no read was cut short while running" test "$(grep -c 'cancelled while it ran' "$T/loads.log")" = 0
screen preview-moved

# ================================================================ a read that fails says so in its pane
ZM=$(eval "echo \$_fx_manifest_$FIXTURE_ZV")
printf 'not a file list\n' >"$FX/store/objects/$(printf %s "$ZM" | cut -c1-2)/$(printf %s "$ZM" | cut -c3-)"
keys <<EOF
:dump $D/tree-failed
<Tab> <Tab> <Tab>
:dump $D/tree-failed-later
EOF
run ui browse zeta
ran "a version whose file list is damaged"
screen tree-failed
like "the Files pane keeps saying why after another key" tree-failed-later 10 'error: '


# ================================================================ the REF on the command line
# the first frame comes at once, the panes saying they wait; the browser then
# opens at the REF, as it does on a quick store
keys <<EOF
:async
:sleep 400
:dump $D/ref-loading
:settle
:dump $D/ref-opened
EOF
run ui_env VDS_TEST_LOAD_DELAY_MS=700 "$VDS_BIN" browse images
ran "browse REF on a slow store"
screen ref-loading
keys <<EOF
:dump $D/ref-at-once
EOF
run ui browse images
ran "browse REF on a quick store"
screen ref-opened ref-at-once
screen ref-at-once

# a key typed while the REF resolves acts in the pane the browser opens at
keys <<EOF
:async
j
:settle
:dump $D/ref-typed-ahead
EOF
run ui_env VDS_TEST_LOAD_DELAY_MS=500 "$VDS_BIN" browse images
ran "j typed while the REF resolves"
keys <<EOF
j
:dump $D/ref-j-at-once
EOF
run ui browse images
ran "j at once"
screen ref-typed-ahead ref-j-at-once
screen ref-j-at-once

# a REF that does not resolve: the same error and exit status as on a quick
# store, after a first frame that did not wait for the store
keys <<EOF
:async
:dump $D/ref-nope-first
:settle
EOF
run ui_env VDS_TEST_LOAD_DELAY_MS=300 "$VDS_BIN" browse images:nope
expect "browse a missing tag on a slow store: a clear error" 3 "" \
	"vds: no version or tag 'nope' in dataset dsfixture000001"
like "its first frame came before the store answered" ref-nope-first 2 '^\|  +\|'
run ui browse 'images:a:b'
expect "a malformed REF is refused before the browser opens" 4 "" \
	"vds: malformed reference 'images:a:b': expected DATASET[:VERSION|:TAG]"

# ================================================================ the content diff
# Enter on a change of the diff view: its content diff is read on a reader;
# the view says so meanwhile; moving on drops it
keys <<EOF
:async
:settle
j <Tab> j j
:settle
m k d
:settle
j j j j
<Enter>
:sleep 400
:dump $D/content-loading
:settle
:dump $D/content-shown
EOF
run ui_env VDS_TEST_LOAD_DELAY_MS=600 "$VDS_BIN" browse
ran "Enter in the diff view on a slow store"
screen content-loading
like "the view's last line says what it waits for" content-loading 22 \
	'^\|[^ ]+: loading… [0-9]+\.[0-9]s   Esc: close +\|$'
screen content-shown

keys <<EOF
:async
:settle
j <Tab> j j
:settle
m k d
:settle
j j j j
<Enter>
:sleep 200
k
:settle
:dump $D/content-left
EOF
: >"$T/loads.log"
run ui_env VDS_TEST_LOAD_DELAY_MS=600 VDS_TEST_LOAD_LOG="$T/loads.log" "$VDS_BIN" browse
ran "Enter, then k before the content diff arrives"
screen content-left
check "the content diff left was cancelled before it ran" \
	test "$(grep -c 'cancelled before it ran' "$T/loads.log")" = 1

# ================================================================ the picker's listing
PH=$T/home
mkdir -p "$PH/big/sub" "$PH/other"
for f in a b c d e; do printf '%s\n' "$f" >"$PH/big/$f.txt"; done
printf 'x\n' >"$PH/other/x.txt"
keys <<EOF
:async
:settle
<Tab> j j
:settle
u
:sleep 400
:dump $D/picker-loading
:settle
<Space>
:dump $D/picker-listed
EOF
cd "$PH/big"
run ui_env HOME="$PH" VDS_TEST_LOAD_DELAY_MS=600 "$VDS_BIN" browse images
cd "$T"
ran "the picker on a slow reader"
screen picker-loading
screen picker-listed

# a folder left before its listing arrives: that listing is dropped
keys <<EOF
:async
:settle
<Tab> j j
:settle
u
:settle
:
^U
:type ~/oth
<Tab>
:sleep 200
:dump $D/picker-completing
:settle
:dump $D/picker-completed
<Enter>
:sleep 200
~
:settle
:dump $D/picker-left
EOF
: >"$T/loads.log"
cd "$PH/big"
run ui_env HOME="$PH" VDS_TEST_LOAD_DELAY_MS=400 VDS_TEST_LOAD_LOG="$T/loads.log" "$VDS_BIN" browse images
cd "$T"
ran "the picker goes to a folder, then home, before the listing arrives"
is_line "Tab completion is read on a reader: the folder typed stays until it is there" 22 \
	picker-completing "$(printf '|%-78s|' 'Go to: ~/oth')"
is_line "then it is completed" 22 picker-completed "$(printf '|%-78s|' 'Go to: ~/other/')"
screen picker-left
check "the listing of the folder left was cancelled before it ran" \
	test "$(grep -c 'cancelled before it ran' "$T/loads.log")" = 1

# a form's local folder (S: download): Tab completes it on a reader too
keys <<EOF
:async
:settle
S
^U
:type ~/oth
<Tab>
:sleep 200
:dump $D/form-completing
:settle
:dump $D/form-completed
<Esc>
EOF
run ui_env HOME="$PH" VDS_TEST_LOAD_DELAY_MS=400 "$VDS_BIN" browse images
ran "Tab in the download form on a slow reader"
check "until the completion arrives the field keeps what was typed" \
	grep -q '| Into local folder: ~/oth  ' "$D/form-completing"
check "then it is completed" grep -q '| Into local folder: ~/other/  ' "$D/form-completed"

# ================================================================ a delete confirmation
# D reads what the confirmation names on a reader: the status line says so,
# and the confirmation opens when it is there
keys <<EOF
:async
:settle
D
:sleep 200
:dump $D/delete-reading
:settle
:dump $D/delete-ask
EOF
run ui_env VDS_TEST_LOAD_DELAY_MS=500 "$VDS_BIN" browse images
ran "D on a slow store"
like "the status line says what is read" delete-reading 23 '^reading what deleting images:v[0-9]+ would remove…'
keys <<EOF
D
:dump $D/delete-ask-at-once
EOF
run ui browse images
ran "D on a quick store"
screen delete-ask delete-ask-at-once
screen delete-ask-at-once

# moving on before it is there: no confirmation opens (the panes are those of j alone)
keys <<EOF
:async
:settle
D
:sleep 200
j
:settle
:dump $D/delete-left
EOF
run ui_env VDS_TEST_LOAD_DELAY_MS=500 "$VDS_BIN" browse images
ran "D, then j before the confirmation's read arrives"
screen delete-left ref-j-at-once

# ================================================================ a title naming another dataset's version
# images:v1 is marked, the cursor goes to lima (made here, with kilo between
# them), and r forgets what was read (only lima's neighbours are read again).
# d's diff view opens at once, naming the marked version by its id while
# images' versions are read on a reader (the UI thread reads nothing for a
# title), then by its tag. Each read waits 1.5 s, a wide margin for the
# view's first draw on a busy machine.
run vds datasets create --name kilo
LIMA=$(vds datasets create --name lima | sed -n 's/^Created dataset: //p')
mkdir -p "$T/lima"
echo "hello from lima" >"$T/lima/hello.txt"
run vds datasets versions create --id "$LIMA" --source-path "$T/lima/." --message "lima's"
keys <<EOF
:async
:settle
j <Tab> j j m
<BackTab> j j
:settle
r
:settle
d
:dump $D/title-id
:settle
:dump $D/title-named
EOF
UI_TIMEOUT=60 # a dozen reads of 1.5 s, most one after the other
run ui_env VDS_TEST_LOAD_DELAY_MS=1500 "$VDS_BIN" browse
ran "d with the marked version's dataset not read"
like "the view opens at once, naming the marked version by its id" title-id 2 \
	'^\+ Changes images:v100001 -> lima:[a-z0-9]{7} -+\+$'
like "... while its changes are read" title-id 22 '^\|loading…   Esc: close +\|$'
like "then by its tag, once images' versions are read" title-named 2 \
	'^\+ Changes images:v1 -> lima:[a-z0-9]{7} -+\+$'
like "... with the changes" title-named 3 '^\|A  hello\.txt  \(16 B\) +\|$'

# ================================================================ a job's title named at each draw
# images:v1 is selected and tagged w1: the tag job's end reads everything
# again (the refresh of a job's end). S's form, opened before that, is
# filled in and sent once the new dataset list has come (3 s) and images'
# versions are being read again (3 s more): the download job is queued
# naming the version by its id, and the Jobs view names it by its tag once
# the versions are read. The folder the download went to is left out.
keys <<EOF
:async
:settle
j <Tab> j j
:settle
t
:type w1
<Enter>
:wait
S
^U
:type $T/dl
:sleep 4000
<Enter>
:wait
b
:dump $D/job-title-id
:settle
:dump $D/job-title-named
EOF
UI_TIMEOUT=60
run ui_env VDS_TEST_LOAD_DELAY_MS=3000 "$VDS_BIN" browse
ran "a download queued while images' versions are read again"
UI_NORM_SED='s/loading… [0-9]*\.[0-9]s/loading… N.Ns/g; s@ to /[^|]*@ to (the folder)@; s@^\(job #2 download [^ ]* done: downloaded 3 files (129 B) to \).*@\1(the folder)@'
screen job-title-id
screen job-title-named
UI_NORM_SED='s/loading… [0-9]*\.[0-9]s/loading… N.Ns/g'

done_testing
