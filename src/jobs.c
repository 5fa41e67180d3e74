/*
 * jobs.c - background jobs: a queue served by worker threads. Workers
 * publish state and progress under one lock and wake the front end with a
 * byte on a non-blocking pipe (redis bio.c's way); cancellation travels
 * back through each job's flag, which the core's long operations check.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

typedef struct job {
	unsigned id;
	char *title;
	vds_job_fn fn;
	void *arg;
	void (*free_arg)(void *);
	vds_job_state state;
	vds_progress progress;
	char *current; /* copy of progress.current */
	char *result, *error;
	int64_t queued_us, started_us, ended_us;
	atomic_int cancel;
	struct vds_jobs *q;
} job;

struct vds_jobs {
	char *config_path;
	pthread_mutex_t lock;
	pthread_cond_t work, changed;
	job **v;
	size_t n, cap;
	unsigned next_id, ended;
	bool stopping;
	wake_pipe wake; /* tells the front end something changed */
	pthread_t *threads;
	int nthreads;
};

/* Wakes the front end; a full pipe already means "something changed". */
static void notify(vds_jobs *q)
{
	wake_poke(&q->wake);
	pthread_cond_broadcast(&q->changed);
}

static void on_progress(const vds_progress *p, void *ud)
{
	job *j = ud;

	pthread_mutex_lock(&j->q->lock);
	j->progress = *p;
	if (!j->current || !p->current || strcmp(j->current, p->current)) {
		free(j->current);
		j->current = xstrdup(p->current);
	}
	j->progress.current = j->current;
	notify(j->q);
	pthread_mutex_unlock(&j->q->lock);
}

/* Ends job J in STATE (lock held), taking ERR; frees its argument. */
static void finish(job *j, vds_job_state state, const char *result, char *err)
{
	j->state = state;
	j->result = xstrdup(result);
	j->error = err;
	j->ended_us = vds_now_us();
	j->q->ended++;
	if (j->free_arg)
		j->free_arg(j->arg);
	j->arg = NULL;
	notify(j->q);
}

static job *next_job(vds_jobs *q)
{
	for (size_t i = 0; i < q->n; i++)
		if (q->v[i]->state == VDS_JOB_QUEUED)
			return q->v[i];
	return NULL;
}

static void *worker(void *arg)
{
	vds_jobs *q = arg;

	pthread_mutex_lock(&q->lock);
	for (;;) {
		job *j;
		while (!q->stopping && !(j = next_job(q)))
			pthread_cond_wait(&q->work, &q->lock);
		if (q->stopping)
			break;
		j->state = VDS_JOB_RUNNING;
		j->started_us = vds_now_us();
		notify(q);
		pthread_mutex_unlock(&q->lock);

		char result[1024] = "";
		vds_ctx *ctx = NULL;
		vds_opts o = {.progress = on_progress, .progress_ud = j, .cancel = &j->cancel};
		int r = vds_ctx_open(&ctx, q->config_path);
		if (r == 0 && atomic_load(&j->cancel))
			r = vds_err(VDS_ECANCELED, "cancelled before it started");
		if (r == 0)
			r = j->fn(ctx, j->arg, &o, result, sizeof(result));
		char *err = r < 0 ? xstrdup(vds_errmsg()) : NULL;
		vds_ctx_free(ctx);

		pthread_mutex_lock(&q->lock);
		finish(j, r == 0 ? VDS_JOB_DONE : r == VDS_ECANCELED ? VDS_JOB_CANCELLED : VDS_JOB_FAILED,
		       result, err);
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

vds_jobs *vds_jobs_new(const char *config_path, int workers)
{
	vds_jobs *q = xcalloc(1, sizeof(*q));
	sigset_t all, old;

	q->config_path = xstrdup(config_path);
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->work, NULL);
	pthread_cond_init(&q->changed, NULL);
	wake_open(&q->wake);
	q->nthreads = workers < 1 ? 1 : workers;
	q->threads = xcalloc((size_t)q->nthreads, sizeof(*q->threads));
	/* workers leave signals (SIGWINCH, SIGINT) to the front end's thread */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (int i = 0; i < q->nthreads; i++)
		pthread_create(&q->threads[i], NULL, worker, q);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return q;
}

void vds_jobs_free(vds_jobs *q)
{
	if (!q)
		return;
	pthread_mutex_lock(&q->lock);
	for (size_t i = 0; i < q->n; i++)
		atomic_store(&q->v[i]->cancel, 1);
	q->stopping = true;
	pthread_cond_broadcast(&q->work);
	pthread_mutex_unlock(&q->lock);
	for (int i = 0; i < q->nthreads; i++)
		pthread_join(q->threads[i], NULL);
	for (size_t i = 0; i < q->n; i++) {
		job *j = q->v[i];
		if (j->free_arg && j->arg)
			j->free_arg(j->arg);
		free(j->title);
		free(j->current);
		free(j->result);
		free(j->error);
		free(j);
	}
	free(q->v);
	free(q->threads);
	wake_close(&q->wake);
	pthread_cond_destroy(&q->work);
	pthread_cond_destroy(&q->changed);
	pthread_mutex_destroy(&q->lock);
	free(q->config_path);
	free(q);
}

int vds_jobs_fd(const vds_jobs *q)
{
	return q->wake.rd;
}

void vds_jobs_drain(vds_jobs *q)
{
	wake_drain(&q->wake);
}

unsigned vds_jobs_submit(vds_jobs *q, const char *title, vds_job_fn fn, void *arg,
			 void (*free_arg)(void *))
{
	job *j = xcalloc(1, sizeof(*j));

	j->title = xstrdup(title);
	j->fn = fn;
	j->arg = arg;
	j->free_arg = free_arg;
	j->q = q;
	j->queued_us = vds_now_us();
	pthread_mutex_lock(&q->lock);
	j->id = ++q->next_id;
	if (q->n == q->cap) {
		q->cap = q->cap ? q->cap * 2 : 16;
		q->v = xrealloc(q->v, q->cap * sizeof(*q->v));
	}
	q->v[q->n++] = j;
	pthread_cond_signal(&q->work);
	notify(q);
	pthread_mutex_unlock(&q->lock);
	return j->id;
}

void vds_jobs_cancel(vds_jobs *q, unsigned id)
{
	pthread_mutex_lock(&q->lock);
	for (size_t i = 0; i < q->n; i++) {
		job *j = q->v[i];
		if (j->id != id)
			continue;
		atomic_store(&j->cancel, 1);
		if (j->state == VDS_JOB_QUEUED) /* never starts */
			finish(j, VDS_JOB_CANCELLED, "cancelled before it started", NULL);
		else
			notify(q);
	}
	pthread_mutex_unlock(&q->lock);
}

size_t vds_jobs_snapshot(vds_jobs *q, vds_job_info **out)
{
	pthread_mutex_lock(&q->lock);
	vds_job_info *v = xcalloc(q->n + 1, sizeof(*v));
	for (size_t i = 0; i < q->n; i++) {
		job *j = q->v[i];
		v[i] = (vds_job_info){j->id, xstrdup(j->title), j->state, j->progress,
				      xstrdup(j->result), xstrdup(j->error), j->queued_us,
				      j->started_us, j->ended_us};
		v[i].progress.current = xstrdup(j->current);
	}
	size_t n = q->n;
	pthread_mutex_unlock(&q->lock);
	*out = v;
	return n;
}

void vds_jobs_snapshot_free(vds_job_info *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].title);
		free((char *)v[i].progress.current);
		free(v[i].result);
		free(v[i].error);
	}
	free(v);
}

static size_t active_locked(vds_jobs *q)
{
	size_t n = 0;

	for (size_t i = 0; i < q->n; i++)
		n += q->v[i]->state == VDS_JOB_QUEUED || q->v[i]->state == VDS_JOB_RUNNING;
	return n;
}

size_t vds_jobs_active(vds_jobs *q)
{
	pthread_mutex_lock(&q->lock);
	size_t n = active_locked(q);
	pthread_mutex_unlock(&q->lock);
	return n;
}

unsigned vds_jobs_ended(vds_jobs *q)
{
	pthread_mutex_lock(&q->lock);
	unsigned n = q->ended;
	pthread_mutex_unlock(&q->lock);
	return n;
}

void vds_jobs_wait_idle(vds_jobs *q)
{
	pthread_mutex_lock(&q->lock);
	while (active_locked(q))
		pthread_cond_wait(&q->changed, &q->lock);
	pthread_mutex_unlock(&q->lock);
}

void vds_jobs_wait_progress(vds_jobs *q)
{
	pthread_mutex_lock(&q->lock);
	for (;;) {
		bool moving = false;
		for (size_t i = 0; i < q->n; i++)
			moving |= q->v[i]->state == VDS_JOB_RUNNING && q->v[i]->progress.bytes_done > 0;
		if (moving || !active_locked(q))
			break;
		pthread_cond_wait(&q->changed, &q->lock);
	}
	pthread_mutex_unlock(&q->lock);
}
