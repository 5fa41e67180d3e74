/*
 * packindex.h - the store index of packs (vds-format(5), CONTENT PACKS): objects
 * "index/<STAMP>", each listing packs (id, size) and their blobs (the
 * same entries as the packs' trailers, grouped by pack), ending with the
 * SHA-256 of the whole object. They are written once and never changed
 * (so a reader may keep them by name), always after the packs they name,
 * and before any record refers to the content: whatever an index names
 * exists. A reader loads them all into one table in memory, a sorted
 * array of 52-byte entries searched by binary search, and finds where a
 * blob is without a request.
 *
 * The bytes of an index object: magic "VDSINDX1", pack count (u32), zero
 * (u32), entry count (u64); per pack its SHA-256, size (u64), entry count
 * (u32), zero (u32); the entries, PACK_ENTRY_SIZE each, pack after pack;
 * the SHA-256 of everything before. Little-endian.
 *
 * Consolidation writes one object holding the entries of several and only
 * then removes those. The listing rule that makes this safe: a reader that
 * lists index/ and then finds one of the listed objects gone lists again
 * (the object that replaced it was written before it went, so the new
 * listing shows it); packindex_load() does so. Internal to src/.
 */
#ifndef VDS_PACKINDEX_H
#define VDS_PACKINDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/backend.h"
#include "store/pack.h"

#define PACKINDEX_MAGIC "VDSINDX1"
#define PACKINDEX_PREFIX "index"
#define PACKINDEX_HEAD 24     /* magic, pack count, zero, entry count */
#define PACKINDEX_PACK 48     /* SHA-256, size, entry count, zero */
#define PACKINDEX_RELISTS 8   /* listings tried when objects keep vanishing */

/* One blob in memory: where it is (PACK: the table's pack number). */
typedef struct packindex_entry {
	unsigned char id[32];
	uint32_t pack, off, raw, stored;
	uint8_t type, compressed;
} packindex_entry;

/* A pack and its blobs, as an index object lists them. */
typedef struct packindex_pack {
	unsigned char id[32];
	uint64_t size;
	pack_entry *e;
	size_t n;
} packindex_pack;

/* The table: packindex_init(), _load() (again to see new objects), _release(). */
typedef struct packindex {
	packindex_entry *e;  /* sorted by id, one per id */
	size_t n, cap;
	packindex_pack *packs; /* the packs (their E unused: NULL) */
	size_t npacks, packs_cap;
	char **names;        /* the index objects read, sorted */
	size_t nnames, names_cap;
} packindex;

/* Starts an empty table. */
void packindex_init(packindex *x);
/* Frees what X holds. */
void packindex_release(packindex *x);
/* Frees N packs PACKS and their entries. */
void packindex_packs_free(packindex_pack *packs, size_t n);

/*
 * Parses index object NAME (LEN bytes at DATA): its packs (*PACKS, *NP,
 * malloc'd with their entries); VDS_ECORRUPT naming it.
 */
int packindex_decode(const char *name, const void *data, size_t len, packindex_pack **packs,
		     size_t *np);
/* Writes the index object of NP packs PACKS (malloc'd *OUT, *LEN). */
void packindex_encode(const packindex_pack *packs, size_t np, char **out, size_t *len);
/* Adds NP packs and their blobs to X (a blob already there keeps its place). */
void packindex_add(packindex *x, const packindex_pack *packs, size_t np);
/*
 * Reads from B every index object X has not read yet and adds what it
 * lists; lists again when a listed object has gone (consolidated).
 */
int packindex_load(vds_backend *b, packindex *x);
/* The entry of blob ID, or NULL if X does not hold it. */
const packindex_entry *packindex_find(const packindex *x, const unsigned char id[32]);
/* Writes a new index object of NP packs PACKS to B; its name into NAME if not NULL. */
int packindex_write(vds_backend *b, const packindex_pack *packs, size_t np, char name[40]);
/*
 * Rebuilds the store index from the packs themselves (fsck): reads the
 * trailer of every pack below packs/ and writes one index object naming
 * them all (none if there are none); *PACKS gets how many it named,
 * *DAMAGED how many it left out as damaged (their trailers refused).
 */
int packindex_rebuild(vds_backend *b, size_t *packs, size_t *damaged);
/*
 * Consolidates B's index objects when there are at least two: writes one
 * holding all their packs and blobs, then removes them; *MERGED (if not
 * NULL) gets how many it replaced (0: nothing to do).
 */
int packindex_consolidate(vds_backend *b, size_t *merged);

#endif
