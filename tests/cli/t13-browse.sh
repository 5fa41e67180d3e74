#!/bin/sh
# t13-browse: the terminal browser, driven by key scripts ($VDS_UI_SCRIPT)
# against an in-memory screen whose ":dump" snapshots are compared exactly
# with tests/ui/expected/NAME.txt. The store is the deterministic fixture of
# tests/ui/fixture.sh, so ids, times, sizes and hashes never change.
#
# VDS_TEST_KEEP_SCREENS=DIR copies every screen taken into DIR, to look at.
. "$VDS_SRCDIR/tests/cli/lib.sh"
. "$VDS_SRCDIR/tests/ui/fixture.sh"
. "$VDS_SRCDIR/tests/ui/lib.sh"

FX=$T/fx
mkdir -p "$FX"
make_fixture "$FX"
export VDS_HOME="$FX" VDS_NOW=$FIXTURE_NOW
DS=$FIXTURE_IMAGES

# ================================================================ the fixture
# (a store of format 1: the first command upgrades it, and says so once)
run vds datasets list
expect "fixture: three datasets" 0 "$(cat <<EOF
+--------+-----------------+------------------+
| Name   | ID              | Storage Provider |
+--------+-----------------+------------------+
| empty  | $FIXTURE_EMPTY | $FIXTURE_SP  |
| images | $FIXTURE_IMAGES | $FIXTURE_SP  |
| zeta   | $FIXTURE_ZETA | $FIXTURE_SP  |
+--------+-----------------+------------------+
EOF
)" "vds: warning: the store of storage provider $FIXTURE_SP was upgraded to format 2 (older versions of vds refuse it)"
run vds datasets versions list --id images
expect "fixture: images has a draft and two tagged versions" 0 "$(cat <<EOF
+-------------------------+-----------+-------+---------+-------------------------+------+
| ID                      | State     | Files | Size    | Message                 | Tags |
+-------------------------+-----------+-------+---------+-------------------------+------+
| $DS:$FIXTURE_DRAFT | draft     | 44    | 3.7 KiB | Work in progress        |      |
| $DS:$FIXTURE_V2 | committed | 43    | 3.7 KiB | More images and samples | v2   |
| $DS:$FIXTURE_V1 | committed | 3     | 129 B   | First images            | v1   |
+-------------------------+-----------+-------+---------+-------------------------+------+
EOF
)" ""
run vds datasets versions list --id empty
expect "fixture: empty has no versions" 0 "$(cat <<EOF
+----+-------+-------+------+---------+------+
| ID | State | Files | Size | Message | Tags |
+----+-------+-------+------+---------+------+
+----+-------+-------+------+---------+------+
EOF
)" ""
run vds datasets files list --id images:v2 --recursive
check "fixture: files list --recursive of images:v2 shows its 43 files" \
	test "$rc" = 0 -a "$(grep -c '^| ' "$T/out")" = 44 -a ! -s "$T/err"
check "fixture: the escape sequences of a name are escaped by the CLI" \
	grep -q '^| \\x1b\]0;pwned\\x07\\x1b\[31mred\.txt  *| 23   |$' "$T/out"
run vds datasets files list --id "images:$FIXTURE_DRAFT" --recursive
check "fixture: the draft adds one file to v2" \
	test "$rc" = 0 -a "$(grep -c '^| ' "$T/out")" = 45 -a ! -s "$T/err"
fx_get_ok=true
for ref in "images:$FIXTURE_V1" "images:$FIXTURE_V2" "images:$FIXTURE_DRAFT" "zeta:$FIXTURE_ZV"; do
	ver=${ref#*:}
	run vds datasets files get --id "$ref" --target-path "$T/get-$ver"
	if [ "$rc" != 0 ] || ! diff -r "$FX/content/$ver" "$T/get-$ver" >/dev/null 2>&1; then
		fx_get_ok=false; diag "files get --id $ref: exit $rc: $(cat "$T/err")"
	fi
done
check "fixture: files get verifies every hash and writes the files that were put" $fx_get_ok

# ======================================================= first screens, panes
keys <<EOF
:dump $D/first
j
:dump $D/images
EOF
run ui browse
ran "browse the fixture store"
screen first
screen images

keys <<EOF
:dump $D/plain-vds
EOF
run ui
ran "plain vds with a key script opens the browser"
screen plain-vds first

# Tab forward through every pane; each pane shows it has the focus by what j does
keys <<EOF
j
<Tab> j
:dump $D/tab-versions
<Tab> j <Enter>
:dump $D/tab-tags
<BackTab> <Tab> <End> k k
<Tab> j j
:dump $D/tab-preview
<Tab> j
:dump $D/tab-datasets
<BackTab> <BackTab> <BackTab> <BackTab> <BackTab> k
:dump $D/backtab-around
EOF
run ui browse
ran "Tab through the panes"
screen tab-versions
screen tab-tags
screen tab-preview
screen tab-datasets zeta
screen backtab-around images

# BackTab backwards through every pane
keys <<EOF
<End> k k <Tab> j j
<BackTab> j
:dump $D/backtab-files
<BackTab> k <Enter>
:dump $D/backtab-tags
<BackTab> <BackTab> k
:dump $D/backtab-versions
<BackTab> j
:dump $D/backtab-datasets
EOF
run ui browse images:v2
ran "BackTab through the panes"
screen backtab-files
screen backtab-tags
screen backtab-versions
screen backtab-datasets zeta

# ============================================================ moving in Files
keys <<EOF
:dump $D/ref-v2
j j
:dump $D/nav-j
k
:dump $D/nav-k
<PageDown>
:dump $D/nav-pagedown
<Home>
:dump $D/nav-home
<End>
:dump $D/nav-end
<Enter>
:dump $D/train
<PageDown>
:dump $D/train-pagedown
<PageDown> <PageDown>
:dump $D/train-end
l
:dump $D/train-labels
h
:dump $D/train-back-h
<Backspace>
:dump $D/train-back-backspace
<Backspace> j
:dump $D/files-back-to-versions
EOF
run ui browse images:v2
ran "j, k, PageDown, Home, End, into train/ and back"
check "status line of DS:TAG" test "$(line 23 ref-v2)" = \
	"images:v2 -> $FIXTURE_V2  /\\x1b]0;pwned\\x07\\x1b[31mred.txt           ?:help  q:quit"
screen ref-v2
screen nav-j
screen nav-k
screen nav-pagedown nav-end
screen nav-home ref-v2
screen nav-end
screen train
screen train-pagedown
screen train-end
screen train-labels
screen train-back-h train-end
screen train-back-backspace nav-end
screen files-back-to-versions

# ==================================================================== filters
keys <<EOF
<End> <Enter>
/
:type img-2
:dump $D/filter-typing
<Enter>
:dump $D/filter-files
n n
:dump $D/filter-n
N N N
:dump $D/filter-N
<Esc>
:dump $D/filter-esc
/
:type zzz
<Enter>
:dump $D/filter-nomatch
<Esc>
:dump $D/filter-nomatch-esc
EOF
run ui browse images:v2
ran "filter the Files pane"
screen filter-typing
screen filter-files
screen filter-n
screen filter-N
screen filter-esc
screen filter-nomatch
screen filter-nomatch-esc train

keys <<EOF
/
:type ze
<Enter>
:dump $D/filter-ds
<Esc>
:dump $D/filter-ds-esc
/
:type E
<Enter>
n
:dump $D/filter-ds-n
N
:dump $D/filter-ds-N
<Esc>
/
:type nomatch
<Enter>
:dump $D/filter-ds-nomatch
<Esc>
:dump $D/filter-ds-nomatch-esc
EOF
run ui browse
ran "filter the Datasets pane"
screen filter-ds
screen filter-ds-esc zeta
screen filter-ds-n
screen filter-ds-N
screen filter-ds-nomatch
screen filter-ds-nomatch-esc first

# ======================================================================= sort
keys <<EOF
<End> <Enter>
s
:dump $D/sort-name
s
:dump $D/sort-size
<Home>
:dump $D/sort-size-top
s
:dump $D/sort-date
<Home>
:dump $D/sort-date-top
s
:dump $D/sort-default
EOF
run ui browse images:v2
ran "sort the Files pane"
screen sort-name
screen sort-size
screen sort-size-top
screen sort-date
screen sort-date-top
screen sort-default

# =================================================================== previews
# full screen (f) on every kind of file, in the order of the Files pane
keys <<EOF
f
:dump $D/preview-escname
f j
f
:dump $D/preview-utf8name
f j
f
:dump $D/preview-empty
f j
f
:dump $D/preview-escapes
f j
f
:dump $D/preview-csv
f j
f
:dump $D/preview-latin1
f j
f
:dump $D/preview-longname
f j
f
:dump $D/preview-json
f j
f
:dump $D/preview-png
f j
f
:dump $D/preview-text
f j
f
:dump $D/preview-tsv
f j
f
:dump $D/preview-folder
EOF
run ui browse images:v2
ran "full-screen previews"
for kind in escname utf8name empty escapes csv latin1 longname json png text tsv folder; do
	screen preview-$kind
done

# scrolling a full-screen preview
keys <<EOF
/
:type readme
<Enter> f
J J J
:dump $D/full-J
K
:dump $D/full-K
<PageDown>
:dump $D/full-pagedown
<End>
:dump $D/full-end
<PageUp>
:dump $D/full-pageup
<Home>
:dump $D/full-home
<Esc>
:dump $D/full-esc
EOF
run ui browse images:v2
ran "scroll a full-screen preview"
screen full-J
screen full-K
screen full-pagedown
screen full-end
screen full-pageup
screen full-home
screen full-esc

# ======================================================================= help
keys <<EOF
?
:dump $D/help
q
:dump $D/help-closed
:resize 120 40
?
:dump $D/help-120
EOF
run ui browse images:v2
ran "help screen"
screen help
screen help-closed ref-v2
check "help at 120x40: the open line" \
	grep -q '| <Enter> l <Right>  *open  *open: dataset, version, tag, folder, file  *|' "$D/help-120"
check "help at 120x40: the cancel line" \
	grep -q '| <Esc>  *cancel  *close help or full screen, clear the filter  *|' "$D/help-120"

# ===================================================================== resize
keys <<EOF
<End> k k <Enter>
j j j j j
:dump $D/resize-120
:resize 80 24
:dump $D/resize-80
j j
:dump $D/resize-80-scrolled
:resize 120 40
:dump $D/resize-120-again
EOF
run ui_env LINES=40 COLUMNS=120 "$VDS_BIN" browse images:v2
ran "resize with the preview open, in the middle of a scroll"
screen resize-120
screen resize-80
screen resize-80-scrolled
screen resize-120-again

# ==================================================================== escapes
n_dumps=0 n_esc=0
for f in "$D"/*; do
	n_dumps=$((n_dumps + 1))
	n_esc=$((n_esc + $(grep -c "$ESC" "$f") + $(grep -c "$BEL" "$f")))
done
check "no raw ESC or BEL byte in any of the $n_dumps screens" test "$n_esc" = 0
check "a name with escape sequences is shown escaped" \
	grep -q '|\\x1b\]0;pwned\\x07\\x1b\[31mred\.txt  *23B|' "$D/resize-120"
check "content with escape sequences is shown escaped" \
	grep -q '^|plain \\x1b\[31mred\\x1b\[0m and \\x1b\]0;title\\x07 done  *|$' "$D/preview-escapes"

# the same on a real terminal (a pseudo-terminal from script(1)): the first
# screen shows the escape-sequence name, jjj moves to the escape-sequence
# content, q quits; neither ever reaches the terminal raw. The keys wait
# for what they act on (the reads are the browser's readers')
pty_wait() { # REGEX: waits up to 20 s for REGEX in what the browser wrote so far
	_i=0
	while [ "$_i" -lt $((200 * TIME_SCALE)) ] && ! grep -q "$1" "$T/pty" 2>/dev/null; do
		sleep 0.1; _i=$((_i + 1))
	done
}
if command -v script >/dev/null 2>&1; then
	rm -f "$T/pty"
	{ pty_wait 'x1b\]0;pwned'; printf jjj; pty_wait 'x1b\[31mred'; printf q; } |
		timeout $((40 * TIME_SCALE)) script -qfec "'$VDS_BIN' browse images:v2" "$T/pty" >/dev/null 2>"$T/pty.err"
	pty_rc=$?
	if [ ! -s "$T/pty" ] && grep -qi 'pseudo-terminal\|pty' "$T/pty.err"; then
		ok "on a terminal: no raw escape sequence from names or contents # SKIP no pseudo-terminal"
	elif [ "$pty_rc" = 0 ] && grep -q 'x1b\]0;pwned' "$T/pty" && grep -q 'x1b\[31mred' "$T/pty"; then
		check "on a terminal: no raw escape sequence from names or contents" test \
			"$(grep -c "$ESC\]0;" "$T/pty")" = 0 -a "$(grep -c "$ESC\[31mred" "$T/pty")" = 0 -a \
			"$(grep -c "$BEL" "$T/pty")" = 0
	else
		not_ok "on a terminal: the browser drew its screens and quit"
		diag "exit $pty_rc: $(cat "$T/pty.err")"
	fi
else
	ok "on a terminal: no raw escape sequence from names or contents # SKIP no script(1)"
fi

# ======================================================== other stores, refs
keys <<EOF
:dump $D/empty-store
j <Tab> j <Enter> <Tab> <Tab> j f J
:dump $D/empty-store-keys
EOF
run ui_env VDS_HOME="$T/fresh" "$VDS_BIN" browse
ran "an empty store"
screen empty-store
screen empty-store-keys

cp -R "$FX" "$T/corrupt"
sed "s|$FX|$T/corrupt|" "$FX/config.json" >"$T/corrupt/config.json"
# a dataset record that carries its checksum but is no JSON object
echo 'garbage{' | (VDS_HOME=$T/corrupt && unset VDS_TEST_S3 && store_put_record "datasets/$DS/dataset.json")
keys <<EOF
:dump $D/corrupt
j k <Tab> j <Enter> f
r
:dump $D/corrupt-refresh
q
EOF
run ui_env VDS_HOME="$T/corrupt" "$VDS_BIN" browse
ran "a corrupt store: exit 0, no crash"
# the rest of the store is shown; the status line names what was skipped (cut at 80 columns)
check "a corrupt store: the skipped record is named in the status bar" test "$(line 23 corrupt)" = \
	"skipped dataset $DS: corrupt metadata in 'datasets/$DS/…"
check "a corrupt store: and again after a refresh" test "$(line 23 corrupt-refresh)" = \
	"skipped dataset $DS: corrupt metadata in 'datasets/$DS/…"
screen corrupt

keys <<EOF
:dump $D/ref-tag
EOF
run ui browse images:v1
ran "browse DS:TAG"
check "browse DS:TAG: status line" test "$(line 23 ref-tag)" = \
	"images:v1 -> $FIXTURE_V1  /labels.csv                                ?:help  q:quit"
screen ref-tag

keys <<EOF
:dump $D/ref-version
EOF
run ui browse "images:$FIXTURE_V2"
ran "browse DS:VERSION"
check "browse DS:VERSION: status line" test "$(line 23 ref-version)" = \
	"images:$FIXTURE_V2  /\\x1b]0;pwned\\x07\\x1b[31mred.txt                 ?:help  q:quit"
screen ref-version

keys <<EOF
:dump $D/ref-empty
EOF
run ui browse empty
ran "browse a dataset with no versions"
screen ref-empty first

run ui browse images:nope
expect "browse a missing tag: a clear error, no browser" 3 "" \
	"vds: no version or tag 'nope' in dataset dsfixture000001"

# ================================================================== keys.conf
echo 'bind x quit' >"$FX/keys.conf"
keys <<EOF
j
:dump $D/keys-before
x
j
:dump $D/keys-after
EOF
run ui browse
ran "keys.conf: x bound to quit"
check "keys.conf: the keys before x ran" test -f "$D/keys-before"
check "keys.conf: x quit, the keys after it did not run" test ! -e "$D/keys-after"
screen keys-before images

printf '# my keys\nbind q none\nbind Q quit\n' >"$FX/keys.conf"
keys <<EOF
q
? <End>
:dump $D/keys-help
EOF
run ui browse
ran "keys.conf: q unbound"
check "keys.conf: q no longer quits and help shows Q for quit" \
	grep -q '| Q  *quit  *close the view, or quit  *|' "$D/keys-help"

printf '# my keys\nbind x quit\nbind j\n' >"$FX/keys.conf"
keys <<EOF
:dump $D/keys-bad
EOF
run ui browse
expect "keys.conf: a malformed line is an error naming the file and line" 4 "" \
	"vds: $FX/keys.conf:3: expected 'bind KEY ACTION' or 'set mouse on|off'"
check "keys.conf: nothing ran" test ! -e "$D/keys-bad"
printf 'bind x frobnicate\n' >"$FX/keys.conf"
run ui browse
check "keys.conf: an unknown action is an error" \
	test "$rc" != 0 -a -n "$(grep -F "$FX/keys.conf:1:" "$T/err")"
printf 'bind <Nope> quit\n' >"$FX/keys.conf"
run ui browse
check "keys.conf: an unknown key is an error" \
	test "$rc" != 0 -a -n "$(grep -F "$FX/keys.conf:1:" "$T/err")"
rm -f "$FX/keys.conf"

# ================================================================= terminals
keys <<EOF
j
:dump $D/term-vt100
EOF
run ui browse
keys <<EOF
j
:dump $D/term-nocolor
EOF
run ui_env NO_COLOR=1 "$VDS_BIN" browse
keys <<EOF
j
:dump $D/term-xterm
EOF
run ui_env TERM=xterm-256color "$VDS_BIN" browse
check "TERM=vt100, NO_COLOR=1 and TERM=xterm-256color give the same text" \
	cmp -s "$D/term-vt100" "$D/term-nocolor"
check "TERM=xterm-256color gives the same text" cmp -s "$D/term-vt100" "$D/term-xterm"
screen term-vt100 images

run timeout $((20 * TIME_SCALE)) "$VDS_BIN" browse </dev/null
expect "no terminal and no script: a usage error" 2 "" "vds: the browser needs a terminal (TERM=vt100)"
run env VDS_UI_SCRIPT="$T/nonexistent" timeout $((20 * TIME_SCALE)) "$VDS_BIN" browse
expect "a missing key script: an error" 4 "" "vds: cannot open script '$T/nonexistent'"

done_testing
