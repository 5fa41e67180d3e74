/* dataset.c - datasets: create, list, find, update, delete. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

#define NAME_MAX_BYTES 256
#define DESC_MAX_BYTES 4096

void vds_dataset_release(vds_dataset *d)
{
	free(d->name);
	free(d->description);
	d->name = d->description = NULL;
}

void vds_dataset_list_free(vds_dataset *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		vds_dataset_release(&v[i]);
	free(v);
}

static int check_text(const char *what, const char *s, size_t max, bool allow_empty)
{
	if (!allow_empty && !*s)
		return vds_err(VDS_EINVAL, "dataset %s may not be empty", what);
	if (strlen(s) > max)
		return vds_err(VDS_EINVAL, "dataset %s is longer than %zu bytes", what, max);
	/* descriptions may have tabs and line breaks; names are one plain line */
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		uint32_t cp;
		int n = vds_utf8_seq(p, &cp);

		if (n == 0)
			return vds_err(VDS_EINVAL, "dataset %s is not valid UTF-8", what);
		if ((cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) &&
		    !(allow_empty && (cp == '\t' || cp == '\n')))
			return vds_err(VDS_EINVAL, "dataset %s contains control characters", what);
		p += n;
	}
	return 0;
}

/* How a listing of datasets/ in B rolls up: at "/" where it then shows every record. */
static const char *datasets_delim(const vds_backend *b)
{
	return b->features & FEATURE_DATASETKEYS ? "/" : "/versions/";
}

static int cmp_dataset(const void *a, const void *b)
{
	const vds_dataset *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : strcmp(x->id, y->id);
}

typedef struct records_job {
	vds_backend *b;
	char **ids;
	cJSON **rec; /* parallel to ids; NULL: not a dataset, or being deleted */
	char **why;  /* parallel to ids: why a damaged one was skipped, or NULL */
} records_job;

static int read_record(size_t i, void *ud)
{
	records_job *j = ud;
	char *key;
	int r;

	if (!is_object_id(j->ids[i], "ds"))
		return 0;
	key = dataset_key(j->b, j->ids[i]);
	r = json_read(j->b, key, &j->rec[i]);
	free(key);
	if (r == VDS_ENOTFOUND) { /* a dataset being deleted */
		j->rec[i] = NULL;
		return 0;
	}
	return listing_skip(r, &j->why[i]);
}

/* Reads the records of datasets IDS of provider PROV (in parallel) and appends them to *V. */
static int read_datasets(vds_ctx *ctx, size_t prov, vds_backend *b, char **ids, size_t nids,
			 vds_dataset **v, size_t *len)
{
	records_job job = {b, ids, xcalloc(nids + 1, sizeof(cJSON *)),
			   xcalloc(nids + 1, sizeof(char *))};
	int r = each_parallel(b, nids, read_record, &job);

	listing_warn(ctx, "dataset", NULL, ids, job.why, nids, r == 0);
	for (size_t k = 0; k < nids; k++) {
		cJSON *j = job.rec[k];

		if (r < 0 || !j) {
			cJSON_Delete(j);
			continue;
		}
		*v = xrealloc(*v, (*len + 1) * sizeof(**v));
		vds_dataset *d = &(*v)[(*len)++];
		memset(d, 0, sizeof(*d));
		snprintf(d->id, sizeof(d->id), "%s", ids[k]);
		snprintf(d->provider_id, sizeof(d->provider_id), "%s", ctx->prov[prov].id);
		d->name = xstrdup(json_str(j, "name"));
		d->description = xstrdup(json_str(j, "description"));
		d->created_us = vds_parse_time(json_str(j, "created"));
		cJSON_Delete(j);
	}
	free(job.rec);
	return r;
}

/* The error of a provider whose datasets cannot be listed (R, the listing's). */
static int unreadable(vds_ctx *ctx, size_t prov, int r)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "%s", vds_errmsg());
	return vds_err(r == VDS_ENOTFOUND ? VDS_EIO : r, "storage provider %s cannot be read: %s",
		       ctx->prov[prov].id, msg);
}

int vds_dataset_list(vds_ctx *ctx, vds_dataset **out, size_t *n)
{
	vds_dataset *v = NULL;
	size_t len = 0;
	int r = 0;

	for (size_t i = 0; i < ctx->nprov && r == 0; i++) {
		vds_backend *b;
		char **ids;
		size_t nids;

		ctx->open_prefix = "datasets"; /* listed beside the format marker if opened now */
		ctx->open_delim = "/";            /* as a store with flat dataset keys is primed */
		r = ctx_backend_at(ctx, i, &b);
		ctx->open_prefix = NULL;
		if (r == 0)
			store_prime(b, "datasets", datasets_delim(b)); /* records, not their versions */
		if (r == 0 && (r = list_names(b, "datasets", &ids, &nids)) < 0)
			store_unprime(b);
		if (r < 0) {
			r = unreadable(ctx, i, r);
			break;
		}
		ids = dataset_ids(b, ids, nids, &nids);
		r = read_datasets(ctx, i, b, ids, nids, &v, &len);
		names_free(ids, nids);
		store_unprime(b);
	}
	if (r < 0) {
		vds_dataset_list_free(v, len);
		return r;
	}
	if (len)
		qsort(v, len, sizeof(*v), cmp_dataset);
	*out = v;
	*n = len;
	return 0;
}

/* What vds_dataset_list_pages() carries from page to page. */
typedef struct pages_job {
	vds_ctx *ctx;
	size_t prov;
	vds_backend *b;
	vds_dataset_page_fn fn;
	void *ud;
	bool failed; /* a page's records or FN failed (not the listing) */
} pages_job;

/* The datasets IDS of one page: read, sorted, handed over. */
static int on_ids(char **ids, size_t n, void *ud)
{
	pages_job *pj = ud;
	vds_dataset *v = NULL;
	size_t len = 0;

	ids = dataset_ids(pj->b, ids, n, &n);
	int r = read_datasets(pj->ctx, pj->prov, pj->b, ids, n, &v, &len);

	names_free(ids, n);
	if (r == 0 && len) {
		qsort(v, len, sizeof(*v), cmp_dataset);
		r = pj->fn(v, len, pj->ud);
		v = NULL;
		len = 0;
	}
	vds_dataset_list_free(v, len);
	pj->failed = r < 0;
	return r;
}

int vds_dataset_list_pages(vds_ctx *ctx, vds_dataset_page_fn fn, void *ud)
{
	int r = 0;

	for (size_t i = 0; i < ctx->nprov && r == 0; i++) {
		pages_job pj = {ctx, i, NULL, fn, ud, false};
		char **ids;
		size_t nids;

		if ((r = ctx_backend_at(ctx, i, &pj.b)) < 0)
			return unreadable(ctx, i, r);
		if (pj.b->ops->prime_pages) {
			r = pj.b->ops->prime_pages(pj.b, "datasets", datasets_delim(pj.b), on_ids,
						   &pj);
		} else { /* listed at once: one page */
			store_prime(pj.b, "datasets", datasets_delim(pj.b));
			if ((r = list_names(pj.b, "datasets", &ids, &nids)) == 0)
				r = nids ? on_ids(ids, nids, &pj) : (free(ids), 0);
		}
		store_unprime(pj.b);
		if (r < 0 && !pj.failed)
			r = unreadable(ctx, i, r);
	}
	return r;
}

int vds_dataset_get(vds_ctx *ctx, const char *id_or_name, vds_dataset *out)
{
	vds_backend *b;
	vds_dataset *all;
	size_t n, found = 0, at = 0;
	int r;

	if (is_object_id(id_or_name, "ds"))
		return ctx_dataset_backend(ctx, id_or_name, &b, out);
	if (!*id_or_name)
		return vds_err(VDS_EINVAL, "empty dataset id");
	if ((r = vds_dataset_list(ctx, &all, &n)) < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(all[i].name, id_or_name)) {
			found++;
			at = i;
		}
	if (found == 1) {
		*out = all[at];
		all[at].name = all[at].description = NULL;
	}
	vds_dataset_list_free(all, n);
	if (found == 0)
		return vds_err(VDS_ENOTFOUND, "no such dataset %s", q(id_or_name));
	if (found > 1)
		return vds_err(VDS_EINVAL, "%zu datasets are named %s: use an id", found, q(id_or_name));
	return 0;
}

static cJSON *dataset_json(const vds_dataset *d)
{
	cJSON *j = cJSON_CreateObject();
	char t[40];

	vds_iso_time(d->created_us, t);
	cJSON_AddStringToObject(j, "id", d->id);
	cJSON_AddStringToObject(j, "name", d->name);
	cJSON_AddStringToObject(j, "description", d->description);
	cJSON_AddStringToObject(j, "created", t);
	return j;
}

int vds_dataset_name_check(const char *name)
{
	return check_text("name", name, NAME_MAX_BYTES, false);
}

int vds_dataset_create(vds_ctx *ctx, const char *name, const char *description,
		       const char *provider_id, vds_dataset *out)
{
	const vds_provider *p = provider_id ? NULL : vds_provider_default(ctx);
	vds_backend *b;
	vds_dataset d = {0};
	size_t idx = 0;
	int r;

	if ((r = check_text("name", name, NAME_MAX_BYTES, false)) < 0 ||
	    (r = check_text("description", description ? description : "", DESC_MAX_BYTES, true)) < 0)
		return r;
	if (provider_id && (r = vds_provider_find(ctx, provider_id, &p)) < 0)
		return r;
	if (!p)
		return vds_err(VDS_ENOTFOUND, "no storage provider configured: create one with "
					      "'vds storageProviders create local'");
	idx = (size_t)(p - ctx->prov);
	if ((r = ctx_backend_at(ctx, idx, &b)) < 0)
		return r;
	memcpy(d.id, "ds", 2);
	vds_random_base36(d.id + 2, 13);
	memcpy(d.provider_id, p->id, sizeof(d.provider_id));
	d.name = (char *)name;
	d.description = (char *)(description ? description : "");
	d.created_us = vds_now_us();
	cJSON *j = dataset_json(&d);
	char *key = dataset_key(b, d.id);
	r = json_write(b, key, j);
	free(key);
	cJSON_Delete(j);
	if (r < 0)
		return r;
	if (out) {
		*out = d;
		out->name = xstrdup(name);
		out->description = xstrdup(d.description);
	}
	return 0;
}

int vds_dataset_update(vds_ctx *ctx, const char *id, const char *name, const char *description)
{
	vds_backend *b;
	vds_dataset d;
	int r;

	if ((name && (r = check_text("name", name, NAME_MAX_BYTES, false)) < 0) ||
	    (description && (r = check_text("description", description, DESC_MAX_BYTES, true)) < 0))
		return r;
	if ((r = ctx_dataset_backend(ctx, id, &b, &d)) < 0)
		return r;
	if (name) {
		free(d.name);
		d.name = xstrdup(name);
	}
	if (description) {
		free(d.description);
		d.description = xstrdup(description);
	}
	cJSON *j = dataset_json(&d);
	char *key = dataset_key(b, d.id);
	r = json_write(b, key, j);
	free(key);
	cJSON_Delete(j);
	vds_dataset_release(&d);
	return r;
}

int vds_dataset_delete(vds_ctx *ctx, const char *id)
{
	vds_backend *b;
	int r;

	if ((r = ctx_dataset_backend(ctx, id, &b, NULL)) < 0)
		return r;
	/* the record goes first: from then on the dataset does not exist, and what
	   is left of its folder is a leftover (vds-format(5), DELETION) */
	char *key = dataset_key(b, id);
	r = b->ops->remove(b, key);
	free(key);
	if (r < 0)
		return r;
	key = xasprintf("datasets/%s", id);
	r = b->ops->remove_tree(b, key);
	free(key);
	return r;
}
