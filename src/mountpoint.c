/*
 * mountpoint.c - the folders vds mounts at: checks before mounting, what
 * /proc/self/mountinfo says is mounted where, unmounting (umount2() as
 * root, else fusermount3), stale mounts whose process died, and whether
 * FUSE can be used at all.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mount.h"
#include "util.h"

extern char **environ;

/* The absolute form of DIR without resolving its last component (a dead mount). */
int mountpoint_abs(const char *dir, char **out)
{
	char *copy = xstrdup(dir), *parent, *base, *real;
	size_t len = strlen(copy);

	while (len > 1 && copy[len - 1] == '/')
		copy[--len] = '\0';
	base = strrchr(copy, '/');
	if (!base) {
		parent = ".";
		base = copy;
	} else if (base == copy) {
		parent = "/";
		base++;
	} else {
		*base++ = '\0';
		parent = copy;
	}
	if (!strcmp(base, ".") || !strcmp(base, "..") || !*base) {
		real = realpath(dir, NULL);
		free(copy);
		if (!real)
			return vds_err_errno(errno, "find folder", dir);
		*out = real;
		return 0;
	}
	if (!(real = realpath(parent, NULL))) {
		int r = vds_err_errno(errno, "find folder", dir);
		free(copy);
		return r;
	}
	*out = xasprintf("%s%s%s", real, strcmp(real, "/") ? "/" : "", base);
	free(real);
	free(copy);
	return 0;
}

/* Decodes the octal escapes of a mountinfo field in place. */
static void unescape_mountinfo(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*w++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

/*
 * The file system type mounted at absolute path DIR (the last mount
 * there), or NULL; its device in *DEV if not NULL. Read from
 * /proc/self/mountinfo, so that nothing asks the mount itself (a mount of
 * this very process may have no thread free to answer).
 */
char *mountpoint_type(const char *dir, dev_t *dev)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL, *type = NULL;
	size_t cap = 0;

	while (f && getline(&line, &cap, f) > 0) {
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - TYPE SOURCE ... */
		char *save, *fld[5], *dash = strstr(line, " - ");
		int k = 0;
		if (!dash)
			continue;
		*dash = '\0';
		for (char *t = strtok_r(line, " ", &save); t && k < 5; t = strtok_r(NULL, " ", &save))
			fld[k++] = t;
		if (k < 5)
			continue;
		unescape_mountinfo(fld[4]);
		if (strcmp(fld[4], dir))
			continue;
		char *t = dash + 3;
		unsigned maj = 0, min = 0;
		free(type);
		type = xstrndup(t, strcspn(t, " \n"));
		if (dev && sscanf(fld[2], "%u:%u", &maj, &min) == 2)
			*dev = makedev(maj, min);
	}
	free(line);
	if (f)
		fclose(f);
	return type;
}

/* Runs "fusermount3 -u [-z] -- DIR" (mounts of users other than root); its message on failure. */
static int fusermount_u(const char *dir, bool lazy)
{
	const char *argv[6] = {"fusermount3", "-u"};
	int k = 2;
	posix_spawn_file_actions_t fa;
	int pfd[2], st = 0;
	pid_t pid;
	char msg[512] = "";

	if (lazy)
		argv[k++] = "-z";
	argv[k++] = "--";
	argv[k] = dir; /* not -q: its message says why */
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return vds_err_errno(errno, "unmount", dir);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], STDERR_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	int e = posix_spawnp(&pid, "fusermount3", &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	if (e == 0) {
		size_t len = 0;
		ssize_t n;
		while ((n = read(pfd[0], msg + len, sizeof(msg) - 1 - len)) > 0)
			len += (size_t)n;
		msg[len] = '\0';
		msg[strcspn(msg, "\n")] = '\0';
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	close(pfd[0]);
	if (e)
		return vds_err(VDS_ERR, "cannot unmount %s: fusermount3: %s", q(dir), strerror(e));
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		return vds_err(strstr(msg, "busy") ? VDS_ECONFLICT : VDS_EIO, "cannot unmount %s: %s",
			       q(dir), *msg ? msg : "fusermount3 failed");
	return 0;
}

/* Unmounts absolute DIR; LAZY detaches it even if in use. */
int mountpoint_unmount(const char *dir, bool lazy)
{
	if (umount2(dir, lazy ? MNT_DETACH : 0) == 0)
		return 0;
	if (errno == EBUSY)
		return vds_err(VDS_ECONFLICT, "cannot unmount %s: it is in use", q(dir));
	if (errno != EPERM)
		return vds_err_errno(errno, "unmount", dir);
	return fusermount_u(dir, lazy);
}

/* Ends the FUSE connection of device DEV, if the fuse control file system is there. */
void mountpoint_abort(dev_t dev)
{
	char *p = xasprintf("/sys/fs/fuse/connections/%u/abort", minor(dev));
	int fd = open(p, O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (write(fd, "1", 1) < 0)
			vds_debug("mount: cannot abort the FUSE connection: %s", strerror(errno));
		close(fd);
	}
	free(p);
}

/*
 * True if a FUSE mount at DIR lost its process (ENOTCONN). Its attributes
 * may still be cached, so stat() can succeed: statfs() always asks.
 */
bool mountpoint_stale(const char *dir)
{
	struct statvfs sv;

	return statvfs(dir, &sv) < 0 && errno == ENOTCONN;
}

int vds_umount(const char *dir)
{
	struct stat st;
	char *abs, *type;
	int r;

	if ((r = mountpoint_abs(dir, &abs)) < 0)
		return r;
	if (!(type = mountpoint_type(abs, NULL))) {
		if (lstat(abs, &st) < 0)
			r = vds_err(errno == ENOENT ? VDS_ENOTFOUND : VDS_EIO, "cannot unmount %s: %s",
				    q(dir), strerror(errno));
		else
			r = vds_err(VDS_EINVAL, "%s is not a mount", q(dir));
	} else {
		if (strcmp(type, "fuse.vds"))
			r = vds_err(VDS_EINVAL, "%s is not a vds mount (it is %s)", q(dir), type);
		else if ((r = mountpoint_unmount(abs, false)) == VDS_ECONFLICT && mountpoint_stale(abs))
			r = mountpoint_unmount(abs, true); /* its process died: nothing serves what is open */
		if (r == VDS_ECONFLICT)
			r = vds_err(VDS_ECONFLICT, "cannot unmount %s: it is in use", q(dir));
		free(type);
	}
	free(abs);
	return r;
}

bool vds_mount_possible(void)
{
	int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		vds_err(VDS_ERR, "FUSE is not available here: cannot open /dev/fuse: %s",
			strerror(errno));
		return false;
	}
	close(fd);
	if (geteuid() != 0) {
		const char *path = getenv("PATH");
		char *copy = xstrdup(path ? path : "/usr/bin:/bin"), *save;
		bool found = false;
		for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
			char *p = xasprintf("%s/fusermount3", d);
			found = access(p, X_OK) == 0;
			free(p);
		}
		free(copy);
		if (!found) {
			vds_err(VDS_ERR, "FUSE is not available here: fusermount3 is not installed "
					 "(Debian package fuse3)");
			return false;
		}
	}
	return true;
}

/* Checks that DIR is an empty folder nothing is mounted at. */
int mountpoint_check(const char *dir, const char *abs)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	bool empty = true;
	char *type;

	if (mountpoint_stale(abs))
		return vds_err(VDS_ECONFLICT, "%s is a mount whose process ended: "
					      "run 'vds umount' on it first", q(dir));
	if (stat(abs, &st) < 0) {
		if (errno == ENOENT)
			return vds_err(VDS_ENOTFOUND, "no such folder %s", q(dir));
		return vds_err_errno(errno, "use folder", dir);
	}
	if (!S_ISDIR(st.st_mode))
		return vds_err(VDS_EINVAL, "%s is not a folder", q(dir));
	if ((type = mountpoint_type(abs, NULL)) && !strcmp(type, "fuse.vds")) {
		free(type);
		return vds_err(VDS_ECONFLICT, "%s is a vds mount already", q(dir));
	}
	free(type);
	if (!(d = opendir(abs)))
		return vds_err_errno(errno, "open folder", dir);
	while (empty && (de = readdir(d)))
		empty = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..");
	closedir(d);
	if (!empty)
		return vds_err(VDS_ECONFLICT, "folder %s is not empty", q(dir));
	return 0;
}
