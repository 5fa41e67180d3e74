/* retry.h - transfers that wait to retry, noted for progress reports (internal to src/). */
#ifndef VDS_RETRY_H
#define VDS_RETRY_H

#include <stdbool.h>
#include <stdint.h>

/* Notes that the transfer counting into KEY makes ATTEMPT of MAX at AT_US (vds_now_us()). */
void retry_note(const void *key, int attempt, int max, int64_t at_us);
/* Makes KEY the one the calling thread's requests note under when they name none. */
void retry_set_key(const void *key);
/* The calling thread's key, or NULL. */
const void *retry_key(void);
/* Forgets the note of KEY (the attempt is being made). */
void retry_clear(const void *key);
/* The note of KEY: the attempt, of how many, and the seconds until it; false if none. */
bool retry_get(const void *key, int *attempt, int *max, double *in);

#endif
