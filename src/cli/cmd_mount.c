/*
 * cmd_mount.c - vds mount (a committed version as a read-only folder) and
 * vds umount. By default mount forks before any thread starts: the child
 * mounts and serves, telling the parent through a pipe that the mount is
 * ready or why it failed; the parent prints that and exits. --foreground
 * serves in this process. Either way SIGINT, SIGTERM and SIGHUP unmount.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "util.h"

typedef struct sig_watch {
	sigset_t set;
	const char *dir;
} sig_watch;

/* Waits for a signal, then unmounts (a mount in use stays, and says so). */
static void *watch_signals(void *arg)
{
	sig_watch *w = arg;
	int sig;

	for (;;) {
		if (sigwait(&w->set, &sig) != 0)
			continue;
		if (vds_umount(w->dir) == 0)
			return NULL;
		fprintf(stderr, "vds: %s\n", vds_errmsg());
	}
}

/*
 * Mounts RES at DIR and serves until it is unmounted. READY (or -1) gets
 * the outcome of mounting: "0" or the status and message.
 */
static int serve(vds_ctx *ctx, const vds_resolved *res, const char *dir, int ready, bool quiet)
{
	static sig_watch w;
	vds_mount *m;
	pthread_t t;
	char *esc = vds_display_escape(dir);
	int r;

	/* every thread started from here on leaves these signals to the watcher */
	sigemptyset(&w.set);
	sigaddset(&w.set, SIGINT);
	sigaddset(&w.set, SIGTERM);
	sigaddset(&w.set, SIGHUP);
	w.dir = dir;
	pthread_sigmask(SIG_BLOCK, &w.set, NULL);
	r = vds_mount_new(vds_ctx_config_path(ctx), res->dataset.id, res->version, dir, &m);
	if (ready >= 0) {
		char *msg = xasprintf("%d %s", r, r < 0 ? vds_errmsg() : "");
		if (write(ready, msg, strlen(msg)) < 0)
			r = r < 0 ? r : vds_err(VDS_EIO, "cannot report the mount: %s", strerror(errno));
		free(msg);
		close(ready);
	}
	if (r < 0) {
		free(esc);
		return r;
	}
	if (!quiet) {
		printf("Mounted %s:%s at %s\n", res->dataset.id, res->version, esc);
		fflush(stdout);
	} else {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (null >= 0) /* the parent has said it all */
			dup2(null, STDERR_FILENO);
	}
	if (pthread_create(&t, NULL, watch_signals, &w) == 0)
		pthread_detach(t);
	r = vds_mount_wait(m);
	vds_mount_free(m);
	if (r == 0 && !quiet)
		printf("Unmounted %s\n", esc);
	free(esc);
	return r;
}

/* The parent's side: waits for the child's word on READY. */
static int await_child(pid_t pid, int ready, const vds_resolved *res, const char *dir)
{
	strbuf sb = STRBUF_INIT;
	char buf[512];
	ssize_t n;
	int status = 0, r;

	while ((n = read(ready, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		sb_add(&sb, buf, (size_t)n);
	}
	close(ready);
	if (!sb.len) {
		waitpid(pid, &status, 0);
		sb_release(&sb);
		return vds_err(VDS_ERR, "the mount process ended before mounting %s",
			       q(dir));
	}
	char *sp = strchr(sb.buf, ' ');
	r = atoi(sb.buf);
	if (r < 0) {
		waitpid(pid, &status, 0); /* it exits at once */
		r = vds_err(r, "%s", sp ? sp + 1 : "mount failed");
	} else {
		char *esc = vds_display_escape(dir);
		printf("Mounted %s:%s at %s\n", res->dataset.id, res->version, esc);
		free(esc);
	}
	sb_release(&sb);
	return r;
}

static int m_mount(vds_ctx *ctx, cli_args *a)
{
	const char *dir = arg_str(a, "DIR");
	vds_resolved res;
	int r, p[2];

	if ((r = need_version(ctx, arg_str(a, "id"), false, &res)) < 0)
		return r;
	if (!res.committed) {
		r = vds_err(VDS_ECONFLICT,
			    "dataset version %s:%s is a draft: commit it before mounting",
			    res.dataset.id, res.version);
	} else if (!vds_mount_possible()) {
		r = VDS_ERR;
	} else if (arg_flag(a, "foreground")) {
		r = serve(ctx, &res, dir, -1, false);
	} else if (pipe2(p, O_CLOEXEC) < 0) {
		r = vds_err(VDS_ERR, "cannot start the mount: %s", strerror(errno));
	} else {
		fflush(stdout);
		fflush(stderr);
		pid_t pid = fork();
		if (pid == 0) {
			close(p[0]);
			setsid();
			int null = open("/dev/null", O_RDWR | O_CLOEXEC);
			if (null >= 0) { /* the terminal is the parent's */
				dup2(null, STDIN_FILENO);
				dup2(null, STDOUT_FILENO);
			}
			r = serve(ctx, &res, dir, p[1], true);
			_exit(r < 0 ? vds_exit_code(r) : 0);
		}
		close(p[1]);
		if (pid < 0) {
			r = vds_err(VDS_ERR, "cannot start the mount: %s", strerror(errno));
			close(p[0]);
		} else {
			r = await_child(pid, p[0], &res, dir);
		}
	}
	vds_resolved_release(&res);
	return r;
}

static int m_umount(vds_ctx *ctx, cli_args *a)
{
	const char *dir = arg_str(a, "DIR");
	int r;

	(void)ctx;
	if ((r = vds_umount(dir)) == 0) {
		char *esc = vds_display_escape(dir);
		printf("Unmounted %s\n", esc);
		free(esc);
	}
	return r;
}

static const cli_opt mount_opts[] = {
	{"id", OPT_STR, true, "DS:REF", "committed version: DS, DS:latest, DS:VERSION or DS:TAG"},
	{"DIR", OPT_ARG, true, "DIR", "an empty folder to mount it at"},
	{"foreground", OPT_BOOL, false, "", "serve in this process until unmounted (Ctrl-C)"},
	{0},
};

static const cli_opt umount_opts[] = {
	{"DIR", OPT_ARG, true, "DIR", "where a version is mounted (also a mount whose process died)"},
	{0},
};

const cli_cmd mount_cmds[] = {
	{"mount", m_mount, "Mount a committed version read-only at a folder", mount_opts},
	{"umount", m_umount, "Unmount a mounted version", umount_opts},
	{0},
};
