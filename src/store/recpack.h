/*
 * recpack.h - record packs of S3 stores (vds-format(5), RECORD PACKS):
 * copies of a dataset's records in one object, used by a read-only
 * operation only where its listing shows the same key with the same MD5.
 * The state of one operation of a backend: for each dataset it reads, the
 * pack it read, the records it verified, and at its end the pack to write. Internal to src/store/
 * (and fsck, which checks packs with recpack_check()).
 */
#ifndef VDS_RECPACK_H
#define VDS_RECPACK_H

#include <stdbool.h>
#include <stddef.h>

#include "s3_memo.h"

#define RECPACK_FETCHED_MIN 16 /* records read one by one before a pack is written */

typedef struct recpack recpack;

/* What an operation's end asks of its backend: a pack to put, packs to remove. */
typedef struct recpack_plan {
	char *key, *text; /* the new pack (NULL: none) */
	size_t len;
	char **stale;     /* pack keys to remove after the put */
	size_t nstale;
} recpack_plan;

/* A new state; packs are neither read nor written unless ENABLED. */
recpack *recpack_new(bool enabled);
/* Frees P (NULL is fine). */
void recpack_free(recpack *p);
/*
 * Begins an operation below PREFIX/ listed with DELIM (nested ones count):
 * the key of the newest pack that M's listing shows (malloc'd) when this
 * begins the reading of a dataset's records, else NULL.
 */
char *recpack_enter(recpack *p, s3_memo *m, const char *prefix, const char *delim);
/* Takes the text of pack KEY just read (anything damaged in it is ignored). */
void recpack_load(recpack *p, const char *key, const char *text, size_t len);
/*
 * The bytes of KEY from the pack if it holds them with MD5 (the listing's
 * ETag): true and *OUT (malloc'd, NUL-terminated), else false.
 */
bool recpack_find(recpack *p, const char *key, const char *md5, char **out, size_t *len);
/*
 * Notes that KEY holds DATA, whose MD5 the listing showed as MD5 (checked
 * here); FETCHED if it was read from the store itself.
 */
void recpack_note(recpack *p, const char *key, const char *md5, const void *data, size_t len,
		  bool fetched);
/*
 * Ends an operation begun by recpack_enter(); the outermost one returns
 * the packs due, one per dataset read (*NPLANS of them; WRITABLE: the
 * process may write, M: the listing, still held), and forgets the
 * operation. Free with recpack_plans_free().
 */
recpack_plan *recpack_leave(recpack *p, s3_memo *m, bool writable, size_t *nplans);
/* Frees PLANS[0..N) and what they hold. */
void recpack_plans_free(recpack_plan *plans, size_t n);
/*
 * Checks pack TEXT of dataset folder DS ("datasets/ID"): 0, or VDS_ECORRUPT
 * naming KEY and what is wrong (its checksum, its JSON, an entry).
 */
int recpack_check(const char *key, const char *ds, const char *text, size_t len);
/* True if NAME is the name of a pack ("STAMP.json"). */
bool recpack_name(const char *name);

#endif
