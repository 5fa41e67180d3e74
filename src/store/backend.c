/* backend.c - helpers every backend shares. */
#include "config.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "util.h"

void vds_content_key(const unsigned char sha[32], char key[80])
{
	char hex[65];

	vds_sha256_hex(sha, hex);
	memcpy(key, "objects/", 8);
	key[8] = hex[0];
	key[9] = hex[1];
	key[10] = '/';
	memcpy(key + 11, hex + 2, 63);
}

/* The features this vds knows, by name: a reader refuses a store naming any other. */
static const struct {
	const char *name;
	unsigned bit;
} known_features[] = {
	{"datasetkeys", FEATURE_DATASETKEYS},
	{"packs", FEATURE_PACKS},
};

#define NFEATURES (sizeof(known_features) / sizeof(known_features[0]))

/*
 * The bits of the features array F in *OUT: false if one is not known (its
 * name then in UNKNOWN, of SIZE bytes) or F is no array.
 */
static bool features_known(const cJSON *f, unsigned *out, char *unknown, size_t size)
{
	const cJSON *x;

	*out = 0;
	if (!f)
		return true;
	if (!cJSON_IsArray(f))
		return false;
	cJSON_ArrayForEach(x, f) {
		size_t i = 0;
		while (i < NFEATURES && !(cJSON_IsString(x) &&
					  !strcmp(x->valuestring, known_features[i].name)))
			i++;
		if (i == NFEATURES) {
			snprintf(unknown, size, "%s", cJSON_IsString(x) ? x->valuestring : "(not a name)");
			return false;
		}
		*out |= known_features[i].bit;
	}
	return true;
}

char *vds_format_text(unsigned features, bool upgraded)
{
	strbuf sb = STRBUF_INIT;
	const char *sep = "";

	sb_addf(&sb, "{\"format\":\"vds\",\"version\":%d", FORMAT_VERSION);
	if (upgraded)
		sb_addf(&sb, ",\"upgradedFrom\":1");
	if (features) {
		sb_addf(&sb, ",\"features\":[");
		for (size_t i = 0; i < NFEATURES; i++)
			if (features & known_features[i].bit) {
				sb_addf(&sb, "%s\"%s\"", sep, known_features[i].name);
				sep = ",";
			}
		sb_addf(&sb, "]");
	}
	sb_addf(&sb, "}\n");
	return sb_detach(&sb, NULL);
}

int vds_format_check(vds_backend *b, const char *text, size_t len, const char *where)
{
	cJSON *j = cJSON_ParseWithLength(text, len);
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "version"),
		    *from = cJSON_GetObjectItemCaseSensitive(j, "upgradedFrom"),
		    *features = cJSON_GetObjectItemCaseSensitive(j, "features");
	int version = cJSON_IsNumber(v) ? v->valueint : 0;
	bool ok = version == 1 || version == 2;
	char unknown[128] = "";

	/* features name later additions that a reader must know to read the store */
	if (!features_known(features, &b->features, unknown, sizeof(unknown)) ||
	    (b->features && version != 2))
		ok = false;
	b->format = version;
	b->legacy = version == 1 || (cJSON_IsNumber(from) && from->valueint == 1);
	cJSON_Delete(j);
	if (*unknown)
		return vds_err(VDS_ECORRUPT,
			       "store %s needs the feature %s, which this vds does not know (a newer "
			       "vds wrote it)", q(where), q(unknown));
	if (!ok)
		return vds_err(VDS_ECORRUPT,
			       "store %s has a format this vds does not know (a newer vds wrote it)",
			       q(where));
	return 0;
}

int vds_format_upgrade(vds_backend *b)
{
	int r;

	if (b->format != 1)
		return 0;
	if ((r = b->ops->write(b, FORMAT_KEY, FORMAT_TEXT_UPGRADED,
			       strlen(FORMAT_TEXT_UPGRADED))) < 0)
		return r;
	b->format = FORMAT_VERSION;
	return 1;
}

int vds_format_add_packs(vds_backend *b)
{
	char *text;
	int r;

	if (b->features & FEATURE_PACKS)
		return 0;
	if (b->format != FORMAT_VERSION)
		return vds_err(VDS_ECONFLICT, "store of storage provider %s is of format %d: upgrade it first",
			       b->provider_id, b->format);
	text = vds_format_text(b->features | FEATURE_PACKS, b->legacy);
	r = b->ops->write(b, FORMAT_KEY, text, strlen(text));
	free(text);
	if (r < 0)
		return r;
	b->features |= FEATURE_PACKS;
	return 1;
}

/* The operations of a read-only backend: its own, with every write refused. */
typedef struct ro_ops {
	vds_backend_ops ops;
	const vds_backend_ops *own;
} ro_ops;

static int refuse(vds_backend *b)
{
	return vds_err(VDS_ECONFLICT, "storage provider %s is read-only", b->provider_id);
}

static int ro_write(vds_backend *b, const char *key, const void *data, size_t len)
{
	(void)key, (void)data, (void)len;
	return refuse(b);
}

static int ro_create(vds_backend *b, const char *key, const void *data, size_t len)
{
	(void)key, (void)data, (void)len;
	return refuse(b);
}

static int ro_remove(vds_backend *b, const char *key)
{
	(void)key;
	return refuse(b);
}

static int ro_put_content(vds_backend *b, int fd, unsigned char sha[32], bool *stored,
			  _Atomic uint64_t *counter, atomic_int *cancel)
{
	(void)fd, (void)sha, (void)stored, (void)counter, (void)cancel;
	return refuse(b);
}

static int ro_put_spooled(vds_backend *b, char *path, int fd, const unsigned char sha[32],
			  bool *stored, _Atomic uint64_t *counter, atomic_int *cancel)
{
	(void)fd, (void)sha, (void)stored, (void)counter, (void)cancel;
	unlink(path);
	free(path);
	return refuse(b);
}

static int ro_abort_stale(vds_backend *b, int64_t older_than, bool dry_run, uint64_t *n)
{
	(void)older_than, (void)n; /* nobody here could end them: a dry run counts none */
	return dry_run ? 0 : refuse(b);
}

static void ro_close(vds_backend *b)
{
	const ro_ops *ro = (const ro_ops *)b->ops;

	b->ops = ro->own;
	b->ro = false;
	free((void *)ro);
	b->ops->close(b);
}

void vds_backend_make_read_only(vds_backend *b)
{
	ro_ops *ro = xmalloc(sizeof(*ro));

	ro->own = b->ops;
	ro->ops = *b->ops;
	ro->ops.write = ro_write;
	ro->ops.create = ro_create;
	ro->ops.remove = ro_remove;
	ro->ops.remove_tree = ro_remove;
	ro->ops.touch = ro_remove;
	ro->ops.put_content = ro_put_content;
	ro->ops.put_spooled = ro_put_spooled;
	ro->ops.abort_stale = ro_abort_stale;
	ro->ops.close = ro_close;
	b->ops = &ro->ops;
	b->ro = true;
}

bool vds_backend_read_only(const vds_backend *b)
{
	return b->ro;
}
