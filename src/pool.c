/* pool.c - worker threads over a list of items, with progress on the caller's thread. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pool.h"
#include "retry.h"

#define TICK_NS 100000000L /* progress every 0.1 s */

bool pool_stopping(pool *p)
{
	if (atomic_load(&p->stop))
		return true;
	if (p->opts && p->opts->cancel && atomic_load(p->opts->cancel)) {
		atomic_store(&p->stop, 1);
		return true;
	}
	return false;
}

void pool_set_current(pool *p, const char *path)
{
	pthread_mutex_lock(&p->lock);
	p->current = path;
	pthread_mutex_unlock(&p->lock);
}

void pool_warn(pool *p, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&p->lock);
	if (p->opts && p->opts->warn)
		p->opts->warn(msg, p->opts->warn_ud);
	pthread_mutex_unlock(&p->lock);
}

static void *worker(void *arg)
{
	pool *p = arg;

	retry_set_key(&p->bytes_done); /* requests of this thread note their retries here */
	for (;;) {
		if (pool_stopping(p))
			break;
		size_t i = atomic_fetch_add(&p->next, 1);
		if (i >= p->nitems)
			break;
		int r = p->work(p, i);
		if (r < 0) {
			pthread_mutex_lock(&p->lock);
			if (p->status == 0) {
				p->status = r;
				snprintf(p->errmsg, sizeof(p->errmsg), "%s", vds_errmsg());
			}
			pthread_mutex_unlock(&p->lock);
			atomic_store(&p->stop, 1);
			break;
		}
	}
	return NULL;
}

static double since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void report(pool *p, const struct timespec *t0, bool done)
{
	vds_progress pr;

	if (!p->opts || !p->opts->progress)
		return;
	pthread_mutex_lock(&p->lock);
	pr = (vds_progress){
		.files_done = atomic_load(&p->files_done),
		.files_total = p->files_total,
		.bytes_done = atomic_load(&p->bytes_done),
		.bytes_total = p->bytes_total,
		.elapsed = since(t0),
		.current = p->current,
		.done = done,
	};
	/* a transfer counting into this pool that waits to retry says so */
	(void)retry_get(&p->bytes_done, &pr.retry_attempt, &pr.retry_attempts, &pr.retry_in);
	p->opts->progress(&pr, p->opts->progress_ud);
	pthread_mutex_unlock(&p->lock);
}

typedef struct waiter {
	pthread_mutex_t m;
	pthread_cond_t c;
	int running;
} waiter;

typedef struct wrap {
	pool *p;
	waiter *w;
} wrap;

static void *worker_wrap(void *arg)
{
	wrap *w = arg;

	worker(w->p);
	pthread_mutex_lock(&w->w->m);
	w->w->running--;
	pthread_cond_signal(&w->w->c);
	pthread_mutex_unlock(&w->w->m);
	return NULL;
}

int pool_run(pool *p, int threads)
{
	struct timespec t0;
	waiter w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
	pthread_t tid[64];
	wrap wr = {p, &w};
	sigset_t all, old;
	int n;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_mutex_init(&p->lock, NULL);
	if (threads <= 0)
		threads = vds_ncpu() < 2 ? 2 : vds_ncpu();
	if (threads > 64)
		threads = 64;
	if ((size_t)threads > p->nitems)
		threads = p->nitems ? (int)p->nitems : 1;
	/* workers leave signals (SIGWINCH, SIGINT) to the calling thread */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (n = 0; n < threads; n++) {
		pthread_mutex_lock(&w.m);
		w.running++;
		pthread_mutex_unlock(&w.m);
		if (pthread_create(&tid[n], NULL, worker_wrap, &wr) != 0) {
			pthread_mutex_lock(&w.m);
			w.running--;
			pthread_mutex_unlock(&w.m);
			break;
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (n == 0)
		worker(p);
	pthread_mutex_lock(&w.m);
	while (w.running > 0) {
		struct timespec dl;

		clock_gettime(CLOCK_REALTIME, &dl);
		dl.tv_nsec += TICK_NS;
		if (dl.tv_nsec >= 1000000000L) {
			dl.tv_sec++;
			dl.tv_nsec -= 1000000000L;
		}
		if (pthread_cond_timedwait(&w.c, &w.m, &dl) == ETIMEDOUT) {
			pthread_mutex_unlock(&w.m);
			pool_stopping(p);
			report(p, &t0, false);
			pthread_mutex_lock(&w.m);
		}
	}
	pthread_mutex_unlock(&w.m);
	for (int i = 0; i < n; i++)
		pthread_join(tid[i], NULL);
	p->current = NULL;
	report(p, &t0, true);
	pthread_mutex_destroy(&p->lock);
	if (p->status < 0)
		return vds_err(p->status, "%s", p->errmsg);
	if (p->opts && p->opts->cancel && atomic_load(p->opts->cancel))
		return vds_err(VDS_ECANCELED, "cancelled");
	return 0;
}
