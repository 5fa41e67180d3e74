/*
 * reccache.c - the local cache of metadata records of a remote store.
 * Entries are files named by the MD5 of their bytes; they arrive in a
 * temporary file and are renamed into place, so concurrent processes
 * only ever see whole entries, and two that write the same entry write
 * the same bytes. Every entry is hashed again when read: a damaged or
 * forged one is removed and read from the store instead.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reccache.h"
#include "util.h"

#define ENTRY_MAX (16 << 20) /* records are small, record packs at most this */

struct reccache {
	char *dir;         /* CACHE_DIR/records/STORE */
	atomic_bool broken; /* a write failed: the cache is not used for writing again */
};

reccache *reccache_open(const char *cache_dir, const char *identity)
{
	unsigned char sha[32];
	char hex[65];
	reccache *rc = xcalloc(1, sizeof(*rc));

	EVP_Digest(identity, strlen(identity), sha, NULL, EVP_sha256(), NULL);
	vds_sha256_hex(sha, hex);
	hex[32] = '\0'; /* 128 bits tell stores apart */
	rc->dir = xasprintf("%s/records/%s", cache_dir, hex);
	atomic_init(&rc->broken, false);
	return rc;
}

void reccache_free(reccache *rc)
{
	if (!rc)
		return;
	free(rc->dir);
	free(rc);
}

bool reccache_digest(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return i == 32;
}

/* The MD5 of DATA in hex. */
static void digest(const void *data, size_t len, char hex[33])
{
	unsigned char d[16];

	EVP_Digest(data, len, d, NULL, EVP_md5(), NULL);
	for (int i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

/* True if the MD5 of DATA is MD5 (hex). */
static bool digest_is(const void *data, size_t len, const char *md5)
{
	char hex[33];

	digest(data, len, hex);
	return !strcmp(hex, md5);
}

/* The file of entry MD5 (malloc'd). */
static char *entry_path(const reccache *rc, const char *md5)
{
	return xasprintf("%s/%.2s/%s", rc->dir, md5, md5 + 2);
}

bool reccache_get(reccache *rc, const char *md5, char **out, size_t *len)
{
	char *path, *buf;
	struct stat st;
	ssize_t got = -1;
	int fd;

	if (!rc || !reccache_digest(md5))
		return false;
	path = entry_path(rc, md5);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		free(path);
		return false;
	}
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= ENTRY_MAX) {
		buf = xmalloc((size_t)st.st_size + 1);
		/* one byte more: a file that grew meanwhile is damaged */
		got = read(fd, buf, (size_t)st.st_size + 1);
		if (got == st.st_size && digest_is(buf, (size_t)got, md5)) {
			buf[got] = '\0';
			futimens(fd, NULL); /* just used: pruning removes the oldest first */
			close(fd);
			free(path);
			*out = buf;
			*len = (size_t)got;
			return true;
		}
		free(buf);
	}
	close(fd);
	unlink(path); /* damaged or not an entry: never trusted, read from the store again */
	free(path);
	return false;
}

void reccache_put(reccache *rc, const char *md5, const void *data, size_t len)
{
	char *path, *tmp, *parent, r[16];
	int fd;
	bool ok = false;

	if (!rc || atomic_load(&rc->broken) || len > ENTRY_MAX || !reccache_digest(md5) ||
	    !digest_is(data, len, md5))
		return;
	path = entry_path(rc, md5);
	parent = xstrdup(path);
	*strrchr(parent, '/') = '\0';
	vds_random_base36(r, 12);
	tmp = xasprintf("%s/.tmp-%s", parent, r);
	if (vds_mkdirs(parent) == 0 &&
	    (fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) >= 0) {
		ok = write(fd, data, len) == (ssize_t)len;
		ok = close(fd) == 0 && ok;
		ok = ok && rename(tmp, path) == 0;
		if (!ok)
			unlink(tmp);
	}
	if (!ok)
		atomic_store(&rc->broken, true);
	free(tmp);
	free(parent);
	free(path);
}

void reccache_keep(reccache *rc, const void *data, size_t len)
{
	char hex[33];

	if (!rc || !data || len > ENTRY_MAX)
		return;
	digest(data, len, hex);
	reccache_put(rc, hex, data, len);
}
