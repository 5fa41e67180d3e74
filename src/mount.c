/*
 * mount.c - a committed version as a read-only FUSE file system, served
 * by libfuse's low-level API on threads of this process.
 *
 * Inode numbers come from the file list without any table: 1 is the root,
 * 2 + I is entry I of the list, and a folder is named by the first entry
 * below it and its depth (N + 2 + FIRST * DEPTH_MAX + DEPTH - 1), so its
 * path is that entry's path cut after DEPTH components. The tree is read
 * under one lock; contents are read through src/content.c, from the store
 * itself or on demand from a remote provider. Nothing here ever writes:
 * the mount is "ro" and every writing operation answers EROFS. A link whose
 * resolution against the version leaves it (src/linkres.c) is not shown;
 * modes lose their write, set-id and sticky bits and go through the umask.
 */
#include "config.h"

#define FUSE_USE_VERSION 35

#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "store/content.h"
#include "linkres.h"
#include "manifest.h"
#include "mount.h"
#include "core.h"

#define DEPTH_MAX 2048         /* components of a path, at most (4095 bytes) */
#define TTL 86400.0            /* a committed version never changes */
#define MAX_READ (1u << 20)    /* bytes per read request */
#define DETACH_WAIT 5          /* seconds a detached mount in use gets to end */
#define INIT_WAIT 30           /* seconds a new mount gets to start */

struct vds_mount {
	char *dir;  /* absolute */
	vds_ctx *ctx;
	content_set *cs;
	pthread_mutex_t tree_lock; /* a tree is read by one thread at a time */
	vds_tree *tree;
	linkres_tree *links; /* the tree's links resolved (under the tree lock) */
	mode_t umask;
	uint64_t n;
	int64_t vtime; /* the version's commit time, for folders */
	uid_t uid;
	gid_t gid;
	struct fuse_session *se;
	pthread_t thread;
	pthread_mutex_t lock; /* guards ended */
	pthread_cond_t cond;
	bool inited, ended;
	int loop_status;
	dev_t dev; /* of the mounted root */
};

/* ---- libfuse's messages ---------------------------------------------------- */

static _Thread_local char fuse_msg[256];

/* Keeps libfuse's last message for errors, and shows them with --debug. */
static void fuse_log_line(enum fuse_log_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
static void fuse_log_line(enum fuse_log_level level, const char *fmt, va_list ap)
{
	(void)level;
	vsnprintf(fuse_msg, sizeof(fuse_msg), fmt, ap);
	fuse_msg[strcspn(fuse_msg, "\n")] = '\0';
	vds_debug("fuse: %s", fuse_msg);
}

/* ---- inodes ------------------------------------------------------------------ */

static bool is_file_ino(const vds_mount *m, fuse_ino_t ino)
{
	return ino >= 2 && ino - 2 < m->n;
}

static fuse_ino_t dir_ino(const vds_mount *m, uint64_t first, size_t depth)
{
	return depth == 0 ? FUSE_ROOT_ID : (fuse_ino_t)(m->n + 2 + first * DEPTH_MAX + depth - 1);
}

static size_t depth_of(const char *path)
{
	size_t d = *path ? 1 : 0;

	for (; *path; path++)
		d += *path == '/';
	return d;
}

static void dir_stat(const vds_mount *m, fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_mode = S_IFDIR | 0555;
	st->st_nlink = 2;
	st->st_uid = m->uid;
	st->st_gid = m->gid;
	st->st_blksize = MAX_READ;
	st->st_mtim.tv_sec = st->st_ctim.tv_sec = st->st_atim.tv_sec = (time_t)m->vtime;
}

static void file_stat(const vds_mount *m, uint64_t i, const vds_entry *e, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = i + 2;
	st->st_mode = e->type == VDS_LINK ? S_IFLNK | 0777 : S_IFREG | (e->mode & 0555 & ~m->umask);
	st->st_nlink = 1;
	st->st_uid = m->uid;
	st->st_gid = m->gid;
	st->st_size = (off_t)e->size;
	st->st_blocks = (blkcnt_t)((e->size + 511) / 512);
	st->st_blksize = MAX_READ; /* readers use large buffers */
	st->st_mtim.tv_sec = st->st_ctim.tv_sec = st->st_atim.tv_sec = (time_t)e->mtime;
}

/* Reads the target of link E into BUF (LINK_TARGET_MAX + 1 bytes), checked; a status. */
static int read_target(vds_mount *m, const vds_entry *e, char *buf)
{
	content *c = NULL;
	const char *why;
	size_t got = 0;
	int r;

	if (e->size > LINK_TARGET_MAX)
		return vds_err(VDS_ECORRUPT, "target of link %s is longer than %d bytes", q(e->path),
			       LINK_TARGET_MAX);
	if ((r = content_open(m->cs, e->sha256, e->size, &c)) == 0)
		r = content_pread(c, 0, (size_t)e->size, buf, &got);
	content_close(c);
	if (r < 0)
		return r;
	buf[got] = '\0';
	if ((why = link_target_problem(buf, got)))
		return vds_err(VDS_ECORRUPT, "target of link %s %s", q(e->path), why);
	return 0;
}

/* linkres_read over the mount's contents. */
static int read_target_cb(void *ud, const vds_entry *e, char *buf)
{
	return read_target(ud, e, buf);
}

/*
 * Whether entry E (tree lock held; E's path may be clobbered) is a link to
 * hide: 1 if its resolution leaves the version, 0 if it is shown, or an errno.
 */
static int link_hidden(vds_mount *m, const vds_entry *e)
{
	char *target;
	int r;

	if (e->type != VDS_LINK)
		return 0;
	vds_entry f = *e;
	f.path = xstrdup(e->path);
	target = xmalloc(LINK_TARGET_MAX + 1);
	if ((r = read_target(m, &f, target)) == 0)
		r = linkres_tree_check(m->links, f.path, target, NULL);
	if (r > 0)
		vds_debug("mount: hiding link %s: it %s", q(f.path), linkres_why(r));
	free(target);
	free((char *)f.path);
	return r < 0 ? (r == VDS_ENOTFOUND ? ENOENT : EIO) : r > 0;
}

/* What an inode is: its path (into PATH), attributes, and the entry of a file. */
typedef struct node {
	bool dir;
	uint64_t first, end; /* folders: their entries */
	vds_entry e;         /* files (path not kept) */
	struct stat st;
} node;

/* Looks INO up (tree lock held); PATH gets its path if not NULL. ENOENT if unknown. */
static int node_get(vds_mount *m, fuse_ino_t ino, node *nd, strbuf *path)
{
	vds_entry e;

	memset(nd, 0, sizeof(*nd));
	if (path)
		sb_reset(path);
	if (ino == FUSE_ROOT_ID) {
		nd->dir = true;
		nd->end = m->n;
		dir_stat(m, ino, &nd->st);
		if (path)
			sb_adds(path, "");
		return 0;
	}
	if (is_file_ino(m, ino)) {
		if (vds_tree_at(m->tree, ino - 2, &e) < 0)
			return EIO;
		if (path)
			sb_adds(path, e.path);
		nd->e = e;
		nd->e.path = NULL;
		file_stat(m, ino - 2, &e, &nd->st);
		return 0;
	}
	if (ino < m->n + 2)
		return ENOENT;
	uint64_t x = ino - m->n - 2, first = x / DEPTH_MAX;
	size_t depth = (size_t)(x % DEPTH_MAX) + 1;
	if (first >= m->n || vds_tree_at(m->tree, first, &e) < 0)
		return ENOENT;
	const char *p = e.path;
	for (size_t d = 0; d < depth; d++) {
		p = strchr(p, '/');
		if (!p)
			return ENOENT; /* not a folder of this entry */
		if (d + 1 < depth)
			p++;
	}
	strbuf tmp = STRBUF_INIT;
	sb_add(&tmp, e.path, (size_t)(p - e.path));
	vds_tree_range(m->tree, tmp.buf, &nd->first, &nd->end);
	if (nd->first != first) {
		sb_release(&tmp);
		return ENOENT;
	}
	if (path)
		sb_add(path, tmp.buf, tmp.len);
	sb_release(&tmp);
	nd->dir = true;
	dir_stat(m, ino, &nd->st);
	return 0;
}

/* Looks NAME up in folder PARENT (tree lock held): fills E's attributes and inode. */
static int child_get(vds_mount *m, fuse_ino_t parent, const char *name, struct fuse_entry_param *e)
{
	strbuf path = STRBUF_INIT;
	node nd;
	uint64_t i, first, end;
	int err = node_get(m, parent, &nd, &path);

	memset(e, 0, sizeof(*e));
	if (err == 0 && !nd.dir)
		err = ENOTDIR;
	if (err == 0 && (strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..")))
		err = ENOENT;
	if (err) {
		sb_release(&path);
		return err;
	}
	if (path.len)
		sb_addc(&path, '/');
	sb_adds(&path, name);
	if (tree_find(m->tree, path.buf, &i) == 0) {
		vds_entry f;
		if (vds_tree_at(m->tree, i, &f) < 0)
			err = EIO;
		else if ((err = link_hidden(m, &f)) == 1)
			err = ENOENT;
		else if (err == 0 && vds_tree_at(m->tree, i, &f) == 0)
			file_stat(m, i, &f, &e->attr);
	} else {
		vds_tree_range(m->tree, path.buf, &first, &end);
		if (first == end)
			err = ENOENT;
		else
			dir_stat(m, dir_ino(m, first, depth_of(path.buf)), &e->attr);
	}
	sb_release(&path);
	if (err)
		return err;
	e->ino = e->attr.st_ino;
	e->attr_timeout = e->entry_timeout = TTL;
	return 0;
}

/* ---- the file system's operations --------------------------------------- */

static vds_mount *mount_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

static int errno_of(int status)
{
	switch (status) {
	case VDS_ENOSPC: return ENOSPC;
	case VDS_ENOTFOUND: return ENOENT;
	default: return EIO;
	}
}

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
	vds_mount *m = userdata;

	pthread_mutex_lock(&m->lock);
	m->inited = true;
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->lock);
	if (conn->capable & FUSE_CAP_SPLICE_WRITE)
		conn->want |= FUSE_CAP_SPLICE_WRITE | FUSE_CAP_SPLICE_MOVE;
	if (conn->capable & FUSE_CAP_CACHE_SYMLINKS)
		conn->want |= FUSE_CAP_CACHE_SYMLINKS;
	conn->want &= ~(unsigned)FUSE_CAP_AUTO_INVAL_DATA; /* contents never change */
	conn->max_read = MAX_READ;
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	vds_mount *m = mount_of(req);
	struct fuse_entry_param e;

	pthread_mutex_lock(&m->tree_lock);
	int err = child_get(m, parent, name, &e);
	pthread_mutex_unlock(&m->tree_lock);
	if (err == ENOENT) { /* remember the absence too: nothing appears later */
		memset(&e, 0, sizeof(e));
		e.entry_timeout = TTL;
		fuse_reply_entry(req, &e);
	} else if (err) {
		fuse_reply_err(req, err);
	} else {
		fuse_reply_entry(req, &e);
	}
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	vds_mount *m = mount_of(req);
	node nd;

	(void)fi;
	pthread_mutex_lock(&m->tree_lock);
	int err = node_get(m, ino, &nd, NULL);
	pthread_mutex_unlock(&m->tree_lock);
	if (err)
		fuse_reply_err(req, err);
	else
		fuse_reply_attr(req, &nd.st, TTL);
}

static void op_readlink(fuse_req_t req, fuse_ino_t ino)
{
	vds_mount *m = mount_of(req);
	vds_entry e;
	char *target = xmalloc(LINK_TARGET_MAX + 1);
	int err = 0, r;

	pthread_mutex_lock(&m->tree_lock);
	if (!is_file_ino(m, ino) || vds_tree_at(m->tree, ino - 2, &e) < 0 || e.type != VDS_LINK)
		err = EINVAL;
	else if ((err = link_hidden(m, &e)) == 1)
		err = ENOENT;
	else if (err == 0 && vds_tree_at(m->tree, ino - 2, &e) == 0 &&
		 (r = read_target(m, &e, target)) < 0)
		err = errno_of(r);
	pthread_mutex_unlock(&m->tree_lock);
	if (err)
		fuse_reply_err(req, err);
	else
		fuse_reply_readlink(req, target);
	free(target);
}

/* A folder's children, listed once when it is opened. */
typedef struct dir_list {
	size_t n, cap;
	struct dir_item {
		char *name;
		struct stat st;
	} *v;
} dir_list;

static void dir_add(dir_list *l, const char *name, size_t len, const struct stat *st)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 32;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n].name = xstrndup(name, len);
	l->v[l->n++].st = *st;
}

static void dir_free(dir_list *l)
{
	for (size_t i = 0; l && i < l->n; i++)
		free(l->v[i].name);
	if (l)
		free(l->v);
	free(l);
}

/* Lists folder INO (tree lock held): ".", "..", then its entries, a folder once. */
static int dir_read(vds_mount *m, fuse_ino_t ino, dir_list *l)
{
	strbuf path = STRBUF_INIT, sub = STRBUF_INIT;
	node nd;
	int err = node_get(m, ino, &nd, &path);
	struct stat st;

	if (err == 0 && !nd.dir)
		err = ENOTDIR;
	if (err) {
		sb_release(&path);
		return err;
	}
	size_t depth = depth_of(path.buf), plen = path.len ? path.len + 1 : 0;
	dir_add(l, ".", 1, &nd.st);
	if (depth <= 1) {
		dir_stat(m, FUSE_ROOT_ID, &st);
	} else {
		uint64_t first, end;
		sb_add(&sub, path.buf, (size_t)(strrchr(path.buf, '/') - path.buf));
		vds_tree_range(m->tree, sub.buf, &first, &end);
		dir_stat(m, dir_ino(m, first, depth - 1), &st);
	}
	dir_add(l, "..", 2, &st);
	for (uint64_t i = nd.first; i < nd.end && !err;) {
		vds_entry e;
		if (vds_tree_at(m->tree, i, &e) < 0) {
			err = EIO;
			break;
		}
		const char *rest = e.path + plen, *slash = strchr(rest, '/');
		if (!slash) {
			/* a link that cannot be read is left out too: looking it up says why */
			if (link_hidden(m, &e) == 0 && vds_tree_at(m->tree, i, &e) == 0) {
				rest = e.path + plen;
				file_stat(m, i, &e, &st);
				dir_add(l, rest, strlen(rest), &st);
			}
			i++;
			continue;
		}
		uint64_t first, end;
		sb_reset(&sub);
		sb_add(&sub, e.path, (size_t)(slash - e.path));
		size_t nlen = (size_t)(slash - rest);
		char *name = xstrndup(rest, nlen);
		vds_tree_range(m->tree, sub.buf, &first, &end);
		dir_stat(m, dir_ino(m, first, depth + 1), &st);
		dir_add(l, name, nlen, &st);
		free(name);
		i = end > i ? end : i + 1;
	}
	sb_release(&path);
	sb_release(&sub);
	return err;
}

static void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	vds_mount *m = mount_of(req);
	dir_list *l = xcalloc(1, sizeof(*l));

	pthread_mutex_lock(&m->tree_lock);
	int err = dir_read(m, ino, l);
	pthread_mutex_unlock(&m->tree_lock);
	if (err) {
		dir_free(l);
		fuse_reply_err(req, err);
		return;
	}
	fi->fh = (uint64_t)(uintptr_t)l;
	fi->cache_readdir = 1;
	fi->keep_cache = 1;
	fuse_reply_open(req, fi);
}

/* Sends the entries of an open folder from OFF on, as many as SIZE bytes hold. */
static void send_dir(fuse_req_t req, size_t size, off_t off, struct fuse_file_info *fi, bool plus)
{
	dir_list *l = (dir_list *)(uintptr_t)fi->fh;
	char *buf = xmalloc(size);
	size_t used = 0;

	for (size_t i = (size_t)off; off >= 0 && i < l->n; i++) {
		struct dir_item *it = &l->v[i];
		size_t need;
		if (plus) {
			struct fuse_entry_param e = {.ino = it->st.st_ino, .attr = it->st,
						     .attr_timeout = TTL, .entry_timeout = TTL};
			need = fuse_add_direntry_plus(req, buf + used, size - used, it->name, &e,
						      (off_t)i + 1);
		} else {
			need = fuse_add_direntry(req, buf + used, size - used, it->name, &it->st,
						 (off_t)i + 1);
		}
		if (need > size - used)
			break;
		used += need;
	}
	fuse_reply_buf(req, buf, used);
	free(buf);
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	(void)ino;
	send_dir(req, size, off, fi, false);
}

static void op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			   struct fuse_file_info *fi)
{
	(void)ino;
	send_dir(req, size, off, fi, true);
}

static void op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	dir_free((dir_list *)(uintptr_t)fi->fh);
	fuse_reply_err(req, 0);
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	vds_mount *m = mount_of(req);
	content *c;
	node nd;
	int r;

	if ((fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & (O_TRUNC | O_CREAT))) {
		fuse_reply_err(req, EROFS);
		return;
	}
	pthread_mutex_lock(&m->tree_lock);
	int err = node_get(m, ino, &nd, NULL);
	pthread_mutex_unlock(&m->tree_lock);
	if (!err && nd.dir)
		err = EISDIR;
	if (!err && nd.e.type != VDS_FILE)
		err = ELOOP;
	if (!err && (r = content_open(m->cs, nd.e.sha256, nd.e.size, &c)) < 0)
		err = errno_of(r);
	if (err) {
		fuse_reply_err(req, err);
		return;
	}
	fi->fh = (uint64_t)(uintptr_t)c;
	fi->keep_cache = 1; /* the same bytes every time: keep the page cache */
	fi->noflush = 1;
	if (fuse_reply_open(req, fi) != 0)
		content_close(c); /* the opener was interrupted */
}

static pthread_key_t buf_key;
static pthread_once_t buf_once = PTHREAD_ONCE_INIT;

static void buf_key_make(void)
{
	pthread_key_create(&buf_key, free);
}

/* This thread's read buffer of MAX_READ bytes. */
static char *read_buffer(void)
{
	pthread_once(&buf_once, buf_key_make);
	char *b = pthread_getspecific(buf_key);
	if (!b) {
		b = xmalloc(MAX_READ);
		pthread_setspecific(buf_key, b);
	}
	return b;
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	content *c = (content *)(uintptr_t)fi->fh;
	char *buf = read_buffer();
	size_t got;
	int fd, r;

	(void)ino;
	if (size > MAX_READ)
		size = MAX_READ;
	if ((r = content_read(c, (uint64_t)off, size, buf, &fd, &got)) < 0) {
		fuse_reply_err(req, errno_of(r));
	} else if (fd >= 0) {
		struct fuse_bufvec bv = FUSE_BUFVEC_INIT(got);
		bv.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
		bv.buf[0].fd = fd;
		bv.buf[0].pos = off;
		fuse_reply_data(req, &bv, FUSE_BUF_SPLICE_MOVE);
	} else {
		fuse_reply_buf(req, buf, got);
	}
}

static void op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	content_close((content *)(uintptr_t)fi->fh);
	fuse_reply_err(req, 0);
}

static void op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	vds_mount *m = mount_of(req);
	struct statvfs sv = {.f_bsize = 4096, .f_frsize = 4096, .f_namemax = 255};

	(void)ino;
	sv.f_blocks = (fsblkcnt_t)((vds_tree_size(m->tree) + 4095) / 4096);
	sv.f_files = (fsfilcnt_t)m->n;
	sv.f_flag = ST_RDONLY;
	fuse_reply_statfs(req, &sv);
}

/* Every writing operation: the version is read-only. */
static void rofs(fuse_req_t req)
{
	fuse_reply_err(req, EROFS);
}

static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *a, int set,
		       struct fuse_file_info *fi)
{
	(void)ino, (void)a, (void)set, (void)fi;
	rofs(req);
}

static void op_mknod(fuse_req_t req, fuse_ino_t p, const char *name, mode_t mode, dev_t rdev)
{
	(void)p, (void)name, (void)mode, (void)rdev;
	rofs(req);
}

static void op_mkdir(fuse_req_t req, fuse_ino_t p, const char *name, mode_t mode)
{
	(void)p, (void)name, (void)mode;
	rofs(req);
}

static void op_unlink(fuse_req_t req, fuse_ino_t p, const char *name)
{
	(void)p, (void)name;
	rofs(req);
}

static void op_symlink(fuse_req_t req, const char *link, fuse_ino_t p, const char *name)
{
	(void)link, (void)p, (void)name;
	rofs(req);
}

static void op_rename(fuse_req_t req, fuse_ino_t p, const char *name, fuse_ino_t np,
		      const char *nname, unsigned int flags)
{
	(void)p, (void)name, (void)np, (void)nname, (void)flags;
	rofs(req);
}

static void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t np, const char *nname)
{
	(void)ino, (void)np, (void)nname;
	rofs(req);
}

static void op_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	(void)ino, (void)buf, (void)size, (void)off, (void)fi;
	rofs(req);
}

static void op_create(fuse_req_t req, fuse_ino_t p, const char *name, mode_t mode,
		      struct fuse_file_info *fi)
{
	(void)p, (void)name, (void)mode, (void)fi;
	rofs(req);
}

static void op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value,
			size_t size, int flags)
{
	(void)ino, (void)name, (void)value, (void)size, (void)flags;
	rofs(req);
}

static void op_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	(void)ino, (void)name;
	rofs(req);
}

static void op_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t off, off_t len,
			 struct fuse_file_info *fi)
{
	(void)ino, (void)mode, (void)off, (void)len, (void)fi;
	rofs(req);
}

static const struct fuse_lowlevel_ops ops = {
	.init = op_init,
	.lookup = op_lookup,
	.getattr = op_getattr,
	.readlink = op_readlink,
	.opendir = op_opendir,
	.readdir = op_readdir,
	.readdirplus = op_readdirplus,
	.releasedir = op_releasedir,
	.open = op_open,
	.read = op_read,
	.release = op_release,
	.statfs = op_statfs,
	.setattr = op_setattr,
	.mknod = op_mknod,
	.mkdir = op_mkdir,
	.unlink = op_unlink,
	.rmdir = op_unlink,
	.symlink = op_symlink,
	.rename = op_rename,
	.link = op_link,
	.write = op_write,
	.create = op_create,
	.setxattr = op_setxattr,
	.removexattr = op_removexattr,
	.fallocate = op_fallocate,
};

/* Routes libfuse's messages (once per process). */
static void set_log(void)
{
	fuse_set_log_func(fuse_log_line);
}

static void *serve(void *arg)
{
	vds_mount *m = arg;
	struct fuse_loop_config cfg = {.clone_fd = 1, .max_idle_threads = 16};
	int st = fuse_session_loop_mt(m->se, &cfg);

	pthread_mutex_lock(&m->lock);
	m->loop_status = st;
	m->ended = true;
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->lock);
	return NULL;
}

static void mount_release(vds_mount *m)
{
	if (m->se)
		fuse_session_destroy(m->se);
	linkres_tree_free(m->links);
	content_set_free(m->cs);
	vds_tree_free(m->tree);
	vds_ctx_free(m->ctx);
	pthread_mutex_destroy(&m->tree_lock);
	pthread_mutex_destroy(&m->lock);
	pthread_cond_destroy(&m->cond);
	free(m->dir);
	free(m);
}

/* Opens what the mount serves: the version (committed), its tree and contents. */
static int mount_open(vds_mount *m, const char *config_path, const char *ds, const char *ver)
{
	vds_backend *b;
	vds_version v;
	int r;

	if ((r = vds_ctx_open(&m->ctx, config_path)) < 0 ||
	    (r = vds_version_get(m->ctx, ds, ver, &v)) < 0)
		return r;
	bool committed = v.committed;
	m->vtime = v.committed_us / 1000000;
	vds_version_release(&v);
	if (!committed)
		return vds_err(VDS_ECONFLICT,
			       "dataset version %s:%s is a draft: commit it before mounting", ds, ver);
	if ((r = ctx_dataset_backend(m->ctx, ds, &b, NULL)) < 0 ||
	    (r = vds_tree_open(m->ctx, ds, ver, &m->tree)) < 0)
		return r;
	m->n = vds_tree_count(m->tree);
	if (m->n > (UINT64_MAX - 2) / DEPTH_MAX / 2)
		return vds_err(VDS_EINVAL, "dataset version %s:%s has too many files to mount", ds, ver);
	m->cs = content_set_new(b);
	m->links = linkres_tree_new(m->tree, read_target_cb, m);
	m->umask = vds_umask();
	return 0;
}

int vds_mount_new(const char *config_path, const char *ds, const char *ver, const char *dir,
		  vds_mount **out)
{
	static pthread_once_t log_once = PTHREAD_ONCE_INIT;
	vds_mount *m = xcalloc(1, sizeof(*m));
	sigset_t all, old;
	int r;

	*out = NULL;
	m->uid = getuid();
	m->gid = getgid();
	pthread_mutex_init(&m->tree_lock, NULL);
	pthread_mutex_init(&m->lock, NULL);
	pthread_cond_init(&m->cond, NULL);
	if (!vds_mount_possible()) {
		r = VDS_ERR;
		goto fail;
	}
	if ((r = mountpoint_abs(dir, &m->dir)) < 0 || (r = mountpoint_check(dir, m->dir)) < 0 ||
	    (r = mount_open(m, config_path, ds, ver)) < 0)
		goto fail;

	pthread_once(&log_once, set_log);
	char *opts = xasprintf("ro,default_permissions,fsname=vds:%s:%s,subtype=vds,max_read=%u",
			       ds, ver, MAX_READ);
	char *argv[] = {"vds", "-o", opts, NULL};
	struct fuse_args args = FUSE_ARGS_INIT(3, argv);
	fuse_msg[0] = '\0';
	m->se = fuse_session_new(&args, &ops, sizeof(ops), m);
	fuse_opt_free_args(&args);
	free(opts);
	if (!m->se) {
		r = vds_err(VDS_ERR, "FUSE is not available here: %s", *fuse_msg ? fuse_msg : "no session");
		goto fail;
	}
	fuse_msg[0] = '\0';
	if (fuse_session_mount(m->se, m->dir) != 0) {
		r = vds_err(VDS_ERR, "cannot mount %s: %s", q(dir), *fuse_msg ? fuse_msg : "mount failed");
		goto fail;
	}
	/* the serving threads take no signals: the caller's threads handle them */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int e = pthread_create(&m->thread, NULL, serve, m);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e) {
		fuse_session_unmount(m->se);
		r = vds_err(VDS_ERR, "cannot start the mount's threads: %s", strerror(e));
		goto fail;
	}
	/* the kernel sends INIT at once: the mount is there when it is answered */
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += INIT_WAIT;
	pthread_mutex_lock(&m->lock);
	while (!m->inited && !m->ended &&
	       pthread_cond_timedwait(&m->cond, &m->lock, &until) == 0)
		;
	bool inited = m->inited;
	pthread_mutex_unlock(&m->lock);
	char *type = mountpoint_type(m->dir, &m->dev);
	if (!inited || !type) {
		free(type);
		r = vds_err(VDS_EIO, "cannot mount %s: the file system did not start", q(dir));
		vds_mount_free(m);
		return r;
	}
	free(type);
	*out = m;
	return 0;
fail:
	mount_release(m);
	return r;
}

int vds_mount_wait(vds_mount *m)
{
	pthread_mutex_lock(&m->lock);
	while (!m->ended)
		pthread_cond_wait(&m->cond, &m->lock);
	int st = m->loop_status;
	pthread_mutex_unlock(&m->lock);
	if (st < 0)
		return vds_err(VDS_EIO, "the mount at %s failed: %s", q(m->dir), strerror(-st));
	return 0;
}

void vds_mount_free(vds_mount *m)
{
	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	bool ended = m->ended;
	pthread_mutex_unlock(&m->lock);
	if (!ended && mountpoint_unmount(m->dir, false) < 0) {
		/* in use: detach it, and end its connection so that the threads end now */
		mountpoint_unmount(m->dir, true);
		if (m->dev)
			mountpoint_abort(m->dev);
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += DETACH_WAIT;
		pthread_mutex_lock(&m->lock);
		while (!m->ended && pthread_cond_timedwait(&m->cond, &m->lock, &until) == 0)
			;
		ended = m->ended;
		pthread_mutex_unlock(&m->lock);
		if (!ended) { /* no fuse control file system: the files still open keep it */
			vds_debug("mount: %s stays until its open files are closed", m->dir);
			pthread_detach(m->thread);
			return;
		}
	}
	pthread_join(m->thread, NULL);
	fuse_session_unmount(m->se);
	mount_release(m);
}
