#!/bin/sh
# t34-upgrade: a store written by vds of format 1 (tests/ui/fixture.sh
# writes one file by file) is read as it is, upgraded in place by the first
# command that may write, once and saying so, and then extended with
# records of format 2; its committed versions stay exactly as they were.
# Markers of unknown formats are refused.
. "$VDS_SRCDIR/tests/cli/lib.sh"
. "$VDS_SRCDIR/tests/ui/fixture.sh"

make_fixture "$T/fx"
if is_s3; then
	# the same store copied into the bucket, below the default provider's prefix
	(cd "$T/fx/store" && find . -type f ! -path './tmp/*' | sed 's|^\./||') | while read -r k; do
		store_put "$k" "$T/fx/store/$k"
	done
	SP=$S3_SP
else
	export VDS_HOME="$T/fx"
	SP=$FIXTURE_SP
fi
IM=$FIXTURE_IMAGES
V1=$IM:$FIXTURE_V1 V2=$IM:$FIXTURE_V2 DR=$IM:$FIXTURE_DRAFT
UPGRADED="vds: warning: the store of storage provider $SP was upgraded to format 2 (older versions of vds refuse it)"

is "the fixture is a store of format 1" "$(store_cat VDS-FORMAT)" '{"format":"vds","version":1}'
before1=$(store_cat "datasets/$IM/versions/$FIXTURE_V1/commit/$(store_ls "datasets/$IM/versions/$FIXTURE_V1/commit")")
run vds datasets list
expect "the first command upgrades the store and says so" 0 "$(cat "$T/out")" "$UPGRADED"
check "... and lists the datasets" grep -q "images" "$T/out"
is "the marker says format 2, upgraded from 1" "$(store_cat VDS-FORMAT)" \
	'{"format":"vds","version":2,"upgradedFrom":1}'
run vds datasets list
expect "the second command says nothing more" 0 "$(cat "$T/out")" ""

# ---- versions committed under format 1 stay as they are ----------------------
run vds datasets versions list --id "$IM"
is "versions list of the upgraded store" "$rc" 0
check "... shows both committed versions and the draft" \
	sh -c 'grep -q "$1" "$4" && grep -q "$2" "$4" && grep -q "$3" "$4"' x "$FIXTURE_V1" "$FIXTURE_V2" "$FIXTURE_DRAFT" "$T/out"
vds datasets files get --id "$V1" --target-path "$T/g1" >/dev/null
check "v1 reads back as it was put" diff -r "$T/fx/content/$FIXTURE_V1" "$T/g1"
vds datasets files get --id "$V2" --target-path "$T/g2" >/dev/null
check "v2 reads back as it was put" diff -r "$T/fx/content/$FIXTURE_V2" "$T/g2"
run vds datasets tags list --id "$IM"
check "the tags of format 1 read" sh -c 'grep -q " v1 " "$1" && grep -q " v2 " "$1"' x "$T/out"
run vds datasets files list --id "$IM:latest"
is "latest resolves through the commit records of format 1" "$rc" 0
store_has "datasets/$IM/versions/$FIXTURE_V1/commit.json"
is "v1 has no commit.json" "$?" 1

# ---- a draft of format 1 is committed with records of format 2 ---------------
printf 'added after the upgrade\n' >"$T/new.txt"
run vds datasets files put --id "$DR" --source-path "$T/new.txt"
is "a put into the draft of format 1" "$rc" 0
run vds datasets versions commit --id "$DR"
expect "its commit" 0 "Committed dataset version: $DR" ""
DRD="datasets/$IM/versions/$FIXTURE_DRAFT"
check "the commit wrote commit.json" store_has "$DRD/commit.json"
case $(store_cat "$DRD/commit.json") in
'{"sum":"'*) ok "commit.json carries its checksum" ;;
*) not_ok "commit.json carries its checksum" ;;
esac
newest=$(store_ls "$DRD/changes" | tail -n 1)
case $(store_cat "$DRD/changes/$newest" | head -n 1) in
"vds-changes 2 "*) ok "the new change record is of format 2" ;;
*) not_ok "the new change record is of format 2" ;;
esac
vds datasets files get --id "$DR" --target-path "$T/gd" >/dev/null
check "the committed draft holds the base, the old change and the new file" \
	sh -c 'test -f "$1/new.txt" && test -n "$(ls "$1" | grep -v new.txt)"' x "$T/gd"
is "v1's commit record of format 1 is untouched" \
	"$(store_cat "datasets/$IM/versions/$FIXTURE_V1/commit/$(store_ls "datasets/$IM/versions/$FIXTURE_V1/commit")")" "$before1"
run vds fsck
expect "fsck of the upgraded store: clean" 0 "$(tail -n 1 "$T/out")" ""
check "... with no problem and no note" grep -q ': 0 problems, 0 notes, 0 repaired$' "$T/out"

# ---- formats this vds does not know ------------------------------------------
store_cat VDS-FORMAT >"$T/marker"
for m in '{"format":"vds","version":3}' '{"format":"vds","version":2,"features":"packs"}' 'garbage'; do
	printf '%s\n' "$m" >"$T/m"
	store_put VDS-FORMAT "$T/m"
	run vds datasets list
	if is_s3; then where="s3://$VDS_TEST_S3_BUCKET/$S3_PREFIX"; else where="$T/fx/store"; fi
	expect "marker $m refused" 9 "" \
		"vds: storage provider $SP cannot be read: store '$where' has a format this vds does not know (a newer vds wrote it)"
done
# a feature this vds does not know is named; "packs" it knows
printf '%s\n' '{"format":"vds","version":2,"features":["packs","zebra"]}' >"$T/m"
store_put VDS-FORMAT "$T/m"
run vds datasets list
expect "marker with an unknown feature refused, naming it" 9 "" \
	"vds: storage provider $SP cannot be read: store '$where' needs the feature 'zebra', which this vds does not know (a newer vds wrote it)"
store_put VDS-FORMAT "$T/marker"
run vds datasets list
is "the marker put back: readable again" "$rc" 0

done_testing
