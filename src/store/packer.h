/*
 * packer.h - the writer of chunks and packs (vds-format(5), CONTENT PACKS): each
 * file read once, cut by the chunker, every chunk hashed (and the whole
 * file), chunks the store index or this packer already hold skipped, new
 * ones appended to the open pack (zstd per blob where it pays), and for a
 * file of several chunks its segments and recipe (recipe.h) added the
 * same way. A full pack is written
 * through the backend's write op (a local store and S3 alike) at key
 * packs/XX/<id>; packer_flush() writes the open pack, then one index
 * object naming every pack written since the last flush: whatever an index
 * names exists. The caller writes records naming the files only after the
 * flush. Packs written but not flushed (a crash, packer_discard()) are
 * named by no index: garbage that gc removes.
 *
 * packer_add_file() may run on several threads at once (chunking, hashing
 * and compression outside the lock, appending under it); packer_flush()
 * and packer_discard() must not run while an add does. The packer reads
 * the store index given to packer_new() and adds to it what each flush
 * wrote: nothing else may use that index while the packer lives.
 * Internal to src/.
 */
#ifndef VDS_PACKER_H
#define VDS_PACKER_H

#include <stdbool.h>
#include <stdint.h>

#include "store/backend.h"
#include "store/chunker.h"
#include "store/packindex.h"

/* How a packer works; zeros mean the defaults. */
typedef struct packer_opts {
	uint64_t target;       /* a pack is written once its blobs reach this (PACK_TARGET) */
	chunker_params chunk;  /* the chunker's sizes (CHUNKER_DEFAULTS) */
	bool no_compress;      /* store every blob raw (no zstd attempt) */
} packer_opts;

/* What a packer has done so far (for benchmarks and tests of exact growth). */
typedef struct packer_stats {
	uint64_t bytes_read;   /* bytes of files read */
	uint64_t blobs_stored; /* new blobs (chunks and recipes) put into packs */
	uint64_t bytes_stored; /* their bytes as stored (compressed or raw) */
	uint64_t raw_stored;   /* their bytes expanded */
	uint64_t packs;        /* pack objects written */
	uint64_t pack_bytes;   /* their whole size (trailers and footers too) */
	uint64_t indexes;      /* index objects written */
} packer_stats;

typedef struct packer packer;

/* A new packer writing to B and deduplicating against IDX (loaded by the caller). */
int packer_new(vds_backend *b, packindex *idx, const packer_opts *opts, packer **out);
/*
 * Reads the open file FD to its end and stores what is new: writes its
 * SHA-256 into SHA and whether any blob was new into *STORED (may be NULL).
 * Thread-safe. CANCEL (may be NULL) stops it with VDS_ECANCELED.
 */
int packer_add_file(packer *p, int fd, unsigned char sha[32], bool *stored, atomic_int *cancel);
/* Writes the open pack, then the index object of the packs written since the last flush. */
int packer_flush(packer *p);
/* Forgets what was not flushed (packs already written stay, named by no index). */
void packer_discard(packer *p);
/* Copies P's counters into S. */
void packer_get_stats(packer *p, packer_stats *s);
/* Frees P (discarding what was not flushed). */
void packer_free(packer *p);

#endif
