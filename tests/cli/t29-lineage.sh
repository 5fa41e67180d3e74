#!/bin/sh
# t29-lineage: what vds run records with each version it commits (inputs at
# exact versions, output name, command, times, exit status, host), as
# versions details shows it (table and JSON); versions lineage up and down
# (--depth, --json, versions met twice, deleted inputs); the record in the
# store, named by the commit and never changed after it; fsck reading it;
# and the browser's details view (I). The pipeline runs twice: with inputs
# mounted where FUSE works, and with --no-mount.
. "$VDS_SRCDIR/tests/cli/lib.sh"
. "$VDS_SRCDIR/tests/ui/lib.sh"

HOST=$(uname -n)
mkdir -p "$T/tmp"
export TMPDIR="$T/tmp"

# committed: the DS:VER of the last "Committed dataset version" line of the last run
committed() { sed -n 's/^Committed dataset version: //p' "$T/out" | tail -n 1; }
# normt: the last output with its times and durations as fixed stand-ins
normt() {
	sed -E -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}/YYYY-MM-DD HH:MM:SS/g' \
		-e 's/SS\.[0-9]{3}/SS.mmm/g' -e 's/"seconds":	[0-9.e-]+/"seconds":	S/' "$T/out" \
		>"$T/out.n" && mv "$T/out.n" "$T/out"
}
# table ROW...: a boxed table as vds prints it, each ROW "LEFT|RIGHT", the first the header
table() {
	_w1=0 _w2=0
	for _r; do
		_l=${_r%%|*} _v=${_r#*|}
		[ ${#_l} -gt $_w1 ] && _w1=${#_l}
		[ ${#_v} -gt $_w2 ] && _w2=${#_v}
	done
	_rule="+$(printf '%*s' $((_w1 + 2)) '' | tr ' ' -)+$(printf '%*s' $((_w2 + 2)) '' | tr ' ' -)+"
	echo "$_rule"
	_h=true
	for _r; do
		printf '| %-*s | %-*s |\n' $_w1 "${_r%%|*}" $_w2 "${_r#*|}"
		if $_h; then echo "$_rule"; _h=false; fi
	done
	echo "$_rule"
}
# lineage_rows OUTPUT COMMAND INPUT...: the rows of a Lineage table (times normalised)
lineage_rows() {
	_o=$1 _c=$2
	shift 2
	table "Lineage|output $_o" $(
		_first=Inputs
		[ $# -gt 0 ] || echo "Inputs|none"
		for _i; do echo "$_first|$_i"; _first=; done | tr ' ' '\001'
	) "Command|$_c" \
		"Started|YYYY-MM-DD HH:MM:SS.mmm" "Ended|YYYY-MM-DD HH:MM:SS.mmm" \
		"Exit Status|0" "Host|$HOST" | tr '\001' ' '
}

CMD_A='echo seed >"$VDS_OUTPUTS/out/s"'
CMD_B='cp "$VDS_INPUTS/src/s" "$VDS_OUTPUTS/out/b"'
CMD_C='cat "$VDS_INPUTS/first/s" "$VDS_INPUTS/second/b" >"$VDS_OUTPUTS/out/c"'
# the command lines as the lineage shows them
LA="sh -c '$CMD_A'"
LB="sh -c '$CMD_B'"
LC="sh -c '$CMD_C'"

for MODE in mount copy; do
	OPT=
	[ $MODE = copy ] && OPT=--no-mount
	for n in a b c d e g h o1 o2; do new_dataset "$n-$MODE" >/dev/null; done

	# a <- (nothing); b <- a; c <- a, b; d <- c; e <- a plain version of a
	run vds run $OPT --output out="a-$MODE" -- sh -c "$CMD_A"
	A1=$(committed)
	run vds run $OPT --input src="$A1" --output out="b-$MODE" -- sh -c "$CMD_B"
	B1=$(committed)
	run vds run $OPT --input first="a-$MODE" --input second="b-$MODE:latest" --output out="c-$MODE" \
		-- sh -c "$CMD_C"
	C1=$(committed)
	run vds run $OPT --input in="$C1" --output out="d-$MODE" -- true
	D1=$(committed)
	printf 'plain\n' >"$T/plain.txt"
	A2=$(new_version "a-$MODE" --message plain --source-path "$T/plain.txt")
	run vds run $OPT --input plain="a-$MODE:latest" --output out="e-$MODE" -- true
	E1=$(committed)
	check "[$MODE] the pipeline ran" test -n "$A1" -a -n "$B1" -a -n "$C1" -a -n "$D1" -a -n "$A2" -a -n "$E1"

	# ---- details ----
	run vds datasets versions details --id "$B1"
	normt
	expect "[$MODE] details show the lineage: the input at its exact version, the command, times, host" 0 \
		"$(table "ID|$B1" "Message|" "Committed|true" "Tags|" "Files|1" "Size|5 (5 B)" \
			"Created|YYYY-MM-DD HH:MM:SS" "Committed At|YYYY-MM-DD HH:MM:SS")
$(lineage_rows out "$LB" "src = $A1 (a-$MODE)")" ""
	run vds datasets versions details --id "c-$MODE:latest"
	normt
	check "[$MODE] details of c (two inputs, named by latest when run): each at its exact version" \
		grep -qxF -- "$(lineage_rows out "$LC" "first = $A1 (a-$MODE)" "second = $B1 (b-$MODE)" | sed -n 4p)" "$T/out"
	check "[$MODE] and the second" \
		grep -qxF -- "$(lineage_rows out "$LC" "first = $A1 (a-$MODE)" "second = $B1 (b-$MODE)" | sed -n 5p)" "$T/out"
	run vds datasets versions details --id "$A1"
	normt
	expect "[$MODE] a job without inputs" 0 \
		"$(table "ID|$A1" "Message|" "Committed|true" "Tags|" "Files|1" "Size|5 (5 B)" \
			"Created|YYYY-MM-DD HH:MM:SS" "Committed At|YYYY-MM-DD HH:MM:SS")
$(lineage_rows out "$LA")" ""
	run vds datasets versions details --id "$A2"
	normt
	expect "[$MODE] a version vds run did not make has no Lineage part" 0 \
		"$(table "ID|$A2" "Message|plain" "Committed|true" "Tags|" "Files|1" "Size|6 (6 B)" \
			"Created|YYYY-MM-DD HH:MM:SS" "Committed At|YYYY-MM-DD HH:MM:SS")" ""

	run vds datasets versions details --id "$B1" --json
	normt
	expect "[$MODE] details --json has the lineage" 0 "$(cat <<EOF
{
	"id":	"$B1",
	"dataset":	"${B1%%:*}",
	"version":	"${B1#*:}",
	"message":	"",
	"isCommitted":	true,
	"tags":	[],
	"fileCount":	1,
	"size":	5,
	"createdAt":	"YYYY-MM-DD HH:MM:SS",
	"committedAt":	"YYYY-MM-DD HH:MM:SS",
	"lineage":	{
		"output":	"out",
		"inputs":	[{
				"name":	"src",
				"id":	"$A1",
				"dataset":	"${A1%%:*}",
				"version":	"${A1#*:}"
			}],
		"command":	["sh", "-c", "cp \\"\$VDS_INPUTS/src/s\\" \\"\$VDS_OUTPUTS/out/b\\""],
		"commandLine":	"sh -c 'cp \\"\$VDS_INPUTS/src/s\\" \\"\$VDS_OUTPUTS/out/b\\"'",
		"startedAt":	"YYYY-MM-DD HH:MM:SS",
		"endedAt":	"YYYY-MM-DD HH:MM:SS",
		"seconds":	S,
		"exitStatus":	0,
		"host":	"$HOST"
	}
}
EOF
)" ""
	run vds datasets versions details --id "$A2" --json
	check "[$MODE] details --json of a version without lineage has none" sh -c "! grep -q lineage '$T/out'"

	# ---- lineage up ----
	run vds datasets versions lineage --id "$D1"
	normt
	expect "[$MODE] lineage walks up every input; a version met twice is not walked again" 0 \
		"$D1 (d-$MODE)  YYYY-MM-DD HH:MM:SS  true
  in: $C1 (c-$MODE)  YYYY-MM-DD HH:MM:SS  $LC
    first: $A1 (a-$MODE)  YYYY-MM-DD HH:MM:SS  $LA
    second: $B1 (b-$MODE)  YYYY-MM-DD HH:MM:SS  $LB
      src: $A1 (a-$MODE) shown above" ""
	run vds datasets versions lineage --id "d-$MODE" --depth 1
	normt
	expect "[$MODE] --depth 1" 0 "$D1 (d-$MODE)  YYYY-MM-DD HH:MM:SS  true
  in: $C1 (c-$MODE)  YYYY-MM-DD HH:MM:SS  $LC" ""
	run vds datasets versions lineage --id "$D1" --depth 0
	normt
	expect "[$MODE] --depth 0: the version alone" 0 "$D1 (d-$MODE)  YYYY-MM-DD HH:MM:SS  true" ""
	run vds datasets versions lineage --id "$E1"
	normt
	expect "[$MODE] an input vds run did not make ends the walk" 0 \
		"$E1 (e-$MODE)  YYYY-MM-DD HH:MM:SS  true
  plain: $A2 (a-$MODE)" ""

	# ---- lineage down ----
	run vds datasets versions lineage --id "$A1" --downstream
	normt
	expect "[$MODE] --downstream: what was made from it, oldest first, each once" 0 \
		"$A1 (a-$MODE)  YYYY-MM-DD HH:MM:SS  $LA
  src: $B1 (b-$MODE)  YYYY-MM-DD HH:MM:SS  $LB
    second: $C1 (c-$MODE)  YYYY-MM-DD HH:MM:SS  $LC
      in: $D1 (d-$MODE)  YYYY-MM-DD HH:MM:SS  true
  first: $C1 (c-$MODE) shown above" ""
	run vds datasets versions lineage --id "$A1" --downstream --depth 1
	normt
	expect "[$MODE] --downstream --depth 1" 0 "$A1 (a-$MODE)  YYYY-MM-DD HH:MM:SS  $LA
  src: $B1 (b-$MODE)  YYYY-MM-DD HH:MM:SS  $LB
  first: $C1 (c-$MODE)  YYYY-MM-DD HH:MM:SS  $LC" ""
	run vds datasets versions lineage --id "$D1" --downstream
	normt
	expect "[$MODE] --downstream of a version nothing was made from" 0 \
		"$D1 (d-$MODE)  YYYY-MM-DD HH:MM:SS  true" ""
	run vds datasets versions lineage --id "$A2" --downstream
	normt
	expect "[$MODE] --downstream of a plain version" 0 "$A2 (a-$MODE)
  plain: $E1 (e-$MODE)  YYYY-MM-DD HH:MM:SS  true" ""

	# ---- two outputs of one job: the same lineage, each its own output name ----
	run vds run $OPT --input x="$A1" --output one="o1-$MODE" --output two="o2-$MODE" -- true
	O2=$(committed)
	O1=$(sed -n 's/^Committed dataset version: //p' "$T/out" | head -n 1)
	run vds datasets versions details --id "$O1"
	normt
	check "[$MODE] the first output's lineage names it" grep -qxF -- "$(lineage_rows one true "x = $A1 (a-$MODE)" | sed -n 2p)" "$T/out"
	run vds datasets versions details --id "$O2"
	normt
	check "[$MODE] the second output's lineage names it" grep -qxF -- "$(lineage_rows two true "x = $A1 (a-$MODE)" | sed -n 2p)" "$T/out"

	# ---- deleted inputs ----
	run vds run $OPT --output out="g-$MODE" -- true
	G1=$(committed)
	run vds run $OPT --input src="$G1" --output out="h-$MODE" -- true
	H1=$(committed)
	vds datasets delete --id "g-$MODE" >/dev/null
	run vds datasets versions lineage --id "$H1"
	normt
	expect "[$MODE] an input whose dataset was deleted" 0 "$H1 (h-$MODE)  YYYY-MM-DD HH:MM:SS  true
  src: $G1 (deleted dataset) no longer exists" ""
	run vds datasets versions details --id "$H1"
	check "[$MODE] details say the input's dataset is deleted" grep -q "| Inputs      | src = $G1 (deleted) " "$T/out"
	vds datasets versions delete --id "$A2" >/dev/null
	run vds datasets versions lineage --id "$E1"
	normt
	expect "[$MODE] an input version deleted" 0 "$E1 (e-$MODE)  YYYY-MM-DD HH:MM:SS  true
  plain: $A2 (a-$MODE) no longer exists" ""
done

# ---- JSON ------------------------------------------------------------------------------

run vds datasets versions lineage --id "$C1" --json
normt
# the host name on the "host" lines only: a version id may hold it too
sed "/\"host\":/s/\"$HOST\"/\"HOST\"/" "$T/out" >"$T/out.n" && mv "$T/out.n" "$T/out"
# node ID NAME AS LINEAGE CHILDREN INDENT: one node of lineage --json
cat >"$T/want.json" <<EOF
{
	"id":	"$C1",
	"dataset":	"${C1%%:*}",
	"version":	"${C1#*:}",
	"datasetName":	"c-copy",
	"exists":	true,
	"repeated":	false,
	"lineage":	{
		"output":	"out",
		"inputs":	[{
				"name":	"first",
				"id":	"$A1",
				"dataset":	"${A1%%:*}",
				"version":	"${A1#*:}"
			}, {
				"name":	"second",
				"id":	"$B1",
				"dataset":	"${B1%%:*}",
				"version":	"${B1#*:}"
			}],
		"command":	["sh", "-c", "cat \\"\$VDS_INPUTS/first/s\\" \\"\$VDS_INPUTS/second/b\\" >\\"\$VDS_OUTPUTS/out/c\\""],
		"commandLine":	"sh -c 'cat \\"\$VDS_INPUTS/first/s\\" \\"\$VDS_INPUTS/second/b\\" >\\"\$VDS_OUTPUTS/out/c\\"'",
		"startedAt":	"YYYY-MM-DD HH:MM:SS",
		"endedAt":	"YYYY-MM-DD HH:MM:SS",
		"seconds":	S,
		"exitStatus":	0,
		"host":	"HOST"
	},
	"inputs":	[{
			"id":	"$A1",
			"dataset":	"${A1%%:*}",
			"version":	"${A1#*:}",
			"datasetName":	"a-copy",
			"as":	"first",
			"exists":	true,
			"repeated":	false,
			"lineage":	{
				"output":	"out",
				"inputs":	[],
				"command":	["sh", "-c", "echo seed >\\"\$VDS_OUTPUTS/out/s\\""],
				"commandLine":	"sh -c 'echo seed >\\"\$VDS_OUTPUTS/out/s\\"'",
				"startedAt":	"YYYY-MM-DD HH:MM:SS",
				"endedAt":	"YYYY-MM-DD HH:MM:SS",
				"seconds":	S,
				"exitStatus":	0,
				"host":	"HOST"
			},
			"inputs":	[]
		}, {
			"id":	"$B1",
			"dataset":	"${B1%%:*}",
			"version":	"${B1#*:}",
			"datasetName":	"b-copy",
			"as":	"second",
			"exists":	true,
			"repeated":	false,
			"lineage":	{
				"output":	"out",
				"inputs":	[{
						"name":	"src",
						"id":	"$A1",
						"dataset":	"${A1%%:*}",
						"version":	"${A1#*:}"
					}],
				"command":	["sh", "-c", "cp \\"\$VDS_INPUTS/src/s\\" \\"\$VDS_OUTPUTS/out/b\\""],
				"commandLine":	"sh -c 'cp \\"\$VDS_INPUTS/src/s\\" \\"\$VDS_OUTPUTS/out/b\\"'",
				"startedAt":	"YYYY-MM-DD HH:MM:SS",
				"endedAt":	"YYYY-MM-DD HH:MM:SS",
				"seconds":	S,
				"exitStatus":	0,
				"host":	"HOST"
			},
			"inputs":	[{
					"id":	"$A1",
					"dataset":	"${A1%%:*}",
					"version":	"${A1#*:}",
					"datasetName":	"a-copy",
					"as":	"src",
					"exists":	true,
					"repeated":	true,
					"lineage":	{
						"output":	"out",
						"inputs":	[],
						"command":	["sh", "-c", "echo seed >\\"\$VDS_OUTPUTS/out/s\\""],
						"commandLine":	"sh -c 'echo seed >\\"\$VDS_OUTPUTS/out/s\\"'",
						"startedAt":	"YYYY-MM-DD HH:MM:SS",
						"endedAt":	"YYYY-MM-DD HH:MM:SS",
						"seconds":	S,
						"exitStatus":	0,
						"host":	"HOST"
					},
					"inputs":	[]
				}]
		}]
}
EOF
expect "lineage --json: the tree with each version's lineage" 0 "$(cat "$T/want.json")" ""
run vds datasets versions lineage --id "$B1" --downstream --depth 1 --json
check "lineage --downstream --json: the versions made from it are usedBy" grep -q '^	"usedBy":	\[{$' "$T/out"
check "lineage --downstream --json: each says which input it read it as" grep -q '^			"as":	"second",$' "$T/out"
check "lineage --downstream --json: below the depth, usedBy is empty" grep -q '^			"usedBy":	\[\]$' "$T/out"

# ---- errors ------------------------------------------------------------------------------

run vds datasets versions lineage --id "${C1%%:*}:nope"
expect "lineage of an unknown version" 3 "" "vds: no version or tag 'nope' in dataset ${C1%%:*}"
run vds datasets versions lineage --id "$C1" --depth -1
expect "a negative --depth" 2 "" "vds: --depth takes a number from 0, not '-1'"
run vds datasets versions lineage --id "$C1" --depth x
expect "a --depth that is no number" 2 "" "vds: --depth takes a number from 0, not 'x'"
run vds datasets versions lineage
expect "lineage without --id" 2 "" "vds: missing option '--id' for 'vds datasets versions lineage'"

# ---- the record in the store -------------------------------------------------------------

CDS=${C1%%:*} CV=${C1#*:}
VK=datasets/$CDS/versions/$CV
REC=$(store_ls "$VK/lineage")
check "one lineage record below the version" sh -c "printf '%s\n' '$REC' | grep -Eqx '[0-9a-f]{16}-[0-9a-z]{8}\.json'"
COMMIT=$VK/commit.json
run store_cat "$COMMIT"
check "the commit record names the lineage record" grep -q "\"lineage\":	\"$REC\"" "$T/out"
store_cat "$VK/lineage/$REC" >"$T/rec.json"
check "the record holds exact ids" grep -q "\"dataset\":	\"${A1%%:*}\"" "$T/rec.json"

run vds fsck
is "fsck reads lineage records without a finding" "$rc" 0

# a record added after the commit changes nothing, and fsck finds it
STAMP=$(printf '%016x-late0001' "$((($(date +%s) + 10) * 1000000))")
sed '1s/^{"sum":"[0-9a-f]*",$/{/; s/"output":	"out"/"output":	"changed"/' "$T/rec.json" |
	store_put_record "$VK/lineage/$STAMP.json"
run vds datasets versions details --id "$C1"
check "a committed version's lineage does not change" grep -q "| Lineage     | output out " "$T/out"
run vds fsck
check "fsck: a lineage record that missed its commit" grep -qxF \
	"note:     lineage record that missed its commit: $VK/lineage/$STAMP.json" "$T/out"
store_rm "$VK/lineage/$STAMP.json"

# a damaged record is an error naming the version
printf '{"output": 1}' | store_put_record "$VK/lineage/$REC"
run vds datasets versions details --id "$C1"
expect "a corrupt lineage record" 9 "" "vds: corrupt lineage record of $C1"
run vds datasets versions lineage --id "$D1"
normt
expect "the walk stops at it" 9 "$D1 (d-copy)  YYYY-MM-DD HH:MM:SS  true" "vds: corrupt lineage record of $C1"
run vds fsck
check "fsck: a corrupt lineage record" grep -qxF "problem:  corrupt lineage record of $C1" "$T/out"
store_rm "$VK/lineage/$REC"
run vds datasets versions details --id "$C1"
expect "a missing lineage record" 9 "" "vds: lineage record of $C1 is missing"
store_put "$VK/lineage/$REC" "$T/rec.json"
run vds fsck
is "fsck is clean with the record back" "$rc" 0

# ---- the browser ------------------------------------------------------------------------------

UI_PREFIX=lineage-
standin CDS dsDATASETCCCC01 4 '( '
standin CV VERSNC1 2 :
ADS=${A1%%:*} AV=${A1#*:} BDS=${B1%%:*} BV=${B1#*:}
standin ADS dsDATASETAAAA01 4 '( '
standin AV VERSNA1 2 :
standin BDS dsDATASETBBBB01 4 '( '
standin BV VERSNB1 2 :
DDS=${D1%%:*} DV=${D1#*:}
standin DDS dsDATASETDDDD01 4 '( '
standin DV VERSND1 2 :
UI_NORM_SED="s/^+ Datasets ([0-9]*) -*+/+ Datasets (N) ------+/; s/[0-9]\{4\}-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]/YYYY-MM-DD HH:MM:SS/g; s/SS\.[0-9]\{3\}/SS.mmm/g; s/([0-9]*\.[0-9]\{3\} s)/(S.SSS s)/; s/^|   host     .*|\$/$(printf '| %-76s |' '  host     HOST')/"
keys <<EOF
I
:dump $D/details
j
:dump $D/details-j
<Esc>
:dump $D/closed
EOF
run ui browse "$C1"
ran "the browser opens the details of c"
screen details
is_line "j does not scroll what fits" 2 details-j "$(line 2 details)"
like "any other key closes the view" closed 23 "^c-copy:$CV "
keys <<EOF
I
:dump $D/small
j
:dump $D/small-j
<End>
:dump $D/small-end
k
:dump $D/small-k
EOF
run ui_env LINES=12 "$VDS_BIN" browse "$C1"
ran "the details view on a small screen"
is_line "j scrolls a line" 3 small-j "$(line 4 small)"
is_line "End shows the last line at the bottom" 10 small-end "$(line 21 details)"
is_line "k scrolls back a line" 4 small-k "$(line 3 small-end)"

done_testing
