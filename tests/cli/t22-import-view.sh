#!/bin/sh
# t22-import-view: i in the browser, importing a URL into a draft through a
# background job, driven by key scripts ($VDS_UI_SCRIPT) against the test
# HTTP server (tests/import/httpd): the form, an import into a draft (then
# in Files and Preview), a SHA-256 that matches and one that does not,
# URLs refused before anything is queued, progress and cancelling, i on a
# committed version (a new draft, removed again when the import fails or is
# cancelled), and the help screen.
#
# Random ids are replaced in the screens by fixed stand-ins of the same
# length (dsDATASET000001, VERSN01, VERSN02) and the server's port by as
# many P's before they are compared with tests/ui/expected/import-*.txt;
# lines whose numbers depend on timing are checked by their form only.
#
# VDS_TEST_KEEP_SCREENS=DIR copies every screen compared into DIR (with the
# stand-ins), to look at.
. "$VDS_SRCDIR/tests/cli/lib.sh"
. "$VDS_SRCDIR/tests/ui/lib.sh"

UI_PREFIX=import-
UI_TIMEOUT=30
UI_LINES_NORM=yes # line, is_line, like and has_line see the stand-ins too
WEB=$T/web
mkdir -p "$WEB"

# what the server serves
printf 'hello from the web\nsecond line\n' >"$WEB/hello.txt"
printf 'other\n' >"$WEB/other.txt"
mkdir -p "$T/pack/sub"
printf 'more\n' >"$T/pack/more.txt"
printf 'deep\n' >"$T/pack/sub/deep.txt"
tar -C "$T/pack" -cf "$WEB/pack.tar" more.txt sub
OTHER_SHA=$(sha256sum "$WEB/other.txt" | cut -d' ' -f1)
ZEROS=0000000000000000000000000000000000000000000000000000000000000000
# sparse: takes no disk, reads as 3 GiB of zeros (the import is cancelled early)
truncate -s 3G "$WEB/big.bin" 2>/dev/null ||
	dd if=/dev/null of="$WEB/big.bin" bs=1048576 seek=3072 2>/dev/null
httpd_start "$WEB"
PORT=${HTTP##*:}
PORT_AS=$(printf '%s' "$PORT" | tr 0-9 P)
HTTP_AS=http://127.0.0.1:$PORT_AS # $HTTP as the screens show it after norm

# the random ids, set as they become known, and their stand-ins in the screens
DS= V1= V2=
standin DS dsDATASET000001 4 '( '
standin V1 VERSN01 2 :
standin V2 VERSN02 2 :
UI_NORM_SED="s/127\.0\.0\.1:$PORT/127.0.0.1:$PORT_AS/g"

# versions: the versions of the dataset, newest first ("VER MESSAGE" lines)
versions() {
	vds datasets versions list --id "$DS" |
		sed -n "s/^| $DS:\([0-9a-z]*\) | [^|]* | [^|]* | [^|]* | \(.*[^ ]\) *|[^|]*|\$/\1 \2/p"
}

# files VER: the files of version VER ("PATH SIZE" lines)
files() {
	vds datasets files list --id "$DS:$1" --recursive | sed -n 's/^| \([^ ]*\) *| \([0-9]*\) *|$/\1 \2/p'
}

# ============================================= nothing to import into yet
keys <<EOF
i
:dump $D/no-dataset
EOF
run ui browse
ran "i on an empty store"
is_line "i with no dataset: select a dataset first" 23 no-dataset "select a dataset first"
is_line "i with no dataset queues no job" 24 no-dataset "jobs: none"

DS=$(new_dataset web)
keys <<EOF
i
:dump $D/no-version
EOF
run ui browse
ran "i on a dataset without versions"
is_line "i with no version: select a version first" 23 no-version "select a version first"
is_line "i with no version queues no job" 24 no-version "jobs: none"

# ===================================== the form, refused URLs, an import
V1=$(new_version "$DS" --message "first draft" | sed 's/.*://')
check "a dataset and a draft to import into" test -n "$DS" -a -n "$V1"
keys <<EOF
i
:dump $D/form
<Esc>
:dump $D/form-esc
i
<Enter>
:dump $D/no-url
^U
:type ftp://127.0.0.1/files/hello.txt
<Enter>
:dump $D/ftp-url
^U
:type $WEB/hello.txt
<Enter>
:dump $D/local-path
<Esc>
i
:type $HTTP/files/hello.txt
:dump $D/form-typed
<Enter>
:dump $D/queued
:wait
:dump $D/imported
b
:dump $D/imported-jobs
EOF
run ui browse
ran "i on a draft"
screen form
is_line "Esc on the form: the status line says cancelled" 23 form-esc "cancelled"
is_line "Esc on the form queues no job" 24 form-esc "jobs: none"
asks "an empty URL is refused in the form, which stays open" no-url \
	"no URL to import: type an http://, https:// or s3:// URL"
is_line "an empty URL queues no job" 24 no-url "jobs: none"
asks "an ftp:// URL is refused in the form" ftp-url \
	"'ftp://127.0.0.1/files/hello.txt' is not an http://, https:// or s3:// URL"
is_line "an ftp:// URL queues no job" 24 ftp-url "jobs: none"
asks "a local path is refused in the form" local-path \
	"hello.txt' is not an http://, https:// or s3:// URL"
is_line "a local path queues no job" 24 local-path "jobs: none"
screen form-typed
is_line "Enter queues a job titled with the URL's file name" 23 queued \
	"job #1 queued: import hello.txt into web:VERSN01 (b shows jobs)"
screen imported
has_line "the Jobs view shows the import's whole result" imported-jobs \
	"| $(fit 76 "imported 1 file (31 B) into web:VERSN01") |"
run files "$V1"
is "the file is in the draft, under its name" "$(cat "$T/out")" "hello.txt 31"
run vds datasets files get --id "$DS:$V1" --target-path "$T/got"
check "the file in the draft is the one served, byte for byte" cmp "$WEB/hello.txt" "$T/got/hello.txt"
is "nothing is left in the store's tmp/" "$(tmp_files)" ""

# ============================================================ SHA-256
keys <<EOF
i
:type $HTTP/files/other.txt
<Tab>
<Tab>
:type $ZEROS
:dump $D/sha-form
<Enter>
:wait
:dump $D/sha-failed
b
:dump $D/sha-failed-jobs
<Esc>
i
:type $HTTP/files/other.txt
<Tab>
^U
:type docs
<Tab>
:type $OTHER_SHA
:dump $D/sha-right-form
<Enter>
:wait
:dump $D/sha-right
EOF
run ui browse
ran "i with a SHA-256 that does not match, then one that does"
screen sha-form
screen_above sha-failed
sha_err="'$HTTP/files/other.txt' has SHA-256 $OTHER_SHA, not the expected $ZEROS"
is "a wrong SHA-256: the job fails, the jobs line says why in one line" \
	"$(sed -n 24p "$D/sha-failed")" "$(cut_to 80 "job #1 import other.txt into web:$V1 failed: $sha_err")"
has_line "the Jobs view details: failed" sha-failed-jobs \
	"| $(fit 76 "#1 import other.txt into web:VERSN01: failed") |"
has_line "the Jobs view details: the error" sha-failed-jobs \
	"| $(fit 76 "'$HTTP_AS/files/other.txt' has SHA-256 $OTHER_SHA") |"
like "the Jobs view lists the import as failed" sha-failed-jobs 3 \
	"^\\|#1   failed    import other\\.txt into web:VERSN01  [^ ]"
screen_above sha-right-form
like "the SHA-256 it has: the file goes into the folder typed" sha-right 24 \
	"^job #2 import other\\.txt into web:VERSN01 done: imported 1 file \\(6 B\\) into web:"
run files "$V1"
is "a wrong SHA-256 added nothing; the right one added the file" "$(cat "$T/out")" "docs/other.txt 6
hello.txt 31"
is "nothing is left in the store's tmp/" "$(tmp_files)" ""

# ============================================== i on a committed version
vds datasets versions commit --id "$DS:$V1" >/dev/null
keys <<EOF
i
:dump $D/committed-ask
n
:dump $D/committed-no
i
y
:dump $D/committed-form
:type $HTTP/files/big.bin
<Enter>
:wait-progress
:dump $D/progress
b
K
:wait
:dump $D/cancelled-jobs
<Esc>
i
y
:type $HTTP/files/missing.txt
<Enter>
:wait
:dump $D/missing
EOF
run ui browse
ran "i on a committed version: cancelled, then failing"
asks "i on a committed version offers a new draft based on it" committed-ask \
	"web:VERSN01 is committed and cannot change. Import into a new draft based on it (its files carried over)?"
check "the question is answered with y or n" \
	grep -q '^| | Enter or y: yes   Esc or n: no  *| |$' "$D/committed-ask"
is_line "n: no job" 24 committed-no "jobs: none"
screen committed-form
like "the jobs line shows the import's progress" progress 24 \
	"^job #1 import big\\.bin into a new draft from web:VERSN01: [0-9]{1,3}% 0/1 files [0-9.]+[BKMG]/3\\.0G( |…|$)"
screen cancelled-jobs
like "a failing import into a new draft: the jobs line says why" missing 24 \
	"^job #2 import missing\\.txt into a new draft from web:VERSN01 failed: [^ ]"
is "a cancelled or failed import leaves no new draft behind" "$(versions)" "$V1 first draft"
is "nothing is left in the store's tmp/" "$(tmp_files)" ""

keys <<EOF
i
y
:type $HTTP/files/pack.tar
<Tab> <Tab> <Tab>
<Right>
:dump $D/extract-form
<Enter>
:wait
:dump $D/imported-new-draft
b
:dump $D/imported-new-draft-jobs
EOF
run ui browse
ran "i on a committed version, accepted, with an archive extracted"
screen extract-form
V2=$(versions | sed -n '1s/ .*//p')
check "a new draft was made" test -n "$V2" -a "$V2" != "$V1"
screen imported-new-draft
has_line "the Jobs view shows the import's whole result" imported-new-draft-jobs \
	"| $(fit 76 "imported 2 files (10 B) into web:VERSN02") |"
is "the new draft is based on the committed version" "$(versions)" "$V2 based on $V1
$V1 first draft"
run files "$V2"
is "the archive's files landed in the new draft, with the files carried over" "$(cat "$T/out")" \
	"docs/other.txt 6
hello.txt 31
more.txt 5
sub/deep.txt 5"
run files "$V1"
is "the committed version is unchanged" "$(cat "$T/out")" "docs/other.txt 6
hello.txt 31"

# ======================================================================= help
keys <<EOF
? <PageDown>
:dump $D/help
EOF
run ui browse
ran "the help screen"
check "the help lists i" grep -qF \
	"| i                      import          import a URL into the draft         |" "$D/help"

done_testing
