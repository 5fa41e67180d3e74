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

/* The features of a marker this vds knows (vds-format(5), KEYS). */
static const char *const known_features[] = {"packs"};

int vds_format_check(vds_backend *b, const char *text, size_t len, const char *where)
{
	cJSON *j = cJSON_ParseWithLength(text, len);
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "version"),
		    *from = cJSON_GetObjectItemCaseSensitive(j, "upgradedFrom"),
		    *features = cJSON_GetObjectItemCaseSensitive(j, "features"), *f;
	int version = cJSON_IsNumber(v) ? v->valueint : 0;
	bool ok = version == 1 || version == 2;
	char unknown[128] = "";

	b->packs = false;
	/* features name later additions that a reader must know to read the store */
	if (features && (!cJSON_IsArray(features) || version != 2))
		ok = false;
	const cJSON *list = ok ? features : NULL;
	cJSON_ArrayForEach(f, list) {
		bool known = false;
		for (size_t i = 0; cJSON_IsString(f) && i < sizeof(known_features) / sizeof(*known_features); i++)
			known |= !strcmp(f->valuestring, known_features[i]);
		if (!known) {
			snprintf(unknown, sizeof(unknown), "%s",
				 cJSON_IsString(f) ? f->valuestring : "(not a name)");
			break;
		}
		b->packs |= !strcmp(f->valuestring, "packs");
	}
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
	const char *text = b->legacy ? "{\"format\":\"vds\",\"version\":2,\"upgradedFrom\":1,"
				       "\"features\":[\"packs\"]}\n"
				     : "{\"format\":\"vds\",\"version\":2,\"features\":[\"packs\"]}\n";
	int r;

	if (b->packs)
		return 0;
	if (b->format != FORMAT_VERSION)
		return vds_err(VDS_ECONFLICT, "store of storage provider %s is of format %d: upgrade it first",
			       b->provider_id, b->format);
	if ((r = b->ops->write(b, FORMAT_KEY, text, strlen(text))) < 0)
		return r;
	b->packs = true;
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
