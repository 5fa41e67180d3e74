/*
 * fuzz_manifest.c - file lists: tree_from_text() (the reader of
 * manifests), the tree index (vds_tree_at, _lookup, _range, _list) and
 * manifest_materialize() (a draft from its base and change records).
 *
 * Input: MANIFEST [NUL CHANGES]... (an empty MANIFEST: a draft without a
 * base). Every part is handed over in a buffer of exactly its size.
 */
#include "config.h"

#include "fuzz.h"
#include "manifest.h"

#define MAX_CHANGES 8
#define MAX_LOOKUPS 256 /* entries looked up and folders listed, per tree */

/* True if some file of T also has files below it (a file and a folder at once). */
static bool has_clash(vds_tree *t)
{
	vds_entry e;

	for (uint64_t i = 0; i < vds_tree_count(t); i++) {
		uint64_t first, end;

		FUZZ_CHECK(vds_tree_at(t, i, &e) == 0);
		vds_tree_range(t, e.path, &first, &end);
		if (first < end)
			return true;
	}
	return false;
}

static bool same_entry(const vds_entry *a, const vds_entry *b)
{
	return a->type == b->type && a->size == b->size && a->mode == b->mode &&
	       a->mtime == b->mtime && !memcmp(a->sha256, b->sha256, 32) &&
	       !strcmp(a->path, b->path);
}

/* Reads every entry of T back through the index; returns the list written again. */
static char *check_tree(vds_tree *t, size_t *len)
{
	strbuf sb = STRBUF_INIT, prev = STRBUF_INIT;
	uint64_t n = vds_tree_count(t), total = 0, first, end;
	vds_listing l;
	vds_entry e, f;

	sb_adds(&sb, MANIFEST_HEADER);
	for (uint64_t i = 0; i < n; i++) {
		FUZZ_CHECK(vds_tree_at(t, i, &e) == 0);
		FUZZ_CHECK(path_check(e.path) == 0);
		FUZZ_CHECK(e.type == VDS_FILE || e.type == VDS_LINK);
		/* sorted by path bytes, without repeats */
		FUZZ_CHECK(i == 0 || strcmp(prev.buf, e.path) < 0);
		sb_reset(&prev);
		sb_adds(&prev, e.path);
		total += e.size;
		manifest_add_entry(&sb, &e);
		if (i >= MAX_LOOKUPS)
			continue;
		/* the index finds each entry at its own path */
		FUZZ_CHECK(vds_tree_lookup(t, prev.buf, &f) == 0);
		FUZZ_CHECK(!strcmp(f.path, prev.buf));
		/* and lists the folder holding it */
		char *slash = strrchr(prev.buf, '/');
		if (slash)
			*slash = '\0';
		int r = vds_tree_list(t, slash ? prev.buf : "", &l);
		FUZZ_CHECK(r == 0);
		FUZZ_CHECK(l.n > 0);
		vds_listing_release(&l);
		if (slash) {
			vds_tree_range(t, prev.buf, &first, &end);
			FUZZ_CHECK(first <= i && i < end);
			*slash = '/';
		}
	}
	FUZZ_CHECK(total == vds_tree_size(t));
	vds_tree_range(t, "", &first, &end);
	FUZZ_CHECK(first == 0 && end == n);
	FUZZ_CHECK(vds_tree_at(t, n, &e) == VDS_ENOTFOUND);
	sb_release(&prev);
	return sb_detach(&sb, len);
}

/* Parses LEN bytes at DATA as a manifest and checks it; the tree or NULL. */
static vds_tree *parse(const char *data, size_t len, char **again, size_t *again_len)
{
	char *copy = fuzz_bytes((const uint8_t *)data, len);
	vds_tree *t;

	if (tree_from_text(copy, len, 1, "fuzz", &t) < 0) {
		FUZZ_CHECK(*vds_errmsg());
		free(copy);
		return NULL;
	}
	*again = check_tree(t, again_len);
	return t;
}

/* A tree written out again reads back as the same entries. */
static void round_trip(vds_tree *t, char *text, size_t len)
{
	char *text2;
	size_t len2;
	vds_tree *u = parse(text, len, &text2, &len2);
	vds_entry a, b;
	strbuf pa = STRBUF_INIT;

	FUZZ_CHECK(u);
	FUZZ_CHECK(vds_tree_count(u) == vds_tree_count(t));
	for (uint64_t i = 0; i < vds_tree_count(t); i++) {
		FUZZ_CHECK(vds_tree_at(t, i, &a) == 0);
		sb_reset(&pa);
		sb_adds(&pa, a.path); /* a.path lasts until the next call on t */
		a.path = pa.buf;
		FUZZ_CHECK(vds_tree_at(u, i, &b) == 0);
		FUZZ_CHECK(same_entry(&a, &b));
	}
	/* and the text written from it is a fixed point */
	FUZZ_CHECK(len2 == len && !memcmp(text2, text, len));
	sb_release(&pa);
	free(text2);
	vds_tree_free(u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_part p[1 + MAX_CHANGES];
	size_t n = fuzz_split(data, size, p, 1 + MAX_CHANGES), mlen, again_len = 0;
	char *changes[MAX_CHANGES], *again = NULL, *m;
	size_t lens[MAX_CHANGES];
	vds_tree *base = parse((const char *)p[0].data, p[0].size, &again, &again_len);

	if (base) {
		round_trip(base, again, again_len);
		free(again);
	}
	/* a draft: the base (if any) with the change records applied */
	for (size_t i = 1; i < n; i++) {
		changes[i - 1] = fuzz_bytes(p[i].data, p[i].size);
		lens[i - 1] = p[i].size;
	}
	char *btext = p[0].size ? fuzz_bytes(p[0].data, p[0].size) : NULL;
	if (manifest_materialize(btext, p[0].size, changes, lens, n - 1, "fuzz", &m, &mlen) == 0) {
		vds_tree *t = parse(m, mlen, &again, &again_len);

		/* what a draft materialises to is always a valid file list */
		FUZZ_CHECK(t);
		FUZZ_CHECK(!has_clash(t));
		/* and a base without changes stays as it was */
		if (base && n == 1 && !has_clash(base))
			FUZZ_CHECK(mlen == p[0].size && !memcmp(m, p[0].data, mlen));
		free(again);
		vds_tree_free(t);
		free(m);
	} else {
		FUZZ_CHECK(!base || n > 1);
	}
	for (size_t i = 1; i < n; i++)
		free(changes[i - 1]);
	free(btext);
	vds_tree_free(base);
	return 0;
}
