/*
 * recipe.h - how a file of several chunks is put together again
 * (vds-format(5), CONTENT PACKS), in two levels so that an edit of a large
 * file stores little besides the chunks it touched:
 *
 * - a segment lists chunks in order, each by id and length (u32); it is a
 *   blob named by the SHA-256 of its own bytes, like a chunk. The bytes:
 *   magic "VDSSEGM1", chunk count (u32), zero (u32), size (u64), per
 *   chunk its SHA-256 and length, then the SHA-256 of all that.
 * - a recipe lists the file's segments in order, each by id and the
 *   length of file it covers (u64); it is a blob named by the SHA-256 of
 *   the whole file. The bytes: magic "VDSRCPE2", segment count (u32),
 *   zero (u32), size (u64), per segment its SHA-256 and length, then the
 *   SHA-256 of all that (a recipe's name is not its own hash: this is what
 *   finds a damaged one).
 *
 * A segment ends after a chunk whose id's first two bytes (little-endian)
 * are 0 modulo RECIPE_SEG_AVG, or at RECIPE_SEG_MAX chunks, or at the end
 * of the file: boundaries that depend on the chunks alone, so an edit
 * changes only the segment around it, and the recipe. Little-endian.
 * Internal to src/.
 */
#ifndef VDS_RECIPE_H
#define VDS_RECIPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RECIPE_MAGIC "VDSRCPE2"
#define SEGMENT_MAGIC "VDSSEGM1"
#define RECIPE_HEAD 24      /* magic, count, zero, size */
#define RECIPE_ITEM 40      /* a recipe's segment: SHA-256, length (u64) */
#define SEGMENT_ITEM 36     /* a segment's chunk: SHA-256, length (u32) */
#define RECIPE_SEG_AVG 1024 /* chunks of a segment on average (a power of two) */
#define RECIPE_SEG_MAX 4096 /* chunks of a segment at most */

/* A parsed recipe or segment: N items, END[i] the file offset where item i ends. */
typedef struct recipe {
	size_t n;
	uint64_t size;
	unsigned char (*id)[32];
	uint64_t *end;
} recipe;

/* True if a segment ends after the chunk ID, its COUNT-th. */
bool recipe_segment_ends(const unsigned char id[32], size_t count);
/* Writes the segment of N chunks IDS of lengths LENS (malloc'd *OUT, *LEN). */
void recipe_encode_segment(const unsigned char (*ids)[32], const uint32_t *lens, size_t n,
			   char **out, size_t *len);
/* Writes the recipe of N segments IDS covering LENS bytes each (malloc'd *OUT, *LEN). */
void recipe_encode(const unsigned char (*ids)[32], const uint64_t *lens, size_t n, char **out,
		   size_t *len);
/* Parses LEN bytes at DATA as a recipe into R; VDS_ECORRUPT naming WHAT if they are not one. */
int recipe_parse(const void *data, size_t len, recipe *r, const char *what);
/* Parses LEN bytes at DATA as a segment into R; VDS_ECORRUPT naming WHAT if they are not one. */
int recipe_parse_segment(const void *data, size_t len, recipe *r, const char *what);
/* The index of the item of R holding file offset OFF (< R->size, relative to R's start). */
size_t recipe_find(const recipe *r, uint64_t off);
/* Frees what R holds. */
void recipe_release(recipe *r);

#endif
