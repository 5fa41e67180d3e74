/*
 * packread.h - the reader of chunks and packs (vds-format(5), CONTENT PACKS): a
 * blob read with one ranged read of its pack, expanded, and checked
 * against its id; bytes of a file read by the file's SHA-256, through one
 * chunk or through the file's recipe and segments, fetching only the
 * chunks the range needs (binary searches over the recipe's and the
 * segment's ends); a whole file checked against its SHA-256 too. A ranged
 * read through a recipe trusts the recipe (checked by its own checksum,
 * not by the file's hash; segments and chunks are checked by theirs):
 * whole reads and fsck --read-data check the file's hash.
 *
 * A reader keeps the last recipe, segment and chunk it read, so that
 * reads in order do not fetch them again; one reader per thread. It only
 * reads the store index it was given. Internal to src/.
 */
#ifndef VDS_PACKREAD_H
#define VDS_PACKREAD_H

#include <stddef.h>
#include <stdint.h>

#include "store/backend.h"
#include "store/packindex.h"

typedef struct packreader packreader;

/* A new reader of B's blobs, found through IDX. */
packreader *packreader_new(vds_backend *b, const packindex *idx);
/* Frees R (NULL is fine). */
void packreader_free(packreader *r);

/*
 * Reads blob ID, expanded and checked (a recipe by its own checksum):
 * *OUT (malloc'd), *LEN. VDS_ENOTFOUND if the index has no such blob,
 * VDS_ECORRUPT naming the pack and the blob if it is damaged.
 */
int packread_blob(packreader *r, const unsigned char id[32], char **out, size_t *len);
/* The size of the file whose SHA-256 is SHA (VDS_ENOTFOUND if not stored). */
int packread_size(packreader *r, const unsigned char sha[32], uint64_t *size);
/* Reads up to LEN bytes at OFF of file SHA into BUF; *GOT is short only at its end. */
int packread_range(packreader *r, const unsigned char sha[32], uint64_t off, void *buf,
		   size_t len, size_t *got);
/*
 * Reads all of file SHA in order into FN (non-zero from FN stops it) and
 * checks its SHA-256: VDS_ECORRUPT naming the file if it differs.
 */
int packread_file(packreader *r, const unsigned char sha[32], vds_stream_fn fn, void *ud);

#endif
