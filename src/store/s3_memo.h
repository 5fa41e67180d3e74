/*
 * s3_memo.h - what one listing of a part of an S3 store showed (keys,
 * their ETags and sizes, rolled-up prefixes), so that the reads, stats
 * and listings of a core operation inside that part need no request of
 * their own, and records named by their ETag come from the record cache
 * (reccache.h). Internal to src/store/.
 */
#ifndef VDS_S3_MEMO_H
#define VDS_S3_MEMO_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "s3.h"

/* One key a listing showed. */
typedef struct memo_key {
	char *key;
	char etag[33]; /* MD5 in hex, or "" if the ETag is not one (multipart) */
	uint64_t size;
} memo_key;

/*
 * One listing: everything below PREFIX/ except what it rolled up into
 * ROLLED; and the key PREFIX.json if SIBLING (a dataset's folder, listed
 * from "datasets/ID": its flat record too, vds-format(5) KEYS).
 */
typedef struct memo_scope {
	char *prefix, *delim;
	char **rolled;
	size_t nrolled;
	char *upto; /* listed in pages so far: children before this one only; NULL: all */
	bool sibling;
} memo_scope;

typedef struct s3_memo {
	pthread_mutex_t lock;
	memo_key *keys; /* sorted by key */
	size_t nkeys;
	memo_scope *scopes;
	size_t nscopes;
	int depth;      /* primes not yet ended */
	int64_t since;  /* when the oldest listing began (microseconds) */
	unsigned writes; /* writes by this process so far (s3m_forget() calls) */
} s3_memo;

/* Initialises an empty memo. */
void s3m_init(s3_memo *m);
/* Frees what M holds. */
void s3m_release(s3_memo *m);
/*
 * Begins a scope of operation: lists PREFIX/ (rolling up at DELIM if not
 * NULL) through C, unless a fresh listing of it is held already. A listing
 * that fails or is too long is simply not kept.
 */
void s3m_prime(s3_memo *m, s3_client *c, const char *prefix, const char *delim);
/*
 * s3m_prime() in parts: lists PREFIX/ page by page, keeping each page, and
 * calls FN with the child names below PREFIX/ whose keys are all listed so
 * far (sorted, FN's to free) as each page arrives. FN's negative status, or
 * the listing's error, is returned; end the scope with s3m_unprime() in
 * any case.
 */
int s3m_prime_pages(s3_memo *m, s3_client *c, const char *prefix, const char *delim,
		    vds_names_fn fn, void *ud);
/*
 * s3m_prime() ahead of the operation: the listing is held for the next
 * s3m_prime() of PREFIX and DELIM, which finds it there (it begins no
 * scope: the memo may be forgotten meanwhile, as any listing).
 */
void s3m_prefetch(s3_memo *m, s3_client *c, const char *prefix, const char *delim);
/* Ends a scope begun by s3m_prime(); the last one forgets every listing. */
void s3m_unprime(s3_memo *m);
/* Forgets every listing (this process writes to the store). */
void s3m_forget(s3_memo *m);
/* How many writes this process made so far (calls of s3m_forget()). */
unsigned s3m_writes(s3_memo *m);
/* Key KEY according to a held listing: 1 present (*OUT filled), 0 absent, -1 unknown. */
int s3m_find(s3_memo *m, const char *key, memo_key *out);
/*
 * The child names below PREFIX/ according to a held listing: 1 (NAMES
 * sorted, malloc'd, free each and the array), or -1 if no listing covers it.
 */
int s3m_list(s3_memo *m, const char *prefix, char ***names, size_t *n);

#endif
