/* textdiff.c - unified diffs of two texts, through the system's diff -u. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

extern char **environ;

/* Writes LEN bytes of DATA to a new temporary file; *PATH (malloc'd) names it. */
static int write_temp(const char *data, size_t len, char **path)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	*path = xasprintf("%s/vds-diff-XXXXXX", dir && *dir ? dir : "/tmp");
	if ((fd = mkstemp(*path)) < 0) {
		int r = vds_err_errno(errno, "create", *path);
		free(*path);
		*path = NULL;
		return r;
	}
	bool ok = write(fd, data, len) == (ssize_t)len;
	close(fd);
	return ok ? 0 : vds_err_errno(errno, "write", *path);
}

int vds_text_diff(const char *la, const char *a, size_t alen, const char *lb, const char *b,
		  size_t blen, void (*line)(const char *l, void *ud), void *ud, bool *any)
{
	char *fa = NULL, *fb = NULL;
	int fds[2], r;

	*any = false;
	if ((r = write_temp(a, alen, &fa)) < 0 || (r = write_temp(b, blen, &fb)) < 0)
		goto out;
	if (pipe(fds) < 0) {
		r = vds_err(VDS_ERR, "cannot run diff: %s", strerror(errno));
		goto out;
	}
	char *argv[] = {"diff", "-u", "--label", (char *)la, "--label", (char *)lb, fa, fb, NULL};
	posix_spawn_file_actions_t acts;
	pid_t pid;
	int status = 0;
	posix_spawn_file_actions_init(&acts);
	posix_spawn_file_actions_adddup2(&acts, fds[1], STDOUT_FILENO);
	posix_spawn_file_actions_addclose(&acts, fds[0]);
	posix_spawn_file_actions_addopen(&acts, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	int e = posix_spawnp(&pid, "diff", &acts, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&acts);
	close(fds[1]);
	if (e != 0) {
		close(fds[0]);
		r = vds_err(VDS_ERR, "cannot run diff: %s", strerror(e));
		goto out;
	}
	FILE *f = fdopen(fds[0], "r");
	char *buf = NULL;
	size_t cap = 0;
	ssize_t len;
	while ((len = getline(&buf, &cap, f)) >= 0) {
		if (len && buf[len - 1] == '\n')
			buf[len - 1] = '\0';
		line(buf, ud);
		*any = true;
	}
	free(buf);
	fclose(f);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) > 1)
		r = vds_err(VDS_ERR, "diff failed");
out:
	if (fa)
		unlink(fa);
	if (fb)
		unlink(fb);
	free(fa);
	free(fb);
	return r;
}
