/*
 * test_mount.c - mounts made in-process through vds.h (as "vds run" does):
 * files read through them, drafts refused, vds_umount() ending
 * vds_mount_wait(), and vds_mount_free() of a mount with a file open.
 * Skips when FUSE cannot be used here.
 */
#include "config.h"

#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "vds.h"

static char home[4096];

/* True if a vds mount is at absolute path DIR. */
static int mounted(const char *dir)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[8192], want[4200];
	int found = 0;

	snprintf(want, sizeof(want), " %s ", dir);
	while (f && fgets(line, sizeof(line), f))
		found |= strstr(line, want) && strstr(line, " fuse.vds ");
	if (f)
		fclose(f);
	return found;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void *close_later(void *arg)
{
	sleep(1);
	close(*(int *)arg);
	return NULL;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void test_mounts(vds_ctx *ctx)
{
	char src[4200], dir[4200], path[4300], buf[64];
	const char *sources[1] = {src};
	vds_dataset d;
	char ver[VDS_VERID_LEN + 1], draft[VDS_VERID_LEN + 1];
	vds_mount *m = NULL;
	int r;

	snprintf(src, sizeof(src), "%s/src/", home);
	snprintf(dir, sizeof(dir), "%s/mnt", home);
	mkdir(src, 0755);
	mkdir(dir, 0755);
	snprintf(path, sizeof(path), "%sa.txt", src);
	write_file(path, "hello\n");
	snprintf(path, sizeof(path), "%sb.txt", src);
	write_file(path, "bbb\n");
	r = vds_dataset_create(ctx, "m", "", NULL, &d);
	is_int(r, 0, "a dataset");
	if (r < 0)
		return;
	r = vds_version_create(ctx, d.id, "one", NULL, ver);
	if (r == 0)
		r = vds_files_put(ctx, d.id, ver, sources, 1, NULL, &(vds_opts){0}, NULL);
	if (r == 0)
		r = vds_version_commit(ctx, d.id, ver);
	is_int(r, 0, "a committed version");
	r = vds_version_create(ctx, d.id, "draft", NULL, draft);
	is_int(r, 0, "a draft");

	r = vds_mount_new(vds_ctx_config_path(ctx), d.id, draft, dir, &m);
	is_int(r, VDS_ECONFLICT, "a draft is not mounted");
	ok(m == NULL && !mounted(dir), "nothing is mounted");

	/* read through the mount, then vds_umount() ends vds_mount_wait() */
	r = vds_mount_new(vds_ctx_config_path(ctx), d.id, ver, dir, &m);
	is_int(r, 0, "the version is mounted");
	ok(mounted(dir), "at the folder");
	snprintf(path, sizeof(path), "%s/a.txt", dir);
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	buf[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
	is_str(buf, "hello\n", "a file reads through it");
	is_int(vds_umount(dir), 0, "vds_umount");
	is_int(m ? vds_mount_wait(m) : -1, 0, "vds_mount_wait returns once it is unmounted");
	vds_mount_free(m);
	ok(!mounted(dir), "not mounted any more");
	is_int(vds_umount(dir), VDS_EINVAL, "vds_umount of a folder that is no mount");

	/* vds_mount_free with a file open: detached at once, ended once it is closed */
	m = NULL;
	r = vds_mount_new(vds_ctx_config_path(ctx), d.id, ver, dir, &m);
	is_int(r, 0, "mounted again");
	snprintf(path, sizeof(path), "%s/b.txt", dir);
	fd = open(path, O_RDONLY);
	ok(fd >= 0, "a file is open in it");
	pthread_t t;
	pthread_create(&t, NULL, close_later, &fd);
	double t0 = now();
	vds_mount_free(m);
	double took = now() - t0;
	pthread_join(t, NULL);
	ok(!mounted(dir), "vds_mount_free unmounts a mount in use");
	ok(took < 4.5, "and returns once its file is closed (%.1f s)", took);
	vds_dataset_release(&d);
}

int main(void)
{
	const char *base = getenv("VDS_TEST_TMP");
	vds_ctx *ctx = NULL;

	if (!vds_mount_possible()) {
		printf("1..0 # SKIP %s\n", vds_errmsg());
		return 0;
	}
	if (!base || !*base)
		base = getenv("TMPDIR");
	snprintf(home, sizeof(home), "%s/test_mount.XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(home)) {
		printf("Bail out! cannot create a temporary folder under %s\n", base ? base : "/tmp");
		return 1;
	}
	setenv("VDS_HOME", home, 1);
	unsetenv("XDG_CONFIG_HOME");
	int r = vds_ctx_open(&ctx, NULL);
	is_int(r, 0, "a context in a fresh VDS_HOME");
	if (r == 0)
		test_mounts(ctx);
	vds_ctx_free(ctx);
	nftw(home, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return done();
}
