/*
 * manifest.h - the line format of file lists (manifests and change
 * records) and the in-memory tree over one. Internal to src/.
 *
 *   vds-manifest 1                      first line of a manifest
 *   vds-changes 1                       first line of a change record
 *   F <sha256> <size> <mode> <mtime> <path>   a file (mode in octal)
 *   L <sha256> <size> <mode> <mtime> <path>   a symlink (target is content)
 *   D <path>                            (change records) remove path or folder
 *
 * Paths are escaped: bytes below 0x20, 0x7f and '\' become \xHH.
 * Manifest lines are sorted by unescaped path, bytewise, without repeats.
 */
#ifndef VDS_MANIFEST_H
#define VDS_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"
#include "vds.h"

#define MANIFEST_HEADER "vds-manifest 1\n"
#define CHANGES_HEADER "vds-changes 1\n"

/* Checks that PATH is a safe relative version path (VDS_EINVAL if not). */
int path_check(const char *path);
/* Appends the escaped form of PATH. */
void path_escape(strbuf *sb, const char *path);
/* Appends one F/L line for E. */
void manifest_add_entry(strbuf *sb, const vds_entry *e);
/* Appends one D line for PATH. */
void manifest_add_delete(strbuf *sb, const char *path);

/*
 * Wraps manifest text DATA of LEN bytes in a tree, checking the header,
 * every line's syntax and the sort order. OWNED: 1 = free(DATA) when done,
 * 2 = munmap(DATA), 0 = leave it. WHAT names it in errors.
 */
int tree_from_text(char *data, size_t len, int owned, const char *what, vds_tree **out);
/* Maps the manifest file at PATH read-only into a tree. */
int tree_from_file(const char *path, const char *what, vds_tree **out);

/* Sets *INDEX to the entry of the file at PATH; VDS_ENOTFOUND (no message) if none. */
int tree_find(vds_tree *t, const char *path, uint64_t *index);

/* True if the text under tree T has SHA-256 SHA. */
bool tree_hash_matches(const vds_tree *t, const unsigned char sha[32]);

/*
 * Builds the sorted manifest text of a draft from its base manifest text
 * (or NULL) and its change records, applied in order. Returns malloc'd text.
 */
int manifest_materialize(const char *base, size_t base_len, char *const *changes,
			 const size_t *change_lens, size_t nchanges, const char *what,
			 char **out, size_t *out_len);

#endif
