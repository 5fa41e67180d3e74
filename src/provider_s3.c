/*
 * provider_s3.c - S3 providers in the configuration: adding and changing
 * them (their settings checked and a store opened with them first),
 * opening their backends, and the configurations of imports from S3.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "import.h"
#include "store/s3_settings.h"

int import_s3_config(vds_ctx *ctx, const char *provider_id, const char *bucket, s3_config *out)
{
	const vds_provider *p;
	int r;

	if (!provider_id) { /* anonymous: a public bucket */
		const char *ep = s3_env_or("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL");
		vds_s3_settings s = {.bucket = (char *)bucket, .endpoint = (char *)ep,
				     .path_style = -1, .insecure = -1, .read_only = 1};
		if (ep && strncmp(ep, "http://", 7) && strncmp(ep, "https://", 8))
			return vds_err(VDS_EINVAL, "endpoint %s must start with http:// or https://",
				       q(ep));
		s3_settings_place(&s, out); /* never the keys of the environment */
		return 0;
	}
	if ((r = vds_provider_find(ctx, provider_id, &p)) < 0)
		return r;
	if (strcmp(p->type, "s3"))
		return vds_err(VDS_EINVAL, "storage provider %s is not an S3 provider", p->id);
	if ((r = s3_settings_resolve(&p->s3, p->id, out)) < 0)
		return r;
	free(out->bucket);
	free(out->prefix);
	out->bucket = xstrdup(bucket);
	out->prefix = xstrdup("");
	return 0;
}

bool provider_read_only(const vds_provider *p)
{
	return !strcmp(p->type, "s3") && p->s3.read_only > 0;
}

int provider_open_s3(vds_ctx *ctx, const vds_provider *p, vds_backend **out)
{
	s3_config c;
	int r = s3_settings_resolve(&p->s3, p->id, &c);

	if (r < 0)
		return r;
	c.prefetch = ctx->open_prefix;
	c.prefetch_delim = ctx->open_delim;
	r = vds_backend_s3_open(&c, ctx->cache_dir, ctx->cache_max, out);
	s3_config_release(&c);
	if (r == 0 && p->s3.read_only > 0)
		vds_backend_make_read_only(*out);
	return r;
}

/* Checks S and that a store can be opened with it (started if empty). */
static int try_open(vds_ctx *ctx, vds_s3_settings *s, const char *id)
{
	vds_provider p = {.s3 = *s};
	vds_backend *b;
	int r;

	snprintf(p.id, sizeof(p.id), "%s", id);
	if ((r = s3_settings_check(s)) < 0)
		return r;
	p.s3 = *s;
	if ((r = provider_open_s3(ctx, &p, &b)) < 0)
		return r;
	b->ops->close(b);
	return 0;
}

int vds_provider_create_s3(vds_ctx *ctx, const char *name, const vds_s3_settings *s,
			   char id[VDS_SPID_LEN + 1])
{
	vds_s3_settings set = {.path_style = -1, .insecure = -1, .read_only = -1};
	int r;

	if (!*name)
		return vds_err(VDS_EINVAL, "storage provider name may not be empty");
	for (size_t i = 0; i < ctx->nprov; i++)
		if (!strcmp(ctx->prov[i].name, name))
			return vds_err(VDS_ECONFLICT, "a storage provider named %s exists already (%s)",
				       q(name), ctx->prov[i].id);
	s3_settings_merge(&set, s);
	if ((r = s3_settings_check(&set)) == 0)
		for (size_t i = 0; i < ctx->nprov && r == 0; i++) {
			const vds_s3_settings *o = &ctx->prov[i].s3;
			if (!strcmp(ctx->prov[i].type, "s3") && !strcmp(o->bucket, set.bucket) &&
			    !strcmp(o->prefix ? o->prefix : "", set.prefix ? set.prefix : "") &&
			    !strcmp(o->endpoint ? o->endpoint : "", set.endpoint ? set.endpoint : ""))
				r = vds_err(VDS_ECONFLICT, "s3://%s/%s is storage provider %s already",
					    set.bucket, set.prefix ? set.prefix : "", ctx->prov[i].id);
		}
	if (r < 0 || (r = try_open(ctx, &set, "(new)")) < 0) {
		s3_settings_release(&set);
		return r;
	}
	char *path = s3_settings_path(&set);
	vds_provider *p = ctx_add_provider(ctx, name, "s3", path, id);
	free(path);
	p->s3 = set;
	if (!*ctx->default_id)
		memcpy(ctx->default_id, id, VDS_SPID_LEN + 1);
	return ctx_save(ctx);
}

int vds_provider_update_s3(vds_ctx *ctx, const char *id, const char *name,
			   const vds_s3_settings *s)
{
	const vds_provider *found;
	vds_s3_settings set = {.path_style = -1, .insecure = -1, .read_only = -1};
	int r;

	if ((r = vds_provider_find(ctx, id, &found)) < 0)
		return r;
	vds_provider *p = (vds_provider *)found;
	if (strcmp(p->type, "s3"))
		return vds_err(VDS_EINVAL, "storage provider %s is not an S3 provider", id);
	if (name && !*name)
		return vds_err(VDS_EINVAL, "storage provider name may not be empty");
	for (size_t i = 0; name && i < ctx->nprov; i++)
		if (&ctx->prov[i] != p && !strcmp(ctx->prov[i].name, name))
			return vds_err(VDS_ECONFLICT, "a storage provider named %s exists already (%s)",
				       q(name), ctx->prov[i].id);
	s3_settings_merge(&set, &p->s3);
	s3_settings_merge(&set, s);
	if ((r = try_open(ctx, &set, id)) < 0) {
		s3_settings_release(&set);
		return r;
	}
	ctx_close_backend(ctx, p);
	s3_settings_release(&p->s3);
	p->s3 = set;
	free(p->path);
	p->path = s3_settings_path(&set);
	if (name) {
		free(p->name);
		p->name = xstrdup(name);
	}
	return ctx_save(ctx);
}
