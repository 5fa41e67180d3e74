/*
 * vds.h - public interface of the vds core library.
 *
 * The CLI (src/cli/) and the terminal browser (ui/) use only this header.
 * Every function returns a status: 0 on success or a negative VDS_E* code,
 * with a one-line message naming the object available from vds_errmsg().
 * Functions named *_free release a structure and everything it owns;
 * *_release frees what a caller-allocated structure owns.
 */
#ifndef VDS_H
#define VDS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- status codes ---------------------------------------------------- */

enum vds_status {
	VDS_OK = 0,
	VDS_ERR = -1,        /* anything not covered below */
	VDS_EUSAGE = -2,     /* bad command line */
	VDS_ENOTFOUND = -3,  /* no such dataset, version, tag, file, provider */
	VDS_EINVAL = -4,     /* malformed reference, name or path */
	VDS_ECOMMITTED = -5, /* attempt to change a committed version */
	VDS_ECONFLICT = -6,  /* state forbids it (tags point at it, exists) */
	VDS_EIO = -7,        /* unreadable source, failed write */
	VDS_ENOSPC = -8,     /* disk full */
	VDS_ECORRUPT = -9,   /* malformed metadata or content hash mismatch */
	VDS_ECANCELED = -10, /* cancelled through the cancel flag */
};

/* Returns the calling thread's last error message (never NULL). */
const char *vds_errmsg(void);
/* Maps a status to the documented process exit code. */
int vds_exit_code(int status);

/* Receives one line of debug output (never credentials). */
typedef void (*vds_debug_fn)(const char *line, void *ud);
/* Sends the core's debug lines (requests, timings) to FN; NULL turns them off. */
void vds_set_debug(vds_debug_fn fn, void *ud);

#define VDS_DSID_LEN 15 /* "ds" + 13 base36 characters */
#define VDS_SPID_LEN 15 /* "sp" + 13 base36 characters */
#define VDS_VERID_LEN 7 /* 7 base36 characters */
#define VDS_TAG_MAX 128 /* bytes */

/* ---- progress and cancellation ---------------------------------------- */

/* A snapshot of a long operation's progress. */
typedef struct vds_progress {
	uint64_t files_done, files_total;
	uint64_t bytes_done, bytes_total;
	double elapsed;      /* seconds since the operation started */
	const char *current; /* path being worked on, or NULL */
	bool done;           /* last call for this operation */
	int retry_attempt;   /* a transfer waits to retry: the attempt it makes next, else 0 */
	int retry_attempts;  /* ... of this many */
	double retry_in;     /* ... in this many seconds */
} vds_progress;

/* Called on the calling thread about ten times a second. */
typedef void (*vds_progress_fn)(const vds_progress *p, void *ud);

/* Called for each thing skipped with a warning (serialised by the core). */
typedef void (*vds_warn_fn)(const char *msg, void *ud);

/* Options shared by long operations; a zeroed struct means defaults. */
typedef struct vds_opts {
	vds_progress_fn progress;
	void *progress_ud;
	vds_warn_fn warn;
	void *warn_ud;
	atomic_int *cancel; /* set non-zero from any thread to cancel */
	int concurrency;    /* parallel file workers, 0 = default */
} vds_opts;

/* Bytes per second so far, 0 before any time has passed. */
double vds_progress_rate(const vds_progress *p);
/* Estimated seconds left, or -1 when unknown. */
double vds_progress_eta(const vds_progress *p);
/* "retrying in 2 s, attempt 3 of 8" when a transfer waits to retry, else "" (LEN >= 1). */
void vds_progress_retry_text(const vds_progress *p, char *buf, size_t len);

/* ---- context and storage providers ------------------------------------ */

typedef struct vds_ctx vds_ctx;

/*
 * Settings of an S3-compatible provider. In a create or update request a
 * NULL string or a negative flag means "not given".
 */
typedef struct vds_s3_settings {
	char *bucket;
	char *endpoint;   /* "" or NULL: AWS S3 in the region */
	char *region;     /* "" or NULL: $AWS_REGION, else us-east-1 */
	char *prefix;     /* "" or "folder/" inside the bucket */
	char *access_key; /* with secret_key, else profile, else $AWS_* */
	char *secret_key; /* never printed */
	char *profile;    /* profile of ~/.aws/credentials */
	int path_style;   /* 1 path-style URLs, 0 virtual-hosted; -1 default */
	int insecure;     /* 1: do not verify TLS certificates */
	int read_only;    /* 1: every write is refused; without credentials, anonymous */
} vds_s3_settings;

/* A configured storage provider. Owned by the context. */
typedef struct vds_provider {
	char id[VDS_SPID_LEN + 1];
	char *name;
	char *type; /* "local" or "s3" */
	char *path; /* local: root directory; s3: "s3://BUCKET/PREFIX" */
	vds_s3_settings s3; /* type "s3" */
	bool demo_seeded;   /* plain vds has offered this store the demo once */
} vds_provider;

/*
 * Opens the configuration at CONFIG_PATH, or the default one
 * ($VDS_HOME/config.json, else $XDG_CONFIG_HOME/vds/config.json), creating
 * it with a default local provider when there is none. Free with
 * vds_ctx_free().
 */
int vds_ctx_open(vds_ctx **out, const char *config_path);
/* Closes backends and frees the context. */
void vds_ctx_free(vds_ctx *ctx);
/*
 * Sends the context's warnings to FN: a store upgraded to the current
 * format, a damaged record skipped by a listing. Without it they are dropped.
 */
void vds_ctx_set_warn(vds_ctx *ctx, vds_warn_fn fn, void *ud);
/* How many damaged records listings have skipped (with a warning) so far. */
uint64_t vds_ctx_skipped(const vds_ctx *ctx);
/* Path of the configuration file in use. */
const char *vds_ctx_config_path(const vds_ctx *ctx);
/* Number of configured providers. */
size_t vds_provider_count(const vds_ctx *ctx);
/* The I-th provider, in configuration order. */
const vds_provider *vds_provider_at(const vds_ctx *ctx, size_t i);
/* Looks a provider up by id; VDS_ENOTFOUND if unknown. */
int vds_provider_find(vds_ctx *ctx, const char *id, const vds_provider **out);
/* The provider new datasets go to by default, or NULL. */
const vds_provider *vds_provider_default(const vds_ctx *ctx);
/* Adds a local provider rooted at PATH (created if missing); writes ID. */
int vds_provider_create_local(vds_ctx *ctx, const char *name, const char *path,
			      char id[VDS_SPID_LEN + 1]);
/*
 * Adds an S3 provider after checking that the bucket answers and that its
 * prefix is empty or a vds store (one is started there); writes ID.
 */
int vds_provider_create_s3(vds_ctx *ctx, const char *name, const vds_s3_settings *s,
			   char id[VDS_SPID_LEN + 1]);
/* Changes the settings given in S (and NAME unless NULL) of S3 provider ID. */
int vds_provider_update_s3(vds_ctx *ctx, const char *id, const char *name,
			   const vds_s3_settings *s);
/*
 * Upgrades the store of provider ID to this vds's features (vds-format(5),
 * UPGRADE); *COPIED: dataset records copied to their new keys. Run again
 * after an interruption.
 */
int vds_provider_upgrade(vds_ctx *ctx, const char *id, size_t *copied);
/* Removes a provider from the configuration; its data stays where it is. */
int vds_provider_delete(vds_ctx *ctx, const char *id);
/*
 * Gives the store of provider ID the feature "packs" (ON true; once, for
 * good): 1 if it was added, 0 if the store had it; ON false only checks
 * that it has not (VDS_ECONFLICT if it has: the feature cannot be removed).
 */
int vds_provider_set_packs(vds_ctx *ctx, const char *id, bool on);

/* ---- the local cache of remote content -------------------------------- */

/* What the cache holds, and what pruning removed. */
typedef struct vds_cache_info {
	uint64_t objects, bytes;
	uint64_t removed, removed_bytes;
	uint64_t max_bytes; /* the limit applied */
} vds_cache_info;

/* The cache folder ($XDG_CACHE_HOME/vds or $VDS_HOME/cache). */
const char *vds_cache_dir(const vds_ctx *ctx);
/* Counts what the cache holds; fills the configured limit. */
int vds_cache_status(vds_ctx *ctx, vds_cache_info *out);
/* Removes least recently used content beyond MAX_BYTES (<0: the configured limit). */
int vds_cache_prune(vds_ctx *ctx, int64_t max_bytes, vds_cache_info *out);
/* Sets the configured limit, applied after every download. */
int vds_cache_set_limit(vds_ctx *ctx, uint64_t max_bytes);

/* ---- datasets --------------------------------------------------------- */

typedef struct vds_dataset {
	char id[VDS_DSID_LEN + 1];
	char *name;
	char *description; /* "" when none */
	char provider_id[VDS_SPID_LEN + 1];
	int64_t created_us; /* microseconds since the epoch */
} vds_dataset;

/* Frees what D owns. */
void vds_dataset_release(vds_dataset *d);
/* Lists datasets of every provider, sorted by name then id. */
int vds_dataset_list(vds_ctx *ctx, vds_dataset **out, size_t *n);
/*
 * Receives a part of the dataset list: V (N datasets, sorted by name, the
 * callee's to free with vds_dataset_list_free()); a negative status stops
 * the listing and is returned.
 */
typedef int (*vds_dataset_page_fn)(vds_dataset *v, size_t n, void *ud);
/*
 * The datasets of vds_dataset_list() in parts, as the providers' listings
 * arrive: each page of an S3 listing gives FN the datasets it completes
 * (their records read in parallel); a local provider gives them at once.
 */
int vds_dataset_list_pages(vds_ctx *ctx, vds_dataset_page_fn fn, void *ud);
/* Frees an array from vds_dataset_list(). */
void vds_dataset_list_free(vds_dataset *v, size_t n);
/* Finds a dataset by id, or by name when exactly one has it. */
int vds_dataset_get(vds_ctx *ctx, const char *id_or_name, vds_dataset *out);
/* Checks a dataset name as vds_dataset_create() does (one plain line, not empty). */
int vds_dataset_name_check(const char *name);
/* Creates a dataset on PROVIDER_ID (NULL: the default provider). */
int vds_dataset_create(vds_ctx *ctx, const char *name, const char *description,
		       const char *provider_id, vds_dataset *out);
/* Changes name and/or description (NULL leaves a field as it is). */
int vds_dataset_update(vds_ctx *ctx, const char *id, const char *name,
		       const char *description);
/* Deletes a dataset, its versions and tags (content is left to gc). */
int vds_dataset_delete(vds_ctx *ctx, const char *id);

/* ---- versions --------------------------------------------------------- */

typedef struct vds_version {
	char id[VDS_VERID_LEN + 1];
	char *message;
	int64_t created_us;
	bool committed;
	int64_t committed_us; /* 0 for drafts */
	uint64_t file_count;  /* committed versions: from the commit record */
	uint64_t total_size;
	char **tags; /* tag names pointing at this version, sorted */
	size_t ntags;
} vds_version;

/* Frees what V owns. */
void vds_version_release(vds_version *v);
/* Lists a dataset's versions, newest first; drafts carry counts too. */
int vds_version_list(vds_ctx *ctx, const char *ds, vds_version **out, size_t *n);
/* Frees an array from vds_version_list(). */
void vds_version_list_free(vds_version *v, size_t n);
/* Reads one version, with file count and size (drafts: materialised). */
int vds_version_get(vds_ctx *ctx, const char *ds, const char *ver, vds_version *out);
/* Creates a draft version; BASE_VER (or NULL) gives its initial files. */
int vds_version_create(vds_ctx *ctx, const char *ds, const char *message,
		       const char *base_ver, char id[VDS_VERID_LEN + 1]);
/* Changes a draft's message. */
int vds_version_update(vds_ctx *ctx, const char *ds, const char *ver, const char *message);
/* Commits a draft: its file list becomes immutable. */
int vds_version_commit(vds_ctx *ctx, const char *ds, const char *ver);
/* Deletes a version; a committed one that tags point at needs FORCE. */
int vds_version_delete(vds_ctx *ctx, const char *ds, const char *ver, bool force);

/* ---- references and tags ---------------------------------------------- */

/* A reference resolved to one version. */
typedef struct vds_resolved {
	vds_dataset dataset;
	char version[VDS_VERID_LEN + 1]; /* "" when the reference named none */
	char *tag;                       /* tag it came through, or NULL */
	bool committed;
} vds_resolved;

/* Splits "DATASET[:NAME]" into freshly allocated parts (*name may be NULL). */
int vds_ref_parse(const char *ref, char **dataset, char **name);
/* Resolves a reference; NEED_VERSION turns "DATASET" into DATASET:latest. */
int vds_ref_resolve(vds_ctx *ctx, const char *ref, bool need_version, vds_resolved *out);
/* Frees what R owns. */
void vds_resolved_release(vds_resolved *r);
/*
 * Begins a read-only command on the dataset of REF (given by its id): until
 * vds_hold_end(), its reads of that dataset are answered from one listing
 * of its records where the provider keeps listings (S3), as one operation.
 * Never fails (NULL: nothing held); the command reports what is wrong.
 */
typedef struct vds_hold vds_hold;
vds_hold *vds_hold_begin(vds_ctx *ctx, const char *ref);
/* Ends what vds_hold_begin() began (NULL is fine). */
void vds_hold_end(vds_hold *h);
/* Checks that NAME may be a tag name (VDS_EINVAL with the reason if not). */
int vds_tag_name_check(const char *name);
/* True if S has the form of a version id. */
bool vds_is_version_id(const char *s);

typedef struct vds_tag {
	char *name;
	char version[VDS_VERID_LEN + 1];
} vds_tag;

/* Lists a dataset's tags sorted by name. */
int vds_tag_list(vds_ctx *ctx, const char *ds, vds_tag **out, size_t *n);
/* Frees an array from vds_tag_list(). */
void vds_tag_list_free(vds_tag *t, size_t n);
/* Points tag NAME at committed version VER, moving it if it exists. */
int vds_tag_set(vds_ctx *ctx, const char *ds, const char *ver, const char *name);
/* Deletes tag NAME. */
int vds_tag_delete(vds_ctx *ctx, const char *ds, const char *name);

/* ---- file trees ------------------------------------------------------- */

enum vds_entry_type { VDS_FILE = 'F', VDS_LINK = 'L', VDS_DIR = 'D' };

/* One file of a version. PATH points into storage owned by the tree or listing. */
typedef struct vds_entry {
	const char *path; /* relative, '/'-separated, no leading '/' */
	char type;        /* VDS_FILE or VDS_LINK (VDS_DIR in listings) */
	uint64_t size;    /* folders: total size of their files */
	uint32_t mode;
	int64_t mtime;
	uint64_t nfiles;             /* folders: number of files below */
	unsigned char sha256[32];
} vds_entry;

/* The file list of one version, sorted by path; one thread at a time. */
typedef struct vds_tree vds_tree;

/* Opens the file list of DS:VER (drafts: materialised from changes). */
int vds_tree_open(vds_ctx *ctx, const char *ds, const char *ver, vds_tree **out);
/* Frees a tree. */
void vds_tree_free(vds_tree *t);
/* Number of files in the tree. */
uint64_t vds_tree_count(const vds_tree *t);
/* Total size of the tree's files in bytes. */
uint64_t vds_tree_size(const vds_tree *t);
/* Reads entry I (path order); E->path stays valid until the next call on T. */
int vds_tree_at(vds_tree *t, uint64_t i, vds_entry *e);
/* Finds the file at PATH; VDS_ENOTFOUND if none. */
int vds_tree_lookup(vds_tree *t, const char *path, vds_entry *e);
/* Range [*first, *end) of entries at or below folder PATH ("" = root). */
void vds_tree_range(vds_tree *t, const char *path, uint64_t *first, uint64_t *end);

/* A folder listing: direct children with folder totals. Owns its strings. */
typedef struct vds_listing {
	vds_entry *v; /* sorted by name; folders have type VDS_DIR */
	size_t n;
} vds_listing;

/* Lists the direct children of folder PATH; VDS_ENOTFOUND if PATH is absent. */
int vds_tree_list(vds_tree *t, const char *path, vds_listing *out);
/* Frees what a listing owns. */
void vds_listing_release(vds_listing *l);

/* ---- files ------------------------------------------------------------ */

/* Checks that local SOURCE (a --source-path) exists, before anything is created. */
int vds_source_check(const char *source);

/* What vds_files_put() did. */
typedef struct vds_put_result {
	uint64_t files, bytes;       /* files and bytes put */
	uint64_t stored_bytes;       /* bytes of new content written */
	uint64_t skipped;            /* special files and links left out */
} vds_put_result;

/*
 * Puts local files into draft DS:VER under TARGET ("/" or NULL for the root).
 * A source ending in '/' puts its contents; otherwise the file or folder
 * itself. Atomic: either every file is added or none.
 */
int vds_files_put(vds_ctx *ctx, const char *ds, const char *ver, const char *const *sources,
		  size_t nsources, const char *target, const vds_opts *o, vds_put_result *res);

/*
 * One source of files for a draft: a local path, an http:// or https:// URL,
 * or s3://BUCKET/PREFIX (every object below it; s3://BUCKET/KEY: one object).
 */
typedef struct vds_source {
	const char *location;
	bool extract;            /* URLs: unpack tar (any compression) and zip archives */
	const char *sha256;      /* URLs of one file: the hex SHA-256 it must have, or NULL */
	const char *provider_id; /* s3:// URLs: reached with this provider's endpoint and
				    credentials; NULL: anonymously ($AWS_ENDPOINT_URL or AWS) */
} vds_source;

/* True if LOCATION is a URL vds downloads (http://, https://, s3://). */
bool vds_source_is_url(const char *location);
/* Checks a source before anything is created: a path exists, a URL is well formed. */
int vds_source_check_one(vds_ctx *ctx, const vds_source *s);

/*
 * Puts files from local paths and URLs into draft DS:VER under TARGET, like
 * vds_files_put(): downloads stream into the store (checked against SHA256
 * when given, archives unpacked with EXTRACT, resumed after a dropped
 * connection), and nothing is added unless every source arrived whole.
 */
int vds_files_add(vds_ctx *ctx, const char *ds, const char *ver, const vds_source *sources,
		  size_t nsources, const char *target, const vds_opts *o, vds_put_result *res);

/* What vds_files_get() did. */
typedef struct vds_get_result {
	uint64_t files, bytes; /* files written */
	uint64_t present;      /* files already in place with the right content */
} vds_get_result;

/* Writes files of DS:VER (all, or those at or below PATHS) into DIR. */
int vds_files_get(vds_ctx *ctx, const char *ds, const char *ver, const char *const *paths,
		  size_t npaths, const char *dir, const vds_opts *o, vds_get_result *res);
/* Removes files or folders from draft DS:VER. */
int vds_files_delete(vds_ctx *ctx, const char *ds, const char *ver, const char *const *paths,
		     size_t npaths);
/* Reads up to LEN bytes at OFF of the content with hash SHA of dataset DS. */
int vds_content_read(vds_ctx *ctx, const char *ds, const unsigned char sha[32], uint64_t off,
		     void *buf, size_t len, size_t *got);

/* ---- reading files at any offset (the mount's reads, checked) ------------ */

/* The content of one dataset open for reading from many threads at once. */
typedef struct vds_reader vds_reader;
/* One file of a version open for reading; its reads may come from any thread. */
typedef struct vds_file vds_file;

/*
 * Opens a reader of dataset DS's content: the store's object files, or a
 * remote provider's cache and ranged reads of its bucket. CTX must outlive
 * it; only the reads themselves may run on other threads.
 */
int vds_reader_new(vds_ctx *ctx, const char *ds, vds_reader **out);
/* Frees a reader whose files are all closed. */
void vds_reader_free(vds_reader *rd);
/*
 * Opens file E of a version of the reader's dataset. A file of at most
 * 8 MiB is read and checked against its SHA-256 here (VDS_ECORRUPT if it
 * does not match); a larger one is hashed as it is read in order.
 */
int vds_file_open(vds_reader *rd, const vds_entry *e, vds_file **out);
/* Size of F in bytes. */
uint64_t vds_file_size(const vds_file *f);
/*
 * Reads up to LEN bytes at OFF of F (*GOT bytes, 0 at the end). The read
 * that completes an in-order pass over a damaged file fails with
 * VDS_ECORRUPT, as does every read after it.
 */
int vds_file_pread(vds_file *f, uint64_t off, void *buf, size_t len, size_t *got);
/* Closes F. */
void vds_file_close(vds_file *f);

/* ---- comparing and checking versions ----------------------------------- */

enum vds_change { VDS_ADDED = 'A', VDS_REMOVED = 'D', VDS_MODIFIED = 'M', VDS_RENAMED = 'R' };

/* One difference between two file lists; A or B is NULL when absent. */
typedef struct vds_diff_item {
	enum vds_change change;
	const vds_entry *a, *b;
} vds_diff_item;

/* Totals of a diff. */
typedef struct vds_diff_stats {
	uint64_t added, removed, modified, renamed;
	uint64_t bytes_added, bytes_removed; /* sizes of files added and removed */
} vds_diff_stats;

/* Called per difference, in path order (renames at their new path). */
typedef void (*vds_diff_fn)(const vds_diff_item *d, void *ud);

/*
 * Compares file lists A and B from their manifests alone (no content is
 * read). A file whose content moved to a new path is a rename.
 */
int vds_diff(vds_tree *a, vds_tree *b, vds_diff_fn fn, void *ud, vds_diff_stats *st);

/*
 * Runs the system's "diff -u" on texts A and B labelled LA and LB, calling
 * LINE for each line of its output (raw: escape before showing); *ANY says
 * whether it printed anything (not when the texts are equal).
 */
int vds_text_diff(const char *la, const char *a, size_t alen, const char *lb, const char *b,
		  size_t blen, void (*line)(const char *l, void *ud), void *ud, bool *any);

/* Checks every file of DS:VER against its SHA-256; BAD gets each bad or missing path. */
int vds_verify(vds_ctx *ctx, const char *ds, const char *ver, const vds_opts *o,
	       void (*bad)(const char *path, const char *why, void *ud), void *ud,
	       uint64_t *checked, uint64_t *failed);

/* What vds_gc() found and freed. */
typedef struct vds_gc_result {
	uint64_t objects, bytes;   /* content freed (or that would be, on a dry run) */
	uint64_t kept, young;      /* referenced objects; unreferenced but within the grace */
	uint64_t uploads;          /* unfinished uploads older than the grace, ended */
	uint64_t packs;            /* record packs removed: each dataset keeps its newest two */
} vds_gc_result;

/*
 * Deletes content that no version or draft of provider PROVIDER_ID (NULL:
 * every provider) references and that nobody wrote or reused for GRACE
 * seconds; writers touch content they reuse, so a put running meanwhile
 * never loses what it is about to reference. Also ends unfinished uploads
 * begun before the grace, and removes the record packs of each dataset
 * but the newest two. Deletes nothing on DRY_RUN, nor when any file list
 * cannot be read.
 */
int vds_gc(vds_ctx *ctx, const char *provider_id, int64_t grace, bool dry_run, vds_gc_result *res);

/* What vds_fsck() looked at and found. */
typedef struct vds_fsck_result {
	uint64_t datasets, versions, tags, files; /* checked */
	uint64_t problems; /* damage */
	uint64_t notes;    /* leftovers of interrupted or racing writes: normal states */
	uint64_t repaired; /* of either */
} vds_fsck_result;

/*
 * Called for each finding (escaped for display): damage, or with NOTE a
 * leftover of normal life; REPAIRED says whether it was mended.
 */
typedef void (*vds_fsck_fn)(const char *finding, bool note, bool repaired, void *ud);

/*
 * Checks every dataset, version, tag and draft of provider PROVIDER_ID
 * (NULL: every provider): metadata that cannot be read, file lists naming
 * missing content, tags naming missing versions, leftovers of interrupted
 * or deleted writes. REPAIR removes leftovers only (never anything a
 * committed version references), and only those older than an hour.
 */
int vds_fsck(vds_ctx *ctx, const char *provider_id, bool repair, vds_fsck_fn fn, void *ud,
	     vds_fsck_result *res);

/* What vds_fsck_read_data() read and found. */
typedef struct vds_fsck_data_result {
	uint64_t objects, bytes; /* content objects read */
	uint64_t damaged, removed;
} vds_fsck_data_result;

/*
 * Reads every content object of provider PROVIDER_ID (NULL: every provider)
 * again, in parallel with progress through O, and checks it against its
 * name; an object that does not match is read again before it counts as
 * damaged. REPAIR removes the damaged ones, so that the next upload of
 * their content stores it again. Findings go to FN.
 */
int vds_fsck_read_data(vds_ctx *ctx, const char *provider_id, bool repair, const vds_opts *o,
		       vds_fsck_fn fn, void *ud, vds_fsck_data_result *res);

/* ---- mounts ------------------------------------------------------------ */

/* A read-only FUSE mount of one version, served by threads of this process. */
typedef struct vds_mount vds_mount;

/* True if FUSE mounts can be made here; else false, the reason in vds_errmsg(). */
bool vds_mount_possible(void);
/*
 * Mounts committed version DS:VER read-only at DIR (an empty folder) with
 * a context of its own opened from CONFIG_PATH (NULL: the default);
 * contents are read on demand. Returns once the mount is visible. A draft
 * is refused (VDS_ECONFLICT): its files may still change.
 */
int vds_mount_new(const char *config_path, const char *ds, const char *ver, const char *dir,
		  vds_mount **out);
/* Blocks until M is unmounted from outside (vds umount, fusermount3 -u). */
int vds_mount_wait(vds_mount *m);
/*
 * Unmounts M if it is still mounted, and frees it. A mount in use is
 * detached and its connection ended; where that cannot be ended (no fuse
 * control file system), its threads serve the files still open until they
 * are closed, and M is freed only with the process.
 */
void vds_mount_free(vds_mount *m);
/* Unmounts the mount at DIR, also a stale one whose process died. */
int vds_umount(const char *dir);

/* ---- lineage ------------------------------------------------------------ */

/* One input of a job: the name it had and the exact version it read. */
typedef struct vds_lineage_input {
	char *name;
	char dataset[VDS_DSID_LEN + 1];
	char version[VDS_VERID_LEN + 1];
} vds_lineage_input;

/* How a version was made by vds run. Owns its strings. */
typedef struct vds_lineage {
	vds_lineage_input *inputs;
	size_t ninputs;
	char *output;     /* the output name the version was written as */
	char **command;   /* the command's argv */
	size_t ncommand;
	int64_t started_us, ended_us;
	int exit_status;
	char *host;
} vds_lineage;

/* Records how draft DS:VER was made (before it is committed). */
int vds_lineage_set(vds_ctx *ctx, const char *ds, const char *ver, const vds_lineage *l);
/* Reads how DS:VER was made; VDS_ENOTFOUND if vds run did not make it. */
int vds_lineage_get(vds_ctx *ctx, const char *ds, const char *ver, vds_lineage *out);
/* Frees what L owns. */
void vds_lineage_release(vds_lineage *l);
/* The command of L as one line, each word shell-quoted when it needs it (caller frees). */
char *vds_lineage_command(const vds_lineage *l);

/* One version met by vds_lineage_walk(); valid during the callback only. */
typedef struct vds_lineage_node {
	int depth;                  /* 0: the version the walk starts at */
	const char *via;            /* input name(s) joining it to the line above; NULL at depth 0 */
	const char *dataset, *version;
	const vds_lineage *lineage; /* how vds run made it, or NULL */
	bool missing;               /* the version (or its dataset) no longer exists */
	bool repeated;              /* met before in this walk: what lies beyond is not walked again */
} vds_lineage_node;

/* Called for each version of a walk, depth first; non-zero stops the walk with that status. */
typedef int (*vds_lineage_fn)(const vds_lineage_node *n, void *ud);

/*
 * Walks the lineage of DS:VER up to DEPTH levels (<0: all): up, input by
 * input (what it was made from), or with DOWNSTREAM down (the committed
 * versions of every dataset whose lineage names it as an input, oldest
 * first; their records are read in parallel).
 */
int vds_lineage_walk(vds_ctx *ctx, const char *ds, const char *ver, bool downstream, int depth,
		     vds_lineage_fn fn, void *ud);

/* ---- running commands on datasets --------------------------------------- */

/* A named dataset of a job: an input NAME=DS:REF or an output NAME=DS. */
typedef struct vds_run_binding {
	const char *name;
	const char *ref;
} vds_run_binding;

/* What vds_run() runs. */
typedef struct vds_run_job {
	const vds_run_binding *inputs;  /* read-only at WORKDIR/inputs/NAME */
	size_t ninputs;
	const vds_run_binding *outputs; /* WORKDIR/outputs/NAME: a new version of the dataset */
	size_t noutputs;
	char *const *command;           /* argv; the program is searched in $PATH */
	size_t ncommand;
	const char *message;            /* message of the versions committed, or NULL */
	const char *workdir;            /* NULL: a new folder under $TMPDIR */
	bool no_mount;                  /* copy inputs even where FUSE mounts work */
	void (*note)(const char *line, void *ud); /* a line for the user, or NULL */
	void *note_ud;
} vds_run_job;

/* What vds_run() did. */
typedef struct vds_run_result {
	int status;         /* the command's exit status (128+N: signal N); -1 if it never ran */
	int signal;         /* the signal that interrupted vds itself, or 0 */
	char *workdir;      /* the work folder */
	bool kept;          /* the work folder is still there (the outputs, for inspection) */
	char **committed;   /* "DS:VER" of each output committed, in order */
	size_t ncommitted;
} vds_run_result;

/*
 * Runs JOB: resolves its inputs to exact committed versions, mounts them
 * read-only (or copies them read-only where FUSE cannot), runs the command
 * with VDS_INPUTS and VDS_OUTPUTS set and, if it exits 0, commits each
 * output folder as a new version recording its lineage. Handles SIGINT,
 * SIGTERM and SIGHUP while it runs (forwarded to the command); call it
 * from a program's main thread. Returns 0 once the command ran and ended
 * (its status in RES; nothing is committed unless it is 0).
 */
int vds_run(vds_ctx *ctx, const vds_run_job *job, const vds_opts *o, vds_run_result *res);
/* Frees what R owns. */
void vds_run_result_release(vds_run_result *r);

/* ---- background jobs ---------------------------------------------------- */

/*
 * A queue of jobs run by worker threads. Each job runs with a context of
 * its own (contexts are not shared between threads), reports progress and
 * state under the queue's lock, and writes a byte to a pipe whenever
 * something changed, so a front end can wait for jobs in poll().
 */
typedef struct vds_jobs vds_jobs;

typedef enum vds_job_state {
	VDS_JOB_QUEUED,
	VDS_JOB_RUNNING,
	VDS_JOB_DONE,
	VDS_JOB_FAILED,
	VDS_JOB_CANCELLED,
} vds_job_state;

/*
 * Runs on a worker thread with its own CTX; O carries progress and the
 * cancel flag. Writes what it did into RESULT (for the user) and returns a
 * status.
 */
typedef int (*vds_job_fn)(vds_ctx *ctx, void *arg, const vds_opts *o, char *result, size_t len);

/* A copy of one job's state, owned by a snapshot. */
typedef struct vds_job_info {
	unsigned id;
	char *title;
	vds_job_state state;
	vds_progress progress; /* current: a copy owned by the snapshot */
	char *result;          /* what it did, when it ended */
	char *error;           /* why it failed */
	int64_t queued_us, started_us, ended_us;
} vds_job_info;

/* Starts WORKERS threads running jobs with contexts opened from CONFIG_PATH. */
vds_jobs *vds_jobs_new(const char *config_path, int workers);
/* Cancels every job, waits for the workers and frees the queue. */
void vds_jobs_free(vds_jobs *q);
/* The file descriptor that becomes readable when any job changed. */
int vds_jobs_fd(const vds_jobs *q);
/* Empties the notification pipe. */
void vds_jobs_drain(vds_jobs *q);
/* Queues FN(ARG); FREE_ARG (or NULL) frees ARG afterwards. Returns the job id. */
unsigned vds_jobs_submit(vds_jobs *q, const char *title, vds_job_fn fn, void *arg,
			 void (*free_arg)(void *));
/* Asks job ID to stop (a queued job never starts). */
void vds_jobs_cancel(vds_jobs *q, unsigned id);
/* Copies every job, oldest first; free with vds_jobs_snapshot_free(). */
size_t vds_jobs_snapshot(vds_jobs *q, vds_job_info **out);
/* Frees a snapshot. */
void vds_jobs_snapshot_free(vds_job_info *v, size_t n);
/* Number of jobs queued or running. */
size_t vds_jobs_active(vds_jobs *q);
/* Counts jobs that have ended; it grows by one each time one ends. */
unsigned vds_jobs_ended(vds_jobs *q);
/* Blocks until no job is queued or running. */
void vds_jobs_wait_idle(vds_jobs *q);
/* Blocks until a running job has done some bytes (or none is active). */
void vds_jobs_wait_progress(vds_jobs *q);

/* ---- the front end's reads (loads) ----------------------------------- */

/*
 * Reader threads that run a front end's reads off its thread. Each reader
 * keeps a context of its own; a finished load waits until the front end
 * takes it, and a byte on a pipe wakes the front end's poll(). The front
 * end decides whether a result is still wanted (its generation rule).
 */
typedef struct vds_loads vds_loads;

/* Runs on a reader with its own CTX; O carries the load's cancel flag. Returns a status. */
typedef int (*vds_load_fn)(vds_ctx *ctx, void *arg, const vds_opts *o);

/* A finished load, taken by the front end: ARG is its own again. */
typedef struct vds_load_done {
	unsigned id;
	void *arg;
	int status;    /* what the function returned (VDS_ECANCELED when cancelled) */
	char *error;   /* its message when status < 0 */
	char *warning; /* the last warning the reads gave (a damaged record skipped), or NULL */
	bool part;     /* a part the load posted (vds_loads_post()); the load itself follows */
} vds_load_done;

/* Starts READERS threads reading with contexts opened from CONFIG_PATH. */
vds_loads *vds_loads_new(const char *config_path, int readers);
/* Cancels what runs, waits for the readers, frees what was not taken (through FREE_ARG). */
void vds_loads_free(vds_loads *q);
/* The file descriptor that becomes readable when a load has finished. */
int vds_loads_fd(const vds_loads *q);
/* Queues FN(ARG), after every foreground load unless BACKGROUND; returns its id. */
unsigned vds_loads_submit(vds_loads *q, vds_load_fn fn, void *arg, void (*free_arg)(void *),
			  bool background);
/*
 * On a reader, inside a load: hands ARG (freed by FREE_ARG if never taken)
 * to the front end now, as a finished load with the running load's id and
 * part set, before the load itself; false (ARG freed) if it is cancelled.
 */
bool vds_loads_post(void *arg, void (*free_arg)(void *));
/* Cancels load ID: a queued one finishes at once with VDS_ECANCELED, a running one is told. */
void vds_loads_cancel(vds_loads *q, unsigned id);
/* Takes the oldest finished load into D (and empties the pipe); false when none. */
bool vds_loads_take(vds_loads *q, vds_load_done *d);
/* Frees D's messages (not its argument). */
void vds_load_done_release(vds_load_done *d);
/* Loads queued, running or finished and not yet taken. */
size_t vds_loads_pending(vds_loads *q);
/* Blocks until a finished load waits to be taken, or none is queued or running. */
void vds_loads_wait(vds_loads *q);

/* ---- small helpers shared with the front ends ------------------------- */

/* Writes the 64-character lowercase hex form of SHA into HEX. */
void vds_sha256_hex(const unsigned char sha[32], char hex[65]);
/* Formats microseconds since the epoch as "YYYY-MM-DD HH:MM:SS" UTC. */
void vds_format_time(int64_t us, char buf[32]);
/* Current time in microseconds since the epoch. */
int64_t vds_now_us(void);
/* Normalises a version path: strips '/' runs and edges; rejects "." and "..". */
int vds_path_normalize(const char *in, char **out);
/*
 * Escapes untrusted S for a terminal: control characters, DEL, C1 controls,
 * bidirectional controls and invalid UTF-8 become \xHH (each byte), a
 * backslash becomes \\. Caller frees.
 */
char *vds_display_escape(const char *s);
/* Formats BYTES for people: "1.5 MiB", or COMPACT "1.5M" (at most 6 columns). */
void vds_format_size(unsigned long long bytes, bool compact, char buf[32]);
/* Columns that escaped text S takes on a terminal. */
size_t vds_display_width(const char *s);
/* True for the bidirectional controls U+202A-U+202E and U+2066-U+2069. */
bool vds_bidi_control(uint32_t cp);
/* Length of the valid UTF-8 sequence at S (its code point in *CP), or 0. */
int vds_utf8_seq(const unsigned char *s, uint32_t *cp);
/* Creates the demo dataset from DATA_DIR when the default store is local, has no
   datasets, and was never offered it (remembered in the configuration). */
int vds_demo_seed(vds_ctx *ctx, const char *data_dir, char id[VDS_DSID_LEN + 1]);

#endif
