#!/bin/sh
# t41-reads: the browser's reads run on reader threads. A slow store is made
# with VDS_TEST_LOAD_DELAY_MS (each read waits that long before it starts);
# ":async" lets the script see the screens while reads are in flight. The
# panes say what they wait for, keys typed ahead of the data are handled in
# order, a dataset left before its versions arrive does not take the panes,
# an abandoned preview is cancelled, and a read that fails says so in its pane.
. "$VDS_SRCDIR/tests/cli/lib.sh"
. "$VDS_SRCDIR/tests/ui/fixture.sh"
. "$VDS_SRCDIR/tests/ui/lib.sh"

FX=$T/fx
mkdir -p "$FX"
make_fixture "$FX"
export VDS_HOME="$FX" VDS_NOW=$FIXTURE_NOW
run vds datasets list # the fixture's store is upgraded once, here
UI_PREFIX=reads-
UI_NORM_SED='s/loading… [0-9]*\.[0-9]s/loading… N.Ns/'
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

done_testing
