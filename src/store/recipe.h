/*
 * recipe.h - the recipe of a file of several chunks (vds-format(5),
 * PACKS): its chunks in order, each by id and length, and the file's size,
 * stored as a blob named by the SHA-256 of the whole file. The bytes:
 * magic "VDSRCPE1", chunk count (u32), zero (u32), size (u64), per chunk
 * its SHA-256 (32 bytes) and length (u32), then the SHA-256 of all that;
 * little-endian. A recipe's name is the file's hash, not its own, so its
 * own checksum is what finds a damaged one. Internal to src/.
 */
#ifndef VDS_RECIPE_H
#define VDS_RECIPE_H

#include <stddef.h>
#include <stdint.h>

#define RECIPE_MAGIC "VDSRCPE1"
#define RECIPE_HEAD 24 /* magic, count, zero, size */
#define RECIPE_ITEM 36 /* SHA-256 and length of one chunk */

/* A parsed recipe: N chunks, END[i] the file offset where chunk i ends. */
typedef struct recipe {
	size_t n;
	uint64_t size;
	unsigned char (*id)[32];
	uint64_t *end;
} recipe;

/* The most chunks a recipe may list (it is a blob of at most PACK_BLOB_MAX bytes). */
size_t recipe_max_chunks(void);
/* Writes the recipe of N chunks IDS of lengths LENS (malloc'd *OUT, *LEN). */
void recipe_encode(const unsigned char (*ids)[32], const uint32_t *lens, size_t n, char **out,
		   size_t *len);
/* Parses LEN bytes at DATA into R; VDS_ECORRUPT naming WHAT if they are not a recipe. */
int recipe_parse(const void *data, size_t len, recipe *r, const char *what);
/* The index of the chunk of R holding file offset OFF (< R->size). */
size_t recipe_find(const recipe *r, uint64_t off);
/* Frees what R holds. */
void recipe_release(recipe *r);

#endif
