/*
 * pack.h - the bytes of a pack object (vds-format(5), CONTENT PACKS): blobs
 * (chunks of files; recipes and their segments) laid one after the
 * other, each stored raw or as one zstd frame, then the pack's own index
 * (the trailer: one PACK_ENTRY_SIZE entry per blob, in the order of the
 * blobs) and a PACK_FOOTER_SIZE footer (magic, entry count, lengths, the
 * SHA-256 of the trailer), so that one ranged read of the pack's end gives
 * its index. A pack is named by the SHA-256 of all its bytes: key
 * "packs/XX/<64 hex>". Everything is little-endian; every length is
 * bounded; parsing treats the bytes as untrusted (any damage is
 * VDS_ECORRUPT naming the pack). Internal to src/.
 */
#ifndef VDS_PACK_H
#define VDS_PACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/backend.h"
#include "util.h"

#define PACK_MAGIC "VDSPACK1"         /* the footer's first 8 bytes */
#define PACK_ENTRY_SIZE 52            /* one trailer entry */
#define PACK_FOOTER_SIZE 64           /* the footer */
#define PACK_TARGET (32u << 20)       /* default size of a pack's blobs */
#define PACK_BLOB_MAX (1u << 28)      /* the largest blob (raw or stored) */
#define PACK_DATA_MAX 0xffffffffu     /* the largest blob area of a pack */
#define PACK_ENTRIES_MAX (1u << 20)   /* the most blobs in one pack */
#define PACK_TAIL_READ (256u << 10)   /* a reader's first ranged read of a pack's end */

/* What a blob is: a piece of a file, a file's recipe, a segment of a recipe (recipe.h). */
enum { PACK_CHUNK = 1, PACK_RECIPE = 2, PACK_SEGMENT = 3 };

/* One blob of a pack: its id, where its stored bytes are, how long it is. */
typedef struct pack_entry {
	unsigned char id[32]; /* SHA-256 of the blob, or of the whole file (recipe) */
	uint32_t off;         /* offset of its stored bytes in the pack */
	uint32_t raw;         /* its length once expanded */
	uint32_t stored;      /* its length in the pack */
	uint8_t type;         /* PACK_CHUNK, PACK_RECIPE or PACK_SEGMENT */
	uint8_t compressed;   /* 1: one zstd frame; 0: raw (stored == raw) */
} pack_entry;

/* A pack being built in memory: pack_builder_init(), _add(), _finish(), _release(). */
typedef struct pack_builder {
	strbuf data;        /* the blobs so far */
	pack_entry *e;      /* their entries */
	size_t n, cap;
} pack_builder;

/* Little-endian stores and loads. */
static inline void le32_put(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}
static inline void le64_put(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}
static inline uint32_t le32_get(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t le64_get(const unsigned char *p)
{
	return (uint64_t)le32_get(p) | (uint64_t)le32_get(p + 4) << 32;
}

/* Writes the key of pack ID ("packs/ab/abcd...") into KEY. */
void pack_key(const unsigned char id[32], char key[80]);
/* Writes E as a trailer entry at OUT. */
void pack_entry_encode(const pack_entry *e, unsigned char out[PACK_ENTRY_SIZE]);
/*
 * Reads the trailer entry at IN into E, checking it against a blob area of
 * DATA_LEN bytes; VDS_ECORRUPT naming WHAT (a pack or an index object).
 */
int pack_entry_decode(const unsigned char in[PACK_ENTRY_SIZE], uint64_t data_len, pack_entry *e,
		      const char *what);

/* Starts an empty pack in PB. */
void pack_builder_init(pack_builder *pb);
/* Appends a blob: its STORED_LEN bytes at STORED, RAW_LEN once expanded (<= PACK_BLOB_MAX). */
void pack_builder_add(pack_builder *pb, const unsigned char id[32], int type, bool compressed,
		      const void *stored, size_t stored_len, size_t raw_len);
/*
 * Ends the pack: appends trailer and footer, names it (*ID) and hands its
 * bytes (*BYTES: the buffer, its length and capacity) and entries
 * (*ENTRIES, *N) over, both malloc'd; PB is empty again (BYTES of an
 * earlier pack may be given back to it as PB->data, emptied, to be filled
 * again without new memory).
 */
void pack_builder_finish(pack_builder *pb, unsigned char id[32], strbuf *bytes,
			 pack_entry **entries, size_t *n);
/* Frees what PB holds. */
void pack_builder_release(pack_builder *pb);

/*
 * Parses the last TAIL_LEN bytes (TAIL) of pack NAME, PACK_SIZE bytes in
 * all: 0 with its entries (*ENTRIES, malloc'd, *N), 1 with *NEED set to the
 * bytes of the end it needs if TAIL is too short, VDS_ECORRUPT naming NAME.
 */
int pack_parse_tail(const unsigned char *tail, size_t tail_len, uint64_t pack_size,
		    const char *name, pack_entry **entries, size_t *n, size_t *need);
/*
 * Reads the index of pack ID from B with one ranged read of its end (two if
 * its trailer is larger than PACK_TAIL_READ); SIZE is the pack's size, or
 * UINT64_MAX to ask the backend. Sets *ENTRIES (malloc'd) and *N.
 */
int pack_read_index(vds_backend *b, const unsigned char id[32], uint64_t size,
		    pack_entry **entries, size_t *n);

#endif
