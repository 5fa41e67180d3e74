#!/bin/sh
# t18-diff-view: the browser's diff view. m marks a version, d on another
# lists the changes from the marked one (A/M/D/R, in path order), Enter shows
# the unified diff of a change's content, and Esc, q, d or h close the view.
#
# Key scripts ($VDS_UI_SCRIPT) drive an in-memory screen whose ":dump"
# snapshots are compared exactly with tests/ui/expected/diffview-*.txt. Most
# runs use the deterministic fixture of tests/ui/fixture.sh; renames, mode
# changes and large files come from a store built with the CLI, whose random
# ids are replaced in its screens by fixed ones of the same length.
#
# VDS_TEST_KEEP_SCREENS=DIR copies every screen taken into DIR, to look at.
. "$VDS_SRCDIR/tests/cli/lib.sh"
. "$VDS_SRCDIR/tests/ui/fixture.sh"
. "$VDS_SRCDIR/tests/ui/lib.sh"

UI_PREFIX=diffview-
FX=$T/fx
TMPD=$T/tmpdir # TMPDIR of the browser: the content diff's temporary files
mkdir -p "$FX" "$TMPD"
make_fixture "$FX"
export VDS_HOME="$FX" VDS_NOW=$FIXTURE_NOW
# the fixture is a store of format 1: upgraded here, once (t34 tests that)
"$VDS_BIN" datasets list >/dev/null 2>&1
DS=$FIXTURE_IMAGES
V1=$FIXTURE_V1
V2=$FIXTURE_V2
DRAFT=$FIXTURE_DRAFT

# ui ARGS...: runs vds with the key script, under the time limit, with TMPDIR=$TMPD
ui() { ui_env TMPDIR="$TMPD" "$VDS_BIN" "$@"; }

# same DESC NAME OTHER: the dumps NAME and OTHER are the same screen
same() {
	if [ -f "$D/$2" ] && [ -f "$D/$3" ] && cmp -s "$D/$2" "$D/$3"; then ok "$1"; else
		not_ok "$1"; diag "$(diff -u "$D/$3" "$D/$2" 2>&1 | sed "s/$ESC/<ESC>/g")"
	fi
}

# has DESC NAME ERE: a line of dump NAME matches ERE
has() {
	if grep -Eq -- "$3" "$D/$2" 2>/dev/null; then ok "$1"; else
		not_ok "$1"; diag "no line matches: $3"; diag "$(cat "$D/$2" 2>/dev/null)"
	fi
}

# hasnt DESC NAME ERE: the dump NAME exists and no line of it matches ERE
hasnt() {
	if [ -f "$D/$2" ] && ! grep -Eq -- "$3" "$D/$2"; then ok "$1"; else
		not_ok "$1"; diag "a line matches: $3"; diag "$(cat "$D/$2" 2>/dev/null)"
	fi
}

# rows TEXT...: each TEXT as a line of the 80-column overlay, one a line
rows() { for _r in "$@"; do printf '|%-78s|\n' "$_r"; done; }

# ================================================================ nothing marked
keys <<EOF
j <Tab>
:dump $D/nomark-before
d
:dump $D/nomark
<BackTab> k <Tab> m
:dump $D/mark-nothing
EOF
run ui browse
ran "d with nothing marked"
is "d with nothing marked: the status line says to mark a version first" "$(line 23 nomark)" \
	"mark a version with m first, then press d on another"
hasnt "d with nothing marked: no diff view opens" nomark '^\+ Changes '
check "d with nothing marked: the panes stay as they were" \
	test "$(sed 23d "$D/nomark")" = "$(sed 23d "$D/nomark-before")"
is "m on a dataset with no versions: nothing to mark" "$(line 23 mark-nothing)" "select a version to mark"

keys <<EOF
j <Tab> m <BackTab> k
d
:dump $D/mark-nover
EOF
run ui browse
ran "d on a dataset with no versions"
is "d on a dataset with no versions: the status line asks for a version" "$(line 23 mark-nover)" \
	"select a version to compare with $DS:$DRAFT"
hasnt "d on a dataset with no versions: no diff view opens" mark-nover '^\+ Changes '

# ================================================= v1 -> v2: the list and a diff
keys <<EOF
j <Tab> j j
m
:dump $D/marked
k
:dump $D/before
d
:dump $D/v1-v2
<End>
:dump $D/v1-v2-end
<Home> j j j j
<Enter>
:dump $D/labels
x
:dump $D/labels-back
<Enter>
:dump $D/labels-again
<Esc>
:dump $D/labels-esc
<Esc>
:dump $D/closed-esc
EOF
run ui browse
ran "m on v1, d on v2, Enter on a changed file, back and close"
is "m: the status line names the marked version" "$(line 23 marked)" \
	"marked images:$V1: press d on another version to compare"
screen v1-v2
is "the title names both versions, the marked one first" "$(line 2 v1-v2)" \
	"+ Changes images:v1 -> images:v2 ----------------------------------------------+"
screen v1-v2-end
screen labels
screen labels-back v1-v2
screen labels-again labels
screen labels-esc v1-v2
same "Esc closes the view: the browser is as it was" closed-esc before

# ================================================================ added files
keys <<EOF
j <Tab> j j m k d
j
<Enter>
:dump $D/added
x j
<Enter>
:dump $D/added-empty
x j
<Enter>
:dump $D/added-escapes
x j j j j j j
<Enter>
:dump $D/added-tsv
x <Home>
<Enter>
:dump $D/added-escname
EOF
run ui browse
ran "content diffs of added files"
screen added
has "an added file with escape sequences: its content is shown escaped" added-escapes \
	'^\|\+plain \\x1b\[31mred\\x1b\[0m and \\x1b\]0;title\\x07 done  *\|$'
has "an added file with escape sequences in its name: the name is shown escaped" added-escname \
	"^\\|\\+\\+\\+ $DS:$V2/\\\\x1b\\]0;pwned\\\\x07\\\\x1b\\[31mred\\.txt  *\\|\$"
has "an added file with tabs: the tabs are expanded as in the preview, not shown as \\x09" added-tsv \
	'^\|\+file  *width  *height  *\|$'
if grep -q "^|+++ $DS:$V2/empty\.txt  *|\$" "$D/added-empty" &&
	! grep -q 'the contents are the same' "$D/added-empty"; then
	ok "an added empty file: the diff names it, and does not say the contents are the same"
else
	not_ok "an added empty file: the diff names it, and does not say the contents are the same"
	diag "$(cat "$D/added-empty" 2>/dev/null)"
fi

# ====================================================== scrolling a long diff
keys <<EOF
j <Tab> j j m k
:dump $D/readme-before
d j j j j j j j j
<Enter>
:dump $D/readme
j
:dump $D/readme-j
<PageDown>
:dump $D/readme-pgdn
<PageDown>
:dump $D/readme-end
j j
:dump $D/readme-end-j
k
:dump $D/readme-k
<PageUp>
:dump $D/readme-pgup
<Home>
:dump $D/readme-home
<End>
:dump $D/readme-End
<PageUp> <PageUp> <PageUp>
:dump $D/readme-top
q
:dump $D/readme-q
q
:dump $D/closed-q
EOF
run ui browse
ran "scroll the diff of readme.txt (44 lines)"
screen readme
is "j scrolls one line" "$(line 3 readme-j)" "$(rows "+++ $DS:$V2/readme.txt")"
screen readme-pgdn
screen readme-end
screen readme-end-j readme-end
is "k scrolls back one line" "$(line 3 readme-k)" \
	"$(rows "+Line 21 of the images readme: what each folder holds.")"
is "PgUp scrolls back a page" "$(line 3 readme-pgup)" \
	"$(rows "+Line 03 of the images readme: what each folder holds.")"
screen readme-home readme
screen readme-End readme-end
screen readme-top readme
screen readme-q v1-v2
same "q closes the view from the list" closed-q readme-before

# ================================================================ closing keys
keys <<EOF
j <Tab> j j m k
:dump $D/close-before
d h
:dump $D/close-h
d d
:dump $D/close-d
d <Enter> d
:dump $D/close-d-content
d
:dump $D/close-d-after
EOF
run ui browse
ran "h and d close the view"
same "h closes the view" close-h close-before
same "d closes the view" close-d close-before
screen close-d-content v1-v2
same "d in a content diff goes back to the list, d again closes" close-d-after close-before

# ====================================================== a version with itself
keys <<EOF
j <Tab> j m
:dump $D/self-before
d
:dump $D/self
<Enter>
:dump $D/self-enter
j <End> <PageDown>
:dump $D/self-keys
<Esc>
:dump $D/self-closed
EOF
run ui browse
ran "compare a version with itself"
screen self
screen self-enter self
screen self-keys self
check "Esc closes the empty view" test "$(sed 23d "$D/self-closed")" = "$(sed 23d "$D/self-before")"

# ================================================ a draft and a committed one
keys <<EOF
j <Tab> j m k d
:dump $D/draft
<Enter>
:dump $D/draft-note
q q
m j d
:dump $D/draft-back
<Enter>
:dump $D/draft-back-note
EOF
run ui browse
ran "compare a draft with a committed version"
screen draft
screen draft-note
is "draft -> committed: the file only the draft has is removed" \
	"$(sed -n 3p "$D/draft-back"; sed -n 22p "$D/draft-back")" \
	"$(rows "D  draft-note.txt  (18 B)" \
		"0 added, 1 removed, 0 modified, 0 renamed   Enter: content diff   Esc: close")"
is "draft -> committed: the removed file diffs against empty" \
	"$(sed -n 3,6p "$D/draft-back-note")" \
	"$(rows "--- $DS:$DRAFT/draft-note.txt" "+++ $DS:$V2/draft-note.txt" "@@ -1 +0,0 @@" \
		"-to do: more birds")"

# ========================================================= another dataset
keys <<EOF
j j <Tab> m <BackTab> k <Tab> j j d
:dump $D/cross
<Enter>
:dump $D/cross-hello
EOF
run ui browse
ran "compare versions of two datasets"
is "two datasets: the title names both" "$(line 2 cross)" \
	"+ Changes zeta:$FIXTURE_ZV -> images:v1 -------------------------------------------+"
is "two datasets: the changes" "$(sed -n 3,6p "$D/cross"; sed -n 22p "$D/cross")" \
	"$(rows "D  hello.txt  (16 B)" "A  labels.csv  (35 B)" "A  pixel.png  (75 B)" \
		"A  readme.txt  (19 B)" \
		"3 added, 1 removed, 0 modified, 0 renamed   Enter: content diff   Esc: close")"
is "two datasets: the content comes from the marked version's dataset" \
	"$(sed -n 3,6p "$D/cross-hello")" \
	"$(rows "--- $FIXTURE_ZETA:$FIXTURE_ZV/hello.txt" "+++ $DS:$V1/hello.txt" "@@ -1 +0,0 @@" \
		"-hello from zeta")"

# ============================================ renames and mode changes (CLI store)
export VDS_HOME="$T/cli"
S1=$T/s1
S2=$T/s2
mkdir -p "$S1/d" "$S2/e"
printf 'one\ntwo\nthree\n' >"$S1/a.txt"
printf 'renamed\n' >"$S1/old-name.txt"
printf 'moved\n' >"$S1/d/move.txt"
printf '#!/bin/sh\n' >"$S1/run.sh"
printf 'no newline' >"$S1/noeol.txt"
printf 'one\n2\nthree\nfour\n' >"$S2/a.txt"
printf 'renamed\n' >"$S2/new-name.txt"
printf 'moved\n' >"$S2/e/move.txt"
printf '#!/bin/sh\n' >"$S2/run.sh"
printf 'no newline here' >"$S2/noeol.txt"
chmod 644 "$S1"/*.* "$S1/d/move.txt" "$S2"/*.txt "$S2/e/move.txt"
chmod 755 "$S2/run.sh"
DOCS=$(new_dataset docs)
DV1=$(new_version "$DOCS" --message first --source-path "$S1/")
DV2=$(new_version "$DOCS" --message second --source-path "$S2/")
DV1=${DV1#*:} DV2=${DV2#*:}
check "CLI store: two committed versions" test -n "$DOCS" -a -n "$DV1" -a -n "$DV2" -a "$DV1" != "$DV2"

# normalise NAME: the random ids of the CLI store in dump NAME become fixed ones of the same length
normalise() {
	[ -f "$D/$1" ] || return 0
	edit "$1" "s/$DOCS/dsdocs000000000/g; s/$DV1/dfirst1/g; s/$DV2/dsecnd2/g"
}

keys <<EOF
<Tab> j m k d
:dump $D/renames
<Enter>
:dump $D/renames-a
x j
<Enter>
:dump $D/renames-move
x j
<Enter>
:dump $D/renames-name
x j j
<Enter>
:dump $D/renames-mode
x k
<Enter>
:dump $D/renames-noeol
EOF
run ui browse
ran "renames, a mode change and a file without a final newline"
for n in renames renames-a renames-move renames-name renames-mode renames-noeol; do normalise "$n"; done
screen renames
is "a changed text file: its hunk" "$(sed -n 3,10p "$D/renames-a")" \
	"$(rows "--- dsdocs000000000:dfirst1/a.txt" "+++ dsdocs000000000:dsecnd2/a.txt" \
		"@@ -1,3 +1,4 @@" " one" "-two" "+2" " three" "+four")"
has "a file moved to another folder: the same contents" renames-move '^\|\(the contents are the same\)  *\|$'
has "a renamed file: the same contents" renames-name '^\|\(the contents are the same\)  *\|$'
has "a mode change: the same contents" renames-mode '^\|\(the contents are the same\)  *\|$'
is "no final newline: diff's marker is shown as it is, with one backslash" \
	"$(sed -n 5,9p "$D/renames-noeol")" \
	"$(rows "@@ -1 +1 @@" "-no newline" '\ No newline at end of file' "+no newline here" \
		'\ No newline at end of file')"

# ================================================================= too large
L1=$T/l1
L2=$T/l2
mkdir -p "$L1" "$L2"
head -c 4194305 /dev/zero | tr '\0' a >"$L1/big.txt"
head -c 4194305 /dev/zero | tr '\0' b >"$L2/big.txt"
LARGE=$(new_dataset large)
new_version "$LARGE" --source-path "$L1/" >/dev/null
new_version "$LARGE" --source-path "$L2/" >/dev/null
keys <<EOF
j <Tab> j m k d
<Enter>
:dump $D/large
<Esc>
:dump $D/large-closed
EOF
run ui browse
ran "Enter on a file too large to diff"
has "a file too large to diff: the view says so while it is open" large \
	"too large to show as text: compare it with 'vds datasets files diff'"
is "a file too large to diff: the message is on the status line after closing" \
	"$(line 23 large-closed)" "too large to show as text: compare it with 'vds datasets files diff'"

# ====================================================================== all
n_dumps=0 n_esc=0
for f in "$D"/*; do
	n_dumps=$((n_dumps + 1))
	n_esc=$((n_esc + $(grep -c "$ESC" "$f") + $(grep -c "$BEL" "$f")))
done
check "no raw ESC or BEL byte in any of the $n_dumps screens" test "$n_esc" = 0
check "content diffs leave no temporary files behind" test -z "$(ls -A "$TMPD")"

done_testing
