/*
 * recsum.h - the checksum a record of format 2 carries at a fixed place
 * (vds-format(5), CONVENTIONS): the SHA-256 of the whole record with its
 * 64 digits read as zeros. Shared by the records of the core (record.c)
 * and the record packs of S3 stores (recpack.c).
 */
#ifndef VDS_RECSUM_H
#define VDS_RECSUM_H

#include <stddef.h>

#define RECSUM_DIGITS 64
#define RECSUM_JSON_PREFIX "{\"sum\":\""
#define RECSUM_CHANGES_PREFIX "vds-changes 2 "

/* Where the 64 checksum digits of record TEXT start, or 0 if it has none. */
size_t recsum_offset(const char *text, size_t len);
/* The checksum of TEXT with the digits at OFF read as zeros, in hex. */
void recsum_hex(const char *text, size_t len, size_t off, char hex[65]);
/* True if TEXT carries a checksum at its place and the checksum matches. */
int recsum_ok(const char *text, size_t len);

#endif
