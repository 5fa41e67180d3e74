/*
 * retry.c - which transfers wait to retry, for progress reports: a request
 * that backs off notes it under the byte counter it adds to (a pool's),
 * and the pool's progress report looks its counter up, so a download or
 * upload that waits says "retrying in 2 s, attempt 3 of 8" instead of
 * standing still. A few slots under a lock; a full table just says less.
 */
#include "config.h"

#include <pthread.h>
#include <string.h>

#include "retry.h"
#include "util.h"

#define SLOTS 64

static struct {
	const void *key;
	int attempt, max;
	int64_t at_us;
} slot[SLOTS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local const void *thread_key;

void retry_set_key(const void *key)
{
	thread_key = key;
}

const void *retry_key(void)
{
	return thread_key;
}

void retry_note(const void *key, int attempt, int max, int64_t at_us)
{
	int free_at = -1;

	if (!key)
		return;
	pthread_mutex_lock(&lock);
	for (int i = 0; i < SLOTS; i++) {
		if (slot[i].key == key) {
			free_at = i;
			break;
		}
		if (!slot[i].key && free_at < 0)
			free_at = i;
	}
	if (free_at >= 0) {
		slot[free_at].key = key;
		slot[free_at].attempt = attempt;
		slot[free_at].max = max;
		slot[free_at].at_us = at_us;
	}
	pthread_mutex_unlock(&lock);
}

void retry_clear(const void *key)
{
	if (!key)
		return;
	pthread_mutex_lock(&lock);
	for (int i = 0; i < SLOTS; i++)
		if (slot[i].key == key)
			memset(&slot[i], 0, sizeof(slot[i]));
	pthread_mutex_unlock(&lock);
}

bool retry_get(const void *key, int *attempt, int *max, double *in)
{
	bool found = false;

	pthread_mutex_lock(&lock);
	for (int i = 0; key && i < SLOTS && !found; i++)
		if (slot[i].key == key) {
			int64_t left = slot[i].at_us - vds_now_us();
			*attempt = slot[i].attempt;
			*max = slot[i].max;
			*in = left > 0 ? (double)left / 1e6 : 0;
			found = true;
		}
	pthread_mutex_unlock(&lock);
	return found;
}
