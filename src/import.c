/*
 * import.c - files from URLs. Each download is one pool item: its bytes go
 * into a spool file of the backend (the store's tmp/, or a remote
 * provider's cache) while they are hashed, then into the store; nothing is
 * visible until files_put.c writes the one change record of the whole put.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "import.h"
#include "manifest.h"
#include "core.h"

/* ---- spool files ---------------------------------------------------------- */

int spool_open(spool *s, vds_backend *b, pool *p)
{
	int r;

	memset(s, 0, sizeof(*s));
	s->b = b;
	s->p = p;
	s->fd = -1;
	if ((r = b->ops->spool(b, &s->fd, &s->path)) < 0)
		return r;
	s->md = EVP_MD_CTX_new();
	EVP_DigestInit_ex(s->md, EVP_sha256(), NULL);
	return 0;
}

int spool_write(spool *s, const void *data, size_t len)
{
	const char *c = data;
	size_t left = len;

	while (left) {
		ssize_t n = write(s->fd, c, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return vds_err(errno == ENOSPC || errno == EDQUOT ? VDS_ENOSPC : VDS_EIO,
				       "writing to the store: %s", strerror(errno));
		c += n;
		left -= (size_t)n;
	}
	EVP_DigestUpdate(s->md, data, len);
	s->size += len;
	if (s->p)
		atomic_fetch_add(&s->p->bytes_done, (uint64_t)len);
	return 0;
}

void spool_reset(spool *s)
{
	if (s->p)
		atomic_fetch_sub(&s->p->bytes_done, s->size);
	s->size = 0;
	if (ftruncate(s->fd, 0) < 0 || lseek(s->fd, 0, SEEK_SET) < 0)
		(void)0; /* a fresh file of our own: the next write reports any trouble */
	EVP_DigestInit_ex(s->md, EVP_sha256(), NULL);
}

void spool_hash(spool *s, unsigned char sha[32])
{
	EVP_DigestFinal_ex(s->md, sha, NULL);
	lseek(s->fd, 0, SEEK_SET);
}

/* Closes the spool's file and hash; the path stays with the caller. */
static void spool_close(spool *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	EVP_MD_CTX_free(s->md);
	s->md = NULL;
}

int spool_put(spool *s, const unsigned char sha[32], bool *stored)
{
	atomic_int *cancel = s->p && s->p->opts ? s->p->opts->cancel : NULL;
	/* the bytes were counted as they arrived: the upload does not count them again */
	int r = s->b->ops->put_spooled(s->b, s->path, s->fd, sha, stored, NULL, cancel);

	s->path = NULL;
	spool_close(s);
	return r;
}

void spool_drop(spool *s)
{
	if (s->path) {
		unlink(s->path);
		free(s->path);
		s->path = NULL;
	}
	spool_close(s);
}

/* ---- items ------------------------------------------------------------------ */

int import_put_hashed(import_item *it, spool *s, const unsigned char sha[32], const char *dest,
		      char type, uint32_t mode, int64_t mtime)
{
	import_entry e = {.type = type, .size = s->size, .mode = mode, .mtime = mtime};
	bool stored;
	int r;

	memcpy(e.sha, sha, 32);
	if ((r = spool_put(s, sha, &stored)) < 0)
		return r;
	if (stored)
		it->stored += e.size;
	if (it->n == it->cap) {
		it->cap = it->cap ? it->cap * 2 : 4;
		it->v = xrealloc(it->v, it->cap * sizeof(*it->v));
	}
	e.dest = xstrdup(dest);
	it->v[it->n++] = e;
	return 0;
}

bool vds_source_is_url(const char *location)
{
	return !strncmp(location, "http://", 7) || !strncmp(location, "https://", 8) ||
	       !strncmp(location, "s3://", 5);
}

char *url_display(const char *url)
{
	const char *host = strstr(url, "://");
	strbuf sb = STRBUF_INIT;

	host = host ? host + 3 : url;
	size_t hostlen = strcspn(host, "/?#");
	const char *at = memchr(host, '@', hostlen);
	sb_add(&sb, url, (size_t)(host - url));
	if (at) { /* user name and password stay out of messages */
		sb_adds(&sb, "***@");
		hostlen -= (size_t)(at + 1 - host);
		host = at + 1;
	}
	sb_add(&sb, host, hostlen);
	const char *path = host + hostlen;
	size_t pathlen = strcspn(path, "?#");
	sb_add(&sb, path, pathlen);
	if (path[pathlen] == '?') /* a query may carry a signature or a token */
		sb_adds(&sb, "?...");
	return sb_detach(&sb, NULL);
}

/* Splits "s3://BUCKET/KEY" into malloc'd parts; VDS_EINVAL if malformed. */
static int s3_url_split(const char *url, char **bucket, char **key)
{
	const char *b = url + 5, *slash = strchr(b, '/');
	size_t blen = slash ? (size_t)(slash - b) : strlen(b);

	if (!blen || blen > 255 || strspn(b, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					   "0123456789.-_") < blen)
		return vds_err(VDS_EINVAL, "malformed URL %s: expected s3://BUCKET/PREFIX", q(url));
	*bucket = xstrndup(b, blen);
	*key = xstrdup(slash ? slash + 1 : "");
	return 0;
}

int vds_source_check_one(vds_ctx *ctx, const vds_source *s)
{
	const vds_provider *p;
	int r;

	if (s->sha256 && (strlen(s->sha256) != 64 || strspn(s->sha256, "0123456789abcdefABCDEF") != 64))
		return vds_err(VDS_EINVAL, "malformed SHA-256 %s: expected 64 hex digits", q(s->sha256));
	if (s->provider_id && (r = vds_provider_find(ctx, s->provider_id, &p)) < 0)
		return r;
	if (s->provider_id && strcmp(p->type, "s3"))
		return vds_err(VDS_EINVAL, "storage provider %s is not an S3 provider", p->id);
	if (!vds_source_is_url(s->location)) {
		if (strstr(s->location, "://"))
			return vds_err(VDS_EINVAL,
				       "unsupported URL %s: use http://, https:// or s3://",
				       q(s->location));
		return vds_source_check(s->location);
	}
	if (!strncmp(s->location, "s3://", 5)) {
		char *bucket, *key;
		if ((r = s3_url_split(s->location, &bucket, &key)) < 0)
			return r;
		free(bucket);
		free(key);
		return 0;
	}
	const char *host = strstr(s->location, "://") + 3;
	if (!*host || *host == '/' || strpbrk(s->location, " \t\r\n"))
		return vds_err(VDS_EINVAL, "malformed URL %s", q(s->location));
	return 0;
}

static import_item *add_item(import_list *l, const vds_source *s, const char *folder)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	import_item *it = &l->v[l->n++];
	memset(it, 0, sizeof(*it));
	it->src = s;
	it->folder = xstrdup(folder);
	return it;
}

/* FOLDER/NAME ("" folder: NAME); malloc'd. */
static char *join(const char *folder, const char *name)
{
	return *folder ? xasprintf("%s/%s", folder, name) : xstrdup(name);
}

/* Lists the objects of an s3:// source and adds one item per object. */
static int prepare_s3(vds_ctx *ctx, const vds_source *s, const char *target, import_list *l)
{
	char *bucket, *key, *raw = url_display(s->location), *shown = xstrdup(q(raw));
	s3_config cfg;
	s3_listing ls = {0};
	size_t before = l->n;
	int r;

	if ((r = s3_url_split(s->location, &bucket, &key)) < 0)
		goto out_shown;
	if ((r = import_s3_config(ctx, s->provider_id, bucket, &cfg)) < 0)
		goto out;
	s3_client *c = s3_client_new(&cfg);
	s3_config_release(&cfg);
	l->clients = xrealloc(l->clients, (l->nclients + 1) * sizeof(*l->clients));
	l->clients[l->nclients++] = c;
	/* "s3://b/k": the object k if there is one, else the folder k/ */
	size_t klen = strlen(key);
	if ((r = s3_list_all(c, key, NULL, &ls, 0)) < 0) {
		char msg[512];
		snprintf(msg, sizeof(msg), "%s", vds_errmsg());
		/* a bucket may let objects be read but not listed: one object by its key */
		s3_req head = {.method = "HEAD", .key = key};
		if (klen && key[klen - 1] != '/' && s3_do(c, &head) == 0) {
			s3_object o = {.key = key, .size = head.length, .mtime = head.last_modified};
			s3_listing_release(&ls);
			ls.obj = xmalloc(sizeof(*ls.obj));
			ls.obj[0] = o;
			ls.obj[0].key = xstrdup(key);
			ls.nobj = ls.capobj = 1;
			r = 0;
		} else {
			r = vds_err(r, "cannot list %s: %s", shown, msg);
			goto out;
		}
	}
	bool single = false;
	for (size_t i = 0; i < ls.nobj; i++)
		single |= klen && !strcmp(ls.obj[i].key, key);
	for (size_t i = 0; i < ls.nobj && r == 0; i++) {
		const s3_object *o = &ls.obj[i];
		const char *rel = o->key + klen;
		char *path = NULL;
		if (single ? strcmp(o->key, key) != 0 : klen && key[klen - 1] != '/' && *rel != '/')
			continue; /* "data" names data/..., not data2/... */
		if (o->key[strlen(o->key) - 1] == '/')
			continue; /* a folder marker */
		if (single) {
			const char *base = strrchr(o->key, '/');
			rel = base ? base + 1 : o->key;
		}
		if ((r = vds_path_normalize(rel, &path)) < 0 || (r = path_check(path)) < 0) {
			r = vds_err(VDS_EINVAL, "unsafe key %s in %s", q(o->key), shown);
			free(path);
			break;
		}
		import_item *it = add_item(l, s, target);
		char *raw_key = xasprintf("s3://%s/%s", bucket, o->key);
		it->shown = xstrdup(q(raw_key));
		free(raw_key);
		it->s3 = c;
		it->key = xstrdup(o->key);
		it->size = o->size;
		it->mtime = o->mtime;
		it->dest = join(target, path);
		l->bytes += o->size;
		free(path);
	}
	if (r == 0 && l->n == before)
		r = vds_err(VDS_ENOTFOUND, "no objects at %s", shown);
out:
	s3_listing_release(&ls);
	free(bucket);
	free(key);
out_shown:
	free(shown);
	free(raw);
	return r;
}

int import_prepare(vds_ctx *ctx, const vds_source *s, const char *target, import_list *l)
{
	if (!strncmp(s->location, "s3://", 5))
		return prepare_s3(ctx, s, target, l);
	import_item *it = add_item(l, s, target);
	char *raw = url_display(s->location);
	it->url = xstrdup(s->location);
	it->shown = xstrdup(q(raw));
	free(raw);
	return 0;
}

/* Sink of an S3 object's bytes into the spool. */
static int s3_sink(const void *data, size_t len, void *ud)
{
	return spool_write(ud, data, len); /* a status: non-zero stops the transfer */
}

/* Start over: a retried GET sends the object from its beginning. */
static void s3_restart(void *ud)
{
	spool_reset(ud);
}

/* Downloads one S3 object of IT into spool S. */
static int fetch_s3(import_item *it, spool *s, atomic_int *cancel)
{
	s3_req rq = {.method = "GET", .key = it->key, .sink = s3_sink, .restart = s3_restart,
		     .sink_ud = s, .cancel = cancel};
	int r = s3_do(it->s3, &rq);

	if (r == 0 && s->size != it->size)
		r = vds_err(VDS_EIO, "object %s in bucket %s: got %llu of %llu bytes", q(it->key),
			    q(s3_bucket(it->s3)), (unsigned long long)s->size,
			    (unsigned long long)it->size);
	return r;
}

/* Checks the download against the SHA-256 the user gave. */
static int check_sha(const import_item *it, const unsigned char sha[32], const char *shown)
{
	char hex[65];

	if (!it->src->sha256)
		return 0;
	vds_sha256_hex(sha, hex);
	if (strcasecmp(hex, it->src->sha256))
		return vds_err(VDS_ECORRUPT, "%s has SHA-256 %s, not the expected %s", shown, hex,
			       it->src->sha256);
	return 0;
}

int import_run(pool *p, vds_backend *b, import_item *it)
{
	atomic_int *cancel = p->opts ? p->opts->cancel : NULL;
	const char *shown = it->shown;
	char *name = NULL, *dest = NULL;
	unsigned char sha[32];
	int64_t mtime = it->mtime;
	spool s;
	int r;

	pool_set_current(p, shown);
	if ((r = spool_open(&s, b, p)) < 0)
		goto out;
	r = it->url ? http_fetch(it->url, &s, &name, &mtime, cancel) : fetch_s3(it, &s, cancel);
	if (r < 0)
		goto fail;
	spool_hash(&s, sha);
	if ((r = check_sha(it, sha, shown)) < 0)
		goto fail;
	if (it->src->extract) {
		const char *folder = it->folder;
		char *parent = NULL;
		if (it->dest && strrchr(it->dest, '/')) /* an object of a prefix: its folder */
			folder = parent = xstrndup(it->dest, (size_t)(strrchr(it->dest, '/') - it->dest));
		r = archive_unpack(p, b, it, s.path, shown, folder);
		free(parent);
		spool_drop(&s);
		goto out;
	}
	dest = it->dest ? xstrdup(it->dest) : join(it->folder, name);
	if ((r = path_check(dest)) < 0) {
		spool_drop(&s);
		goto out;
	}
	r = import_put_hashed(it, &s, sha, dest, VDS_FILE, 0644, mtime);
	goto out;
fail:
	spool_drop(&s);
	if (r != VDS_ECANCELED && !strstr(vds_errmsg(), shown)) {
		char msg[512];
		snprintf(msg, sizeof(msg), "%s", vds_errmsg());
		r = vds_err(r, "cannot download %s: %s", shown, msg);
	}
out:
	if (r == 0)
		atomic_fetch_add(&p->files_done, 1);
	free(dest);
	free(name);
	return r;
}

void import_release(import_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		import_item *it = &l->v[i];
		for (size_t k = 0; k < it->n; k++)
			free(it->v[k].dest);
		free(it->v);
		free(it->url);
		free(it->shown);
		free(it->key);
		free(it->dest);
		free(it->folder);
	}
	free(l->v);
	for (size_t i = 0; i < l->nclients; i++)
		s3_client_free(l->clients[i]);
	free(l->clients);
	memset(l, 0, sizeof(*l));
}
