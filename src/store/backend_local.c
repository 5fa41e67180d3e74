/*
 * backend_local.c - the local-directory storage provider.
 *
 * Keys map to files below the root. Every write goes to tmp/ first, is
 * fsync'ed and renamed into place, so a reader sees the old object or the
 * new one, never a partial one. Content is copied while hashed, then made
 * durable in one batch (syncfs) before any renaming, so a content object
 * that exists under its name always holds its full content. create() makes
 * its key with link(2), which fails if the name exists: the file system
 * arbitrates between writers.
 *
 * For the suite's delay tests, VDS_TEST_HOLD="WHAT=MS,..." holds each
 * rename, link or sync whose key (or "sync") contains WHAT for MS ms first,
 * and appends a line naming the key to the file $VDS_TEST_HOLD_LOG if set.
 */
#include "config.h"

#include <dirent.h>
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

#include "backend.h"
#include "util.h"

#define COPY_BUF (1 << 20)

typedef struct pending {
	char *tmp;
	char key[80];
} pending;

typedef struct local_backend {
	vds_backend base;
	char *root;
	int rootfd;
	pthread_mutex_t lock; /* guards the pending list */
	pending *pend;
	size_t npend, cappend;
} local_backend;

static char *full_path(local_backend *lb, const char *key)
{
	return xasprintf("%s/%s", lb->root, key);
}

static char *tmp_path(local_backend *lb)
{
	char r[16];

	vds_random_base36(r, 12);
	return xasprintf("%s/tmp/%s", lb->root, r);
}

/* Sleeps as VDS_TEST_HOLD asks before the step on KEY (a test hook). */
static void test_hold(const char *key)
{
	const char *spec = getenv("VDS_TEST_HOLD");
	char item[256];

	while (spec && *spec) {
		size_t n = strcspn(spec, ",");
		snprintf(item, sizeof(item), "%.*s", (int)(n < 255 ? n : 255), spec);
		char *eq = strrchr(item, '=');
		if (eq) {
			*eq = '\0';
			if (*item && strstr(key, item)) {
				long ms = atol(eq + 1);
				const char *log = getenv("VDS_TEST_HOLD_LOG");
				FILE *f = log ? fopen(log, "a") : NULL;
				if (f) {
					fprintf(f, "hold %ld %s\n", ms, key);
					fclose(f);
				}
				struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
				nanosleep(&ts, NULL);
			}
		}
		spec += n + (spec[n] == ',');
	}
}

static int fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	int r = fsync(fd);
	close(fd);
	return r;
}

static int ensure_parent(const char *path)
{
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	int r = 0;

	if (slash) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			r = vds_mkdirs(dir);
	}
	free(dir);
	return r;
}

static int l_read(vds_backend *b, const char *key, char **out, size_t *len)
{
	char *path = full_path((local_backend *)b, key);
	int r = vds_read_file(path, out, len);

	free(path);
	return r;
}

/* Writes DATA into a new durable file in tmp/; sets *TMP (malloc'd), NULL on failure. */
static int write_tmp(local_backend *lb, const char *key, const void *data, size_t len,
		     char **tmp)
{
	mode_t mode = strncmp(key, "objects/", 8) ? 0644 : 0444; /* content is read-only */
	int fd;

	*tmp = tmp_path(lb);
	if ((fd = open(*tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)) < 0) {
		int r = vds_err_errno(errno, "create", *tmp);
		free(*tmp);
		*tmp = NULL;
		return r;
	}
	if (write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		int e = errno;
		close(fd);
		unlink(*tmp);
		free(*tmp);
		*tmp = NULL;
		return vds_err_errno(e, "write", key);
	}
	close(fd);
	return 0;
}

/* Makes the new name PATH durable by syncing its folder. */
static int sync_parent(char *path)
{
	char *slash = strrchr(path, '/');
	int r = 0;

	*slash = '\0';
	if (fsync_dir(path) < 0)
		r = vds_err_errno(errno, "sync", path);
	*slash = '/';
	return r;
}

/*
 * Puts DATA at KEY through a durable temporary file: renamed over any old
 * object, or with EXCL linked only if the name is free (*EXISTS is set when
 * it was taken).
 */
static int place(local_backend *lb, const char *key, const void *data, size_t len, bool excl,
		 bool *exists)
{
	char *tmp, *path = full_path(lb, key);
	int r = write_tmp(lb, key, data, len, &tmp);

	*exists = false;
	if (r == 0 && (r = ensure_parent(path)) == 0) {
		test_hold(key);
		if ((excl ? link(tmp, path) : rename(tmp, path)) == 0)
			r = sync_parent(path);
		else if (excl && errno == EEXIST)
			*exists = true;
		else
			r = vds_err_errno(errno, excl ? "create" : "rename into", path);
	}
	if (r == 0 ? excl : tmp != NULL)
		unlink(tmp); /* a link leaves the temporary name behind */
	free(tmp);
	free(path);
	return r;
}

static int l_write(vds_backend *b, const char *key, const void *data, size_t len)
{
	bool exists;

	return place((local_backend *)b, key, data, len, false, &exists);
}

static int l_create(vds_backend *b, const char *key, const void *data, size_t len)
{
	char *cur;
	size_t curlen;
	bool exists;
	int r = place((local_backend *)b, key, data, len, true, &exists);

	if (r < 0 || !exists)
		return r;
	if ((r = l_read(b, key, &cur, &curlen)) < 0)
		return r;
	/* holding exactly these bytes: an earlier attempt of ours */
	r = curlen == len && !memcmp(cur, data, len) ? 0 : CREATE_EXISTS;
	free(cur);
	return r;
}

static int l_remove(vds_backend *b, const char *key)
{
	char *path = full_path((local_backend *)b, key);
	int r = 0;

	if (unlink(path) < 0)
		r = vds_err_errno(errno, "remove", path);
	free(path);
	return r;
}

/* Removes the tree below directory fd DIRFD entry NAME. */
static int rm_at(int parent, const char *name)
{
	if (unlinkat(parent, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return -1;
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -1;
	}
	struct dirent *de;
	int r = 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (rm_at(dirfd(d), de->d_name) < 0)
			r = -1;
	}
	closedir(d);
	if (r == 0 && unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		r = -1;
	return r;
}

static int l_remove_tree(vds_backend *b, const char *prefix)
{
	local_backend *lb = (local_backend *)b;

	if (rm_at(lb->rootfd, prefix) < 0)
		return vds_err_errno(errno, "remove", prefix);
	return 0;
}

static int l_stat(vds_backend *b, const char *key, uint64_t *size)
{
	local_backend *lb = (local_backend *)b;
	struct stat st;

	if (fstatat(lb->rootfd, key, &st, 0) < 0)
		return errno == ENOENT || errno == ENOTDIR ? VDS_ENOTFOUND
							   : vds_err_errno(errno, "stat", key);
	if (size)
		*size = (uint64_t)st.st_size;
	return 0;
}

static int l_list(vds_backend *b, const char *prefix, vds_list_fn fn, void *ud)
{
	local_backend *lb = (local_backend *)b;
	int fd = openat(lb->rootfd, prefix, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : vds_err_errno(errno, "list", prefix);
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return vds_err_errno(errno, "list", prefix);
	}
	struct dirent *de;
	int r = 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if ((r = fn(de->d_name, ud)) != 0)
			break;
	}
	closedir(d);
	return r;
}

static int l_local_path(vds_backend *b, const char *key, char **path, bool *checked)
{
	int r = l_stat(b, key, NULL);

	*checked = false;
	if (r < 0)
		return r;
	*path = full_path((local_backend *)b, key);
	return 0;
}

static int l_read_range(vds_backend *b, const char *key, uint64_t off, void *buf, size_t len,
			size_t *got)
{
	local_backend *lb = (local_backend *)b;
	int fd = openat(lb->rootfd, key, O_RDONLY | O_CLOEXEC);
	size_t done = 0;

	if (fd < 0)
		return vds_err_errno(errno, "open", key);
	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done, (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			return vds_err_errno(e, "read", key);
		}
		if (n == 0)
			break;
		done += (size_t)n;
	}
	close(fd);
	*got = done;
	return 0;
}

static int l_fetch_into(vds_backend *b, const char *key, uint64_t size, int fd)
{
	(void)b, (void)key, (void)size, (void)fd; /* the store's own file is the path */
	return 1;
}

static int l_stream(vds_backend *b, const char *key, vds_stream_fn fn, void *ud,
		    atomic_int *cancel)
{
	local_backend *lb = (local_backend *)b;
	int fd = openat(lb->rootfd, key, O_RDONLY | O_CLOEXEC), r = 0;
	char *buf;

	if (fd < 0)
		return errno == ENOENT ? VDS_ENOTFOUND : vds_err_errno(errno, "open", key);
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	buf = xmalloc(COPY_BUF);
	for (;;) {
		if (cancel && atomic_load(cancel)) {
			r = vds_err(VDS_ECANCELED, "cancelled");
			break;
		}
		ssize_t n = read(fd, buf, COPY_BUF);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = vds_err_errno(errno, "read", key);
			break;
		}
		if (n == 0 || (r = fn(buf, (size_t)n, ud)) != 0)
			break;
	}
	free(buf);
	close(fd);
	return r;
}

static void l_prepare_put(vds_backend *b, size_t nfiles)
{
	(void)b, (void)nfiles; /* a stat is as fast as any index */
}

static int l_abort_stale(vds_backend *b, int64_t older_than, bool dry_run, uint64_t *n)
{
	(void)b, (void)older_than, (void)dry_run, (void)n; /* tmp/ is cleaned when opened */
	return 0;
}

static int l_touch(vds_backend *b, const char *key)
{
	local_backend *lb = (local_backend *)b;

	if (utimensat(lb->rootfd, key, NULL, 0) < 0)
		return vds_err_errno(errno, "touch", key);
	return 0;
}

static int l_age(vds_backend *b, const char *key, int64_t *seconds)
{
	local_backend *lb = (local_backend *)b;
	struct stat st;

	if (fstatat(lb->rootfd, key, &st, 0) < 0)
		return vds_err_errno(errno, "stat", key);
	*seconds = (int64_t)time(NULL) - (int64_t)st.st_mtime;
	return 0;
}

/*
 * Takes over finished file TMP of content SHA: dropped if the store has the
 * content (which is touched, fresh for gc), else renamed into place by flush().
 */
static void adopt(local_backend *lb, char *tmp, const unsigned char sha[32], bool *stored)
{
	pending p = {.tmp = tmp};

	vds_content_key(sha, p.key);
	*stored = false;
	if (l_stat(&lb->base, p.key, NULL) == 0 && l_touch(&lb->base, p.key) == 0) {
		unlink(tmp);
		free(tmp);
		return;
	}
	/* not stored (or removed by gc just now): this copy will be */
	*stored = true;
	pthread_mutex_lock(&lb->lock);
	if (lb->npend == lb->cappend) {
		lb->cappend = lb->cappend ? lb->cappend * 2 : 64;
		lb->pend = xrealloc(lb->pend, lb->cappend * sizeof(*lb->pend));
	}
	lb->pend[lb->npend++] = p;
	pthread_mutex_unlock(&lb->lock);
}

static int l_put_content(vds_backend *b, int fd, unsigned char sha[32], bool *stored,
			 _Atomic uint64_t *counter, atomic_int *cancel)
{
	local_backend *lb = (local_backend *)b;
	char *tmp = tmp_path(lb);
	char *buf = xmalloc(COPY_BUF);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int r = 0, out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);

	if (out < 0) {
		r = vds_err_errno(errno, "create", tmp);
		goto done;
	}
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	for (;;) {
		if (cancel && atomic_load(cancel)) {
			r = vds_err(VDS_ECANCELED, "cancelled");
			break;
		}
		ssize_t n = read(fd, buf, COPY_BUF);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = vds_err(VDS_EIO, "%s", strerror(errno));
			break;
		}
		if (n == 0)
			break;
		EVP_DigestUpdate(md, buf, (size_t)n);
		if (write_all(out, buf, (size_t)n) < 0) {
			r = vds_err(errno == ENOSPC || errno == EDQUOT ? VDS_ENOSPC : VDS_EIO,
				    "writing to the store: %s", strerror(errno));
			break;
		}
		if (counter)
			atomic_fetch_add(counter, (uint64_t)n);
	}
	close(out);
	if (r < 0) {
		unlink(tmp);
		goto done;
	}
	EVP_DigestFinal_ex(md, sha, NULL);
	adopt(lb, tmp, sha, stored);
	tmp = NULL;
done:
	EVP_MD_CTX_free(md);
	free(buf);
	free(tmp);
	return r;
}

static int l_spool(vds_backend *b, int *fd, char **path)
{
	local_backend *lb = (local_backend *)b;
	char *tmp = tmp_path(lb);

	if ((*fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0444)) < 0) {
		int r = vds_err_errno(errno, "create", tmp);
		free(tmp);
		return r;
	}
	*path = tmp;
	return 0;
}

static int l_put_spooled(vds_backend *b, char *path, int fd, const unsigned char sha[32],
			 bool *stored, _Atomic uint64_t *counter, atomic_int *cancel)
{
	(void)fd, (void)counter, (void)cancel; /* the spooled file is in tmp/ already */
	adopt((local_backend *)b, path, sha, stored);
	return 0;
}

static int l_flush(vds_backend *b)
{
	local_backend *lb = (local_backend *)b;
	int r = 0;

	pthread_mutex_lock(&lb->lock);
	if (lb->npend)
		test_hold("sync");
	if (lb->npend && syncfs(lb->rootfd) < 0)
		r = vds_err_errno(errno, "sync", lb->root);
	for (size_t i = 0; i < lb->npend && r == 0; i++) {
		char *path = full_path(lb, lb->pend[i].key);

		if ((r = ensure_parent(path)) == 0 && rename(lb->pend[i].tmp, path) < 0)
			r = vds_err_errno(errno, "store", path);
		free(path);
	}
	if (r == 0 && lb->npend && syncfs(lb->rootfd) < 0)
		r = vds_err_errno(errno, "sync", lb->root);
	for (size_t i = 0; i < lb->npend; i++) {
		if (r < 0)
			unlink(lb->pend[i].tmp);
		free(lb->pend[i].tmp);
	}
	lb->npend = 0;
	pthread_mutex_unlock(&lb->lock);
	return r;
}

static void l_discard(vds_backend *b)
{
	local_backend *lb = (local_backend *)b;

	pthread_mutex_lock(&lb->lock);
	for (size_t i = 0; i < lb->npend; i++) {
		unlink(lb->pend[i].tmp);
		free(lb->pend[i].tmp);
	}
	lb->npend = 0;
	pthread_mutex_unlock(&lb->lock);
}

static void l_close(vds_backend *b)
{
	local_backend *lb = (local_backend *)b;

	l_discard(b);
	free(lb->pend);
	pthread_mutex_destroy(&lb->lock);
	if (lb->rootfd >= 0)
		close(lb->rootfd);
	free(lb->root);
	free(lb->base.provider_id);
	free(lb);
}

static const vds_backend_ops local_ops = {
	.type = "local",
	.read = l_read,
	.write = l_write,
	.create = l_create,
	.remove = l_remove,
	.remove_tree = l_remove_tree,
	.stat = l_stat,
	.list = l_list,
	.local_path = l_local_path,
	.fetch_into = l_fetch_into,
	.stream = l_stream,
	.read_range = l_read_range,
	.put_content = l_put_content,
	.spool = l_spool,
	.put_spooled = l_put_spooled,
	.prepare_put = l_prepare_put,
	.touch = l_touch,
	.abort_stale = l_abort_stale,
	.age = l_age,
	.flush = l_flush,
	.discard = l_discard,
	.close = l_close,
};


/* True if directory PATH holds nothing but what a store being set up has. */
static bool dir_is_empty(const char *path)
{
	static const char *const ours[] = {".", "..", "tmp", "objects", "datasets", FORMAT_KEY};
	DIR *d = opendir(path);
	struct dirent *de;
	bool empty = true;

	if (!d)
		return true;
	while ((de = readdir(d)) && empty) {
		bool known = false;
		for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
			known |= !strcmp(de->d_name, ours[i]);
		empty = known; /* another process may be setting up the same store */
	}
	closedir(d);
	return empty;
}

#define TMP_MAX_AGE (24 * 3600) /* no write keeps a temporary file for a day */

/* Removes temporary files that interrupted writers left behind long ago. */
static void clean_tmp(local_backend *lb)
{
	char *tmpdir = full_path(lb, "tmp");
	DIR *d;
	struct dirent *de;
	time_t now = time(NULL);

	vds_mkdirs(tmpdir);
	if ((d = opendir(tmpdir))) {
		while ((de = readdir(d))) {
			struct stat st;
			if (de->d_name[0] != '.' && fstatat(dirfd(d), de->d_name, &st, 0) == 0 &&
			    S_ISREG(st.st_mode) && now - st.st_mtime > TMP_MAX_AGE)
				unlinkat(dirfd(d), de->d_name, 0);
		}
		closedir(d);
	}
	free(tmpdir);
}

int vds_backend_local_open(const char *root, vds_backend **out)
{
	local_backend *lb;
	int r;

	if ((r = vds_mkdirs(root)) < 0)
		return r;
	lb = xcalloc(1, sizeof(*lb));
	lb->base.ops = &local_ops;
	lb->root = xstrdup(root);
	pthread_mutex_init(&lb->lock, NULL);
	lb->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lb->rootfd < 0) {
		r = vds_err_errno(errno, "open store", root);
		goto fail;
	}
	if (l_stat(&lb->base, FORMAT_KEY, NULL) < 0) {
		if (!dir_is_empty(root)) {
			r = vds_err(VDS_EINVAL, "%s is not empty and is not a vds store", q(root));
			goto fail;
		}
		char *tmpdir = full_path(lb, "tmp");
		r = vds_mkdirs(tmpdir);
		free(tmpdir);
		if (r < 0 || (r = l_write(&lb->base, FORMAT_KEY, FORMAT_TEXT, strlen(FORMAT_TEXT))) < 0)
			goto fail;
		lb->base.format = FORMAT_VERSION;
		lb->base.features = FORMAT_FEATURES;
	} else {
		char *fmt = NULL;
		size_t len;

		if ((r = l_read(&lb->base, FORMAT_KEY, &fmt, &len)) < 0)
			goto fail;
		r = vds_format_check(&lb->base, fmt, len, root);
		free(fmt);
		if (r < 0)
			goto fail;
	}
	clean_tmp(lb);
	*out = &lb->base;
	return 0;
fail:
	l_close(&lb->base);
	return r;
}
