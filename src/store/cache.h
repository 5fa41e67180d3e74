/*
 * cache.h - the local content cache of remote providers: content objects
 * by SHA-256 below CACHE_DIR/objects/, checked when they arrive, pruned
 * least recently used first. Internal to src/.
 */
#ifndef VDS_CACHE_H
#define VDS_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "util.h"

/* The cache file of content key KEY ("objects/ab/cd..."); malloc'd. */
char *cache_object_path(const char *dir, const char *key);
/* True if content KEY is cached; marks it as just used and sets *PATH. */
bool cache_lookup(const char *dir, const char *key, char **path);
/* Creates a temporary file in the cache; sets *FD and *TMP (malloc'd). */
int cache_tmp(const char *dir, int *fd, char **tmp);
/* Moves finished temporary file TMP into place as KEY; sets *PATH. */
int cache_commit(const char *dir, const char *tmp, const char *key, char **path);
/* Removes least recently used objects until at most MAX_BYTES remain. */
int cache_prune(const char *dir, uint64_t max_bytes, vds_cache_info *info);

#endif
