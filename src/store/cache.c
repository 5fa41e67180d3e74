/*
 * cache.c - the local content cache of remote providers. Objects arrive in
 * tmp/ and are renamed into objects/XX/ only after their SHA-256 was
 * checked, so a cached file always holds its content. Using an object
 * sets its modification time; pruning removes the oldest first, cached
 * records (records/, reccache.c) and content alike; the counts of
 * objects are of content only, the sizes include the records.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"

#define TMP_MAX_AGE (24 * 3600)

char *cache_object_path(const char *dir, const char *key)
{
	return xasprintf("%s/%s", dir, key);
}

bool cache_lookup(const char *dir, const char *key, char **path)
{
	char *p = cache_object_path(dir, key);

	if (utimensat(AT_FDCWD, p, NULL, 0) < 0) { /* present, and now recently used */
		free(p);
		return false;
	}
	*path = p;
	return true;
}

int cache_tmp(const char *dir, int *fd, char **tmp)
{
	char r[16], *tdir = xasprintf("%s/tmp", dir);
	int rc = vds_mkdirs(tdir);

	vds_random_base36(r, 12);
	*tmp = xasprintf("%s/%s", tdir, r);
	free(tdir);
	if (rc < 0) {
		free(*tmp);
		return rc;
	}
	if ((*fd = open(*tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0444)) < 0) {
		rc = vds_err_errno(errno, "create", *tmp);
		free(*tmp);
		return rc;
	}
	return 0;
}

int cache_commit(const char *dir, const char *tmp, const char *key, char **path)
{
	char *p = cache_object_path(dir, key), *parent = xstrdup(p);
	int r;

	*strrchr(parent, '/') = '\0';
	r = vds_mkdirs(parent);
	free(parent);
	if (r == 0 && rename(tmp, p) < 0)
		r = vds_err_errno(errno, "store in the cache", p);
	if (r < 0) {
		unlink(tmp);
		free(p);
		return r;
	}
	*path = p;
	return 0;
}

typedef struct cached {
	char *path;
	uint64_t size;
	int64_t used;
	bool record; /* a cached record: pruned, counted in bytes, not among the objects */
} cached;

static int by_use(const void *a, const void *b)
{
	const cached *x = a, *y = b;

	return x->used < y->used ? -1 : x->used > y->used;
}

/*
 * Adds the files DEPTH folders below PATH to V (*N of *CAP), their sizes
 * to *BYTES: the cached records (records/STORE/XX/REST, see reccache.c).
 */
static void scan_below(const char *path, int depth, cached **v, size_t *n, size_t *cap,
		       uint64_t *bytes)
{
	DIR *d = opendir(path);
	struct dirent *de;
	struct stat st;

	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.' ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		char *p = xasprintf("%s/%s", path, de->d_name);
		if (depth > 0 && S_ISDIR(st.st_mode)) {
			scan_below(p, depth - 1, v, n, cap, bytes);
		} else if (depth == 0 && S_ISREG(st.st_mode)) {
			if (*n == *cap) {
				*cap = *cap ? *cap * 2 : 256;
				*v = xrealloc(*v, *cap * sizeof(**v));
			}
			(*v)[(*n)++] = (cached){p, (uint64_t)st.st_size, (int64_t)st.st_mtime, true};
			*bytes += (uint64_t)st.st_size;
			continue;
		}
		free(p);
	}
	if (d)
		closedir(d);
}

/* Collects every cached object and record (and clears old temporary files). */
static void scan(const char *dir, cached **v, size_t *n, uint64_t *bytes)
{
	char *odir = xasprintf("%s/objects", dir), *tdir = xasprintf("%s/tmp", dir);
	char *rdir = xasprintf("%s/records", dir);
	DIR *d = opendir(odir), *sub;
	struct dirent *de, *se;
	size_t cap = 0;
	struct stat st;

	*v = NULL;
	*n = 0;
	*bytes = 0;
	scan_below(rdir, 2, v, n, &cap, bytes);
	free(rdir);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.' || !(sub = fdopendir(openat(dirfd(d), de->d_name,
								    O_RDONLY | O_DIRECTORY | O_CLOEXEC))))
			continue;
		while ((se = readdir(sub))) {
			if (se->d_name[0] == '.' || fstatat(dirfd(sub), se->d_name, &st, 0) < 0 ||
			    !S_ISREG(st.st_mode))
				continue;
			if (*n == cap) {
				cap = cap ? cap * 2 : 256;
				*v = xrealloc(*v, cap * sizeof(**v));
			}
			(*v)[(*n)++] = (cached){xasprintf("%s/%s/%s", odir, de->d_name, se->d_name),
						(uint64_t)st.st_size, (int64_t)st.st_mtime, false};
			*bytes += (uint64_t)st.st_size;
		}
		closedir(sub);
	}
	if (d)
		closedir(d);
	if ((d = opendir(tdir))) {
		time_t now = time(NULL);
		while ((de = readdir(d)))
			if (de->d_name[0] != '.' && fstatat(dirfd(d), de->d_name, &st, 0) == 0 &&
			    now - st.st_mtime > TMP_MAX_AGE)
				unlinkat(dirfd(d), de->d_name, 0);
		closedir(d);
	}
	free(odir);
	free(tdir);
}

int cache_prune(const char *dir, uint64_t max_bytes, vds_cache_info *info)
{
	cached *v;
	size_t n;
	uint64_t bytes;
	int r = 0;

	scan(dir, &v, &n, &bytes);
	if (n)
		qsort(v, n, sizeof(*v), by_use);
	info->objects = 0;
	for (size_t i = 0; i < n; i++)
		info->objects += !v[i].record;
	for (size_t i = 0; i < n && bytes > max_bytes; i++) {
		if (unlink(v[i].path) < 0 && errno != ENOENT) {
			r = vds_err_errno(errno, "remove", v[i].path);
			break;
		}
		bytes -= v[i].size;
		if (!v[i].record) {
			info->objects--;
			info->removed++;
		}
		info->removed_bytes += v[i].size;
	}
	info->bytes = bytes;
	for (size_t i = 0; i < n; i++)
		free(v[i].path);
	free(v);
	return r;
}
