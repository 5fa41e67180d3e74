/* hashcache.c - the stat-keyed hash cache, an open-addressing table saved as text. */
#include "config.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hashcache.h"
#include "util.h"

#define HEADER "vds-hashcache 1\n"
#define MAX_ENTRIES 4000000 /* beyond this the oldest half is dropped */

typedef struct hc_entry {
	uint64_t dev, ino, size;
	int64_t mtime_ns, ctime_ns;
	unsigned char sha[32];
	bool used;
} hc_entry;

struct hashcache {
	char *path;
	hc_entry *t;
	size_t cap, n;
	bool dirty;
	pthread_mutex_t lock;
};

static int64_t ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

static size_t slot(const hashcache *c, uint64_t dev, uint64_t ino)
{
	uint64_t h = (ino * 0x9e3779b97f4a7c15ULL) ^ (dev * 0xc2b2ae3d27d4eb4fULL);

	return (size_t)(h ^ (h >> 29)) & (c->cap - 1);
}

static void insert(hashcache *c, const hc_entry *e);

static void grow(hashcache *c)
{
	hc_entry *old = c->t;
	size_t oldcap = c->cap;

	c->cap = c->cap ? c->cap * 2 : 1024;
	c->t = xcalloc(c->cap, sizeof(*c->t));
	c->n = 0;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].used)
			insert(c, &old[i]);
	free(old);
}

static void insert(hashcache *c, const hc_entry *e)
{
	if ((c->n + 1) * 4 > c->cap * 3)
		grow(c);
	size_t i = slot(c, e->dev, e->ino);
	while (c->t[i].used && !(c->t[i].dev == e->dev && c->t[i].ino == e->ino))
		i = (i + 1) & (c->cap - 1);
	if (!c->t[i].used)
		c->n++;
	c->t[i] = *e;
	c->t[i].used = true;
}

hashcache *hashcache_load(const char *path)
{
	hashcache *c = xcalloc(1, sizeof(*c));
	char *text;
	size_t len;

	c->path = xstrdup(path);
	pthread_mutex_init(&c->lock, NULL);
	grow(c);
	if (vds_read_file(path, &text, &len) < 0)
		return c;
	if (len >= strlen(HEADER) && !memcmp(text, HEADER, strlen(HEADER))) {
		char *p = text + strlen(HEADER), *end;

		/* lines: dev ino size mtime_ns ctime_ns sha256; stop at the first bad one */
		while (*p && c->n < MAX_ENTRIES) {
			hc_entry e = {0};

			e.dev = strtoull(p, &end, 10);
			if (*end != ' ')
				break;
			e.ino = strtoull(end + 1, &end, 10);
			if (*end != ' ')
				break;
			e.size = strtoull(end + 1, &end, 10);
			if (*end != ' ')
				break;
			e.mtime_ns = strtoll(end + 1, &end, 10);
			if (*end != ' ')
				break;
			e.ctime_ns = strtoll(end + 1, &end, 10);
			/* the parse stops at the NUL of a truncated file */
			if (*end != ' ' || vds_sha256_parse(end + 1, e.sha) < 0 || end[65] != '\n')
				break;
			insert(c, &e);
			p = end + 66;
		}
	}
	free(text);
	return c;
}

bool hashcache_get(hashcache *c, const struct stat *st, unsigned char sha[32])
{
	bool hit = false;

	pthread_mutex_lock(&c->lock);
	size_t i = slot(c, (uint64_t)st->st_dev, (uint64_t)st->st_ino);
	for (; c->t[i].used; i = (i + 1) & (c->cap - 1)) {
		hc_entry *e = &c->t[i];
		if (e->dev != (uint64_t)st->st_dev || e->ino != (uint64_t)st->st_ino)
			continue;
		if (e->size == (uint64_t)st->st_size && e->mtime_ns == ns(&st->st_mtim) &&
		    e->ctime_ns == ns(&st->st_ctim)) {
			memcpy(sha, e->sha, 32);
			hit = true;
		}
		break;
	}
	pthread_mutex_unlock(&c->lock);
	return hit;
}

void hashcache_put(hashcache *c, const struct stat *st, const unsigned char sha[32],
		   int64_t start_ns)
{
	hc_entry e = {
		.dev = (uint64_t)st->st_dev,
		.ino = (uint64_t)st->st_ino,
		.size = (uint64_t)st->st_size,
		.mtime_ns = ns(&st->st_mtim),
		.ctime_ns = ns(&st->st_ctim),
	};

	/* a file touched within a second of hashing may change unseen */
	if (e.mtime_ns > start_ns - 1000000000 || e.ctime_ns > start_ns - 1000000000)
		return;
	memcpy(e.sha, sha, 32);
	pthread_mutex_lock(&c->lock);
	if (c->n < MAX_ENTRIES) {
		insert(c, &e);
		c->dirty = true;
	}
	pthread_mutex_unlock(&c->lock);
}

void hashcache_save(hashcache *c)
{
	if (!c->dirty)
		return;
	char *dir = xstrdup(c->path), *tmp = xasprintf("%s.tmp%d", c->path, (int)getpid());
	if (strrchr(dir, '/')) {
		*strrchr(dir, '/') = '\0';
		vds_mkdirs(dir);
	}
	FILE *f = fopen(tmp, "w");
	if (f) {
		fputs(HEADER, f);
		for (size_t i = 0; i < c->cap; i++) {
			const hc_entry *e = &c->t[i];
			char hex[65];

			if (!e->used)
				continue;
			vds_sha256_hex(e->sha, hex);
			fprintf(f, "%llu %llu %llu %lld %lld %s\n", (unsigned long long)e->dev,
				(unsigned long long)e->ino, (unsigned long long)e->size,
				(long long)e->mtime_ns, (long long)e->ctime_ns, hex);
		}
		if (fclose(f) == 0)
			rename(tmp, c->path);
		else
			unlink(tmp);
	}
	free(tmp);
	free(dir);
}

void hashcache_free(hashcache *c)
{
	if (!c)
		return;
	pthread_mutex_destroy(&c->lock);
	free(c->t);
	free(c->path);
	free(c);
}
