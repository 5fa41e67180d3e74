/*
 * linkres.h - symbolic links of a version resolved against the version's
 * own tree, one component at a time, following the links it holds (as the
 * kernel would once the version is written out or mounted), so that a link
 * whose resolution leaves the version is known before it is created or
 * shown. Internal to src/.
 */
#ifndef VDS_LINKRES_H
#define VDS_LINKRES_H

#include <stddef.h>

#include "util.h"
#include "vds.h"

#define LINK_TARGET_MAX 4095 /* bytes of a link target, at most (PATH_MAX less its NUL) */
#define LINKRES_HOPS 40      /* links followed in one resolution, at most (as Linux) */

/* Where a link leads: inside the version, or why not. */
enum linkres_verdict {
	LINKRES_INSIDE,   /* to a path of the version (a file, a folder, or nothing yet) */
	LINKRES_ABSOLUTE, /* an absolute target, its own or one met on the way */
	LINKRES_OUTSIDE,  /* a ".." above the version's root */
	LINKRES_LOOP,     /* more than LINKRES_HOPS links: a loop or a chain too long */
};

/* Why link target TARGET of LEN bytes cannot be used as stored, or NULL if it can. */
const char *link_target_problem(const char *target, size_t len);

/* The words after "it " saying why VERDICT keeps a link out ("resolves outside the version"). */
const char *linkres_why(int verdict);

/*
 * Looks version path PATH up: 1 if it is a link (its target, NUL-terminated,
 * copied into BUF of LINK_TARGET_MAX + 1 bytes), 0 if it is not (a file, a
 * folder or nothing), or a negative status.
 */
typedef int (*linkres_lookup)(void *ud, const char *path, char *buf);

/*
 * Resolves TARGET, the target of the link at version path PATH, through
 * LOOKUP. Returns a linkres_verdict (RESOLVED, if not NULL, gets the
 * version path reached when inside, "" for the root) or a negative status.
 */
int linkres_resolve(const char *path, const char *target, linkres_lookup lookup, void *ud,
		    strbuf *resolved);

/*
 * Reads the target of link entry E into BUF (LINK_TARGET_MAX + 1 bytes,
 * NUL-terminated), checked against E's SHA-256 and link_target_problem().
 */
typedef int (*linkres_read)(void *ud, const vds_entry *e, char *buf);

/* Resolution against a vds_tree; usable from many threads (one at a time inside). */
typedef struct linkres_tree linkres_tree;

/* Resolves against tree T (which must outlive it), reading targets through READ. */
linkres_tree *linkres_tree_new(vds_tree *t, linkres_read read, void *ud);
/* Frees LT and the targets it read. */
void linkres_tree_free(linkres_tree *lt);
/* linkres_resolve() of the link at PATH with TARGET against LT's tree. */
int linkres_tree_check(linkres_tree *lt, const char *path, const char *target, strbuf *resolved);

#endif
