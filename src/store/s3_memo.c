/*
 * s3_memo.c - listings held for the span of a core operation. The core
 * brackets a read-only operation (listing versions, resolving a
 * reference, ...) with prime and unprime; inside, a key below a listed
 * prefix is answered from the listing: present (with its ETag, which names
 * its bytes in the record cache), or absent. Any write by this process
 * forgets every listing, so a process always reads its own writes, and
 * nothing is held past the last unprime (or MEMO_TTL_US as a backstop):
 * an answer is the store's as of a listing made during the operation.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "reccache.h"
#include "s3_memo.h"
#include "util.h"

#define MEMO_PAGES 10                /* 10,000 keys at most per listing */
#define MEMO_TTL_US (120 * 1000000LL) /* a listing is not used for longer, whatever happens */

void s3m_init(s3_memo *m)
{
	memset(m, 0, sizeof(*m));
	pthread_mutex_init(&m->lock, NULL);
}

/* Drops every listing; M locked. */
static void drop(s3_memo *m)
{
	for (size_t i = 0; i < m->nkeys; i++)
		free(m->keys[i].key);
	for (size_t i = 0; i < m->nscopes; i++) {
		memo_scope *s = &m->scopes[i];
		for (size_t j = 0; j < s->nrolled; j++)
			free(s->rolled[j]);
		free(s->rolled);
		free(s->prefix);
		free(s->delim);
	}
	free(m->keys);
	free(m->scopes);
	m->keys = NULL;
	m->scopes = NULL;
	m->nkeys = m->nscopes = 0;
}

void s3m_release(s3_memo *m)
{
	drop(m);
	pthread_mutex_destroy(&m->lock);
}

static int by_key(const void *a, const void *b)
{
	return strcmp(((const memo_key *)a)->key, ((const memo_key *)b)->key);
}

/*
 * Merges the sorted runs K[0..MID) and K[MID..N) into one: a walk of many
 * datasets primes each, and sorting all keys again at each would grow
 * with the square of their number.
 */
static void merge(memo_key *k, size_t mid, size_t n)
{
	if (!mid || mid == n || by_key(&k[mid - 1], &k[mid]) <= 0)
		return;
	memo_key *t = xmalloc(n * sizeof(*t));
	size_t a = 0, b = mid, o = 0;
	while (a < mid && b < n)
		t[o++] = by_key(&k[a], &k[b]) <= 0 ? k[a++] : k[b++];
	while (a < mid)
		t[o++] = k[a++];
	while (b < n)
		t[o++] = k[b++];
	memcpy(k, t, n * sizeof(*t));
	free(t);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* True if S starts with PREFIX. */
static bool starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* True if the listings of M are fresh; else drops them. M locked. */
static bool fresh(s3_memo *m)
{
	if (m->nscopes && vds_now_us() - m->since > MEMO_TTL_US)
		drop(m);
	return m->nscopes > 0;
}

/*
 * True if S holds what PREFIX/ listed with DELIM shows: that listing, or
 * one of PREFIX/ that rolled nothing up (fsck's of a dataset).
 */
static bool same_scope(const memo_scope *s, const char *prefix, const char *delim)
{
	return !strcmp(s->prefix, prefix) &&
	       (!s->delim || (delim && !strcmp(s->delim, delim)));
}

void s3m_prime(s3_memo *m, s3_client *c, const char *prefix, const char *delim)
{
	s3_listing l = {0};
	char *p;
	int64_t t = vds_now_us();

	pthread_mutex_lock(&m->lock);
	m->depth++;
	bool have = false;
	if (fresh(m))
		for (size_t i = 0; i < m->nscopes && !have; i++)
			have = same_scope(&m->scopes[i], prefix, delim);
	pthread_mutex_unlock(&m->lock);
	if (have)
		return;
	p = xasprintf("%s/", prefix);
	if (s3_list_all(c, p, delim, &l, MEMO_PAGES) == 0) {
		pthread_mutex_lock(&m->lock);
		if (!m->nscopes)
			m->since = t;
		m->scopes = xrealloc(m->scopes, (m->nscopes + 1) * sizeof(*m->scopes));
		memo_scope *s = &m->scopes[m->nscopes++];
		*s = (memo_scope){.prefix = xstrdup(prefix), .delim = delim ? xstrdup(delim) : NULL,
				  .rolled = xcalloc(l.nprefix + 1, sizeof(char *)),
				  .nrolled = l.nprefix};
		for (size_t i = 0; i < l.nprefix; i++)
			s->rolled[i] = xstrdup(l.prefixes[i]);
		if (s->nrolled)
			qsort(s->rolled, s->nrolled, sizeof(*s->rolled), by_name);
		size_t held = m->nkeys;
		m->keys = xrealloc(m->keys, (m->nkeys + l.nobj + 1) * sizeof(*m->keys));
		for (size_t i = 0; i < l.nobj; i++) {
			memo_key *k = &m->keys[m->nkeys++];
			k->key = xstrdup(l.obj[i].key);
			k->size = l.obj[i].size;
			k->etag[0] = '\0';
			if (reccache_digest(l.obj[i].etag)) /* 32 digits */
				memcpy(k->etag, l.obj[i].etag, sizeof(k->etag));
		}
		if (l.nobj)
			qsort(m->keys + held, l.nobj, sizeof(*m->keys), by_key);
		merge(m->keys, held, m->nkeys);
		pthread_mutex_unlock(&m->lock);
	}
	s3_listing_release(&l);
	free(p);
}

void s3m_unprime(s3_memo *m)
{
	pthread_mutex_lock(&m->lock);
	if (m->depth > 0 && --m->depth == 0)
		drop(m);
	pthread_mutex_unlock(&m->lock);
}

void s3m_forget(s3_memo *m)
{
	pthread_mutex_lock(&m->lock);
	drop(m);
	m->writes++;
	pthread_mutex_unlock(&m->lock);
}

unsigned s3m_writes(s3_memo *m)
{
	pthread_mutex_lock(&m->lock);
	unsigned n = m->writes;
	pthread_mutex_unlock(&m->lock);
	return n;
}

/*
 * True if a listing of M shows everything below PATH (a key, or a prefix
 * ending in '/'): it is below the listing's prefix, and not inside a
 * prefix the listing rolled up. M locked.
 */
static bool covered(s3_memo *m, const char *path)
{
	if (!fresh(m))
		return false;
	for (size_t i = 0; i < m->nscopes; i++) {
		const memo_scope *s = &m->scopes[i];
		size_t pl = strlen(s->prefix), lo = 0, hi = s->nrolled;
		if (strncmp(path, s->prefix, pl) != 0 || path[pl] != '/')
			continue;
		/* a rolled-up prefix of PATH is the greatest one not after it */
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (strcmp(s->rolled[mid], path) <= 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo == 0 || !starts(path, s->rolled[lo - 1]))
			return true;
	}
	return false;
}

int s3m_find(s3_memo *m, const char *key, memo_key *out)
{
	int found = -1;

	pthread_mutex_lock(&m->lock);
	if (covered(m, key)) {
		memo_key want = {.key = (char *)key};
		const memo_key *k = bsearch(&want, m->keys, m->nkeys, sizeof(*m->keys), by_key);
		found = k != NULL;
		if (k) {
			out->key = NULL;
			out->size = k->size;
			memcpy(out->etag, k->etag, sizeof(out->etag));
		}
	}
	pthread_mutex_unlock(&m->lock);
	return found;
}

/*
 * Appends the first component of REST (up to '/') to NAMES unless it is
 * the last one there (duplicates further back go when the names are sorted).
 */
static void add_child(const char *rest, char ***names, size_t *n, size_t *cap)
{
	size_t len = strcspn(rest, "/");

	if (!len)
		return;
	if (*n && strlen((*names)[*n - 1]) == len && !strncmp((*names)[*n - 1], rest, len))
		return;
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*names = xrealloc(*names, *cap * sizeof(**names));
	}
	(*names)[(*n)++] = strndup(rest, len);
}

int s3m_list(s3_memo *m, const char *prefix, char ***names, size_t *n)
{
	char *p = xasprintf("%s/", prefix);
	size_t plen = strlen(p), cap = 0;
	int r = -1;

	*names = NULL;
	*n = 0;
	pthread_mutex_lock(&m->lock);
	if (covered(m, p)) {
		r = 1;
		memo_key want = {.key = p};
		/* the keys below P/ follow the first one not before it */
		size_t lo = 0, hi = m->nkeys;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (by_key(&m->keys[mid], &want) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (size_t i = lo; i < m->nkeys && starts(m->keys[i].key, p); i++)
			add_child(m->keys[i].key + plen, names, n, &cap);
		for (size_t i = 0; i < m->nscopes; i++) {
			const memo_scope *s = &m->scopes[i];
			for (size_t j = 0; j < s->nrolled; j++)
				if (starts(s->rolled[j], p))
					add_child(s->rolled[j] + plen, names, n, &cap);
		}
	}
	pthread_mutex_unlock(&m->lock);
	free(p);
	if (*n) { /* sorted, each name once */
		size_t k = 0;
		qsort(*names, *n, sizeof(**names), by_name);
		for (size_t i = 0; i < *n; i++) {
			if (k && !strcmp((*names)[k - 1], (*names)[i]))
				free((*names)[i]);
			else
				(*names)[k++] = (*names)[i];
		}
		*n = k;
	}
	return r;
}
