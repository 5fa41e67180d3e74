/*
 * diff.c - differences between two file lists, from manifests alone: a
 * merge of the two sorted lists, then removed and added files with the same
 * content paired as renames.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

typedef struct item {
	enum vds_change change;
	vds_entry a, b; /* paths owned */
	bool has_a, has_b, paired;
} item;

typedef struct items {
	item *v;
	size_t n, cap;
} items;

static void push(items *l, enum vds_change c, const vds_entry *a, const vds_entry *b)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 256;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	item *it = &l->v[l->n++];
	memset(it, 0, sizeof(*it));
	it->change = c;
	if (a) {
		it->a = *a;
		it->a.path = xstrdup(a->path);
		it->has_a = true;
	}
	if (b) {
		it->b = *b;
		it->b.path = xstrdup(b->path);
		it->has_b = true;
	}
}

static const char *key_path(const item *it)
{
	return it->has_b ? it->b.path : it->a.path;
}

static int cmp_items(const void *x, const void *y)
{
	return strcmp(key_path(x), key_path(y));
}

static const items *pairing; /* qsort has no user pointer */

/* Orders indexes of removed (side A) or added (side B) items by content, type, path. */
static int cmp_side(const void *x, const void *y, bool b)
{
	const item *p = &pairing->v[*(const size_t *)x], *q_ = &pairing->v[*(const size_t *)y];
	const vds_entry *e = b ? &p->b : &p->a, *f = b ? &q_->b : &q_->a;
	int c = memcmp(e->sha256, f->sha256, 32);

	if (!c)
		c = e->type - f->type;
	return c ? c : strcmp(e->path, f->path);
}

static int cmp_removed(const void *x, const void *y)
{
	return cmp_side(x, y, false);
}

static int cmp_added(const void *x, const void *y)
{
	return cmp_side(x, y, true);
}

int vds_diff(vds_tree *a, vds_tree *b, vds_diff_fn fn, void *ud, vds_diff_stats *st)
{
	uint64_t i = 0, j = 0, na = vds_tree_count(a), nb = vds_tree_count(b);
	items l = {0};
	vds_entry ea, eb;
	int r = 0;

	memset(st, 0, sizeof(*st));
	if (a == b) /* one tree against itself: the entries would share a buffer */
		return 0;
	/* the trees reuse one path buffer each, so both entries stay valid together */
	while (r == 0 && (i < na || j < nb)) {
		int c;
		if (i < na && (r = vds_tree_at(a, i, &ea)) < 0)
			break;
		if (j < nb && (r = vds_tree_at(b, j, &eb)) < 0)
			break;
		c = i >= na ? 1 : j >= nb ? -1 : strcmp(ea.path, eb.path);
		if (c < 0) {
			push(&l, VDS_REMOVED, &ea, NULL);
			i++;
		} else if (c > 0) {
			push(&l, VDS_ADDED, NULL, &eb);
			j++;
		} else {
			if (ea.type != eb.type || ea.mode != eb.mode || memcmp(ea.sha256, eb.sha256, 32))
				push(&l, VDS_MODIFIED, &ea, &eb);
			i++;
			j++;
		}
	}
	if (r == 0) {
		/* renames: removed and added files of the same content, paired in path order */
		size_t *rem = xcalloc(l.n + 1, sizeof(*rem)), *add = xcalloc(l.n + 1, sizeof(*add));
		size_t nr = 0, na_ = 0;
		for (size_t k = 0; k < l.n; k++) {
			if (l.v[k].change == VDS_REMOVED)
				rem[nr++] = k;
			else if (l.v[k].change == VDS_ADDED)
				add[na_++] = k;
		}
		pairing = &l;
		qsort(rem, nr, sizeof(*rem), cmp_removed);
		qsort(add, na_, sizeof(*add), cmp_added);
		for (size_t x = 0, y = 0; x < nr && y < na_;) {
			item *ri = &l.v[rem[x]], *ai = &l.v[add[y]];
			int c = memcmp(ri->a.sha256, ai->b.sha256, 32);
			if (!c)
				c = ri->a.type - ai->b.type;
			if (c < 0) {
				x++;
			} else if (c > 0) {
				y++;
			} else {
				ri->paired = true; /* shown once, as the rename */
				ai->change = VDS_RENAMED;
				ai->a = ri->a;
				ai->has_a = true;
				x++;
				y++;
			}
		}
		free(rem);
		free(add);
		if (l.n)
			qsort(l.v, l.n, sizeof(*l.v), cmp_items);
		for (size_t k = 0; k < l.n; k++) {
			item *it = &l.v[k];
			if (it->change == VDS_REMOVED && it->paired)
				continue;
			switch (it->change) {
			case VDS_ADDED: st->added++; st->bytes_added += it->b.size; break;
			case VDS_REMOVED: st->removed++; st->bytes_removed += it->a.size; break;
			case VDS_MODIFIED:
				st->modified++;
				st->bytes_added += it->b.size;
				st->bytes_removed += it->a.size;
				break;
			case VDS_RENAMED: st->renamed++; break;
			}
			vds_diff_item d = {it->change, it->has_a ? &it->a : NULL, it->has_b ? &it->b : NULL};
			if (fn)
				fn(&d, ud);
		}
	}
	for (size_t k = 0; k < l.n; k++) {
		/* a rename shares its old path with the paired removal, freed there */
		if (l.v[k].change != VDS_RENAMED)
			free((char *)l.v[k].a.path);
		free((char *)l.v[k].b.path);
	}
	free(l.v);
	return r;
}
