/* config.c - the configuration file, the context and storage providers. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core.h"

/* $VAR if set and non-empty, else $HOME/FALLBACK, plus "/vds". */
static char *xdg_dir(const char *var, const char *fallback)
{
	const char *v = getenv(var), *home = getenv("HOME");

	if (v && *v)
		return xasprintf("%s/vds", v);
	return xasprintf("%s/%s/vds", home && *home ? home : ".", fallback);
}

#define CACHE_MAX_DEFAULT (10ULL << 30)

static void provider_release(vds_provider *p)
{
	free(p->name);
	free(p->type);
	free(p->path);
	s3_settings_release(&p->s3);
}

static int parse_config(vds_ctx *ctx, const char *text, size_t len)
{
	cJSON *j = cJSON_ParseWithLength(text, len), *arr, *it;
	bool secrets = false;

	if (!j || !cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return vds_err(VDS_ECORRUPT, "configuration file %s is not valid JSON",
			       q(ctx->config_path));
	}
	snprintf(ctx->default_id, sizeof(ctx->default_id), "%s",
		 json_str(j, "defaultStorageProviderId"));
	const cJSON *cm = cJSON_GetObjectItemCaseSensitive(j, "cacheMaxSize");
	if (cJSON_IsNumber(cm) && cm->valuedouble >= 0) /* 2^64 and more would not convert */
		ctx->cache_max = cm->valuedouble < 18446744073709551616.0 ? (uint64_t)cm->valuedouble
									 : UINT64_MAX;
	arr = cJSON_GetObjectItemCaseSensitive(j, "storageProviders");
	cJSON_ArrayForEach(it, arr)
	{
		const char *id = json_str(it, "id");

		if (!is_object_id(id, "sp") || !*json_str(it, "type")) {
			cJSON_Delete(j);
			return vds_err(VDS_ECORRUPT, "configuration file %s has a malformed provider",
				       q(ctx->config_path));
		}
		ctx->prov = xrealloc(ctx->prov, (ctx->nprov + 1) * sizeof(*ctx->prov));
		vds_provider *p = &ctx->prov[ctx->nprov++];
		memset(p, 0, sizeof(*p));
		p->s3.path_style = p->s3.insecure = p->s3.read_only = -1;
		snprintf(p->id, sizeof(p->id), "%s", id);
		p->name = xstrdup(json_str(it, "name"));
		p->type = xstrdup(json_str(it, "type"));
		p->demo_seeded = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "demoSeeded"));
		if (!strcmp(p->type, "s3")) {
			s3_settings_from_json(it, &p->s3);
			p->path = s3_settings_path(&p->s3);
			secrets |= s3_settings_have_secret(&p->s3);
		} else {
			p->path = xstrdup(json_str(it, "path"));
		}
	}
	cJSON_Delete(j);
	return secrets ? secret_file_check(ctx->config_path, -1) : 0;
}

/* Writes the configuration; EXCLUSIVE fails with VDS_ECONFLICT if one exists. */
static int write_config(vds_ctx *ctx, bool exclusive)
{
	cJSON *j = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(j, "storageProviders");
	char *tmp = xasprintf("%s.tmp%d", ctx->config_path, (int)getpid()), *dir, *text;
	int r = 0, fd;

	cJSON_AddStringToObject(j, "defaultStorageProviderId", ctx->default_id);
	for (size_t i = 0; i < ctx->nprov; i++) {
		cJSON *p = cJSON_CreateObject();

		cJSON_AddStringToObject(p, "id", ctx->prov[i].id);
		cJSON_AddStringToObject(p, "name", ctx->prov[i].name);
		cJSON_AddStringToObject(p, "type", ctx->prov[i].type);
		if (!strcmp(ctx->prov[i].type, "s3"))
			s3_settings_to_json(p, &ctx->prov[i].s3);
		else
			cJSON_AddStringToObject(p, "path", ctx->prov[i].path);
		if (ctx->prov[i].demo_seeded)
			cJSON_AddTrueToObject(p, "demoSeeded");
		cJSON_AddItemToArray(arr, p);
	}
	if (ctx->cache_max != CACHE_MAX_DEFAULT)
		cJSON_AddNumberToObject(j, "cacheMaxSize", (double)ctx->cache_max);
	text = cJSON_Print(j);
	cJSON_Delete(j);
	dir = xstrdup(ctx->config_path);
	if (strrchr(dir, '/')) {
		*strrchr(dir, '/') = '\0';
		if (*dir && (r = vds_mkdirs(dir)) < 0)
			goto out;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = vds_err_errno(errno, "write configuration", tmp);
		goto out;
	}
	size_t len = strlen(text);
	if (write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1 || fsync(fd) < 0) {
		r = vds_err_errno(errno, "write configuration", tmp);
		close(fd);
		unlink(tmp);
		goto out;
	}
	close(fd);
	if (exclusive) { /* two first runs at once: the first one's file wins */
		if (link(tmp, ctx->config_path) < 0)
			r = errno == EEXIST ? VDS_ECONFLICT
					    : vds_err_errno(errno, "write configuration", ctx->config_path);
		unlink(tmp);
	} else if (rename(tmp, ctx->config_path) < 0) {
		r = vds_err_errno(errno, "write configuration", ctx->config_path);
		unlink(tmp);
	}
out:
	cJSON_free(text);
	free(dir);
	free(tmp);
	return r;
}

int ctx_save(vds_ctx *ctx)
{
	return write_config(ctx, false);
}

vds_provider *ctx_add_provider(vds_ctx *ctx, const char *name, const char *type, const char *path,
			       char id[VDS_SPID_LEN + 1])
{
	vds_provider *p;

	ctx->prov = xrealloc(ctx->prov, (ctx->nprov + 1) * sizeof(*ctx->prov));
	ctx->be = xrealloc(ctx->be, (ctx->nprov + 1) * sizeof(*ctx->be));
	ctx->be[ctx->nprov] = NULL;
	p = &ctx->prov[ctx->nprov++];
	memset(p, 0, sizeof(*p));
	p->s3.path_style = p->s3.insecure = p->s3.read_only = -1;
	memcpy(p->id, "sp", 2);
	vds_random_base36(p->id + 2, 13);
	p->name = xstrdup(name);
	p->type = xstrdup(type);
	p->path = xstrdup(path);
	if (id)
		memcpy(id, p->id, VDS_SPID_LEN + 1);
	return p;
}

void ctx_close_backend(vds_ctx *ctx, const vds_provider *p)
{
	size_t i = (size_t)(p - ctx->prov);

	if (i < ctx->nprov && ctx->be[i]) {
		ctx->be[i]->ops->close(ctx->be[i]);
		ctx->be[i] = NULL;
	}
}

int vds_ctx_open(vds_ctx **out, const char *config_path)
{
	vds_ctx *ctx = xcalloc(1, sizeof(*ctx));
	const char *home = getenv("VDS_HOME");
	char *text = NULL;
	size_t len;
	int r;

	if (home && *home) {
		ctx->config_path = xasprintf("%s/config.json", home);
		ctx->default_store = xasprintf("%s/store", home);
		ctx->cache_dir = xasprintf("%s/cache", home);
	} else {
		char *cfg = xdg_dir("XDG_CONFIG_HOME", ".config");
		ctx->config_path = xasprintf("%s/config.json", cfg);
		free(cfg);
		ctx->default_store = xdg_dir("XDG_DATA_HOME", ".local/share");
		ctx->cache_dir = xdg_dir("XDG_CACHE_HOME", ".cache");
	}
	ctx->cache_max = CACHE_MAX_DEFAULT;
	if (config_path) {
		free(ctx->config_path);
		ctx->config_path = xstrdup(config_path);
	}
	r = vds_read_file(ctx->config_path, &text, &len);
	if (r == VDS_ENOTFOUND) {
		ctx_add_provider(ctx, "local", "local", ctx->default_store, NULL);
		memcpy(ctx->default_id, ctx->prov[0].id, sizeof(ctx->default_id));
		if ((r = write_config(ctx, true)) == VDS_ECONFLICT) {
			/* another process created it just now: use that one */
			provider_release(&ctx->prov[0]);
			free(ctx->prov);
			free(ctx->be);
			ctx->prov = NULL;
			ctx->be = NULL;
			ctx->nprov = 0;
			r = vds_read_file(ctx->config_path, &text, &len);
		}
	}
	if (r == 0 && text) {
		r = parse_config(ctx, text, len);
		ctx->be = xcalloc(ctx->nprov + 1, sizeof(*ctx->be));
	}
	free(text);
	if (r < 0) {
		vds_ctx_free(ctx);
		return r;
	}
	*out = ctx;
	return 0;
}

void vds_ctx_free(vds_ctx *ctx)
{
	if (!ctx)
		return;
	for (size_t i = 0; i < ctx->nprov; i++) {
		if (ctx->be && ctx->be[i])
			ctx->be[i]->ops->close(ctx->be[i]);
		provider_release(&ctx->prov[i]);
	}
	free(ctx->be);
	free(ctx->prov);
	free(ctx->config_path);
	free(ctx->cache_dir);
	free(ctx->default_store);
	free(ctx);
}

const char *vds_ctx_config_path(const vds_ctx *ctx)
{
	return ctx->config_path;
}

size_t vds_provider_count(const vds_ctx *ctx)
{
	return ctx->nprov;
}

const vds_provider *vds_provider_at(const vds_ctx *ctx, size_t i)
{
	return i < ctx->nprov ? &ctx->prov[i] : NULL;
}

static int provider_index(const vds_ctx *ctx, const char *id)
{
	for (size_t i = 0; i < ctx->nprov; i++)
		if (!strcmp(ctx->prov[i].id, id))
			return (int)i;
	return vds_err(VDS_ENOTFOUND, "no such storage provider %s", q(id));
}

int vds_provider_find(vds_ctx *ctx, const char *id, const vds_provider **out)
{
	int i = provider_index(ctx, id);

	if (i < 0)
		return i;
	*out = &ctx->prov[i];
	return 0;
}

const vds_provider *vds_provider_default(const vds_ctx *ctx)
{
	for (size_t i = 0; i < ctx->nprov; i++)
		if (!strcmp(ctx->prov[i].id, ctx->default_id))
			return &ctx->prov[i];
	return ctx->nprov ? &ctx->prov[0] : NULL;
}

int vds_provider_create_local(vds_ctx *ctx, const char *name, const char *path,
			      char id[VDS_SPID_LEN + 1])
{
	char abs[PATH_MAX];
	vds_backend *b;
	int r;

	if (!*name)
		return vds_err(VDS_EINVAL, "storage provider name may not be empty");
	if (!*path)
		return vds_err(VDS_EINVAL, "storage provider path may not be empty");
	for (size_t i = 0; i < ctx->nprov; i++)
		if (!strcmp(ctx->prov[i].name, name))
			return vds_err(VDS_ECONFLICT, "a storage provider named %s exists already (%s)",
				       q(name), ctx->prov[i].id);
	if ((r = vds_mkdirs(path)) < 0)
		return r;
	if (!realpath(path, abs))
		return vds_err_errno(errno, "resolve", path);
	for (size_t i = 0; i < ctx->nprov; i++)
		if (!strcmp(ctx->prov[i].path, abs))
			return vds_err(VDS_ECONFLICT, "%s is storage provider %s already", q(abs),
				       ctx->prov[i].id);
	if ((r = vds_backend_local_open(abs, &b)) < 0)
		return r;
	b->ops->close(b);
	ctx_add_provider(ctx, name, "local", abs, id);
	if (!*ctx->default_id)
		memcpy(ctx->default_id, id, VDS_SPID_LEN + 1);
	return ctx_save(ctx);
}

int vds_provider_delete(vds_ctx *ctx, const char *id)
{
	int i = provider_index(ctx, id), r;
	vds_backend *b;
	size_t n = 0;

	if (i < 0)
		return i;
	char **names;
	size_t nnames;

	if ((r = ctx_backend_at(ctx, (size_t)i, &b)) == 0 &&
	    (r = list_names(b, "datasets", &names, &nnames)) < 0)
		return r;
	if (r == 0) { /* its datasets: not a pack, nor a leftover folder beside a flat record */
		char **ids = dataset_ids(b, names, nnames, &n);
		names_free(ids, n); /* (n is set by the call: not in one expression) */
	}
	if (n)
		return vds_err(VDS_ECONFLICT,
			       "storage provider %s holds %zu dataset%s; delete %s first", id, n,
			       n == 1 ? "" : "s", n == 1 ? "it" : "them");
	if (ctx->be[i])
		ctx->be[i]->ops->close(ctx->be[i]);
	provider_release(&ctx->prov[i]);
	memmove(&ctx->prov[i], &ctx->prov[i + 1], (ctx->nprov - (size_t)i - 1) * sizeof(*ctx->prov));
	memmove(&ctx->be[i], &ctx->be[i + 1], (ctx->nprov - (size_t)i - 1) * sizeof(*ctx->be));
	ctx->nprov--;
	if (!strcmp(ctx->default_id, id))
		snprintf(ctx->default_id, sizeof(ctx->default_id), "%s",
			 ctx->nprov ? ctx->prov[0].id : "");
	return ctx_save(ctx);
}
