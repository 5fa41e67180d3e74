/*
 * reader.c - files of a version read at any offset, from any thread,
 * through the mount's content objects (content.h): a local object file,
 * a remote provider's cached copy, or ranged reads of the bucket. What a
 * reader hands out is checked: a file that fits in one block is read
 * whole and matched against its SHA-256 when it is opened, and a larger
 * one is hashed as it is read in order, its last bytes withheld with
 * VDS_ECORRUPT if the whole does not match. An object file found good is
 * remembered by its device, inode, size, mtime and ctime (hashcache.h, in
 * the cache folder's "verified"), so that reading it again while it is
 * unchanged hashes nothing; any write to it changes its ctime.
 */
#include "config.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "store/content.h"
#include "hashcache.h"
#include "core.h"
#include "util.h"
#include "vds.h"

struct vds_reader {
	content_set *set;
	hashcache *verified; /* object files found good */
	int64_t start_ns;    /* when the reader was opened */
};

struct vds_file {
	content *c;
	uint64_t size;
	unsigned char sha[32];
	char *path;           /* for messages */
	vds_reader *rd;
	char *whole;          /* a small file, read and checked at open */
	int fd;               /* a small file found good before: read from here */
	pthread_mutex_t lock; /* guards the running hash */
	EVP_MD_CTX *md;       /* hash of bytes [0, hashed) */
	uint64_t hashed;
	int bad;              /* the whole did not match */
};

int vds_reader_new(vds_ctx *ctx, const char *ds, vds_reader **out)
{
	vds_backend *b;
	struct timespec now;
	int r;

	*out = NULL;
	if ((r = ctx_dataset_backend(ctx, ds, &b, NULL)) < 0)
		return r;
	vds_reader *rd = xcalloc(1, sizeof(*rd));
	char *path = xasprintf("%s/verified", ctx->cache_dir);
	rd->verified = hashcache_load(path);
	free(path);
	clock_gettime(CLOCK_REALTIME, &now);
	rd->start_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
	rd->set = content_set_new(b);
	*out = rd;
	return 0;
}

void vds_reader_free(vds_reader *rd)
{
	if (!rd)
		return;
	content_set_free(rd->set);
	hashcache_save(rd->verified);
	hashcache_free(rd->verified);
	free(rd);
}

/* VDS_ECORRUPT naming F if DIGEST is not its hash. */
static int check_digest(vds_file *f, const unsigned char *digest)
{
	if (memcmp(digest, f->sha, 32) == 0)
		return 0;
	f->bad = 1;
	return vds_err(VDS_ECORRUPT, "file %s does not match its SHA-256 (damaged content)",
		       q(f->path));
}

/* Reads small file F whole and checks it, unless its object file was found good before. */
static int read_whole(vds_file *f)
{
	unsigned char digest[32];
	unsigned int dlen = 0;
	size_t got = 0;
	struct stat st;
	int fd = -1, r;

	f->whole = xmalloc(f->size ? (size_t)f->size : 1);
	if ((r = content_read(f->c, 0, (size_t)f->size, f->whole, &fd, &got)) < 0)
		return r;
	bool file = fd >= 0 && fstat(fd, &st) == 0 && (uint64_t)st.st_size == f->size;
	if (file && hashcache_get(f->rd->verified, &st, digest) && !memcmp(digest, f->sha, 32)) {
		free(f->whole);
		f->whole = NULL;
		f->fd = fd;
		return 0;
	}
	if (fd >= 0 && (r = content_pread(f->c, 0, (size_t)f->size, f->whole, &got)) < 0)
		return r;
	if (got != f->size)
		return vds_err(VDS_ECORRUPT, "file %s is shorter than its recorded size", q(f->path));
	if (!EVP_Digest(f->whole, (size_t)f->size, digest, &dlen, EVP_sha256(), NULL))
		return vds_err(VDS_ERR, "SHA-256 is not available");
	if ((r = check_digest(f, digest)) == 0 && file)
		hashcache_put(f->rd->verified, &st, digest, f->rd->start_ns);
	return r;
}

int vds_file_open(vds_reader *rd, const vds_entry *e, vds_file **out)
{
	int r;

	*out = NULL;
	if (e->type != VDS_FILE)
		return vds_err(VDS_EINVAL, "%s is not a regular file", q(e->path));
	vds_file *f = xcalloc(1, sizeof(*f));
	f->size = e->size;
	memcpy(f->sha, e->sha256, 32);
	f->path = xstrdup(e->path);
	f->rd = rd;
	f->fd = -1;
	pthread_mutex_init(&f->lock, NULL);
	if ((r = content_open(rd->set, e->sha256, e->size, &f->c)) < 0 ||
	    (f->size <= CONTENT_BLOCK && (r = read_whole(f)) < 0)) {
		vds_file_close(f);
		return r;
	}
	if (!f->whole && f->fd < 0 && (!(f->md = EVP_MD_CTX_new()) || !EVP_DigestInit_ex(f->md, EVP_sha256(), NULL))) {
		vds_file_close(f);
		return vds_err(VDS_ERR, "SHA-256 is not available");
	}
	*out = f;
	return 0;
}

uint64_t vds_file_size(const vds_file *f)
{
	return f->size;
}

/* Adds bytes [OFF, OFF + LEN) of BUF to F's running hash when they continue it. */
static int hash_on(vds_file *f, uint64_t off, const char *buf, size_t len)
{
	unsigned char digest[32];
	unsigned int dlen = 0;
	int r = 0;

	pthread_mutex_lock(&f->lock);
	if (off <= f->hashed && off + len > f->hashed) {
		size_t skip = (size_t)(f->hashed - off);
		EVP_DigestUpdate(f->md, buf + skip, len - skip);
		f->hashed = off + len;
		if (f->hashed == f->size) {
			EVP_DigestFinal_ex(f->md, digest, &dlen);
			r = check_digest(f, digest);
		}
	}
	if (f->bad)
		r = vds_err(VDS_ECORRUPT, "file %s does not match its SHA-256 (damaged content)",
			    q(f->path));
	pthread_mutex_unlock(&f->lock);
	return r;
}

int vds_file_pread(vds_file *f, uint64_t off, void *buf, size_t len, size_t *got)
{
	int r;

	*got = 0;
	if (off >= f->size || len == 0)
		return 0;
	if (len > f->size - off)
		len = (size_t)(f->size - off);
	if (f->whole) {
		memcpy(buf, f->whole + off, len);
		*got = len;
		return 0;
	}
	if (f->fd >= 0)
		return content_pread(f->c, off, len, buf, got);
	size_t n = 0;
	while (n < len) {
		size_t part = 0;
		if ((r = content_pread(f->c, off + n, len - n, (char *)buf + n, &part)) < 0)
			return r;
		if (part == 0)
			return vds_err(VDS_ECORRUPT, "file %s is shorter than its recorded size",
				       q(f->path));
		n += part;
	}
	if ((r = hash_on(f, off, buf, len)) < 0)
		return r;
	*got = len;
	return 0;
}

void vds_file_close(vds_file *f)
{
	if (!f)
		return;
	if (f->c)
		content_close(f->c);
	EVP_MD_CTX_free(f->md);
	pthread_mutex_destroy(&f->lock);
	free(f->whole);
	free(f->path);
	free(f);
}
