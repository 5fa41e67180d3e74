/*
 * reccache.h - the local cache of metadata records of a remote store:
 * record bytes named by their MD5 (the ETag an S3 listing shows for them),
 * below CACHE_DIR/records/STORE/, one folder per store identity. An entry
 * is only used when a listing of the store names the same digest for the
 * key, so the store, never the cache, says what exists and what it holds.
 * Internal to src/.
 */
#ifndef VDS_RECCACHE_H
#define VDS_RECCACHE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct reccache reccache;

/*
 * Opens the record cache of the store named by IDENTITY (its type and
 * location) below CACHE_DIR; nothing is created until an entry is put.
 */
reccache *reccache_open(const char *cache_dir, const char *identity);
/* Frees RC (NULL is fine). */
void reccache_free(reccache *rc);
/* True if S is an MD5 in lower-case hex, as a plain PUT's ETag is. */
bool reccache_digest(const char *s);
/*
 * Reads the entry of digest MD5 into *OUT (malloc'd, NUL-terminated):
 * true if it is there and its bytes have that digest; a damaged entry
 * is removed.
 */
bool reccache_get(reccache *rc, const char *md5, char **out, size_t *len);
/*
 * Keeps DATA as the entry of digest MD5 if its bytes have it (atomically:
 * a temporary file renamed); a cache that cannot be written is given up
 * for the rest of the process, silently, since it only costs speed.
 */
void reccache_put(reccache *rc, const char *md5, const void *data, size_t len);
/* Keeps DATA, a record just written to the store, as the entry of its MD5. */
void reccache_keep(reccache *rc, const void *data, size_t len);

#endif
