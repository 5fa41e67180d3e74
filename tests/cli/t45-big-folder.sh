#!/bin/sh
# t45-big-folder: a folder of 20,000 files in the browser. Its rows are
# built on a reader (ui/folder.c), the version's tree lent to it: entering
# it shows "loading" in the Files pane while they are built, keys typed
# meanwhile wait and are then handled in order, and moving, filtering,
# sorting and going back give the screens they give on a small folder.
# VDS_TEST_LOAD_DELAY_MS (each read waits that long) makes the wait long
# enough to see.
. "$VDS_SRCDIR/tests/cli/lib.sh"
. "$VDS_SRCDIR/tests/ui/lib.sh"

UI_PREFIX=big-folder-
UI_NORM_SED='s/loading… [0-9]*\.[0-9]s/loading… N.Ns/g'

# ================================================================ the version
# big/ holds f00001.txt .. f20000.txt (empty), sub/ (two files) and zz.bin
S=$T/src
mkdir -p "$S/big/sub"
(cd "$S/big" && seq -f 'f%05g.txt' 1 20000 | xargs touch)
printf 'hello\n' >"$S/big/sub/a.txt"
head -c 100 /dev/zero | tr '\0' b >"$S/big/sub/b.txt"
head -c 3000 /dev/zero | tr '\0' z >"$S/big/zz.bin"
printf 'read me\n' >"$S/readme.txt"
DS=$(vds datasets create --name wide | sed -n 's/^Created dataset: //p')
VER=$(vds datasets versions create --id "$DS" --source-path "$S/." --message "wide" |
	sed -n 's/^Committed dataset version: [^:]*://p')
check "a version of 20,004 files" [ -n "$VER" ] &&
	[ "$(vds datasets files list --id "$DS:$VER" --path big | grep -c 'f[0-9]*\.txt')" = 20000 ]
standin VER v000001 7 ""
standin DS ds0000000000001 15 ""

# ================================================================ entering, moving, filtering, sorting
keys <<EOF
:dump $D/root
<Enter>
:dump $D/entered
j j
:dump $D/moved-2
j
:dump $D/moved
<End>
:dump $D/end
/
:type f1999
<Enter>
:dump $D/filtered
<End>
:dump $D/filtered-end
<Esc>
:dump $D/unfiltered
s s
:dump $D/by-size
<Home> j <Enter>
:dump $D/sub
h
:dump $D/back-to-big
h
:dump $D/back-to-root
EOF
run ui browse wide:latest
ran "big/ entered, moved in, filtered, sorted, left"
for s in root entered moved-2 moved end filtered filtered-end unfiltered by-size sub back-to-big \
	back-to-root; do
	screen $s
done

# ================================================================ loading, and keys typed meanwhile
# Each read waits 1 s: entering big/ shows "loading" until its rows are
# built; j j typed meanwhile moves over them once they are there. Then
# h <Enter> j j j typed at once: back to the root (its rows built again),
# the cursor on big/, into big/ again, and three rows down, in that order.
keys <<EOF
:async
:settle
<Enter>
:sleep 500
:dump $D/loading
j j
:settle
:dump $D/typed-ahead
/
:type f1999
<Enter>
:settle
:dump $D/typed-filter
h <Enter> j j j
:settle
:dump $D/typed-again
EOF
UI_TIMEOUT=60
run ui_env VDS_TEST_LOAD_DELAY_MS=1000 "$VDS_BIN" browse wide:latest
ran "keys typed while big/'s rows are built"
screen loading
screen typed-ahead moved-2
screen typed-filter filtered
screen typed-again moved

done_testing
