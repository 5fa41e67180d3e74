/*
 * fsck_data.c - fsck --read-data: every content object of a store read
 * again, in parallel, and checked against its name (its SHA-256). A
 * mismatch is read again before it counts (bytes damaged on their way are
 * no damage of the store); with repair, an object whose bytes do not match
 * its name is removed, so that the next upload of that content stores it
 * again.
 */
#include "config.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"
#include "core.h"
#include "store/packindex.h"

#define READS 3 /* reads of an object that does not match before it counts as damaged */

typedef struct data_job {
	vds_backend *b;
	char **keys; /* "objects/ab/cdef..." */
	bool repair;
	vds_fsck_fn fn;
	void *ud;
	vds_fsck_data_result *res; /* counts under the pool's lock */
} data_job;

typedef struct hashing {
	pool *p;
	EVP_MD_CTX *md;
	uint64_t size;
} hashing;

static int hash_chunk(const void *data, size_t len, void *ud)
{
	hashing *h = ud;

	EVP_DigestUpdate(h->md, data, len);
	h->size += len;
	atomic_fetch_add(&h->p->bytes_done, (uint64_t)len);
	return 0;
}

/* Reads KEY once: 1 it matches SHA, 0 it does not, or an error status; sets *SIZE. */
static int read_once(pool *p, vds_backend *b, const char *key, const unsigned char sha[32],
		     uint64_t *size)
{
	hashing h = {.p = p, .md = EVP_MD_CTX_new()};
	unsigned char got[32];

	EVP_DigestInit_ex(h.md, EVP_sha256(), NULL);
	/* from the provider itself, never from a cache */
	int r = b->ops->stream(b, key, hash_chunk, &h, p->opts ? p->opts->cancel : NULL);
	EVP_DigestFinal_ex(h.md, got, NULL);
	EVP_MD_CTX_free(h.md);
	*size = h.size;
	return r < 0 ? r : memcmp(got, sha, 32) == 0;
}

/* Reports damaged object KEY (REMOVED or not; WHY: in a pack, how) under the pool's lock. */
static void report(pool *p, data_job *j, bool removed, const char *key, const char *why)
{
	char msg[512];

	if (why)
		snprintf(msg, sizeof(msg), "content %s is damaged: %s", key, why);
	else if (removed)
		snprintf(msg, sizeof(msg),
			 "removed content object %s: its bytes do not match its name", key);
	else
		snprintf(msg, sizeof(msg), "content object %s does not match its name (SHA-256)",
			 key);
	pthread_mutex_lock(&p->lock);
	j->res->damaged++;
	j->res->removed += removed;
	if (j->fn)
		j->fn(msg, false, removed, j->ud);
	pthread_mutex_unlock(&p->lock);
}

static int check_object(pool *p, size_t i)
{
	data_job *j = p->ud;
	const char *key = j->keys[i];
	unsigned char sha[32];
	char hex[65];
	uint64_t size = 0;
	int r = 0;

	pool_set_current(p, key);
	snprintf(hex, sizeof(hex), "%.2s%s", key + 8, key + 11);
	if (vds_sha256_parse(hex, sha) < 0)
		return 0; /* listed as content below: cannot happen */
	for (int n = 0; n < READS && r == 0; n++)
		r = read_once(p, j->b, key, sha, &size);
	if (r == VDS_ECANCELED || pool_stopping(p))
		return vds_err(VDS_ECANCELED, "cancelled");
	if (r == VDS_ENOTFOUND) { /* removed meanwhile (gc): nothing to check */
	} else if (r == VDS_ECORRUPT && vds_backend_packed(j->b)) {
		char why[400]; /* the pack and blob, named by the reader */
		snprintf(why, sizeof(why), "%s", vds_errmsg());
		report(p, j, false, key, why);
	} else if (r < 0) {
		return r;
	} else if (r == 0) {
		bool removed = j->repair && j->b->ops->remove(j->b, key) == 0;
		report(p, j, removed, key, NULL);
	}
	pthread_mutex_lock(&p->lock);
	j->res->objects++;
	j->res->bytes += size;
	pthread_mutex_unlock(&p->lock);
	atomic_fetch_add(&p->files_done, 1);
	return 0;
}

/* Adds the content keys of backend B to *KEYS (N of them, CAP room). */
static int list_content(vds_backend *b, char ***keys, size_t *n, size_t *cap)
{
	char **dirs, **names;
	size_t nd, nn;
	int r = list_names(b, "objects", &dirs, &nd);

	for (size_t i = 0; i < nd && r == 0; i++) {
		char *prefix = xasprintf("objects/%s", dirs[i]);
		if ((r = list_names(b, prefix, &names, &nn)) == 0) {
			for (size_t k = 0; k < nn; k++) {
				char hex[80];
				unsigned char sha[32];
				snprintf(hex, sizeof(hex), "%s%s", dirs[i], names[k]);
				if (strlen(dirs[i]) != 2 || strlen(hex) != 64 ||
				    vds_sha256_parse(hex, sha) < 0)
					continue; /* not content: plain fsck's business */
				if (*n == *cap) {
					*cap = *cap ? *cap * 2 : 256;
					*keys = xrealloc(*keys, *cap * sizeof(**keys));
				}
				(*keys)[(*n)++] = xasprintf("%s/%s", prefix, names[k]);
			}
			names_free(names, nn);
		}
		free(prefix);
	}
	names_free(dirs, nd);
	if (r == VDS_ENOTFOUND)
		r = 0;
	if (r == 0 && vds_backend_packed(b)) {
		/* every blob of the packs: each chunk read and checked as a content of its
		   own, each file of several chunks through its recipe and segments */
		packindex x;
		packindex_init(&x);
		if ((r = packindex_load(b, &x)) == 0) {
			for (size_t i = 0; i < x.n; i++) {
				char key[80];
				if (x.e[i].type == PACK_SEGMENT)
					continue;
				vds_content_key(x.e[i].id, key);
				if (*n == *cap) {
					*cap = *cap ? *cap * 2 : 256;
					*keys = xrealloc(*keys, *cap * sizeof(**keys));
				}
				(*keys)[(*n)++] = xstrdup(key);
			}
		}
		packindex_release(&x);
	}
	return r;
}

int vds_fsck_read_data(vds_ctx *ctx, const char *provider_id, bool repair, const vds_opts *o,
		       vds_fsck_fn fn, void *ud, vds_fsck_data_result *res)
{
	const vds_provider *only;
	int r;

	memset(res, 0, sizeof(*res));
	if ((r = maintain_target(ctx, provider_id, repair, &only)) < 0)
		return r;
	for (size_t i = 0; i < ctx->nprov && r == 0; i++) {
		data_job job = {.repair = repair && !provider_read_only(&ctx->prov[i]), .fn = fn,
				.ud = ud, .res = res};
		size_t n = 0, cap = 0;
		pool p = {0};

		if (only && only != &ctx->prov[i])
			continue;
		if ((r = ctx_backend_at(ctx, i, &job.b)) < 0)
			break;
		if ((r = list_content(job.b, &job.keys, &n, &cap)) == 0) {
			p.nitems = n;
			p.work = check_object;
			p.ud = &job;
			p.opts = o;
			p.files_total = n;
			if (o && o->concurrency)
				job.b->concurrency = o->concurrency;
			r = pool_run(&p, job.b->concurrency);
		}
		for (size_t k = 0; k < n; k++)
			free(job.keys[k]);
		free(job.keys);
	}
	return r;
}
