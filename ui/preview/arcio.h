/*
 * arcio.h - libarchive reading a preview source by ranged reads: the head
 * first, then blocks where libarchive seeks, within a budget of requests
 * (past it, reads fail and the kind says what it could not read).
 */
#ifndef VDS_ARCIO_H
#define VDS_ARCIO_H

#include <archive.h>

#include "pv.h"

/* Bytes one request of an archive read fetches. */
#define ARCIO_BLOCK (256 * 1024)
/* Requests an archive preview may make after the head. */
#define ARCIO_REQUESTS 2

/* The state of one reading; opaque but for the budget flag. */
typedef struct arcio {
	pv_src *s;
	uint64_t pos;           /* where libarchive reads next */
	unsigned char *block;   /* the last block fetched */
	uint64_t block_off;     /* its offset */
	size_t block_len;       /* its length */
	bool over_budget;       /* a read was refused: the budget was spent */
} arcio;

/* Opens A for reading S through IO with every filter and FORMATS set up by the caller. */
int arcio_open(struct archive *a, arcio *io, pv_src *s);
/* Frees IO's block (after archive_read_free). */
void arcio_release(arcio *io);

#endif
