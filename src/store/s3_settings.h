/*
 * s3_settings.h - the settings of an S3 provider (vds_s3_settings, in
 * vds.h) as the configuration keeps them and as a backend needs them.
 * Internal to src/. Knows nothing of the context (src/core.h).
 */
#ifndef VDS_S3_SETTINGS_H
#define VDS_S3_SETTINGS_H

#include <cjson/cJSON.h>

#include "s3.h"
#include "vds.h"

/* Frees what S owns and marks its flags "not given". */
void s3_settings_release(vds_s3_settings *s);
/* Reads the settings of a provider object of the configuration. */
void s3_settings_from_json(const cJSON *j, vds_s3_settings *s);
/* Adds the given settings to a provider object of the configuration. */
void s3_settings_to_json(cJSON *j, const vds_s3_settings *s);
/* True if S holds a secret key. */
bool s3_settings_have_secret(const vds_s3_settings *s);
/* The display path of S3 settings: "s3://BUCKET/PREFIX" (malloc'd). */
char *s3_settings_path(const vds_s3_settings *s);
/* Refuses file PATH (open as FD, or -1) holding secrets if others can read it. */
int secret_file_check(const char *path, int fd);
/* Checks the settings a user gave, normalising the prefix in place. */
int s3_settings_check(vds_s3_settings *s);
/* Copies the given (non-NULL, non-negative) settings of FROM into TO. */
void s3_settings_merge(vds_s3_settings *to, const vds_s3_settings *from);
/* Fills C with where the bucket of S is and how to reach it (no credentials). */
void s3_settings_place(const vds_s3_settings *s, s3_config *c);
/* Fills C from S with credentials (provider ID names it in errors). */
int s3_settings_resolve(const vds_s3_settings *s, const char *id, s3_config *c);
/* Environment variable A, else B (if not NULL); NULL when both are unset or empty. */
const char *s3_env_or(const char *a, const char *b);

#endif
