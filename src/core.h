/*
 * core.h - the context behind vds.h: configuration, open backends and the
 * key layout of a store. Internal to src/. The storage floor below it
 * (src/store/) knows nothing of the context.
 *
 * Key layout (see vds-format(5)):
 *   VDS-FORMAT                                   format marker
 *   objects/XX/YYYY...                           content by SHA-256
 *   datasets/DS.json                             dataset record (feature datasetkeys)
 *   datasets/DS/dataset.json                     dataset record (stores without it)
 *   datasets/pack-STAMP.json                     record pack of the dataset records
 *   datasets/DS/versions/VER/version.json        version record
 *   datasets/DS/versions/VER/changes/STAMP       change records of a draft
 *   datasets/DS/versions/VER/seal/STAMP          seal records (a commit began)
 *   datasets/DS/versions/VER/commit.json         the commit record, created once
 *   datasets/DS/versions/VER/delete.json         a deletion began
 *   datasets/DS/versions/VER/commit/STAMP.json   commit records of format 1
 *   datasets/DS/versions/VER/lineage/STAMP.json  lineage records (the commit names one)
 *   datasets/DS/tags/NAME/STAMP.json             tag records (newest wins)
 */
#ifndef VDS_CORE_H
#define VDS_CORE_H

#include <cjson/cJSON.h>

#include "store/backend.h"
#include "store/s3_settings.h"
#include "util.h"
#include "vds.h"

struct vds_ctx {
	char *config_path;
	char *cache_dir;
	char *default_store; /* where the default local provider lives */
	vds_provider *prov;
	vds_backend **be; /* parallel to prov, opened on first use */
	size_t nprov;
	char default_id[VDS_SPID_LEN + 1];
	uint64_t cache_max; /* limit of the content cache, in bytes */
	vds_warn_fn warn;   /* where warnings go (vds_ctx_set_warn), or NULL */
	void *warn_ud;
	uint64_t skipped;   /* damaged records that listings skipped */
	/* the listing the next open of an S3 provider makes beside its format
	 * marker, for the prime that follows (hold.c, datasets list), or NULL */
	const char *open_prefix, *open_delim;
};

/*
 * For an item of a listing that failed with R: a damaged one (VDS_ECORRUPT)
 * gets its reason in *WHY (malloc'd) and counts as read (0); R otherwise.
 */
int listing_skip(int r, char **why);
/*
 * With SHOW, warns that item ITEMS[i] (of KIND, in dataset DS) was skipped
 * for WHY[i], for every I below N with a reason; frees the reasons and WHY.
 */
void listing_warn(vds_ctx *ctx, const char *kind, const char *ds, char *const *items,
		  char **why, size_t n, bool show);
/*
 * Begins a read-only operation below PREFIX of backend B: a remote store
 * may answer its reads there from one listing (rolled up at DELIM) and
 * the record cache; store_unprime() ends it (see vds-format(5), LOCAL CACHE).
 */
void store_prime(vds_backend *b, const char *prefix, const char *delim);
/* What dataset_prime() leaves out of a dataset's listing: the change records of drafts. */
#define DATASET_PRIME_DELIM "/changes/"
/* Ends what store_prime() began. */
void store_unprime(vds_backend *b);
/* Begins a read-only operation on dataset DS (its record, versions, tags). */
void dataset_prime(vds_backend *b, const char *ds);
/* Passes a warning to the context's warning function, if it has one. */
void ctx_warn(vds_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Adds a provider to the context (not yet saved); writes its new ID. */
vds_provider *ctx_add_provider(vds_ctx *ctx, const char *name, const char *type, const char *path,
			       char id[VDS_SPID_LEN + 1]);
/* Closes provider P's backend if it is open (its settings change). */
void ctx_close_backend(vds_ctx *ctx, const vds_provider *p);

/* ---- S3 providers (provider_s3.c; their settings: store/s3_settings.h) ---- */
/* Opens the backend of S3 provider P, finding its credentials. */
int provider_open_s3(vds_ctx *ctx, const vds_provider *p, vds_backend **out);

/* True if provider P refuses writes (an S3 provider made with --readOnly true). */
bool provider_read_only(const vds_provider *p);
/*
 * The provider a maintenance command names (*ONLY, NULL for all): fails if
 * PROVIDER_ID is unknown, or read-only when the command WRITES.
 */
int maintain_target(vds_ctx *ctx, const char *provider_id, bool writes, const vds_provider **only);
/* Opens (once) and returns the backend of provider number I. */
int ctx_backend_at(vds_ctx *ctx, size_t i, vds_backend **out);
/* Finds the backend holding dataset DS; fills *dsout if not NULL. */
int ctx_dataset_backend(vds_ctx *ctx, const char *ds, vds_backend **out, vds_dataset *dsout);
/* Writes the configuration file (0600, atomically). */
int ctx_save(vds_ctx *ctx);

/* ---- records with checksums (record.c) ---- */
/* Checks the checksum of record TEXT read from KEY; VDS_ECORRUPT naming KEY. */
int record_check(vds_backend *b, const char *key, const char *text, size_t len);
/* Reads record KEY and checks it, reading again what was damaged in transit. */
int record_read(vds_backend *b, const char *key, char **out, size_t *len);
/* The text of record J with its checksum (malloc'd). */
char *record_json_text(const cJSON *j, size_t *len);
/* Change record TEXT (starting "vds-changes 1") as stored, with its checksum (malloc'd). */
char *record_changes_text(const char *text, size_t len, size_t *outlen);
/* Turns a stored change record back into the "vds-changes 1" text, in place. */
void record_changes_plain(char *text, size_t *len);
/* Reads and parses JSON record KEY; VDS_ECORRUPT names KEY if damaged or malformed. */
int json_read(vds_backend *b, const char *key, cJSON **out);
/* Writes J as record KEY (replacing it), with its checksum. */
int json_write(vds_backend *b, const char *key, const cJSON *j);
/* String member NAME of J, or "" if absent. */
const char *json_str(const cJSON *j, const char *name);
/* The key of dataset DS's record in B (malloc'd): vds-format(5), KEYS. */
char *dataset_key(const vds_backend *b, const char *ds);
/* True if NAME (a child of datasets/) is a dataset record "ID.json"; writes ID. */
bool dataset_record_name(const char *name, char id[16]);
/* True if sorted NAMES[0..N) holds NAME. */
bool dataset_named(char *const *names, size_t n, const char *name);
/*
 * The dataset ids (malloc'd array, *NIDS of them, sorted) that the child
 * names of datasets/ in B show; takes NAMES[0..N) over (freed).
 */
char **dataset_ids(const vds_backend *b, char **names, size_t n, size_t *nids);
/* Sorted child names of PREFIX; free with names_free(). */
int list_names(vds_backend *b, const char *prefix, char ***out, size_t *n);
/* Frees an array from list_names(). */
void names_free(char **v, size_t n);

/*
 * Runs FN(I, UD) for every I below N, as many at once as backend B likes
 * (reads of a remote store in parallel); the first failure stops it.
 */
int each_parallel(vds_backend *b, size_t n, int (*fn)(size_t i, void *ud), void *ud);

/* True if S is "ds" or "sp" followed by 13 base36 characters. */
bool is_object_id(const char *s, const char *prefix);

/* Reads content object SHA into memory and checks its hash. */
int read_verified(vds_backend *b, const unsigned char sha[32], char **out, size_t *len);
/* Stores TEXT as a content object (or renews the one there); writes its hash to SHA. */
int store_text(vds_backend *b, const char *text, size_t len, unsigned char sha[32]);
/*
 * Materialises draft DS:VER into *OUT; CHANGE_NAMES and CHANGE_TEXTS (if not
 * NULL) receive the change records used, in order (free with names_free()).
 */
int draft_text(vds_backend *b, const char *ds, const char *ver, char **out, size_t *len,
	       char ***change_names, char ***change_texts, size_t *nchanges);
/* The manifest hash commit record COMMIT of DS:VER names. */
int commit_manifest(const cJSON *commit, const char *ds, const char *ver, unsigned char sha[32]);
/* Reads the manifest text of DS:VER (drafts: materialised) into memory. */
int version_manifest_text(vds_backend *b, const char *ds, const char *ver, char **out,
			  size_t *len);
/*
 * Tells whether DS:VER is committed, and fills its commit record;
 * VDS_ENOTFOUND ("no such dataset version DS:VER") if it does not exist.
 */
int version_state(vds_backend *b, const char *ds, const char *ver, bool *committed,
		  cJSON **commit);
/* Fails with VDS_ECOMMITTED unless DS:VER is an existing draft. */
int version_require_draft(vds_backend *b, const char *ds, const char *ver);
/* Like version_require_draft(), and refuses a draft whose commit has begun. */
int version_require_open_draft(vds_backend *b, const char *ds, const char *ver);
/*
 * After a write to draft DS:VER, waits out a commit that sealed it meanwhile
 * and hands its record over in *COMMIT (NULL: not committed).
 */
int version_settle(vds_backend *b, const char *ds, const char *ver, cJSON **commit);
/* Appends change record TEXT to draft DS:VER, guarding against a racing commit. */
int version_add_changes(vds_backend *b, const char *ds, const char *ver, const char *text,
			size_t len);
/* The newest lineage record of draft DS:VER ("STAMP.json", malloc'd), or *NAME NULL. */
int lineage_latest(vds_backend *b, const char *ds, const char *ver, char **name);
/*
 * Reads the lineage of DS:VER: 1 if it has one (in OUT), 0 if vds run did
 * not make it, VDS_ENOTFOUND if the version does not exist.
 */
int lineage_read(vds_backend *b, const char *ds, const char *ver, vds_lineage *out);
/* Parses lineage record TEXT into OUT; VDS_ECORRUPT naming WHAT if it is malformed. */
int lineage_parse(const char *text, size_t len, const char *what, vds_lineage *out);
/* Reads the version tag NAME points at; VDS_ENOTFOUND if none or deleted. */
int tag_current(vds_backend *b, const char *ds, const char *name, char ver[VDS_VERID_LEN + 1]);
/* Writes the key-safe form of tag NAME into SB. */
void tag_key_name(strbuf *sb, const char *name);

#endif
