/* test_manifest.c - manifest lines, parsing, tree queries and draft materialisation. */
#include "config.h"

#include "tap.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "manifest.h"
#include "util.h"
#include "vds.h"

/* Appends an F or L line; every byte of the hash is SHAB. */
static void add(strbuf *sb, char type, int shab, uint64_t size, int64_t mtime, const char *path)
{
	vds_entry e;

	memset(&e, 0, sizeof(e));
	e.path = path;
	e.type = type;
	e.size = size;
	e.mode = type == 'L' ? 0777 : 0644;
	e.mtime = mtime;
	memset(e.sha256, shab, sizeof(e.sha256));
	manifest_add_entry(sb, &e);
}

static char *hexof(int shab)
{
	unsigned char sha[32];
	char hex[65];

	memset(sha, shab, sizeof(sha));
	vds_sha256_hex(sha, hex);
	return xstrdup(hex);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- escaping and line output -------------------------------------- */

static void escape_is(const char *path, const char *want, const char *label)
{
	strbuf sb = STRBUF_INIT;

	sb_adds(&sb, "<");
	path_escape(&sb, path);
	sb_adds(&sb, ">");
	is_str(sb.buf, want, "path_escape %s", label);
	sb_release(&sb);
}

static void test_escape(void)
{
	strbuf sb = STRBUF_INIT;
	char *h = hexof(0x11), *want;

	escape_is("plain/path.txt", "<plain/path.txt>", "keeps plain text");
	escape_is("with space", "<with space>", "keeps spaces");
	escape_is("a\tb", "<a\\x09b>", "escapes a tab");
	escape_is("a\nb\r", "<a\\x0ab\\x0d>", "escapes newline and CR");
	escape_is("\x01\x1f", "<\\x01\\x1f>", "escapes 0x01 and 0x1f");
	escape_is("x\x7fy", "<x\\x7fy>", "escapes 0x7f");
	escape_is("a\\b", "<a\\x5cb>", "escapes backslash");
	escape_is("\\x41", "<\\x5cx41>", "escapes a backslash that looks like an escape");
	escape_is("caf\xc3\xa9/\xe2\x82\xac/\xf0\x9f\x98\x80", "<caf\xc3\xa9/\xe2\x82\xac/\xf0\x9f\x98\x80>",
		  "keeps UTF-8");
	escape_is("\x80\xfe\xff", "<\x80\xfe\xff>", "keeps bytes >= 0x80");
	escape_is(" !~", "< !~>", "keeps 0x20 and 0x7e");
	escape_is("", "<>", "of ''");

	add(&sb, 'F', 0x11, 123, 1700000000, "dir/a\tb.txt");
	want = xasprintf("F %s 123 644 1700000000 dir/a\\x09b.txt\n", h);
	is_str(sb.buf, want, "manifest_add_entry of a file");
	free(want);
	sb_reset(&sb);
	add(&sb, 'L', 0x11, 5, -7, "l\\nk");
	want = xasprintf("L %s 5 777 -7 l\\x5cnk\n", h);
	is_str(sb.buf, want, "manifest_add_entry of a link with a negative mtime");
	free(want);
	sb_reset(&sb);
	{
		vds_entry e;

		memset(&e, 0, sizeof(e));
		e.path = "big";
		e.type = 'F';
		e.size = 18446744073709551615ULL;
		e.mode = 0100755;
		e.mtime = 0;
		for (int i = 0; i < 32; i++)
			e.sha256[i] = (unsigned char)(i * 8);
		manifest_add_entry(&sb, &e);
		is_str(sb.buf,
		       "F 0008101820283038404850586068707880889098a0a8b0b8c0c8d0d8e0e8f0f8 "
		       "18446744073709551615 100755 0 big\n",
		       "manifest_add_entry: max size, full mode in octal");
	}
	sb_reset(&sb);
	manifest_add_delete(&sb, "old\x7f/x\\y");
	is_str(sb.buf, "D old\\x7f/x\\x5cy\n", "manifest_add_delete escapes");
	sb_release(&sb);
	free(h);
}

/* Copies TMPL with '@' replaced by HEX and '#' by its first 63 characters. */
static char *fill(const char *tmpl, const char *hex)
{
	strbuf sb = STRBUF_INIT;

	for (const char *p = tmpl; *p; p++) {
		if (*p == '@')
			sb_adds(&sb, hex);
		else if (*p == '#')
			sb_add(&sb, hex, 63);
		else
			sb_addc(&sb, *p);
	}
	return sb_detach(&sb, NULL);
}

/* ---- parsing --------------------------------------------------------- */

static void parse_bad(const char *text, size_t len, const char *label, const char *want_msg)
{
	char *copy = xmalloc(len + 1);
	vds_tree *t = NULL;
	int r;

	memcpy(copy, text, len);
	copy[len] = '\0';
	r = tree_from_text(copy, len, 0, "test", &t);
	is_int(r, VDS_ECORRUPT, "tree_from_text rejects %s", label);
	if (want_msg)
		is_str(vds_errmsg(), want_msg, "tree_from_text %s: message", label);
	if (r == 0)
		vds_tree_free(t);
	free(copy);
}

/* A manifest of a header and the lines in L1, L2 (either may be NULL). */
static char *mf(const char *l1, const char *l2)
{
	return xasprintf("%s%s%s", MANIFEST_HEADER, l1 ? l1 : "", l2 ? l2 : "");
}

static void bad2(const char *l1, const char *l2, const char *label, const char *want_msg)
{
	char *m = mf(l1, l2);

	parse_bad(m, strlen(m), label, want_msg);
	free(m);
}

static void test_parse(void)
{
	strbuf sb = STRBUF_INIT;
	char *h = hexof(0xab), *l, *l2, *m;
	vds_tree *t = NULL;
	vds_entry e;
	int r;

	/* a good one */
	sb_adds(&sb, MANIFEST_HEADER);
	add(&sb, 'F', 0x01, 10, 100, "a");
	add(&sb, 'L', 0x02, 1, 200, "b/c");
	add(&sb, 'F', 0x03, 0, -5, "b/d e");
	r = tree_from_text(sb.buf, sb.len, 0, "good", &t);
	is_int(r, 0, "tree_from_text accepts a good manifest");
	if (r == 0) {
		is_int(vds_tree_count(t), 3, "count of the good manifest");
		is_int(vds_tree_size(t), 11, "size of the good manifest");
		is_int(vds_tree_at(t, 2, &e), 0, "entry 2 readable");
		is_str(e.path, "b/d e", "entry 2 path (with a space)");
		is_int(e.mtime, -5, "entry 2 negative mtime");
		is_int(e.size, 0, "entry 2 size 0");
		vds_tree_free(t);
	}
	sb_release(&sb);

	r = tree_from_text((char *)MANIFEST_HEADER, strlen(MANIFEST_HEADER), 0, "empty", &t);
	is_int(r, 0, "a header alone is an empty manifest");
	if (r == 0) {
		is_int(vds_tree_count(t), 0, "empty manifest has no entries");
		is_int(vds_tree_size(t), 0, "empty manifest has size 0");
		vds_tree_free(t);
	}

	/* owned = 1: the tree frees the text (checked under a leak checker) */
	m = mf(NULL, NULL);
	r = tree_from_text(m, strlen(m), 1, "owned", &t);
	is_int(r, 0, "tree_from_text with owned text");
	if (r == 0)
		vds_tree_free(t);
	else
		free(m);

	/* header problems */
	parse_bad("", 0, "empty text", "corrupt file list of test: line 1: bad header");
	parse_bad("vds-manifest 2\n", 15, "version 2 header",
		  "corrupt file list of test: line 1: bad header");
	parse_bad("vds-manifest 1", 14, "header without newline",
		  "corrupt file list of test: line 1: bad header");
	parse_bad("vds-changes 1\n", 14, "a change record header",
		  "corrupt file list of test: line 1: bad header");
	parse_bad("VDS-MANIFEST 1\n", 15, "upper case header",
		  "corrupt file list of test: line 1: bad header");

	l = xasprintf("F %s 1 644 0 a\n", h);
	l2 = xasprintf("F %s 1 644 0 b\n", h);
	/* missing final newline */
	m = mf(l, l2);
	parse_bad(m, strlen(m) - 1, "a missing final newline",
		  "corrupt file list of test: line 3: truncated");
	parse_bad(m, strlen(MANIFEST_HEADER) + strlen(l) - 1, "one entry without newline",
		  "corrupt file list of test: line 2: truncated");
	free(m);
	/* order */
	bad2(l2, l, "out-of-order lines", "corrupt file list of test: line 3: entries out of order");
	bad2(l, l, "a duplicate path", "corrupt file list of test: line 3: entries out of order");
	free(l);
	free(l2);
	{
		char *la = xasprintf("F %s 1 644 0 a/b\n", h), *lb = xasprintf("F %s 1 644 0 a.b\n", h);
		bad2(la, lb, "'a/b' before 'a.b'", "corrupt file list of test: line 3: entries out of order");
		free(la);
		free(lb);
		/* sorted by unescaped bytes: tab (0x09) before space (0x20), though '\' > ' ' */
		la = xasprintf("F %s 1 644 0 z\\x09\n", h);
		lb = xasprintf("F %s 1 644 0 z \n", h);
		m = mf(la, lb);
		r = tree_from_text(m, strlen(m), 0, "test", &t);
		is_int(r, 0, "order is by unescaped bytes (z\\t before 'z ')");
		if (r == 0)
			vds_tree_free(t);
		free(m);
		bad2(lb, la, "escaped order instead of unescaped",
		     "corrupt file list of test: line 3: entries out of order");
		free(la);
		free(lb);
	}

	/* bad fields */
	{
		static const char *bad_lines[][2] = {
			{"F # 1 644 0 a\n", "a 63-digit sha"},
			{"F @A 1 644 0 a\n", "a 65-character sha"},
			{"X @ 1 644 0 a\n", "type 'X'"},
			{"D @ 1 644 0 a\n", "type 'D' in a manifest"},
			{"F  @ 1 644 0 a\n", "two spaces after the type"},
			{"F @ -1 644 0 a\n", "a negative size"},
			{"F @ x 644 0 a\n", "a non-numeric size"},
			{"F @ 1 844 0 a\n", "a non-octal mode"},
			{"F @ 1 644 x a\n", "a non-numeric mtime"},
			{"F @ 1 644 0 \n", "an empty path"},
			{"F @ 1 644 0\n", "a missing path"},
			{"F @ 1 644\n", "missing fields"},
			{"F @ 99999999999999999999999 644 0 a\n", "a size beyond 64 bits"},
			{"F @ 1 644 0 ../x\n", "path '../x'"},
			{"F @ 1 644 0 /abs\n", "path '/abs'"},
			{"F @ 1 644 0 a//b\n", "path 'a//b'"},
			{"F @ 1 644 0 a/./b\n", "path 'a/./b'"},
			{"F @ 1 644 0 a/..\n", "path 'a/..'"},
			{"F @ 1 644 0 .\n", "path '.'"},
			{"F @ 1 644 0 a/\n", "path 'a/'"},
			{"F @ 1 644 0 a\\x00b\n", "an escaped NUL"},
			{"F @ 1 644 0 a\\x2\n", "a short escape"},
			{"F @ 1 644 0 a\\xzzb\n", "a non-hex escape"},
			{"F @ 1 644 0 a\\nb\n", "a backslash escape other than \\x"},
			{"F @ 1 644 0 a\tb\n", "a raw tab in the path"},
			{"F @ 1 644 0 \\x2e\\x2e/x\n", "'..' hidden behind escapes"},
			{"F @ 1 644 0 a\\x2fb\\x2f\n", "an escaped trailing '/'"},
		};
		char *upper = xstrdup(h);

		for (size_t i = 0; i < ARRAY_SIZE(bad_lines); i++) {
			char *bl = fill(bad_lines[i][0], h);
			char *label = xasprintf("an entry with %s", bad_lines[i][1]);

			bad2(bl, NULL, label,
			     "corrupt file list of test: line 2: malformed or unsafe entry");
			free(bl);
			free(label);
		}
		for (char *p = upper; *p; p++)
			if (*p >= 'a' && *p <= 'f')
				*p = (char)(*p - 'a' + 'A');
		l = xasprintf("F %s 1 644 0 a\n", upper);
		bad2(l, NULL, "an upper case sha",
		     "corrupt file list of test: line 2: malformed or unsafe entry");
		free(l);
		l = xasprintf("F %.60sxyzw 1 644 0 a\n", h);
		bad2(l, NULL, "a non-hex sha", "corrupt file list of test: line 2: malformed or unsafe entry");
		free(l);
		free(upper);
	}
	/* a long path is fine up to 4095 bytes */
	{
		strbuf p = STRBUF_INIT;

		for (int i = 0; i < 16; i++) {
			if (i)
				sb_addc(&p, '/');
			for (int k = 0; k < 255; k++)
				sb_addc(&p, 'n');
		}
		sb_reset(&sb);
		sb_adds(&sb, MANIFEST_HEADER);
		add(&sb, 'F', 1, 1, 0, p.buf);
		r = tree_from_text(sb.buf, sb.len, 0, "test", &t);
		is_int(r, 0, "an entry with a 4095-byte path is accepted");
		if (r == 0)
			vds_tree_free(t);
		sb_addc(&p, 'n');
		sb_reset(&sb);
		sb_adds(&sb, MANIFEST_HEADER);
		add(&sb, 'F', 1, 1, 0, p.buf);
		parse_bad(sb.buf, sb.len, "an entry with a 4096-byte path",
			  "corrupt file list of test: line 2: malformed or unsafe entry");
		sb_release(&p);
		sb_release(&sb);
	}
	free(h);
}

/* ---- queries ---------------------------------------------------------- */

static const struct {
	const char *path;
	uint64_t size;
	int64_t mtime;
} T[] = {
	{"README", 100, 1000},
	{"a/b.txt", 10, 1001},
	{"a/b/c", 20, 1007},
	{"a/b/d/e", 30, 1003},
	{"a/b0", 40, 1004},
	{"d-1/x", 1, 1005},
	{"d.txt", 2, 1006},
	{"d/y", 3, 1009},
	{"d/z/w", 4, 1008},
	{"zz\tq", 5, 1010},
	{"zz q", 6, 1011},
	{"zz\\q", 7, 1012},
	{"\xc3\xa9t\xc3\xa9", 8, 1013},
};

typedef struct want_child {
	const char *name;
	char type;
	uint64_t size, nfiles;
	int64_t mtime;
} want_child;

static void list_is(vds_tree *t, const char *path, const want_child *w, size_t n)
{
	vds_listing l;
	int r = vds_tree_list(t, path, &l);

	is_int(r, 0, "list '%s' succeeds", path);
	if (r < 0)
		return;
	is_int(l.n, n, "list '%s': number of children", path);
	for (size_t i = 0; i < n && i < l.n; i++) {
		is_str(l.v[i].path, w[i].name, "list '%s' [%zu]: name", path, i);
		is_int(l.v[i].type, w[i].type, "list '%s' [%zu]: type", path, i);
		is_int(l.v[i].size, w[i].size, "list '%s' [%zu]: size", path, i);
		is_int(l.v[i].nfiles, w[i].nfiles, "list '%s' [%zu]: nfiles", path, i);
		is_int(l.v[i].mtime, w[i].mtime, "list '%s' [%zu]: mtime", path, i);
		if (w[i].type == VDS_DIR)
			is_int(l.v[i].mode, 040755, "list '%s' [%zu]: folder mode", path, i);
	}
	vds_listing_release(&l);
}

static void range_is(vds_tree *t, const char *path, uint64_t wf, uint64_t we)
{
	uint64_t f = 99, e = 99;

	vds_tree_range(t, path, &f, &e);
	ok(f == wf && e == we, "range '%s' is [%llu, %llu) (got [%llu, %llu))", path,
	   (unsigned long long)wf, (unsigned long long)we, (unsigned long long)f,
	   (unsigned long long)e);
}

static void test_queries(void)
{
	strbuf sb = STRBUF_INIT;
	vds_tree *t = NULL;
	vds_entry e;
	size_t n = ARRAY_SIZE(T);
	uint64_t total = 0;
	int r;

	sb_adds(&sb, MANIFEST_HEADER);
	for (size_t i = 0; i < n; i++) {
		add(&sb, i == 4 ? 'L' : 'F', (int)i + 1, T[i].size, T[i].mtime, T[i].path);
		total += T[i].size;
	}
	r = tree_from_text(sb.buf, sb.len, 0, "queries", &t);
	is_int(r, 0, "query tree parses");
	if (r < 0) {
		printf("#   message: %s\n", vds_errmsg());
		sb_release(&sb);
		return;
	}
	is_int(vds_tree_count(t), n, "vds_tree_count");
	is_int(vds_tree_size(t), total, "vds_tree_size");
	is_int(total, 236, "total of the sizes");

	/* vds_tree_at */
	for (size_t i = 0; i < n; i++) {
		unsigned char sha[32];

		memset(sha, (int)i + 1, sizeof(sha));
		memset(&e, 0, sizeof(e));
		r = vds_tree_at(t, i, &e);
		is_int(r, 0, "vds_tree_at(%zu)", i);
		is_str(e.path, T[i].path, "vds_tree_at(%zu): path", i);
		ok(e.size == T[i].size && e.mtime == T[i].mtime && e.mode == (i == 4 ? 0777u : 0644u) &&
			   e.type == (i == 4 ? 'L' : 'F') && e.nfiles == 1 && !memcmp(e.sha256, sha, 32),
		   "vds_tree_at(%zu): size, mtime, mode, type, nfiles, sha", i);
	}
	is_int(vds_tree_at(t, n, &e), VDS_ENOTFOUND, "vds_tree_at past the end");
	is_int(vds_tree_at(t, UINT64_MAX, &e), VDS_ENOTFOUND, "vds_tree_at(UINT64_MAX)");

	/* vds_tree_lookup */
	for (size_t i = 0; i < n; i++) {
		memset(&e, 0, sizeof(e));
		r = vds_tree_lookup(t, T[i].path, &e);
		is_int(r, 0, "lookup entry %zu", i);
		is_str(e.path, T[i].path, "lookup entry %zu: path", i);
		is_int(e.size, T[i].size, "lookup entry %zu: size", i);
	}
	{
		static const char *absent[] = {"", "a",   "a/b",   "a/b/d", "d", "d-1", "zz", "zz\t",
					       "A", "a/b.tx", "a/b.txt/x", "README/x", "zz\\", "\xc3\xa9", "zzz"};

		for (size_t i = 0; i < ARRAY_SIZE(absent); i++)
			is_int(vds_tree_lookup(t, absent[i], &e), VDS_ENOTFOUND, "lookup absent path %zu",
			       i);
		vds_tree_lookup(t, "a/b", &e);
		is_str(vds_errmsg(), "no such file 'a/b'", "lookup of a folder: message");
	}

	/* vds_tree_range */
	range_is(t, "", 0, n);
	range_is(t, "a", 1, 5);
	range_is(t, "a/b", 2, 4);
	range_is(t, "a/b/d", 3, 4);
	range_is(t, "d", 7, 9);
	range_is(t, "d-1", 5, 6);
	range_is(t, "d/z", 8, 9);
	range_is(t, "d.txt", 7, 7);
	range_is(t, "a/b0", 5, 5);
	range_is(t, "README", 1, 1);
	range_is(t, "zz", 11, 11);
	range_is(t, "nope", 9, 9);

	/* vds_tree_list */
	{
		const want_child root[] = {
			{"README", 'F', 100, 1, 1000},
			{"a", 'D', 100, 4, 1007},
			{"d", 'D', 7, 2, 1009},
			{"d-1", 'D', 1, 1, 1005},
			{"d.txt", 'F', 2, 1, 1006},
			{"zz\tq", 'F', 5, 1, 1010},
			{"zz q", 'F', 6, 1, 1011},
			{"zz\\q", 'F', 7, 1, 1012},
			{"\xc3\xa9t\xc3\xa9", 'F', 8, 1, 1013},
		};
		const want_child a[] = {
			{"b", 'D', 50, 2, 1007},
			{"b.txt", 'F', 10, 1, 1001},
			{"b0", 'L', 40, 1, 1004},
		};
		const want_child ab[] = {
			{"c", 'F', 20, 1, 1007},
			{"d", 'D', 30, 1, 1003},
		};
		const want_child abd[] = {{"e", 'F', 30, 1, 1003}};
		const want_child d[] = {
			{"y", 'F', 3, 1, 1009},
			{"z", 'D', 4, 1, 1008},
		};
		vds_listing l;

		list_is(t, "", root, ARRAY_SIZE(root));
		list_is(t, "a", a, ARRAY_SIZE(a));
		list_is(t, "a/b", ab, ARRAY_SIZE(ab));
		list_is(t, "a/b/d", abd, ARRAY_SIZE(abd));
		list_is(t, "d", d, ARRAY_SIZE(d));
		if (vds_tree_list(t, "a", &l) == 0) {
			static const unsigned char zero[32];

			ok(!memcmp(l.v[0].sha256, zero, 32), "a folder in a listing has a zero sha");
			vds_listing_release(&l);
		}
		is_int(vds_tree_list(t, "d.txt", &l), VDS_EINVAL, "list of a file fails");
		is_str(vds_errmsg(), "'d.txt' is a file, not a folder", "list of a file: message");
		ok(l.v == NULL && l.n == 0, "list of a file: listing is empty");
		is_int(vds_tree_list(t, "a/b0", &l), VDS_EINVAL, "list of a link fails");
		is_int(vds_tree_list(t, "nope", &l), VDS_ENOTFOUND, "list of an absent folder fails");
		is_str(vds_errmsg(), "no such folder 'nope'", "list of an absent folder: message");
		is_int(vds_tree_list(t, "zz", &l), VDS_ENOTFOUND, "list of 'zz' (only 'zz?' files) fails");
		is_int(vds_tree_list(t, "a/b/c/d", &l), VDS_ENOTFOUND, "list below a file fails");
	}
	vds_tree_free(t);

	/* an empty tree lists an empty root */
	r = tree_from_text((char *)MANIFEST_HEADER, strlen(MANIFEST_HEADER), 0, "empty", &t);
	if (r == 0) {
		vds_listing l;

		is_int(vds_tree_list(t, "", &l), 0, "empty tree: list '' succeeds");
		is_int(l.n, 0, "empty tree: root has no children");
		vds_listing_release(&l);
		is_int(vds_tree_list(t, "x", &l), VDS_ENOTFOUND, "empty tree: list 'x' fails");
		is_int(vds_tree_lookup(t, "x", &e), VDS_ENOTFOUND, "empty tree: lookup 'x' fails");
		vds_tree_free(t);
	}
	sb_release(&sb);
}

/* ---- materialisation ------------------------------------------------- */

/* Materialises BASE (or NULL) and NC change texts; returns the text or NULL. */
static char *mat(const char *base, const char *const *ch, size_t nc, int *rp)
{
	char **c = xcalloc(nc + 1, sizeof(*c)), *out = NULL;
	size_t *lens = xcalloc(nc + 1, sizeof(*lens)), out_len = 0;
	int r;

	for (size_t i = 0; i < nc; i++) {
		c[i] = xstrdup(ch[i]);
		lens[i] = strlen(ch[i]);
	}
	r = manifest_materialize(base, base ? strlen(base) : 0, c, lens, nc, "test", &out, &out_len);
	for (size_t i = 0; i < nc; i++)
		free(c[i]);
	free(c);
	free(lens);
	if (rp)
		*rp = r;
	if (r < 0)
		return NULL;
	if (out && strlen(out) != out_len) {
		printf("# out_len %zu does not match the text\n", out_len);
		free(out);
		return xstrdup("(bad length)");
	}
	return out;
}

/* Checks the result of materialising BASE and changes against WANT. */
static void mat_is(const char *base, const char *const *ch, size_t nc, const char *want,
		   const char *label)
{
	int r;
	char *got = mat(base, ch, nc, &r);

	is_int(r, 0, "materialize %s succeeds", label);
	if (r < 0)
		printf("#   message: %s\n", vds_errmsg());
	is_str(got, want, "materialize %s: result", label);
	if (got) {
		vds_tree *t;
		int pr = tree_from_text(got, strlen(got), 0, "result", &t);

		is_int(pr, 0, "materialize %s: result parses as a manifest", label);
		if (pr == 0)
			vds_tree_free(t);
	}
	free(got);
}

static void mat_bad(const char *base, const char *const *ch, size_t nc, const char *want_msg,
		    const char *label)
{
	int r;
	char *got = mat(base, ch, nc, &r);

	is_int(r, VDS_ECORRUPT, "materialize rejects %s", label);
	if (want_msg)
		is_str(vds_errmsg(), want_msg, "materialize %s: message", label);
	free(got);
}

/* Builds a text from a header and entries given as (type, shab, path) triples. */
typedef struct ln {
	char type; /* 'F', 'L' or 'D' */
	int shab;
	const char *path;
} ln;

static char *text(const char *header, const ln *v, size_t n)
{
	strbuf sb = STRBUF_INIT;

	sb_adds(&sb, header);
	for (size_t i = 0; i < n; i++) {
		if (v[i].type == 'D')
			manifest_add_delete(&sb, v[i].path);
		else
			add(&sb, v[i].type, v[i].shab, (uint64_t)v[i].shab, 1000 + v[i].shab, v[i].path);
	}
	return sb_detach(&sb, NULL);
}

#define MF(...) text(MANIFEST_HEADER, (const ln[]){__VA_ARGS__}, \
		     sizeof((const ln[]){__VA_ARGS__}) / sizeof(ln))
#define CH(...) text(CHANGES_HEADER, (const ln[]){__VA_ARGS__}, \
		     sizeof((const ln[]){__VA_ARGS__}) / sizeof(ln))

static void check_mat(char *base, char **ch, size_t nc, char *want, const char *label)
{
	mat_is(base, (const char *const *)ch, nc, want, label);
	free(base);
	for (size_t i = 0; i < nc; i++)
		free(ch[i]);
	free(want);
}

static void test_materialize(void)
{
	char *empty = xstrdup(MANIFEST_HEADER);

	/* base alone, nothing alone */
	check_mat(MF({'F', 1, "a"}, {'F', 2, "b/c"}), NULL, 0, MF({'F', 1, "a"}, {'F', 2, "b/c"}),
		  "of a base without changes");
	mat_is(NULL, NULL, 0, empty, "of nothing");
	{
		char *ch[] = {CH({'D', 0, "x"})};
		check_mat(NULL, ch, 1, xstrdup(MANIFEST_HEADER), "of a delete of a missing path");
	}
	/* adds come out sorted by unescaped path */
	{
		char *ch[] = {CH({'F', 3, "z"}, {'F', 1, "a/b"}, {'F', 2, "a.b"}, {'F', 4, "a b"},
				 {'F', 5, "a\tb"}, {'L', 6, "a-b"})};
		check_mat(NULL, ch, 1,
			  MF({'F', 5, "a\tb"}, {'F', 4, "a b"}, {'L', 6, "a-b"}, {'F', 2, "a.b"},
			     {'F', 1, "a/b"}, {'F', 3, "z"}),
			  "of unsorted adds without a base");
	}
	/* replace: newer wins */
	{
		char *ch[] = {CH({'F', 2, "a"})};
		check_mat(MF({'F', 1, "a"}, {'F', 1, "b"}), ch, 1, MF({'F', 2, "a"}, {'F', 1, "b"}),
			  "replace of a base file");
	}
	{
		char *ch[] = {CH({'F', 2, "a"}), CH({'F', 3, "a"}), CH({'F', 4, "b"})};
		check_mat(MF({'F', 1, "a"}), ch, 3, MF({'F', 3, "a"}, {'F', 4, "b"}),
			  "replace in two records: the later record wins");
	}
	{
		char *ch[] = {CH({'F', 2, "a"}, {'F', 3, "a"}, {'F', 4, "a"}, {'F', 5, "a"})};
		check_mat(NULL, ch, 1, MF({'F', 5, "a"}), "replace within one record: the later line wins");
	}
	{
		char *ch[] = {CH({'F', 9, "a"}, {'F', 2, "a"})};
		check_mat(NULL, ch, 1, MF({'F', 2, "a"}), "newer wins regardless of hash order");
	}
	{
		char *ch[] = {CH({'L', 2, "a"})};
		check_mat(MF({'F', 1, "a"}), ch, 1, MF({'L', 2, "a"}), "a link replaces a file");
	}
	/* D of a file */
	{
		char *ch[] = {CH({'D', 0, "b"})};
		check_mat(MF({'F', 1, "a"}, {'F', 1, "b"}, {'F', 1, "b.txt"}, {'F', 1, "b0"}), ch, 1,
			  MF({'F', 1, "a"}, {'F', 1, "b.txt"}, {'F', 1, "b0"}), "D of a file");
	}
	{
		char *ch[] = {CH({'F', 2, "a\\b"}), CH({'D', 0, "a\\b"})};
		check_mat(NULL, ch, 2, xstrdup(MANIFEST_HEADER), "D of an escaped path");
	}
	/* D of a folder removes everything below and nothing else */
	{
		char *ch[] = {CH({'D', 0, "x"})};
		check_mat(MF({'F', 1, "w"}, {'F', 1, "x-1/a"}, {'F', 1, "x.txt"}, {'F', 1, "x/1"},
			     {'F', 1, "x/y/2"}, {'F', 1, "x/y/z/3"}, {'F', 1, "x0"}, {'F', 1, "xx/3"}),
			  ch, 1,
			  MF({'F', 1, "w"}, {'F', 1, "x-1/a"}, {'F', 1, "x.txt"}, {'F', 1, "x0"},
			     {'F', 1, "xx/3"}),
			  "D of a folder");
	}
	{
		char *ch[] = {CH({'D', 0, "x/y"})};
		check_mat(MF({'F', 1, "x/1"}, {'F', 1, "x/y/2"}, {'F', 1, "x/y/z/3"}, {'F', 1, "x/yy"}),
			  ch, 1, MF({'F', 1, "x/1"}, {'F', 1, "x/yy"}), "D of a nested folder");
	}
	{
		char *ch[] = {CH({'D', 0, "x/"})};
		mat_bad(NULL, (const char *const *)ch, 1,
			"corrupt file list of test: line 2: malformed delete", "D with a trailing '/'");
		free(ch[0]);
	}
	/* re-add after delete */
	{
		char *ch[] = {CH({'D', 0, "a"}), CH({'F', 3, "a"})};
		check_mat(MF({'F', 1, "a"}), ch, 2, MF({'F', 3, "a"}), "re-add after delete");
	}
	{
		char *ch[] = {CH({'D', 0, "a"}, {'F', 3, "a"})};
		check_mat(MF({'F', 1, "a"}), ch, 1, MF({'F', 3, "a"}), "re-add after delete in one record");
	}
	{
		char *ch[] = {CH({'F', 3, "a"}, {'D', 0, "a"})};
		check_mat(MF({'F', 1, "a"}), ch, 1, xstrdup(MANIFEST_HEADER), "add then delete in one record");
	}
	{
		char *ch[] = {CH({'F', 2, "a"}), CH({'D', 0, "a"}), CH({'F', 4, "a"}), CH({'D', 0, "a"})};
		check_mat(MF({'F', 1, "a"}), ch, 4, xstrdup(MANIFEST_HEADER),
			  "add, delete, add, delete");
	}
	{
		char *ch[] = {CH({'D', 0, "x"}), CH({'F', 5, "x/new"})};
		check_mat(MF({'F', 1, "x/old"}, {'F', 1, "x/sub/old"}), ch, 2, MF({'F', 5, "x/new"}),
			  "re-add below a deleted folder");
	}
	{
		char *ch[] = {CH({'F', 5, "x/new"}), CH({'D', 0, "x"})};
		check_mat(MF({'F', 1, "x/old"}), ch, 2, xstrdup(MANIFEST_HEADER),
			  "a folder delete removes earlier adds too");
	}
	/* file vs folder: the newer side wins, both ways */
	{
		char *ch[] = {CH({'F', 2, "p/q"})};
		check_mat(MF({'F', 1, "p"}, {'F', 1, "p.txt"}), ch, 1, MF({'F', 1, "p.txt"}, {'F', 2, "p/q"}),
			  "a newer folder replaces a file");
	}
	{
		char *ch[] = {CH({'F', 2, "p"})};
		check_mat(MF({'F', 1, "p-x"}, {'F', 1, "p/q"}, {'F', 1, "p/r/s"}, {'F', 1, "p0"}), ch, 1,
			  MF({'F', 2, "p"}, {'F', 1, "p-x"}, {'F', 1, "p0"}), "a newer file replaces a folder");
	}
	{
		char *ch[] = {CH({'F', 2, "p"}, {'F', 3, "p/q"})};
		check_mat(NULL, ch, 1, MF({'F', 3, "p/q"}), "file then folder in one record");
	}
	{
		char *ch[] = {CH({'F', 3, "p/q"}, {'F', 2, "p"})};
		check_mat(NULL, ch, 1, MF({'F', 2, "p"}), "folder then file in one record");
	}
	{
		char *ch[] = {CH({'F', 2, "p/q/r"}), CH({'F', 3, "p"})};
		check_mat(MF({'F', 1, "p/q"}), ch, 2, MF({'F', 3, "p"}),
			  "file over a folder over a file: the newest wins");
	}
	{
		char *ch[] = {CH({'F', 2, "p"}), CH({'F', 3, "p/q/r"})};
		check_mat(MF({'F', 1, "p/q"}), ch, 2, MF({'F', 3, "p/q/r"}),
			  "folder over a file over a folder: the newest wins");
	}
	/* records apply in order: a file that replaced a folder removed its files for good */
	{
		char *ch[] = {CH({'F', 2, "p"}), CH({'F', 3, "p/a"})};
		check_mat(MF({'F', 1, "p/b"}), ch, 2, MF({'F', 3, "p/a"}),
			  "folder, file, folder: files of the first folder stay replaced");
	}
	{
		char *ch[] = {CH({'F', 2, "p"}, {'F', 3, "p/q/s"})};
		check_mat(MF({'F', 1, "p/q/r"}), ch, 1, MF({'F', 3, "p/q/s"}),
			  "folder, file, folder in one record: files of the first folder stay replaced");
	}
	{
		char *ch[] = {CH({'F', 2, "p/a"}), CH({'F', 3, "p"})};
		check_mat(MF({'F', 1, "p/b"}), ch, 2, MF({'F', 3, "p"}),
			  "folder, more folder, file: the file replaces all of it");
	}
	{
		char *ch[] = {CH({'L', 2, "p"}), CH({'F', 3, "p/a"}, {'F', 4, "p/b"})};
		check_mat(NULL, ch, 2, MF({'F', 3, "p/a"}, {'F', 4, "p/b"}),
			  "a newer folder replaces a link");
	}
	/* malformed records */
	{
		char *good = MF({'F', 1, "a"});
		char *h = hexof(1);
		char *bad_lines[] = {
			xasprintf("%sX a\n", CHANGES_HEADER),
			xasprintf("%sD \n", CHANGES_HEADER),
			xasprintf("%sD\n", CHANGES_HEADER),
			xasprintf("%sD ../x\n", CHANGES_HEADER),
			xasprintf("%sD /x\n", CHANGES_HEADER),
			xasprintf("%sD a//b\n", CHANGES_HEADER),
			xasprintf("%sD a\\x00\n", CHANGES_HEADER),
			xasprintf("%sDx\n", CHANGES_HEADER),
			xasprintf("%sF %s 1 644 0 ../x\n", CHANGES_HEADER, h),
			xasprintf("%sF %.63s 1 644 0 a\n", CHANGES_HEADER, h),
			xasprintf("%sF %s 1 644 0 a", CHANGES_HEADER, h),
			xasprintf("%sD a", CHANGES_HEADER),
			xasprintf("%sF %s 1 644 0 a\n", MANIFEST_HEADER, h),
			xasprintf("vds-changes 2\nD a\n"),
			xasprintf("%s", ""),
		};
		static const char *labels[] = {
			"type 'X'", "'D ' without a path", "'D' alone", "D '../x'", "D '/x'", "D 'a//b'",
			"D with an escaped NUL", "'Dx'", "F '../x'", "a short sha", "a missing final newline",
			"a D without newline", "a manifest header", "version 2 header", "empty text",
		};

		for (size_t i = 0; i < ARRAY_SIZE(bad_lines); i++) {
			char *label = xasprintf("a change record with %s", labels[i]);
			const char *ch[] = {bad_lines[i]};

			mat_bad(good, ch, 1, NULL, label);
			free(label);
			free(bad_lines[i]);
		}
		{
			char *c1 = CH({'F', 2, "b"}), *c2 = xasprintf("%sF 1\n", CHANGES_HEADER);
			const char *ch[] = {c1, c2};

			mat_bad(good, ch, 2, "corrupt file list of test: line 2: malformed or unsafe entry",
				"a bad second record");
			free(c1);
			free(c2);
		}
		{
			char *c1 = xasprintf("%sD a\nD ../b\n", CHANGES_HEADER);
			const char *ch[] = {c1};

			mat_bad(good, ch, 1, "corrupt file list of test: line 3: malformed delete",
				"a bad delete on line 3");
			free(c1);
		}
		{
			char *b = xasprintf("%sD a\n", MANIFEST_HEADER);

			mat_bad(b, NULL, 0, NULL, "a base with a D line");
			free(b);
			b = xasprintf("vds-changes 1\nF %s 1 644 0 a\n", h);
			mat_bad(b, NULL, 0, "corrupt file list of test: line 1: bad header",
				"a base with a change header");
			free(b);
		}
		free(good);
		free(h);
	}
	free(empty);
}

/* ---- a large generated manifest -------------------------------------- */

static void test_large(void)
{
	enum { NB = 100000, ND = 100, NF = 1000 };
	strbuf base = STRBUF_INIT, ch = STRBUF_INIT, want = STRBUF_INIT;
	char path[64], *out = NULL;
	size_t out_len = 0, lens[1];
	vds_tree *t = NULL;
	vds_listing l;
	vds_entry e;
	double t0, t1, t2, t3;
	int r;

	/* base: other/dNNN/fNNN, 100000 files in 100 folders */
	sb_adds(&base, MANIFEST_HEADER);
	for (int d = 0; d < ND; d++)
		for (int f = 0; f < NF; f++) {
			snprintf(path, sizeof(path), "other/d%03d/f%03d", d, f);
			add(&base, 'F', 1, (uint64_t)(d + 1), 1, path);
		}
	/* one change record: big/fNNNNNN, 100000 files, in reverse order */
	sb_adds(&ch, CHANGES_HEADER);
	for (int i = NB - 1; i >= 0; i--) {
		snprintf(path, sizeof(path), "big/f%06d", i);
		add(&ch, 'F', 2, (uint64_t)i, i, path);
	}
	/* the expected result, built in order */
	sb_adds(&want, MANIFEST_HEADER);
	for (int i = 0; i < NB; i++) {
		snprintf(path, sizeof(path), "big/f%06d", i);
		add(&want, 'F', 2, (uint64_t)i, i, path);
	}
	sb_add(&want, base.buf + strlen(MANIFEST_HEADER), base.len - strlen(MANIFEST_HEADER));

	t0 = now_s();
	lens[0] = ch.len;
	r = manifest_materialize(base.buf, base.len, &ch.buf, lens, 1, "large", &out, &out_len);
	t1 = now_s();
	is_int(r, 0, "materialize of 200000 entries");
	ok(r == 0 && out_len == want.len && !memcmp(out, want.buf, want.len),
	   "materialized 200000 entries are exactly the expected manifest");
	if (r < 0) {
		printf("#   message: %s\n", vds_errmsg());
		goto out;
	}
	r = tree_from_text(out, out_len, 1, "large", &t);
	t2 = now_s();
	is_int(r, 0, "tree_from_text of 200000 entries");
	if (r < 0) {
		free(out);
		goto out;
	}
	is_int(vds_tree_count(t), 2 * NB, "200000 entries in the tree");
	is_int(vds_tree_size(t), (uint64_t)NB * (NB - 1) / 2 + (uint64_t)NF * ND * (ND + 1) / 2,
	       "total size of 200000 entries");
	r = vds_tree_list(t, "big", &l);
	t3 = now_s();
	is_int(r, 0, "list a folder of 100000 entries");
	if (r == 0) {
		size_t bad = 0;

		is_int(l.n, NB, "the folder lists 100000 children");
		for (size_t i = 0; i < l.n; i++) {
			snprintf(path, sizeof(path), "f%06zu", i);
			if (strcmp(l.v[i].path, path) || l.v[i].size != i || l.v[i].type != 'F')
				bad++;
		}
		is_int(bad, 0, "every child has the right name, size and type, in order");
		vds_listing_release(&l);
	}
	printf("# materialize %.3f s, parse %.3f s, list %.3f s\n", t1 - t0, t2 - t1, t3 - t2);
	r = vds_tree_list(t, "", &l);
	is_int(r, 0, "list the root of the large tree");
	if (r == 0) {
		ok(l.n == 2 && !strcmp(l.v[0].path, "big") && l.v[0].nfiles == NB &&
			   l.v[0].size == (uint64_t)NB * (NB - 1) / 2 && l.v[0].mtime == NB - 1 &&
			   !strcmp(l.v[1].path, "other") && l.v[1].nfiles == (uint64_t)ND * NF &&
			   l.v[1].size == (uint64_t)NF * ND * (ND + 1) / 2,
		   "root: 'big' and 'other' with their totals");
		vds_listing_release(&l);
	}
	r = vds_tree_list(t, "other", &l);
	if (r == 0) {
		ok(l.n == ND && !strcmp(l.v[42].path, "d042") && l.v[42].type == VDS_DIR &&
			   l.v[42].nfiles == NF && l.v[42].size == 43 * NF,
		   "'other' has 100 folders of 1000 files");
		vds_listing_release(&l);
	} else {
		ok(0, "list 'other'");
	}
	is_int(vds_tree_lookup(t, "big/f054321", &e), 0, "lookup in the large tree");
	is_int(e.size, 54321, "looked-up entry has the right size");
	is_int(vds_tree_lookup(t, "other/d099/f999", &e), 0, "lookup the last entry");
	is_int(vds_tree_lookup(t, "big/f100000", &e), VDS_ENOTFOUND, "lookup past the end");
	{
		uint64_t f, en;

		vds_tree_range(t, "other/d050", &f, &en);
		ok(f == NB + 50 * NF && en == NB + 51 * NF, "range of one folder in the large tree");
	}
	vds_tree_free(t);
out:
	sb_release(&base);
	sb_release(&ch);
	sb_release(&want);
}

int main(void)
{
	test_escape();
	test_parse();
	test_queries();
	test_materialize();
	test_large();
	return done();
}
