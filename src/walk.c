/* walk.c - the source-path walker: never follows links, skips special files. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "walk.h"

static void warn(const vds_opts *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(const vds_opts *o, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!o || !o->warn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	o->warn(msg, o->warn_ud);
}

bool link_inside(const char *dest, const char *target)
{
	int depth = 0;

	if (!*target || target[0] == '/')
		return false;
	for (const char *p = dest; *p; p++) /* folders above the link */
		if (*p == '/')
			depth++;
	for (const char *c = target; *c;) {
		const char *e = strchr(c, '/');
		size_t n = e ? (size_t)(e - c) : strlen(c);

		if (n == 2 && c[0] == '.' && c[1] == '.') {
			if (--depth < 0)
				return false;
		} else if (n && !(n == 1 && c[0] == '.')) {
			depth++;
		}
		c += n;
		while (*c == '/')
			c++;
	}
	return true;
}

static void push(walk_list *l, const char *src, const char *dest, const char *link,
		 const struct stat *st)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 256;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = (walk_item){xstrdup(src), xstrdup(dest), xstrdup(link), *st};
	l->bytes += (uint64_t)st->st_size;
}

static char *join(const char *a, const char *b)
{
	return *a ? xasprintf("%s/%s", a, b) : xstrdup(b);
}

/* the folders a walk has still to read, each with its version path */
typedef struct pending {
	struct {
		char *src, *dest;
	} *v;
	size_t n, cap;
} pending;

static void pend(pending *p, char *src, char *dest)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 16;
		p->v = xrealloc(p->v, p->cap * sizeof(*p->v));
	}
	p->v[p->n].src = src;
	p->v[p->n++].dest = dest;
}

/*
 * Adds a file or link; a folder is queued on P, so that however deep a
 * tree goes, neither the stack nor the open folders grow with it. ROOT is
 * how many bytes of a version path name the folder the walk started from:
 * links are judged from there, since the source tree ends there.
 */
static int add_one(walk_list *l, pending *p, const char *src, const char *dest, size_t root,
		   const struct stat *st, const vds_opts *o)
{
	if (S_ISDIR(st->st_mode)) {
		pend(p, xstrdup(src), xstrdup(dest));
		return 0;
	}
	if (S_ISREG(st->st_mode)) {
		push(l, src, dest, NULL, st);
		return 0;
	}
	if (S_ISLNK(st->st_mode)) {
		char buf[4097];
		ssize_t n = readlink(src, buf, sizeof(buf) - 1);

		if (n < 0)
			return vds_err_errno(errno, "read link", src);
		buf[n] = '\0';
		if (!link_inside(dest + root, buf)) {
			warn(o, "skipping link %s: it points outside the source tree", q(src));
			l->skipped++;
			return 0;
		}
		struct stat ls = *st;
		ls.st_size = n;
		push(l, src, dest, buf, &ls);
		return 0;
	}
	warn(o, "skipping special file %s", q(src));
	l->skipped++;
	return 0;
}

/* Reads one folder: its files are added, its folders queued on P. */
static int read_dir(walk_list *l, pending *p, const char *src, const char *dest, size_t root,
		    const vds_opts *o)
{
	DIR *d = opendir(src);
	struct dirent *de;
	int r = 0;

	if (!d)
		return vds_err_errno(errno, "read folder", src);
	while ((de = readdir(d)) && r == 0) {
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		size_t sl = strlen(src);
		char *s = xasprintf("%.*s/%s", (int)(sl > 1 && src[sl - 1] == '/' ? sl - 1 : sl), src,
				    de->d_name),
		     *t = join(dest, de->d_name);
		if (lstat(s, &st) < 0)
			r = vds_err_errno(errno, "read", s);
		else
			r = add_one(l, p, s, t, root, &st, o);
		free(s);
		free(t);
	}
	closedir(d);
	return r;
}

/* Adds SRC (at version path DEST) and, for a folder, everything below it. */
static int add_tree(walk_list *l, const char *src, const char *dest, size_t root,
		    const struct stat *st, const vds_opts *o)
{
	pending p = {0};
	int r = st ? add_one(l, &p, src, dest, root, st, o) : 0;

	if (!st)
		pend(&p, xstrdup(src), xstrdup(dest));
	while (p.n) {
		p.n--;
		char *s = p.v[p.n].src, *t = p.v[p.n].dest;
		if (r == 0)
			r = read_dir(l, &p, s, t, root, o);
		free(s);
		free(t);
	}
	free(p.v);
	return r;
}

int vds_source_check(const char *source)
{
	size_t len = strlen(source);
	struct stat st;

	if (!*source)
		return vds_err(VDS_EINVAL, "empty source path");
	if ((len > 1 && source[len - 1] == '/' ? stat(source, &st) : lstat(source, &st)) < 0) {
		if (errno == ENOTDIR && len > 1 && source[len - 1] == '/')
			return vds_err(VDS_EINVAL, "source path %s is not a folder", q(source));
		if (errno == ENOENT || errno == ENOTDIR)
			return vds_err(VDS_ENOTFOUND, "no such source path %s", q(source));
		return vds_err_errno(errno, "read", source);
	}
	if (len > 1 && source[len - 1] == '/' && !S_ISDIR(st.st_mode))
		return vds_err(VDS_EINVAL, "source path %s is not a folder", q(source));
	return 0;
}

int walk_source(walk_list *l, const char *source, const char *target, const vds_opts *o)
{
	size_t len = strlen(source);
	bool contents = len > 1 && source[len - 1] == '/';
	struct stat st;
	int r;

	if ((r = vds_source_check(source)) < 0)
		return r;
	if ((contents ? stat(source, &st) : lstat(source, &st)) < 0)
		return vds_err_errno(errno, "read", source);
	if (contents || (S_ISDIR(st.st_mode) && (!strcmp(source, ".") || !strcmp(source, "/")))) {
		return add_tree(l, source, target, *target ? strlen(target) + 1 : 0, NULL, o);
	}
	/* the file or folder itself, under its own name */
	char *copy = xstrdup(source), *base;
	while (strlen(copy) > 1 && copy[strlen(copy) - 1] == '/')
		copy[strlen(copy) - 1] = '\0';
	base = strrchr(copy, '/') ? strrchr(copy, '/') + 1 : copy;
	if (!strcmp(base, "..") || !strcmp(base, ".")) {
		free(copy);
		return add_tree(l, source, target, *target ? strlen(target) + 1 : 0, NULL, o);
	}
	char *dest = join(target, base);
	/* a folder is its own tree; a lone file or link sits at the target */
	size_t root = S_ISDIR(st.st_mode) ? strlen(dest) + 1 : (*target ? strlen(target) + 1 : 0);
	r = add_tree(l, source, dest, root, &st, o);
	free(dest);
	free(copy);
	return r;
}

void walk_release(walk_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].src);
		free(l->v[i].dest);
		free(l->v[i].link);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}
