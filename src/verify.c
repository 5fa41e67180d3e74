/*
 * verify.c - re-reading every file of a version and checking its SHA-256;
 * a link's target must also be one files get would write (linkres.h). A
 * file that does not match is read again (twice at most) before it counts
 * as damaged: its bytes may have been damaged on their way.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "linkres.h"
#include "pool.h"
#include "core.h"

#define READS 3 /* reads of a file that does not match before it counts as damaged */

typedef struct verify_job {
	vds_backend *b;
	vds_entry *e; /* paths owned */
	void (*bad)(const char *path, const char *why, void *ud);
	void *ud;
	_Atomic uint64_t failed;
} verify_job;

static void report(pool *p, verify_job *j, const char *path, const char *why)
{
	atomic_fetch_add(&j->failed, 1);
	pthread_mutex_lock(&p->lock);
	if (j->bad)
		j->bad(path, why, j->ud);
	pthread_mutex_unlock(&p->lock);
}

typedef struct hashing {
	pool *p;
	EVP_MD_CTX *md;
	uint64_t size;
	char *target; /* a link's: its first LINK_TARGET_MAX + 1 bytes */
} hashing;

static int hash_chunk(const void *data, size_t len, void *ud)
{
	hashing *h = ud;

	EVP_DigestUpdate(h->md, data, len);
	if (h->target && h->size <= LINK_TARGET_MAX) {
		size_t n = LINK_TARGET_MAX + 1 - h->size < len ? LINK_TARGET_MAX + 1 - h->size : len;
		memcpy(h->target + h->size, data, n);
	}
	h->size += len;
	atomic_fetch_add(&h->p->bytes_done, (uint64_t)len);
	return 0;
}

static int verify_one(pool *p, size_t i)
{
	verify_job *j = p->ud;
	const vds_entry *e = &j->e[i];
	char key[80];
	unsigned char got[32];
	hashing h = {.p = p, .md = EVP_MD_CTX_new()};
	const char *why = NULL;
	int r;

	pool_set_current(p, e->path);
	vds_content_key(e->sha256, key);
	if (e->type == VDS_LINK)
		h.target = xmalloc(LINK_TARGET_MAX + 1);
	for (int n = 0; n < READS; n++) {
		h.size = 0;
		EVP_DigestInit_ex(h.md, EVP_sha256(), NULL);
		/* read from the provider itself, never from a cache */
		r = j->b->ops->stream(j->b, key, hash_chunk, &h, p->opts ? p->opts->cancel : NULL);
		EVP_DigestFinal_ex(h.md, got, NULL);
		if (r < 0 || (h.size == e->size && !memcmp(got, e->sha256, 32)))
			break;
	}
	EVP_MD_CTX_free(h.md);
	if (h.target)
		why = link_target_problem(h.target, h.size);
	free(h.target);
	if (r == VDS_ECANCELED || pool_stopping(p))
		return vds_err(VDS_ECANCELED, "cancelled");
	if (r == VDS_ENOTFOUND)
		report(p, j, e->path, "content missing");
	else if (r < 0)
		report(p, j, e->path, vds_errmsg());
	else if (h.size != e->size || memcmp(got, e->sha256, 32))
		report(p, j, e->path, "content does not match its SHA-256");
	else if (why) {
		char msg[96];
		snprintf(msg, sizeof(msg), "link target %s", why);
		report(p, j, e->path, msg);
	}
	atomic_fetch_add(&p->files_done, 1);
	return 0;
}

int vds_verify(vds_ctx *ctx, const char *ds, const char *ver, const vds_opts *o,
	       void (*bad)(const char *path, const char *why, void *ud), void *ud,
	       uint64_t *checked, uint64_t *failed)
{
	vds_backend *b;
	vds_tree *t;
	verify_job job = {0};
	pool p = {0};
	uint64_t n, bytes = 0;
	int r;

	if ((r = ctx_dataset_backend(ctx, ds, &b, NULL)) < 0 || (r = vds_tree_open(ctx, ds, ver, &t)) < 0)
		return r;
	n = vds_tree_count(t);
	job.e = xcalloc(n + 1, sizeof(*job.e));
	for (uint64_t i = 0; i < n && r == 0; i++) {
		if ((r = vds_tree_at(t, i, &job.e[i])) == 0) {
			job.e[i].path = xstrdup(job.e[i].path);
			bytes += job.e[i].size;
		}
	}
	vds_tree_free(t);
	job.b = b;
	job.bad = bad;
	job.ud = ud;
	p.nitems = n;
	p.work = verify_one;
	p.ud = &job;
	p.opts = o;
	p.files_total = n;
	p.bytes_total = bytes;
	if (r == 0)
		if (o && o->concurrency) /* transfers in flight, parts of large files too */
		b->concurrency = o->concurrency;
	r = pool_run(&p, b->concurrency);
	*checked = atomic_load(&p.files_done);
	*failed = atomic_load(&job.failed);
	for (uint64_t i = 0; i < n; i++)
		free((char *)job.e[i].path);
	free(job.e);
	if (r == 0 && *failed)
		r = vds_err(VDS_ECORRUPT, "%llu of %llu files of %s:%s are damaged or missing",
			    (unsigned long long)*failed, (unsigned long long)n, ds, ver);
	return r;
}
