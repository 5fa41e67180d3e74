/*
 * tag.c - tags. Each change of a tag is a new record under
 * datasets/DS/tags/NAME/; the newest record is the tag's value, so two
 * writers never overwrite each other's records and no CAS is needed.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

void vds_tag_list_free(vds_tag *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(t[i].name);
	free(t);
}

/* True if S is well-formed UTF-8. */
static bool utf8_valid(const unsigned char *s)
{
	uint32_t cp;
	int n;

	for (; *s; s += n)
		if ((n = vds_utf8_seq(s, &cp)) == 0)
			return false;
	return true;
}

int vds_tag_name_check(const char *name)
{
	if (!*name)
		return vds_err(VDS_EINVAL, "tag name may not be empty");
	if (strlen(name) > VDS_TAG_MAX)
		return vds_err(VDS_EINVAL, "tag name is longer than %d bytes", VDS_TAG_MAX);
	if (!strcmp(name, "latest"))
		return vds_err(VDS_EINVAL, "'latest' is reserved and cannot be a tag name");
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return vds_err(VDS_EINVAL, "tag name %s is not allowed", q(name));
	if (name[0] == '-')
		return vds_err(VDS_EINVAL, "tag name %s may not start with '-'", q(name));
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if (*p < 0x20 || *p == 0x7f || (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)) /* C0, DEL, C1 */
			return vds_err(VDS_EINVAL, "tag name %s contains control characters", q(name));
		if (*p == '/' || *p == ':' || *p == ' ' || *p == '\\')
			return vds_err(VDS_EINVAL, "tag name %s may not contain '%c'", q(name), *p);
	}
	if (!utf8_valid((const unsigned char *)name))
		return vds_err(VDS_EINVAL, "tag name %s is not valid UTF-8", q(name));
	return 0;
}

void tag_key_name(strbuf *sb, const char *name)
{
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			     (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' ||
			     (*p == '.' && p != (const unsigned char *)name);
		if (plain)
			sb_addc(sb, (char)*p);
		else
			sb_addf(sb, "%%%02X", *p);
	}
}

static char *tag_prefix(const char *ds, const char *name)
{
	strbuf sb = STRBUF_INIT;

	sb_addf(&sb, "datasets/%s/tags/", ds);
	tag_key_name(&sb, name);
	return sb_detach(&sb, NULL);
}

/*
 * Reads the newest record under tags/KEYNAME; *rec is NULL if there is
 * none. NAME (if not NULL) receives its name (malloc'd), NULL if none.
 */
static int newest_record(vds_backend *b, const char *prefix, cJSON **rec, char **name)
{
	char **names;
	size_t n;
	int r = list_names(b, prefix, &names, &n);

	*rec = NULL;
	if (name)
		*name = NULL;
	if (r < 0)
		return r;
	for (size_t i = n; i-- > 0;) {
		char *key = xasprintf("%s/%s", prefix, names[i]);
		r = json_read(b, key, rec);
		free(key);
		if (r == 0 && name)
			*name = xstrdup(names[i]);
		if (r != VDS_ENOTFOUND) /* removed by a concurrent writer: try the next */
			break;
		r = 0;
	}
	names_free(names, n);
	return r;
}

int tag_current(vds_backend *b, const char *ds, const char *name, char ver[VDS_VERID_LEN + 1])
{
	char *prefix = tag_prefix(ds, name);
	cJSON *rec;
	int r = newest_record(b, prefix, &rec, NULL);

	free(prefix);
	if (r < 0)
		return r;
	const char *v = json_str(rec, "version");
	if (!rec || !*v) {
		cJSON_Delete(rec);
		return VDS_ENOTFOUND;
	}
	if (!vds_is_version_id(v)) {
		cJSON_Delete(rec);
		return vds_err(VDS_ECORRUPT, "corrupt record of tag %s in dataset %s", q(name), ds);
	}
	memcpy(ver, v, VDS_VERID_LEN + 1);
	cJSON_Delete(rec);
	return 0;
}

static int cmp_tag(const void *a, const void *b)
{
	return strcmp(((const vds_tag *)a)->name, ((const vds_tag *)b)->name);
}

typedef struct tags_job {
	vds_backend *b;
	const char *prefix;
	char **keys;
	cJSON **rec;  /* parallel to keys */
	char **damaged; /* parallel to keys: why the tag was skipped, or NULL */
} tags_job;

static int read_tag(size_t i, void *ud)
{
	tags_job *j = ud;
	char *p = xasprintf("%s/%s", j->prefix, j->keys[i]);
	int r = newest_record(j->b, p, &j->rec[i], NULL);

	free(p);
	const char *v = json_str(j->rec[i], "version");
	if (r == 0 && j->rec[i] && *v && !vds_is_version_id(v))
		r = vds_err(VDS_ECORRUPT, "record of tag %s names no version", q(j->keys[i]));
	if (r < 0) {
		cJSON_Delete(j->rec[i]);
		j->rec[i] = NULL;
	}
	return listing_skip(r, &j->damaged[i]); /* one bad record hides its own tag only */
}

int vds_tag_list(vds_ctx *ctx, const char *ds, vds_tag **out, size_t *n)
{
	vds_backend *b;
	char **keys, *prefix;
	size_t nkeys, len = 0;
	vds_tag *v = NULL;
	int r;

	if ((r = ctx_dataset_backend(ctx, ds, &b, NULL)) < 0)
		return r;
	dataset_prime(b, ds);
	prefix = xasprintf("datasets/%s/tags", ds);
	if ((r = list_names(b, prefix, &keys, &nkeys)) < 0) {
		store_unprime(b);
		free(prefix);
		return r;
	}
	tags_job job = {b, prefix, keys, xcalloc(nkeys + 1, sizeof(cJSON *)),
			xcalloc(nkeys + 1, sizeof(char *))};
	r = each_parallel(b, nkeys, read_tag, &job);
	for (size_t i = 0; i < nkeys; i++) {
		cJSON *rec = job.rec[i];
		if (r == 0 && rec && *json_str(rec, "version")) { /* "": deleted */
			v = xrealloc(v, (len + 1) * sizeof(*v));
			v[len].name = xstrdup(json_str(rec, "name"));
			snprintf(v[len].version, sizeof(v[len].version), "%s", json_str(rec, "version"));
			len++;
		}
		cJSON_Delete(rec);
	}
	free(job.rec);
	store_unprime(b);
	listing_warn(ctx, "tag", ds, keys, job.damaged, nkeys, r == 0);
	free(prefix);
	names_free(keys, nkeys);
	if (r < 0) {
		vds_tag_list_free(v, len);
		return r;
	}
	if (len)
		qsort(v, len, sizeof(*v), cmp_tag);
	*out = v;
	*n = len;
	return 0;
}

/*
 * After writing a record that sets a tag on DS:VER, checks that VER is
 * still a committed version that no deletion has begun for. A deletion
 * writes its marker before it lists the tags: if this finds no marker,
 * that listing sees this record and deletes the tag.
 */
static int tag_target_check(vds_backend *b, const char *ds, const char *ver)
{
	bool committed;
	char *key = xasprintf("datasets/%s/versions/%s/delete.json", ds, ver);
	int r = version_state(b, ds, ver, &committed, NULL);

	if (r == 0) { /* the marker turns the answer round */
		r = b->ops->stat(b, key, NULL);
		r = r == 0 ? VDS_ENOTFOUND : r == VDS_ENOTFOUND ? 0 : r;
	}
	free(key);
	if (r == VDS_ENOTFOUND)
		return vds_err(VDS_ENOTFOUND, "dataset version %s:%s was deleted meanwhile; the tag "
					      "was not set",
			       ds, ver);
	return r;
}

/*
 * Writes a new newest record for tag NAME, named after AFTER (the record
 * it replaces) if given, and drops the ones before it once it stands.
 */
static int write_record(vds_backend *b, const char *ds, const char *name, const char *ver,
			const char *after)
{
	char *prefix = tag_prefix(ds, name), *key, stamp[26], **names;
	cJSON *rec = cJSON_CreateObject();
	size_t n;
	int r;

	if (after)
		vds_stamp_after(after, stamp);
	else
		vds_stamp(stamp);
	cJSON_AddStringToObject(rec, "name", name);
	cJSON_AddStringToObject(rec, "version", ver);
	key = xasprintf("%s/%s.json", prefix, stamp);
	r = json_write(b, key, rec);
	cJSON_Delete(rec);
	if (r == 0 && *ver && (r = tag_target_check(b, ds, ver)) < 0)
		b->ops->remove(b, key); /* withdrawn: the version is going */
	free(key);
	if (r == 0 && list_names(b, prefix, &names, &n) == 0) {
		char mine[40];

		snprintf(mine, sizeof(mine), "%s.json", stamp);
		for (size_t i = 0; i < n && strcmp(names[i], mine) < 0; i++) {
			key = xasprintf("%s/%s", prefix, names[i]);
			b->ops->remove(b, key); /* older records are history only */
			free(key);
		}
		names_free(names, n);
	}
	free(prefix);
	return r;
}

int vds_tag_set(vds_ctx *ctx, const char *ds, const char *ver, const char *name)
{
	vds_backend *b;
	bool committed;
	int r;

	if ((r = vds_tag_name_check(name)) < 0 || (r = ctx_dataset_backend(ctx, ds, &b, NULL)) < 0)
		return r;
	if ((r = version_state(b, ds, ver, &committed, NULL)) < 0)
		return r;
	if (!committed)
		return vds_err(VDS_ECONFLICT, "dataset version %s:%s is a draft: commit it before tagging",
			       ds, ver);
	if (vds_is_version_id(name)) {
		bool c;
		if (version_state(b, ds, name, &c, NULL) == 0)
			return vds_err(VDS_EINVAL, "tag name %s is the id of a version of dataset %s",
				       q(name), ds);
	}
	return write_record(b, ds, name, ver, NULL);
}

int vds_tag_delete(vds_ctx *ctx, const char *ds, const char *name)
{
	vds_backend *b;
	char *prefix, *newest;
	cJSON *rec;
	int r;

	if ((r = ctx_dataset_backend(ctx, ds, &b, NULL)) < 0)
		return r;
	prefix = tag_prefix(ds, name);
	r = newest_record(b, prefix, &rec, &newest);
	free(prefix);
	if (r == 0 && !*json_str(rec, "version"))
		r = vds_err(VDS_ENOTFOUND, "no such tag %s in dataset %s", q(name), ds);
	cJSON_Delete(rec);
	/* the deleting record is named after the one it replaces, whatever the clocks */
	if (r == 0)
		r = write_record(b, ds, name, "", newest);
	free(newest);
	return r;
}
