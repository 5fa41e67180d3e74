# fixture.sh - a small, fully deterministic store for the browser tests (sourced, POSIX sh).
#
# make_fixture DIR writes DIR/config.json and the local store DIR/store by
# writing the files of the storage format directly (see vds-format(5)), so
# every id, time and hash is the same on every run. With VDS_HOME=DIR, vds
# uses both. DIR/content/VER/ keeps the files of each version as they were
# put, for comparing with what `vds datasets files get` writes.
#
#   images  dsfixture000001  v100001 "First images" (tag v1),
#                            v100002 "More images and samples" (tag v2),
#                            v100003 a draft based on v100002, adding one file
#           v100002 holds text (readme.txt, 40 lines), CSV, TSV, JSON, a PNG, an
#           empty file, latin-1 text, a name and a content with escape
#           sequences, a 200-byte name, a UTF-8 name and train/ (30 files and
#           labels/, labels/deeper/)
#   empty   dsfixture000002  no versions
#   zeta    dsfixture000003  z100001 "Only version"
#
# The times (all UTC) are pinned; FIXTURE_NOW is "now" for the Versions pane.

FIXTURE_SP=spfixture000001
FIXTURE_IMAGES=dsfixture000001
FIXTURE_EMPTY=dsfixture000002
FIXTURE_ZETA=dsfixture000003
FIXTURE_V1=v100001
FIXTURE_V2=v100002
FIXTURE_DRAFT=v100003
FIXTURE_ZV=z100001
FIXTURE_NOW=1768046400 # 2026-01-10T12:00:00Z

# the name of a file whose name carries terminal escape sequences
FIXTURE_ESCNAME=$(printf '\033]0;pwned\007\033[31mred.txt')
# a 200-byte file name
FIXTURE_LONGNAME=long-$(printf '%0191d' 0 | tr 0 n).txt

# _fx_time EPOCH: the ISO time of EPOCH seconds, as the store writes it
_fx_time() {
	case $1 in
	1767225600) echo 2026-01-01T00:00:00.000000Z ;;
	1767312000) echo 2026-01-02T00:00:00.000000Z ;;
	1767315600) echo 2026-01-02T01:00:00.000000Z ;;
	1767571200) echo 2026-01-05T00:00:00.000000Z ;;
	1767614400) echo 2026-01-05T12:00:00.000000Z ;;
	1767880800) echo 2026-01-08T14:00:00.000000Z ;;
	1768035600) echo 2026-01-10T09:00:00.000000Z ;;
	*) echo "fixture: no ISO time for $1" >&2; return 1 ;;
	esac
}

# _fx_stamp EPOCH: sets _fx_st to a new record stamp at EPOCH seconds
# (16 hex digits of microseconds, '-', 8 base36 characters)
_fx_stamp() {
	_fx_seq=$((_fx_seq + 1))
	_fx_st=$(printf '%016x-fixt%04d' $(($1 * 1000000 + _fx_seq)) "$_fx_seq")
}

# _fx_escape: escapes the path on stdin as manifests do (bytes < 0x20, 0x7f, '\' -> \xHH)
_fx_escape() {
	LC_ALL=C sed "$_fx_sed"
}

# _fx_sha256: the SHA-256 of stdin, in hex
_fx_sha256() {
	if command -v sha256sum >/dev/null 2>&1; then sha256sum; else shasum -a 256; fi | cut -c1-64
}

# _fx_store_object FILE: copies FILE into the content objects; prints its SHA-256
_fx_store_object() {
	_fx_sha=$(_fx_sha256 <"$1")
	_fx_obj=$_fx_root/objects/$(echo "$_fx_sha" | cut -c1-2)/$(echo "$_fx_sha" | cut -c3-)
	if [ ! -f "$_fx_obj" ]; then
		mkdir -p "${_fx_obj%/*}"
		cp "$1" "$_fx_obj"
		chmod 444 "$_fx_obj"
	fi
	echo "$_fx_sha"
}

# _fx_file VER PATH MTIME: content on stdin becomes file PATH of version VER
_fx_file() {
	_fx_src=$_fx_dir/content/$1/$2
	mkdir -p "${_fx_src%/*}"
	cat >"$_fx_src"
	_fx_h=$(_fx_store_object "$_fx_src")
	_fx_n=$(wc -c <"$_fx_src" | tr -d ' ')
	_fx_e=$(printf '%s\n' "$2" | _fx_escape)
	# raw path, a tab, then the entry line: sorted by raw path bytes later
	printf '%s\tF %s %s 644 %s %s\n' "$2" "$_fx_h" "$_fx_n" "$3" "$_fx_e" >>"$_fx_dir/tmp-fixture/$1.lines"
}

# _fx_json_file PATH TEXT: writes a metadata file
_fx_json_file() {
	mkdir -p "${1%/*}"
	printf '%s\n' "$2" >"$1"
}

# _fx_dataset DS NAME DESCRIPTION CREATED
_fx_dataset() {
	_fx_json_file "$_fx_root/datasets/$1/dataset.json" \
		"{\"id\":\"$1\",\"name\":\"$2\",\"description\":\"$3\",\"created\":\"$(_fx_time "$4")\"}"
}

# _fx_commit DS VER MESSAGE CREATED COMMITTED: commits the files given to VER with _fx_file
_fx_commit() {
	_fx_v=$_fx_root/datasets/$1/versions/$2
	LC_ALL=C sort -t "$_fx_tab" -k1,1 "$_fx_dir/tmp-fixture/$2.lines" | cut -f2- >"$_fx_dir/tmp-fixture/$2.entries"
	{ echo "vds-manifest 1"; cat "$_fx_dir/tmp-fixture/$2.entries"; } >"$_fx_dir/tmp-fixture/$2.manifest"
	_fx_m=$(_fx_store_object "$_fx_dir/tmp-fixture/$2.manifest")
	eval "_fx_manifest_$2=\$_fx_m"
	_fx_files=$(wc -l <"$_fx_dir/tmp-fixture/$2.entries" | tr -d ' ')
	_fx_size=$(awk '{ s += $3 } END { print s + 0 }' "$_fx_dir/tmp-fixture/$2.entries")
	_fx_json_file "$_fx_v/version.json" \
		"{\"id\":\"$2\",\"message\":\"$3\",\"created\":\"$(_fx_time "$4")\"}"
	_fx_stamp "$4"
	_fx_c=$_fx_st
	mkdir -p "$_fx_v/changes"
	{ echo "vds-changes 1"; cat "$_fx_dir/tmp-fixture/$2.entries"; } >"$_fx_v/changes/$_fx_c"
	_fx_stamp "$5"
	_fx_json_file "$_fx_v/seal/$_fx_st" "{}"
	_fx_stamp "$5"
	_fx_json_file "$_fx_v/commit/$_fx_st.json" \
		"{\"committed\":\"$(_fx_time "$5")\",\"message\":\"$3\",\"manifest\":\"$_fx_m\",\"files\":$_fx_files,\"size\":$_fx_size,\"changes\":[\"$_fx_c\"]}"
}

# _fx_tag DS NAME VER WHEN
_fx_tag() {
	_fx_stamp "$4"
	_fx_json_file "$_fx_root/datasets/$1/tags/$2/$_fx_st.json" \
		"{\"name\":\"$2\",\"version\":\"$3\"}"
}

# _fx_png: a 2x2 RGB PNG image (75 bytes)
_fx_png() {
	printf '\211PNG\r\n\032\n\000\000\000\015IHDR\000\000\000\002\000\000\000\002\010\002\000\000\000'
	printf '\375\324\232\163\000\000\000\022IDAT\170\332\143\370\317\300\300\000\302\014\377\201'
	printf '\000\000\037\356\005\373\361\253\272\167\000\000\000\000IEND\256\102\140\202'
}

make_fixture() {
	_fx_dir=$1
	_fx_root=$1/store
	_fx_seq=0
	_fx_tab=$(printf '\t')
	# sed script escaping '\' first, then every control byte but newline
	_fx_sed='s/\\/\\x5c/g'
	for _fx_b in 1 2 3 4 5 6 7 8 9 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 127; do
		_fx_sed="$_fx_sed;s/$(printf "\\$(printf '%03o' "$_fx_b")")/\\\\x$(printf '%02x' "$_fx_b")/g"
	done
	rm -rf "$_fx_root" "$_fx_dir/content" "$_fx_dir/tmp-fixture"
	mkdir -p "$_fx_root/tmp" "$_fx_root/objects" "$_fx_root/datasets" "$_fx_dir/tmp-fixture"
	printf '{"format":"vds","version":1}\n' >"$_fx_root/VDS-FORMAT"
	cat >"$_fx_dir/config.json" <<EOF
{
	"storageProviders":	[{
			"id":	"$FIXTURE_SP",
			"name":	"local",
			"type":	"local",
			"path":	"$_fx_root"
		}],
	"defaultStorageProviderId":	"$FIXTURE_SP"
}
EOF

	# ---- images: v1 --------------------------------------------------------
	_fx_dataset "$FIXTURE_IMAGES" images "Pictures and their labels" 1767225600
	printf 'Images, first cut.\n' | _fx_file "$FIXTURE_V1" readme.txt 1767300000
	printf 'id,label,score\n1,cat,0.9\n2,dog,0.8\n' | _fx_file "$FIXTURE_V1" labels.csv 1767300100
	_fx_png | _fx_file "$FIXTURE_V1" pixel.png 1767300200
	_fx_commit "$FIXTURE_IMAGES" "$FIXTURE_V1" "First images" 1767312000 1767315600

	# ---- images: v2 --------------------------------------------------------
	_fx_i=1
	while [ "$_fx_i" -le 40 ]; do
		printf 'Line %02d of the images readme: what each folder holds.\n' "$_fx_i"
		_fx_i=$((_fx_i + 1))
	done | _fx_file "$FIXTURE_V2" readme.txt 1767500000
	printf 'id,label,score\n1,cat,0.9\n2,dog,0.8\n3,"bird, small",0.75\n4,"say ""hi""",0.5\n' |
		_fx_file "$FIXTURE_V2" labels.csv 1767300100
	printf 'file\twidth\theight\npixel.png\t2\t2\ntrain/img-01.png\t640\t480\n' |
		_fx_file "$FIXTURE_V2" sizes.tsv 1767400000
	printf '{"name":"images","count":30,"classes":["cat","dog"],"split":{"train":0.8,"test":0.2}}\n' |
		_fx_file "$FIXTURE_V2" meta.json 1767450000
	_fx_png | _fx_file "$FIXTURE_V2" pixel.png 1767300200
	: | _fx_file "$FIXTURE_V2" empty.txt 1767350000
	printf 'caf\351 cr\350me br\373l\351e\nna\357ve fa\347ade\n' | _fx_file "$FIXTURE_V2" latin1.txt 1767360000
	printf 'this name is an attack\n' | _fx_file "$FIXTURE_V2" "$FIXTURE_ESCNAME" 1767370000
	printf 'plain \033[31mred\033[0m and \033]0;title\007 done\n' | _fx_file "$FIXTURE_V2" escapes.txt 1767380000
	printf 'a long name\n' | _fx_file "$FIXTURE_V2" "$FIXTURE_LONGNAME" 1767390000
	printf 'accents and kanji\n' | _fx_file "$FIXTURE_V2" 'café-日本.txt' 1767395000
	_fx_i=1
	while [ "$_fx_i" -le 30 ]; do
		_fx_p=$(printf 'train/img-%02d.txt' "$_fx_i")
		# sizes and times differ so that sorting by size or date reorders them
		awk -v i="$_fx_i" 'BEGIN { printf "sample %02d\n", i; for (k = 0; k < (i * 7) % 31; k++) print "x" }' |
			_fx_file "$FIXTURE_V2" "$_fx_p" $((1767400000 + (_fx_i * 13) % 30 * 60))
		_fx_i=$((_fx_i + 1))
	done
	printf 'cat\n' | _fx_file "$FIXTURE_V2" train/labels/img-01.txt 1767410000
	printf 'dog\n' | _fx_file "$FIXTURE_V2" train/labels/deeper/img-02.txt 1767410100
	_fx_commit "$FIXTURE_IMAGES" "$FIXTURE_V2" "More images and samples" 1767571200 1767614400
	_fx_tag "$FIXTURE_IMAGES" v1 "$FIXTURE_V1" 1767315600
	_fx_tag "$FIXTURE_IMAGES" v2 "$FIXTURE_V2" 1767614400

	# ---- images: a draft based on v2 that adds one file ----------------------
	_fx_v=$_fx_root/datasets/$FIXTURE_IMAGES/versions/$FIXTURE_DRAFT
	eval "_fx_base=\$_fx_manifest_$FIXTURE_V2"
	_fx_json_file "$_fx_v/version.json" \
		"{\"id\":\"$FIXTURE_DRAFT\",\"message\":\"Work in progress\",\"created\":\"$(_fx_time 1768035600)\",\"base\":\"$_fx_base\"}"
	mkdir -p "$_fx_v/changes"
	cp -R "$_fx_dir/content/$FIXTURE_V2" "$_fx_dir/content/$FIXTURE_DRAFT"
	printf 'to do: more birds\n' >"$_fx_dir/content/$FIXTURE_DRAFT/draft-note.txt"
	_fx_h=$(_fx_store_object "$_fx_dir/content/$FIXTURE_DRAFT/draft-note.txt")
	_fx_n=$(wc -c <"$_fx_dir/content/$FIXTURE_DRAFT/draft-note.txt" | tr -d ' ')
	_fx_stamp 1768035600
	printf 'vds-changes 1\nF %s %s 644 1768035000 draft-note.txt\n' "$_fx_h" "$_fx_n" \
		>"$_fx_v/changes/$_fx_st"

	# ---- empty: no versions ----------------------------------------------------
	_fx_dataset "$FIXTURE_EMPTY" empty "Nothing yet" 1767225600

	# ---- zeta: one version -------------------------------------------------------
	_fx_dataset "$FIXTURE_ZETA" zeta "The last one" 1767225600
	printf 'hello from zeta\n' | _fx_file "$FIXTURE_ZV" hello.txt 1767800000
	_fx_commit "$FIXTURE_ZETA" "$FIXTURE_ZV" "Only version" 1767880800 1767880800

	rm -rf "$_fx_dir/tmp-fixture"
}
