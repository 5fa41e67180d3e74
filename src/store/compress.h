/*
 * compress.h - each chunk compressed with zstd where it pays (text, CSV,
 * JSON) and kept as it is where it does not (images, archives, random
 * bytes), decided chunk by chunk. A compressed chunk is one zstd frame
 * that records its length and a checksum; reading it back checks both.
 * Internal to src/.
 */
#ifndef VDS_COMPRESS_H
#define VDS_COMPRESS_H

#include <stdbool.h>
#include <stddef.h>

#define COMPRESS_LEVEL 1        /* zstd's level: a fast one */
#define COMPRESS_MIN_SAVING 16  /* kept compressed only if it saves 1/16 of the size */
#define COMPRESS_PROBE 4096     /* a larger chunk's first bytes are tried first */

/* The zstd contexts and output buffer of one thread: compress_new(), compress_free(). */
typedef struct compress_ctx compress_ctx;

/* A new context compressing at zstd level LEVEL (COMPRESS_LEVEL: fast). */
compress_ctx *compress_new(int level);
/* Frees Z and its buffer (NULL is fine). */
void compress_free(compress_ctx *z);
/* Decides how the SIZE bytes at DATA are stored: true when compression
 * saves at least 1/COMPRESS_MIN_SAVING of them, *OUT and *OUT_SIZE then the
 * compressed form (in Z's buffer, valid until its next call); false when
 * they are kept as they are (*OUT is DATA). Incompressible data is
 * recognised from its first COMPRESS_PROBE bytes, so it costs little. */
bool compress_chunk(compress_ctx *z, const void *data, size_t size, const void **out,
		    size_t *out_size);
/* Expands the compressed chunk IN (IN_SIZE bytes) into exactly EXPECT bytes
 * at OUT; VDS_ECORRUPT naming chunk WHAT if it is damaged or of another length. */
int decompress_chunk(compress_ctx *z, const void *in, size_t in_size, void *out, size_t expect,
		     const char *what);

#endif
