/*
 * backend.h - the table of storage operations every provider type
 * implements. The store logic (datasets, versions, tags, files) is written
 * once on top of these; a backend knows only keys and bytes.
 *
 * Keys are '/'-separated relative names ("datasets/ds.../dataset.json").
 * Content objects live at "objects/XX/YYYY..." named by SHA-256.
 */
#ifndef VDS_BACKEND_H
#define VDS_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "vds.h"

typedef struct vds_backend vds_backend;

/* Called once per child name of a listed prefix; non-zero stops the walk. */
typedef int (*vds_list_fn)(const char *name, void *ud);
/* Receives child names (malloc'd, the callee's to free); a negative status stops. */
typedef int (*vds_names_fn)(char **names, size_t n, void *ud);
/* Receives the bytes of a streamed object in order; non-zero stops. */
typedef int (*vds_stream_fn)(const void *data, size_t len, void *ud);

typedef struct vds_backend_ops {
	const char *type;
	/* Reads object KEY into a malloc'd, NUL-terminated buffer. */
	int (*read)(vds_backend *b, const char *key, char **out, size_t *len);
	/* Writes object KEY atomically and durably (replacing any old one). */
	int (*write)(vds_backend *b, const char *key, const void *data, size_t len);
	/*
	 * Writes KEY only if no object has that name, decided atomically by the
	 * provider against every other writer: 0 if created (or KEY holds
	 * exactly these bytes, a retried request), CREATE_EXISTS if KEY holds
	 * other bytes, CREATE_UNSUPPORTED if the provider cannot arbitrate.
	 */
	int (*create)(vds_backend *b, const char *key, const void *data, size_t len);
	/* Removes object KEY; VDS_ENOTFOUND if it was not there. */
	int (*remove)(vds_backend *b, const char *key);
	/* Removes every object under PREFIX/ (missing is not an error). */
	int (*remove_tree)(vds_backend *b, const char *prefix);
	/* Tells whether KEY exists (0), or VDS_ENOTFOUND; sets *size if asked. */
	int (*stat)(vds_backend *b, const char *key, uint64_t *size);
	/* Calls FN for each child name below PREFIX/ (missing prefix: none). */
	int (*list)(vds_backend *b, const char *prefix, vds_list_fn fn, void *ud);
	/*
	 * Returns a malloc'd local path whose file holds the object KEY; sets
	 * *CHECKED if its content was checked against its name's SHA-256 just now.
	 */
	int (*local_path)(vds_backend *b, const char *key, char **path, bool *checked);
	/*
	 * Writes content KEY (SIZE bytes) into the empty file FD, checking its
	 * SHA-256, if the backend would rather not go through local_path() for
	 * it; returns 1 (and writes nothing) otherwise.
	 */
	int (*fetch_into)(vds_backend *b, const char *key, uint64_t size, int fd);
	/* Reads object KEY from the provider itself (never a cache), in order. */
	int (*stream)(vds_backend *b, const char *key, vds_stream_fn fn, void *ud,
		      atomic_int *cancel);
	/* Reads up to LEN bytes of KEY at OFF. */
	int (*read_range)(vds_backend *b, const char *key, uint64_t off, void *buf, size_t len,
			  size_t *got);
	/*
	 * Copies the open file FD into the content store while hashing it;
	 * writes the SHA-256 and whether new content was stored. Adds BYTES
	 * read to *counter as it goes. Safe to call from several threads. The
	 * object is durable and visible only after flush().
	 */
	int (*put_content)(vds_backend *b, int fd, unsigned char sha[32], bool *stored,
			   _Atomic uint64_t *counter, atomic_int *cancel);
	/*
	 * Creates an empty file where content arriving as a stream (a download)
	 * waits to be put: the store's own disk, or a remote provider's cache.
	 * Sets *FD (read-write) and *PATH (malloc'd).
	 */
	int (*spool)(vds_backend *b, int *fd, char **path);
	/*
	 * Puts spooled file PATH (open as FD) whose content has hash SHA, like
	 * put_content(); takes PATH over (freed, and the file used or removed)
	 * whatever the outcome. The caller closes FD.
	 */
	int (*put_spooled)(vds_backend *b, char *path, int fd, const unsigned char sha[32],
			   bool *stored, _Atomic uint64_t *counter, atomic_int *cancel);
	/* Hints that NFILES put_content() calls follow (a backend may index). */
	void (*prepare_put)(vds_backend *b, size_t nfiles);
	/* Marks object KEY as just used (its time), so gc's grace period covers it. */
	int (*touch)(vds_backend *b, const char *key);
	/* Age of object KEY in seconds (time since written or touched). */
	int (*age)(vds_backend *b, const char *key, int64_t *seconds);
	/*
	 * Ends unfinished uploads (parts of large objects) begun over OLDER_THAN
	 * seconds ago, or only counts them on DRY_RUN; adds them to *N.
	 */
	int (*abort_stale)(vds_backend *b, int64_t older_than, bool dry_run, uint64_t *n);
	/* Makes every object from put_content() durable and visible. */
	int (*flush)(vds_backend *b);
	/* Drops objects from put_content() that were not flushed. */
	void (*discard)(vds_backend *b);
	/* Frees the backend. */
	void (*close)(vds_backend *b);
	/*
	 * Begins a read-only operation below PREFIX/ (NULL if the backend has
	 * nothing to gain): one listing (rolled up at DELIM if not NULL) may
	 * answer its reads, stats and listings there until unprime().
	 */
	void (*prime)(vds_backend *b, const char *prefix, const char *delim);
	/* Ends what prime() began. */
	void (*unprime)(vds_backend *b);
	/*
	 * prime() in parts (NULL if the backend lists at once): calls FN with
	 * the child names below PREFIX/ that each page of its listing completes;
	 * end it with unprime() whatever it returns.
	 */
	int (*prime_pages)(vds_backend *b, const char *prefix, const char *delim, vds_names_fn fn,
			   void *ud);
} vds_backend_ops;

/* What create() answers besides 0 and errors. */
#define CREATE_EXISTS 1
#define CREATE_UNSUPPORTED 2

struct vds_backend {
	const vds_backend_ops *ops;
	char *provider_id;
	int concurrency; /* transfers in flight by default; 0: one per processor */
	bool uncached;   /* local_path() reads the provider itself, not a cache (fsck) */
	int format;      /* the store's format version, from its marker */
	int64_t lease_s; /* without create(): how long a begun commit may hold its draft */
	bool legacy;     /* format 1 records may be present (a store upgraded from 1) */
	unsigned features; /* the FEATURE_* bits its marker names */
	bool ro;           /* every write refused (vds_backend_make_read_only) */
};

/* Opens a local-directory backend rooted at ROOT, creating the layout. */
int vds_backend_local_open(const char *root, vds_backend **out);

struct s3_config;
/*
 * Opens an S3 backend on CFG, starting a store at its prefix if that is
 * empty. Content read from it is cached below CACHE_DIR, which is pruned
 * to CACHE_MAX bytes when the backend closes after adding to it.
 */
int vds_backend_s3_open(const struct s3_config *cfg, const char *cache_dir, uint64_t cache_max,
			vds_backend **out);

/*
 * Makes B refuse every write (a read-only provider) before any request is
 * sent, with an error naming its provider; reading works as before.
 */
void vds_backend_make_read_only(vds_backend *b);
/* True if B refuses writes. */
bool vds_backend_read_only(const vds_backend *b);

/*
 * The local content cache of remote backend B (its folder and size limit):
 * true, or false for a backend whose content is on local disk already.
 */
bool vds_backend_cache(vds_backend *b, const char **dir, uint64_t *max);

/* The format marker every store holds at its root: a new store's, an upgraded one's. */
#define FORMAT_KEY "VDS-FORMAT"
#define FORMAT_VERSION 2
#define FORMAT_TEXT "{\"format\":\"vds\",\"version\":2,\"features\":[\"datasetkeys\"]}\n"
/* A new store's features: those of FORMAT_TEXT. */
#define FORMAT_FEATURES FEATURE_DATASETKEYS
/* The marker of a store of format 2 without features (before any were known). */
#define FORMAT_TEXT_PLAIN "{\"format\":\"vds\",\"version\":2}\n"
#define FORMAT_TEXT_UPGRADED "{\"format\":\"vds\",\"version\":2,\"upgradedFrom\":1}\n"
/* The features of format 2 this vds knows (the marker's "features" array): bits. */
#define FEATURE_DATASETKEYS 1u /* a dataset's record is datasets/ID.json */
#define FEATURE_PACKS 2u       /* new content goes into packs (CONTENT PACKS) */
/*
 * The text of a format 2 marker naming FEATURES (malloc'd); UPGRADED:
 * the store was of format 1 before.
 */
char *vds_format_text(unsigned features, bool upgraded);
/*
 * Checks the text of a format marker and notes its version in B;
 * VDS_ECORRUPT naming WHERE if it is not one this vds reads.
 */
int vds_format_check(vds_backend *b, const char *text, size_t len, const char *where);
/*
 * Upgrades a format 1 store to format 2 in place (B writable); 1 if it did,
 * 0 if there was nothing to do.
 */
int vds_format_upgrade(vds_backend *b);

/*
 * Names the feature "packs" in B's marker (B writable, of format 2): 1 if
 * it did, 0 if the marker named it already.
 */
int vds_format_add_packs(vds_backend *b);

/*
 * Makes B a store with the feature "packs" (backend_packs.c): content keys
 * written through the packer, read through the store index or as whole
 * objects; packed content read whole is kept in CACHE_DIR.
 */
void vds_backend_packs_wrap(vds_backend *b, const char *cache_dir);
/* True if B was wrapped by vds_backend_packs_wrap(). */
bool vds_backend_packed(const vds_backend *b);

/* Writes the content key of SHA ("objects/ab/cdef...") into KEY. */
void vds_content_key(const unsigned char sha[32], char key[80]);

#endif
