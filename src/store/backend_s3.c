/*
 * backend_s3.c - the S3-compatible storage provider (AWS S3, Ceph RGW,
 * Swift's s3api, MinIO, R2). Keys are the local store's layout below the
 * provider's prefix, so a store copied either way with any S3 tool works.
 *
 * A PUT is atomic and durable when answered, so content is visible once
 * uploaded and flush() has nothing left to do; the change record written
 * after it is what makes a put count. Content is hashed first, and only
 * uploaded if the bucket lacks it: a listing of objects/ answers for many
 * files at once, a HEAD for a few. Large files go up in parallel parts,
 * resumed after an interruption; reads of content go through the local
 * cache and are checked against their SHA-256 on arrival.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backend_s3.h"
#include "cache.h"

static int s_read(vds_backend *b, const char *key, char **out, size_t *len)
{
	s3_backend *sb = (s3_backend *)b;
	strbuf body = STRBUF_INIT;
	s3_req r = {.method = "GET", .key = key, .out = &body};
	memo_key k;
	int listed = s3m_find(&sb->memo, key, &k), rc;

	/* a listing of this operation tells whether it exists, and which bytes it holds */
	if (listed == 0)
		return vds_err(VDS_ENOTFOUND, "no object %s", q(key));
	/* the pack first (in memory; itself a record cache entry, so its
	   records need none of their own), then the record cache */
	if (listed == 1 && *k.etag &&
	    (recpack_find(sb->packs, key, k.etag, out, len) ||
	     reccache_get(sb->records, k.etag, out, len))) {
		recpack_note(sb->packs, key, k.etag, *out, *len, false);
		return 0;
	}
	if ((rc = s3_do(sb->c, &r)) < 0) {
		sb_release(&body);
		return rc;
	}
	*out = sb_detach(&body, len);
	/* a record whose ETag is the MD5 of what arrived: what a listing will name */
	if (strncmp(key, "objects/", 8) != 0)
		reccache_put(sb->records, r.etag, *out, *len);
	if (listed == 1 && *k.etag)
		recpack_note(sb->packs, key, k.etag, *out, *len, true);
	return 0;
}

#define LEASE_SKEW_S 10 /* how far the clocks of writers may disagree */

/* True for keys that are never overwritten: content and stamped records. */
static bool write_once(const char *key)
{
	const char *base = strrchr(key, '/');

	if (!strncmp(key, "objects/", 8))
		return true;
	base = base ? base + 1 : key;
	return strlen(base) > 17 && base[16] == '-' && strspn(base, "0123456789abcdef") == 16;
}

/* A 412 on a write-once key: fine if the object holds exactly our bytes. */
static int same_object(vds_backend *b, const char *key, const void *data, size_t len)
{
	char *cur;
	size_t curlen;
	int r;

	if (!strncmp(key, "objects/", 8))
		return 0; /* named by its content */
	if ((r = s_read(b, key, &cur, &curlen)) < 0)
		return r;
	r = curlen == len && !memcmp(cur, data, len)
		    ? 0
		    : vds_err(VDS_ECONFLICT, "record %s exists already", q(key));
	free(cur);
	return r;
}

static int s_write(vds_backend *b, const char *key, const void *data, size_t len)
{
	s3_backend *sb = (s3_backend *)b;
	static const char *const guard[] = {"If-None-Match: *", NULL};
	bool once = write_once(key) && atomic_load(&sb->cond_put) != 0;
	s3_req r = {.method = "PUT", .key = key, .body = data ? data : "", .body_len = len,
		    .headers = once ? guard : NULL, .allow_412 = once, .allow_501 = once};
	int rc;

	s3m_forget(&sb->memo); /* this process reads what it writes */
	rc = s3_do(sb->c, &r);

	if (rc == 0 && r.status == 501) { /* no conditional PUT here (Swift): plain writes */
		atomic_store(&sb->cond_put, 0);
		return s_write(b, key, data, len);
	}
	if (rc == 0 && r.status == 412)
		return same_object(b, key, data, len);
	if (rc == 0 && once)
		atomic_store(&sb->cond_put, 1);
	if (rc == 0 && strncmp(key, "objects/", 8) != 0)
		reccache_keep(sb->records, data, len); /* the next listing names it by this MD5 */
	return rc;
}

static int s_create(vds_backend *b, const char *key, const void *data, size_t len)
{
	s3_backend *sb = (s3_backend *)b;
	static const char *const guard[] = {"If-None-Match: *", NULL};
	s3_req r = {.method = "PUT", .key = key, .body = data, .body_len = len,
		    .headers = guard, .allow_412 = true, .allow_501 = true};
	int rc;

	s3m_forget(&sb->memo);
	if (atomic_load(&sb->cond_put) == 0)
		return CREATE_UNSUPPORTED;
	if ((rc = s3_do(sb->c, &r)) < 0)
		return rc;
	if (r.status == 501) {
		atomic_store(&sb->cond_put, 0);
		return CREATE_UNSUPPORTED;
	}
	atomic_store(&sb->cond_put, 1);
	if (r.status == 412) /* ours, if an earlier attempt arrived unseen */
		return same_object(b, key, data, len) == 0 ? 0 : CREATE_EXISTS;
	reccache_keep(sb->records, data, len);
	return 0;
}

static int s_remove(vds_backend *b, const char *key)
{
	s3_req r = {.method = "DELETE", .key = key};

	s3m_forget(&((s3_backend *)b)->memo);
	return s3_do(((s3_backend *)b)->c, &r);
}

/* Deletes KEYS[0..N) with one DeleteObjects request. */
static int delete_batch(s3_backend *sb, const s3_object *keys, size_t n)
{
	strbuf xml = STRBUF_INIT, body = STRBUF_INIT;
	unsigned char md5[16];
	unsigned char b64[32];
	char md5h[64];

	sb_adds(&xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
		      "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Quiet>true</Quiet>");
	for (size_t i = 0; i < n; i++) {
		sb_adds(&xml, "<Object><Key>");
		sb_adds(&xml, s3_prefix(sb->c));
		sb_adds(&xml, keys[i].key);
		sb_adds(&xml, "</Key></Object>");
	}
	sb_adds(&xml, "</Delete>");
	EVP_Digest(xml.buf, xml.len, md5, NULL, EVP_md5(), NULL);
	EVP_EncodeBlock(b64, md5, 16);
	snprintf(md5h, sizeof(md5h), "Content-MD5: %s", b64);
	const char *const hdr[] = {md5h, "Content-Type: application/xml", NULL};
	s3_req r = {.method = "POST", .query = "delete=", .body = xml.buf, .body_len = xml.len,
		    .headers = hdr, .out = &body};
	int rc = s3_do(sb->c, &r);
	if (rc == 0) {
		s3_listing l = {0};
		if ((rc = s3_xml_parse(body.buf ? body.buf : "", body.len, 0, &l)) == 0 && l.nobj)
			rc = vds_err(VDS_EIO, "cannot delete %s from bucket %s", q(l.obj[0].key),
				     q(s3_bucket(sb->c)));
		s3_listing_release(&l);
	}
	sb_release(&xml);
	sb_release(&body);
	return rc;
}

/* True if KEY needs no escaping inside XML text. */
static bool xml_safe(const char *s)
{
	return !strpbrk(s, "<>&\"'");
}

static int s_remove_tree(vds_backend *b, const char *prefix)
{
	s3_backend *sb = (s3_backend *)b;
	s3_listing l = {0};
	char *p = xasprintf("%s/", prefix);
	int r = (s3m_forget(&sb->memo), s3_list_all(sb->c, p, NULL, &l, 0));
	s3_object *batch = xcalloc(l.nobj + 1, sizeof(*batch));
	size_t n = 0;

	for (size_t i = 0; i < l.nobj && r == 0; i++) {
		if (xml_safe(l.obj[i].key))
			batch[n++] = l.obj[i]; /* borrowed */
		else
			r = s_remove(b, l.obj[i].key);
	}
	for (size_t i = 0; i < n && r == 0; i += 1000)
		r = delete_batch(sb, batch + i, n - i < 1000 ? n - i : 1000);
	free(batch);
	s3_listing_release(&l);
	free(p);
	return r;
}

/* Parses the SHA-256 a content key names. */
static int key_sha(const char *key, unsigned char sha[32])
{
	char hex[65];

	if (strncmp(key, "objects/", 8) || strlen(key) != 73 || key[10] != '/')
		return vds_err(VDS_EINVAL, "%s is not a content key", q(key));
	hex[0] = key[8];
	hex[1] = key[9];
	memcpy(hex + 2, key + 11, 63);
	return vds_sha256_parse(hex, sha) < 0 ? vds_err(VDS_EINVAL, "%s is not a content key", q(key))
					       : 0;
}

int s3b_index_find(s3_backend *sb, const char *key, known *out)
{
	unsigned char sha[32];

	if (key_sha(key, sha) < 0)
		return -1;
	pthread_mutex_lock(&sb->lock);
	int found = sb->indexed ? 0 : -1;
	if (sb->indexed) {
		size_t lo = 0, hi = sb->nidx;
		while (lo < hi && found != 1) {
			size_t mid = lo + (hi - lo) / 2;
			int c = memcmp(sb->idx[mid].sha, sha, 32);
			if (c == 0) {
				*out = sb->idx[mid];
				found = 1;
			} else if (c < 0) {
				lo = mid + 1;
			} else {
				hi = mid;
			}
		}
	}
	pthread_mutex_unlock(&sb->lock);
	return found;
}

static int s_stat(vds_backend *b, const char *key, uint64_t *size)
{
	s3_backend *sb = (s3_backend *)b;
	unsigned char sha[32];
	known k;
	memo_key mk;
	int listed = s3m_find(&sb->memo, key, &mk);

	/* content this process stored, or a listing a moment ago found, needs no request */
	if (!size && !strncmp(key, "objects/", 8) && key_sha(key, sha) == 0 &&
	    (s3b_stored_here(sb, sha) || s3b_index_find(sb, key, &k) == 1))
		return 0;
	if (listed == 0)
		return vds_err(VDS_ENOTFOUND, "no object %s", q(key));
	if (listed == 1) {
		if (size)
			*size = mk.size;
		return 0;
	}
	s3_req r = {.method = "HEAD", .key = key};
	int rc = s3_do(sb->c, &r);
	if (rc == VDS_ENOTFOUND)
		return VDS_ENOTFOUND;
	if (rc == 0 && size)
		*size = r.length;
	return rc;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int s_list(vds_backend *b, const char *prefix, vds_list_fn fn, void *ud)
{
	s3_backend *sb = (s3_backend *)b;
	s3_listing l = {0};
	char *p, **held;
	size_t plen, n = 0;
	int r = 0;

	/* a listing of this operation covers it */
	if (s3m_list(&sb->memo, prefix, &held, &n) == 1) {
		for (size_t i = 0; i < n; i++) {
			if (r == 0)
				r = fn(held[i], ud);
			free(held[i]);
		}
		free(held);
		return r;
	}
	p = xasprintf("%s/", prefix);
	plen = strlen(p);
	r = s3_list_all(sb->c, p, "/", &l, 0);
	char **names = xcalloc(l.nobj + l.nprefix + 1, sizeof(char *));

	for (size_t i = 0; i < l.nprefix; i++) {
		char *s = l.prefixes[i];
		size_t len = strlen(s);
		if (len > plen && s[len - 1] == '/') {
			s[len - 1] = '\0';
			names[n++] = s + plen;
		}
	}
	for (size_t i = 0; i < l.nobj; i++)
		if (strlen(l.obj[i].key) > plen)
			names[n++] = l.obj[i].key + plen;
	qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n && r == 0; i++)
		if (i == 0 || strcmp(names[i], names[i - 1])) /* both a "folder" and an object */
			r = fn(names[i], ud);
	free(names);
	s3_listing_release(&l);
	free(p);
	return r;
}

/* Streams content into a cache file while hashing it. */
typedef struct fill {
	int fd;
	uint64_t base; /* file offset of this request's first byte */
	uint64_t pos;
	EVP_MD_CTX *md; /* NULL: ranged parts, hashed afterwards */
	uint64_t total; /* the object's size, from Content-Range */
	const char *key;
} fill;

static void fill_restart(void *ud)
{
	fill *f = ud;

	f->pos = 0;
	if (f->md)
		EVP_DigestInit_ex(f->md, EVP_sha256(), NULL);
}

static int fill_sink(const void *data, size_t len, void *ud)
{
	fill *f = ud;
	const char *p = data;

	if (f->md)
		EVP_DigestUpdate(f->md, data, len);
	while (len) {
		ssize_t n = pwrite(f->fd, p, len, (off_t)(f->base + f->pos));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return vds_err(errno == ENOSPC ? VDS_ENOSPC : VDS_EIO,
				       "cannot write to the cache: %s", strerror(errno));
		p += n;
		len -= (size_t)n;
		f->pos += (uint64_t)n;
	}
	return 0;
}

int s3b_hash_fd(int fd, uint64_t size, unsigned char sha[32], atomic_int *cancel)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	char *buf = xmalloc(HASH_BUF);
	uint64_t off = 0;
	int r = 0;

	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	while (off < size) {
		if (cancel && atomic_load(cancel)) {
			r = vds_err(VDS_ECANCELED, "cancelled");
			break;
		}
		size_t want = size - off < HASH_BUF ? (size_t)(size - off) : HASH_BUF;
		ssize_t n = pread(fd, buf, want, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = vds_err(VDS_EIO, "cannot read: %s", n < 0 ? strerror(errno) : "file shrank");
			break;
		}
		EVP_DigestUpdate(md, buf, (size_t)n);
		off += (uint64_t)n;
	}
	EVP_DigestFinal_ex(md, sha, NULL);
	EVP_MD_CTX_free(md);
	free(buf);
	return r;
}

int s3b_part_concurrency(s3_backend *sb)
{
	int big = atomic_load(&sb->big), c = sb->base.concurrency / (big > 0 ? big : 1);

	return c < 2 ? 2 : c;
}

/*
 * Hashes the parts of a ranged download in order while later parts still
 * arrive: whichever thread finishes a part hashes every part that is next
 * in line and complete, unless another thread is doing so already.
 */
typedef struct ordered {
	pthread_mutex_t lock;
	EVP_MD_CTX *md;
	int fd;
	uint64_t n, next; /* parts in all; parts hashed */
	bool *done, hashing;
	s3_req *reqs;
	int status;
} ordered;

static void part_arrived(s3_req *r, void *ud)
{
	ordered *o = ud;
	char *buf = NULL;

	pthread_mutex_lock(&o->lock);
	o->done[r - o->reqs] = true;
	if (o->hashing) {
		pthread_mutex_unlock(&o->lock);
		return;
	}
	o->hashing = true;
	while (o->next < o->n && o->done[o->next] && !o->status) {
		const s3_req *part = &o->reqs[o->next];
		pthread_mutex_unlock(&o->lock);
		if (!buf)
			buf = xmalloc(HASH_BUF);
		int st = 0;
		for (uint64_t off = 0; off < part->range_len && !st;) {
			size_t want = part->range_len - off < HASH_BUF ? (size_t)(part->range_len - off)
								       : HASH_BUF;
			ssize_t got = pread(o->fd, buf, want, (off_t)(part->range_off + off));
			if (got <= 0 && !(got < 0 && errno == EINTR))
				st = vds_err(VDS_EIO, "cannot read back a downloaded part: %s",
					     got < 0 ? strerror(errno) : "short file");
			if (got > 0) {
				EVP_DigestUpdate(o->md, buf, (size_t)got);
				off += (uint64_t)got;
			}
		}
		pthread_mutex_lock(&o->lock);
		o->status = st;
		o->next++;
	}
	o->hashing = false;
	pthread_mutex_unlock(&o->lock);
	free(buf);
}

/* Downloads the rest of a large object in parallel ranges into F's file, hashing on. */
static int fetch_ranges(s3_backend *sb, const char *key, fill *first)
{
	uint64_t total = first->total, rest = total - PART_SIZE;
	int conc = s3b_part_concurrency(sb);
	if (conc > READ_STREAMS) /* more streams only make the server seek */
		conc = READ_STREAMS;
	/* a few ranges per stream: fewer requests for the server, still in order */
	uint64_t rs = (rest / ((uint64_t)conc * RANGES_PER_STREAM) + (1 << 20)) & ~((1ULL << 20) - 1);
	if (rs < PART_SIZE)
		rs = PART_SIZE;
	uint64_t n = (rest + rs - 1) / rs;
	ordered o = {.md = first->md, .fd = first->fd, .n = n, .done = xcalloc(n, sizeof(bool))};
	fill *fills = xcalloc(n, sizeof(*fills));
	int r;

	o.reqs = xcalloc(n, sizeof(*o.reqs));
	pthread_mutex_init(&o.lock, NULL);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t off = PART_SIZE + rs * i;
		fills[i] = (fill){.fd = first->fd, .base = off, .key = key};
		o.reqs[i] = (s3_req){.method = "GET", .key = key, .range_off = off,
				     .range_len = total - off < rs ? total - off : rs,
				     .sink = fill_sink, .restart = fill_restart, .sink_ud = &fills[i],
				     .done = part_arrived, .done_ud = &o};
	}
	atomic_fetch_add(&sb->big, 1);
	r = s3_do_all(sb->c, o.reqs, (size_t)n, conc);
	atomic_fetch_sub(&sb->big, 1);
	for (uint64_t i = 0; i < n && r == 0; i++)
		if (fills[i].pos != o.reqs[i].range_len)
			r = vds_err(VDS_EIO, "object %s ended early", q(key));
	if (r == 0 && o.status)
		r = vds_err(o.status, "%s", "cannot read back a downloaded part");
	if (r == 0 && o.next != n)
		r = vds_err(VDS_EIO, "object %s was not read whole", q(key));
	pthread_mutex_destroy(&o.lock);
	free(o.reqs);
	free(o.done);
	free(fills);
	return r;
}

/* Downloads content KEY (WANT) into the empty file FD once, checking its SHA-256; sets *SIZE. */
static int download_once(s3_backend *sb, const char *key, const unsigned char want[32], int fd,
			 uint64_t *size)
{
	unsigned char got[32];
	int r;

	fill f = {.fd = fd, .md = EVP_MD_CTX_new(), .key = key};
	EVP_DigestInit_ex(f.md, EVP_sha256(), NULL);
	/* the first part tells the size: small objects arrive whole */
	s3_req rq = {.method = "GET", .key = key, .range_len = PART_SIZE, .sink = fill_sink,
		     .restart = fill_restart, .sink_ud = &f, .allow_416 = true};
	r = s3_do(sb->c, &rq);
	f.total = rq.status == 206 ? rq.total : f.pos;
	if (r == 0 && rq.status == 416) /* an empty object */
		f.total = 0;
	if (r == 0 && f.total > f.pos)
		r = fetch_ranges(sb, key, &f);
	EVP_DigestFinal_ex(f.md, got, NULL);
	EVP_MD_CTX_free(f.md);
	if (r == 0 && memcmp(got, want, 32))
		r = vds_err(VDS_ECORRUPT, "content %s in bucket %s does not match its SHA-256", q(key),
			    q(s3_bucket(sb->c)));
	*size = f.total;
	return r;
}

/*
 * Downloads content KEY into the empty file FD, checking its SHA-256; sets
 * *SIZE. Bytes damaged on their way are a transient fault: the object is
 * downloaded again, DAMAGED_TRIES times at most.
 */
static int download_to(s3_backend *sb, const char *key, int fd, uint64_t *size)
{
	unsigned char want[32];
	int r;

	if ((r = key_sha(key, want)) < 0)
		return r;
	for (int attempt = 1;; attempt++) {
		r = download_once(sb, key, want, fd, size);
		if (r != VDS_ECORRUPT)
			return r;
		if (attempt == DAMAGED_TRIES)
			return vds_err(VDS_ECORRUPT,
				       "content %s in bucket %s does not match its SHA-256 "
				       "(downloaded %d times)",
				       q(key), q(s3_bucket(sb->c)), attempt);
		vds_debug("s3: %s arrived damaged (download %d): downloading it again", key,
			  attempt);
		if (ftruncate(fd, 0) < 0)
			return vds_err(VDS_EIO, "cannot write to the cache: %s", strerror(errno));
	}
}

/* Downloads content KEY into the cache, checking its SHA-256. */
static int download(s3_backend *sb, const char *key, char **path)
{
	uint64_t size = 0;
	char *tmp;
	int fd, r;

	if ((r = cache_tmp(sb->cache_dir, &fd, &tmp)) < 0)
		return r;
	r = download_to(sb, key, fd, &size);
	close(fd);
	if (r == 0 && (r = cache_commit(sb->cache_dir, tmp, key, path)) == 0)
		atomic_fetch_add(&sb->cached, size);
	if (r < 0)
		unlink(tmp);
	free(tmp);
	return r;
}

/*
 * A file larger than a sixteenth of the cache would push out much of it
 * and double the bytes written: it goes straight to its target.
 */
static int s_fetch_into(vds_backend *b, const char *key, uint64_t size, int fd)
{
	s3_backend *sb = (s3_backend *)b;
	uint64_t got;
	char *path;

	if (size <= sb->cache_max / 16 || cache_lookup(sb->cache_dir, key, &path)) {
		if (size > sb->cache_max / 16)
			free(path);
		return 1; /* through the cache */
	}
	return download_to(sb, key, fd, &got);
}

static int s_local_path(vds_backend *b, const char *key, char **path, bool *checked)
{
	s3_backend *sb = (s3_backend *)b;

	*checked = false;
	if (!b->uncached && cache_lookup(sb->cache_dir, key, path))
		return 0;
	int r = download(sb, key, path);
	*checked = r == 0;
	return r;
}

typedef struct stream_ctx {
	vds_stream_fn fn;
	void *ud;
	uint64_t pos, sent; /* received in this attempt; handed on so far */
} stream_ctx;

static void stream_restart(void *ud)
{
	((stream_ctx *)ud)->pos = 0;
}

static int stream_sink(const void *data, size_t len, void *ud)
{
	stream_ctx *s = ud;
	const char *p = data;

	/* a retry starts over: hand on only what was not handed on before */
	if (s->pos + len <= s->sent) {
		s->pos += len;
		return 0;
	}
	if (s->pos < s->sent) {
		size_t skip = (size_t)(s->sent - s->pos);
		p += skip;
		len -= skip;
		s->pos += skip;
	}
	s->pos += len;
	s->sent += len;
	return s->fn(p, len, s->ud);
}

static int s_stream(vds_backend *b, const char *key, vds_stream_fn fn, void *ud,
		    atomic_int *cancel)
{
	stream_ctx s = {.fn = fn, .ud = ud};
	s3_req r = {.method = "GET", .key = key, .sink = stream_sink, .restart = stream_restart,
		    .sink_ud = &s, .cancel = cancel};

	return s3_do(((s3_backend *)b)->c, &r);
}

typedef struct range_ctx {
	char *buf;
	size_t cap, len;
} range_ctx;

static void range_restart(void *ud)
{
	((range_ctx *)ud)->len = 0;
}

static int range_sink(const void *data, size_t len, void *ud)
{
	range_ctx *r = ud;

	if (len > r->cap - r->len)
		len = r->cap - r->len;
	memcpy(r->buf + r->len, data, len);
	r->len += len;
	return 0;
}

static int s_read_range(vds_backend *b, const char *key, uint64_t off, void *buf, size_t len,
			size_t *got)
{
	range_ctx rc = {.buf = buf, .cap = len};
	s3_req r = {.method = "GET", .key = key, .range_off = off, .range_len = len,
		    .sink = range_sink, .restart = range_restart, .sink_ud = &rc, .allow_416 = true};
	int e;

	*got = 0;
	if (len == 0)
		return 0;
	if ((e = s3_do(((s3_backend *)b)->c, &r)) < 0)
		return e;
	*got = r.status == 416 ? 0 : rc.len;
	return 0;
}

/* Copies KEY onto itself, so its modification time is now (gc's grace). */
static int s_touch(vds_backend *b, const char *key)
{
	s3_backend *sb = (s3_backend *)b;
	strbuf src = STRBUF_INIT, body = STRBUF_INIT;
	known k;
	int r;

	if (s3b_index_find(sb, key, &k) == 1 && k.size > COPY_LIMIT)
		return 0; /* S3 copies at most 5 GiB at once; see vds-format(5) */
	sb_adds(&src, "x-amz-copy-source: /");
	s3_uri_encode(&src, s3_bucket(sb->c), false);
	sb_addc(&src, '/');
	s3_uri_encode(&src, s3_prefix(sb->c), true);
	s3_uri_encode(&src, key, true);
	const char *const hdr[] = {src.buf, "x-amz-metadata-directive: REPLACE", NULL};
	s3_req rq = {.method = "PUT", .key = key, .headers = hdr, .out = &body};
	uint64_t size;
	if ((r = s3_do(sb->c, &rq)) == VDS_EIO && rq.status == 400 &&
	    s_stat(b, key, &size) == 0 && size > COPY_LIMIT)
		r = 0; /* too large to copy: left unrefreshed, see vds-format(5) */
	else if (r == 0) {
		char code[64], msg[256];
		s3_xml_error(body.buf ? body.buf : "", body.len, code, sizeof(code), msg, sizeof(msg));
		if (*code && strcmp(code, "CopyObjectResult"))
			r = vds_err(VDS_EIO, "cannot refresh %s in bucket %s: %s %s", q(key),
				    q(s3_bucket(sb->c)), code, msg);
	}
	sb_release(&src);
	sb_release(&body);
	return r;
}

static int s_age(vds_backend *b, const char *key, int64_t *seconds)
{
	s3_backend *sb = (s3_backend *)b;
	s3_req r = {.method = "HEAD", .key = key};
	int rc = s3_do(sb->c, &r);

	if (rc < 0)
		return rc;
	*seconds = (int64_t)time(NULL) - r.last_modified;
	return 0;
}

static int by_sha(const void *a, const void *b)
{
	return memcmp(((const known *)a)->sha, ((const known *)b)->sha, 32);
}

/*
 * Many files to put: list objects/ once, if that takes fewer requests than
 * one HEAD per file would (a page holds 1000 keys).
 */
static void s_prepare_put(vds_backend *b, size_t nfiles)
{
	s3_backend *sb = (s3_backend *)b;
	s3_listing l = {0};
	size_t pages = nfiles / (size_t)(sb->base.concurrency > 0 ? sb->base.concurrency : 1);

	if (nfiles < 64 || sb->indexed || s3_list_all(sb->c, "objects/", NULL, &l, pages) < 0) {
		s3_listing_release(&l);
		return;
	}
	known *v = xcalloc(l.nobj + 1, sizeof(*v));
	size_t n = 0;
	for (size_t i = 0; i < l.nobj; i++) {
		if (key_sha(l.obj[i].key, v[n].sha) == 0) { /* anything else: not content */
			v[n].size = l.obj[i].size;
			v[n].mtime = l.obj[i].mtime;
			n++;
		}
	}
	qsort(v, n, sizeof(*v), by_sha);
	pthread_mutex_lock(&sb->lock);
	free(sb->idx);
	sb->idx = v;
	sb->nidx = n;
	sb->indexed = true;
	pthread_mutex_unlock(&sb->lock);
	s3_listing_release(&l);
}

static int s_flush(vds_backend *b)
{
	(void)b; /* every upload was durable and visible when it was answered */
	return 0;
}

static void s_discard(vds_backend *b)
{
	(void)b; /* uploaded but unreferenced content is gc's */
}

static void s_close(vds_backend *b)
{
	s3_backend *sb = (s3_backend *)b;

	if (atomic_load(&sb->cached)) {
		vds_cache_info info = {0};
		cache_prune(sb->cache_dir, sb->cache_max, &info);
	}
	s3_client_free(sb->c);
	s3m_release(&sb->memo);
	reccache_free(sb->records);
	recpack_free(sb->packs);
	pthread_mutex_destroy(&sb->lock);
	pthread_cond_destroy(&sb->claimed);
	free(sb->claims);
	free(sb->idx);
	free(sb->cache_dir);
	free(sb->base.provider_id);
	free(sb);
}

static void s_prime(vds_backend *b, const char *prefix, const char *delim)
{
	s3_backend *sb = (s3_backend *)b;
	char *pack, *text, saved[1024];
	size_t len;

	s3m_prime(&sb->memo, sb->c, prefix, delim);
	if (!(pack = recpack_enter(sb->packs, &sb->memo, prefix, delim)))
		return;
	snprintf(saved, sizeof(saved), "%s", vds_errmsg()); /* a pack only costs speed */
	if (s_read(b, pack, &text, &len) == 0) {
		recpack_load(sb->packs, pack, text, len);
		free(text);
	} else {
		vds_debug("packs: cannot read %s: %s", pack, vds_errmsg());
	}
	vds_err(0, "%s", saved);
	free(pack);
}

static int s_prime_pages(vds_backend *b, const char *prefix, const char *delim, vds_names_fn fn,
			 void *ud)
{
	s3_backend *sb = (s3_backend *)b;
	int r = s3m_prime_pages(&sb->memo, sb->c, prefix, delim, fn, ud);

	/* unprime() leaves what this enters; a pack would only save requests */
	free(recpack_enter(sb->packs, &sb->memo, prefix, delim));
	return r;
}

static void s_unprime(vds_backend *b)
{
	s3_backend *sb = (s3_backend *)b;
	size_t n;
	recpack_plan *plans = recpack_leave(sb->packs, &sb->memo, !vds_backend_read_only(b), &n);
	char saved[1024];

	s3m_unprime(&sb->memo);
	if (!n)
		return;
	/* the operation's outcome stands whatever happens to the packs */
	snprintf(saved, sizeof(saved), "%s", vds_errmsg());
	for (size_t k = 0; k < n; k++) {
		recpack_plan *plan = &plans[k];
		if (b->ops->write(b, plan->key, plan->text, plan->len) < 0) {
			vds_debug("packs: cannot write %s: %s", plan->key, vds_errmsg());
			continue;
		}
		vds_debug("packs: wrote %s (%zu bytes)", plan->key, plan->len);
		for (size_t i = 0; i < plan->nstale; i++)
			if (b->ops->remove(b, plan->stale[i]) < 0)
				vds_debug("packs: cannot remove %s: %s", plan->stale[i], vds_errmsg());
	}
	vds_err(0, "%s", saved);
	recpack_plans_free(plans, n);
}

static const vds_backend_ops s3_ops = {
	.type = "s3",
	.read = s_read,
	.write = s_write,
	.create = s_create,
	.remove = s_remove,
	.remove_tree = s_remove_tree,
	.stat = s_stat,
	.list = s_list,
	.local_path = s_local_path,
	.fetch_into = s_fetch_into,
	.stream = s_stream,
	.read_range = s_read_range,
	.put_content = s3b_put_content,
	.spool = s3b_spool,
	.put_spooled = s3b_put_spooled,
	.prepare_put = s_prepare_put,
	.touch = s_touch,
	.abort_stale = s3b_abort_stale,
	.age = s_age,
	.flush = s_flush,
	.discard = s_discard,
	.close = s_close,
	.prime = s_prime,
	.unprime = s_unprime,
	.prime_pages = s_prime_pages,
};

bool vds_backend_cache(vds_backend *b, const char **dir, uint64_t *max)
{
	const s3_backend *sb = (const s3_backend *)b;

	if (strcmp(b->ops->type, s3_ops.type) || b->ro) /* a packed store's too */
		return false;
	*dir = sb->cache_dir;
	*max = sb->cache_max;
	return true;
}

/* The prefetch of an open: the listing its configuration names. */
static void *prefetch_main(void *ud)
{
	void **a = ud;
	s3_backend *sb = a[0];
	const s3_config *cfg = a[1];

	s3m_prefetch(&sb->memo, sb->c, cfg->prefetch, cfg->prefetch_delim);
	return NULL;
}

int vds_backend_s3_open(const s3_config *cfg, const char *cache_dir, uint64_t cache_max,
			vds_backend **out)
{
	s3_backend *sb = xcalloc(1, sizeof(*sb));
	char *fmt = NULL;
	size_t len;
	int r;

	sb->base.ops = &s3_ops;
	sb->base.concurrency = DEFAULT_CONCURRENCY;
	/* a commit's requests end within attempts x stall time: twice that, and clock skew */
	sb->base.lease_s = 2 * (int64_t)net_attempts() * net_stall_seconds() + LEASE_SKEW_S;
	sb->c = s3_client_new(cfg);
	sb->cache_dir = xstrdup(cache_dir);
	sb->cache_max = cache_max;
	s3m_init(&sb->memo);
	/* one folder per store: its endpoint, bucket and prefix */
	char *identity = xasprintf("s3\n%s\n%s\n%s", cfg->endpoint ? cfg->endpoint : "",
				   cfg->bucket ? cfg->bucket : "", cfg->prefix ? cfg->prefix : "");
	sb->records = reccache_open(cache_dir, identity);
	sb->packs = recpack_new(!getenv("VDS_TEST_NO_PACKS")); /* tests compare with none */
	free(identity);
	atomic_init(&sb->cond_put, -1);
	pthread_mutex_init(&sb->lock, NULL);
	pthread_cond_init(&sb->claimed, NULL);
	char *where = xasprintf("s3://%s/%s", cfg->bucket, cfg->prefix ? cfg->prefix : "");
	/* the operation's listing beside the marker: one round trip for both */
	void *args[2] = {sb, (void *)cfg};
	pthread_t pre;
	bool prefetching = cfg->prefetch && pthread_create(&pre, NULL, prefetch_main, args) == 0;
	r = s_read(&sb->base, FORMAT_KEY, &fmt, &len);
	if (prefetching)
		pthread_join(pre, NULL);
	if (r == 0) {
		r = vds_format_check(&sb->base, fmt, len, where);
	} else if (r == VDS_ENOTFOUND && cfg->read_only) {
		r = vds_err(VDS_ENOTFOUND, "%s is not a vds store", q(where));
	} else if (r == VDS_ENOTFOUND && !strstr(vds_errmsg(), "no such bucket")) {
		/* a new store: only where nothing else lives */
		s3_listing l = {0};
		if ((r = s3_list_all(sb->c, "", "/", &l, 1)) == 0) {
			bool empty = true, records = false;
			for (size_t i = 0; i < l.nobj; i++)
				empty &= !strcmp(l.obj[i].key, FORMAT_KEY);
			for (size_t i = 0; i < l.nprefix; i++) {
				records |= !strcmp(l.prefixes[i], "datasets/");
				empty &= !strcmp(l.prefixes[i], "objects/") ||
					 !strcmp(l.prefixes[i], "datasets/");
			}
			/* records copied in without their marker may be of format 1 */
			const char *marker = records ? FORMAT_TEXT_UPGRADED : FORMAT_TEXT;
			if (!empty)
				r = vds_err(VDS_EINVAL, "%s is not empty and is not a vds store", q(where));
			else if ((r = s_write(&sb->base, FORMAT_KEY, marker, strlen(marker))) == 0) {
				sb->base.format = FORMAT_VERSION;
				sb->base.legacy = records;
				sb->base.features = records ? 0 : FORMAT_FEATURES;
			}
		}
		s3_listing_release(&l);
	}
	free(fmt);
	free(where);
	if (r < 0) {
		s_close(&sb->base);
		return r;
	}
	*out = &sb->base;
	return 0;
}
