/*
 * import.h - files from URLs: http(s) downloads and s3:// objects stream
 * into the store through a spool file while they are hashed, archives are
 * unpacked entry by entry. Internal to src/; files_put.c drives it.
 */
#ifndef VDS_IMPORT_H
#define VDS_IMPORT_H

#include <openssl/evp.h>

#include "store/backend.h"
#include "pool.h"
#include "store/s3.h"
#include "util.h"

/* One file an import added (what a change record line says). */
typedef struct import_entry {
	char *dest; /* version path */
	char type;  /* VDS_FILE or VDS_LINK */
	uint64_t size;
	uint32_t mode;
	int64_t mtime;
	unsigned char sha[32];
} import_entry;

/* One download: a URL or one object of a bucket, and what it added. */
typedef struct import_item {
	const vds_source *src;
	char *url;       /* http(s) URL, or NULL for an S3 object */
	char *shown;     /* how messages name it: quoted, no password, no query */
	s3_client *s3;   /* S3 object: the client of its bucket (owned by the list) */
	char *key;       /* S3 object: its key */
	char *dest;      /* version path; NULL: the folder plus the download's name */
	char *folder;    /* version folder it goes to ("" = root) */
	uint64_t size;   /* S3 object: its size from the listing */
	int64_t mtime;   /* S3 object: its Last-Modified */
	import_entry *v; /* files added */
	size_t n, cap;
	uint64_t stored; /* bytes of new content it stored */
} import_item;

typedef struct import_list {
	import_item *v;
	size_t n, cap;
	s3_client **clients;
	size_t nclients;
	uint64_t bytes; /* sizes known before downloading */
} import_list;

/*
 * Adds the downloads of URL source S, going below version folder TARGET,
 * to L (an s3:// prefix is listed now).
 */
int import_prepare(vds_ctx *ctx, const vds_source *s, const char *target, import_list *l);
/* Downloads item IT into backend B as one pool item, unpacking archives if asked. */
int import_run(pool *p, vds_backend *b, import_item *it);
/* Frees the list, its items and clients. */
void import_release(import_list *l);

/* A file being written into a backend's spool while it is hashed. */
typedef struct spool {
	vds_backend *b;
	pool *p; /* progress counters, or NULL */
	int fd;
	char *path;
	EVP_MD_CTX *md;
	uint64_t size; /* bytes written so far */
} spool;

/* Opens an empty spool file of backend B. */
int spool_open(spool *s, vds_backend *b, pool *p);
/* Appends LEN bytes of DATA; 0, or VDS_ENOSPC / VDS_EIO. */
int spool_write(spool *s, const void *data, size_t len);
/* Empties the spool to start over (a download restarting from the beginning). */
void spool_reset(spool *s);
/* Finishes the hash into SHA; the file stays open for reading. */
void spool_hash(spool *s, unsigned char sha[32]);
/* Puts the spooled content (hash SHA) into the store and closes the spool. */
int spool_put(spool *s, const unsigned char sha[32], bool *stored);
/* Removes the spool file and closes it (on failure or after unpacking). */
void spool_drop(spool *s);

/*
 * Puts the content of finished spool S (hash SHA, from spool_hash()) and
 * adds it to IT as entry DEST of TYPE (VDS_FILE, or VDS_LINK whose content
 * is the link's target), MODE and MTIME; counts new content in IT->stored.
 */
int import_put_hashed(import_item *it, spool *s, const unsigned char sha[32], const char *dest,
		      char type, uint32_t mode, int64_t mtime);

/*
 * Settings to reach BUCKET: those of S3 provider PROVIDER_ID (endpoint,
 * region, credentials), or anonymous ones ($AWS_ENDPOINT_URL, else AWS S3).
 */
int import_s3_config(vds_ctx *ctx, const char *provider_id, const char *bucket, s3_config *out);

/*
 * Downloads URL into spool S with libcurl (redirects, resumption with Range
 * after a dropped connection, retries); *NAME gets the file name from
 * Content-Disposition or the URL (malloc'd), *MTIME the Last-Modified time.
 */
int http_fetch(const char *url, spool *s, char **name, int64_t *mtime, atomic_int *cancel);

/* Unpacks archive file PATH (named WHAT in messages) below FOLDER into IT. */
int archive_unpack(pool *p, vds_backend *b, import_item *it, const char *path,
		   const char *what, const char *folder);

/* URL without user name, password or query (for messages); malloc'd. */
char *url_display(const char *url);

#endif
