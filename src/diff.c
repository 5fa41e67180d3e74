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

/* Removed files by content hash, for pairing renames. */
typedef struct bucket {
	size_t *idx;
	size_t n, cap;
} bucket;

#define NBUCKETS 4096

static size_t bucket_of(const unsigned char sha[32])
{
	return ((size_t)sha[0] << 4 | sha[1] >> 4) % NBUCKETS;
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
		bucket *bk = xcalloc(NBUCKETS, sizeof(*bk));
		for (size_t k = 0; k < l.n; k++) {
			if (l.v[k].change != VDS_REMOVED)
				continue;
			bucket *q = &bk[bucket_of(l.v[k].a.sha256)];
			if (q->n == q->cap) {
				q->cap = q->cap ? q->cap * 2 : 4;
				q->idx = xrealloc(q->idx, q->cap * sizeof(*q->idx));
			}
			q->idx[q->n++] = k;
		}
		for (size_t k = 0; k < l.n; k++) {
			item *add = &l.v[k];
			if (add->change != VDS_ADDED)
				continue;
			bucket *q = &bk[bucket_of(add->b.sha256)];
			for (size_t m = 0; m < q->n; m++) {
				item *rem = &l.v[q->idx[m]];
				if (rem->paired || rem->a.type != add->b.type ||
				    memcmp(rem->a.sha256, add->b.sha256, 32))
					continue;
				rem->paired = true; /* shown once, as the rename */
				add->change = VDS_RENAMED;
				add->a = rem->a;
				add->has_a = true;
				break;
			}
		}
		for (size_t k = 0; k < NBUCKETS; k++)
			free(bk[k].idx);
		free(bk);
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
