/*
 * recpack.c - record packs: a dataset's records in one object, so that a
 * reader without a record cache needs one GET instead of one per record.
 * A pack is only a source of bytes: an entry is used for a key only when
 * the operation's listing shows that key with the entry's MD5, and the
 * entry's bytes have it. Whatever a pack holds (stale, damaged, forged,
 * another dataset's keys), the listing decides what exists and which bytes
 * each record holds. A writer that read many records of a dataset one by
 * one puts a new pack of it at the end of the operation, and removes the
 * older ones but one. An operation may read several datasets at once (a
 * walk of the whole store, in parallel): each has its own pack. The
 * dataset records of a store with flat keys (datasets/ID.json, listed at
 * "/") are read the same way, through packs datasets/pack-STAMP.json.
 */
#include "config.h"

#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recpack.h"
#include "reccache.h"
#include "recsum.h"
#include "util.h"

#define PACK_MAX (16 << 20) /* a pack's text at most (the record cache keeps it) */

/* One record: its key, the MD5 of its bytes, the bytes. */
typedef struct entry {
	char *key;
	char md5[33];
	char *data;
	size_t len;
} entry;

typedef struct entries {
	entry *v;
	size_t n, cap;
	bool sorted;
} entries;

/* The reading of one dataset's records during an operation. */
typedef struct dsread {
	char *ds;        /* "datasets/ID/" */
	unsigned writes; /* the listing's write count when its reading began */
	entries pack;    /* the newest pack's good entries, sorted */
	entries seen;    /* records verified during the operation */
	size_t fetched;  /* of them, read from the store itself */
	char **packs;    /* the packs the listing showed */
	size_t npacks;
} dsread;

struct recpack {
	pthread_mutex_t lock;
	bool enabled;
	int depth; /* operations begun and not ended */
	dsread *v; /* the datasets read (several at once: parallel walks) */
	size_t n;
	dsread top; /* the reading of the dataset records (datasets/ID.json), if begun */
};

#define TOP "datasets/" /* the folder of the dataset records and their packs */
#define TOP_PACK "pack-" /* how the name of a pack of dataset records begins */

/* True if KEY is directly in datasets/ (a dataset record, or a pack of them). */
static bool top_key(const char *key)
{
	return !strncmp(key, TOP, strlen(TOP)) && key[strlen(TOP)] && !strchr(key + strlen(TOP), '/');
}

/* True if KEY is the flat record of the dataset of folder DS ("datasets/ID/" and "datasets/ID.json"). */
static bool flat_of(const char *ds, const char *key)
{
	size_t n = strlen(ds);

	return n > 10 && !strncmp(ds, TOP, strlen(TOP)) && !strncmp(key, ds, n - 1) &&
	       !strcmp(key + n - 1, ".json");
}

/* True if KEY is a pack's key of D (its packs/ folder, or datasets/pack-*). */
static bool pack_key(const dsread *d, const char *key)
{
	const char *rest = key + strlen(d->ds);

	return !strcmp(d->ds, TOP) ? !strncmp(rest, TOP_PACK, strlen(TOP_PACK))
				   : !strncmp(rest, "packs/", 6);
}

static void entries_release(entries *e)
{
	for (size_t i = 0; i < e->n; i++) {
		free(e->v[i].key);
		free(e->v[i].data);
	}
	free(e->v);
	*e = (entries){0};
}

/* Appends a copy of KEY, MD5 and DATA to E. */
static void entries_add(entries *e, const char *key, const char *md5, const void *data, size_t len)
{
	if (e->n == e->cap) {
		e->cap = e->cap ? 2 * e->cap : 64;
		e->v = xrealloc(e->v, e->cap * sizeof(*e->v));
	}
	entry *x = &e->v[e->n++];
	x->key = xstrdup(key);
	memcpy(x->md5, md5, sizeof(x->md5));
	x->data = xmalloc(len + 1);
	memcpy(x->data, data, len);
	x->data[len] = '\0';
	x->len = len;
	e->sorted = false;
}

static int by_key(const void *a, const void *b)
{
	return strcmp(((const entry *)a)->key, ((const entry *)b)->key);
}

/* The entry of KEY in E (sorted first), or NULL. */
static entry *entries_find(entries *e, const char *key)
{
	entry want = {.key = (char *)key};

	if (!e->sorted && e->n)
		qsort(e->v, e->n, sizeof(*e->v), by_key);
	e->sorted = true;
	return e->n ? bsearch(&want, e->v, e->n, sizeof(*e->v), by_key) : NULL;
}

/* True if the MD5 of DATA is MD5 (hex). */
static bool md5_is(const void *data, size_t len, const char *md5)
{
	unsigned char d[16];
	char hex[33];

	EVP_Digest(data, len, d, NULL, EVP_md5(), NULL);
	for (int i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	return !strcmp(hex, md5);
}

/* Decodes base64 S into *OUT (malloc'd, NUL-terminated): false if it is not base64. */
static bool unbase64(const char *s, char **out, size_t *len)
{
	size_t n = strlen(s), pad = 0;
	int got;

	if (n % 4 || strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") != n)
		return false;
	if (n && s[n - 1] == '=')
		pad += 1 + (s[n - 2] == '=');
	if (strcspn(s, "=") < n - pad)
		return false; /* padding only at the end */
	*out = xmalloc(n / 4 * 3 + 1);
	if ((got = EVP_DecodeBlock((unsigned char *)*out, (const unsigned char *)s, (int)n)) < 0) {
		free(*out);
		return false;
	}
	*len = (size_t)got - pad;
	(*out)[*len] = '\0';
	return true;
}

/*
 * Reads pack TEXT into E: the entries below DS whose bytes have their
 * MD5; *BAD counts the others. -1 if TEXT is not a pack (checksum, JSON).
 */
static int parse(const char *text, size_t len, const char *ds, entries *e, size_t *bad)
{
	cJSON *j, *recs, *x;

	*bad = 0;
	if (!recsum_ok(text, len) || memchr(text, '\0', len))
		return -1;
	j = cJSON_ParseWithLength(text, len);
	recs = cJSON_GetObjectItemCaseSensitive(j, "records");
	if (!cJSON_IsObject(j) || !cJSON_IsArray(recs)) {
		cJSON_Delete(j);
		return -1;
	}
	cJSON_ArrayForEach(x, recs) {
		const char *key = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(x, "key")),
			   *md5 = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(x, "md5")),
			   *b64 = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(x, "bytes"));
		char *data;
		size_t dlen;

		bool top = !strcmp(ds, TOP); /* records right there, not a pack */
		if (!key || !md5 || !b64 || (strncmp(key, ds, strlen(ds)) != 0 && !flat_of(ds, key)) ||
		    (top && (!top_key(key) || !strncmp(key + strlen(TOP), TOP_PACK,
						       strlen(TOP_PACK)))) ||
		    !reccache_digest(md5) || !unbase64(b64, &data, &dlen)) {
			(*bad)++;
			continue;
		}
		if (md5_is(data, dlen, md5))
			entries_add(e, key, md5, data, dlen);
		else
			(*bad)++;
		free(data);
	}
	cJSON_Delete(j);
	return 0;
}

bool recpack_name(const char *name)
{
	size_t n = strlen(name);

	return n > 5 && !strcmp(name + n - 5, ".json") && vds_stamp_time(name) >= 0 &&
	       !strchr(name, '/');
}

recpack *recpack_new(bool enabled)
{
	recpack *p = xcalloc(1, sizeof(*p));

	pthread_mutex_init(&p->lock, NULL);
	p->enabled = enabled;
	return p;
}

/* Forgets what D holds. */
static void dsread_release(dsread *d)
{
	entries_release(&d->pack);
	entries_release(&d->seen);
	for (size_t i = 0; i < d->npacks; i++)
		free(d->packs[i]);
	free(d->packs);
	free(d->ds);
	*d = (dsread){0};
}

/* Forgets the operation's datasets, packs and records. P locked. */
static void forget(recpack *p)
{
	for (size_t i = 0; i < p->n; i++)
		dsread_release(&p->v[i]);
	dsread_release(&p->top);
	free(p->v);
	p->v = NULL;
	p->n = 0;
}

/*
 * Where the reading of the dataset that KEY is below is in P's list, kept
 * sorted by folder (a walk reads thousands of datasets): true and *AT if
 * there is one, else false and *AT where it would go. P locked.
 */
static bool locate(recpack *p, const char *key, size_t *at)
{
	size_t lo = 0, hi = p->n, len;
	char want[64];

	*at = 0;
	if (strncmp(key, "datasets/", 9) != 0 || !(len = strcspn(key + 9, "/")))
		return false;
	/* a flat record datasets/ID.json is its dataset's */
	if (!key[9 + len] && (len <= 5 || strcmp(key + 9 + len - 5, ".json") != 0))
		return false;
	if (!key[9 + len])
		len -= 5;
	if (len + 10 >= sizeof(want))
		return false;
	snprintf(want, sizeof(want), "%.*s/", (int)(9 + len), key);
	len += 10; /* "datasets/ID/": a folder's first LEN bytes match no other's */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strncmp(want, p->v[mid].ds, len);
		if (!c) {
			*at = mid;
			return true;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	*at = lo;
	return false;
}

/* The reading of the dataset that KEY is below, or NULL. P locked. */
static dsread *reading(recpack *p, const char *key)
{
	size_t at;

	if (top_key(key) && p->top.ds)
		return &p->top;
	return locate(p, key, &at) ? &p->v[at] : NULL;
}

void recpack_free(recpack *p)
{
	if (!p)
		return;
	forget(p);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

/*
 * True if PREFIX, listed with DELIM, is a dataset's folder as the core
 * lists it: without the change records of drafts, or whole (fsck).
 */
static bool dataset_scope(const char *prefix, const char *delim)
{
	return !strncmp(prefix, "datasets/", 9) && prefix[9] && !strchr(prefix + 9, '/') &&
	       (!delim || !strcmp(delim, "/changes/"));
}

/* True if PREFIX, listed with DELIM, shows the dataset records of a store with flat keys. */
static bool top_scope(const char *prefix, const char *delim)
{
	return !strcmp(prefix, "datasets") && delim && !strcmp(delim, "/");
}

char *recpack_enter(recpack *p, s3_memo *m, const char *prefix, const char *delim)
{
	char **names, *pk, *ds = xasprintf("%s/", prefix), *newest = NULL;
	size_t n;

	pthread_mutex_lock(&p->lock);
	p->depth++;
	size_t at;
	bool top = top_scope(prefix, delim) && p->enabled && !p->top.ds;
	bool begin = top || (p->enabled && dataset_scope(prefix, delim) && !locate(p, ds, &at));
	if (top) {
		p->top = (dsread){.ds = xstrdup(ds), .writes = s3m_writes(m)};
	} else if (begin) { /* kept in order of folder */
		p->v = xrealloc(p->v, (p->n + 1) * sizeof(*p->v));
		memmove(&p->v[at + 1], &p->v[at], (p->n++ - at) * sizeof(*p->v));
		p->v[at] = (dsread){.ds = xstrdup(ds), .writes = s3m_writes(m)};
	}
	pthread_mutex_unlock(&p->lock);
	if (!begin) {
		free(ds);
		return NULL;
	}
	pk = top ? xstrdup("datasets") : xasprintf("%spacks", ds);
	if (s3m_list(m, pk, &names, &n) == 1) {
		char **packs = xcalloc(n + 1, sizeof(*packs));
		size_t np = 0;
		for (size_t i = 0; i < n; i++) {
			const char *name = names[i];
			if (top && strncmp(name, TOP_PACK, strlen(TOP_PACK)) != 0)
				name = "";
			else if (top)
				name += strlen(TOP_PACK);
			if (recpack_name(name))
				packs[np++] = xasprintf("%s/%s", pk, names[i]);
			free(names[i]);
		}
		free(names);
		/* sorted names: the last is the newest; a bucket is untrusted: no huge one */
		memo_key k;
		if (np && s3m_find(m, packs[np - 1], &k) == 1 && k.size <= PACK_MAX)
			newest = xstrdup(packs[np - 1]);
		pthread_mutex_lock(&p->lock);
		dsread *d = top ? &p->top : reading(p, ds);
		if (d && !d->packs) {
			d->packs = packs;
			d->npacks = np;
		} else {
			while (np)
				free(packs[--np]);
			free(packs);
		}
		pthread_mutex_unlock(&p->lock);
	}
	free(pk);
	free(ds);
	return newest;
}

void recpack_load(recpack *p, const char *key, const char *text, size_t len)
{
	entries e = {0};
	size_t bad;

	pthread_mutex_lock(&p->lock);
	dsread *d = reading(p, key);
	if (d && parse(text, len, d->ds, &e, &bad) == 0) {
		entries_release(&d->pack);
		d->pack = e;
	} else {
		entries_release(&e);
	}
	pthread_mutex_unlock(&p->lock);
}

bool recpack_find(recpack *p, const char *key, const char *md5, char **out, size_t *len)
{
	bool found = false;

	pthread_mutex_lock(&p->lock);
	dsread *d = reading(p, key);
	entry *x = d ? entries_find(&d->pack, key) : NULL;
	if (x && !strcmp(x->md5, md5)) {
		*out = xmalloc(x->len + 1);
		memcpy(*out, x->data, x->len + 1);
		*len = x->len;
		found = true;
	}
	pthread_mutex_unlock(&p->lock);
	return found;
}

void recpack_note(recpack *p, const char *key, const char *md5, const void *data, size_t len,
		  bool fetched)
{
	pthread_mutex_lock(&p->lock);
	dsread *d = reading(p, key);
	/* the dataset's records, not its packs, each with the bytes the listing names */
	if (d && !pack_key(d, key) && reccache_digest(md5) &&
	    md5_is(data, len, md5)) { /* a key noted twice is kept once (pack_text) */
		entries_add(&d->seen, key, md5, data, len);
		d->fetched += fetched;
	}
	pthread_mutex_unlock(&p->lock);
}

/* Adds entry X to the records array R as {key, md5, bytes}; its size to *SIZE. */
static void add_json(cJSON *r, const entry *x, size_t *size)
{
	int cap = 4 * (((int)x->len + 2) / 3) + 1;
	unsigned char *b64 = xmalloc((size_t)cap);
	cJSON *o = cJSON_CreateObject();

	EVP_EncodeBlock(b64, (const unsigned char *)x->data, (int)x->len);
	cJSON_AddStringToObject(o, "key", x->key);
	cJSON_AddStringToObject(o, "md5", x->md5);
	cJSON_AddStringToObject(o, "bytes", (const char *)b64);
	cJSON_AddItemToArray(r, o);
	*size += strlen(x->key) + (size_t)cap + 64;
	free(b64);
}

/* The text of a pack of E (sorted), sealed with its checksum. */
static char *pack_text(entries *e, size_t *len)
{
	cJSON *j = cJSON_CreateObject(), *r = cJSON_AddArrayToObject(j, "records");
	strbuf sb = STRBUF_INIT;
	char hex[65], *body;
	size_t size = 0;

	qsort(e->v, e->n, sizeof(*e->v), by_key);
	for (size_t i = 0; i < e->n && size < PACK_MAX / 2; i++)
		if (!i || strcmp(e->v[i].key, e->v[i - 1].key) != 0)
			add_json(r, &e->v[i], &size);
	body = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	sb_addf(&sb, "%s%064d\",%s\n", RECSUM_JSON_PREFIX, 0, body + 1);
	cJSON_free(body);
	recsum_hex(sb.buf, sb.len, strlen(RECSUM_JSON_PREFIX), hex);
	memcpy(sb.buf + strlen(RECSUM_JSON_PREFIX), hex, RECSUM_DIGITS);
	return sb_detach(&sb, len);
}

/* Fills *PLAN with the pack that reading D is due to leave, if any. P locked. */
static void plan_for(dsread *d, s3_memo *m, recpack_plan *plan)
{
	memo_key k;

	*plan = (recpack_plan){0};
	/* a process that wrote meanwhile has no listing of this operation to trust */
	if (d->fetched <= RECPACK_FETCHED_MIN || s3m_writes(m) != d->writes)
		return;
	/* the old pack's entries the listing still confirms stay */
	entries keep = {0};
	for (size_t i = 0; i < d->pack.n; i++) {
		const entry *x = &d->pack.v[i];
		if (!entries_find(&d->seen, x->key) && s3m_find(m, x->key, &k) == 1 &&
		    !strcmp(k.etag, x->md5))
			entries_add(&keep, x->key, x->md5, x->data, x->len);
	}
	for (size_t i = 0; i < keep.n; i++)
		entries_add(&d->seen, keep.v[i].key, keep.v[i].md5, keep.v[i].data, keep.v[i].len);
	entries_release(&keep);
	char stamp[26];
	vds_stamp(stamp);
	plan->key = !strcmp(d->ds, TOP) ? xasprintf("%s%s%s.json", TOP, TOP_PACK, stamp)
					: xasprintf("%spacks/%s.json", d->ds, stamp);
	plan->text = pack_text(&d->seen, &plan->len);
	/* the packs listed but the newest: with the new one, two remain */
	if (d->npacks > 1) {
		plan->stale = d->packs;
		plan->nstale = d->npacks - 1;
		free(d->packs[d->npacks - 1]);
		d->packs = NULL;
		d->npacks = 0;
	}
}

recpack_plan *recpack_leave(recpack *p, s3_memo *m, bool writable, size_t *nplans)
{
	recpack_plan *plans = NULL;

	*nplans = 0;
	pthread_mutex_lock(&p->lock);
	if (p->depth > 0 && --p->depth > 0) {
		pthread_mutex_unlock(&p->lock);
		return NULL;
	}
	for (size_t i = 0; writable && i <= p->n; i++) {
		recpack_plan plan;
		if (i == p->n && !p->top.ds)
			break;
		plan_for(i == p->n ? &p->top : &p->v[i], m, &plan);
		if (!plan.key)
			continue;
		plans = xrealloc(plans, (*nplans + 1) * sizeof(*plans));
		plans[(*nplans)++] = plan;
	}
	forget(p);
	pthread_mutex_unlock(&p->lock);
	return plans;
}

void recpack_plans_free(recpack_plan *plans, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		recpack_plan *plan = &plans[i];
		free(plan->key);
		free(plan->text);
		for (size_t k = 0; k < plan->nstale; k++)
			free(plan->stale[k]);
		free(plan->stale);
	}
	free(plans);
}

int recpack_check(const char *key, const char *ds, const char *text, size_t len)
{
	entries e = {0};
	size_t bad = 0;
	char *prefix = xasprintf("%s/", ds);
	int r = parse(text, len, prefix, &e, &bad);

	entries_release(&e);
	free(prefix);
	if (r < 0)
		return vds_err(VDS_ECORRUPT, "record pack %s is damaged: not a sealed pack", q(key));
	if (bad)
		return vds_err(VDS_ECORRUPT, "record pack %s is damaged: %zu bad entries", q(key), bad);
	return 0;
}
