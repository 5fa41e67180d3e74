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

#define MEMO_PAGES 64 /* requests at most per listing (its parts read past their ends) */
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
		free(s->upto);
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

/*
 * Begins a prime of PREFIX/ listed with DELIM (nested ones count): true if
 * a fresh listing that M holds whole already shows it.
 */
static bool enter(s3_memo *m, const char *prefix, const char *delim)
{
	bool have = false;

	pthread_mutex_lock(&m->lock);
	m->depth++;
	if (fresh(m))
		for (size_t i = 0; i < m->nscopes && !have; i++)
			have = !m->scopes[i].upto && same_scope(&m->scopes[i], prefix, delim);
	pthread_mutex_unlock(&m->lock);
	return have;
}

/* Adds the keys of listing L to M's, kept sorted. M locked. */
static void add_keys(s3_memo *m, const s3_listing *l)
{
	size_t held = m->nkeys;

	m->keys = xrealloc(m->keys, (m->nkeys + l->nobj + 1) * sizeof(*m->keys));
	for (size_t i = 0; i < l->nobj; i++) {
		memo_key *k = &m->keys[m->nkeys++];
		k->key = xstrdup(l->obj[i].key);
		k->size = l->obj[i].size;
		k->etag[0] = '\0';
		if (reccache_digest(l->obj[i].etag)) /* 32 digits */
			memcpy(k->etag, l->obj[i].etag, sizeof(k->etag));
	}
	if (l->nobj)
		qsort(m->keys + held, l->nobj, sizeof(*m->keys), by_key);
	merge(m->keys, held, m->nkeys);
}

/* True if PREFIX is a dataset's folder ("datasets/ID"), whose flat record is beside it. */
static bool dataset_folder(const char *prefix)
{
	return starts_with(prefix, "datasets/") && prefix[9] && !strchr(prefix + 9, '/');
}

void s3m_prime(s3_memo *m, s3_client *c, const char *prefix, const char *delim)
{
	s3_listing l = {0};
	char *p;
	int64_t t = vds_now_us();
	bool sibling = dataset_folder(prefix);

	bool have = enter(m, prefix, delim);
	if (have)
		return;
	/* "datasets/ID" without its '/': the same listing shows datasets/ID.json */
	p = sibling ? xstrdup(prefix) : xasprintf("%s/", prefix);
	if (s3_list_all(c, p, delim, &l, MEMO_PAGES) == 0) {
		pthread_mutex_lock(&m->lock);
		if (!m->nscopes)
			m->since = t;
		m->scopes = xrealloc(m->scopes, (m->nscopes + 1) * sizeof(*m->scopes));
		memo_scope *s = &m->scopes[m->nscopes++];
		*s = (memo_scope){.prefix = xstrdup(prefix), .delim = delim ? xstrdup(delim) : NULL,
				  .rolled = xcalloc(l.nprefix + 1, sizeof(char *)),
				  .nrolled = l.nprefix, .sibling = sibling};
		for (size_t i = 0; i < l.nprefix; i++)
			s->rolled[i] = xstrdup(l.prefixes[i]);
		if (s->nrolled)
			qsort(s->rolled, s->nrolled, sizeof(*s->rolled), by_name);
		add_keys(m, &l);
		pthread_mutex_unlock(&m->lock);
	}
	s3_listing_release(&l);
	free(p);
}

void s3m_prefetch(s3_memo *m, s3_client *c, const char *prefix, const char *delim)
{
	s3m_prime(m, c, prefix, delim);
	pthread_mutex_lock(&m->lock);
	m->depth--; /* held, not begun: the next prime enters it */
	pthread_mutex_unlock(&m->lock);
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
 * Compares the first components of paths A and B as their keys are ordered
 * (a component ends at '/' or the end, which sorts as '/').
 */
static int child_cmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		unsigned char x = *a && *a != '/' ? (unsigned char)*a : '/';
		unsigned char y = *b && *b != '/' ? (unsigned char)*b : '/';
		if (x != y)
			return x < y ? -1 : 1;
		if (x == '/')
			return 0;
	}
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
		if (s->sibling && !s->upto && starts_with(path, s->prefix) && !strcmp(path + pl, ".json"))
			return true;
		if (strncmp(path, s->prefix, pl) != 0 || path[pl] != '/')
			continue;
		if (s->upto && (!path[pl + 1] || child_cmp(path + pl + 1, s->upto) >= 0))
			continue; /* not listed yet */
		/* a rolled-up prefix of PATH is the greatest one not after it */
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (strcmp(s->rolled[mid], path) <= 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo == 0 || !starts_with(path, s->rolled[lo - 1]))
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

/* What s3m_prime_pages() carries from page to page. */
typedef struct pages {
	s3_memo *m;
	const char *prefix, *delim; /* the scope's */
	const char *p; /* "PREFIX/" */
	size_t plen;
	char *carry;   /* the child the last page ended in: not yet complete */
	vds_names_fn fn;
	void *ud;
} pages;

static int by_child(const void *a, const void *b)
{
	return child_cmp(*(char *const *)a, *(char *const *)b);
}

/* The partial scope of PREFIX and DELIM in M, or NULL (dropped meanwhile). M locked. */
static memo_scope *partial_scope(s3_memo *m, const char *prefix, const char *delim)
{
	for (size_t i = 0; i < m->nscopes; i++)
		if (m->scopes[i].upto && same_scope(&m->scopes[i], prefix, delim))
			return &m->scopes[i];
	return NULL;
}

/* Keeps PAGE in M's partial scope, listed up to child UPTO (NULL: the end; "": as before). */
static void keep_page(pages *pg, s3_listing *page, const char *upto)
{
	s3_memo *m = pg->m;

	pthread_mutex_lock(&m->lock);
	memo_scope *s = partial_scope(m, pg->prefix, pg->delim);
	if (s) {
		s->rolled = xrealloc(s->rolled, (s->nrolled + page->nprefix + 1) * sizeof(char *));
		for (size_t i = 0; i < page->nprefix; i++)
			s->rolled[s->nrolled++] = xstrdup(page->prefixes[i]);
		if (s->nrolled)
			qsort(s->rolled, s->nrolled, sizeof(*s->rolled), by_name);
		if (!upto || *upto) {
			free(s->upto);
			s->upto = upto ? xstrdup(upto) : NULL;
		}
		add_keys(m, page);
	}
	pthread_mutex_unlock(&m->lock);
}

/* One page: kept, and the children it completes handed to the caller. */
static int on_page(s3_listing *page, bool more, void *ud)
{
	pages *pg = ud;
	char **names = NULL;
	size_t n = 0, cap = 0, k = 0;

	if (pg->carry) {
		names = xcalloc(16, sizeof(char *));
		cap = 16;
		names[n++] = pg->carry;
		pg->carry = NULL;
	}
	for (size_t i = 0; i < page->nobj; i++)
		if (starts_with(page->obj[i].key, pg->p))
			add_child(page->obj[i].key + pg->plen, &names, &n, &cap);
	for (size_t i = 0; i < page->nprefix; i++)
		if (starts_with(page->prefixes[i], pg->p))
			add_child(page->prefixes[i] + pg->plen, &names, &n, &cap);
	if (n) /* sorted as their keys are, each once */
		qsort(names, n, sizeof(*names), by_child);
	for (size_t i = 0; i < n; i++) {
		if (k && !strcmp(names[k - 1], names[i]))
			free(names[i]);
		else
			names[k++] = names[i];
	}
	n = k;
	if (more && n) /* the last child may go on in the next page */
		pg->carry = names[--n];
	keep_page(pg, page, more ? (pg->carry ? pg->carry : "") : NULL);
	if (!n) {
		free(names);
		return 0;
	}
	return pg->fn(names, n, pg->ud);
}

int s3m_prime_pages(s3_memo *m, s3_client *c, const char *prefix, const char *delim,
		    vds_names_fn fn, void *ud)
{
	char **names, *p;
	size_t n;
	int r;

	bool have = enter(m, prefix, delim);
	if (have && s3m_list(m, prefix, &names, &n) == 1) /* all at once */
		return n ? fn(names, n, ud) : (free(names), 0);
	p = xasprintf("%s/", prefix);
	pthread_mutex_lock(&m->lock);
	if (!m->nscopes)
		m->since = vds_now_us();
	m->scopes = xrealloc(m->scopes, (m->nscopes + 1) * sizeof(*m->scopes));
	m->scopes[m->nscopes++] = (memo_scope){.prefix = xstrdup(prefix),
					       .delim = delim ? xstrdup(delim) : NULL,
					       .rolled = xcalloc(1, sizeof(char *)),
					       .upto = xstrdup("")};
	pthread_mutex_unlock(&m->lock);
	pages pg = {m, prefix, delim, p, strlen(p), NULL, fn, ud};
	r = s3_list_pages(c, p, delim, 0, on_page, &pg);
	free(pg.carry);
	free(p);
	return r;
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
		for (size_t i = lo; i < m->nkeys && starts_with(m->keys[i].key, p); i++)
			add_child(m->keys[i].key + plen, names, n, &cap);
		for (size_t i = 0; i < m->nscopes; i++) {
			const memo_scope *s = &m->scopes[i];
			for (size_t j = 0; j < s->nrolled; j++)
				if (starts_with(s->rolled[j], p))
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
