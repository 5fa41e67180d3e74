/*
 * files_put.c - putting local files and downloads into a draft. Content is
 * stored (in parallel) and made durable first; then one change record adds
 * every file at once, so a put is all or nothing.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hashcache.h"
#include "import.h"
#include "manifest.h"
#include "pool.h"
#include "core.h"
#include "walk.h"

typedef struct put_job {
	vds_backend *b;
	walk_list *items;
	import_list *imports; /* downloads, worked on after the local files */
	unsigned char (*sha)[32];
	hashcache *cache;
	int64_t start_ns;
	_Atomic uint64_t stored;
} put_job;

static int put_link(put_job *j, walk_item *it, unsigned char sha[32])
{
	char key[80];
	size_t len = strlen(it->link);

	EVP_Digest(it->link, len, sha, NULL, EVP_sha256(), NULL);
	vds_content_key(sha, key);
	int r = j->b->ops->touch(j->b, key); /* stored already: fresh for gc */
	return r == VDS_ENOTFOUND ? j->b->ops->write(j->b, key, it->link, len) : r;
}

static int put_one(pool *p, size_t i)
{
	put_job *j = p->ud;
	walk_item *it = &j->items->v[i];
	char key[80];
	struct stat st;
	bool stored = false;
	int r = 0;

	pool_set_current(p, it->dest);
	if (it->link) {
		r = put_link(j, it, j->sha[i]);
		atomic_fetch_add(&p->bytes_done, (uint64_t)it->st.st_size);
		goto done;
	}
	/* an unchanged file whose content the store has is not even opened */
	if (hashcache_get(j->cache, &it->st, j->sha[i])) {
		vds_content_key(j->sha[i], key);
		if ((r = j->b->ops->touch(j->b, key)) == 0) { /* stored already: fresh for gc */
			atomic_fetch_add(&p->bytes_done, (uint64_t)it->st.st_size);
			goto done;
		}
		if (r != VDS_ENOTFOUND)
			return r;
		r = 0;
	}
	int fd = open(it->src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return vds_err(VDS_EIO, "cannot read %s: %s", q(it->src), strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return vds_err(VDS_EIO, "cannot read %s: no longer a regular file", q(it->src));
	}
	r = j->b->ops->put_content(j->b, fd, j->sha[i], &stored, &p->bytes_done,
				   p->opts ? p->opts->cancel : NULL);
	if (r < 0 && r != VDS_ECANCELED) {
		char msg[512];
		snprintf(msg, sizeof(msg), "%s", vds_errmsg());
		r = vds_err(r, "cannot put %s: %s", q(it->src), msg);
	}
	if (r == 0) {
		struct stat after;
		/* the size recorded is what was hashed: refuse files changing under us */
		if (fstat(fd, &after) < 0 || after.st_size != st.st_size ||
		    after.st_mtim.tv_nsec != st.st_mtim.tv_nsec || after.st_mtim.tv_sec != st.st_mtim.tv_sec)
			r = vds_err(VDS_EIO, "%s changed while it was being read", q(it->src));
		else
			hashcache_put(j->cache, &st, j->sha[i], j->start_ns);
	}
	close(fd);
	it->st = st;
	if (stored)
		atomic_fetch_add(&j->stored, (uint64_t)st.st_size);
done:
	if (r == 0)
		atomic_fetch_add(&p->files_done, 1);
	return r;
}

/* Works on item I: a local file, or after them a download. */
static int put_item(pool *p, size_t i)
{
	put_job *j = p->ud;

	if (i < j->items->n)
		return put_one(p, i);
	import_item *it = &j->imports->v[i - j->items->n];
	int r = import_run(p, j->b, it);
	atomic_fetch_add(&j->stored, it->stored);
	return r;
}

/* Appends the change lines of every file of the put to REC. */
static void put_record(const put_job *j, strbuf *rec)
{
	sb_adds(rec, CHANGES_HEADER);
	for (size_t i = 0; i < j->items->n; i++) {
		walk_item *it = &j->items->v[i];
		vds_entry e = {
			.path = it->dest,
			.type = it->link ? VDS_LINK : VDS_FILE,
			.size = (uint64_t)it->st.st_size,
			.mode = it->link ? 0777 : (uint32_t)(it->st.st_mode & 07777),
			.mtime = (int64_t)it->st.st_mtim.tv_sec,
		};
		memcpy(e.sha256, j->sha[i], 32);
		manifest_add_entry(rec, &e);
	}
	for (size_t i = 0; i < j->imports->n; i++)
		for (size_t k = 0; k < j->imports->v[i].n; k++) {
			const import_entry *ie = &j->imports->v[i].v[k];
			vds_entry e = {.path = ie->dest, .type = ie->type, .size = ie->size,
				       .mode = ie->mode, .mtime = ie->mtime};
			memcpy(e.sha256, ie->sha, 32);
			manifest_add_entry(rec, &e);
		}
}

int vds_files_add(vds_ctx *ctx, const char *ds, const char *ver, const vds_source *sources,
		  size_t nsources, const char *target, const vds_opts *o, vds_put_result *res)
{
	vds_backend *b;
	walk_list items = {0};
	import_list imports = {0};
	char *tgt = NULL;
	put_job job = {0};
	pool p = {0};
	strbuf rec = STRBUF_INIT;
	struct timespec now;
	int r;

	if (res)
		memset(res, 0, sizeof(*res));
	if ((r = ctx_dataset_backend(ctx, ds, &b, NULL)) < 0)
		return r;
	if (vds_backend_read_only(b)) /* refused before anything is downloaded */
		return vds_err(VDS_ECONFLICT, "storage provider %s is read-only", b->provider_id);
	if ((r = version_require_open_draft(b, ds, ver)) < 0 ||
	    (r = vds_path_normalize(target ? target : "", &tgt)) < 0)
		return r;
	for (size_t i = 0; i < nsources && r == 0; i++)
		r = vds_source_check_one(ctx, &sources[i]);
	for (size_t i = 0; i < nsources && r == 0; i++)
		r = vds_source_is_url(sources[i].location)
			    ? import_prepare(ctx, &sources[i], tgt, &imports)
			    : walk_source(&items, sources[i].location, tgt, o);
	for (size_t i = 0; i < items.n && r == 0; i++)
		r = path_check(items.v[i].dest);
	if (r < 0)
		goto out;
	char *cache_path = xasprintf("%s/hashcache", ctx->cache_dir);
	job.cache = hashcache_load(cache_path);
	free(cache_path);
	clock_gettime(CLOCK_REALTIME, &now);
	job.start_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
	job.b = b;
	job.items = &items;
	job.imports = &imports;
	job.sha = xcalloc(items.n + 1, sizeof(*job.sha));
	p.nitems = items.n + imports.n;
	p.work = put_item;
	p.ud = &job;
	p.opts = o;
	p.files_total = items.n + imports.n;
	p.bytes_total = items.bytes + imports.bytes;
	b->ops->prepare_put(b, items.n);
	if (o && o->concurrency) /* transfers in flight, parts of large files too */
		b->concurrency = o->concurrency;
	r = pool_run(&p, b->concurrency);
	if (r < 0) {
		b->ops->discard(b);
		goto out;
	}
	if ((r = b->ops->flush(b)) < 0)
		goto out;
	put_record(&job, &rec);
	if ((r = version_add_changes(b, ds, ver, rec.buf, rec.len)) < 0)
		goto out;
	hashcache_save(job.cache);
	if (res) {
		res->files = items.n;
		res->bytes = items.bytes;
		for (size_t i = 0; i < imports.n; i++)
			for (size_t k = 0; k < imports.v[i].n; k++) {
				res->files++;
				res->bytes += imports.v[i].v[k].size;
			}
		res->stored_bytes = atomic_load(&job.stored);
		res->skipped = items.skipped;
	}
out:
	sb_release(&rec);
	hashcache_free(job.cache);
	free(job.sha);
	walk_release(&items);
	import_release(&imports);
	free(tgt);
	return r;
}

int vds_files_put(vds_ctx *ctx, const char *ds, const char *ver, const char *const *sources,
		  size_t nsources, const char *target, const vds_opts *o, vds_put_result *res)
{
	vds_source *v = xcalloc(nsources + 1, sizeof(*v));
	int r;

	for (size_t i = 0; i < nsources; i++)
		v[i].location = sources[i];
	r = vds_files_add(ctx, ds, ver, v, nsources, target, o, res);
	free(v);
	return r;
}
