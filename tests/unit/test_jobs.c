/*
 * test_jobs.c - the background job queue without a terminal: job states,
 * results and errors, cancellation of queued and running jobs, the
 * notification pipe, counters, waiting, progress in snapshots, freeing a
 * queue with jobs still running, and the context each job runs with.
 */
#include "config.h"

#include "tap.h"

#include <ftw.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "vds.h"

#define WAIT_MS 10000 /* the longest any step may take before it counts as stuck */

static char config_path[4096];

/* ---- a job the test steers ----------------------------------------------- */

enum { STEP_NONE, STEP_PROGRESS, STEP_FINISH, STEP_FAIL };

/* What a steered job does and saw; shared between the test and a worker. */
typedef struct steer {
	atomic_int step;     /* set by the test: what to do next */
	atomic_int acked;    /* set by the job: the last step it carried out */
	atomic_int runs;     /* times the function was called */
	atomic_int started;  /* the function has recorded what it was given */
	atomic_int freed;    /* times free_arg was called */
	atomic_int saw_cancel;
	atomic_int returned; /* the function returned */
	bool cancel_is_error; /* on cancel: return a message of its own */
	char current[64];     /* the job's own buffer for progress.current */
	vds_ctx *_Atomic ctx; /* the context the job ran with */
	char config[4096];    /* vds_ctx_config_path() of that context */
	bool has_progress_fn, has_cancel_flag;
} steer;

static void pause_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void steer_free(void *p)
{
	steer *s = p;

	atomic_fetch_add(&s->freed, 1);
}

/* Waits for the test's steps, checking the cancel flag between them. */
static int steered(vds_ctx *ctx, void *arg, const vds_opts *o, char *result, size_t len)
{
	steer *s = arg;
	int done = STEP_NONE;

	atomic_fetch_add(&s->runs, 1);
	atomic_store(&s->ctx, ctx);
	snprintf(s->config, sizeof(s->config), "%s", ctx ? vds_ctx_config_path(ctx) : "");
	s->has_progress_fn = o && o->progress;
	s->has_cancel_flag = o && o->cancel;
	atomic_store(&s->started, 1);
	for (;;) {
		if (o && o->cancel && atomic_load(o->cancel)) {
			atomic_store(&s->saw_cancel, 1);
			snprintf(result, len, "stopped after step %d", done);
			atomic_store(&s->returned, 1);
			return s->cancel_is_error ? vds_err(VDS_ECANCELED, "stopped by request")
						  : VDS_ECANCELED;
		}
		int step = atomic_load(&s->step);
		if (step != done) {
			done = step;
			if (step == STEP_PROGRESS) {
				vds_progress p = {.files_done = 2, .files_total = 5,
						  .bytes_done = 100, .bytes_total = 1000,
						  .elapsed = 0.5, .current = s->current};
				snprintf(s->current, sizeof(s->current), "train/img-001.png");
				o->progress(&p, o->progress_ud);
				/* the job reuses its buffer: the queue must have copied it */
				snprintf(s->current, sizeof(s->current), "scribbled over");
			} else if (step == STEP_FINISH) {
				snprintf(result, len, "did the work");
				atomic_store(&s->returned, 1);
				return 0;
			} else if (step == STEP_FAIL) {
				snprintf(result, len, "half done");
				atomic_store(&s->returned, 1);
				return vds_err(VDS_EIO, "cannot read 'x': disk on fire");
			}
			atomic_store(&s->acked, step);
		}
		pause_ms(1);
	}
}

/* ---- looking at the queue -------------------------------------------------- */

/* A snapshot copy of job ID's state (title etc. freed by the caller through info_free). */
static bool find_job(vds_jobs *q, unsigned id, vds_job_info *out)
{
	vds_job_info *v;
	size_t n = vds_jobs_snapshot(q, &v);
	bool found = false;

	for (size_t i = 0; i < n; i++) {
		if (v[i].id != id)
			continue;
		*out = v[i];
		v[i] = (vds_job_info){0}; /* now owned by OUT */
		found = true;
	}
	vds_jobs_snapshot_free(v, n);
	return found;
}

static void info_free(vds_job_info *j)
{
	free(j->title);
	free((char *)j->progress.current);
	free(j->result);
	free(j->error);
	memset(j, 0, sizeof(*j));
}

static vds_job_state state_of(vds_jobs *q, unsigned id)
{
	vds_job_info j;

	if (!find_job(q, id, &j))
		return (vds_job_state)-1;
	vds_job_state s = j.state;
	info_free(&j);
	return s;
}

/* Waits (in poll on the jobs' pipe, as a front end does) until job ID is in STATE. */
static bool wait_state(vds_jobs *q, unsigned id, vds_job_state state)
{
	int64_t end = now_ms() + WAIT_MS;

	while (state_of(q, id) != state) {
		struct pollfd pfd = {vds_jobs_fd(q), POLLIN, 0};
		if (now_ms() > end)
			return false;
		if (poll(&pfd, 1, 50) > 0)
			vds_jobs_drain(q);
	}
	return true;
}

/* Waits until the steered job's function has started. */
static bool wait_started(steer *s)
{
	int64_t end = now_ms() + WAIT_MS;

	while (!atomic_load(&s->started)) {
		if (now_ms() > end)
			return false;
		pause_ms(1);
	}
	return true;
}

/* Waits until the steered job has carried out STEP. */
static bool wait_ack(steer *s, int step)
{
	int64_t end = now_ms() + WAIT_MS;

	while (atomic_load(&s->acked) != step) {
		if (now_ms() > end)
			return false;
		pause_ms(1);
	}
	return true;
}

/* True if the pipe becomes readable within MS milliseconds. */
static bool readable(vds_jobs *q, int ms)
{
	struct pollfd pfd = {vds_jobs_fd(q), POLLIN, 0};

	return poll(&pfd, 1, ms) == 1 && (pfd.revents & POLLIN);
}

/* ---- the tests ------------------------------------------------------------- */

static void test_empty(void)
{
	vds_jobs *q = vds_jobs_new(config_path, 1);
	vds_job_info *v = NULL;

	ok(q != NULL, "a new queue");
	ok(vds_jobs_fd(q) >= 0, "it has a file descriptor to poll");
	is_int(vds_jobs_snapshot(q, &v), 0, "a new queue has no jobs");
	ok(v != NULL, "an empty snapshot is still an array");
	vds_jobs_snapshot_free(v, 0);
	is_int(vds_jobs_active(q), 0, "no job is active");
	is_int(vds_jobs_ended(q), 0, "no job has ended");
	ok(!readable(q, 0), "nothing to read before anything happened");
	vds_jobs_wait_idle(q);
	ok(1, "wait_idle returns at once on an idle queue");
	vds_jobs_wait_progress(q);
	ok(1, "wait_progress returns at once when no job is active");
	vds_jobs_cancel(q, 42);
	ok(1, "cancelling an unknown job does nothing");
	vds_jobs_free(q);
	vds_jobs_free(NULL);
	ok(1, "freeing an idle queue and NULL");
}

/* One worker: a running job, a queued one behind it, progress, cancel, done. */
static void test_lifecycle(void)
{
	vds_jobs *q = vds_jobs_new(config_path, 1);
	steer a = {0}, b = {0};
	char title[32] = "first job";
	vds_job_info j;

	unsigned ia = vds_jobs_submit(q, title, steered, &a, steer_free);
	snprintf(title, sizeof(title), "overwritten");
	unsigned ib = vds_jobs_submit(q, "second job", steered, &b, steer_free);
	is_int(ia, 1, "the first job gets id 1");
	is_int(ib, 2, "the second job gets id 2");
	ok(readable(q, WAIT_MS), "the pipe is readable after a submit");

	ok(wait_state(q, ia, VDS_JOB_RUNNING), "the first job goes from queued to running");
	ok(wait_started(&a) && atomic_load(&a.runs) == 1, "its function runs once");
	is_int(state_of(q, ib), VDS_JOB_QUEUED, "with one worker the second job stays queued");
	is_int(vds_jobs_active(q), 2, "two jobs are active (running and queued)");
	is_int(vds_jobs_ended(q), 0, "none has ended");

	vds_job_info *v;
	size_t n = vds_jobs_snapshot(q, &v);
	is_int(n, 2, "the snapshot has both jobs");
	ok(n == 2 && v[0].id == ia && v[1].id == ib, "oldest first");
	is_str(n ? v[0].title : NULL, "first job", "the title was copied at submit");
	ok(n == 2 && v[0].queued_us > 0 && v[0].started_us >= v[0].queued_us && v[0].ended_us == 0,
	   "the running job has queued and started times, no end time");
	ok(n == 2 && v[1].queued_us >= v[0].queued_us && v[1].started_us == 0,
	   "the queued job has not started");
	ok(n == 2 && v[1].result == NULL && v[1].error == NULL, "no result or error before the end");
	ok(n == 2 && v[0].progress.bytes_done == 0 && v[0].progress.current == NULL,
	   "no progress before the job reports any");
	vds_jobs_snapshot_free(v, n);
	ok(a.has_progress_fn && a.has_cancel_flag, "a job gets a progress callback and a cancel flag");

	/* nothing moves now: the pipe can be emptied */
	vds_jobs_drain(q);
	ok(!readable(q, 0), "drain empties the pipe");

	/* cancelling the queued job: it never starts */
	unsigned ended = vds_jobs_ended(q);
	vds_jobs_cancel(q, ib);
	ok(find_job(q, ib, &j), "the cancelled job is still listed");
	is_int(j.state, VDS_JOB_CANCELLED, "a cancelled queued job is cancelled at once");
	is_str(j.result, "cancelled before it started", "its result says it never started");
	ok(j.ended_us >= j.queued_us && j.started_us == 0, "it has an end time and no start time");
	info_free(&j);
	is_int(vds_jobs_ended(q), ended + 1, "ended grew by one");
	is_int(vds_jobs_active(q), 1, "one job is active");
	is_int(atomic_load(&b.freed), 1, "the cancelled job's argument was freed");
	ok(readable(q, WAIT_MS), "the pipe is readable after a cancel");
	vds_jobs_drain(q);

	/* progress reported by the running job shows in the snapshot, copied */
	atomic_store(&a.step, STEP_PROGRESS);
	vds_jobs_wait_progress(q);
	ok(1, "wait_progress returns once the running job reported bytes");
	ok(wait_ack(&a, STEP_PROGRESS), "the job reported progress");
	ok(readable(q, WAIT_MS), "the pipe is readable after progress");
	ok(find_job(q, ia, &j), "the running job is listed");
	is_int(j.state, VDS_JOB_RUNNING, "it is still running");
	is_int(j.progress.bytes_done, 100, "progress: bytes_done");
	is_int(j.progress.bytes_total, 1000, "progress: bytes_total");
	is_int(j.progress.files_done, 2, "progress: files_done");
	is_int(j.progress.files_total, 5, "progress: files_total");
	ok(j.progress.elapsed == 0.5, "progress: elapsed");
	is_str(j.progress.current, "train/img-001.png", "progress: current was copied");
	ok(j.progress.current != a.current, "the snapshot owns its copy of current");
	info_free(&j);

	atomic_store(&a.step, STEP_FINISH);
	ok(wait_state(q, ia, VDS_JOB_DONE), "the running job ends as done");
	vds_jobs_wait_idle(q);
	ok(1, "wait_idle returns when nothing is left");
	ok(find_job(q, ia, &j), "the finished job is listed");
	is_str(j.result, "did the work", "its result was copied");
	ok(j.error == NULL, "a job that succeeded has no error");
	ok(j.started_us >= j.queued_us && j.ended_us >= j.started_us, "queued <= started <= ended");
	info_free(&j);
	is_int(vds_jobs_ended(q), ended + 2, "ended grew by one more");
	is_int(vds_jobs_active(q), 0, "no job is active");
	is_int(atomic_load(&a.freed), 1, "the finished job's argument was freed once");
	is_int(atomic_load(&b.runs), 0, "the cancelled queued job never ran");

	/* cancelling a job that has ended changes nothing */
	vds_jobs_cancel(q, ia);
	is_int(state_of(q, ia), VDS_JOB_DONE, "cancelling a finished job leaves it done");
	is_int(vds_jobs_ended(q), ended + 2, "and does not count it again");
	vds_jobs_free(q);
	is_int(atomic_load(&a.freed) + atomic_load(&b.freed), 2, "no argument was freed twice");
}

static void test_failed(void)
{
	vds_jobs *q = vds_jobs_new(config_path, 1);
	steer s = {0};
	vds_job_info j;

	unsigned id = vds_jobs_submit(q, "failing job", steered, &s, steer_free);
	ok(wait_started(&s), "the failing job started");
	atomic_store(&s.step, STEP_FAIL);
	ok(wait_state(q, id, VDS_JOB_FAILED), "a job returning an error ends as failed");
	ok(find_job(q, id, &j), "the failed job is listed");
	is_str(j.error, "cannot read 'x': disk on fire", "its error message was copied");
	is_str(j.result, "half done", "what it wrote as result was kept");
	ok(j.ended_us >= j.started_us && j.started_us > 0, "it has start and end times");
	info_free(&j);
	is_int(vds_jobs_ended(q), 1, "ended counts a failure");
	is_int(vds_jobs_active(q), 0, "a failed job is not active");
	is_int(atomic_load(&s.freed), 1, "its argument was freed");
	vds_jobs_free(q);
}

static void test_cancel_running(void)
{
	vds_jobs *q = vds_jobs_new(config_path, 1);
	steer s = {0}, t = {.cancel_is_error = true};
	vds_job_info j;

	unsigned id = vds_jobs_submit(q, "long job", steered, &s, steer_free);
	ok(wait_state(q, id, VDS_JOB_RUNNING) && wait_started(&s), "the long job is running");
	vds_jobs_drain(q);
	vds_jobs_cancel(q, id);
	ok(readable(q, WAIT_MS), "the pipe is readable after cancelling a running job");
	ok(wait_state(q, id, VDS_JOB_CANCELLED),
	   "a running job whose function returns VDS_ECANCELED ends as cancelled");
	is_int(atomic_load(&s.saw_cancel), 1, "the job saw its cancel flag set");
	ok(find_job(q, id, &j), "the cancelled job is listed");
	is_str(j.result, "stopped after step 0", "its result was copied");
	ok(j.error != NULL, "a cancelled job carries the cancel message");
	ok(j.started_us > 0, "it had started");
	info_free(&j);
	is_int(vds_jobs_ended(q), 1, "ended counts a cancelled job");

	id = vds_jobs_submit(q, "long job with a message", steered, &t, steer_free);
	ok(wait_state(q, id, VDS_JOB_RUNNING) && wait_started(&t), "another long job runs");
	vds_jobs_cancel(q, id);
	ok(wait_state(q, id, VDS_JOB_CANCELLED), "it is cancelled too");
	ok(find_job(q, id, &j), "it is listed");
	is_str(j.error, "stopped by request", "the message of a cancelled job is its own");
	info_free(&j);
	is_int(vds_jobs_ended(q), 2, "ended is 2");
	is_int(vds_jobs_active(q), 0, "nothing is active");
	vds_jobs_free(q);
	is_int(atomic_load(&s.freed) + atomic_load(&t.freed), 2, "both arguments were freed once");
}

/* A job that reports progress on its own after a while: wait_progress must wait for it. */
static int late_progress(vds_ctx *ctx, void *arg, const vds_opts *o, char *result, size_t len)
{
	atomic_int *reported = arg;
	(void)ctx;

	pause_ms(50);
	vds_progress p = {.files_total = 1, .bytes_done = 4096, .bytes_total = 8192,
			  .elapsed = 0.05, .current = "big.bin"};
	atomic_store(reported, 1);
	o->progress(&p, o->progress_ud);
	while (!atomic_load(o->cancel))
		pause_ms(1);
	snprintf(result, len, "stopped");
	return VDS_ECANCELED;
}

static void test_wait_progress(void)
{
	vds_jobs *q = vds_jobs_new(config_path, 1);
	atomic_int reported = 0;
	vds_job_info j;

	unsigned id = vds_jobs_submit(q, "slow start", late_progress, &reported, NULL);
	vds_jobs_wait_progress(q);
	is_int(atomic_load(&reported), 1, "wait_progress waited until the job reported bytes");
	ok(find_job(q, id, &j), "the job is listed");
	is_int(j.state, VDS_JOB_RUNNING, "it is running");
	is_int(j.progress.bytes_done, 4096, "its bytes_done shows");
	is_str(j.progress.current, "big.bin", "its current file shows");
	info_free(&j);
	vds_jobs_wait_progress(q);
	ok(1, "wait_progress returns at once while a running job has done bytes");
	vds_jobs_cancel(q, id);
	vds_jobs_wait_idle(q);
	is_int(state_of(q, id), VDS_JOB_CANCELLED, "wait_idle returned after the job was cancelled");
	vds_jobs_free(q);
}

/* ---- contexts ------------------------------------------------------------------ */

typedef struct pair {
	steer s[2];
} pair;

static int create_dataset(vds_ctx *ctx, void *arg, const vds_opts *o, char *result, size_t len)
{
	vds_dataset d;
	(void)o;
	int r = vds_dataset_create(ctx, arg, "made by a job", NULL, &d);

	if (r == 0) {
		snprintf(result, len, "created %s", d.id);
		vds_dataset_release(&d);
	}
	return r;
}

static void test_contexts(vds_ctx *main_ctx)
{
	vds_jobs *q = vds_jobs_new(config_path, 2);
	pair p = {0};
	vds_job_info j;

	unsigned a = vds_jobs_submit(q, "one", steered, &p.s[0], NULL);
	unsigned b = vds_jobs_submit(q, "two", steered, &p.s[1], NULL);
	ok(wait_state(q, a, VDS_JOB_RUNNING) && wait_state(q, b, VDS_JOB_RUNNING),
	   "two workers run two jobs at once");
	ok(wait_started(&p.s[0]) && wait_started(&p.s[1]), "both functions run");
	ok(p.s[0].ctx && p.s[1].ctx, "each job gets a context");
	ok(p.s[0].ctx != p.s[1].ctx, "jobs running together have contexts of their own");
	ok(p.s[0].ctx != main_ctx && p.s[1].ctx != main_ctx, "neither is the caller's context");
	is_str(p.s[0].config, config_path, "a job's context is opened from the queue's config path");
	is_str(p.s[1].config, config_path, "so is the other's");
	is_int(vds_jobs_active(q), 2, "two jobs are active");
	atomic_store(&p.s[0].step, STEP_FINISH);
	atomic_store(&p.s[1].step, STEP_FINISH);
	vds_jobs_wait_idle(q);
	is_int(vds_jobs_ended(q), 2, "both ended");

	/* a job's changes land in the store the caller sees */
	char name[] = "from-a-job";
	unsigned c = vds_jobs_submit(q, "create dataset", create_dataset, name, NULL);
	vds_jobs_wait_idle(q);
	ok(find_job(q, c, &j), "the create job is listed");
	is_int(j.state, VDS_JOB_DONE, "the create job is done");
	vds_dataset d;
	int r = vds_dataset_get(main_ctx, "from-a-job", &d);
	is_int(r, 0, "the caller's context sees the dataset the job created");
	if (r == 0) {
		char want[64];
		snprintf(want, sizeof(want), "created %s", d.id);
		is_str(j.result, want, "the job's result names it");
		is_str(d.description, "made by a job", "with the description the job gave");
		vds_dataset_release(&d);
	}
	info_free(&j);
	vds_jobs_free(q);

	/* a context that cannot be opened fails the job before its function runs */
	char bad[4200];
	snprintf(bad, sizeof(bad), "%s.bad", config_path);
	FILE *f = fopen(bad, "w");
	ok(f != NULL, "a corrupt configuration file");
	if (f) {
		fputs("garbage{\n", f);
		fclose(f);
	}
	steer s = {0};
	q = vds_jobs_new(bad, 1);
	unsigned id = vds_jobs_submit(q, "doomed", steered, &s, steer_free);
	ok(wait_state(q, id, VDS_JOB_FAILED), "a job whose context cannot be opened fails");
	ok(find_job(q, id, &j), "it is listed");
	ok(j.error && *j.error, "with the error of opening the context (%s)", j.error ? j.error : "");
	info_free(&j);
	is_int(atomic_load(&s.runs), 0, "its function never ran");
	is_int(atomic_load(&s.freed), 1, "its argument was freed");
	vds_jobs_free(q);
}

/* ---- freeing a busy queue ------------------------------------------------------ */

static void test_free_busy(void)
{
	vds_jobs *q = vds_jobs_new(config_path, 1);
	steer run = {0}, queued = {0};

	unsigned id = vds_jobs_submit(q, "running at exit", steered, &run, steer_free);
	vds_jobs_submit(q, "queued at exit", steered, &queued, steer_free);
	ok(wait_state(q, id, VDS_JOB_RUNNING) && wait_started(&run), "a job is running");
	vds_jobs_free(q);
	ok(1, "vds_jobs_free returns with a job running and one queued");
	is_int(atomic_load(&run.saw_cancel), 1, "the running job was cancelled");
	is_int(atomic_load(&run.returned), 1, "and had returned when free did (joined)");
	is_int(atomic_load(&run.freed), 1, "the running job's argument was freed once");
	is_int(atomic_load(&queued.runs), 0, "the queued job never ran");
	is_int(atomic_load(&queued.freed), 1, "the queued job's argument was freed once");
}

/* ---- set-up -------------------------------------------------------------------- */

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int main(void)
{
	const char *base = getenv("VDS_TEST_TMP");
	char dir[4096];
	vds_ctx *ctx = NULL;

	if (!base || !*base)
		base = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/test_jobs.XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(dir)) {
		printf("Bail out! cannot create a temporary folder under %s\n", base ? base : "/tmp");
		return 1;
	}
	setenv("VDS_HOME", dir, 1);
	unsetenv("XDG_CONFIG_HOME");
	int r = vds_ctx_open(&ctx, NULL);
	is_int(r, 0, "a context in a fresh VDS_HOME");
	if (r == 0) {
		snprintf(config_path, sizeof(config_path), "%s", vds_ctx_config_path(ctx));
		char want[4200];
		snprintf(want, sizeof(want), "%s/config.json", dir);
		is_str(config_path, want, "its configuration is in VDS_HOME");

		test_empty();
		test_lifecycle();
		test_failed();
		test_cancel_running();
		test_wait_progress();
		test_contexts(ctx);
		test_free_busy();
		vds_ctx_free(ctx);
	}
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return done();
}
