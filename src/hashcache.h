/*
 * hashcache.h - remembers the SHA-256 of local files by device, inode,
 * size, mtime and ctime, so that putting an unchanged tree again reads
 * no file contents (like git's index). Internal to src/.
 */
#ifndef VDS_HASHCACHE_H
#define VDS_HASHCACHE_H

#include <stdbool.h>
#include <sys/stat.h>

typedef struct hashcache hashcache;

/* Loads the cache file at PATH (missing or damaged: an empty cache). */
hashcache *hashcache_load(const char *path);
/* Looks ST up; true and SHA filled when a trusted entry matches. Thread-safe. */
bool hashcache_get(hashcache *c, const struct stat *st, unsigned char sha[32]);
/*
 * Remembers SHA for ST, unless the file changed too recently to be sure
 * (within a second of START_NS, when hashing began). Thread-safe.
 */
void hashcache_put(hashcache *c, const struct stat *st, const unsigned char sha[32],
		   int64_t start_ns);
/* Writes the cache back atomically if it changed (errors are ignored). */
void hashcache_save(hashcache *c);
/* Frees the cache. */
void hashcache_free(hashcache *c);

#endif
