/* core.c - shared helpers of the store logic: JSON objects, listings, backends. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"
#include "core.h"

const char *json_str(const cJSON *j, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, name);

	return cJSON_IsString(v) && v->valuestring ? v->valuestring : "";
}

typedef struct names {
	char **v;
	size_t n, cap;
} names;

static int add_name(const char *name, void *ud)
{
	names *l = ud;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = xstrdup(name);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int list_names(vds_backend *b, const char *prefix, char ***out, size_t *n)
{
	names l = {0};
	int r = b->ops->list(b, prefix, add_name, &l);

	if (r < 0) {
		names_free(l.v, l.n);
		return r;
	}
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), cmp_str);
	*out = l.v;
	*n = l.n;
	return 0;
}

void names_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

bool is_object_id(const char *s, const char *prefix)
{
	if (strncmp(s, prefix, 2) != 0 || strlen(s) != 15)
		return false;
	for (int i = 2; i < 15; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z')))
			return false;
	return true;
}

void vds_ctx_set_warn(vds_ctx *ctx, vds_warn_fn fn, void *ud)
{
	ctx->warn = fn;
	ctx->warn_ud = ud;
}

void ctx_warn(vds_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (!ctx->warn)
		return;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) >= 0) {
		ctx->warn(msg, ctx->warn_ud);
		free(msg);
	}
	va_end(ap);
}

int listing_skip(int r, char **why)
{
	if (r != VDS_ECORRUPT)
		return r;
	*why = xstrdup(vds_errmsg());
	return 0;
}

void listing_warn(vds_ctx *ctx, const char *kind, const char *ds, char *const *items,
		  char **why, size_t n, bool show)
{
	for (size_t i = 0; i < n; i++) {
		if (!why[i] || !show) {
			free(why[i]);
			continue;
		}
		char *esc = vds_display_escape(items[i]); /* a name from the store */
		ctx->skipped++;
		if (ds)
			ctx_warn(ctx, "skipped %s %s of dataset %s: %s", kind, esc, ds, why[i]);
		else
			ctx_warn(ctx, "skipped %s %s: %s", kind, esc, why[i]);
		free(esc);
		free(why[i]);
	}
	free(why);
}

int maintain_target(vds_ctx *ctx, const char *provider_id, bool writes, const vds_provider **only)
{
	int r;

	*only = NULL;
	if (provider_id && (r = vds_provider_find(ctx, provider_id, only)) < 0)
		return r;
	if (*only && writes && provider_read_only(*only))
		return vds_err(VDS_ECONFLICT, "storage provider %s is read-only", (*only)->id);
	return 0;
}

uint64_t vds_ctx_skipped(const vds_ctx *ctx)
{
	return ctx->skipped;
}

int ctx_backend_at(vds_ctx *ctx, size_t i, vds_backend **out)
{
	if (!ctx->be[i]) {
		const vds_provider *p = &ctx->prov[i];
		int r;

		if (!strcmp(p->type, "local"))
			r = vds_backend_local_open(p->path, &ctx->be[i]);
		else if (!strcmp(p->type, "s3"))
			r = provider_open_s3(ctx, p, &ctx->be[i]);
		else
			r = vds_err(VDS_EINVAL, "storage provider %s has unknown type %s", p->id,
				    q(p->type));
		if (r < 0)
			return r;
		ctx->be[i]->provider_id = xstrdup(p->id);
		/* a store of format 1 is read as it is and upgraded where vds may write */
		if (!vds_backend_read_only(ctx->be[i]) && (r = vds_format_upgrade(ctx->be[i])) > 0)
			ctx_warn(ctx, "the store of storage provider %s was upgraded to format %d "
				      "(older versions of vds refuse it)", p->id, FORMAT_VERSION);
		else if (r < 0)
			return r;
		if (ctx->be[i]->features & FEATURE_PACKS) /* vds-format(5), CONTENT PACKS */
			vds_backend_packs_wrap(ctx->be[i], ctx->cache_dir);
	}
	*out = ctx->be[i];
	return 0;
}

int ctx_dataset_backend(vds_ctx *ctx, const char *ds, vds_backend **out, vds_dataset *dsout)
{
	if (!is_object_id(ds, "ds"))
		return vds_err(VDS_EINVAL, "malformed dataset id %s", q(ds));
	char *key = NULL;
	int r = VDS_ENOTFOUND, unread = 0;
	char why[512] = "";

	for (size_t i = 0; i < ctx->nprov; i++) {
		vds_backend *b;

		/* a provider that cannot be read (offline, no credentials) hides only its own */
		free(key);
		key = NULL;
		if ((r = ctx_backend_at(ctx, i, &b)) < 0 ||
		    ((r = b->ops->stat(b, key = dataset_key(b, ds), NULL)) < 0 &&
		     r != VDS_ENOTFOUND)) {
			if (!unread)
				snprintf(why, sizeof(why), "storage provider %s cannot be read: %s",
					 ctx->prov[i].id, vds_errmsg());
			unread = r == VDS_ENOTFOUND ? VDS_EIO : r;
			r = VDS_ENOTFOUND;
			continue;
		}
		if (r == VDS_ENOTFOUND)
			continue;
		*out = b;
		if (dsout) {
			cJSON *j;

			if ((r = json_read(b, key, &j)) < 0)
				break;
			memset(dsout, 0, sizeof(*dsout));
			snprintf(dsout->id, sizeof(dsout->id), "%s", ds);
			snprintf(dsout->provider_id, sizeof(dsout->provider_id), "%s", ctx->prov[i].id);
			dsout->name = xstrdup(json_str(j, "name"));
			dsout->description = xstrdup(json_str(j, "description"));
			dsout->created_us = vds_parse_time(json_str(j, "created"));
			cJSON_Delete(j);
		}
		break;
	}
	free(key);
	if (r == VDS_ENOTFOUND && unread)
		return vds_err(unread, "no dataset %s found; %s", q(ds), why);
	if (r == VDS_ENOTFOUND)
		return vds_err(VDS_ENOTFOUND, "no such dataset %s", q(ds));
	return r;
}

typedef struct each_job {
	int (*fn)(size_t i, void *ud);
	void *ud;
} each_job;

static int each_one(pool *p, size_t i)
{
	each_job *j = p->ud;

	return j->fn(i, j->ud);
}

int each_parallel(vds_backend *b, size_t n, int (*fn)(size_t i, void *ud), void *ud)
{
	each_job j = {fn, ud};
	pool p = {.nitems = n, .work = each_one, .ud = &j};

	return n ? pool_run(&p, b->concurrency) : 0;
}

void store_prime(vds_backend *b, const char *prefix, const char *delim)
{
	if (b->ops->prime)
		b->ops->prime(b, prefix, delim);
}

void store_unprime(vds_backend *b)
{
	if (b->ops->unprime)
		b->ops->unprime(b);
}

void dataset_prime(vds_backend *b, const char *ds)
{
	char *prefix = xasprintf("datasets/%s", ds);

	/* a draft's change records can be many: they are listed when needed */
	store_prime(b, prefix, DATASET_PRIME_DELIM);
	free(prefix);
}
