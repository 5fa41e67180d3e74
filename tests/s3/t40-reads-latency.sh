#!/bin/sh
# t40-reads-latency: the browser on a store 80 ms away (tests/s3/faultproxy
# --latency-ms 40 delays each request and each response by 40 ms), with
# chosen reads held longer by the proxy's rules. The panes say what they
# wait for, keys typed ahead are handled in order, a dataset left before its
# versions arrive does not take the panes, an abandoned preview's request is
# cut short, a listing that fails says so in its pane, and a long dataset
# list is shown page by page as its listing arrives, and a job queued
# while its dataset's versions are read again is named by the version's
# id, then by its tag. Runs under
# tests/s3/run.sh (rgw or swift).
. "$VDS_SRCDIR/tests/cli/lib.sh"
. "$VDS_SRCDIR/tests/ui/lib.sh"

if ! is_s3; then
	echo "1..0 # SKIP needs a server: run through tests/s3/run.sh"
	exit 0
fi
PROXY=${VDS_FAULTPROXY:-$(dirname "$VDS_BIN")/tests/s3/faultproxy}
EP=$VDS_TEST_S3_ENDPOINT B=$VDS_TEST_S3_BUCKET
"$PROXY" --listen-port-file "$T/port" --upstream "${EP#http://}" --log "$T/proxy.log" \
	--rules "$T/rules" --latency-ms 40 2>"$T/proxy.err" &
PIDS=$!
n=0
while [ ! -s "$T/port" ] && [ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done
PORT=$(cat "$T/port")
SP=$(vds storageProviders create s3 --name far --bucket "$B" --endpoint "http://127.0.0.1:$PORT" \
	--prefix far --accessKey "$VDS_TEST_S3_ACCESS_KEY" \
	--secretAccessKey "$VDS_TEST_S3_SECRET_KEY" | sed -n 's/^Created storage provider: //p')
check "the proxy runs" [ -n "$PORT" ] && [ -n "$SP" ]

# rules LINE...: replaces the proxy's rules
rules() {
	printf '%s\n' "$@" >"$T/rules.tmp"
	mv "$T/rules.tmp" "$T/rules"
}
# dataset NAME VERSIONS: a dataset on the far store with VERSIONS versions of two files
dataset() {
	_ds=$(vds datasets create --name "$1" --storageProviderId "$SP" | sed -n 's/^Created dataset: //p')
	_i=0
	while [ $_i -lt "$2" ]; do
		_i=$((_i + 1))
		mkdir -p "$T/src-$1-$_i"
		printf '%s a %s\n' "$1" "$_i" >"$T/src-$1-$_i/a.txt"
		printf '%s b %s\n' "$1" "$_i" >"$T/src-$1-$_i/b.txt"
		vds datasets versions create --id "$_ds" --source-path "$T/src-$1-$_i/." --message "$1 $_i" >/dev/null
	done
	echo "$_ds"
}
ALPHA=$(dataset alpha 2)
BETA=$(dataset beta 1)
GAMMA=$(dataset gamma 3)
check "three datasets on the far store" [ -n "$ALPHA" ] && [ -n "$BETA" ] && [ -n "$GAMMA" ]
UI_NORM_SED='s/loading… [0-9]*\.[0-9]s/loading… N.Ns/'
export VDS_S3_ATTEMPTS=2

# ================================================================ loading, then the data
rules "hold GET list-type=2&prefix=far%2Fdatasets 1500 1"
keys <<EOF
:async
:sleep 600
:dump $D/loading
:settle
:dump $D/loaded
EOF
run ui browse
ran "the dataset list held 1.5 s: the browser ends cleanly"
like "the Datasets pane says it is loading, and for how long" loading 2 '^\|loading… [0-9]+\.[0-9]s +\|'
like "the status line has no dataset yet" loading 23 '^no dataset'
like "then the datasets are there" loaded 1 '^\+ Datasets \(3\) .*\+ Versions \(2\) '
like "and the first is selected" loaded 23 '^alpha:'

# ================================================================ keys typed ahead
rules "hold GET list-type=2&prefix=far%2Fdatasets 800 1"
keys <<EOF
:async
j <Enter>
:settle
:dump $D/typed-ahead
EOF
run ui browse
ran "keys typed while the dataset list is held"
like "they were handled in order once it was there: beta, then Enter" typed-ahead 23 '^beta:'
like "... and the Versions pane has the focus" typed-ahead 1 '^\+ Datasets \(3\) -*\+\+ Versions \(1\) '

# ================================================================ a dataset left before its versions arrive
# (with the record cache, a dataset's versions come from one listing of it)
rules "hold GET prefix=far%2Fdatasets%2F$GAMMA 1500 1"
: >"$T/proxy.log"
keys <<EOF
:async
:settle
j j
:wait-for $T/proxy.log datasets%2F$GAMMA
k
:sleep 2000
:dump $D/left
EOF
run ui browse
ran "gamma's versions held while the cursor went back to beta"
like "beta's versions are shown, not gamma's" left 1 '^\+ Datasets \(3\) .*\+ Versions \(1\) '
like "the status line is beta" left 23 '^beta:'
check "gamma's versions were asked for (and held)" grep -q "datasets%2F$GAMMA.*-> hold 1500" "$T/proxy.log"

# ================================================================ an abandoned preview
A1=$(object_key "$(sha256sum "$T/src-alpha-2/a.txt" | cut -d' ' -f1)")
: >"$T/proxy.log"
: >"$T/loads.log"
rules "hold GET /$B/far/$A1 3000 1"
keys <<EOF
:async
:wait-for $T/proxy.log /$B/far/$A1
j
:settle
:dump $D/preview-moved
EOF
run ui_env VDS_TEST_LOAD_LOG="$T/loads.log" "$VDS_BIN" browse "alpha:latest"
ran "a preview abandoned while its request is held"
is "its request was sent once" "$(grep -c " /$B/far/$A1 " "$T/proxy.log")" 1
is "its read was cut short" "$(grep -c 'cancelled while it ran' "$T/loads.log")" 1
like "the next file's preview is shown" preview-moved 9 '\+ Preview: b\.txt -+\+$'
like "... with its content" preview-moved 14 '\|alpha b 2 +\|$'

# ================================================================ a listing that fails
# (beta's tags are read from the listing of beta, which also gives its versions)
rules "drop GET prefix=far%2Fdatasets%2F$BETA 0"
keys <<EOF
j
:dump $D/tags-failed
<Tab>
:dump $D/tags-failed-later
EOF
run ui browse
ran "beta's tags cannot be read"
like "the Tags pane says why" tags-failed 10 '^\|error: '
like "... and still does after another key" tags-failed-later 10 '^\|error: '
rules

# ================================================================ the dataset list in parts
# Five datasets on a store of their own (a home of its own: nothing else
# listed), each one key (its record datasets/ID.json, listed rolled up at
# "/": vds-format(5), KEYS). VDS_TEST_LIST_PAGE=3 asks for
# listing pages of 3 keys: the first page completes the first two datasets
# by id (the third may go on in the next page), the second, held 2.5 s, the
# other three. The first two are shown meanwhile, with the count so far,
# and j moves over them; the cursor stays on its dataset when the rest
# comes in.
PH=$T/parts-home
PSP=$(VDS_HOME=$PH vds storageProviders create s3 --name parts --bucket "$B" \
	--endpoint "http://127.0.0.1:$PORT" --prefix parts --accessKey "$VDS_TEST_S3_ACCESS_KEY" \
	--secretAccessKey "$VDS_TEST_S3_SECRET_KEY" | sed -n 's/^Created storage provider: //p')
for n in one two three four five; do
	_id=$(VDS_HOME=$PH vds datasets create --name "$n" --storageProviderId "$PSP" |
		sed -n 's/^Created dataset: //p')
	echo "$_id $n"
done | sort >"$T/parts-ids"
check "five datasets on a store of their own" [ "$(wc -l <"$T/parts-ids")" = 5 ]
# the names of the first two ids, in the list's order (by name)
FIRST=$(head -n 2 "$T/parts-ids" | cut -d' ' -f2 | sort | head -n 1)
SECOND=$(head -n 2 "$T/parts-ids" | cut -d' ' -f2 | sort | tail -n 1)
LIST="delimiter=%2F&list-type=2&max-keys=3&prefix=parts%2Fdatasets%2F"
: >"$T/proxy.log"
rules "hold GET $LIST 0 1" "hold GET $LIST 2500 1"
keys <<EOF
:async
:wait-for $T/proxy.log continuation-token=
:sleep 200
:dump $D/parts-first
j
:sleep 100
:dump $D/parts-moved
:settle
:dump $D/parts-all
EOF
run ui_env VDS_HOME="$PH" VDS_TEST_LIST_PAGE=3 "$VDS_BIN" browse
ran "the listing's second page held 2.5 s"
is "the listing took two pages" "$(grep -c "$LIST" "$T/proxy.log")" 2
check "... the second one held" grep -q "continuation-token=.*$LIST -> hold 2500" "$T/proxy.log"
like "the first page's datasets are shown, the pane counting them" parts-first 1 \
	'^\+ +loading… 2 so far\+\+ Versions '
# (its versions, read once it is selected, may or may not be there yet:
# on a busy machine the pane may say it is loading them)
like "... the first of them" parts-first 2 \
	"^\\|$(printf '%-20s' "$FIRST")\\|\\|(\\(no versions\\) {43}| {56}|loading… [0-9]+\\.[0-9]s +)\\|\$"
is_line "... the second of them" 3 parts-first "$(printf '|%-20s||%56s|' "$SECOND" "")"
like "... and only they" parts-first 4 '^\| {20}\|\|'
like "... the first selected" parts-first 23 "^$FIRST "
like "j moved while the list loads" parts-moved 23 "^$SECOND "
like "... still loading" parts-moved 1 '^\+ +loading… 2 so far\+'
like "then all five are there" parts-all 1 '^\+ Datasets \(5\) -+\+\+ Versions '
is "... in order of name" "$(sed -n '2,6s/^|\([a-z]*\) *|.*/\1/p' "$D/parts-all" | tr '\n' ' ')" \
	"five four one three two "
like "... and the cursor stayed on its dataset" parts-all 23 "^$SECOND "

# ================================================================ a job's title named at each draw
# alpha:latest is tagged w1, and the tag job's end reads everything again.
# Before that, with S's form open, the proxy is told to hold alpha's
# listings 4 s: the new dataset list comes at once, alpha's versions are
# then read again (held), and the form sent meanwhile queues the download
# (of a.txt, under the Files cursor) naming the version by its id; the
# Jobs view names it w1 once the versions are there. The folder the
# download went to is left out.
NEW=$(vds datasets versions list --id "$ALPHA" --json |
	sed -n 's/^[[:space:]]*"version":[[:space:]]*"\(.*\)",$/\1/p' | head -n 1)
check "alpha's newest version" [ -n "$NEW" ]
standin NEW v000001 7 ""
UI_PREFIX=latency-
rules
: >"$T/proxy.log"
rm -f "$T/go"
keys <<EOF
:async
:settle
t
:type w1
<Enter>
:wait
:dump $D/job-ready
:wait-for $T/go go
S
^U
:type $T/dl
:wait-for $T/proxy.log -> hold 4000
:sleep 300
<Enter>
:wait
b
:dump $D/job-title-id
:settle
:dump $D/job-title-named
EOF
(run ui browse alpha:latest; echo "$rc" >"$T/rc") &
UIPID=$!
n=0
while [ ! -s "$D/job-ready" ] && [ $n -lt 1200 ]; do sleep 0.05; n=$((n + 1)); done
rules "hold GET prefix=far%2Fdatasets%2F$ALPHA 4000 0"
echo go >"$T/go"
wait "$UIPID"
rc=$(cat "$T/rc")
ran "a download queued while alpha's versions are read again"
check "alpha's versions were read again, held" grep -q "prefix=far%2Fdatasets%2F$ALPHA[&% ].*-> hold 4000" "$T/proxy.log"
UI_NORM_SED='s@ to /[^|]*@ to (the folder)@'
screen job-title-id
screen job-title-named

done_testing
