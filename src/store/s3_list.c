/*
 * s3_list.c - a whole listing in few round trips. Each page of a listing
 * names the next through its continuation token, so a listing of N pages
 * costs N dependent round trips. When the first page is truncated, the
 * keys after it are split into ranges instead, each listed at once from
 * its own start-after by its own sequence of pages, and the parts are
 * stitched in key order: the keys of a store's large folders are named by
 * random ids of 0-9a-z (versions, datasets), so ranges cut at the id's
 * characters hold about as many keys each, and the first page says how
 * dense they are. A part holds only the keys of its range; a server that
 * answers one with keys before it (start-after ignored or mishandled) is
 * listed page after page instead, which --debug says.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "s3.h"
#include "util.h"

#define PARTS_MAX 16   /* parts listed at once (a connection each) */
#define PART_FILL 0.7  /* a part is planned to hold this share of a page */
#define OUT_OF_RANGE 1 /* a part's answer held a key before its range */

/* A range of keys (full keys, the client's prefix included): after LO, up to HI (NULL: the end). */
typedef struct part {
	char *lo, *hi;
	s3_listing l; /* its keys and prefixes, relative to the client's prefix */
	int status;   /* 0, OUT_OF_RANGE, or a negative status */
	char msg[1024];
} part;

/* What every part of one listing shares. */
typedef struct job {
	s3_client *c;
	const char *full;  /* the listed prefix, the client's prefix included */
	const char *delim; /* or NULL */
	size_t strip;      /* length of the client's prefix */
	size_t max_pages;  /* 0: any */
	atomic_size_t pages;
	part *parts;
	size_t nparts;
} job;

/*
 * Where entry E of a page (relative to the client's prefix) lies against
 * part PT of J: -1 before the range (the server's mistake unless E is a rolled-up
 * prefix of its start), 0 inside, 1 after it.
 */
static int place(const job *j, const part *pt, const char *e, bool rolled)
{
	char *full;
	int where = 0;

	if (!pt->lo && !pt->hi) /* page after page: as the server answers */
		return 0;
	full = xasprintf("%.*s%s", (int)j->strip, j->full, e);
	if (!starts_with(full, j->full))
		where = -1;
	else if (pt->lo && strcmp(full, pt->lo) <= 0)
		where = rolled && starts_with(pt->lo, full) ? 0 : -1;
	else if (pt->hi && strcmp(full, pt->hi) > 0)
		where = 1;
	free(full);
	return where;
}

/*
 * Keeps the entries of PAGE inside PT's range (moved to PT->l); *PAST is
 * set if some lie after it. Returns OUT_OF_RANGE if one lies before.
 */
static int keep(const job *j, part *pt, s3_listing *page, bool *past)
{
	size_t k = 0;
	int r = 0;

	for (size_t i = 0; i < page->nobj; i++) {
		int w = place(j, pt, page->obj[i].key, false);
		r = w < 0 ? OUT_OF_RANGE : r;
		*past |= w > 0;
		if (w == 0)
			page->obj[k++] = page->obj[i];
		else
			free(page->obj[i].key), free(page->obj[i].upload_id);
	}
	page->nobj = k;
	k = 0;
	for (size_t i = 0; i < page->nprefix; i++) {
		int w = place(j, pt, page->prefixes[i], true);
		r = w < 0 ? OUT_OF_RANGE : r;
		*past |= w > 0;
		if (w == 0)
			page->prefixes[k++] = page->prefixes[i];
		else
			free(page->prefixes[i]);
	}
	page->nprefix = k;
	s3_listing_append(&pt->l, page);
	return r;
}

/*
 * Lists part PT of J page by page, from TOKEN (a continuation token) or
 * else from PT->lo, until its range ends; with NEXT, only one page, and
 * *NEXT gets the token of the page after it (NULL: none). Returns 0,
 * OUT_OF_RANGE or a negative status.
 */
static int list_part(job *j, part *pt, const char *token, char **next)
{
	strbuf body = STRBUF_INIT, query = STRBUF_INIT;
	long page_keys = s3_test_page_keys();
	char *tok = token ? xstrdup(token) : NULL;
	int r = 0;

	for (;;) {
		if (j->max_pages && atomic_fetch_add(&j->pages, 1) >= j->max_pages) {
			r = VDS_ECONFLICT; /* too many: the caller takes another way */
			break;
		}
		sb_reset(&query);
		if (tok) {
			sb_adds(&query, "continuation-token=");
			s3_uri_encode(&query, tok, false);
			sb_addc(&query, '&');
		}
		if (j->delim) {
			sb_adds(&query, "delimiter=");
			s3_uri_encode(&query, j->delim, false);
			sb_addc(&query, '&');
		}
		sb_adds(&query, "list-type=2&");
		if (page_keys)
			sb_addf(&query, "max-keys=%ld&", page_keys);
		sb_adds(&query, "prefix=");
		s3_uri_encode(&query, j->full, false);
		if (!tok && pt->lo) {
			sb_adds(&query, "&start-after=");
			s3_uri_encode(&query, pt->lo, false);
		}
		s3_req rq = {.method = "GET", .query = query.buf, .out = &body};
		if ((r = s3_do(j->c, &rq)) < 0)
			break;
		s3_listing page = {0};
		if ((r = s3_xml_parse(body.buf ? body.buf : "", body.len, j->strip, &page)) < 0) {
			s3_listing_release(&page);
			break;
		}
		bool past = false, more = page.truncated && page.next_token;
		if (more && tok && !strcmp(tok, page.next_token)) {
			s3_listing_release(&page);
			r = vds_err(VDS_EIO, "the listing of bucket %s repeats itself (the same "
					     "continuation token twice)",
				    q(s3_bucket(j->c)));
			break;
		}
		free(tok);
		tok = page.next_token;
		page.next_token = NULL;
		r = keep(j, pt, &page, &past);
		s3_listing_release(&page);
		if (next && r == 0 && more) {
			*next = tok;
			tok = NULL;
		}
		if (r || !more || past || next)
			break;
	}
	free(tok);
	sb_release(&body);
	sb_release(&query);
	return r;
}

/* A part's thread: lists it, and keeps its error message. */
static void *part_main(void *ud)
{
	void **a = ud;
	job *j = a[0];
	part *pt = a[1];

	pt->status = list_part(j, pt, NULL, NULL);
	if (pt->status < 0)
		snprintf(pt->msg, sizeof(pt->msg), "%s", vds_errmsg());
	return NULL;
}

/* The value of base-36 digit C (other bytes clamped to the nearest). */
static int digit(unsigned char c)
{
	if (c <= '0')
		return 0;
	if (c <= '9')
		return c - '0';
	if (c < 'a')
		return 10;
	return c <= 'z' ? c - 'a' + 10 : 35;
}

/* Where S lies in the space of base-36 names, from 0 to 1 (its first 4 characters). */
static double frac(const char *s)
{
	double f = 0, unit = 1;

	for (int i = 0; i < 4 && s[i] && s[i] != '/'; i++) {
		unit /= 36;
		f += digit((unsigned char)s[i]) * unit;
	}
	return f;
}

/* The offset in S of its component I ('/'-separated), or -1. */
static ssize_t component(const char *s, size_t i)
{
	size_t at = 0;

	for (; i; i--) {
		const char *sl = strchr(s + at, '/');
		if (!sl || !sl[1])
			return -1;
		at = (size_t)(sl - s) + 1;
	}
	return (ssize_t)at;
}

/* Length of component I of S at AT. */
static size_t comp_len(const char *s, size_t at)
{
	return strcspn(s + at, "/");
}

/* The entries of listing L (relative to PLEN bytes of listed prefix), merged in key order. */
static const char **entries(const s3_listing *l, size_t plen, size_t *n)
{
	const char **e = xcalloc(l->nobj + l->nprefix + 1, sizeof(*e));
	size_t a = 0, b = 0;

	*n = 0;
	while (a < l->nobj || b < l->nprefix) {
		const char *x = a < l->nobj ? l->obj[a].key : NULL;
		const char *y = b < l->nprefix ? l->prefixes[b] : NULL;
		const char *t = !y || (x && strcmp(x, y) < 0) ? (a++, x) : (b++, y);
		if (strlen(t) >= plen)
			e[(*n)++] = t + plen;
	}
	return e;
}

/*
 * Plans the parts after FIRST, the first page of a listing of PLEN bytes of
 * prefix (relative to the client's): the component of its last entry where
 * the page shows the most names (a dataset's version ids, the store's
 * dataset ids) is where the rest is cut, into as many ranges as the density
 * of the page's names there says hold PART_FILL of a page each. Returns
 * the cut points (NULL-terminated, relative to the client's prefix, each
 * after the page's last entry and the one before), or NULL for none.
 */
static char **plan(const s3_listing *first, size_t plen)
{
	size_t n;
	const char **e = entries(first, plen, &n);
	char **cuts = NULL;

	if (n < 2) {
		free(e);
		return NULL;
	}
	const char *last = e[n - 1];
	size_t best = 0, best_count = 0, ncomp = 1;
	while (component(last, ncomp) >= 0)
		ncomp++;
	/* the component to cut at: the most names under the same parent (the deepest of equals) */
	for (size_t c = 0; c < (ncomp > 1 ? ncomp - 1 : 1); c++) {
		size_t at = (size_t)component(last, c), count = 0;
		const char *prev = NULL;
		for (size_t i = 0; i < n; i++) {
			if (strncmp(e[i], last, at) != 0)
				continue;
			size_t len = comp_len(e[i], at);
			if (!prev || comp_len(prev, at) != len || strncmp(prev + at, e[i] + at, len))
				count++;
			prev = e[i];
		}
		if (count >= best_count) {
			best = c;
			best_count = count;
		}
	}
	/* the names there: the first one of the page, the last, their common start */
	size_t at = (size_t)component(last, best), first_i = 0, under = 0;
	while (strncmp(e[first_i], last, at) != 0)
		first_i++;
	for (size_t i = first_i; i < n; i++)
		under += !strncmp(e[i], last, at);
	const char *f = e[first_i] + at, *l = last + at;
	size_t cp = 0, llen = comp_len(last, at);
	while (cp < llen && f[cp] == l[cp])
		cp++;
	double f0 = frac(f + cp), fl = frac(l + cp), span = fl - f0;
	size_t parts = PARTS_MAX / 4;
	if (span > 1e-6) {
		double rest = under * (1 - fl) / span;
		double want = rest / (PART_FILL * (double)n) + 1;
		parts = want >= PARTS_MAX ? PARTS_MAX : (size_t)want;
	}
	if (parts < 2) {
		free(e);
		return NULL;
	}
	/* cut points: fl + (1 - fl) * i / parts, in as few digits as keep them apart */
	int digits = 1;
	double scale = 36;
	while (digits < 4 && scale * (1 - fl) < 2.0 * (double)parts)
		digits++, scale *= 36;
	cuts = xcalloc(parts + 1, sizeof(char *));
	size_t k = 0;
	long prev = -1;
	for (size_t i = 1; i < parts; i++) {
		double v = (fl + (1 - fl) * (double)i / (double)parts) * scale;
		long d = (long)v + 1;
		if (d <= prev || d >= (long)scale)
			continue;
		char s[8];
		long x = d;
		for (int p = digits - 1; p >= 0; p--, x /= 36)
			s[p] = "0123456789abcdefghijklmnopqrstuvwxyz"[x % 36];
		s[digits] = '\0';
		char *cut = xasprintf("%.*s%.*s%s", (int)plen, last - plen, (int)(at + cp), last, s);
		if (strcmp(cut, last - plen) <= 0) {
			free(cut);
			continue;
		}
		cuts[k++] = cut;
		prev = d;
	}
	free(e);
	if (!k) {
		free(cuts);
		return NULL;
	}
	return cuts;
}

/* The last entry of page L (relative to the client's prefix). */
static const char *last_entry(const s3_listing *l)
{
	const char *a = l->nobj ? l->obj[l->nobj - 1].key : NULL;
	const char *b = l->nprefix ? l->prefixes[l->nprefix - 1] : NULL;

	return !a ? b : !b ? a : strcmp(a, b) > 0 ? a : b;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorts the rolled-up prefixes of L, each once (neighbouring parts may both show one). */
static void unique_prefixes(s3_listing *l)
{
	size_t k = 0;

	if (l->nprefix)
		qsort(l->prefixes, l->nprefix, sizeof(char *), by_name);
	for (size_t i = 0; i < l->nprefix; i++) {
		if (k && !strcmp(l->prefixes[k - 1], l->prefixes[i]))
			free(l->prefixes[i]);
		else
			l->prefixes[k++] = l->prefixes[i];
	}
	l->nprefix = k;
}

/*
 * Lists the parts cut at CUTS after LAST (the first page's last entry) at once; on
 * success their keys follow FIRST's in OUT. OUT_OF_RANGE: a server's
 * mistake, nothing kept.
 */
static int list_parts(job *j, const char *last, char **cuts, s3_listing *out)
{
	const char *pre = s3_prefix(j->c);
	size_t n = 1, started = 0;
	int r = 0;

	while (cuts[n - 1])
		n++;
	j->parts = xcalloc(n, sizeof(part));
	j->nparts = n;
	for (size_t i = 0; i < n; i++) {
		j->parts[i].lo = xasprintf("%s%s", pre, i ? cuts[i - 1] : last);
		j->parts[i].hi = cuts[i] ? xasprintf("%s%s", pre, cuts[i]) : NULL;
	}
	pthread_t *t = xcalloc(n, sizeof(*t));
	void *(*args)[2] = xcalloc(n, sizeof(*args));
	for (size_t i = 0; i < n; i++) {
		args[i][0] = j;
		args[i][1] = &j->parts[i];
	}
	for (; started < n; started++)
		if (pthread_create(&t[started], NULL, part_main, args[started]) != 0)
			break;
	for (size_t i = started; i < n; i++) /* no thread left: here, one after another */
		part_main(args[i]);
	for (size_t i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	for (size_t i = 0; i < n && r >= 0; i++) {
		part *pt = &j->parts[i];
		if (pt->status < 0)
			r = vds_err(pt->status, "%s", pt->msg);
		else if (pt->status == OUT_OF_RANGE && !r)
			r = OUT_OF_RANGE;
	}
	if (r == 0) {
		vds_debug("s3: listed %s in %zu parts after the first page, cut at %s ... %s",
			  j->full, n, cuts[0], n > 2 ? cuts[n - 2] : cuts[0]);
		for (size_t i = 0; i < n; i++)
			s3_listing_append(out, &j->parts[i].l);
	}
	for (size_t i = 0; i < n; i++) {
		s3_listing_release(&j->parts[i].l);
		free(j->parts[i].lo);
		free(j->parts[i].hi);
	}
	free(j->parts);
	j->parts = NULL;
	free(t);
	free(args);
	return r;
}

int s3_list_all(s3_client *c, const char *prefix, const char *delimiter, s3_listing *out,
		size_t max_pages)
{
	char *full = xasprintf("%s%s", s3_prefix(c), prefix ? prefix : "");
	job j = {.c = c, .full = full, .delim = delimiter, .strip = strlen(s3_prefix(c)),
		 .max_pages = max_pages};
	part first = {0}, rest = {0};
	char **cuts = NULL, *token = NULL;
	int r = list_part(&j, &first, NULL, &token);

	/* parts only where more than one page may be listed */
	if (r == 0 && token && max_pages != 1 &&
	    (cuts = plan(&first.l, strlen(prefix ? prefix : "")))) {
		char *last = xstrdup(last_entry(&first.l));
		s3_listing_append(out, &first.l);
		r = list_parts(&j, last, cuts, out);
		free(last);
		if (r == OUT_OF_RANGE || (r < 0 && r != VDS_ECONFLICT && r != VDS_ECANCELED)) {
			vds_debug("s3: the parts of the listing of %s failed (%s): listed page after page",
				  full, r == OUT_OF_RANGE ? "keys outside their range: start-after not "
							    "followed"
							  : vds_errmsg());
			j.pages = 1;
			r = 0;
		} else {
			free(token); /* listed */
			token = NULL;
		}
	} else {
		s3_listing_append(out, &first.l);
	}
	if (r == 0 && token)
		r = list_part(&j, &rest, token, NULL);
	s3_listing_append(out, &rest.l);
	unique_prefixes(out);
	s3_listing_release(&first.l);
	s3_listing_release(&rest.l);
	free(token);
	free(full);
	for (size_t i = 0; cuts && cuts[i]; i++)
		free(cuts[i]);
	free(cuts);
	return r;
}
