#!/bin/sh
# t38-first-hour: the habits of less, vim and tig in the browser, and no key
# traps: / searches the preview (n, N), Left/Right scroll it, w wraps, o and
# e open a temporary copy in $PAGER and $EDITOR, g g and G, ^U and ^D, q
# closes views, the cursor of unfocused panes, names instead of ids, a
# terminal too small; then, on a fresh store, what a job made is selected,
# an empty commit is asked about, deletions name what goes, x keeps the
# cursor's place and forms refuse bad names without losing what was typed.
#
# Screens are compared with tests/ui/expected/first-hour-*.txt.
. "$VDS_SRCDIR/tests/cli/lib.sh"
. "$VDS_SRCDIR/tests/ui/fixture.sh"
. "$VDS_SRCDIR/tests/ui/lib.sh"

UI_PREFIX=first-hour-
FX=$T/fx
mkdir -p "$FX"
make_fixture "$FX"
export VDS_HOME="$FX" VDS_NOW=$FIXTURE_NOW
# the fixture is a store of format 1: upgraded here, once (t34 tests that)
"$VDS_BIN" datasets list >/dev/null 2>&1

# ============================================= / searches the preview, n and N
# images, its draft; the Files pane filtered to readme.txt; the Preview pane
keys <<EOF
j <Tab> <Tab> <Tab>
/
:type readme
<Enter> <Tab>
/
:type line 1
<Enter>
:dump $D/search
n
:dump $D/search-n
N N
:dump $D/search-wrapped
/
:type Zebra
<Enter>
:dump $D/search-none
/
:type cat
<Enter>
:dump $D/search-cat
EOF
run ui browse
ran "/ in the Preview pane"
screen search
is_line "n goes to the next match" 23 search-n \
	"/line 1: match 2 of 10, line 11"
is_line "N twice goes back past the first match, to the last" 23 search-wrapped \
	"/line 1: match 10 of 10, line 19 (search wrapped)"
is_line "a pattern with a capital is matched exactly (vim's smartcase)" 23 search-none \
	"pattern not found: Zebra"
screen search-cat

# ================================ Left/Right, w, and the full-screen preview
keys <<EOF
j <Tab> <Tab> <Tab>
/
:type readme
<Enter> <Tab>
<Right>
:dump $D/right
<Left>
:dump $D/left
w
:dump $D/wrap
f
:dump $D/full
/
:type 40
<Enter>
:dump $D/full-search
q
:dump $D/full-q
q
:dump $D/after-q
EOF
run ui browse
ran "Left, Right, w, f, q"
screen right
screen left
screen wrap
screen full-search
screen full-q
check "q in the full-screen preview closes it; q on the main screen quits" \
	test -f "$D/full-q" -a ! -f "$D/after-q"

# =================================================== g g, G, ^U, ^D, g then j
keys <<EOF
j <Tab> <Tab> <Tab>
G
:dump $D/G
g g
:dump $D/gg
^D
:dump $D/ctrl-d
^U
:dump $D/ctrl-u
g j
:dump $D/g-j
:dump-attrs $D/g-j.attrs
EOF
run ui browse
ran "g g, G, ^U, ^D"
screen G
screen gg
screen ctrl-d
screen ctrl-u gg
like "g then j: j moves down, g does nothing alone" g-j 9 "Preview: café-日本.txt"
# the focused pane's cursor row is reversed; the unfocused panes' are underlined
is "the Files cursor (focused) is reversed" "$(sed -n 11p "$D/g-j.attrs" | cut -c24-50)" \
	"RRRRRRRRRRRRRRRRRRRRRRRRRRR"
is "the Datasets cursor (unfocused) is underlined" "$(sed -n 3p "$D/g-j.attrs" | cut -c2-21)" \
	"UUUUUUUUUUUUUUUUUUUU"
is "the Versions cursor (unfocused) is underlined" "$(sed -n 2p "$D/g-j.attrs" | cut -c24-79)" \
	"UUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUU"

# ==================================================================== the mouse
keys <<EOF
j
<Click:30,12>
:dump $D/click
<WheelDown:30,12>
:dump $D/wheel
<WheelDown:60,14>
:dump $D/wheel-preview
<DoubleClick:5,4>
:dump $D/double-click
EOF
run ui browse
ran "the mouse"
screen click
is_line "the wheel moves the Files cursor by 3" 23 wheel \
	"images:v100003  /labels.csv                                      ?:help  q:quit"
like "the wheel over the preview leaves the Files cursor" wheel-preview 9 "Preview: labels\\.csv"
screen double-click
printf 'set mouse off\n' >"$FX/keys.conf"
run ui browse
ran "the mouse, off"
check "set mouse off: a click does nothing" cmp -s "$D/click" "$EXP/images.txt"
rm "$FX/keys.conf"

# ======================================================= too small a terminal
keys <<EOF
:resize 39 20
:dump $D/small
:resize 80 11
:dump $D/short
:resize 80 24
:dump $D/big-again
EOF
run ui browse
ran "a terminal too small"
is "under 40 columns: one line says so" "$(cat "$D/small" | tr -s '\n')" \
	"terminal too small (39x20), need 40x12"
is "under 12 lines: one line says so" "$(cat "$D/short" | tr -s '\n')" \
	"terminal too small (80x11), need 40x12"
check "back to 80x24: the first screen again" cmp -s "$D/big-again" "$EXP/first.txt"

# ========================================================== $PAGER and $EDITOR
mkdir -p "$T/tmp"
cat >"$T/viewer" <<EOF
#!/bin/sh
# what a pager sees: its name, the file's name and content, and that it exists
{ echo "\$(basename "\$0") \$(basename "\$1")"; cat "\$1"; } >>"$T/viewed"
EOF
chmod +x "$T/viewer"
ln -s viewer "$T/editor"
keys <<EOF
j <Tab> <Tab> <Tab>
/
:type labels
<Enter>
o
:wait
:dump $D/paged
e
:wait
:dump $D/edited
EOF
run ui_env PAGER="$T/viewer" EDITOR="$T/editor" TMPDIR="$T/tmp" "$VDS_BIN" browse
ran "o and e"
is "o opened a fetched copy in \$PAGER, e in \$EDITOR" "$(cat "$T/viewed")" "viewer labels.csv
id,label,score
1,cat,0.9
2,dog,0.8
3,\"bird, small\",0.75
4,\"say \"\"hi\"\"\",0.5
editor labels.csv
id,label,score
1,cat,0.9
2,dog,0.8
3,\"bird, small\",0.75
4,\"say \"\"hi\"\"\",0.5"
is "the temporary copies were removed" "$(ls -A "$T/tmp")" ""
is_line "the status line says the copy opened in \$EDITOR is gone" 23 edited \
	"the copy opened in \$EDITOR was removed: versions change only through uploads"
run ui_env PAGER=false TMPDIR="$T/tmp" "$VDS_BIN" browse
is_line "a pager that fails is named" 23 paged \
	"\$PAGER (false) ended with status 1"
is "nothing is left behind when the pager fails" "$(ls -A "$T/tmp")" ""

# ======================================== y: the reference to the clipboard
keys <<EOF
j <Tab> <Tab> <Tab>
/
:type labels
<Enter>
y
:dump $D/copied
EOF
run ui_env VDS_UI_OUTPUT="$T/term" "$VDS_BIN" browse
ran "y"
is_line "y says what it copied" 23 copied "copied images:v100003/labels.csv"
check "y wrote the reference as OSC 52 to the terminal" \
	grep -qF "$ESC]52;c;$(printf 'images:v100003/labels.csv' | base64 -w0)$BEL" "$T/term"

# ============================== CSV: escaped once, aligned, the header stays
printf 'path,n\n' >"$T/t.csv"
printf 'C:\\x,1\n' >>"$T/t.csv"
awk 'BEGIN { for (i = 2; i <= 700; i++) printf "row %d,%d\n", i, i }' >>"$T/t.csv"
CSV=$(vds datasets create --name tables | sed -n 's/^Created dataset: //p')
CV=$(vds datasets versions create --id "$CSV" --message csv | sed -n 's/^Created dataset version: [^:]*://p')
vds datasets files put --id "$CSV:$CV" --source-path "$T/t.csv" >/dev/null
keys <<EOF
j j <Tab> <Tab> <Tab>
f
:dump $D/csv
J J J
:dump $D/csv-scrolled
<End>
:dump $D/csv-end
<PageUp>
:dump $D/csv-pageup
EOF
run ui browse
ran "a CSV preview"
UI_NORM_SED="s/$CSV/dsTABLESXXXX001/g; s/$CV/VERSNCV/g"
screen csv
screen csv-scrolled
like "End in a table: its last row comes up to the bottom, under the header that stays" \
	csv-end 21 '^\|row 499 \| 499 +\|$'
like "the header stays at End" csv-end 6 '^\|path +\| n +\|$'
like "PageUp goes back by the rows that show under the header, none skipped" \
	csv-pageup 8 '^\|row 472 \| 472 +\|$'
UI_NORM_SED=

# ======================================================== -h as --help
for cmd in "datasets files get" "datasets versions" "browse" ""; do
	run vds $cmd -h
	h_out=$(cat "$T/out") h_rc=$rc
	run vds $cmd --help
	check "vds $cmd -h prints what --help does" test "$h_rc" = 0 -a "$rc" = 0 -a -n "$h_out" \
		-a "$h_out" = "$(cat "$T/out")"
done

# ============================================= a fresh store: what jobs make
export VDS_HOME="$T/fresh"
V1= ALPHA=
standin V1 VERSN01 2 :
standin ALPHA dsALPHA00000001 4 '( '
run vds datasets create --name zulu

# c: a bad name is refused in the form, which keeps what was typed
keys <<EOF
c
<Tab>
:type kept description
<Enter>
:dump $D/create-empty-name
<BackTab>
:type zulu
<Enter>
:dump $D/create-taken-name
^U
:type alpha
<Enter>
:wait
:dump $D/created-alpha
v
:type first
<Enter>
:wait
:dump $D/drafted
u
:dump $D/u-after-v
:
^U
:type ~/pi
<Tab>
:dump $D/picker-complete
<Enter>
:dump $D/picker-home
/
:type b
<Enter>
a
:dump $D/picker-filtered-all
n
<Esc>
u
:dump $D/picker-again
<Esc>
<Tab>
S
^U
:type ~/pi
<Tab>
:dump $D/download-complete
<Esc>
EOF
mkdir -p "$HOME/picks"
for f in a.txt b1.txt b2.txt; do echo "$f" >"$HOME/picks/$f"; done
run ui browse
ran "c with bad names, then alpha; v; u"
asks "c with no name: the form says why and keeps the description" create-empty-name \
	"Name: Description: kept description Storage provider: < local > dataset name may not be empty"
asks "c with a name taken: the form says so" create-taken-name \
	"Name: zulu Description: kept description Storage provider: < local > a dataset named 'zulu' exists already"
# json_field NAME: the value of the first string field NAME in the JSON on stdin
json_field() { sed -n "s/^[[:space:]]*\"$1\":[[:space:]]*\"\([^\"]*\)\".*/\1/p" | head -n 1; }
ALPHA=$(vds datasets details --id alpha --json | json_field id)
V1=$(vds datasets versions list --id alpha --json | json_field version)
screen created-alpha
screen drafted
check "u right after v goes to the picker: the new draft is selected" \
	grep -q '^+ Upload from ' "$D/u-after-v"
like "the picker's : reads a folder, and Tab completes it" picker-complete 22 "Go to: ~/picks/ "
screen picker-home
screen picker-filtered-all
screen picker-again picker-home
asks "Tab completes a local folder in a form (~ kept)" download-complete "Into local folder: ~/picks/"

# C on an empty draft: the form counts the files, an empty version is asked about
keys <<EOF
<Tab>
C
:dump $D/commit-empty-form
<Enter>
:dump $D/commit-empty-ask
<Enter>
:dump $D/commit-empty-enter
EOF
run ui browse
ran "C on an empty draft"
screen commit-empty-form
screen commit-empty-ask
is_line "Enter means no: nothing was committed" 23 commit-empty-enter "cancelled"
run vds datasets versions list --id alpha --json
check "the draft is still a draft" grep -q '"isCommitted":[[:space:]]*false' "$T/out"

# x on the 4th file: the cursor stays 4th
mkdir -p "$T/src"
for f in a b c d e f; do echo "$f" >"$T/src/$f.txt"; done
vds datasets files put --id "alpha:$V1" --source-path "$T/src/" >/dev/null
keys <<EOF
<Tab> <Tab> <Tab>
j j j
x
y
:wait
:dump $D/removed-4th
EOF
run ui browse
ran "x on the 4th file"
screen removed-4th
run vds datasets versions commit --id "alpha:$V1"

# D on a version that another version's lineage names as input: Enter means no
run vds datasets create --name derived
run vds run --no-mount --input src="alpha:$V1" --output out=derived -- \
	sh -c 'cp "$VDS_INPUTS/src/a.txt" "$VDS_OUTPUTS/out/"'
check "vds run made a version from alpha" test "$rc" = 0
DV=$(vds datasets versions list --id derived --json | json_field version)
standin DV VERSNDV 2 :
keys <<EOF
<Tab>
D
:dump $D/delete-used-ask
<Enter>
:dump $D/delete-used-enter
<BackTab>
D
:dump $D/delete-dataset-ask
EOF
run ui browse
ran "D on a version with dependants"
screen delete-used-ask
is_line "Enter means no: nothing was deleted" 23 delete-used-enter "cancelled"
run vds datasets versions list --id alpha --json
check "the version is still there" grep -q "\"version\":[[:space:]]*\"$V1\"" "$T/out"
screen delete-dataset-ask

# the diff view: names, sizes for people, the words that changed highlighted
printf 'a changed\n' >"$T/src/a.txt"
V2=$(vds datasets versions create --id alpha --message two --source-path "$T/src/" |
	sed -n 's/^Created dataset version: [^:]*://p')
standin V2 VERSN02 2 :
keys <<EOF
<Tab> j
m
k
d
:dump $D/diff
<Enter>
:dump $D/diff-a
:dump-attrs $D/diff-a.attrs
EOF
run ui browse
ran "the diff view"
screen diff
screen diff-a
is "a changed row: the part that changed is reversed, the rest in the colour of added lines" \
	"$(sed -n '/^|+a changed/=' "$D/diff-a" | head -n 1 | xargs -I{} sed -n '{}p' "$D/diff-a.attrs" | cut -c2-11)" \
	"BBRRRRRRRR"

# I: the versions made from this one, and Enter goes to the one picked
DERIVED=$(vds datasets details --id derived --json | json_field id)
standin DERIVED dsDERIVED000001 4 '( '
keys <<EOF
<Tab> j
I
:dump $D/details-down
<Enter>
:dump $D/details-jump
EOF
run ui browse
ran "I, then Enter"
UI_NORM_SED='s/[0-9]\{4\}-[0-9][0-9]-[0-9][0-9] [0-9:]\{8\}/YYYY-MM-DD HH:MM:SS/'
screen details-down
UI_NORM_SED=
like "Enter on the version named goes to it" details-jump 23 "^derived:$DV  "

done_testing
