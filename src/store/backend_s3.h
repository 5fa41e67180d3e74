/*
 * backend_s3.h - the state the S3 backend's files share (backend_s3.c:
 * the operations; backend_s3_put.c: putting content). Internal to src/.
 */
#ifndef VDS_BACKEND_S3_H
#define VDS_BACKEND_S3_H

#include <pthread.h>
#include <stdatomic.h>

#include "backend.h"
#include "reccache.h"
#include "recpack.h"
#include "s3.h"
#include "s3_memo.h"
#include "util.h"

#define PART_SIZE (16ULL << 20)   /* multipart part size, and the ranged-read size */
#define MAX_PARTS 10000ULL        /* S3's limit on parts per upload */
#define COPY_LIMIT (5ULL << 30)   /* the largest object CopyObject takes */
#define HASH_BUF (1 << 20)
#define RANGES_PER_STREAM 4     /* ranged reads of a large object, per stream */
#define READ_STREAMS 4          /* ranged reads of one large object in flight, at most */
#define DAMAGED_TRIES 3         /* downloads of an object that arrives damaged, at most */
#define DEFAULT_CONCURRENCY 16

/* One content object known to exist, from a listing. */
typedef struct known {
	unsigned char sha[32];
	uint64_t size;
	int64_t mtime;
} known;

typedef struct s3_backend {
	vds_backend base;
	s3_client *c;
	char *cache_dir;
	uint64_t cache_max;
	_Atomic uint64_t cached; /* bytes this backend added to the cache */
	atomic_int cond_put;     /* -1 unknown, 1 If-None-Match works, 0 not */
	atomic_int big;          /* large transfers running, to share concurrency */
	pthread_mutex_t lock;    /* guards the index */
	known *idx;              /* sorted by sha */
	size_t nidx;
	bool indexed;
	/* content this process puts: one upload per content, however many files have it */
	struct claim *claims;    /* open addressing by sha, guarded by lock */
	size_t nclaims, capclaims;
	pthread_cond_t claimed; /* a claimed upload ended */
	s3_memo memo;           /* listings held during a read-only operation */
	reccache *records;      /* records by ETag, below cache_dir/records/ */
	recpack *packs;         /* record packs of the operation under way */
} s3_backend;

/* True if this process stored content SHA (uploaded, or found and renewed). */
bool s3b_stored_here(s3_backend *sb, const unsigned char sha[32]);
/* Looks content KEY up in the listing index: 1 present (*OUT set), 0 absent, -1 no index. */
int s3b_index_find(s3_backend *sb, const char *key, known *out);
/* SHA-256 of the first SIZE bytes of FD. */
int s3b_hash_fd(int fd, uint64_t size, unsigned char sha[32], atomic_int *cancel);
/* Transfers in flight for one large object, sharing the backend's budget. */
int s3b_part_concurrency(s3_backend *sb);
/* The put_content operation: hash, skip if present, else upload (in parts). */
int s3b_put_content(vds_backend *b, int fd, unsigned char sha[32], bool *stored,
		    _Atomic uint64_t *counter, atomic_int *cancel);
/* The spool operation: a temporary file in the cache. */
int s3b_spool(vds_backend *b, int *fd, char **path);
/* The put_spooled operation: put, then keep the file as the cached copy. */
int s3b_put_spooled(vds_backend *b, char *path, int fd, const unsigned char sha[32],
		    bool *stored, _Atomic uint64_t *counter, atomic_int *cancel);
/* The abort_stale operation: aborts multipart uploads begun long ago. */
int s3b_abort_stale(vds_backend *b, int64_t older_than, bool dry_run, uint64_t *n);

#endif
