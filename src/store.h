/*
 * store.h - the context behind vds.h: configuration, open backends and the
 * key layout of a store. Internal to src/.
 *
 * Key layout (see share/vds-format.5):
 *   VDS-FORMAT                                   format marker
 *   objects/XX/YYYY...                           content by SHA-256
 *   datasets/DS/dataset.json                     dataset record
 *   datasets/DS/versions/VER/version.json        version record
 *   datasets/DS/versions/VER/changes/STAMP       change records of a draft
 *   datasets/DS/versions/VER/commit/STAMP.json   commit records (earliest wins)
 *   datasets/DS/tags/NAME/STAMP.json             tag records (newest wins)
 */
#ifndef VDS_STORE_H
#define VDS_STORE_H

#include <cjson/cJSON.h>

#include "backend.h"
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
};

/* Opens (once) and returns the backend of provider number I. */
int ctx_backend_at(vds_ctx *ctx, size_t i, vds_backend **out);
/* Finds the backend holding dataset DS; fills *dsout if not NULL. */
int ctx_dataset_backend(vds_ctx *ctx, const char *ds, vds_backend **out, vds_dataset *dsout);
/* Writes the configuration file (0600, atomically). */
int ctx_save(vds_ctx *ctx);

/* Reads and parses JSON object KEY; VDS_ECORRUPT names KEY if malformed. */
int json_read(vds_backend *b, const char *key, cJSON **out);
/* Serialises J and writes it to KEY. */
int json_write(vds_backend *b, const char *key, const cJSON *j);
/* String member NAME of J, or "" if absent. */
const char *json_str(const cJSON *j, const char *name);
/* Sorted child names of PREFIX; free with names_free(). */
int list_names(vds_backend *b, const char *prefix, char ***out, size_t *n);
/* Frees an array from list_names(). */
void names_free(char **v, size_t n);

/* True if S is "ds" or "sp" followed by 13 base36 characters. */
bool is_object_id(const char *s, const char *prefix);

/* Reads the manifest text of DS:VER (drafts: materialised) into memory. */
int version_manifest_text(vds_backend *b, const char *ds, const char *ver, char **out,
			  size_t *len);
/* Tells whether DS:VER exists and is committed; fills the commit record. */
int version_state(vds_backend *b, const char *ds, const char *ver, bool *committed,
		  cJSON **commit);
/* Fails with VDS_ECOMMITTED unless DS:VER is an existing draft. */
int version_require_draft(vds_backend *b, const char *ds, const char *ver);
/* Like version_require_draft(), and refuses a draft whose commit has begun. */
int version_require_open_draft(vds_backend *b, const char *ds, const char *ver);
/* Appends change record TEXT to draft DS:VER, guarding against a racing commit. */
int version_add_changes(vds_backend *b, const char *ds, const char *ver, const char *text,
			size_t len);
/* Reads the version tag NAME points at; VDS_ENOTFOUND if none or deleted. */
int tag_current(vds_backend *b, const char *ds, const char *name, char ver[VDS_VERID_LEN + 1]);
/* Writes the key-safe form of tag NAME into SB. */
void tag_key_name(strbuf *sb, const char *name);

#endif
