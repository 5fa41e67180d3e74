/* test_path.c - version path normalisation and checks, link targets. */
#include "config.h"

#include "tap.h"

#include <stdlib.h>
#include <string.h>

#include "manifest.h"
#include "util.h"
#include "vds.h"
#include "walk.h"

/* ---- vds_path_normalize --------------------------------------------- */

static void norm_ok(const char *in, const char *want)
{
	char *out = (char *)"unset";
	int r = vds_path_normalize(in, &out);

	is_int(r, 0, "normalize '%s' succeeds", in);
	is_str(r == 0 ? out : NULL, want, "normalize '%s'", in);
	if (r == 0)
		free(out);
}

static void norm_bad(const char *in, const char *label, const char *want_msg)
{
	char *out = NULL;
	int r = vds_path_normalize(in, &out);

	is_int(r, VDS_EINVAL, "normalize %s fails with VDS_EINVAL", label);
	if (want_msg)
		is_str(vds_errmsg(), want_msg, "normalize %s: message", label);
	if (r == 0)
		free(out);
}

static char *repeat(char c, size_t n)
{
	char *s = xmalloc(n + 1);

	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* A path of exactly LEN bytes (LEN > 1) of 250-byte components, the last one shorter. */
static char *long_path(size_t len)
{
	strbuf sb = STRBUF_INIT;

	while (sb.len < len) {
		size_t n = len - sb.len;

		if (sb.len) {
			sb_addc(&sb, '/');
			n--;
		}
		if (n > 250)
			n = 250;
		for (size_t i = 0; i < n; i++)
			sb_addc(&sb, 'p');
	}
	return sb_detach(&sb, NULL);
}

/* N components of LEN bytes each, joined by '/'. */
static char *components(size_t n, size_t len)
{
	strbuf sb = STRBUF_INIT;

	for (size_t i = 0; i < n; i++) {
		if (i)
			sb_addc(&sb, '/');
		for (size_t k = 0; k < len; k++)
			sb_addc(&sb, (char)('a' + i % 26));
	}
	return sb_detach(&sb, NULL);
}

static void test_normalize(void)
{
	char *c255 = repeat('c', 255), *c256 = repeat('c', 256), *in, *want, *msg;

	norm_ok("", "");
	norm_ok("/", "");
	norm_ok("//", "");
	norm_ok("///", "");
	norm_ok("a", "a");
	norm_ok("a/b", "a/b");
	norm_ok("a//b/", "a/b");
	norm_ok("/a/b", "a/b");
	norm_ok("//a///b//", "a/b");
	norm_ok("/a/b/c/", "a/b/c");
	norm_ok("...", "...");
	norm_ok(".a/..b/c.", ".a/..b/c.");
	norm_ok("a b/ c ", "a b/ c ");
	norm_ok("caf\xc3\xa9/\x01", "caf\xc3\xa9/\x01");
	norm_ok("a\\b", "a\\b");

	norm_bad(".", "'.'", "path '.' may not contain '.' or '..'");
	norm_bad("..", "'..'", "path '..' may not contain '.' or '..'");
	norm_bad("/.", "'/.'", "path '/.' may not contain '.' or '..'");
	norm_bad("./a", "'./a'", "path './a' may not contain '.' or '..'");
	norm_bad("a/.", "'a/.'", "path 'a/.' may not contain '.' or '..'");
	norm_bad("a/./b", "'a/./b'", "path 'a/./b' may not contain '.' or '..'");
	norm_bad("a/../b", "'a/../b'", "path 'a/../b' may not contain '.' or '..'");
	norm_bad("../a", "'../a'", "path '../a' may not contain '.' or '..'");
	norm_bad("a/..", "'a/..'", "path 'a/..' may not contain '.' or '..'");
	norm_bad("a//..//", "'a//..//'", "path 'a//..//' may not contain '.' or '..'");
	norm_bad("a\t/..", "'a\\t/..'", "path 'a\\x09/..' may not contain '.' or '..'");

	/* lengths are checked after normalising */
	norm_ok(c255, c255);
	in = xasprintf("/%s/", c255);
	norm_ok(in, c255);
	free(in);
	msg = xasprintf("path component longer than 255 bytes in '%s'", c256);
	norm_bad(c256, "with a 256-byte component", msg);
	free(msg);
	want = long_path(4095);
	norm_ok(want, want);
	in = xasprintf("//%s//", want);
	norm_ok(in, want);
	free(in);
	free(want);
	in = long_path(4096);
	norm_bad(in, "of 4096 bytes", NULL);
	free(in);
	free(c255);
	free(c256);
}

/* ---- path_check ----------------------------------------------------- */

static void check_ok(const char *path, const char *label)
{
	is_int(path_check(path), 0, "path_check accepts %s", label);
}

static void check_bad(const char *path, const char *label, const char *want_msg)
{
	is_int(path_check(path), VDS_EINVAL, "path_check refuses %s", label);
	if (want_msg)
		is_str(vds_errmsg(), want_msg, "path_check %s: message", label);
}

static void test_path_check(void)
{
	char *c255 = repeat('c', 255), *c256 = repeat('c', 256), *p, *msg;

	check_ok("a", "'a'");
	check_ok("a/b/c", "'a/b/c'");
	check_ok("...", "'...'");
	check_ok(".a", "'.a'");
	check_ok("a..", "'a..'");
	check_ok("a/.b/..c", "'a/.b/..c'");
	check_ok("a b", "'a b'");
	check_ok("caf\xc3\xa9", "UTF-8");
	check_ok("a\tb\\c\x7f", "control characters and backslash");
	check_ok("-a", "a leading '-'");

	check_bad("", "''", "empty path");
	check_bad("/", "'/'", "absolute path '/'");
	check_bad("/a", "'/a'", "absolute path '/a'");
	check_bad("//a", "'//a'", "absolute path '//a'");
	check_bad("a/", "'a/'", "empty component in path 'a/'");
	check_bad("a//b", "'a//b'", "empty component in path 'a//b'");
	check_bad(".", "'.'", "path '.' contains '.' or '..'");
	check_bad("..", "'..'", "path '..' contains '.' or '..'");
	check_bad("./a", "'./a'", "path './a' contains '.' or '..'");
	check_bad("a/.", "'a/.'", "path 'a/.' contains '.' or '..'");
	check_bad("a/./b", "'a/./b'", "path 'a/./b' contains '.' or '..'");
	check_bad("../x", "'../x'", "path '../x' contains '.' or '..'");
	check_bad("a/..", "'a/..'", "path 'a/..' contains '.' or '..'");
	check_bad("a/../b", "'a/../b'", "path 'a/../b' contains '.' or '..'");

	/* component length: 255 ok, 256 refused, wherever it is */
	check_ok(c255, "a 255-byte name");
	p = xasprintf("a/%s/b", c255);
	check_ok(p, "a 255-byte middle component");
	free(p);
	msg = xasprintf("path component longer than 255 bytes in '%s'", c256);
	check_bad(c256, "a 256-byte name", msg);
	free(msg);
	p = xasprintf("a/%s", c256);
	msg = xasprintf("path component longer than 255 bytes in '%s'", p);
	check_bad(p, "a 256-byte last component", msg);
	free(msg);
	free(p);
	p = xasprintf("%s/b", c256);
	check_bad(p, "a 256-byte first component", NULL);
	free(p);

	/* total length: 4095 ok, 4096 refused */
	p = long_path(4095);
	is_int(strlen(p), 4095, "long_path(4095) has 4095 bytes");
	check_ok(p, "a 4095-byte path");
	free(p);
	p = long_path(4096);
	is_int(strlen(p), 4096, "long_path(4096) has 4096 bytes");
	check_bad(p, "a 4096-byte path", NULL);
	ok(!strncmp(vds_errmsg(), "path longer than 4095 bytes: '", 30),
	   "path_check 4096 bytes: message starts 'path longer than 4095 bytes: '");
	free(p);
	p = components(16, 255);
	is_int(strlen(p), 4095, "16 components of 255 bytes make 4095 bytes");
	check_ok(p, "16 components of 255 bytes (both limits at once)");
	free(p);
	p = components(16, 255);
	p = xrealloc(p, 4097);
	memcpy(p + 4095, "x", 2);
	check_bad(p, "16 components of 255 bytes and one more byte", NULL);
	free(p);
	p = xmalloc(4097);
	for (size_t i = 0; i < 4096; i++)
		p[i] = (i % 2) ? '/' : 'x';
	p[4095] = 'x';
	p[4096] = '\0';
	check_bad(p, "4096 bytes of 1-byte components", NULL);
	p[4095] = '\0';
	check_ok(p, "4095 bytes of 1-byte components");
	free(p);
	free(c255);
	free(c256);
}

/* ---- link_inside ---------------------------------------------------- */

static void test_link_inside(void)
{
	ok(link_inside("x", "a"), "'a' at 'x' stays inside");
	ok(link_inside("d/x", "../a"), "'../a' at 'd/x' stays inside");
	ok(!link_inside("d/x", "../../a"), "'../../a' at 'd/x' is refused");
	ok(!link_inside("x", "/etc"), "'/etc' is refused");
	ok(!link_inside("d/x", "/etc/passwd"), "'/etc/passwd' at 'd/x' is refused");
	ok(!link_inside("x", "/"), "'/' is refused");
	ok(link_inside("x", "./."), "'./.' at 'x' stays inside");
	ok(link_inside("x", "."), "'.' at 'x' stays inside");
	ok(!link_inside("x", ""), "an empty target is refused");
	ok(!link_inside("d/x", ""), "an empty target at 'd/x' is refused");
	ok(!link_inside("x", ".."), "'..' at 'x' is refused");
	ok(link_inside("d/x", ".."), "'..' at 'd/x' stays inside");
	ok(!link_inside("x", "../x"), "'../x' at 'x' is refused");
	ok(link_inside("a/b/c/x", "../../../y"), "'../../../y' at 'a/b/c/x' stays inside");
	ok(!link_inside("a/b/c/x", "../../../../y"), "'../../../../y' at 'a/b/c/x' is refused");
	ok(link_inside("x", "a/../b"), "'a/../b' at 'x' stays inside");
	ok(!link_inside("x", "a/../../b"), "'a/../../b' at 'x' is refused");
	ok(link_inside("d/x", "a/b/../../../c"), "'a/b/../../../c' at 'd/x' stays inside");
	ok(!link_inside("d/x", "a/../../../c"), "'a/../../../c' at 'd/x' is refused");
	ok(link_inside("d/x", "..//a"), "'..//a' at 'd/x' stays inside");
	ok(link_inside("d/x", ".//..//a/"), "'.//..//a/' at 'd/x' stays inside");
	ok(!link_inside("d/x", "./../.././a"), "'./../.././a' at 'd/x' is refused");
	ok(link_inside("x", "...") && link_inside("x", "..a") && link_inside("x", "a.."),
	   "'...', '..a' and 'a..' are names, not '..'");
	ok(link_inside("d/x", "../..."), "'../...' at 'd/x' stays inside");
}

int main(void)
{
	test_normalize();
	test_path_check();
	test_link_inside();
	return done();
}
