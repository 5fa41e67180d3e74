/*
 * run.c - vds run: a command with datasets as its inputs and outputs.
 *
 * The inputs are resolved once to exact committed versions and appear
 * read-only in WORKDIR/inputs/NAME: FUSE mounts where they can be made,
 * otherwise copies (vds_files_get) with the write permissions taken away.
 * The command runs with VDS_INPUTS and VDS_OUTPUTS set, its output passed
 * through. Only if it exits 0 does each WORKDIR/outputs/NAME become a new
 * version of its dataset, with a lineage record: all drafts are filled
 * first, and the commits (which cannot fail half-way) come last.
 * SIGINT, SIGTERM and SIGHUP sent to vds reach the command; mounts and
 * copies are undone whatever happens.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core.h"

#define NAME_MAX_BYTES 64

extern char **environ;

typedef struct input {
	const char *name;
	vds_resolved res;
	char *dir; /* WORKDIR/inputs/NAME */
	vds_mount *m;
} input;

typedef struct output {
	const char *name;
	vds_dataset d;
	char *dir; /* WORKDIR/outputs/NAME */
	char ver[VDS_VERID_LEN + 1]; /* the draft, once made */
} output;

typedef struct run {
	vds_ctx *ctx;
	const vds_run_job *job;
	vds_opts o;
	input *in;
	size_t nin;
	output *out;
	size_t nout;
	char *workdir, *inputs_dir, *outputs_dir;
	bool temp;    /* the work folder is ours: removed whole */
	bool made;    /* inputs/ and outputs/ are ours (they were missing or empty) */
	bool copied;  /* inputs were copied, not mounted */
	int64_t started_us, ended_us;
} run;

/* ---- signals ---------------------------------------------------------------- */

static const int run_signals[] = {SIGINT, SIGTERM, SIGHUP};
static atomic_int child_pid;      /* the command, while it runs */
static atomic_int got_signal;     /* the first signal vds received */
static atomic_int pending_signal; /* one to pass on once the command's pid is known */
static atomic_int cancelled;      /* the cancel flag of the long steps */

/*
 * Passes a signal another process sent on to the command; one the terminal
 * sent reached the command already, in the same process group.
 */
static void on_signal(int sig, siginfo_t *si, void *uc)
{
	int none = 0;
	pid_t pid = (pid_t)atomic_load(&child_pid);
	(void)uc;

	atomic_compare_exchange_strong(&got_signal, &none, sig);
	atomic_store(&cancelled, 1);
	if (si->si_code > 0) /* SI_KERNEL: from the terminal */
		return;
	if (pid > 0)
		kill(pid, sig);
	else
		atomic_store(&pending_signal, sig);
}

/* Handles the run signals (those not ignored), saving what was there in OLD. */
static void signals_catch(struct sigaction *old)
{
	struct sigaction sa = {0};

	atomic_store(&child_pid, 0);
	atomic_store(&got_signal, 0);
	atomic_store(&pending_signal, 0);
	atomic_store(&cancelled, 0);
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ARRAY_SIZE(run_signals); i++) {
		sigaction(run_signals[i], NULL, &old[i]);
		if (old[i].sa_handler != SIG_IGN) /* nohup's SIGHUP stays ignored, for the command too */
			sigaction(run_signals[i], &sa, NULL);
	}
}

static void signals_restore(const struct sigaction *old)
{
	for (size_t i = 0; i < ARRAY_SIZE(run_signals); i++)
		sigaction(run_signals[i], &old[i], NULL);
}

/* ---- notes and checks ---------------------------------------------------------- */

static void note(run *R, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(run *R, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (!R->job->note)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	R->job->note(line, R->job->note_ud);
}

/* Prefixes the current error message with WHAT ("input raw"); returns R. */
static int about(int r, const char *what, const char *name)
{
	char msg[1024];

	snprintf(msg, sizeof(msg), "%s", vds_errmsg());
	return vds_err(r, "%s %s: %s", what, name, msg);
}

/* Input and output names become folder names: a safe, short alphabet. */
static int check_name(const char *kind, const char *name)
{
	if (!name || !*name || strlen(name) > NAME_MAX_BYTES)
		return vds_err(VDS_EINVAL, "%s name %s must have 1 to %d characters", kind,
			       q(name ? name : ""), NAME_MAX_BYTES);
	if (name[0] == '.' || name[0] == '-' ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
		    strlen(name))
		return vds_err(VDS_EINVAL,
			       "%s name %s may hold only letters, digits, '.', '_' and '-', and may not "
			       "start with '.' or '-'",
			       kind, q(name));
	return 0;
}

/* Checks the names of N bindings of KIND ("input", "output"): valid, each once. */
static int check_bindings(const char *kind, const vds_run_binding *v, size_t n)
{
	int r;

	for (size_t i = 0; i < n; i++) {
		if ((r = check_name(kind, v[i].name)) < 0)
			return r;
		for (size_t k = 0; k < i; k++)
			if (!strcmp(v[k].name, v[i].name))
				return vds_err(VDS_EINVAL, "%s %s is named twice", kind, q(v[i].name));
	}
	return 0;
}

static int check_job(const vds_run_job *job)
{
	int r;

	if (job->ncommand == 0 || !job->command[0] || !*job->command[0])
		return vds_err(VDS_EUSAGE, "no command to run");
	if ((r = check_bindings("input", job->inputs, job->ninputs)) < 0)
		return r;
	return check_bindings("output", job->outputs, job->noutputs);
}

/* Resolves every input to an exact committed version and finds every output's dataset. */
static int resolve(run *R)
{
	const vds_run_job *job = R->job;
	int r = 0;

	R->in = xcalloc(job->ninputs + 1, sizeof(*R->in));
	R->out = xcalloc(job->noutputs + 1, sizeof(*R->out));
	for (size_t i = 0; i < job->ninputs && r == 0; i++) {
		input *in = &R->in[R->nin];
		in->name = job->inputs[i].name;
		if ((r = vds_ref_resolve(R->ctx, job->inputs[i].ref, true, &in->res)) < 0)
			return about(r, "input", in->name);
		R->nin++;
		if (!in->res.committed)
			r = vds_err(VDS_EINVAL,
				    "input %s: dataset version %s:%s is a draft; only committed versions "
				    "can be inputs",
				    in->name, in->res.dataset.id, in->res.version);
	}
	for (size_t i = 0; i < job->noutputs && r == 0; i++) {
		output *out = &R->out[R->nout];
		const char *ds = job->outputs[i].ref;
		vds_backend *b;
		out->name = job->outputs[i].name;
		if (strchr(ds, ':'))
			return vds_err(VDS_EINVAL, "output %s: expected a dataset, not the reference %s",
				       out->name, q(ds));
		if ((r = vds_dataset_get(R->ctx, ds, &out->d)) < 0)
			return about(r, "output", out->name);
		R->nout++;
		if ((r = ctx_dataset_backend(R->ctx, out->d.id, &b, NULL)) == 0 &&
		    vds_backend_read_only(b))
			r = vds_err(VDS_ECONFLICT, "output %s: storage provider %s is read-only",
				    out->name, b->provider_id);
	}
	return r;
}

/* ---- the work folder ------------------------------------------------------------ */

/* True if folder PATH is missing or empty; VDS_ECONFLICT if it is anything else. */
static int check_empty(const char *workdir, const char *path, const char *what)
{
	struct stat st;
	size_t n = 0;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : vds_err_errno(errno, "read", path);
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *de;
		if (!d)
			return vds_err_errno(errno, "read", path);
		while ((de = readdir(d)))
			n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
		closedir(d);
		if (n == 0)
			return 0;
	}
	return vds_err(VDS_ECONFLICT, "work folder %s: %s/ %s (left by an earlier run?)", q(workdir),
		       what, S_ISDIR(st.st_mode) ? "is not empty" : "is not a folder");
}

static int make_dir(const char *path)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return vds_err_errno(errno, "create folder", path);
	return 0;
}

static int make_workdir(run *R)
{
	char real[PATH_MAX];
	int r;

	if (R->job->workdir) {
		if ((r = vds_mkdirs(R->job->workdir)) < 0)
			return r;
		if (!realpath(R->job->workdir, real))
			return vds_err_errno(errno, "open work folder", R->job->workdir);
		R->workdir = xstrdup(real);
	} else {
		const char *tmp = getenv("TMPDIR");
		char *tpl = xasprintf("%s/vds-run-XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(tpl)) {
			r = vds_err_errno(errno, "create work folder", tpl);
			free(tpl);
			return r;
		}
		R->temp = true;
		R->workdir = realpath(tpl, real) ? xstrdup(real) : xstrdup(tpl);
		free(tpl);
	}
	R->inputs_dir = xasprintf("%s/inputs", R->workdir);
	R->outputs_dir = xasprintf("%s/outputs", R->workdir);
	if ((r = check_empty(R->workdir, R->inputs_dir, "inputs")) < 0 ||
	    (r = check_empty(R->workdir, R->outputs_dir, "outputs")) < 0 ||
	    (r = make_dir(R->inputs_dir)) < 0 || (r = make_dir(R->outputs_dir)) < 0)
		return r;
	R->made = true;
	for (size_t i = 0; i < R->nin && r == 0; i++) {
		R->in[i].dir = xasprintf("%s/%s", R->inputs_dir, R->in[i].name);
		r = make_dir(R->in[i].dir);
	}
	for (size_t i = 0; i < R->nout && r == 0; i++) {
		R->out[i].dir = xasprintf("%s/%s", R->outputs_dir, R->out[i].name);
		r = make_dir(R->out[i].dir);
	}
	return r;
}

static int chmod_ro(const char *path, const struct stat *st, int type, struct FTW *f)
{
	(void)f;
	if (type == FTW_SL || type == FTW_SLN)
		return 0;
	return chmod(path, st->st_mode & 07555) < 0 ? errno : 0;
}

static int chmod_rw(const char *path, const struct stat *st, int type, struct FTW *f)
{
	(void)f;
	if (type == FTW_D || type == FTW_DNR)
		chmod(path, (st->st_mode & 07777) | 0700);
	return 0;
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *f)
{
	(void)st;
	(void)f;
	if (type == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

/* Removes the tree at PATH, write permissions given back first; never crosses a mount. */
static void remove_tree(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return;
	nftw(path, chmod_rw, 16, FTW_PHYS | FTW_MOUNT);
	nftw(path, remove_one, 16, FTW_PHYS | FTW_MOUNT | FTW_DEPTH);
}

/* Takes every write permission away below PATH (links are left alone). */
static int make_read_only(const char *path)
{
	int e = nftw(path, chmod_ro, 16, FTW_PHYS | FTW_MOUNT);

	return e ? vds_err_errno(e > 0 ? e : errno, "make read-only", path) : 0;
}

/* ---- inputs ------------------------------------------------------------------- */

/* Mounts every input; false (nothing mounted, the reason noted) where FUSE cannot. */
static bool mount_inputs(run *R)
{
	const char *cfg = vds_ctx_config_path(R->ctx);
	char why[1024] = "";

	if (!vds_mount_possible()) {
		snprintf(why, sizeof(why), "%s", vds_errmsg());
	} else {
		for (size_t i = 0; i < R->nin && !*why; i++)
			if (vds_mount_new(cfg, R->in[i].res.dataset.id, R->in[i].res.version,
					  R->in[i].dir, &R->in[i].m) < 0) {
				snprintf(why, sizeof(why), "%s", vds_errmsg());
				R->in[i].m = NULL;
			}
	}
	if (!*why)
		return true;
	for (size_t i = 0; i < R->nin; i++) {
		vds_mount_free(R->in[i].m);
		R->in[i].m = NULL;
	}
	note(R, "FUSE unavailable (%s): inputs are copied read-only", why);
	return false;
}

static int prepare_inputs(run *R)
{
	int r = 0;

	if (R->nin && (R->job->no_mount || !mount_inputs(R))) {
		R->copied = true;
		for (size_t i = 0; i < R->nin && r == 0; i++) {
			input *in = &R->in[i];
			if ((r = vds_files_get(R->ctx, in->res.dataset.id, in->res.version, NULL, 0,
					       in->dir, &R->o, NULL)) < 0)
				r = about(r, "input", in->name);
			else
				r = make_read_only(in->dir);
		}
	}
	for (size_t i = 0; i < R->nin && r == 0; i++)
		note(R, "input %s: %s:%s (%s)", R->in[i].name, R->in[i].res.dataset.id,
		     R->in[i].res.version, R->copied ? "copied" : "mounted");
	if (r == 0 && chmod(R->inputs_dir, 0555) < 0)
		r = vds_err_errno(errno, "make read-only", R->inputs_dir);
	return r;
}

/* Unmounts or removes the inputs. */
static void release_inputs(run *R)
{
	for (size_t i = 0; i < R->nin; i++) {
		vds_mount_free(R->in[i].m);
		R->in[i].m = NULL;
	}
	if (R->made)
		remove_tree(R->inputs_dir);
}

/* ---- the command ---------------------------------------------------------------- */

/* The environment of the command: ours, with VDS_INPUTS and VDS_OUTPUTS set. */
static char **command_env(run *R)
{
	size_t n = 0, k = 0;

	while (environ[n])
		n++;
	char **env = xcalloc(n + 3, sizeof(*env));
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "VDS_INPUTS=", 11) && strncmp(environ[i], "VDS_OUTPUTS=", 12))
			env[k++] = xstrdup(environ[i]);
	env[k++] = xasprintf("VDS_INPUTS=%s", R->inputs_dir);
	env[k++] = xasprintf("VDS_OUTPUTS=%s", R->outputs_dir);
	return env;
}

/* Runs the command and waits for it; its exit status goes to *STATUS. */
static int execute(run *R, int *status)
{
	char **env, **argv;
	posix_spawnattr_t attr;
	sigset_t none;
	pid_t pid;
	int e, ws;

	env = command_env(R);
	argv = xcalloc(R->job->ncommand + 1, sizeof(*argv));
	for (size_t i = 0; i < R->job->ncommand; i++)
		argv[i] = R->job->command[i];
	sigemptyset(&none);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
	fflush(NULL); /* what the caller printed comes before the command's output */
	R->started_us = vds_now_us();
	e = posix_spawnp(&pid, argv[0], NULL, &attr, argv, env); /* searches $PATH as a shell does */
	posix_spawnattr_destroy(&attr);
	for (size_t i = 0; env[i]; i++)
		free(env[i]);
	free(env);
	if (e != 0) {
		R->ended_us = vds_now_us();
		note(R, "cannot run %s: %s", q(argv[0]), strerror(e));
		free(argv);
		*status = e == ENOENT ? 127 : 126; /* as a shell says it */
		return 0;
	}
	free(argv);
	atomic_store(&child_pid, (int)pid);
	int sig = atomic_exchange(&pending_signal, 0);
	if (sig) /* it came while the command was starting */
		kill(pid, sig);
	while (waitpid(pid, &ws, 0) < 0)
		if (errno != EINTR) {
			atomic_store(&child_pid, 0);
			return vds_err_errno(errno, "wait for", R->job->command[0]);
		}
	atomic_store(&child_pid, 0);
	R->ended_us = vds_now_us();
	*status = WIFEXITED(ws) ? WEXITSTATUS(ws) : WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : 1;
	return 0;
}

/* ---- outputs ------------------------------------------------------------------ */

/* Deletes the drafts of outputs FROM and after that are drafts still. */
static void drop_drafts(run *R, size_t from)
{
	for (size_t i = from; i < R->nout; i++) {
		vds_version v;
		if (!*R->out[i].ver || vds_version_get(R->ctx, R->out[i].d.id, R->out[i].ver, &v) < 0)
			continue;
		if (!v.committed)
			vds_version_delete(R->ctx, R->out[i].d.id, R->out[i].ver, false);
		vds_version_release(&v);
	}
}

/* Fills a draft for each output: its folder's files and the lineage L. */
static int fill_drafts(run *R, vds_lineage *l)
{
	int r = 0;

	for (size_t i = 0; i < R->nout && r == 0; i++) {
		output *out = &R->out[i];
		char *src = xasprintf("%s/", out->dir);
		const char *const srcs[] = {src};

		r = vds_version_create(R->ctx, out->d.id, R->job->message, NULL, out->ver);
		if (r == 0)
			r = vds_files_put(R->ctx, out->d.id, out->ver, srcs, 1, NULL, &R->o, NULL);
		l->output = (char *)out->name;
		if (r == 0)
			r = vds_lineage_set(R->ctx, out->d.id, out->ver, l);
		l->output = NULL;
		free(src);
		if (r < 0)
			r = about(r, "output", out->name);
	}
	return r;
}

/* Commits every output; on a failure, says which were and which were not. */
static int commit_outputs(run *R, vds_run_result *res)
{
	vds_lineage l = {0};
	char host[256] = "";
	int r;

	l.inputs = xcalloc(R->nin + 1, sizeof(*l.inputs));
	for (size_t i = 0; i < R->nin; i++) {
		l.inputs[i].name = (char *)R->in[i].name;
		memcpy(l.inputs[i].dataset, R->in[i].res.dataset.id, sizeof(l.inputs[i].dataset));
		memcpy(l.inputs[i].version, R->in[i].res.version, sizeof(l.inputs[i].version));
	}
	l.ninputs = R->nin;
	l.command = (char **)R->job->command;
	l.ncommand = R->job->ncommand;
	l.started_us = R->started_us;
	l.ended_us = R->ended_us;
	gethostname(host, sizeof(host) - 1);
	l.host = host;
	r = fill_drafts(R, &l);
	free(l.inputs);
	if (r < 0) {
		char msg[1024];
		snprintf(msg, sizeof(msg), "%s", vds_errmsg());
		drop_drafts(R, 0);
		return vds_err(r, "%s; nothing was committed", msg);
	}
	for (size_t i = 0; i < R->nout; i++) {
		output *out = &R->out[i];
		vds_version v;
		if ((r = vds_version_commit(R->ctx, out->d.id, out->ver)) < 0 &&
		    vds_version_get(R->ctx, out->d.id, out->ver, &v) == 0) {
			if (v.committed) /* it failed after the commit record was written */
				r = 0;
			vds_version_release(&v);
		}
		if (r < 0) {
			char msg[1024];
			strbuf sb = STRBUF_INIT;
			snprintf(msg, sizeof(msg), "%s", vds_errmsg());
			for (size_t k = i + 1; k < R->nout; k++)
				sb_addf(&sb, ", %s", R->out[k].name);
			drop_drafts(R, i);
			r = vds_err(r, "output %s: %s; not committed: %s%s", out->name, msg, out->name,
				    sb.len ? sb.buf : "");
			sb_release(&sb);
			return r;
		}
		res->committed[res->ncommitted++] = xasprintf("%s:%s", out->d.id, out->ver);
	}
	return 0;
}

/* ---- the whole run ---------------------------------------------------------------- */

static void run_release(run *R)
{
	for (size_t i = 0; i < R->nin; i++) {
		vds_resolved_release(&R->in[i].res);
		free(R->in[i].dir);
	}
	free(R->in);
	for (size_t i = 0; i < R->nout; i++) {
		vds_dataset_release(&R->out[i].d);
		free(R->out[i].dir);
	}
	free(R->out);
	free(R->workdir);
	free(R->inputs_dir);
	free(R->outputs_dir);
}

void vds_run_result_release(vds_run_result *r)
{
	for (size_t i = 0; i < r->ncommitted; i++)
		free(r->committed[i]);
	free(r->committed);
	free(r->workdir);
	memset(r, 0, sizeof(*r));
}

int vds_run(vds_ctx *ctx, const vds_run_job *job, const vds_opts *o, vds_run_result *res)
{
	run R = {.ctx = ctx, .job = job};
	struct sigaction old[ARRAY_SIZE(run_signals)];
	bool ran = false;
	int r;

	memset(res, 0, sizeof(*res));
	res->status = -1;
	if ((r = check_job(job)) < 0)
		return r;
	if (o)
		R.o = *o;
	R.o.cancel = &cancelled; /* a signal stops copies and puts */
	res->committed = xcalloc(job->noutputs + 1, sizeof(*res->committed));
	signals_catch(old);
	if ((r = resolve(&R)) < 0 || (r = make_workdir(&R)) < 0)
		goto out;
	if ((r = prepare_inputs(&R)) == 0 && !atomic_load(&got_signal)) {
		r = execute(&R, &res->status);
		ran = r == 0;
	}
	release_inputs(&R);
	if (r == 0 && res->status == 0 && !atomic_load(&got_signal))
		r = commit_outputs(&R, res);
out:
	res->signal = atomic_load(&got_signal);
	if (res->signal && r == 0 && !ran) /* stopped before the command started */
		r = vds_err(VDS_ECANCELED, "interrupted by signal %d (%s) before the command ran",
			    res->signal, strsignal(res->signal));
	if (R.workdir) {
		res->workdir = xstrdup(R.workdir);
		/* what the command wrote is kept for a look when it was not committed */
		res->kept = ran && R.nout && (r < 0 || res->status != 0 || res->ncommitted < R.nout);
		if (!res->kept && R.temp)
			remove_tree(R.workdir);
		else if (!res->kept && R.made)
			remove_tree(R.outputs_dir);
	}
	signals_restore(old);
	run_release(&R);
	return r;
}
