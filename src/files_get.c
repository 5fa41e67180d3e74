/*
 * files_get.c - writing a version's files into a local folder. Every file
 * is written to a temporary name, checked against its SHA-256 and renamed
 * (a cached copy that fails the check is removed and downloaded again);
 * files already present with the right content are skipped, so an
 * interrupted get resumes. Folders are opened one component at a time
 * without following links, so nothing is ever written outside the target;
 * a link whose resolution against the version's own tree leaves it is
 * skipped (src/linkres.c). Modes lose their set-id and sticky bits and go
 * through the umask.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/cache.h"
#include "linkres.h"
#include "manifest.h"
#include "pool.h"
#include "core.h"

#define COPY_BUF (1 << 20)
#define LINK_READS 3 /* reads of a link target that does not match, at most */

typedef struct get_job {
	vds_backend *b;
	vds_entry *e; /* selected entries; paths owned */
	int rootfd;
	const char *dir;
	pthread_mutex_t mkdir_lock;
	linkres_tree *links; /* link targets resolved against the whole version */
	mode_t umask;
	_Atomic uint64_t present, written;
} get_job;

/* Opens (creating) the folder holding PATH below ROOTFD; *name is the last component. */
static int open_parent(get_job *j, const char *path, const char **name, int *out)
{
	int fd = dup(j->rootfd);
	const char *c = path;

	for (;;) {
		const char *slash = strchr(c, '/');
		if (!slash)
			break;
		char *comp = strndup(c, (size_t)(slash - c));
		int next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 && errno == ENOENT) {
			pthread_mutex_lock(&j->mkdir_lock);
			if (mkdirat(fd, comp, 0755) < 0 && errno != EEXIST) {
				pthread_mutex_unlock(&j->mkdir_lock);
				int r = vds_err_errno(errno, "create folder for", path);
				free(comp);
				close(fd);
				return r;
			}
			pthread_mutex_unlock(&j->mkdir_lock);
			next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		free(comp);
		if (next < 0) {
			int r = errno == ENOTDIR || errno == ELOOP
					? vds_err(VDS_ECONFLICT, "cannot write %s: a file or link is in the way",
						  q(path))
					: vds_err_errno(errno, "create folder for", path);
			close(fd);
			return r;
		}
		close(fd);
		fd = next;
		c = slash + 1;
	}
	*name = c;
	*out = fd;
	return 0;
}

/* True if regular file NAME in DIRFD already has content SHA. */
static bool already_there(int dirfd, const char *name, const vds_entry *e)
{
	struct stat st;
	unsigned char got[32];
	char *buf;
	int fd;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size != e->size)
		return false;
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return false;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	buf = xmalloc(COPY_BUF);
	ssize_t n;
	while ((n = read(fd, buf, COPY_BUF)) > 0)
		EVP_DigestUpdate(md, buf, (size_t)n);
	EVP_DigestFinal_ex(md, got, NULL);
	EVP_MD_CTX_free(md);
	free(buf);
	close(fd);
	return n == 0 && memcmp(got, e->sha256, 32) == 0;
}

/*
 * The temporary name of NAME: the same every time, so a rerun reuses what
 * an interrupted one left; a hash of the whole name keeps long names apart.
 */
static char *tmp_name(const char *name)
{
	uint64_t h = 14695981039346656037ULL; /* FNV-1a */

	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return xasprintf(".vds-%.100s-%016llx.tmp", name, (unsigned long long)h);
}

/* Copies the rest of IN (DONE bytes are copied) to OUT through a buffer. */
static int copy_by_hand(pool *p, int in, int out, const vds_entry *e, uint64_t done)
{
	char *buf = xmalloc(COPY_BUF);
	int r = 0;

	while (done < e->size && r == 0) {
		ssize_t n = read(in, buf, COPY_BUF);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? vds_err_errno(errno, "read content of", e->path)
				  : vds_err(VDS_ECORRUPT, "content of %s is shorter than its list says",
					    q(e->path));
			break;
		}
		for (ssize_t off = 0; off < n && r == 0;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));
			if (w < 0 && errno != EINTR)
				r = vds_err_errno(errno, "write", e->path);
			off += w > 0 ? w : 0;
		}
		done += (uint64_t)n;
		atomic_fetch_add(&p->bytes_done, (uint64_t)n);
	}
	free(buf);
	return r;
}

/* Copies all of IN (content E, already checked) to OUT, in the kernel where it can. */
static int copy_checked(pool *p, int in, int out, const vds_entry *e)
{
	uint64_t done = 0;

	while (done < e->size) {
		if (pool_stopping(p))
			return vds_err(VDS_ECANCELED, "cancelled");
		size_t want = e->size - done < (64u << 20) ? (size_t)(e->size - done) : (64u << 20);
		ssize_t n = copy_file_range(in, NULL, out, NULL, want, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EOPNOTSUPP || errno == EINVAL))
			return copy_by_hand(p, in, out, e, done); /* no kernel copy between these */
		if (n < 0)
			return vds_err_errno(errno, "write", e->path);
		if (n == 0)
			break;
		done += (uint64_t)n;
		atomic_fetch_add(&p->bytes_done, (uint64_t)n);
	}
	if (done != e->size)
		return vds_err(VDS_ECORRUPT, "content of %s is shorter than its list says", q(e->path));
	return 0;
}

/*
 * Reads IN to its end through the hash, writing what it reads to OUT too
 * unless OUT is -1; VDS_ECORRUPT if it was not content E.
 */
static int hash_copy(pool *p, int in, int out, const vds_entry *e)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	char *buf = xmalloc(COPY_BUF);
	unsigned char got[32];
	int r = 0;

	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	for (;;) {
		if (pool_stopping(p)) {
			r = vds_err(VDS_ECANCELED, "cancelled");
			break;
		}
		ssize_t n = read(in, buf, COPY_BUF);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0)
				r = vds_err_errno(errno, "read content of", e->path);
			break;
		}
		EVP_DigestUpdate(md, buf, (size_t)n);
		for (ssize_t off = 0; out >= 0 && off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				r = vds_err_errno(errno, "write", e->path);
				break;
			}
			off += w;
		}
		if (r < 0)
			break;
		atomic_fetch_add(&p->bytes_done, (uint64_t)n);
	}
	EVP_DigestFinal_ex(md, got, NULL);
	EVP_MD_CTX_free(md);
	free(buf);
	if (r == 0 && memcmp(got, e->sha256, 32) != 0)
		r = vds_err(VDS_ECORRUPT, "content of %s does not match its SHA-256", q(e->path));
	return r;
}

/* Copies content E into a temporary file in DIRFD, checking its hash. */
static int fetch_file(pool *p, get_job *j, int dirfd, const vds_entry *e, const char *tmp)
{
	char key[80], *src = NULL;
	struct stat st;
	int r, in, out;

	vds_content_key(e->sha256, key);
	out = openat(dirfd, tmp, O_RDWR | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return vds_err_errno(errno, "write", e->path);
	bool checked;
	/* straight into the file (a large one from a remote store), or from a local path */
	if ((r = j->b->ops->fetch_into(j->b, key, e->size, out)) == 0) {
		atomic_fetch_add(&p->bytes_done, e->size);
		goto done;
	}
	if (r == VDS_ECORRUPT && vds_backend_packed(j->b)) { /* the pack and blob named */
		char msg[512];
		snprintf(msg, sizeof(msg), "%s", vds_errmsg());
		close(out);
		return vds_err(VDS_ECORRUPT, "content of %s: %s", q(e->path), msg);
	}
	if (r == 1)
		r = j->b->ops->local_path(j->b, key, &src, &checked);
	bool dropped = false; /* the cache's copy was found damaged and removed */
again:
	if (r == VDS_ECORRUPT) /* arrived damaged: named as on a local store */
		r = vds_err(VDS_ECORRUPT, "content of %s does not match its SHA-256", q(e->path));
	if (r < 0) {
		close(out);
		return r == VDS_ENOTFOUND ? vds_err(VDS_ECORRUPT, "content of %s is missing from the store",
						    q(e->path))
					  : r;
	}
	in = open(src, O_RDONLY | O_CLOEXEC);
	free(src);
	if (in < 0) {
		close(out);
		return vds_err_errno(errno, "read content of", e->path);
	}
	if (checked) { /* checked as it arrived a moment ago: let the kernel copy it */
		if (fstat(in, &st) < 0 || (uint64_t)st.st_size != e->size)
			r = vds_err(VDS_ECORRUPT, "content of %s is not the %llu bytes its file list says",
				    q(e->path), (unsigned long long)e->size);
		else
			r = copy_checked(p, in, out, e);
		close(in);
		goto done;
	}
#ifdef FICLONE
	/* on the store's own file system, share its blocks where it can (btrfs, XFS),
	   then read them back through the hash */
	if (e->size > 0 && ioctl(out, FICLONE, in) == 0)
		r = hash_copy(p, out, -1, e);
	else
#endif
		r = hash_copy(p, in, out, e);
	close(in);
	const char *cache_dir;
	uint64_t cache_max;
	if (r == VDS_ECORRUPT && !dropped && vds_backend_cache(j->b, &cache_dir, &cache_max)) {
		dropped = true;
		/* the cache's copy went bad where it lies: drop it, download it again */
		char *cached = cache_object_path(cache_dir, key);
		unlink(cached);
		free(cached);
		pool_warn(p,
			  "the cached copy of %s does not match its SHA-256: removed from the "
			  "cache, downloading it again",
			  q(e->path));
		if (ftruncate(out, 0) < 0 || lseek(out, 0, SEEK_SET) < 0) {
			r = vds_err_errno(errno, "write", e->path);
		} else {
			r = j->b->ops->local_path(j->b, key, &src, &checked);
			goto again;
		}
	}
done:
	if (r == 0 && (fstat(out, &st) < 0 || (uint64_t)st.st_size != e->size))
		r = vds_err(VDS_ECORRUPT, "content of %s is not the %llu bytes its file list says",
			    q(e->path), (unsigned long long)e->size);
	if (r == 0) {
		struct timespec ts[2] = {{e->mtime, 0}, {e->mtime, 0}};
		if (fchmod(out, (mode_t)(e->mode & 0777 & ~j->umask)) < 0 || futimens(out, ts) < 0)
			r = vds_err_errno(errno, "set attributes of", e->path);
	}
	if (close(out) < 0 && r == 0)
		r = vds_err_errno(errno, "write", e->path);
	return r;
}

/* Reads the target of link E from B into BUF (LINK_TARGET_MAX + 1 bytes), checked. */
static int read_target(vds_backend *b, const vds_entry *e, char *buf)
{
	char key[80];
	unsigned char sha[32];
	const char *why;
	size_t got;
	int r;

	vds_content_key(e->sha256, key);
	if (e->size > LINK_TARGET_MAX)
		return vds_err(VDS_ECORRUPT, "target of link %s is longer than %d bytes", q(e->path),
			       LINK_TARGET_MAX);
	/* a target that does not match may have been damaged on its way: read it again */
	for (int n = 0;; n++) {
		if ((r = b->ops->read_range(b, key, 0, buf, LINK_TARGET_MAX, &got)) < 0)
			return r == VDS_ENOTFOUND
				       ? vds_err(VDS_ECORRUPT, "target of link %s is missing from the store",
						 q(e->path))
				       : r;
		buf[got] = '\0';
		EVP_Digest(buf, got, sha, NULL, EVP_sha256(), NULL);
		if (got == e->size && memcmp(sha, e->sha256, 32) == 0)
			break;
		if (n == LINK_READS - 1)
			return vds_err(VDS_ECORRUPT, "target of link %s does not match its SHA-256",
				       q(e->path));
	}
	if ((why = link_target_problem(buf, got)))
		return vds_err(VDS_ECORRUPT, "target of link %s %s", q(e->path), why);
	return 0;
}

/* linkres_read over the job's backend. */
static int read_target_cb(void *ud, const vds_entry *e, char *buf)
{
	return read_target(((get_job *)ud)->b, e, buf);
}

/* Writes link E, unless its resolution leaves the version (nothing is created then). */
static int get_link(pool *p, get_job *j, const vds_entry *e)
{
	char target[LINK_TARGET_MAX + 1];
	const char *name = NULL;
	size_t got;
	int dirfd = -1, r;

	if ((r = read_target(j->b, e, target)) < 0)
		return r;
	got = strlen(target);
	if ((r = linkres_tree_check(j->links, e->path, target, NULL)) < 0)
		return r;
	if (r != LINKRES_INSIDE) {
		pool_warn(p, "skipping link %s: it %s", q(e->path), linkres_why(r));
		return 0;
	}
	if ((r = open_parent(j, e->path, &name, &dirfd)) < 0)
		return r;
	char cur[LINK_TARGET_MAX + 2];
	ssize_t n = readlinkat(dirfd, name, cur, sizeof(cur) - 1);
	if (n >= 0 && (size_t)n == got && !memcmp(cur, target, got)) {
		atomic_fetch_add(&j->present, 1);
		close(dirfd);
		return 0;
	}
	char *tmp = tmp_name(name);
	unlinkat(dirfd, tmp, 0);
	if (symlinkat(target, dirfd, tmp) < 0 || renameat(dirfd, tmp, dirfd, name) < 0) {
		r = vds_err_errno(errno, "write", e->path);
		unlinkat(dirfd, tmp, 0);
	} else {
		atomic_fetch_add(&j->written, 1);
	}
	free(tmp);
	close(dirfd);
	return r;
}

static int get_one(pool *p, size_t i)
{
	get_job *j = p->ud;
	const vds_entry *e = &j->e[i];
	const char *name = NULL;
	int dirfd = -1, r;

	pool_set_current(p, e->path);
	if (e->type == VDS_LINK) {
		if ((r = get_link(p, j, e)) == 0)
			atomic_fetch_add(&p->files_done, 1);
		return r;
	}
	if ((r = open_parent(j, e->path, &name, &dirfd)) < 0)
		return r;
	if (already_there(dirfd, name, e)) {
		atomic_fetch_add(&j->present, 1);
		atomic_fetch_add(&p->bytes_done, e->size);
	} else {
		char *tmp = tmp_name(name);
		r = fetch_file(p, j, dirfd, e, tmp);
		if (r == 0) {
			struct stat st;
			/* never replace a folder by a file */
			if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
				r = vds_err(VDS_ECONFLICT, "cannot write %s: a folder is in the way",
					    q(e->path));
			else if (renameat(dirfd, tmp, dirfd, name) < 0)
				r = vds_err_errno(errno, "write", e->path);
			else
				atomic_fetch_add(&j->written, 1);
		}
		if (r < 0)
			unlinkat(dirfd, tmp, 0);
		free(tmp);
	}
	close(dirfd);
	if (r == 0)
		atomic_fetch_add(&p->files_done, 1);
	return r;
}

/* Appends entries I in [first, end) of T to the selection. */
static void select_range(vds_tree *t, uint64_t first, uint64_t end, vds_entry **v, size_t *n,
			 size_t *cap, uint64_t *bytes)
{
	for (uint64_t i = first; i < end; i++) {
		vds_entry e;

		if (vds_tree_at(t, i, &e) < 0)
			continue; /* cannot happen: the tree was checked when opened */
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 256;
			*v = xrealloc(*v, *cap * sizeof(**v));
		}
		e.path = xstrdup(e.path);
		(*v)[(*n)++] = e;
		*bytes += e.size;
	}
}

int vds_files_get(vds_ctx *ctx, const char *ds, const char *ver, const char *const *paths,
		  size_t npaths, const char *dir, const vds_opts *o, vds_get_result *res)
{
	vds_backend *b;
	vds_tree *t = NULL;
	vds_entry *sel = NULL;
	size_t nsel = 0, cap = 0;
	uint64_t bytes = 0;
	get_job job = {0};
	pool p = {0};
	int r;

	if (res)
		memset(res, 0, sizeof(*res));
	if ((r = ctx_dataset_backend(ctx, ds, &b, NULL)) < 0 ||
	    (r = vds_tree_open(ctx, ds, ver, &t)) < 0)
		return r;
	if (npaths == 0)
		select_range(t, 0, vds_tree_count(t), &sel, &nsel, &cap, &bytes);
	for (size_t i = 0; i < npaths && r == 0; i++) {
		char *path;
		vds_entry e;
		uint64_t first, end;

		if ((r = vds_path_normalize(paths[i], &path)) < 0)
			break;
		vds_tree_range(t, path, &first, &end);
		if (!*path || first < end) {
			select_range(t, first, end, &sel, &nsel, &cap, &bytes);
		} else if (vds_tree_lookup(t, path, &e) == 0) {
			if (nsel == cap) {
				cap = cap ? cap * 2 : 16;
				sel = xrealloc(sel, cap * sizeof(*sel));
			}
			e.path = xstrdup(e.path);
			sel[nsel++] = e;
			bytes += e.size;
		} else {
			r = vds_err(VDS_ENOTFOUND, "no such file or folder %s in %s:%s", q(path), ds, ver);
		}
		free(path);
	}
	if (r < 0)
		goto out;
	if ((r = vds_mkdirs(dir)) < 0)
		goto out;
	job.rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (job.rootfd < 0) {
		r = vds_err_errno(errno, "open target folder", dir);
		goto out;
	}
	job.b = b;
	job.e = sel;
	job.dir = dir;
	job.umask = vds_umask();
	job.links = linkres_tree_new(t, read_target_cb, &job);
	pthread_mutex_init(&job.mkdir_lock, NULL);
	p.nitems = nsel;
	p.work = get_one;
	p.ud = &job;
	p.opts = o;
	p.files_total = nsel;
	p.bytes_total = bytes;
	if (o && o->concurrency) /* transfers in flight, parts of large files too */
		b->concurrency = o->concurrency;
	r = pool_run(&p, b->concurrency);
	pthread_mutex_destroy(&job.mkdir_lock);
	linkres_tree_free(job.links);
	close(job.rootfd);
	if (res) {
		res->files = atomic_load(&job.written);
		res->present = atomic_load(&job.present);
		res->bytes = atomic_load(&p.bytes_done);
	}
out:
	for (size_t i = 0; i < nsel; i++)
		free((char *)sel[i].path);
	free(sel);
	vds_tree_free(t);
	return r;
}
