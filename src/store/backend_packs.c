/*
 * backend_packs.c - a store with the feature "packs" (vds-format(5),
 * CONTENT PACKS): the backend's own operations wrapped so that content
 * keys ("objects/XX/...") are written through the packer and read
 * through the store index and packread, whole-file objects of before the
 * feature still read (and deduplicated against) as they are. Every other
 * key goes to the backend's own operations untouched.
 *
 * The store index is loaded once, at the first content operation, and
 * again (only the objects not read yet) when a read misses. One packer
 * per backend writes; the lock orders the index's readers (reads, adds)
 * before its one writer (flush, reload).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "store/backend.h"
#include "store/cache.h"
#include "store/packer.h"
#include "store/packindex.h"
#include "store/packread.h"
#include "util.h"

#define READERS_KEPT 16    /* idle readers kept for the next reads */
#define RELOAD_AFTER_NS (2 * 1000000000LL) /* a miss loads the index again at most this often */

typedef struct packs_ops {
	vds_backend_ops ops;
	const vds_backend_ops *own;
	char *cache_dir;
	pthread_rwlock_t lock; /* the index: reads and adds shared, flush and reload alone */
	pthread_mutex_t mu;    /* what follows */
	packindex idx;
	bool loaded;
	int64_t loaded_ns;
	packer *pk;
	bool in_put;           /* between prepare_put() and flush() or discard() */
	int objects;           /* whole-file objects of before the feature: -1 not known yet */
	packreader *idle[READERS_KEPT];
	size_t nidle;
} packs_ops;

static packs_ops *po(vds_backend *b)
{
	return (packs_ops *)b->ops;
}

/* The SHA-256 a content key names, or false if KEY is not one. */
static bool content_sha(const char *key, unsigned char sha[32])
{
	char hex[65];

	if (strncmp(key, "objects/", 8) || strlen(key) != 8 + 2 + 1 + 62 || key[10] != '/')
		return false;
	hex[0] = key[8];
	hex[1] = key[9];
	memcpy(hex + 2, key + 11, 62);
	hex[64] = 0;
	return vds_sha256_parse(hex, sha) == 0;
}

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Reads the index objects not read yet (O->mu held). */
static int load_locked(vds_backend *b, packs_ops *o)
{
	int r;

	pthread_rwlock_wrlock(&o->lock);
	r = packindex_load(b, &o->idx);
	if (r == 0) {
		o->loaded = true;
		o->loaded_ns = mono_ns();
	}
	pthread_rwlock_unlock(&o->lock);
	return r;
}

/* Loads the store index at the first use. */
static int ensure_loaded(vds_backend *b)
{
	packs_ops *o = po(b);
	bool loaded;

	pthread_mutex_lock(&o->mu);
	loaded = o->loaded;
	pthread_mutex_unlock(&o->mu);
	if (loaded)
		return 0;
	pthread_mutex_lock(&o->mu);
	int r = o->loaded ? 0 : load_locked(b, o);
	pthread_mutex_unlock(&o->mu);
	return r;
}

/* Loads index objects written since (another writer's), unless it did a moment ago. */
static bool reload(vds_backend *b)
{
	packs_ops *o = po(b);
	bool again = false;

	pthread_mutex_lock(&o->mu);
	if (mono_ns() - o->loaded_ns > RELOAD_AFTER_NS) {
		size_t before = o->idx.nnames;
		again = load_locked(b, o) == 0 && o->idx.nnames != before;
	}
	pthread_mutex_unlock(&o->mu);
	return again;
}

static packreader *reader_take(vds_backend *b)
{
	packs_ops *o = po(b);
	packreader *r = NULL;

	pthread_mutex_lock(&o->mu);
	if (o->nidle)
		r = o->idle[--o->nidle];
	pthread_mutex_unlock(&o->mu);
	return r ? r : packreader_new(b, &o->idx);
}

static void reader_give(vds_backend *b, packreader *r)
{
	packs_ops *o = po(b);

	pthread_mutex_lock(&o->mu);
	if (o->nidle < READERS_KEPT) {
		o->idle[o->nidle++] = r;
		r = NULL;
	}
	pthread_mutex_unlock(&o->mu);
	packreader_free(r);
}

/* True if the index holds file SHA (loading index objects other writers added on a miss). */
static bool packed(vds_backend *b, const unsigned char sha[32])
{
	packs_ops *o = po(b);
	bool found;

	if (ensure_loaded(b) < 0)
		return false;
	pthread_rwlock_rdlock(&o->lock);
	found = packindex_find(&o->idx, sha) != NULL;
	pthread_rwlock_unlock(&o->lock);
	if (!found && reload(b)) {
		pthread_rwlock_rdlock(&o->lock);
		found = packindex_find(&o->idx, sha) != NULL;
		pthread_rwlock_unlock(&o->lock);
	}
	return found;
}

static int p_stat(vds_backend *b, const char *key, uint64_t *size)
{
	unsigned char sha[32];

	if (content_sha(key, sha) && packed(b, sha)) {
		if (!size) /* there: a file's recipe is read only to know its size */
			return 0;
		packs_ops *o = po(b);
		packreader *rd = reader_take(b);
		uint64_t sz;
		pthread_rwlock_rdlock(&o->lock);
		int r = packread_size(rd, sha, &sz);
		pthread_rwlock_unlock(&o->lock);
		reader_give(b, rd);
		if (r == 0 && size)
			*size = sz;
		return r;
	}
	return po(b)->own->stat(b, key, size);
}

static int p_read_range(vds_backend *b, const char *key, uint64_t off, void *buf, size_t len,
			size_t *got)
{
	unsigned char sha[32];

	if (content_sha(key, sha) && packed(b, sha)) {
		packs_ops *o = po(b);
		packreader *rd = reader_take(b);
		pthread_rwlock_rdlock(&o->lock);
		int r = packread_range(rd, sha, off, buf, len, got);
		pthread_rwlock_unlock(&o->lock);
		reader_give(b, rd);
		return r;
	}
	return po(b)->own->read_range(b, key, off, buf, len, got);
}

/* Reads packed file SHA whole, checked, into FN. */
static int read_packed(vds_backend *b, const unsigned char sha[32], vds_stream_fn fn, void *ud)
{
	packs_ops *o = po(b);
	packreader *rd = reader_take(b);

	pthread_rwlock_rdlock(&o->lock);
	int r = packread_file(rd, sha, fn, ud);
	pthread_rwlock_unlock(&o->lock);
	reader_give(b, rd);
	return r;
}

typedef struct to_fd {
	int fd;
	atomic_int *cancel;
} to_fd;

static int write_fd(const void *data, size_t len, void *ud)
{
	to_fd *t = ud;

	if (t->cancel && atomic_load(t->cancel))
		return vds_err(VDS_ECANCELED, "cancelled");
	return write_all(t->fd, data, len) < 0 ? vds_err_errno(errno, "write", "content") : 0;
}

static int p_stream(vds_backend *b, const char *key, vds_stream_fn fn, void *ud,
		    atomic_int *cancel)
{
	unsigned char sha[32];

	if (content_sha(key, sha) && packed(b, sha))
		return read_packed(b, sha, fn, ud);
	return po(b)->own->stream(b, key, fn, ud, cancel);
}

static int p_fetch_into(vds_backend *b, const char *key, uint64_t size, int fd)
{
	unsigned char sha[32];

	if (content_sha(key, sha) && packed(b, sha)) {
		to_fd t = {.fd = fd};
		(void)size;
		return read_packed(b, sha, write_fd, &t);
	}
	return po(b)->own->fetch_into(b, key, size, fd);
}

static int p_local_path(vds_backend *b, const char *key, char **path, bool *checked)
{
	packs_ops *o = po(b);
	unsigned char sha[32];

	if (!content_sha(key, sha) || !packed(b, sha))
		return o->own->local_path(b, key, path, checked);
	/* packed content read whole into the content cache, checked as it arrives */
	*checked = false;
	if (!b->uncached && cache_lookup(o->cache_dir, key, path))
		return 0;
	char *tmp;
	int fd, r;
	if ((r = cache_tmp(o->cache_dir, &fd, &tmp)) < 0)
		return r;
	to_fd t = {.fd = fd};
	r = read_packed(b, sha, write_fd, &t);
	if (close(fd) < 0 && r == 0)
		r = vds_err_errno(errno, "write", tmp);
	if (r == 0)
		r = cache_commit(o->cache_dir, tmp, key, path);
	else
		unlink(tmp);
	free(tmp);
	*checked = r == 0;
	return r;
}

static int stop_at_first(const char *name, void *ud)
{
	(void)name;
	*(bool *)ud = true;
	return 1;
}

/* True if the store holds whole-file objects (of before the feature): listed once. */
static bool any_objects(vds_backend *b)
{
	packs_ops *o = po(b);

	pthread_mutex_lock(&o->mu);
	if (o->objects < 0) {
		bool any = false;
		if (o->own->list(b, "objects", stop_at_first, &any) < 0)
			any = true; /* not known: look each one up */
		o->objects = any;
	}
	bool any = o->objects;
	pthread_mutex_unlock(&o->mu);
	return any;
}

static int p_touch(vds_backend *b, const char *key)
{
	unsigned char sha[32];

	/* packs age as a whole: gc's grace for them is the pack's and its index objects' age */
	if (content_sha(key, sha) && packed(b, sha))
		return 0;
	if (content_sha(key, sha) && !any_objects(b)) /* no whole object here: no request */
		return VDS_ENOTFOUND;
	return po(b)->own->touch(b, key);
}

/* True if content SHA is stored as a whole-file object of before the feature (touched). */
static bool old_object(vds_backend *b, const unsigned char sha[32])
{
	packs_ops *o = po(b);
	char key[80];

	if (!any_objects(b))
		return false;
	vds_content_key(sha, key);
	/* reused: fresh for gc, as before the feature */
	return o->own->stat(b, key, NULL) == 0 && o->own->touch(b, key) == 0;
}

/* Hashes FD from its start, then goes back to its start. */
static int hash_fd(int fd, unsigned char sha[32], atomic_int *cancel)
{
	EVP_MD_CTX *h = EVP_MD_CTX_new();
	char buf[1 << 16];
	ssize_t got;
	int r = 0;

	if (!h)
		abort();
	EVP_DigestInit_ex(h, EVP_sha256(), NULL);
	if (lseek(fd, 0, SEEK_SET) < 0)
		r = vds_err_errno(errno, "read", "content");
	while (r == 0 && (got = read(fd, buf, sizeof(buf))) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			r = vds_err_errno(errno, "read", "content");
		else if (cancel && atomic_load(cancel))
			r = vds_err(VDS_ECANCELED, "cancelled");
		else
			EVP_DigestUpdate(h, buf, (size_t)got);
	}
	EVP_DigestFinal_ex(h, sha, NULL);
	EVP_MD_CTX_free(h);
	if (r == 0 && lseek(fd, 0, SEEK_SET) < 0)
		r = vds_err_errno(errno, "read", "content");
	return r;
}

/* The packer, made at the first write. */
static int get_packer(vds_backend *b, packer **out)
{
	packs_ops *o = po(b);
	int r;

	if ((r = ensure_loaded(b)) < 0)
		return r;
	pthread_mutex_lock(&o->mu);
	r = o->pk ? 0 : packer_new(b, &o->idx, NULL, &o->pk);
	*out = o->pk;
	pthread_mutex_unlock(&o->mu);
	return r;
}

/* Stores the open file FD (SHA: its hash if known) unless the store has it. */
static int put_fd(vds_backend *b, int fd, unsigned char sha[32], bool known, bool *stored,
		  _Atomic uint64_t *counter, atomic_int *cancel)
{
	packs_ops *o = po(b);
	packer *pk;
	struct stat st;
	bool isnew = false;
	int r;

	if (fstat(fd, &st) < 0)
		return vds_err_errno(errno, "read", "content");
	if ((r = get_packer(b, &pk)) < 0)
		return r;
	/* content stored whole before the feature is stored: no second copy */
	bool legacy = any_objects(b);
	if (!known && legacy && (r = hash_fd(fd, sha, cancel)) < 0)
		return r;
	if ((known || legacy) && (packed(b, sha) || old_object(b, sha))) {
		if (counter)
			atomic_fetch_add(counter, (uint64_t)st.st_size);
		if (stored)
			*stored = false;
		return 0;
	}
	if (lseek(fd, 0, SEEK_SET) < 0)
		return vds_err_errno(errno, "read", "content");
	pthread_rwlock_rdlock(&o->lock);
	r = packer_add_file(pk, fd, sha, &isnew, cancel);
	pthread_rwlock_unlock(&o->lock);
	if (r == 0 && counter)
		atomic_fetch_add(counter, (uint64_t)st.st_size);
	if (stored)
		*stored = r == 0 && isnew;
	return r;
}

static int p_put_content(vds_backend *b, int fd, unsigned char sha[32], bool *stored,
			 _Atomic uint64_t *counter, atomic_int *cancel)
{
	return put_fd(b, fd, sha, false, stored, counter, cancel);
}

static int p_put_spooled(vds_backend *b, char *path, int fd, const unsigned char sha[32],
			 bool *stored, _Atomic uint64_t *counter, atomic_int *cancel)
{
	unsigned char got[32];
	int r;

	memcpy(got, sha, 32);
	r = put_fd(b, fd, got, true, stored, counter, cancel);
	if (r == 0 && memcmp(got, sha, 32))
		r = vds_err(VDS_ECORRUPT, "spooled content %s changed before it was stored", q(path));
	unlink(path);
	free(path);
	return r;
}

static void p_prepare_put(vds_backend *b, size_t nfiles)
{
	packs_ops *o = po(b);

	pthread_mutex_lock(&o->mu);
	o->in_put = true;
	pthread_mutex_unlock(&o->mu);
	o->own->prepare_put(b, nfiles);
}

static int p_flush(vds_backend *b)
{
	packs_ops *o = po(b);
	int r = 0;

	pthread_mutex_lock(&o->mu);
	o->in_put = false;
	packer *pk = o->pk;
	pthread_mutex_unlock(&o->mu);
	if (pk) {
		pthread_rwlock_wrlock(&o->lock);
		r = packer_flush(pk);
		pthread_rwlock_unlock(&o->lock);
	}
	int r2 = o->own->flush(b);
	return r < 0 ? r : r2;
}

static void p_discard(vds_backend *b)
{
	packs_ops *o = po(b);

	pthread_mutex_lock(&o->mu);
	o->in_put = false;
	if (o->pk)
		packer_discard(o->pk);
	pthread_mutex_unlock(&o->mu);
	o->own->discard(b);
}

/* A content object written whole (a link's target, a file list): packed like the rest. */
static int p_write(vds_backend *b, const char *key, const void *data, size_t len)
{
	packs_ops *o = po(b);
	unsigned char sha[32], got[32];
	int r, fd;

	if (!content_sha(key, sha))
		return o->own->write(b, key, data, len);
	if ((fd = memfd_create("vds-content", MFD_CLOEXEC)) < 0)
		return vds_err_errno(errno, "write", key);
	if (write_all(fd, data, len) < 0) {
		r = vds_err_errno(errno, "write", key);
		close(fd);
		return r;
	}
	memcpy(got, sha, 32);
	r = put_fd(b, fd, got, true, NULL, NULL, NULL);
	close(fd);
	if (r == 0 && memcmp(got, sha, 32))
		return vds_err(VDS_EINVAL, "content %s does not match its name", q(key));
	pthread_mutex_lock(&o->mu);
	bool in_put = o->in_put;
	pthread_mutex_unlock(&o->mu);
	/* outside a put nobody flushes after it: durable now, as a write is */
	return r == 0 && !in_put ? p_flush(b) : r;
}

/* True if DATA ends with the SHA-256 of what comes before (an index object's own check). */
static bool self_checked(const char *data, size_t len)
{
	unsigned char sum[32];

	if (len < 32)
		return false;
	EVP_Digest(data, len - 32, sum, NULL, EVP_sha256(), NULL);
	return !memcmp(sum, data + len - 32, 32);
}

/* Index objects never change: on a remote store they are kept in the cache by name. */
static int p_read(vds_backend *b, const char *key, char **out, size_t *len)
{
	packs_ops *o = po(b);
	const char *dir;
	uint64_t max;
	int r;

	if (strncmp(key, PACKINDEX_PREFIX "/", sizeof(PACKINDEX_PREFIX)) ||
	    strchr(key + sizeof(PACKINDEX_PREFIX), '/') || !vds_backend_cache(b, &dir, &max))
		return o->own->read(b, key, out, len);
	char *path = xasprintf("%s/index/%s/%s", o->cache_dir, b->provider_id,
			       key + sizeof(PACKINDEX_PREFIX));
	if (vds_read_file(path, out, len) == 0) {
		if (self_checked(*out, *len)) {
			free(path);
			return 0;
		}
		free(*out); /* went bad where it lies: read it again */
		unlink(path);
	}
	if ((r = o->own->read(b, key, out, len)) == 0 && self_checked(*out, *len)) {
		char *folder = xasprintf("%s/index/%s", o->cache_dir, b->provider_id),
		     *tmp = xasprintf("%s/.%s.tmp", folder, key + sizeof(PACKINDEX_PREFIX));
		int fd;
		if (vds_mkdirs(folder) == 0 &&
		    (fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) >= 0) {
			bool written = write_all(fd, *out, *len) == 0;
			if (close(fd) < 0 || !written || rename(tmp, path) < 0)
				unlink(tmp); /* not kept: read from the store next time */
		}
		free(tmp);
		free(folder);
	}
	free(path);
	return r;
}

static void p_close(vds_backend *b)
{
	packs_ops *o = po(b);

	b->ops = o->own;
	packer_free(o->pk);
	for (size_t i = 0; i < o->nidle; i++)
		packreader_free(o->idle[i]);
	packindex_release(&o->idx);
	pthread_rwlock_destroy(&o->lock);
	pthread_mutex_destroy(&o->mu);
	free(o->cache_dir);
	free(o);
	b->ops->close(b);
}

void vds_backend_packs_wrap(vds_backend *b, const char *cache_dir)
{
	packs_ops *o = xcalloc(1, sizeof(*o));

	o->own = b->ops;
	o->ops = *b->ops;
	o->cache_dir = xstrdup(cache_dir);
	o->objects = -1;
	packindex_init(&o->idx);
	pthread_rwlock_init(&o->lock, NULL);
	pthread_mutex_init(&o->mu, NULL);
	o->ops.read = p_read;
	o->ops.write = p_write;
	o->ops.stat = p_stat;
	o->ops.local_path = p_local_path;
	o->ops.fetch_into = p_fetch_into;
	o->ops.stream = p_stream;
	o->ops.read_range = p_read_range;
	o->ops.put_content = p_put_content;
	o->ops.put_spooled = p_put_spooled;
	o->ops.prepare_put = p_prepare_put;
	o->ops.touch = p_touch;
	o->ops.flush = p_flush;
	o->ops.discard = p_discard;
	o->ops.close = p_close;
	b->ops = &o->ops;
}

bool vds_backend_packed(const vds_backend *b)
{
	return b->ops->close == p_close;
}
