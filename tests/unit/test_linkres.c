/* test_linkres.c - link targets resolved against the version's own tree. */
#include "config.h"

#include "tap.h"

#include <stdlib.h>
#include <string.h>

#include "linkres.h"
#include "manifest.h"
#include "util.h"
#include "vds.h"

/* The links of a version: path and target, NULL-terminated. */
typedef struct link_def {
	const char *path, *target;
} link_def;

static const link_def hostile[] = {
	{"s", "."},
	{"etc", "s/s/s/s/s/s/s/s/s/s/s/s/../../../../../../../../../../../../etc"},
	{"t", "s/../outside"},
	{"u", "s/.."},
	{"abs", "/etc/passwd"},
	{"via-abs", "abs"},
	{"loop1", "loop2"},
	{"loop2", "loop1"},
	{"self", "self/x"},
	{"d/up", "../d/f"},
	{"d/top", ".."},
	{"d/sub/deep", "../../s/d/f"},
	{"d/sub/out", "../../d/top/.."},
	{"okdir", "d"},
	{"okdir-out", "okdir/../.."},
	{"via-okdir", "okdir/sub/deep"},
	{"dangling", "missing/../d/f"},
	{"dangling-out", "missing/../../x"},
	{NULL, NULL},
};

static int lookups;

/* linkres_lookup over a table of links. */
static int table_lookup(void *ud, const char *path, char *buf)
{
	lookups++;
	for (const link_def *l = ud; l->path; l++)
		if (!strcmp(l->path, path)) {
			strcpy(buf, l->target);
			return 1;
		}
	return 0;
}

static const char *target_of(const link_def *ls, const char *path)
{
	for (; ls->path; ls++)
		if (!strcmp(ls->path, path))
			return ls->target;
	return NULL;
}

/* The link PATH of HOSTILE resolves to WANT ("" for the root) or, WANT NULL, gets VERDICT. */
static void res(const char *path, int verdict, const char *want)
{
	strbuf got = STRBUF_INIT;
	int r = linkres_resolve(path, target_of(hostile, path), table_lookup, (void *)hostile, &got);

	is_int(r, verdict, "'%s' -> '%s': %s", path, target_of(hostile, path),
	       verdict >= 0 ? linkres_why(verdict) : "an error");
	if (want)
		is_str(r == LINKRES_INSIDE ? got.buf ? got.buf : "" : NULL, want,
		       "'%s' resolves to '%s'", path, want);
	sb_release(&got);
}

static void test_resolve(void)
{
	res("etc", LINKRES_OUTSIDE, NULL);
	res("t", LINKRES_OUTSIDE, NULL);
	res("u", LINKRES_OUTSIDE, NULL);
	res("abs", LINKRES_ABSOLUTE, NULL);
	res("via-abs", LINKRES_ABSOLUTE, NULL);
	res("loop1", LINKRES_LOOP, NULL);
	res("loop2", LINKRES_LOOP, NULL);
	res("self", LINKRES_LOOP, NULL);
	res("s", LINKRES_INSIDE, "");
	res("d/up", LINKRES_INSIDE, "d/f");
	res("d/top", LINKRES_INSIDE, "");
	res("d/sub/deep", LINKRES_INSIDE, "d/f");
	res("d/sub/out", LINKRES_OUTSIDE, NULL);
	res("okdir", LINKRES_INSIDE, "d");
	res("okdir-out", LINKRES_OUTSIDE, NULL);
	res("via-okdir", LINKRES_INSIDE, "d/f");
	res("dangling", LINKRES_INSIDE, "d/f");
	res("dangling-out", LINKRES_OUTSIDE, NULL);

	/* 40 links are followed, the 41st is one too many */
	strbuf chain = STRBUF_INIT;
	for (int i = 0; i < 40; i++)
		sb_adds(&chain, "s/");
	sb_adds(&chain, "d");
	strbuf got = STRBUF_INIT;
	is_int(linkres_resolve("x", chain.buf, table_lookup, (void *)hostile, &got), LINKRES_INSIDE,
	       "a chain of 40 links is followed");
	is_str(got.buf, "d", "... to 'd'");
	sb_reset(&chain);
	for (int i = 0; i < 41; i++)
		sb_adds(&chain, "s/");
	is_int(linkres_resolve("x", chain.buf, table_lookup, (void *)hostile, NULL), LINKRES_LOOP,
	       "a chain of 41 links is too long");
	/* the work is bounded: a link expanding to many links costs 40 lookups of links at most */
	lookups = 0;
	static const link_def wide[] = {{"a", "b/b/b/b/b/b/b/b/b/b"}, {"b", "a/a/a/a/a/a/a/a/a/a"}, {NULL, NULL}};
	is_int(linkres_resolve("a", "b", table_lookup, (void *)wide, NULL), LINKRES_LOOP,
	       "links that expand to more links stop at 40");
	ok(lookups <= 41, "... after %d lookups", lookups);
	sb_release(&chain);
	sb_release(&got);
}

/* linkres_lookup that fails. */
static int failing_lookup(void *ud, const char *path, char *buf)
{
	(void)ud, (void)path, (void)buf;
	return vds_err(VDS_EIO, "cannot read");
}

static void test_errors(void)
{
	is_int(linkres_resolve("x", "a", failing_lookup, NULL, NULL), VDS_EIO,
	       "a failed lookup is the resolution's status");
	is_int(linkres_resolve("x", "/a", failing_lookup, NULL, NULL), LINKRES_ABSOLUTE,
	       "an absolute target needs no lookup");
	is_int(linkres_resolve("x", "..", failing_lookup, NULL, NULL), LINKRES_OUTSIDE,
	       "nor does '..' at the root");
}

static void test_target_problem(void)
{
	char big[LINK_TARGET_MAX + 2];

	ok(link_target_problem("a", 1) == NULL, "'a' is a usable target");
	is_str(link_target_problem("", 0), "is empty", "an empty target");
	is_str(link_target_problem("a\0b", 3), "holds a NUL byte", "a target holding NUL");
	memset(big, 'a', sizeof(big));
	ok(link_target_problem(big, LINK_TARGET_MAX) == NULL, "a target of 4095 bytes is usable");
	is_str(link_target_problem(big, LINK_TARGET_MAX + 1), "is longer than 4095 bytes",
	       "a target of 4096 bytes");
}

/* linkres_read: the target of E from the table, as a store would give it. */
static int table_read(void *ud, const vds_entry *e, char *buf)
{
	const char *t = target_of(ud, e->path);

	if (!t)
		return vds_err(VDS_ECORRUPT, "no target");
	strcpy(buf, t);
	return 0;
}

static void test_tree(void)
{
	static const link_def ls[] = {{"a/s", ".."}, {"a/x", "s/a/s/a/f"}, {"a/y", "s/a/s/.."},
				      {NULL, NULL}};
	const char *z = "0000000000000000000000000000000000000000000000000000000000000000";
	char *text = xasprintf("vds-manifest 1\n"
			       "L %s 2 777 0 a/s\n"
			       "L %s 10 777 0 a/x\n"
			       "L %s 8 777 0 a/y\n"
			       "F %s 0 644 0 f\n",
			       z, z, z, z);
	vds_tree *t = NULL;
	strbuf got = STRBUF_INIT;

	is_int(tree_from_text(text, strlen(text), 1, "test", &t), 0, "a tree with links");
	linkres_tree *lt = linkres_tree_new(t, table_read, (void *)ls);
	is_int(linkres_tree_check(lt, "a/x", "s/a/s/a/f", &got), LINKRES_INSIDE,
	       "'a/x' through the tree's links");
	is_str(got.buf, "a/f", "... resolves to 'a/f'");
	is_int(linkres_tree_check(lt, "a/y", "s/a/s/..", NULL), LINKRES_OUTSIDE,
	       "'a/y' leaves the version");
	is_int(linkres_tree_check(lt, "a/x", "s/a/s/a/f", NULL), LINKRES_INSIDE,
	       "targets read once are kept");
	linkres_tree_free(lt);
	vds_tree_free(t);
	sb_release(&got);
}

int main(void)
{
	test_resolve();
	test_errors();
	test_target_problem();
	test_tree();
	return done();
}
