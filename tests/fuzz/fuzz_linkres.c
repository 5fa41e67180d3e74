/*
 * fuzz_linkres.c - links resolved against a version's own tree
 * (linkres_resolve), checked against the kernel: the same links are made
 * in a private folder under $TMPDIR and the link is opened there with
 * openat2(RESOLVE_BENEATH), which fails with EXDEV when the kernel's
 * resolution leaves the folder; a link judged inside must never do so.
 *
 * Input: PATH NUL TARGET, then more links as PATH NUL TARGET pairs (at
 * most 16): the version's links; the first is the one resolved.
 */
#include "config.h"

#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fuzz.h"
#include "linkres.h"
#include "manifest.h"
#include "walk.h"

#define LINKS 16

static char *tmp;      /* the private folder; holds v/ during a run */
static bool openat2_ok; /* the kernel has openat2() */

typedef struct links {
	size_t n;
	char *path[LINKS], *target[LINKS];
} links;

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	remove(p);
	return 0;
}

static void cleanup(void)
{
	nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(tmp);
}

static void setup(void)
{
	const char *t = getenv("TMPDIR");

	tmp = xasprintf("%s/vds-fuzz-linkres-XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(tmp)) {
		perror(tmp);
		abort();
	}
	atexit(cleanup);
	openat2_ok = syscall(SYS_openat2, AT_FDCWD, tmp, &(struct open_how){.flags = O_PATH},
			     sizeof(struct open_how)) >= 0 || errno != ENOSYS;
}

/* linkres_lookup over the input's links; every path looked up must be a clean version path. */
static int lookup(void *ud, const char *path, char *buf)
{
	const links *l = ud;

	FUZZ_CHECK(path_check(path) == 0);
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->path[i], path)) {
			strcpy(buf, l->target[i]);
			return 1;
		}
	return 0;
}

/* Whether link path P may join L: a clean path, no link above or below another. */
static bool fits(const links *l, const char *p, const char *target)
{
	if (path_check(p) < 0 || link_target_problem(target, strlen(target)) || strlen(p) > 200)
		return false;
	for (size_t i = 0; i < l->n; i++) {
		size_t a = strlen(l->path[i]), b = strlen(p), m = a < b ? a : b;
		if (!strncmp(l->path[i], p, m) && (a == b || (a < b ? p[a] : l->path[i][b]) == '/'))
			return false;
	}
	return true;
}

/* Makes the links of L below DIR; false if one cannot be made. */
static bool make_links(const links *l, const char *dir)
{
	for (size_t i = 0; i < l->n; i++) {
		char *p = xasprintf("%s/%s", dir, l->path[i]);
		bool made = true;

		for (char *s = p + strlen(dir) + 1; (s = strchr(s, '/')); s++) {
			*s = '\0';
			made = made && (mkdir(p, 0700) == 0 || errno == EEXIST);
			*s = '/';
		}
		made = made && symlink(l->target[i], p) == 0;
		free(p);
		if (!made)
			return false;
	}
	return true;
}

/* The kernel on the same links: a link judged inside does not leave the folder. */
static void kernel_check(const links *l, int verdict)
{
	char *dir = xasprintf("%s/v", tmp);

	if (mkdir(dir, 0700) == 0 && make_links(l, dir)) {
		int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_BENEATH};
		long fd = syscall(SYS_openat2, dfd, l->path[0], &how, sizeof(how));

		if (verdict == LINKRES_INSIDE)
			FUZZ_CHECK(fd >= 0 || errno != EXDEV);
		if (fd >= 0)
			close((int)fd);
		close(dfd);
	}
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_part p[2 * LINKS];
	size_t n = fuzz_split(data, size, p, 2 * LINKS);
	links l = {0};
	strbuf got = STRBUF_INIT;

	if (!tmp)
		setup();
	for (size_t i = 0; i + 1 < n; i += 2) {
		char *path = fuzz_str(p[i].data, p[i].size);
		char *target = fuzz_str(p[i + 1].data, p[i + 1].size);
		if (fits(&l, path, target)) {
			l.path[l.n] = path;
			l.target[l.n++] = target;
		} else {
			free(path);
			free(target);
		}
	}
	if (l.n && strcmp(l.path[0], "") != 0) {
		int v = linkres_resolve(l.path[0], l.target[0], lookup, &l, &got);

		FUZZ_CHECK(v >= LINKRES_INSIDE && v <= LINKRES_LOOP);
		if (v == LINKRES_INSIDE)
			FUZZ_CHECK(!*got.buf || path_check(got.buf) == 0);
		/* with no other link on the way, only ".." and "/" can leave: as link_inside() says */
		if (l.n == 1 && v != LINKRES_LOOP)
			FUZZ_CHECK((v == LINKRES_INSIDE) == link_inside(l.path[0], l.target[0]));
		if (openat2_ok)
			kernel_check(&l, v);
	}
	for (size_t i = 0; i < l.n; i++) {
		free(l.path[i]);
		free(l.target[i]);
	}
	sb_release(&got);
	return 0;
}
