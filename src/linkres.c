/*
 * linkres.c - link targets resolved against the version's own tree: one
 * component at a time, a link met on the way replaced by its target, a
 * ".." above the root, an absolute target or too many links refused.
 */
#include "config.h"

#include <pthread.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>

#include "linkres.h"
#include "manifest.h"

const char *link_target_problem(const char *target, size_t len)
{
	if (len == 0)
		return "is empty";
	if (len > LINK_TARGET_MAX)
		return "is longer than 4095 bytes";
	if (memchr(target, '\0', len))
		return "holds a NUL byte";
	return NULL;
}

const char *linkres_why(int verdict)
{
	switch (verdict) {
	case LINKRES_ABSOLUTE: return "points to an absolute path";
	case LINKRES_OUTSIDE: return "resolves outside the version";
	case LINKRES_LOOP: return "goes through more than 40 links (a loop?)";
	default: return "stays inside the version";
	}
}

/* Drops the last component of CUR ("" stays ""). */
static void pop(strbuf *cur)
{
	char *slash;

	if (!cur->buf)
		return;
	slash = strrchr(cur->buf, '/');
	cur->len = slash ? (size_t)(slash - cur->buf) : 0;
	cur->buf[cur->len] = '\0';
}

int linkres_resolve(const char *path, const char *target, linkres_lookup lookup, void *ud,
		    strbuf *resolved)
{
	strbuf cur = STRBUF_INIT, rest = STRBUF_INIT, next = STRBUF_INIT;
	char *buf = xmalloc(LINK_TARGET_MAX + 1);
	size_t at = 0;
	int hops = 0, r = LINKRES_INSIDE;

	sb_adds(&cur, path);
	pop(&cur); /* the folder holding the link */
	sb_adds(&rest, target);
	if (target[0] == '/')
		r = LINKRES_ABSOLUTE;
	while (r == LINKRES_INSIDE && at < rest.len) {
		const char *c = rest.buf + at, *slash = strchr(c, '/');
		size_t n = slash ? (size_t)(slash - c) : strlen(c);

		at += n + (slash != NULL);
		if (n == 0 || (n == 1 && c[0] == '.'))
			continue;
		if (n == 2 && c[0] == '.' && c[1] == '.') {
			if (cur.len == 0)
				r = LINKRES_OUTSIDE;
			else
				pop(&cur);
			continue;
		}
		size_t before = cur.len;
		if (cur.len)
			sb_addc(&cur, '/');
		sb_add(&cur, c, n);
		int k = lookup(ud, cur.buf, buf);
		if (k < 0) {
			r = k;
		} else if (k == 1) { /* a link: its target, from its folder, then the rest */
			cur.len = before;
			cur.buf[before] = '\0';
			if (++hops > LINKRES_HOPS)
				r = LINKRES_LOOP;
			else if (buf[0] == '/')
				r = LINKRES_ABSOLUTE;
			sb_reset(&next);
			sb_adds(&next, buf);
			sb_addc(&next, '/');
			sb_add(&next, rest.buf + at, rest.len - at);
			strbuf t = rest;
			rest = next;
			next = t;
			at = 0;
		}
	}
	if (r == LINKRES_INSIDE && resolved) {
		sb_reset(resolved);
		sb_add(resolved, cur.buf ? cur.buf : "", cur.len);
	}
	sb_release(&cur);
	sb_release(&rest);
	sb_release(&next);
	free(buf);
	return r;
}

/* A link target read once, by entry index. */
typedef struct known {
	uint64_t i;
	char *target;
} known;

struct linkres_tree {
	vds_tree *t;
	linkres_read read;
	void *ud;
	pthread_mutex_t lock; /* the tree is read by one thread at a time */
	void *known;          /* tsearch() tree of known */
};

static int known_cmp(const void *a, const void *b)
{
	uint64_t x = ((const known *)a)->i, y = ((const known *)b)->i;

	return x < y ? -1 : x > y;
}

static void known_free(void *k)
{
	free(((known *)k)->target);
	free(k);
}

linkres_tree *linkres_tree_new(vds_tree *t, linkres_read read, void *ud)
{
	linkres_tree *lt = xcalloc(1, sizeof(*lt));

	lt->t = t;
	lt->read = read;
	lt->ud = ud;
	pthread_mutex_init(&lt->lock, NULL);
	return lt;
}

void linkres_tree_free(linkres_tree *lt)
{
	if (!lt)
		return;
	tdestroy(lt->known, known_free);
	pthread_mutex_destroy(&lt->lock);
	free(lt);
}

/* linkres_lookup over a tree: its links' targets read once each. */
static int tree_lookup(void *ud, const char *path, char *buf)
{
	linkres_tree *lt = ud;
	known key, *k, **found;
	vds_entry e;
	uint64_t i;
	int r;

	if (tree_find(lt->t, path, &i) < 0 || vds_tree_at(lt->t, i, &e) < 0 || e.type != VDS_LINK)
		return 0;
	key.i = i;
	found = tfind(&key, &lt->known, known_cmp);
	if (!found) {
		if ((r = lt->read(lt->ud, &e, buf)) < 0)
			return r;
		k = xmalloc(sizeof(*k));
		k->i = i;
		k->target = xstrdup(buf);
		if (!(found = tsearch(k, &lt->known, known_cmp))) {
			known_free(k);
			return vds_err(VDS_ERR, "out of memory");
		}
	}
	/* at most LINK_TARGET_MAX bytes: checked when read */
	memcpy(buf, (*found)->target, strlen((*found)->target) + 1);
	return 1;
}

int linkres_tree_check(linkres_tree *lt, const char *path, const char *target, strbuf *resolved)
{
	pthread_mutex_lock(&lt->lock);
	int r = linkres_resolve(path, target, tree_lookup, lt, resolved);
	pthread_mutex_unlock(&lt->lock);
	return r;
}
