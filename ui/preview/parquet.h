/*
 * parquet.h - what parquet.c (the footer) tells parquet_rows.c (the first
 * rows): each leaf column (its dotted path, its definition and repetition
 * levels) and its chunk in the first row group. Internal to ui/preview/.
 */
#ifndef VDS_PARQUET_H
#define VDS_PARQUET_H

#include <stdbool.h>
#include <stdint.h>

#include "pv.h"

/* Leaf columns whose first rows are shown. */
#define PQ_LEAVES 64
/* Rows shown. */
#define PQ_ROWS 20
/* Bytes of the first row group read for them, in one request. */
#define PQ_ROWS_READ (1u << 20)

/* One leaf column, and its chunk in the first row group. */
typedef struct pq_column {
	char *name;       /* its dotted path, lists' wrappers left out; owned */
	int ptype;        /* physical type (0 BOOLEAN ... 7 FIXED_LEN_BYTE_ARRAY) */
	int rep;          /* 0 required, 1 optional, 2 repeated */
	int type_len;     /* FIXED_LEN_BYTE_ARRAY's length */
	int max_def;      /* its highest definition level: optional and repeated nodes down to it */
	int max_rep;      /* its highest repetition level: repeated nodes down to it */
	int rep_def;      /* the definition level of its innermost repeated node, 0 if none */
	int codec;        /* of its chunk; -1 unknown */
	int64_t data_off; /* its first data page */
	int64_t dict_off; /* its dictionary page, or 0 */
	int64_t size;     /* total compressed size of the chunk */
	bool chunk;       /* the chunk was described */
} pq_column;

/* The columns of a file, as the footer gave them. */
typedef struct pq_meta {
	pq_column col[PQ_LEAVES];
	size_t ncols;    /* leaves kept (at most PQ_LEAVES) */
	size_t nchunks;  /* chunks of the first row group described */
	int64_t rows0;   /* rows of the first row group, -1 unknown */
	bool decodable;  /* no list within a list, and fewer than PQ_LEAVES leaves */
} pq_meta;

/* Renders footer META into P, filling M (may be NULL); false if damaged. */
bool pq_footer(ui_preview *p, const unsigned char *meta, size_t len, pq_meta *m);
/* Frees what M owns. */
void pq_meta_release(pq_meta *m);
/*
 * Adds the first rows of M's columns to P, decoded from BUF (LEN bytes of
 * the file from offset OFF): PLAIN and dictionary encodings, pages
 * uncompressed or in snappy, gzip or zstd.
 */
void pq_rows(ui_preview *p, const pq_meta *m, const unsigned char *buf, size_t len, uint64_t off);

#endif
