#!/bin/sh
# t31-hostile-links: a store is untrusted input. Versions holding links that
# resolve outside through the version's own links (s -> . and
# etc -> s/s/.../../etc, t -> s/../outside, u -> s/..), absolute targets,
# loops, targets holding NUL or 100 kB long, modes 777, 1777, 4755 and the
# out-of-spec 77777, names with bidirectional and other controls, and a
# damaged content object. files get, vds run (mounted and --no-mount), the
# mount, versions verify, tables and --json: exact output, nothing written
# or readable outside the target.
. "$VDS_SRCDIR/tests/cli/lib.sh"

sha() { sha256sum | cut -d' ' -f1; }
# put_object FILE: stores FILE as a content object, prints its hash
put_object() {
	_h=$(sha <"$1")
	store_put "$(object_key "$_h")" "$1" && echo "$_h"
}
# mounted DIR: true if a vds mount is at DIR
mounted() { awk -v d="$1" '$5 == d { f = 1 } END { exit !f }' /proc/self/mountinfo; }
# tree DIR: every path below DIR with its type (f, d or l), sorted
tree() { (cd "$1" && find . -mindepth 1 -printf '%y %p\n' | LC_ALL=C sort -k2); }
# links DIR: every link below DIR with its target, sorted
links() { (cd "$1" && find . -type l -printf '%p -> %l\n' | LC_ALL=C sort); }

DS=$(new_dataset hostile)
umask 022

# ---- a version vds itself stores: the links pass the lexical check of files put
S="$T/src"
mkdir -p "$S/data"
(
	cd "$S" || exit 1
	printf 'hello\n' >data/f.txt
	ln -s . s
	ln -s s/s/s/s/s/s/s/s/s/s/s/s/../../../../../../../../../../../../etc etc
	ln -s s/../outside t
	ln -s s/.. u
	ln -s loop2 loop1
	ln -s loop1 loop2
	ln -s data/f.txt ok
	ln -s data okdir
	ln -s ../data/f.txt data/up
	ln -s ../s/okdir/../okdir/f.txt data/via
	printf 'x\n' >m777 && chmod 777 m777
	printf 'y\n' >m1777 && chmod 1777 m1777
	printf 'z\n' >m4755 && chmod 4755 m4755
)
V=$(new_version "$DS" --source-path "$S/" --message "hostile links")
run vds datasets files list --id "$V" --recursive
expect "files put stores every link (each passes the lexical check)" 0 "$(cat <<'EOF'
+------------+------+
| Name       | Size |
+------------+------+
| data/f.txt | 6    |
| data/up    | 13   |
| data/via   | 25   |
| etc        | 63   |
| loop1      | 5    |
| loop2      | 5    |
| m1777      | 2    |
| m4755      | 2    |
| m777       | 2    |
| ok         | 10   |
| okdir      | 4    |
| s          | 1    |
| t          | 12   |
| u          | 4    |
+------------+------+
EOF
)" ""

# the host files a hostile link aims at, and a folder around the target
mkdir -p "$T/g"
printf 'host secret\n' >"$T/g/outside"
SKIPPED="vds: warning: skipping link 'etc': it resolves outside the version
vds: warning: skipping link 'loop1': it goes through more than 40 links (a loop?)
vds: warning: skipping link 'loop2': it goes through more than 40 links (a loop?)
vds: warning: skipping link 't': it resolves outside the version
vds: warning: skipping link 'u': it resolves outside the version"
INSIDE="d ./data
f ./data/f.txt
l ./data/up
l ./data/via
f ./m1777
f ./m4755
f ./m777
l ./ok
l ./okdir
l ./s"

# ---- files get
run vds datasets files get --id "$V" --target-path "$T/g/out" --concurrency 1
expect "files get skips each link that leaves the version, with a warning" 0 \
	"Downloaded dataset version $V to $T/g/out: 9 files written, 0 already present" "$SKIPPED"
is "... and writes the rest" "$(tree "$T/g/out")" "$INSIDE"
is "... the links kept are as stored" "$(links "$T/g/out")" "./data/up -> ../data/f.txt
./data/via -> ../s/okdir/../okdir/f.txt
./ok -> data/f.txt
./okdir -> data
./s -> ."
is "nothing is written beside the target" "$(ls "$T/g")" "out
outside"
is "the host file is untouched" "$(cat "$T/g/outside")" "host secret"
check "no link below the target resolves outside it" sh -c \
	"cd '$T/g/out' && for l in \$(find . -type l); do case \$(realpath -m \"\$l\") in '$T/g/out'|'$T/g/out'/*) ;; *) exit 1 ;; esac; done"
is "the links kept reach the file" "$(cat "$T/g/out/data/via" "$T/g/out/ok")" "hello
hello"
is "modes: set-id and sticky bits dropped, the umask (022) applied" \
	"$(stat -c '%n %a' "$T/g/out/m777" "$T/g/out/m1777" "$T/g/out/m4755" | sed "s|$T/g/out/||")" \
	"m777 755
m1777 755
m4755 755"
run sh -c "umask 077 && '$VDS_BIN' datasets files get --id '$V' --source-path m777 --source-path m4755 --target-path '$T/g/out077'"
expect "files get under umask 077" 0 \
	"Downloaded dataset version $V to $T/g/out077: 2 files written, 0 already present" ""
is "... gives modes 700" "$(stat -c '%n %a' "$T/g/out077/m777" "$T/g/out077/m4755" | sed "s|$T/g/out077/||")" \
	"m777 700
m4755 700"
run vds datasets files get --id "$V" --target-path "$T/g/out" --concurrency 1
expect "a second get writes nothing, and warns again" 0 \
	"Downloaded dataset version $V to $T/g/out: 0 files written, 9 already present" "$SKIPPED"

# ---- the mount: links that leave the version are not shown
M="$T/mnt"
mkdir -p "$M"
run vds mount --id "$V" "$M"
expect "mount" 0 "Mounted $V at $M" ""
is "the mount does not show the links that leave the version" \
	"$(tree "$M")" "$INSIDE"
is "its modes: read-only, no set-id or sticky bit" \
	"$(stat -c '%n %a' "$M/m777" "$M/m1777" "$M/m4755" "$M/data/f.txt" | sed "s|$M/||")" \
	"m777 555
m1777 555
m4755 555
data/f.txt 444"
run cat "$M/etc/passwd"
expect "a hidden link cannot be read through" 1 "" "cat: $M/etc/passwd: No such file or directory"
run cat "$M/t"
expect "nor can t" 1 "" "cat: $M/t: No such file or directory"
run readlink "$M/u"
expect "nor u be read as a link" 1 "" ""
run cat "$M/loop1"
expect "nor a loop" 1 "" "cat: $M/loop1: No such file or directory"
is "links inside read through" "$(cat "$M/data/via" "$M/ok" "$M/s/s/okdir/f.txt")" "hello
hello
hello"
run vds umount "$M"
expect "umount" 0 "Unmounted $M" ""

# ---- vds run: inputs mounted, then copied
for MODE in mounted copied; do
	OPT=
	[ "$MODE" = copied ] && OPT=--no-mount
	run vds run $OPT --input h="$V" -- sh -c '
		cd "$VDS_INPUTS/h" && find . -mindepth 1 | LC_ALL=C sort
		cat etc/passwd t u/outside 2>/dev/null && echo READ
		echo x 2>/dev/null >u/written && echo WROTE
		exit 0'
	want_err="vds: input h: $V ($MODE)"
	[ "$MODE" = copied ] && want_err="$SKIPPED
$want_err"
	is "run ($MODE): the job sees only what stays inside" "$(cat "$T/out")" "./data
./data/f.txt
./data/up
./data/via
./m1777
./m4755
./m777
./ok
./okdir
./s"
	if [ "$MODE" = copied ]; then
		is "run ($MODE): the copy warns of each link skipped" "$(LC_ALL=C sort "$T/err")" \
			"$(printf '%s\n' "$want_err" | LC_ALL=C sort)"
	else
		is "run ($MODE): the input is mounted" "$(cat "$T/err")" "$want_err"
	fi
	check "run ($MODE): exit 0" test "$rc" = 0
done
is "run: nothing was written outside" "$(ls "$T/g")" "out
out077
outside"
is "... the host file is untouched" "$(cat "$T/g/outside")" "host secret"

# ---- versions written by hand: absolute targets, NUL, 100 kB, mode 77777
printf '/etc' >"$T/abs" && ABS=$(put_object "$T/abs")
printf 'a\0b' >"$T/nul" && NUL=$(put_object "$T/nul")
head -c 102400 /dev/zero | tr '\0' a >"$T/long" && LONG=$(put_object "$T/long")
printf 'hello\n' >"$T/hello" && HELLO=$(put_object "$T/hello")
# draft CHANGES: a new draft of DS whose change record holds CHANGES (printf format)
draft() {
	_v=$(new_version "$DS" --message crafted)
	printf "vds-changes 1\\n$1" | store_put_record "datasets/$DS/versions/${_v#*:}/changes/0006620000000000-crafted1"
	echo "$_v"
}
DR=$(draft "F $HELLO 6 644 1577934245 f\\nL $ABS 4 777 1577934245 abs\\nL $ABS 4 777 1577934245 d/abs\\n")
run vds datasets versions commit --id "$DR"
expect "a draft with absolute links commits" 0 "Committed dataset version: $DR" ""
run vds datasets files get --id "$DR" --target-path "$T/g/abs" --concurrency 1
expect "files get skips absolute links" 0 \
	"Downloaded dataset version $DR to $T/g/abs: 1 file written, 0 already present" \
	"vds: warning: skipping link 'abs': it points to an absolute path
vds: warning: skipping link 'd/abs': it points to an absolute path"
is "... and creates only the file" "$(tree "$T/g/abs")" "f ./f"
run vds mount --id "$DR" "$M"
is "the mount hides absolute links" "$(tree "$M")" "d ./d
f ./f"
vds umount "$M" >/dev/null

DR=$(draft "L $NUL 3 777 1577934245 nul\\n")
vds datasets versions commit --id "$DR" >/dev/null
run vds datasets files get --id "$DR" --target-path "$T/g/nul"
expect "files get refuses a link target holding NUL" 9 "" \
	"vds: target of link 'nul' holds a NUL byte"
run vds datasets versions verify --id "$DR"
expect "verify refuses it too" 9 "BAD  nul: link target holds a NUL byte" \
	"vds: 1 of 1 files of $DR are damaged or missing"
DR=$(draft "L $LONG 102400 777 1577934245 long\\n")
vds datasets versions commit --id "$DR" >/dev/null
run vds datasets files get --id "$DR" --target-path "$T/g/long"
expect "files get refuses a 100 kB link target" 9 "" \
	"vds: target of link 'long' is longer than 4095 bytes"
run vds datasets versions verify --id "$DR"
expect "verify refuses it too" 9 "BAD  long: link target is longer than 4095 bytes" \
	"vds: 1 of 1 files of $DR are damaged or missing"
run vds datasets versions verify --id "$V"
expect "verify passes the version whose links only resolve outside (files get skips them)" 0 \
	"Verified 14 files of $V: all intact" ""

DR=$(draft "F $HELLO 6 644 1577934245 ok\\nF $HELLO 6 77777 1577934245 bad\\n")
run vds datasets files list --id "$DR"
expect "mode 77777 in a change record is malformed" 9 "" \
	"vds: corrupt file list of $DR: line 3: mode above 7777"
run vds datasets versions commit --id "$DR"
expect "... and the draft does not commit" 9 "" \
	"vds: corrupt file list of $DR: line 3: mode above 7777"
run vds datasets versions delete --id "$DR"
expect "the draft can be deleted" 0 "Deleted dataset version: $DR" ""
is "nothing was written outside (the targets refused stay empty)" "$(ls "$T/g"; ls -A "$T/g/nul" "$T/g/long")" "abs
long
nul
out
out077
outside
$T/g/long:

$T/g/nul:"

# ---- a damaged content object: the mount gives EIO, never wrong bytes
printf 'one block\n' >"$T/small"
dd if=/dev/urandom of="$T/big" bs=1M count=10 2>/dev/null
mkdir -p "$T/dmg" && cp "$T/small" "$T/big" "$T/dmg/"
DV=$(new_version "$DS" --source-path "$T/dmg/" --message "to damage")
SO=$(object_key "$(sha <"$T/small")")
BO=$(object_key "$(sha <"$T/big")")
printf 'ONE BLOCK\n' >"$T/small-bad"
cp "$T/big" "$T/big-bad" && printf 'X' | dd of="$T/big-bad" bs=1 seek=5000000 conv=notrunc 2>/dev/null
store_put "$SO" "$T/small-bad"
store_put "$BO" "$T/big-bad"
vds mount --id "$DV" "$M" >/dev/null
run cat "$M/small"
expect "a damaged small object reads as EIO, no byte of it" 1 "" "cat: $M/small: Input/output error"
run sh -c "cat '$M/big' >'$T/big-read'"
check "a damaged large object read through fails" test "$rc" != 0
is "... with EIO" "$(cat "$T/err")" "cat: $M/big: Input/output error"
check "... before its end" test "$(stat -c %s "$T/big-read")" -lt 10485760
vds umount "$M" >/dev/null
run vds run --input d="$DV" --output o=dmg-out -- sh -c 'cp "$VDS_INPUTS/d/small" "$VDS_OUTPUTS/o/"'
check "a job reading it through the mount fails" test "$rc" != 0
run vds datasets versions list --id dmg-out --json
is "... and commits nothing" "$(grep -c '"committed": true' "$T/out")" "0"

# ---- names with controls: tables and the browser escape them, --json too
N="$T/names"
mkdir -p "$N"
printf 'a' >"$N/$(printf 'bidi\342\200\256txt.exe')"
printf 'b' >"$N/$(printf 'iso\342\201\246x')"
printf 'c' >"$N/$(printf 'c1\302\205x')"
printf 'd' >"$N/$(printf 'del\177x')"
printf 'e' >"$N/$(printf 'bad\377x')"
NV=$(new_version "$DS" --source-path "$N/" --message "$(printf 'names \342\200\256 here')")
run vds datasets files list --id "$NV"
expect "a table escapes bidirectional controls, C1, DEL and bad bytes" 0 "$(cat <<'EOF'
+-------------------------+------+
| Name                    | Size |
+-------------------------+------+
| bad\xffx                | 1    |
| bidi\xe2\x80\xaetxt.exe | 1    |
| c1\xc2\x85x             | 1    |
| del\x7fx                | 1    |
| iso\xe2\x81\xa6x        | 1    |
+-------------------------+------+
EOF
)" ""
run sh -c "'$VDS_BIN' datasets files list --id '$NV' --json | sed -n 's/.*\"path\": *\"\\([^\"]*\\)\".*/\\1/p'"
is "--json escapes them as \\u escapes, a bad byte as \\udcXX" "$(cat "$T/out")" 'bad\udcffx
bidi\u202etxt.exe
c1\u0085x
del\u007fx
iso\u2066x'
run sh -c "'$VDS_BIN' datasets files list --id '$NV' --json | python3 -c 'import json, sys; print(sorted(e[\"path\"].encode(\"utf-8\", \"surrogateescape\").hex() for e in json.load(sys.stdin))[0])'"
is "... which stays valid JSON, the byte recoverable" "$(cat "$T/out")" "$(printf 'bad\377x' | od -An -tx1 | tr -d ' \n')"
run vds datasets versions list --id "$DS" --json
check "versions list --json" test "$rc" = 0
check "... escapes a bidirectional control in a message" grep -qF '"names \u202e here"' "$T/out"
check "... and never shows it raw" sh -c "! grep -q \"\$(printf '\342\200\256')\" '$T/out'"
run vds datasets versions details --id "$NV"
check "a message with a bidirectional control is escaped in details" grep -qF 'names \xe2\x80\xae here' "$T/out"

# the browser draws them through the same escaping
. "$VDS_SRCDIR/tests/ui/lib.sh"
keys <<EOF
:dump $D/names
EOF
run ui browse "$NV"
check "the browser starts on the version" test "$rc" = 0
check "the browser shows a bidirectional control escaped" grep -qF 'bidi\xe2\x80\xae' "$D/names"
check "... and the others" grep -qF 'iso\xe2\x81\xa6x' "$D/names"
check "... never raw" sh -c "! grep -q \"\$(printf '\342\200\256')\" '$D/names'"

# ---- no core dumps: a vds process turns them off at start
(ulimit -c unlimited 2>/dev/null || ulimit -c 1000000; exec "$VDS_BIN" mount --foreground --id "$V" "$M" >"$T/fg.out" 2>&1) &
FG=$!
PIDS="$PIDS $FG"
i=0
until grep -q '^Mounted' "$T/fg.out" 2>/dev/null || [ $i -gt $((300 * TIME_SCALE)) ]; do i=$((i + 1)); sleep 0.1; done
is "vds mount under 'ulimit -c unlimited' runs with a core size of 0" \
	"$(awk '/^Max core file size/ { print $5 }' "/proc/$FG/limits")" "0"
kill "$FG"
wait "$FG"
check "and ends cleanly" test "$(mounted "$M"; echo $?)" = 1

done_testing
