/*
 * thrift.h - a reader of Thrift's compact protocol over a byte range, as
 * Parquet's footer and page headers are written: every read is bounded by
 * the range, and a damaged input sets bad instead of reading past it.
 */
#ifndef VDS_THRIFT_H
#define VDS_THRIFT_H

#include <stdbool.h>
#include <stdint.h>

/* Nesting of structures followed before the input counts as damaged. */
#define TIN_DEPTH 32

/* Thrift compact types */
enum { T_STOP, T_TRUE, T_FALSE, T_BYTE, T_I16, T_I32, T_I64, T_DOUBLE, T_BINARY, T_LIST, T_SET, T_MAP, T_STRUCT };

/* The bytes left to read; BAD once something did not fit. */
typedef struct tin {
	const unsigned char *p, *end;
	bool bad;
} tin;


/* An unsigned varint. */
uint64_t tin_varint(tin *t);
/* A zigzag-encoded signed varint (i16, i32, i64). */
int64_t tin_zigzag(tin *t);
/* The next field's header: false at the end of the structure (or when damaged). */
bool tin_field(tin *t, int *id, int *type);
/* A list or set header: its element count, *ETYPE its element type. */
uint64_t tin_list(tin *t, int *etype);
/* Skips a value of TYPE at nesting DEPTH. */
void tin_skip(tin *t, int type, int depth);
/* A binary or string value, malloc'd and NUL-terminated. */
char *tin_binary(tin *t);

#endif
