#!/bin/sh
# t27-mount: vds mount shows a committed version as a read-only folder
# (listings, contents, links, modes, times), refuses every write, mounts by
# tag and latest, reads large files at any offset from several readers,
# unmounts (also a mount whose process was killed), and says clearly what
# is wrong. Against S3 (tests/s3/rgw/t27-mount.sh) it also shows that
# contents are fetched on demand: only the files read, only the blocks read,
# checked before they enter the cache.
. "$VDS_SRCDIR/tests/cli/lib.sh"

# mounted DIR: true if a vds mount is at DIR
mounted() { awk -v d="$1" '$5 == d { f = 1 } END { exit !f }' /proc/self/mountinfo; }

# fg_mount REF DIR LOG: "vds --debug mount --foreground" in the background,
# waiting until it has mounted; sets FG_PID. LOG.out and LOG.err keep its output.
fg_mount() {
	"$VDS_BIN" --debug mount --foreground --id "$1" "$2" >"$3.out" 2>"$3.err" &
	FG_PID=$!
	PIDS="$PIDS $FG_PID"
	_i=0
	until grep -q '^Mounted' "$3.out" 2>/dev/null; do
		_i=$((_i + 1))
		if [ $_i -gt $((300 * TIME_SCALE)) ] || ! kill -0 "$FG_PID" 2>/dev/null; then
			diag "$(cat "$3.err")"
			return 1
		fi
		sleep 0.1
	done
}

# gone PID: waits (a while) until process PID has ended
gone() {
	_i=0
	while kill -0 "$1" 2>/dev/null && [ $_i -lt $((100 * TIME_SCALE)) ]; do
		_i=$((_i + 1))
		sleep 0.1
	done
	! kill -0 "$1" 2>/dev/null
}

# gets LOG: the number of GETs of content objects in LOG
gets() { grep -c 's3: GET .*/objects/' "$1"; }

# ---------------------------------------------------------------- setup
S="$T/src"
mkdir -p "$S/sub/deep" "$S/other"
printf 'hello\n' >"$S/a.txt"
printf 'second file\n' >"$S/sp ace.txt"
: >"$S/zero"
# three blocks of a remote read (8 MiB each), the last one short
head -c 20000001 /dev/urandom >"$S/sub/big.bin"
printf 'bbb\n' >"$S/sub/b.txt"
printf '#!/bin/sh\necho deep\n' >"$S/sub/deep/run.sh"
printf 'other\n' >"$S/other/o.txt"
ln -s ../a.txt "$S/sub/link"
ln -s deep/run.sh "$S/sub/rel"
chmod 600 "$S/sub/b.txt"
chmod 755 "$S/sub/deep/run.sh"
chmod 444 "$S/zero"
touch -d '2020-01-02 03:04:05' "$S/a.txt"
touch -d '1999-12-31 23:59:59' "$S/sub/big.bin"

DS=$(new_dataset mountds)
V=$(new_version "$DS" --message one --source-path "$S/")
M="$T/mnt"
mkdir "$M"

run vds mount --id "$V" "$M"
case $(cat "$T/err") in
*"FUSE is not available here"* | *"cannot mount"*)
	echo "1..0 # SKIP $(cat "$T/err")"
	exit 0
	;;
esac
expect "mount in the background" 0 "Mounted $V at $M" ""
check "the folder is a vds mount" mounted "$M"
check "listings and contents equal the source" diff -r "$S" "$M"
run ls -A "$M" "$M/sub"
expect "listings" 0 "$M:
a.txt
other
sp ace.txt
sub
zero

$M/sub:
b.txt
big.bin
deep
link
rel" ""
is "a symlink reads as recorded" "$(readlink "$M/sub/link") $(readlink "$M/sub/rel")" \
	"../a.txt deep/run.sh"
is "a link's target is read through it" "$(cat "$M/sub/link")" "hello"
is "modes are read-only, as recorded" \
	"$(cd "$M" && stat -c '%A %n' a.txt sub/b.txt sub/deep/run.sh zero sub sub/link)" \
	"-r--r--r-- a.txt
-r-------- sub/b.txt
-r-xr-xr-x sub/deep/run.sh
-r--r--r-- zero
dr-xr-xr-x sub
lrwxrwxrwx sub/link"
is "sizes and times as recorded" "$(cd "$M" && stat -c '%s %Y %n' a.txt sub/big.bin zero)" \
	"$(cd "$S" && stat -c '%s %Y %n' a.txt sub/big.bin zero)"
is "a missing file is missing" "$(cat "$M/nope" 2>&1)" "cat: $M/nope: No such file or directory"
is "a file is no folder" "$(ls "$M/a.txt/x" 2>&1)" \
	"ls: cannot access '$M/a.txt/x': Not a directory"
check "the script runs from the mount" test "$(sh "$M/sub/deep/run.sh")" = deep

# ---------------------------------------------------------------- read-only
ro() { # DESC CMD...: CMD fails with "Read-only file system"
	_d=$1; shift
	if "$@" 2>"$T/roerr"; then not_ok "$_d (it worked)"; elif grep -q 'Read-only file system' "$T/roerr"; then
		ok "$_d"
	else
		not_ok "$_d"; diag "$(cat "$T/roerr")"
	fi
}
ro "no new file" sh -c "echo x >'$M/new'"
ro "no writing to a file" sh -c "echo x >>'$M/a.txt'"
ro "no new folder" mkdir "$M/newdir"
ro "no removing a file" rm -f "$M/a.txt"
ro "no removing a folder" rmdir "$M/other"
ro "no chmod" chmod 777 "$M/a.txt"
ro "no truncate" truncate -s 0 "$M/a.txt"
ro "no rename" mv "$M/a.txt" "$M/b.txt"
ro "no link" ln -s x "$M/l"
ro "no touch" touch "$M/a.txt"
check "the files are unchanged" diff -r "$S" "$M"

# ---------------------------------------------------------------- large files
B="$M/sub/big.bin"
odd_ok=yes
for at in 1 4095 8388607 8388608 9000001 16777215 19999990; do
	a=$(dd if="$S/sub/big.bin" bs=1 skip="$at" count=3001 2>/dev/null | od -An -tx1 | tr -d ' \n')
	b=$(dd if="$B" bs=1 skip="$at" count=3001 2>/dev/null | od -An -tx1 | tr -d ' \n')
	[ "$a" = "$b" ] || { odd_ok=no; diag "bytes at $at differ"; }
done
is "reads at odd offsets, across blocks, up to the end" "$odd_ok" yes
run dd if="$B" bs=65536 skip=305 count=10
is "a read past the end ends at the end" "$(wc -c <"$T/out")" 11521
cat "$B" >"$T/r1" & p1=$!
cat "$B" >"$T/r2" & p2=$!
dd if="$B" bs=1048573 of="$T/r3" 2>/dev/null & p3=$!
wait $p1 $p2 $p3
check "three readers at once read the same bytes" \
	sh -c "cmp '$T/r1' '$S/sub/big.bin' && cmp '$T/r2' '$S/sub/big.bin' && cmp '$T/r3' '$S/sub/big.bin'"

# ---------------------------------------------------------------- tags, latest
printf 'two\n' >"$T/two.txt"
V2=$(new_version "$DS" --message two --source-path "$T/two.txt")
run vds datasets tags set --id "$V" --name first
M2="$T/by-tag"; M3="$T/latest"; M4="$T/latest2"
mkdir "$M2" "$M3" "$M4"
run vds mount --id "$DS:first" "$M2"
expect "mount by tag" 0 "Mounted $V at $M2" ""
check "the tag's version" diff -r "$S" "$M2"
run vds mount --id "$DS" "$M3"
expect "mount of a dataset: its latest version" 0 "Mounted $V2 at $M3" ""
is "the latest version's files" "$(ls "$M3") $(cat "$M3/two.txt")" "two.txt two"
run vds mount --id "$DS:latest" "$M4"
expect "mount of DS:latest" 0 "Mounted $V2 at $M4" ""

# ---------------------------------------------------------------- errors
D=$(new_version "$DS" --message draft)
E="$T/empty"
mkdir "$E"
run vds mount --id "$D" "$E"
expect "a draft is refused" 6 "" "vds: dataset version $D is a draft: commit it before mounting"
run vds mount --id "$DS:zzzzzzz" "$E"
check "no such version: exit 3" test "$rc" = 3
run vds mount --id dsnosuchdataset0 "$E"
check "no such dataset: exit 3" test "$rc" = 3
run vds mount --id "$V" "$T/missing"
expect "a missing folder" 3 "" "vds: no such folder '$T/missing'"
run vds mount --id "$V" "$S"
expect "a folder that is not empty" 6 "" "vds: folder '$S' is not empty"
run vds mount --id "$V" "$S/a.txt"
expect "a file is not a folder" 4 "" "vds: '$S/a.txt' is not a folder"
run vds mount --id "$V" "$M"
expect "a mount point is taken" 6 "" "vds: '$M' is a vds mount already"
run vds mount "$E"
expect "--id is needed" 2 "" "vds: missing option '--id' for 'vds mount'"
run vds mount --id "$V"
expect "DIR is needed" 2 "" "vds: missing DIR for 'vds mount'"
run vds mount --id "$V" "$E" "$T/x"
expect "one DIR only" 2 "" "vds: unexpected argument '$T/x' for 'vds mount'"
run vds umount "$E"
expect "umount of a folder that is no mount" 4 "" "vds: '$E' is not a mount"
run vds umount "$T/missing"
expect "umount of a missing folder" 3 "" \
	"vds: cannot unmount '$T/missing': No such file or directory"
run vds umount
expect "umount needs DIR" 2 "" "vds: missing DIR for 'vds umount'"

# ---------------------------------------------------------------- umount
exec 4<"$M/a.txt"
run vds umount "$M"
expect "a mount in use stays" 6 "" "vds: cannot unmount '$M': it is in use"
check "still mounted" mounted "$M"
exec 4<&-
for m in "$M" "$M2" "$M3" "$M4"; do
	run vds umount "$m"
	expect "umount $(basename "$m")" 0 "Unmounted $m" ""
done
check "nothing is mounted any more" sh -c "! grep -q ' $T/' /proc/self/mountinfo"
is "the mount point is empty again" "$(ls -A "$M")" ""
run vds umount "$M"
expect "umount twice" 4 "" "vds: '$M' is not a mount"

# foreground: SIGTERM unmounts cleanly
check "mount --foreground" fg_mount "$V" "$M" "$T/fg"
check "served in the foreground" diff -r "$S" "$M"
kill -TERM "$FG_PID"
check "SIGTERM ends it" gone "$FG_PID"
wait "$FG_PID"
is "it exits 0" "$?" 0
is "it said so" "$(cat "$T/fg.out")" "Mounted $V at $M
Unmounted $M"
check "and unmounted" sh -c "! grep -q ' $M ' /proc/self/mountinfo"

# a mount whose process was killed: stale until vds umount
check "mount --foreground again" fg_mount "$V" "$M" "$T/fg2"
kill -9 "$FG_PID"
wait "$FG_PID" 2>/dev/null
is "a killed mount is stale" "$(ls "$M" 2>&1 | grep -c 'Transport endpoint is not connected')" 1
run vds mount --id "$V" "$M"
expect "mounting over a stale mount is refused" 6 "" \
	"vds: '$M' is a mount whose process ended: run 'vds umount' on it first"
run vds umount "$M"
expect "umount of a stale mount" 0 "Unmounted $M" ""
is "the folder is back" "$(ls -A "$M" 2>&1)" ""
check "not mounted" sh -c "! grep -q ' $M ' /proc/self/mountinfo"

# ---------------------------------------------------------------- on demand (S3)
if is_s3; then
	run vds cache prune --max-size 0
	check "mount with an empty cache" fg_mount "$V" "$M" "$T/od"
	n0=$(gets "$T/od.err")
	# the version's two links are resolved to know whether they are shown
	is "a listing fetches no content but the targets of its 2 links" \
		"$(ls -R "$M" >/dev/null; gets "$T/od.err")" $((n0 + 2))
	is "... once" "$(ls -lR "$M" >/dev/null; gets "$T/od.err")" $((n0 + 2))
	is "a small file reads" "$(cat "$M/a.txt")" hello
	is "one GET for one small file" "$(gets "$T/od.err")" $((n0 + 3))
	n1=$(gets "$T/od.err")
	dd if="$M/sub/big.bin" bs=4096 skip=2300 count=1 of="$T/part" 2>/dev/null
	is "a part of a large file: one GET" "$(gets "$T/od.err")" $((n1 + 1))
	is "of one block" "$(grep 's3: GET .*/objects/' "$T/od.err" | tail -n 1 | grep -o 'received [0-9]*')" \
		"received 8388608"
	check "the part read right" sh -c "dd if='$S/sub/big.bin' bs=4096 skip=2300 count=1 2>/dev/null | cmp - '$T/part'"
	big=$(sha256sum <"$S/sub/big.bin" | cut -d' ' -f1)
	check "a partly read file is not cached" test ! -e "$VDS_HOME/cache/$(object_key "$big")"
	check "read whole" cmp "$M/sub/big.bin" "$S/sub/big.bin"
	is "the rest of its blocks only" "$(gets "$T/od.err")" $((n1 + 3))
	check "then checked and cached" cmp "$VDS_HOME/cache/$(object_key "$big")" "$S/sub/big.bin"
	n2=$(gets "$T/od.err")
	cat "$M/sub/b.txt" "$M/a.txt" "$M/sub/big.bin" >/dev/null
	is "nothing is fetched twice" "$(gets "$T/od.err")" $((n2 + 1))
	kill -TERM "$FG_PID"
	check "unmounted" gone "$FG_PID"

	# a large file the cache does not take: read in blocks, not cached
	run vds cache prune --max-size 0
	run vds cache limit --max-size 64M
	check "mount with a small cache" fg_mount "$V" "$M" "$T/small"
	check "a large file reads whole" cmp "$M/sub/big.bin" "$S/sub/big.bin"
	check "without entering the cache" test ! -e "$VDS_HOME/cache/$(object_key "$big")"
	kill -TERM "$FG_PID"
	check "unmounted" gone "$FG_PID"
	run vds cache limit --max-size 10G

	# content that does not match its hash: never handed out, never cached
	run vds cache prune --max-size 0
	bh=$(sha256sum <"$S/sub/b.txt" | cut -d' ' -f1)
	printf 'BAD\n' >"$T/bad"
	store_put "$(object_key "$bh")" "$T/bad"
	check "mount" fg_mount "$V" "$M" "$T/bad"
	is "a corrupt object fails to read" "$(cat "$M/sub/b.txt" 2>&1)" \
		"cat: $M/sub/b.txt: Input/output error"
	check "and says why with --debug" grep -q "objects/.* does not match its SHA-256" "$T/bad.err"
	check "it is not cached" test ! -e "$VDS_HOME/cache/$(object_key "$bh")"
	# a large one: read in blocks, it fails at its end, when it can be checked
	head -c 20000001 /dev/urandom >"$T/badbig"
	store_put "$(object_key "$big")" "$T/badbig"
	check "a part of a corrupt large file reads (unchecked, on demand)" \
		sh -c "dd if='$M/sub/big.bin' bs=4096 skip=2300 count=1 2>/dev/null | cmp -s -i 0:9420800 -n 4096 - '$T/badbig'"
	is "reading it whole fails" "$(cat "$M/sub/big.bin" 2>&1 >/dev/null)" \
		"cat: $M/sub/big.bin: Input/output error"
	check "it is not cached" test ! -e "$VDS_HOME/cache/$(object_key "$big")"
	kill -TERM "$FG_PID"
	check "unmounted" gone "$FG_PID"
	run vds cache limit --max-size 64M
	check "mount with a small cache" fg_mount "$V" "$M" "$T/badmem"
	is "a corrupt large file the cache does not take fails at its end too" \
		"$(cat "$M/sub/big.bin" 2>&1 >/dev/null)" "cat: $M/sub/big.bin: Input/output error"
	kill -TERM "$FG_PID"
	check "unmounted" gone "$FG_PID"
fi

done_testing
