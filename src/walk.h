/*
 * walk.h - turns --source-path arguments into the list of local files to
 * put and the version paths they go to. Internal to src/.
 */
#ifndef VDS_WALK_H
#define VDS_WALK_H

#include <sys/stat.h>

#include "util.h"

typedef struct walk_item {
	char *src;     /* local path */
	char *dest;    /* version path */
	char *link;    /* symlink target, or NULL for a regular file */
	struct stat st;
} walk_item;

typedef struct walk_list {
	walk_item *v;
	size_t n, cap;
	uint64_t bytes;
	uint64_t skipped;
} walk_list;

/*
 * Adds the files of SOURCE (a file, a folder, or a folder's contents when
 * it ends in '/') under version folder TARGET ("" = root). Special files
 * and links leading out of the tree are skipped through WARN.
 */
int walk_source(walk_list *l, const char *source, const char *target, const vds_opts *o);
/* Frees the list's items. */
void walk_release(walk_list *l);
/* True if symlink target TARGET, placed at version path DEST, stays inside the tree. */
bool link_inside(const char *dest, const char *target);

#endif
