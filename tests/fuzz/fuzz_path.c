/*
 * fuzz_path.c - version paths and link targets: vds_path_normalize(),
 * path_check(), link_inside(), and the source walker judging a real
 * symlink (in a private folder under $TMPDIR) whose target is the input.
 *
 * Input: PATH, or PATH NUL TARGET (the link target; without it, PATH is
 * used as the target too).
 */
#include "config.h"

#include <limits.h>
#include <unistd.h>

#include "fuzz.h"
#include "manifest.h"
#include "walk.h"

static char *tmp; /* the private folder; holds src/sub/link during a run */

static void cleanup(void)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/src/sub/link", tmp);
	unlink(path);
	snprintf(path, sizeof(path), "%s/src/sub", tmp);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/src", tmp);
	rmdir(path);
	rmdir(tmp);
	free(tmp);
}

static void setup(void)
{
	const char *t = getenv("TMPDIR");
	char path[PATH_MAX];

	tmp = xasprintf("%s/vds-fuzz-path-XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(tmp)) {
		perror(tmp);
		abort();
	}
	atexit(cleanup);
	snprintf(path, sizeof(path), "%s/src", tmp);
	FUZZ_CHECK(mkdir(path, 0700) == 0);
	snprintf(path, sizeof(path), "%s/src/sub", tmp);
	FUZZ_CHECK(mkdir(path, 0700) == 0);
}

/* Whether TARGET, placed at DEST, stays inside the tree: a plain lexical walk. */
static bool inside_model(const char *dest, const char *target)
{
	long depth = 0;

	if (!*target || *target == '/')
		return false;
	for (const char *p = dest; *p; p++)
		depth += *p == '/';
	for (const char *c = target; *c;) {
		size_t n = strcspn(c, "/");

		if (n == 2 && !strncmp(c, "..", 2) && --depth < 0)
			return false;
		if (n && strncmp(c, ".", n) && strncmp(c, "..", n))
			depth++;
		c += n + strspn(c + n, "/");
	}
	return true;
}

static void normalize(const char *s)
{
	char *out = NULL, *again = NULL;

	if (vds_path_normalize(s, &out) < 0) {
		FUZZ_CHECK(path_check(s) < 0);
		return;
	}
	FUZZ_CHECK(out && !strstr(out, "//") && out[0] != '/');
	if (*out) {
		FUZZ_CHECK(path_check(out) == 0);
		FUZZ_CHECK(out[strlen(out) - 1] != '/');
	}
	/* normal is a fixed point, and a checked path is normal already */
	FUZZ_CHECK(vds_path_normalize(out, &again) == 0 && !strcmp(out, again));
	if (path_check(s) == 0)
		FUZZ_CHECK(!strcmp(s, out));
	free(again);
	free(out);
}

/* The walker, on a real link to TARGET at src/sub/link. */
static void walk_link(const char *target)
{
	static const char *const roots[][2] = {{"/src/", "top"}, {"/src", ""}};
	char link[PATH_MAX];
	bool inside = link_inside("sub/link", target);

	snprintf(link, sizeof(link), "%s/src/sub/link", tmp);
	if (strlen(target) >= 4096 || symlink(target, link) < 0)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(roots); i++) {
		walk_list l = {0};
		char *source = xasprintf("%s%s", tmp, roots[i][0]);
		int r = walk_source(&l, source, roots[i][1], NULL);

		FUZZ_CHECK(r == 0);
		/* a link leading out of the tree is skipped, any other is kept as it is */
		FUZZ_CHECK(l.n == (inside ? 1u : 0u) && l.skipped == (inside ? 0u : 1u));
		if (inside) {
			FUZZ_CHECK(!strcmp(l.v[0].link, target));
			FUZZ_CHECK(!strcmp(l.v[0].dest, i == 0 ? "top/sub/link" : "src/sub/link"));
		}
		walk_release(&l);
		free(source);
	}
	unlink(link);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_part p[2];
	size_t n = fuzz_split(data, size, p, 2);
	char *path = fuzz_str(p[0].data, p[0].size);
	char *target = n > 1 ? fuzz_str(p[1].data, p[1].size) : xstrdup(path);
	const char *dest = path_check(path) == 0 ? path : "file";

	if (!tmp)
		setup();
	normalize(path);
	FUZZ_CHECK(link_inside(dest, target) == inside_model(dest, target));
	walk_link(target);
	free(path);
	free(target);
	return 0;
}
