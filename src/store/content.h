/*
 * content.h - content objects open for reading at any offset, from many
 * threads at once: a local store's object file, a remote provider's cached
 * copy, or blocks of a remote object fetched on demand with ranged reads
 * (gathered in a temporary cache file that enters the cache once every
 * block arrived and the whole matched its SHA-256). Internal to src/.
 */
#ifndef VDS_CONTENT_H
#define VDS_CONTENT_H

#include <stddef.h>
#include <stdint.h>

#include "backend.h"

/* Bytes fetched by one ranged read of a remote object. */
#define CONTENT_BLOCK (8u << 20)

/* The open content objects of one backend; equal hashes share one. */
typedef struct content_set content_set;
/* One content object open for reading. */
typedef struct content content;

/* What a set has fetched, for tests and benchmarks. */
typedef struct content_stats {
	uint64_t fetches, fetched_bytes; /* ranged reads of the provider */
	uint64_t cached;                 /* objects that entered the cache whole */
} content_stats;

/* Opens a set reading content of backend B (which must outlive it). */
content_set *content_set_new(vds_backend *b);
/* Frees S (every content closed), pruning the cache if it added to it. */
void content_set_free(content_set *s);
/* Copies S's counters. */
void content_set_stats(content_set *s, content_stats *out);

/* Opens content SHA of SIZE bytes; close with content_close(). */
int content_open(content_set *s, const unsigned char sha[32], uint64_t size, content **out);
/* Closes C; the last few partly fetched objects stay, for their next open. */
void content_close(content *c);
/*
 * Makes bytes [OFF, OFF + LEN) of C readable, clipped to its size (*GOT
 * bytes): either *FD >= 0, a file holding them at the same offsets and
 * valid while C is open, or *FD = -1 and they were copied into BUF.
 */
int content_read(content *c, uint64_t off, size_t len, void *buf, int *fd, size_t *got);
/* Reads up to LEN bytes at OFF of C into BUF (*GOT bytes). */
int content_pread(content *c, uint64_t off, size_t len, void *buf, size_t *got);

#endif
