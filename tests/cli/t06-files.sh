#!/bin/sh
# t06-files: files put, list and delete on drafts and committed versions.
. "$VDS_SRCDIR/tests/cli/lib.sh"

# sha TEXT: SHA-256 of TEXT (no newline added)
sha() { printf '%s' "$1" | sha256sum | cut -c1-64; }
# sha_file FILE: SHA-256 of FILE's content
sha_file() { sha256sum <"$1" | cut -c1-64; }
# fentry NAME PATH SIZE SHA MODE: a JSON line of a file in 'files list --json'
fentry() {
	printf '{"name":"%s","path":"%s","type":"file","size":%s,"sha256":"%s","mode":%s,"mtime":%s}' \
		"$1" "$2" "$3" "$4" "$5" "$MT"
}
# dentry NAME PATH SIZE FILES: a JSON line of a folder
dentry() {
	printf '{"name":"%s","path":"%s","type":"folder","size":%s,"files":%s}' "$1" "$2" "$3" "$4"
}
# json_lines LINE...: the array 'files list --json' prints, one object a line
json_lines() {
	printf '['
	_sep=''
	for _l in "$@"; do
		printf '%s\n  %s' "$_sep" "$_l"
		_sep=,
	done
	[ $# -eq 0 ] || printf '\n'
	printf ']'
}
# put_ok DESC REF N BYTES ARGS...: files put that must succeed quietly
put_ok() {
	_d=$1 _ref=$2 _n=$3 _b=$4
	shift 4
	run vds datasets files put --id "$_ref" "$@"
	_files=files
	[ "$_n" = 1 ] && _files=file
	expect "$_d" 0 "Put $_n $_files ($_b bytes) into dataset version: $_ref" ""
}

MT=1700000000 # the mtime of every source file
S=$T/src
mkdir -p "$S/dir/sub" "$S/other"
printf 'hello\n' >"$S/top.txt"
printf 'abc' >"$S/dir/one.txt"
printf '12345' >"$S/dir/sub/two.txt"
printf '#!/bin/sh\n' >"$S/dir/run.sh"
printf 'x' >"$S/other/x"
chmod 644 "$S/top.txt" "$S/dir/one.txt" "$S/dir/sub/two.txt" "$S/other/x"
chmod 755 "$S/dir/run.sh"
find "$S" -exec touch -h -d "@$MT" {} +

run vds datasets create --name files
ds=$(sed -n 's/^Created dataset: //p' "$T/out")
v=$(new_version "$ds" --message work)
check "a draft to work in" test -n "$v"

# ---- put -------------------------------------------------------------------------

put_ok "put a file: it goes under its base name" "$v" 1 6 --source-path "$S/top.txt"
put_ok "put 'dir': the folder goes under dir/" "$v" 3 18 --source-path "$S/dir"
put_ok "put 'dir/' with --target-path: its contents go there" "$v" 3 18 \
	--source-path "$S/dir/" --target-path flat
put_ok "several --source-path with --target-path /multi/" "$v" 2 7 \
	--source-path "$S/other" --source-path "$S/top.txt" --target-path /multi/
put_ok "--target-path=a/b//c/ (normalised)" "$v" 1 3 \
	--source-path="$S/dir/one.txt" --target-path=a/b//c/

# ---- list ------------------------------------------------------------------------

run vds datasets files list --id "$v"
expect "list the root: folders with total sizes" 0 "$(cat <<'EOF'
+---------+------+
| Name    | Size |
+---------+------+
| a/      | 3    |
| dir/    | 18   |
| flat/   | 18   |
| multi/  | 7    |
| top.txt | 6    |
+---------+------+
EOF
)" ""
dir_list=$(cat <<'EOF'
+---------+------+
| Name    | Size |
+---------+------+
| one.txt | 3    |
| run.sh  | 10   |
| sub/    | 5    |
+---------+------+
EOF
)
run vds datasets files list --id "$v" --path dir
expect "list --path dir" 0 "$dir_list" ""
run vds datasets files list --id "$v" --path /dir/
expect "list --path /dir/ is the same" 0 "$dir_list" ""
run vds datasets files list --id "$v" --path a
expect "a folder holding only a folder" 0 "$(cat <<'EOF'
+------+------+
| Name | Size |
+------+------+
| b/   | 3    |
+------+------+
EOF
)" ""
run vds datasets files list --id "$v" --recursive
expect "list --recursive: every file with its path" 0 "$(cat <<'EOF'
+------------------+------+
| Name             | Size |
+------------------+------+
| a/b/c/one.txt    | 3    |
| dir/one.txt      | 3    |
| dir/run.sh       | 10   |
| dir/sub/two.txt  | 5    |
| flat/one.txt     | 3    |
| flat/run.sh      | 10   |
| flat/sub/two.txt | 5    |
| multi/other/x    | 1    |
| multi/top.txt    | 6    |
| top.txt          | 6    |
+------------------+------+
EOF
)" ""
run vds datasets files list --id "$v" --path dir --recursive
expect "list --path dir --recursive: paths relative to dir" 0 "$(cat <<'EOF'
+-------------+------+
| Name        | Size |
+-------------+------+
| one.txt     | 3    |
| run.sh      | 10   |
| sub/two.txt | 5    |
+-------------+------+
EOF
)" ""
run vds datasets files list --id "$v" --path dir/sub/two.txt
expect "list --path of a file shows the file" 0 "$(cat <<'EOF'
+---------+------+
| Name    | Size |
+---------+------+
| two.txt | 5    |
+---------+------+
EOF
)" ""
run vds datasets files list --id "$v" --path dir/one.txt --recursive
expect "list --recursive of a file" 4 "" "vds: 'dir/one.txt' is a file, not a folder"
run vds datasets files list --id "$v" --path nope --recursive
expect "list --recursive of a missing folder" 3 "" "vds: no such folder 'nope' in $v"
run vds datasets files list --id "$v" --path nope
expect "list of a missing folder" 3 ""
check "list of a missing folder: the message names it" grep -q "^vds: no such folder 'nope'" "$T/err"
run vds datasets files list --id "$v" --path dir/../top.txt
expect "list --path with '..'" 4 "" "vds: path 'dir/../top.txt' may not contain '.' or '..'"

sha_top=$(sha_file "$S/top.txt")
sha_one=$(sha_file "$S/dir/one.txt")
sha_run=$(sha_file "$S/dir/run.sh")
sha_two=$(sha_file "$S/dir/sub/two.txt")
run vds datasets files list --id "$v" --json
expect "list --json of the root" 0 "$(json_lines \
	"$(dentry a/ a 3 1)" \
	"$(dentry dir/ dir 18 3)" \
	"$(dentry flat/ flat 18 3)" \
	"$(dentry multi/ multi 7 2)" \
	"$(fentry top.txt top.txt 6 "$sha_top" 420)")" ""
run vds datasets files list --id "$v" --path dir --json
expect "list --path dir --json: paths are full paths" 0 "$(json_lines \
	"$(fentry one.txt dir/one.txt 3 "$sha_one" 420)" \
	"$(fentry run.sh dir/run.sh 10 "$sha_run" 493)" \
	"$(dentry sub/ dir/sub 5 1)")" ""
run vds datasets files list --id "$v" --path dir --recursive --json
expect "list --path dir --recursive --json" 0 "$(json_lines \
	"$(fentry one.txt dir/one.txt 3 "$sha_one" 420)" \
	"$(fentry run.sh dir/run.sh 10 "$sha_run" 493)" \
	"$(fentry sub/two.txt dir/sub/two.txt 5 "$sha_two" 420)")" ""
run vds datasets files list --id "$v" --path dir/sub/two.txt --json
expect "list --json of one file" 0 "$(json_lines \
	"$(fentry two.txt dir/sub/two.txt 5 "$sha_two" 420)")" ""

run vds datasets versions details --id "$v"
check "versions details counts the draft's files" grep -q '^| Files     | 10  ' "$T/out"
check "versions details sums the draft's sizes" grep -q '^| Size      | 52 (52 B) ' "$T/out"

# ---- replace -----------------------------------------------------------------------

printf 'replaced content\n' >"$S/top.txt"
touch -d "@$MT" "$S/top.txt"
put_ok "put a file again replaces it" "$v" 1 17 --source-path "$S/top.txt"
run vds datasets files list --id "$v" --path top.txt --json
expect "the file has its new size and hash" 0 "$(json_lines \
	"$(fentry top.txt top.txt 17 "$(sha_file "$S/top.txt")" 420)")" ""
run vds datasets versions details --id "$v"
check "replacing kept the number of files" grep -q '^| Files     | 10  ' "$T/out"
check "replacing changed the total size" grep -q '^| Size      | 63 (63 B) ' "$T/out"
printf 'hello\n' >"$S/top.txt"
touch -d "@$MT" "$S/top.txt"

# a file put where a folder is replaces the folder, and the reverse
mkdir -p "$T/clash/f" "$T/clash/d/dir"
printf 'file\n' >"$T/clash/f/dir"
printf 'in a folder\n' >"$T/clash/d/dir/inner"
z=$(new_version "$ds" --message clash)
put_ok "put a folder" "$z" 3 18 --source-path "$S/dir"
put_ok "put a file of the folder's name" "$z" 1 5 --source-path "$T/clash/f/dir"
run vds datasets files list --id "$z" --recursive
expect "the file replaced the folder" 0 "$(cat <<'EOF'
+------+------+
| Name | Size |
+------+------+
| dir  | 5    |
+------+------+
EOF
)" ""
put_ok "put a folder of the file's name" "$z" 1 12 --source-path "$T/clash/d/dir"
run vds datasets files list --id "$z" --recursive
expect "the folder replaced the file" 0 "$(cat <<'EOF'
+-----------+------+
| Name      | Size |
+-----------+------+
| dir/inner | 12   |
+-----------+------+
EOF
)" ""

# ---- delete ------------------------------------------------------------------------

run vds datasets files delete --id "$v" --path top.txt --path flat
expect "delete a file and a folder" 0 "Deleted 2 paths from dataset version: $v" ""
run vds datasets files delete --id "$v" --path /a/b/
expect "delete a folder given with slashes" 0 "Deleted 1 path from dataset version: $v" ""
run vds datasets files delete --id "$v" --path nope
expect "delete an unknown path" 3 "" "vds: no such file or folder 'nope' in $v"
run vds datasets files delete --id "$v" --path dir/one.txt --path dir/nope
expect "delete with one unknown path among others" 3 "" \
	"vds: no such file or folder 'dir/nope' in $v"
run vds datasets files delete --id "$v" --path /
expect "delete of the root refused" 4 "" \
	"vds: refusing to delete the whole version: name files or folders"
run vds datasets files delete --id "$v" --path ../x
expect "delete of a path with '..'" 4 "" "vds: path '../x' may not contain '.' or '..'"
run vds datasets files delete --id "$ds" --path dir
expect "delete needs DS:VER" 4 "" "vds: expected a version reference DATASET:VERSION, not '$ds'"
after_delete=$(cat <<'EOF'
+-----------------+------+
| Name            | Size |
+-----------------+------+
| dir/one.txt     | 3    |
| dir/run.sh      | 10   |
| dir/sub/two.txt | 5    |
| multi/other/x   | 1    |
| multi/top.txt   | 6    |
+-----------------+------+
EOF
)
run vds datasets files list --id "$v" --recursive
expect "deleted paths are gone, refused deletes removed nothing" 0 "$after_delete" ""

# ---- missing sources ---------------------------------------------------------------

run vds datasets files put --id "$v" --source-path "$T/missing"
expect "a missing source path" 3 "" "vds: no such source path '$T/missing'"
run vds datasets files put --id "$v" --source-path "$S/top.txt" --source-path "$T/missing"
expect "a missing source path among good ones" 3 "" "vds: no such source path '$T/missing'"
run vds datasets files put --id "$v" --source-path ""
expect "an empty source path" 4 "" "vds: empty source path"
run vds datasets files put --id "$v" --source-path "$S/top.txt" --target-path ../up
expect "--target-path with '..'" 4 "" "vds: path '../up' may not contain '.' or '..'"
run vds datasets files put --id "$ds" --source-path "$S/top.txt"
expect "put needs DS:VER" 4 "" "vds: expected a version reference DATASET:VERSION, not '$ds'"
run vds datasets files put --id "$ds:zzzzzzz" --source-path "$S/top.txt"
expect "put into an unknown version" 3 "" "vds: no version or tag 'zzzzzzz' in dataset $ds"
run vds datasets files list --id "$v" --recursive
expect "refused puts added nothing" 0 "$after_delete" ""

if [ "$(id -u)" != 0 ]; then
	printf 'secret' >"$S/unreadable"
	chmod 000 "$S/unreadable"
	run vds datasets files put --id "$v" --source-path "$S/top.txt" --source-path "$S/unreadable"
	expect "an unreadable file fails the put" 7 "" \
		"vds: cannot read '$S/unreadable': Permission denied"
	run vds datasets files list --id "$v" --recursive
	expect "the failed put added nothing" 0 "$after_delete" ""
	chmod 644 "$S/unreadable"
	rm -f "$S/unreadable"
fi

# ---- committed versions are immutable ------------------------------------------------

run vds datasets versions commit --id "$v"
expect "commit the draft" 0 "Committed dataset version: $v" ""
run vds datasets files put --id "$v" --source-path "$S/top.txt"
expect "put into a committed version refused" 5 "" \
	"vds: dataset version $v is committed and cannot be changed"
run vds datasets files put --id "$v" --source-path "$S/top.txt" --target-path new
expect "put of a new path into a committed version refused" 5 "" \
	"vds: dataset version $v is committed and cannot be changed"
run vds datasets files delete --id "$v" --path dir
expect "delete in a committed version refused" 5 "" \
	"vds: dataset version $v is committed and cannot be changed"
run vds datasets files list --id "$v" --recursive
expect "the committed version's files are unchanged" 0 "$after_delete" ""
run vds datasets files list --id "$ds" --recursive
expect "files list DS lists latest" 0 "$after_delete" ""
run vds datasets files list --id "files:latest" --path multi
expect "files list NAME:latest --path" 0 "$(cat <<'EOF'
+---------+------+
| Name    | Size |
+---------+------+
| other/  | 1    |
| top.txt | 6    |
+---------+------+
EOF
)" ""

# ---- links and special files -----------------------------------------------------------

mkdir -p "$T/links/in/d/sub" "$T/links/out" "$T/links/abs" "$T/special"
printf 'data' >"$T/links/in/d/f"
ln -s f "$T/links/in/d/same"
ln -s ../f "$T/links/in/d/sub/back"
ln -s sub/../f "$T/links/in/d/dotdot"
ln -s ../../secret "$T/links/out/escape"
printf 'kept' >"$T/links/out/keep"
ln -s /etc/hostname "$T/links/abs/absolute"
printf 'kept' >"$T/links/abs/keep"
mkfifo "$T/special/pipe"
printf 'kept' >"$T/special/keep"
find "$T/links" "$T/special" -exec touch -h -d "@$MT" {} +
chmod 644 "$T/links/in/d/f" "$T/links/out/keep" "$T/links/abs/keep" "$T/special/keep"

w=$(new_version "$ds" --message links)
put_ok "links inside the source tree are kept" "$w" 4 17 --source-path "$T/links/in/d"
run vds datasets files list --id "$w" --path d --recursive --json
expect "links are listed as links (size, hash and mode of the link)" 0 "$(json_lines \
	"$(printf '{"name":"dotdot","path":"d/dotdot","type":"link","size":8,"sha256":"%s","mode":511,"mtime":%s}' "$(sha sub/../f)" "$MT")" \
	"$(fentry f d/f 4 "$(sha data)" 420)" \
	"$(printf '{"name":"same","path":"d/same","type":"link","size":1,"sha256":"%s","mode":511,"mtime":%s}' "$(sha f)" "$MT")" \
	"$(printf '{"name":"sub/back","path":"d/sub/back","type":"link","size":4,"sha256":"%s","mode":511,"mtime":%s}' "$(sha ../f)" "$MT")")" ""
put_ok "links inside are kept when the folder's contents go under --target-path" "$w" 4 17 \
	--source-path "$T/links/in/d/" --target-path flat

run vds datasets files put --id "$w" --source-path "$T/links/out/" --target-path out
expect "a link out of the source tree is skipped with a warning" 0 \
	"Put 1 file (4 bytes) into dataset version: $w" \
	"vds: warning: skipping link '$T/links/out/escape': it points outside the source tree"
run vds datasets files put --id "$w" --source-path "$T/links/abs" --target-path abs
expect "an absolute link is skipped with a warning" 0 \
	"Put 1 file (4 bytes) into dataset version: $w" \
	"vds: warning: skipping link '$T/links/abs/absolute': it points outside the source tree"
run vds datasets files put --id "$w" --source-path "$T/special/"
expect "a fifo is skipped with a warning" 0 \
	"Put 1 file (4 bytes) into dataset version: $w" \
	"vds: warning: skipping special file '$T/special/pipe'"
run vds datasets files put --id "$w" --source-path "$T/special/pipe"
expect "a fifo given alone is skipped with a warning" 0 \
	"Put 0 files (0 bytes) into dataset version: $w" \
	"vds: warning: skipping special file '$T/special/pipe'"
run vds datasets files list --id "$w" --recursive
expect "skipped links and special files are not in the version" 0 "$(cat <<'EOF'
+---------------+------+
| Name          | Size |
+---------------+------+
| abs/abs/keep  | 4    |
| d/dotdot      | 8    |
| d/f           | 4    |
| d/same        | 1    |
| d/sub/back    | 4    |
| flat/dotdot   | 8    |
| flat/f        | 4    |
| flat/same     | 1    |
| flat/sub/back | 4    |
| keep          | 4    |
| out/keep      | 4    |
+---------------+------+
EOF
)" ""

# the source tree decides what is outside, whatever --target-path adds above it
mkdir -p "$T/links/rel"
ln -s ../secret "$T/links/rel/l"
y=$(new_version "$ds" --message "links and target paths")
run vds datasets files put --id "$y" --source-path "$T/links/rel/"
expect "a link to ../secret is skipped at the root" 0 \
	"Put 0 files (0 bytes) into dataset version: $y" \
	"vds: warning: skipping link '$T/links/rel/l': it points outside the source tree"
run vds datasets files put --id "$y" --source-path "$T/links/rel/" --target-path deep
expect "a link to ../secret is skipped under --target-path too" 0 \
	"Put 0 files (0 bytes) into dataset version: $y" \
	"vds: warning: skipping link '$T/links/rel/l': it points outside the source tree"

# ---- unusual file names ------------------------------------------------------------------

N=$T/names
mkdir -p "$N"
printf 1 >"$N/with space.txt"
printf 22 >"$N/héllo wörld.txt"
printf 333 >"$N/$(printf 'nl\nname')"
printf 4444 >"$N/$(printf 'esc\033[31mred')"
printf 5 >"$N/back\\slash"
printf 66 >"$N/日本語.txt"
printf 7 >"$N/$(printf 'bad\377byte')"
chmod 644 "$N"/*
find "$N" -exec touch -h -d "@$MT" {} +

x=$(new_version "$ds" --message names)
put_ok "put files with unusual names" "$x" 7 14 --source-path "$N/"
run vds datasets files list --id "$x"
expect "names are escaped in the table and wide characters align" 0 "$(cat <<'EOF'
+-----------------+------+
| Name            | Size |
+-----------------+------+
| back\\slash     | 1    |
| bad\xffbyte     | 1    |
| esc\x1b[31mred  | 4    |
| héllo wörld.txt | 2    |
| nl\x0aname      | 3    |
| with space.txt  | 1    |
| 日本語.txt      | 2    |
+-----------------+------+
EOF
)" ""
vds datasets files delete --id "$x" --path "$(printf 'bad\377byte')" >/dev/null
run vds datasets files list --id "$x" --json
expect "names are escaped as JSON strings in --json" 0 "$(json_lines \
	"$(fentry 'back\\slash' 'back\\slash' 1 "$(sha 5)" 420)" \
	"$(fentry 'esc\u001b[31mred' 'esc\u001b[31mred' 4 "$(sha 4444)" 420)" \
	"$(fentry 'héllo wörld.txt' 'héllo wörld.txt' 2 "$(sha 22)" 420)" \
	"$(fentry 'nl\nname' 'nl\nname' 3 "$(sha 333)" 420)" \
	"$(fentry 'with space.txt' 'with space.txt' 1 "$(sha 1)" 420)" \
	"$(fentry '日本語.txt' '日本語.txt' 2 "$(sha 66)" 420)")" ""
run vds datasets files delete --id "$x" --path "$(printf 'nl\nname')" --path "with space.txt"
expect "delete files with a newline and a space in their names" 0 \
	"Deleted 2 paths from dataset version: $x" ""
run vds datasets files delete --id "$x" --path "$(printf 'nl\nname')"
expect "a control character in a missing path is escaped" 3 "" \
	"vds: no such file or folder 'nl\\x0aname' in $x"
run vds datasets files list --id "$x" --path "日本語.txt"
expect "list --path of a UTF-8 name" 0 "$(cat <<'EOF'
+------------+------+
| Name       | Size |
+------------+------+
| 日本語.txt | 2    |
+------------+------+
EOF
)" ""

done_testing
