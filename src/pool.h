/*
 * pool.h - runs a per-item function over N items on worker threads while
 * the calling thread reports progress and watches for cancellation.
 * Internal to src/.
 */
#ifndef VDS_POOL_H
#define VDS_POOL_H

#include <pthread.h>
#include <stdatomic.h>

#include "util.h"

typedef struct pool pool;
/* Works on item I; returns a status (the first failure stops the pool). */
typedef int (*pool_fn)(pool *p, size_t i);

struct pool {
	size_t nitems;
	pool_fn work;
	void *ud;
	const vds_opts *opts;
	uint64_t files_total;
	_Atomic uint64_t bytes_total; /* may grow as downloads learn their sizes */
	_Atomic uint64_t files_done, bytes_done;
	atomic_size_t next;
	atomic_int stop;
	pthread_mutex_t lock; /* guards current, status, errmsg and warnings */
	const char *current;
	int status;
	char errmsg[1024];
};

/* Runs P->work over every item with THREADS workers (0: default). */
int pool_run(pool *p, int threads);
/* Sets the path shown as being worked on. */
void pool_set_current(pool *p, const char *path);
/* Reports a warning through the options' callback, serialised. */
void pool_warn(pool *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* True once the pool should stop (failure elsewhere or cancel). */
bool pool_stopping(pool *p);

#endif
