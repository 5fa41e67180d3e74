/*
 * content.c - content objects open for reading at any offset from many
 * threads (the mount's reads). A local store's object, or a remote
 * provider's object already in its cache, is one file read with pread().
 * Otherwise a remote object is fetched on demand, one block of
 * CONTENT_BLOCK bytes per ranged read, each block at most once however
 * many threads want it:
 *   - an object the cache takes (at most a sixteenth of its limit, like
 *     downloads) gathers in a sparse temporary cache file; blocks are
 *     hashed in order as they arrive, and once all are there and the whole
 *     matched its SHA-256 the file enters the cache;
 *   - a larger object keeps its last few blocks in memory, hashed while
 *     read in order, so reading it through checks it at its end.
 * Reads in order fetch the next few blocks ahead, each on a thread of its
 * own, so that a file read through streams at the speed of several GETs.
 * A ranged read of an object not yet whole is not checked (that is what
 * on demand means), but an object that fits in one block is checked before
 * any of its bytes is handed out (and fetched again, twice at most, when
 * it arrived damaged), and one that does not match its hash is never
 * cached and fails every read from then on. A local store's object is
 * checked the same way: hashed as it is read in order, and whole before
 * its last bytes (or any byte of one that fits in a block) are handed out.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "content.h"

#define SLOTS 4     /* blocks of an uncached object kept in memory */
#define AHEAD 3     /* blocks fetched ahead of reads in order */
#define IDLE_MAX 16 /* partly fetched objects kept after their last close */
#define REFETCHES 2 /* fetches again of a one-block object that arrived damaged */

enum mode { WHOLE, SPARSE, MEMORY };
enum { ABSENT, ARRIVING, HERE };

typedef struct slot {
	uint64_t idx;
	char *buf;
	size_t len;
	int state;
	uint64_t used;
} slot;

struct content {
	content_set *set;
	content *next; /* in the set's list of open contents */
	unsigned refs; /* guarded by the set's lock */
	uint64_t idle; /* when refs fell to 0 (the set's clock), kept partly fetched */
	unsigned char sha[32];
	char key[80];
	uint64_t size;
	pthread_mutex_t lock; /* guards what follows */
	pthread_cond_t cond;  /* a block arrived or failed */
	enum mode mode;
	int fd;        /* WHOLE: the whole object (-1 when empty); SPARSE: the temporary file */
	int failed;    /* a status once the object proved unreadable */
	char msg[256]; /* its message */
	char *tmp;     /* SPARSE: the temporary file's path */
	unsigned char *state; /* SPARSE: per block */
	uint64_t nblocks, here; /* blocks in all; here (SPARSE) */
	EVP_MD_CTX *md;  /* hash of blocks [0, hashed) */
	uint64_t hashed;
	bool hashing;    /* a thread is hashing (SPARSE) */
	int refetched;   /* times a damaged one-block object was fetched again */
	slot slot[SLOTS]; /* MEMORY */
	uint64_t tick;
	uint64_t last; /* the last block read, if READ_ANY */
	bool read_any;
	bool verify;         /* WHOLE: a local store's object, not checked yet */
	uint64_t checked_to; /* WHOLE with VERIFY: bytes [0, checked_to) hashed */
};

struct content_set {
	vds_backend *b;
	const char *cache_dir; /* NULL: content is on local disk */
	uint64_t cache_max;
	pthread_mutex_t lock;
	content *open; /* open, and kept partly fetched ones */
	size_t nidle;
	uint64_t clock;
	unsigned ahead;      /* fetches ahead running */
	pthread_cond_t idle; /* none is */
	_Atomic uint64_t fetches, fetched, cached;
	_Atomic uint64_t added, unpruned; /* bytes put into the cache: in all, since a prune */
};

static void content_free(content *c);

content_set *content_set_new(vds_backend *b)
{
	content_set *s = xcalloc(1, sizeof(*s));

	s->b = b;
	if (!vds_backend_cache(b, &s->cache_dir, &s->cache_max))
		s->cache_dir = NULL;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->idle, NULL);
	return s;
}

void content_set_free(content_set *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	while (s->ahead)
		pthread_cond_wait(&s->idle, &s->lock);
	pthread_mutex_unlock(&s->lock);
	while (s->open) {
		content *c = s->open;
		s->open = c->next;
		content_free(c);
	}
	if (s->cache_dir && atomic_load(&s->unpruned)) {
		vds_cache_info info = {0};
		cache_prune(s->cache_dir, s->cache_max, &info);
	}
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->idle);
	free(s);
}

void content_set_stats(content_set *s, content_stats *out)
{
	out->fetches = atomic_load(&s->fetches);
	out->fetched_bytes = atomic_load(&s->fetched);
	out->cached = atomic_load(&s->cached);
}

/* Records that C cannot be read (status R, the current message); returns R. */
static int fail(content *c, int r)
{
	if (!c->failed) {
		c->failed = r;
		snprintf(c->msg, sizeof(c->msg), "%s", vds_errmsg());
		vds_debug("mount: %s", c->msg);
		pthread_cond_broadcast(&c->cond);
	}
	return r;
}

/* The status of a failed C again, with its message. */
static int refail(const content *c)
{
	return vds_err(c->failed, "%s", c->msg);
}

/* Reads LEN bytes of C at OFF from the provider into BUF. */
static int fetch(content *c, uint64_t off, size_t len, char *buf)
{
	vds_backend *b = c->set->b;
	size_t done = 0, got;
	int r = 0;

	while (done < len && r == 0) {
		if ((r = b->ops->read_range(b, c->key, off + done, buf + done, len - done, &got)) < 0)
			break;
		if (got == 0)
			r = vds_err(VDS_ECORRUPT, "content object %s is shorter than its file list says",
				    c->key);
		done += got;
	}
	if (r == VDS_ENOTFOUND)
		r = vds_err(VDS_ECORRUPT, "content object %s is missing", c->key);
	atomic_fetch_add(&c->set->fetches, 1);
	atomic_fetch_add(&c->set->fetched, done);
	return r;
}

static uint64_t block_len(const content *c, uint64_t i)
{
	uint64_t off = i * CONTENT_BLOCK;

	return c->size - off < CONTENT_BLOCK ? c->size - off : CONTENT_BLOCK;
}

/* Every block hashed (lock held): checks the whole, then moves it into the cache. */
static void finish(content *c)
{
	unsigned char got[32];
	char *path = NULL;

	EVP_DigestFinal_ex(c->md, got, NULL);
	if (memcmp(got, c->sha, 32) && c->mode == SPARSE && c->nblocks == 1 &&
	    c->refetched < REFETCHES) {
		/* none of its bytes was handed out yet: damaged on its way, fetch it again */
		vds_debug("mount: %s arrived damaged: fetching it again", c->key);
		c->refetched++;
		c->state[0] = ABSENT;
		c->here = c->hashed = 0;
		EVP_DigestInit_ex(c->md, EVP_sha256(), NULL);
		return;
	}
	if (memcmp(got, c->sha, 32)) {
		vds_err(VDS_ECORRUPT, "content object %s does not match its SHA-256", c->key);
		fail(c, VDS_ECORRUPT);
		return;
	}
	if (c->mode != SPARSE)
		return;
	if (cache_commit(c->set->cache_dir, c->tmp, c->key, &path) == 0) {
		atomic_fetch_add(&c->set->cached, 1);
		atomic_fetch_add(&c->set->added, c->size);
		atomic_fetch_add(&c->set->unpruned, c->size);
	}
	free(path);
	free(c->tmp); /* committed, or removed by a failed commit: the open file stays whole */
	c->tmp = NULL;
	c->mode = WHOLE;
}

/* Writes LEN bytes of BUF at OFF of FD. */
static int pwrite_all(int fd, const char *buf, size_t len, uint64_t off)
{
	while (len) {
		ssize_t n = pwrite(fd, buf, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return vds_err(errno == ENOSPC ? VDS_ENOSPC : VDS_EIO,
				       "cannot write to the cache: %s", strerror(errno));
		buf += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* Reads LEN bytes at OFF of FD into BUF; a short file is an error. */
static int pread_all(int fd, char *buf, size_t len, uint64_t off, const char *what)
{
	while (len) {
		ssize_t n = pread(fd, buf, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return vds_err(VDS_EIO, "cannot read %s: %s", what,
				       n < 0 ? strerror(errno) : "file shrank");
		buf += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* Hashes the blocks that are next in line and here (SPARSE, lock held); BUF holds block I. */
static void hash_in_order(content *c, char *buf, uint64_t i)
{
	if (c->hashing)
		return; /* whoever hashes sees this block too: it re-checks under the lock */
	c->hashing = true;
	while (c->hashed < c->nblocks && c->state[c->hashed] == HERE && !c->failed) {
		uint64_t h = c->hashed, len = block_len(c, h);
		int r = 0;
		pthread_mutex_unlock(&c->lock);
		if (h != i)
			r = pread_all(c->fd, buf, (size_t)len, h * CONTENT_BLOCK, "a fetched block");
		if (r == 0)
			EVP_DigestUpdate(c->md, buf, (size_t)len);
		pthread_mutex_lock(&c->lock);
		if (r < 0)
			fail(c, r);
		c->hashed++;
		i = UINT64_MAX; /* BUF now holds block h, no longer needed */
	}
	c->hashing = false;
	if (c->hashed == c->nblocks && !c->failed)
		finish(c);
	pthread_cond_broadcast(&c->cond); /* readers may wait for the verdict */
}

/* Fetches block I of a SPARSE object, marked ARRIVING (lock held, released meanwhile). */
static int fetch_block(content *c, uint64_t i)
{
	pthread_mutex_unlock(&c->lock);
	size_t len = (size_t)block_len(c, i);
	char *buf = xmalloc(CONTENT_BLOCK);
	int r = fetch(c, i * CONTENT_BLOCK, len, buf);
	if (r == 0)
		r = pwrite_all(c->fd, buf, len, i * CONTENT_BLOCK);
	pthread_mutex_lock(&c->lock);
	c->state[i] = r < 0 ? ABSENT : HERE; /* a failed fetch may be tried again */
	c->here += r == 0;
	pthread_cond_broadcast(&c->cond);
	if (r == VDS_ECORRUPT)
		fail(c, r);
	if (r == 0)
		hash_in_order(c, buf, i);
	free(buf);
	if (r == 0 && c->failed)
		r = refail(c);
	return r;
}

/*
 * Makes block I of a SPARSE object present in its file (lock held). Once
 * every block is here, the whole is being checked: readers wait for the
 * verdict, so that the last bytes of a file read through (and any byte of
 * a file of one block) are handed out only after it matched its hash.
 */
static int need_block(content *c, uint64_t i)
{
	for (;;) {
		if (c->failed)
			return refail(c);
		if (c->mode == WHOLE || (c->state[i] == HERE && c->here < c->nblocks))
			return 0;
		if (c->state[i] != ABSENT) {
			pthread_cond_wait(&c->cond, &c->lock);
			continue;
		}
		c->state[i] = ARRIVING;
		int r = fetch_block(c, i);
		if (r < 0)
			return r;
	}
}

/* Hashes the blocks in memory that are next in line (MEMORY, lock held). */
static void hash_slots(content *c)
{
	for (int k = 0; k < SLOTS && c->hashed < c->nblocks && !c->failed; k++) {
		slot *s = &c->slot[k];
		if (s->state == HERE && s->idx == c->hashed) {
			EVP_DigestUpdate(c->md, s->buf, s->len);
			if (++c->hashed == c->nblocks)
				finish(c);
			k = -1; /* the next one may be in any slot */
		}
	}
}

/* Fetches the block of slot S, marked ARRIVING (MEMORY, lock held, released meanwhile). */
static int fill_slot(content *c, slot *s)
{
	uint64_t i = s->idx;

	pthread_mutex_unlock(&c->lock);
	int r = fetch(c, i * CONTENT_BLOCK, s->len, s->buf);
	pthread_mutex_lock(&c->lock);
	s->state = r < 0 ? ABSENT : HERE;
	s->used = ++c->tick;
	pthread_cond_broadcast(&c->cond);
	if (r < 0)
		return r == VDS_ECORRUPT ? fail(c, r) : r;
	hash_slots(c); /* read in order, the whole is checked at its end */
	return c->failed ? refail(c) : 0;
}

/* The slot holding block I (MEMORY, lock held), or NULL. */
static slot *find_slot(content *c, uint64_t i)
{
	for (int k = 0; k < SLOTS; k++)
		if (c->slot[k].state != ABSENT && c->slot[k].idx == i)
			return &c->slot[k];
	return NULL;
}

/* Takes the least recently used slot not arriving for block I (lock held), or NULL. */
static slot *claim_slot(content *c, uint64_t i)
{
	slot *v = NULL;

	for (int k = 0; k < SLOTS; k++)
		if (c->slot[k].state != ARRIVING && (!v || c->slot[k].used < v->used))
			v = &c->slot[k];
	if (v) {
		v->idx = i;
		v->state = ARRIVING;
		v->len = (size_t)block_len(c, i);
		if (!v->buf)
			v->buf = xmalloc(CONTENT_BLOCK);
	}
	return v;
}

/* The slot holding block I of a MEMORY object, fetched if need be (lock held). */
static int need_slot(content *c, uint64_t i, slot **out)
{
	for (;;) {
		if (c->failed)
			return refail(c);
		slot *s = find_slot(c, i);
		if (s && s->state == HERE) {
			s->used = ++c->tick;
			*out = s;
			return 0;
		}
		if (!s && (s = claim_slot(c, i))) {
			int r = fill_slot(c, s);
			if (r < 0)
				return r;
			continue; /* here now, unless taken meanwhile */
		}
		pthread_cond_wait(&c->cond, &c->lock);
	}
}

/* A block fetched ahead of its reader on a thread of its own. */
typedef struct ahead {
	content *c;
	uint64_t i;
	slot *s; /* MEMORY: the slot claimed for it */
} ahead;

static void *fetch_ahead(void *arg)
{
	ahead *a = arg;
	content *c = a->c;
	content_set *set = c->set;

	pthread_mutex_lock(&c->lock);
	if (a->s)
		fill_slot(c, a->s);
	else
		fetch_block(c, a->i);
	pthread_mutex_unlock(&c->lock);
	free(a);
	content_close(c);
	pthread_mutex_lock(&set->lock);
	if (--set->ahead == 0)
		pthread_cond_broadcast(&set->idle);
	pthread_mutex_unlock(&set->lock);
	return NULL;
}

/*
 * After a read of blocks up to LAST (lock held): if reads go in order,
 * claims the next blocks that are not here yet and adds them to V (*N).
 */
static void plan_ahead(content *c, uint64_t first, uint64_t last, ahead *v, int *n)
{
	bool in_order = first == 0 || (c->read_any && (first == c->last || first == c->last + 1));
	int depth = c->mode == MEMORY ? SLOTS - 2 : AHEAD;

	*n = 0;
	c->last = last;
	c->read_any = true;
	for (uint64_t j = last + 1; in_order && j <= last + (uint64_t)depth && j < c->nblocks; j++) {
		slot *s = NULL;
		if (c->mode == SPARSE && c->state[j] == ABSENT)
			c->state[j] = ARRIVING;
		else if (c->mode != MEMORY || find_slot(c, j) || !(s = claim_slot(c, j)))
			continue;
		v[(*n)++] = (ahead){.c = c, .i = j, .s = s};
	}
}

/* Starts the fetches of V[0..N) (lock not held). */
static void start_ahead(content *c, ahead *v, int n)
{
	content_set *set = c->set;
	pthread_attr_t at;

	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	for (int k = 0; k < n; k++) {
		ahead *a = xmalloc(sizeof(*a));
		pthread_t t;
		*a = v[k];
		pthread_mutex_lock(&set->lock);
		c->refs++; /* the fetch holds C open */
		set->ahead++;
		pthread_mutex_unlock(&set->lock);
		if (pthread_create(&t, &at, fetch_ahead, a) != 0) {
			pthread_mutex_lock(&c->lock); /* not fetched after all */
			if (a->s)
				a->s->state = ABSENT;
			else
				c->state[a->i] = ABSENT;
			pthread_cond_broadcast(&c->cond);
			pthread_mutex_unlock(&c->lock);
			free(a);
			content_close(c);
			pthread_mutex_lock(&set->lock);
			set->ahead--;
			pthread_mutex_unlock(&set->lock);
		}
	}
	pthread_attr_destroy(&at);
}

/*
 * Checks a local store's object as far as a read of [OFF, OFF + LEN) needs
 * (lock held, released while hashing): the bytes next in line are hashed,
 * and the whole before its end, or any byte of an object of one block, is
 * handed out. One thread hashes at a time; the others read on meanwhile.
 */
static int check_local(content *c, uint64_t off, size_t len)
{
	uint64_t to = off + len;

	if (c->size <= CONTENT_BLOCK || to == c->size)
		to = c->size;
	else if (off > c->checked_to || to <= c->checked_to)
		return 0; /* out of order, or hashed already: checked at the end */
	while (c->verify && c->checked_to < to && !c->failed) {
		if (c->hashing) {
			pthread_cond_wait(&c->cond, &c->lock);
			continue;
		}
		uint64_t from = c->checked_to;
		size_t n = to - from < CONTENT_BLOCK ? (size_t)(to - from) : CONTENT_BLOCK;
		char *buf = xmalloc(n);
		c->hashing = true;
		pthread_mutex_unlock(&c->lock);
		int r = pread_all(c->fd, buf, n, from, c->key);
		if (r == 0)
			EVP_DigestUpdate(c->md, buf, n);
		free(buf);
		pthread_mutex_lock(&c->lock);
		c->hashing = false;
		if (r < 0) {
			fail(c, r);
			break;
		}
		c->checked_to += n;
		if (c->checked_to == c->size) {
			finish(c);
			c->verify = false;
		}
		pthread_cond_broadcast(&c->cond);
	}
	return c->failed ? refail(c) : 0;
}

int content_read(content *c, uint64_t off, size_t len, void *buf, int *fd, size_t *got)
{
	ahead v[AHEAD];
	int r = 0, nv = 0;

	*fd = -1;
	*got = 0;
	if (off >= c->size || len == 0)
		return 0;
	if (len > c->size - off)
		len = (size_t)(c->size - off);
	pthread_mutex_lock(&c->lock);
	if (c->failed) {
		r = refail(c);
	} else if (c->mode == MEMORY) {
		size_t done = 0;
		while (done < len && r == 0) {
			uint64_t at = off + done, i = at / CONTENT_BLOCK, in = at % CONTENT_BLOCK;
			slot *s = NULL;
			if ((r = need_slot(c, i, &s)) == 0) {
				size_t n = s->len - in < len - done ? (size_t)(s->len - in) : len - done;
				memcpy((char *)buf + done, s->buf + in, n);
				done += n;
			}
		}
	} else if (c->mode == SPARSE) {
		for (uint64_t i = off / CONTENT_BLOCK; i <= (off + len - 1) / CONTENT_BLOCK && r == 0; i++)
			r = need_block(c, i);
		*fd = r == 0 ? c->fd : -1;
	} else if (!c->verify || (r = check_local(c, off, len)) == 0) {
		*fd = c->fd;
	}
	if (r == 0 && c->mode != WHOLE)
		plan_ahead(c, off / CONTENT_BLOCK, (off + len - 1) / CONTENT_BLOCK, v, &nv);
	pthread_mutex_unlock(&c->lock);
	start_ahead(c, v, nv);
	if (r == 0)
		*got = len;
	if (c->set->cache_dir && atomic_load(&c->set->unpruned) > c->set->cache_max / 8) {
		vds_cache_info info = {0};
		atomic_store(&c->set->unpruned, 0);
		cache_prune(c->set->cache_dir, c->set->cache_max, &info);
	}
	return r;
}

int content_pread(content *c, uint64_t off, size_t len, void *buf, size_t *got)
{
	int fd, r = content_read(c, off, len, buf, &fd, got);

	if (r == 0 && fd >= 0 && *got)
		r = pread_all(fd, buf, *got, off, c->key);
	return r;
}

/* Opens C's object as one whole file at PATH; false if it is not there. */
static int open_whole(content *c, const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT ? VDS_ENOTFOUND : vds_err_errno(errno, "open", path);
	if (fstat(fd, &st) < 0 || (uint64_t)st.st_size != c->size) {
		close(fd);
		return vds_err(VDS_ECORRUPT, "content object %s does not have the size its file list says",
			       c->key);
	}
	c->fd = fd;
	c->mode = WHOLE;
	return 0;
}

/* Sets C up for reading: a whole file, or blocks on demand. */
static int setup(content_set *s, content *c)
{
	vds_backend *b = s->b;
	char *path = NULL;
	bool checked;
	int r;

	c->fd = -1;
	if (c->size == 0) {
		c->mode = WHOLE;
		return 0;
	}
	if (!s->cache_dir) {
		if ((r = b->ops->local_path(b, c->key, &path, &checked)) == 0)
			r = open_whole(c, path);
		free(path);
		if (r == 0 && !checked) { /* read straight from the store: hashed as it is read */
			c->verify = true;
			c->md = EVP_MD_CTX_new();
			EVP_DigestInit_ex(c->md, EVP_sha256(), NULL);
		}
		return r == VDS_ENOTFOUND ? vds_err(VDS_ECORRUPT, "content object %s is missing", c->key)
					  : r;
	}
	if (cache_lookup(s->cache_dir, c->key, &path)) {
		r = open_whole(c, path);
		free(path);
		if (r != VDS_ENOTFOUND) /* else pruned meanwhile: fetch it */
			return r;
	}
	c->nblocks = (c->size + CONTENT_BLOCK - 1) / CONTENT_BLOCK;
	c->md = EVP_MD_CTX_new();
	EVP_DigestInit_ex(c->md, EVP_sha256(), NULL);
	if (c->size > s->cache_max / 16) {
		c->mode = MEMORY;
		return 0;
	}
	if ((r = cache_tmp(s->cache_dir, &c->fd, &c->tmp)) < 0)
		return r;
	if (ftruncate(c->fd, (off_t)c->size) < 0)
		return vds_err(errno == ENOSPC || errno == EFBIG ? VDS_ENOSPC : VDS_EIO,
			       "cannot make room in the cache for %s: %s", c->key, strerror(errno));
	c->state = xcalloc(c->nblocks, 1);
	c->mode = SPARSE;
	return 0;
}

static void content_free(content *c)
{
	if (c->fd >= 0)
		close(c->fd);
	if (c->tmp)
		unlink(c->tmp); /* never whole: dropped */
	free(c->tmp);
	free(c->state);
	for (int k = 0; k < SLOTS; k++)
		free(c->slot[k].buf);
	if (c->md)
		EVP_MD_CTX_free(c->md);
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->cond);
	free(c);
}

int content_open(content_set *s, const unsigned char sha[32], uint64_t size, content **out)
{
	content *c;
	int r;

	pthread_mutex_lock(&s->lock);
	for (c = s->open; c; c = c->next)
		if (!memcmp(c->sha, sha, 32) && c->size == size) {
			if (c->refs++ == 0)
				s->nidle--;
			pthread_mutex_unlock(&s->lock);
			*out = c;
			return 0;
		}
	c = xcalloc(1, sizeof(*c));
	c->set = s;
	c->refs = 1;
	memcpy(c->sha, sha, 32);
	vds_content_key(sha, c->key);
	c->size = size;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->cond, NULL);
	if ((r = setup(s, c)) < 0) {
		pthread_mutex_unlock(&s->lock);
		content_free(c);
		return r;
	}
	c->next = s->open;
	s->open = c;
	pthread_mutex_unlock(&s->lock);
	*out = c;
	return 0;
}

void content_close(content *c)
{
	content_set *s;

	if (!c)
		return;
	s = c->set;
	pthread_mutex_lock(&s->lock);
	if (--c->refs) {
		pthread_mutex_unlock(&s->lock);
		return;
	}
	pthread_mutex_lock(&c->lock);
	bool keep = c->mode == SPARSE && !c->failed; /* the blocks it has stay useful */
	pthread_mutex_unlock(&c->lock);
	if (keep) {
		c->idle = ++s->clock;
		if (++s->nidle <= IDLE_MAX) {
			pthread_mutex_unlock(&s->lock);
			return;
		}
		for (content *o = s->open; o; o = o->next) /* too many: drop the oldest */
			if (!o->refs && o->idle < c->idle)
				c = o;
		s->nidle--;
	}
	for (content **p = &s->open; *p; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			break;
		}
	pthread_mutex_unlock(&s->lock);
	content_free(c);
}
