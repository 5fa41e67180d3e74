/*
 * chunker.h - content-defined chunking (FastCDC): where a byte stream is
 * cut into chunks, decided by the bytes themselves, so that an insertion
 * or deletion moves only the boundaries near it. Boundaries depend only
 * on the bytes and the parameters, never on how the input is split into
 * buffers; they will be part of the store format, so the gear table and
 * the rule in chunker.c must never change. Internal to src/.
 */
#ifndef VDS_CHUNKER_H
#define VDS_CHUNKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Chunk sizes in bytes: 1 <= min <= avg <= max <= CHUNKER_LIMIT, avg a power of two >= 64. */
typedef struct chunker_params {
	uint32_t min, avg, max;
} chunker_params;

#define CHUNKER_MIN 16384u                 /* default smallest chunk (but the last) */
#define CHUNKER_AVG 65536u                 /* default normal size */
#define CHUNKER_MAX 262144u                /* default largest chunk */
#define CHUNKER_LIMIT (1u << 30)         /* the largest max accepted */
#define CHUNKER_DEFAULTS {CHUNKER_MIN, CHUNKER_AVG, CHUNKER_MAX}

/* The state of one stream being cut; set up by chunker_init(), no resources. */
typedef struct chunker {
	uint64_t mask_s, mask_l; /* the stricter mask up to avg, the looser one after */
	uint64_t warm;           /* bytes of a chunk skipped before hashing starts */
	uint64_t min, s_end, max;
	uint64_t fp;  /* the gear hash so far */
	uint64_t len; /* bytes of the current chunk seen so far */
} chunker;

/* The 64-bit gear table (chunker.c says how it was made). */
extern const uint64_t chunker_gear[256];

/* Checks P (VDS_EINVAL naming the bad size) and starts a stream in C. */
int chunker_init(chunker *c, const chunker_params *p);
/* Reads DATA up to the end of the current chunk: returns how many of its
 * SIZE bytes belong to that chunk; *END tells whether the chunk ends after
 * them (then the next byte starts a new chunk). */
size_t chunker_scan(chunker *c, const void *data, size_t size, bool *end);
/* Ends the stream: the length of its last chunk (0 if it ended on a boundary). */
uint64_t chunker_finish(chunker *c);
/* Cuts SIZE bytes at DATA at once: *ENDS (malloc'd) gets the end offset of
 * each chunk, *COUNT their number (0 for no data). */
int chunker_split(const chunker_params *p, const void *data, size_t size, uint64_t **ends,
		  size_t *count);

#endif
