#!/bin/sh
# t39-record-cache: the local cache of a remote store's records. A second
# command reads only the listings (request counts through --debug, which do
# not grow with the number of versions); another writer's commit, deletion,
# tag move and dataset update show at once; a damaged or forged entry never
# changes an answer; a cache folder that cannot be written only costs speed.
# On a local store there is no record cache (reading the store is as fast).
# Record packs are off: a pack would serve the records, which then need no
# entries of their own (t42 tests packs, and a pack kept in this cache).
. "$VDS_SRCDIR/tests/cli/lib.sh"
VDS_TEST_NO_PACKS=1
export VDS_TEST_NO_PACKS

REC=$VDS_HOME/cache/records
mkdir -p "$T/src"
# requests CMD...: the number of S3 requests vds CMD makes (its --debug lines)
requests() { vds --debug "$@" 2>&1 >/dev/null | grep -c '^vds: debug: s3: '; }
# add_versions DS N: commits versions until DS has N, each with a file of its own
add_versions() {
	_have=$(vds datasets versions list --id "$1" --json | grep -c '"isCommitted":	true')
	while [ "$_have" -lt "$2" ]; do
		_have=$((_have + 1))
		printf 'file %s\n' "$_have" >"$T/src/f$_have.txt"
		vds datasets versions create --id "$1" --message "m$_have" \
			--source-path "$T/src/f$_have.txt" >/dev/null || return 1
	done
}
# cold CMD...: CMD's output and status with the record cache removed first
cold() { rm -rf "$REC"; run vds "$@"; cat "$T/out"; echo "rc=$rc"; }
# warm CMD...: CMD's output and status as it is now
warm() { run vds "$@"; cat "$T/out"; echo "rc=$rc"; }
# same DESC CMD...: CMD answers the same from a warm cache as with none
same() {
	_d=$1; shift
	vds "$@" >/dev/null 2>&1 # warm it up: every record read is kept
	_w=$(warm "$@"); _e=$(cat "$T/err")
	is "$_d" "$_w" "$(cold "$@")"
	is "$_d: nothing on stderr" "$_e" ""
}

DS=$(new_dataset cached)
other_home=$T/other
mkdir -p "$other_home"
cp "$VDS_HOME/config.json" "$other_home/"
# other CMD...: vds as another writer with a cache of its own
other() { VDS_HOME=$other_home vds "$@"; }

# ---------------------------------------------------------------- counts
if is_s3; then
	for n in 5 20; do
		add_versions "$DS" "$n" || not_ok "$n versions made"
		for cmd in "datasets list" "datasets versions list --id $DS" \
			"datasets files list --id $DS:latest" "datasets versions details --id $DS:latest"; do
			rm -rf "$REC"
			# word splitting of $cmd is meant: it holds no spaces of its own
			first=$(requests $cmd) second=$(requests $cmd)
			eval "second_$n=\$second"
			name=$(echo "$cmd" | cut -d' ' -f1-3 | sed 's/ --id.*//')
			diag "$n versions, $name: first run $first requests, second $second"
			check "$n versions, $name: the second run makes at most 10 requests" \
				[ "$second" -le 10 ]
			case $cmd in
			*"versions list"*) check "$n versions, $name: the first reads every version" \
				[ "$first" -ge $((second + 2 * n)) ] ;;
			esac
			eval "seconds_$n=\"\${seconds_$n:-} $second\""
		done
	done
	is "the second runs make as many requests with 20 versions as with 5" \
		"$seconds_20" "$seconds_5"
	check "records are cached in a folder of the store's own" \
		[ "$(ls "$REC" | wc -l)" = 1 ]
	n=$(find "$REC" -type f | wc -l) bytes=$(find "$REC" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')
	run vds cache status --json
	size=$(sed -n 's/.*"size":	\([0-9]*\),/\1/p' "$T/out")
	diag "$n cached records of $bytes bytes, $size bytes cached in all"
	check "cache status counts their bytes" test "$n" -gt 0 -a "${size:-0}" -ge "$bytes"
	run vds cache prune --max-size 0
	check "cache prune removes them" [ -z "$(find "$REC" -type f)" ]
else
	add_versions "$DS" 5
	vds datasets versions list --id "$DS" >/dev/null
	check "a local store has no record cache" [ ! -e "$REC" ]
fi

# ---------------------------------------------------------------- other writers
same "versions list" datasets versions list --id "$DS"
same "latest" datasets files list --id "$DS:latest"
printf 'new\n' >"$T/src/new.txt"
NEW=$(VDS_HOME=$other_home new_version "$DS" --message newest --source-path "$T/src/new.txt")
run vds datasets files list --id "$DS:latest"
expect "another writer's commit is latest at once" 0 "+---------+------+
| Name    | Size |
+---------+------+
| new.txt | 4    |
+---------+------+"
same "versions list after a commit" datasets versions list --id "$DS"
run vds datasets versions list --id "$DS" --json
check "the new version is listed" grep -q "\"id\":	\"$NEW\"" "$T/out"

other datasets versions delete --id "$NEW" >/dev/null
run vds datasets versions list --id "$DS" --json
check "a version another writer deleted is not listed" \
	sh -c "! grep -q '\"id\":	\"$NEW\"' '$T/out'"
run vds datasets versions details --id "$NEW"
expect "nor found" 3 "" "vds: no version or tag '${NEW#*:}' in dataset $DS"
same "latest after a deletion" datasets versions details --id "$DS:latest"

OLD=$(vds datasets versions list --id "$DS" --json | sed -n 's/.*"id":	"\(.*\)",/\1/p' | tail -n 1)
LAST=$(vds datasets versions list --id "$DS" --json | sed -n 's/.*"id":	"\(.*\)",/\1/p' | head -n 1)
vds datasets tags set --id "$OLD" --name moving >/dev/null
same "tags list" datasets tags list --id "$DS"
same "a tag" datasets versions details --id "$DS:moving"
other datasets tags set --id "$LAST" --name moving >/dev/null
run vds datasets versions details --id "$DS:moving" --json
check "a tag another writer moved names its new version" grep -q "\"id\":	\"$LAST\"" "$T/out"
same "tags list after a move" datasets tags list --id "$DS"

same "datasets list" datasets list
other datasets update --id "$DS" --description changed >/dev/null
run vds datasets details --id "$DS" --json
check "a dataset another writer updated shows its change" grep -q '"description":	"changed"' "$T/out"
same "datasets list after an update" datasets list

# ---------------------------------------------------------------- damaged entries
if is_s3; then
	vds datasets versions list --id "$DS" >/dev/null
	want=$(cold datasets versions list --id "$DS")
	vds datasets versions list --id "$DS" >/dev/null
	# a commit record's entry, forged: another message, a valid record checksum
	key=datasets/$DS/versions/${LAST#*:}/commit.json
	md5=$(store_cat "$key" | md5sum | cut -c1-32)
	entry=$(find "$REC" -name "$(echo "$md5" | cut -c3-)")
	check "the commit record is cached" [ -f "$entry" ]
	store_cat "$key" | sed 's/"message":[^,]*/"message":	"forged"/' >"$T/forged.in"
	store_put_record "forged/$$" <"$T/forged.in" 2>/dev/null
	store_cat "forged/$$" >"$entry"
	store_rm "forged/$$"
	is "a forged entry changes no answer" "$(warm datasets versions list --id "$DS")" "$want"
	is "it was replaced by the store's record" "$(md5sum <"$entry" | cut -c1-32)" "$md5"
	# every entry damaged: cut short, or garbage
	for f in $(find "$REC" -type f); do printf 'x' >>"$f"; done
	is "entries that grew change no answer" "$(warm datasets versions list --id "$DS")" "$want"
	for f in $(find "$REC" -type f); do head -c 7 /dev/urandom >"$f"; done
	is "garbage entries change no answer" "$(warm datasets versions list --id "$DS")" "$want"
	is "nothing on stderr" "$(cat "$T/err")" ""
	is "every damaged entry is written again from the store" \
		"$(find "$REC" -type f -exec md5sum {} + | awk '{ n = split($2, p, "/");
			if (p[n - 1] p[n] != $1) bad++ } END { print bad + 0 }')" 0

	# a cache folder that cannot be written: a file where it would be
	rm -rf "$REC"
	mkdir -p "$(dirname "$REC")"
	: >"$REC"
	is "an unwritable cache changes no answer" "$(warm datasets versions list --id "$DS")" "$want"
	is "and says nothing" "$(cat "$T/err")" ""
	rm -f "$REC"
	mkdir -p "$REC"
	if mount -t tmpfs -o size=64k tmpfs "$REC" 2>/dev/null; then
		head -c 1M /dev/zero >"$REC/fill" 2>/dev/null
		is "a full cache changes no answer" "$(warm datasets versions list --id "$DS")" "$want"
		is "and says nothing" "$(cat "$T/err")" ""
		umount "$REC"
	else
		tap_n=$((tap_n + 1)); echo "ok $tap_n # SKIP cannot mount a tmpfs"
	fi
fi

done_testing
