/*
 * loads.c - the front end's reads, run by reader threads (jobs.c's sibling
 * for what only reads). Each reader keeps a context of its own, opened on
 * its first load; a load is a closure (function, argument, cancel flag).
 * Finished loads wait in a locked list until the front end takes them, and
 * a byte on a non-blocking pipe wakes its poll() (redis bio.c's way).
 * Foreground loads run before background ones (read-ahead).
 */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

typedef struct load {
	unsigned id;
	vds_load_fn fn;
	void *arg;
	void (*free_arg)(void *);
	bool background;
	bool part; /* posted by vds_loads_post(): the load goes on */
	int status;
	char *error, *warning;
	atomic_int cancel;
	struct load *next;
} load;

struct vds_loads {
	char *config_path;
	pthread_mutex_t lock;
	pthread_cond_t work, changed;
	load *queued, *done, **done_tail; /* waiting to run; finished, oldest first */
	size_t running;
	load **active; /* what each reader runs, for cancelling */
	unsigned next_id;
	bool stopping;
	wake_pipe wake; /* tells the front end something changed */
	pthread_t *threads;
	int nthreads;
	int delay_ms;   /* VDS_TEST_LOAD_DELAY_MS: a slow store for the tests */
	char *log_path; /* VDS_TEST_LOAD_LOG: a line for each load that ends, for the tests */
};

static _Thread_local load *current; /* the load this reader runs */
static _Thread_local vds_loads *current_pool; /* and its pool */

atomic_int *loads_cancel_flag(void)
{
	return current ? &current->cancel : NULL;
}

typedef struct reader {
	vds_loads *q;
	int index;
	char *warning; /* the last warning of the load it runs */
} reader;

static void notify(vds_loads *q)
{
	wake_poke(&q->wake);
	pthread_cond_broadcast(&q->changed);
}

static void on_warn(const char *msg, void *ud)
{
	reader *rd = ud;

	free(rd->warning);
	rd->warning = xstrdup(msg);
}

/* Notes how load L ended in the test log, if there is one (lock held). */
static void log_end(vds_loads *q, load *l, bool ran)
{
	FILE *f = q->log_path ? fopen(q->log_path, "a") : NULL;

	if (!f)
		return;
	fprintf(f, "load %u %s\n", l->id,
		!atomic_load(&l->cancel) && l->status != VDS_ECANCELED ? "ran"
		: ran ? "cancelled while it ran"
		      : "cancelled before it ran");
	fclose(f);
}

/* Moves L to the finished list (lock held). */
static void finish(vds_loads *q, load *l)
{
	l->next = NULL;
	*q->done_tail = l;
	q->done_tail = &l->next;
	notify(q);
}

/* Sleeps the test delay in steps, ending early when L is cancelled. */
static void test_delay(vds_loads *q, load *l)
{
	for (int left = q->delay_ms; left > 0 && !atomic_load(&l->cancel); left -= 10)
		nanosleep(&(struct timespec){0, 10 * 1000000L}, NULL);
}

static void *run_reader(void *arg)
{
	reader *rd = arg;
	vds_loads *q = rd->q;
	vds_ctx *ctx = NULL;

	pthread_mutex_lock(&q->lock);
	for (;;) {
		while (!q->stopping && !q->queued)
			pthread_cond_wait(&q->work, &q->lock);
		if (q->stopping)
			break;
		load *l = q->queued;
		q->queued = l->next;
		q->active[rd->index] = l;
		q->running++;
		pthread_mutex_unlock(&q->lock);

		int r = 0;
		if (!ctx && (r = vds_ctx_open(&ctx, q->config_path)) == 0)
			vds_ctx_set_warn(ctx, on_warn, rd);
		else if (r < 0) /* opened again by the next load */
			ctx = NULL;
		if (r == 0)
			test_delay(q, l);
		bool ran = false;
		if (r == 0 && atomic_load(&l->cancel))
			r = vds_err(VDS_ECANCELED, "cancelled before it started");
		if (r == 0) {
			vds_opts o = {.cancel = &l->cancel};
			current = l; /* S3 requests see its cancel flag (s3_client.c) */
			current_pool = q;
			r = l->fn(ctx, l->arg, &o);
			current = NULL;
			current_pool = NULL;
			ran = true;
		}
		l->status = r;
		l->error = r < 0 ? xstrdup(vds_errmsg()) : NULL;
		l->warning = rd->warning;
		rd->warning = NULL;

		pthread_mutex_lock(&q->lock);
		q->active[rd->index] = NULL;
		q->running--;
		log_end(q, l, ran);
		finish(q, l);
	}
	pthread_mutex_unlock(&q->lock);
	vds_ctx_free(ctx);
	free(rd->warning);
	free(rd);
	return NULL;
}

vds_loads *vds_loads_new(const char *config_path, int readers)
{
	vds_loads *q = xcalloc(1, sizeof(*q));
	const char *delay = getenv("VDS_TEST_LOAD_DELAY_MS"), *log = getenv("VDS_TEST_LOAD_LOG");
	sigset_t all, old;

	q->config_path = xstrdup(config_path);
	q->delay_ms = delay ? atoi(delay) : 0;
	q->log_path = log && *log ? xstrdup(log) : NULL;
	q->done_tail = &q->done;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->work, NULL);
	pthread_cond_init(&q->changed, NULL);
	wake_open(&q->wake);
	q->nthreads = readers < 1 ? 1 : readers;
	q->threads = xcalloc((size_t)q->nthreads, sizeof(*q->threads));
	q->active = xcalloc((size_t)q->nthreads, sizeof(*q->active));
	sigfillset(&all); /* signals stay with the front end's thread */
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (int i = 0; i < q->nthreads; i++) {
		reader *rd = xcalloc(1, sizeof(*rd));
		rd->q = q;
		rd->index = i;
		pthread_create(&q->threads[i], NULL, run_reader, rd);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return q;
}

static void free_list(load *l)
{
	while (l) {
		load *next = l->next;
		if (l->free_arg)
			l->free_arg(l->arg);
		free(l->error);
		free(l->warning);
		free(l);
		l = next;
	}
}

void vds_loads_free(vds_loads *q)
{
	if (!q)
		return;
	pthread_mutex_lock(&q->lock);
	q->stopping = true;
	for (int i = 0; i < q->nthreads; i++)
		if (q->active[i])
			atomic_store(&q->active[i]->cancel, 1);
	pthread_cond_broadcast(&q->work);
	pthread_mutex_unlock(&q->lock);
	for (int i = 0; i < q->nthreads; i++)
		pthread_join(q->threads[i], NULL);
	free_list(q->queued);
	free_list(q->done);
	free(q->threads);
	free(q->active);
	wake_close(&q->wake);
	pthread_cond_destroy(&q->work);
	pthread_cond_destroy(&q->changed);
	pthread_mutex_destroy(&q->lock);
	free(q->config_path);
	free(q->log_path);
	free(q);
}

int vds_loads_fd(const vds_loads *q)
{
	return q->wake.rd;
}

unsigned vds_loads_submit(vds_loads *q, vds_load_fn fn, void *arg, void (*free_arg)(void *),
			  bool background)
{
	load *l = xcalloc(1, sizeof(*l));

	l->fn = fn;
	l->arg = arg;
	l->free_arg = free_arg;
	l->background = background;
	pthread_mutex_lock(&q->lock);
	l->id = ++q->next_id;
	load **p = &q->queued; /* after the loads of its class, before any background one */
	while (*p && (background || !(*p)->background))
		p = &(*p)->next;
	l->next = *p;
	*p = l;
	pthread_cond_signal(&q->work);
	pthread_mutex_unlock(&q->lock);
	return l->id;
}

bool vds_loads_post(void *arg, void (*free_arg)(void *))
{
	load *l = current, *p;
	vds_loads *q = current_pool;

	if (!l || atomic_load(&l->cancel)) {
		if (free_arg)
			free_arg(arg);
		return false;
	}
	p = xcalloc(1, sizeof(*p));
	p->id = l->id;
	p->arg = arg;
	p->free_arg = free_arg;
	p->part = true;
	pthread_mutex_lock(&q->lock);
	finish(q, p);
	pthread_mutex_unlock(&q->lock);
	return true;
}

void vds_loads_cancel(vds_loads *q, unsigned id)
{
	pthread_mutex_lock(&q->lock);
	for (load **p = &q->queued; *p; p = &(*p)->next)
		if ((*p)->id == id) { /* never starts */
			load *l = *p;
			*p = l->next;
			l->status = VDS_ECANCELED;
			l->error = xstrdup("cancelled before it started");
			log_end(q, l, false);
			finish(q, l);
			break;
		}
	for (int i = 0; i < q->nthreads; i++)
		if (q->active[i] && q->active[i]->id == id)
			atomic_store(&q->active[i]->cancel, 1);
	pthread_mutex_unlock(&q->lock);
}

bool vds_loads_take(vds_loads *q, vds_load_done *d)
{
	wake_drain(&q->wake);
	pthread_mutex_lock(&q->lock);
	load *l = q->done;
	if (l) {
		q->done = l->next;
		if (!q->done)
			q->done_tail = &q->done;
	}
	pthread_mutex_unlock(&q->lock);
	if (!l)
		return false;
	*d = (vds_load_done){l->id, l->arg, l->status, l->error, l->warning, l->part};
	free(l);
	return true;
}

void vds_load_done_release(vds_load_done *d)
{
	free(d->error);
	free(d->warning);
	d->error = d->warning = NULL;
}

size_t vds_loads_pending(vds_loads *q)
{
	size_t n = 0;

	pthread_mutex_lock(&q->lock);
	for (load *l = q->queued; l; l = l->next)
		n++;
	for (load *l = q->done; l; l = l->next)
		n++;
	n += q->running;
	pthread_mutex_unlock(&q->lock);
	return n;
}

void vds_loads_wait(vds_loads *q)
{
	pthread_mutex_lock(&q->lock);
	while (!q->done && (q->queued || q->running))
		pthread_cond_wait(&q->changed, &q->lock);
	pthread_mutex_unlock(&q->lock);
}
