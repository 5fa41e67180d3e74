/*
 * provider_s3.c - S3 providers in the configuration: checking settings,
 * finding credentials (the provider's own, a profile of the AWS
 * credentials file, or the AWS_* environment) and opening the backend.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "s3.h"
#include "import.h"
#include "store.h"

void s3_settings_release(vds_s3_settings *s)
{
	free(s->bucket);
	free(s->endpoint);
	free(s->region);
	free(s->prefix);
	free(s->access_key);
	free(s->secret_key);
	free(s->profile);
	memset(s, 0, sizeof(*s));
	s->path_style = s->insecure = s->read_only = -1;
}

static char *json_dup(const cJSON *j, const char *name)
{
	const char *v = json_str(j, name);

	return *v ? xstrdup(v) : NULL;
}

void s3_settings_from_json(const cJSON *j, vds_s3_settings *s)
{
	const cJSON *ps = cJSON_GetObjectItemCaseSensitive(j, "pathStyle");
	const cJSON *in = cJSON_GetObjectItemCaseSensitive(j, "insecure");
	const cJSON *ro = cJSON_GetObjectItemCaseSensitive(j, "readOnly");

	s->bucket = json_dup(j, "bucket");
	s->endpoint = json_dup(j, "endpoint");
	s->region = json_dup(j, "region");
	s->prefix = json_dup(j, "prefix");
	s->access_key = json_dup(j, "accessKey");
	s->secret_key = json_dup(j, "secretAccessKey");
	s->profile = json_dup(j, "profile");
	s->path_style = cJSON_IsBool(ps) ? cJSON_IsTrue(ps) : -1;
	s->insecure = cJSON_IsTrue(in) ? 1 : -1;
	s->read_only = cJSON_IsTrue(ro) ? 1 : -1;
}

void s3_settings_to_json(cJSON *j, const vds_s3_settings *s)
{
	const struct {
		const char *name, *v;
	} str[] = {{"bucket", s->bucket},      {"endpoint", s->endpoint},
		   {"region", s->region},      {"prefix", s->prefix},
		   {"accessKey", s->access_key}, {"secretAccessKey", s->secret_key},
		   {"profile", s->profile}};

	for (size_t i = 0; i < ARRAY_SIZE(str); i++)
		if (str[i].v && *str[i].v)
			cJSON_AddStringToObject(j, str[i].name, str[i].v);
	if (s->path_style >= 0)
		cJSON_AddBoolToObject(j, "pathStyle", s->path_style);
	if (s->insecure > 0)
		cJSON_AddBoolToObject(j, "insecure", 1);
	if (s->read_only > 0)
		cJSON_AddBoolToObject(j, "readOnly", 1);
}

bool s3_settings_have_secret(const vds_s3_settings *s)
{
	return s->secret_key && *s->secret_key;
}

int secret_file_check(const char *path, int fd)
{
	struct stat st;

	if ((fd >= 0 ? fstat(fd, &st) : stat(path, &st)) == 0 && (st.st_mode & 077))
		return vds_err(VDS_EINVAL,
			       "%s holds secrets but others can read it: run 'chmod 600 %s' first",
			       q(path), path);
	return 0;
}

/* Reads KEY of [PROFILE] from the AWS credentials file; NULL if absent. */
static int profile_lookup(const char *profile, const char *key, char **out)
{
	const char *env = getenv("AWS_SHARED_CREDENTIALS_FILE"), *home = getenv("HOME");
	char *path = env && *env ? xstrdup(env) : xasprintf("%s/.aws/credentials", home ? home : ".");
	FILE *f = fopen(path, "re");
	char line[1024];
	bool in = false;
	int r = 0;

	*out = NULL;
	if (!f) {
		free(path);
		return 0;
	}
	if ((r = secret_file_check(path, fileno(f))) < 0)
		goto out;
	while (fgets(line, sizeof(line), f)) {
		char *s = line + strspn(line, " \t"), *e = s + strlen(s);
		while (e > s && strchr(" \t\r\n", e[-1]))
			*--e = '\0';
		if (*s == '#' || *s == ';' || !*s)
			continue;
		if (*s == '[') {
			char *end = strchr(s, ']');
			if (end)
				*end = '\0';
			in = !strcmp(s + 1, profile);
			continue;
		}
		char *eq = strchr(s, '=');
		if (!in || !eq)
			continue;
		char *k = s, *v = eq + 1, *ke = eq;
		while (ke > k && strchr(" \t", ke[-1]))
			ke--;
		*ke = '\0';
		v += strspn(v, " \t");
		if (!strcmp(k, key)) {
			free(*out);
			*out = xstrdup(v);
		}
	}
out:
	fclose(f);
	free(path);
	return r;
}

static const char *env_or(const char *a, const char *b)
{
	const char *v = getenv(a);

	if ((!v || !*v) && b)
		v = getenv(b);
	return v && *v ? v : NULL;
}

/* Fills keys from profile NAME; VDS_ENOTFOUND if it has none. */
static int from_profile(const char *name, s3_config *c)
{
	int r;

	if ((r = profile_lookup(name, "aws_access_key_id", &c->access_key)) < 0 ||
	    (r = profile_lookup(name, "aws_secret_access_key", &c->secret_key)) < 0 ||
	    (r = profile_lookup(name, "aws_session_token", &c->session_token)) < 0)
		return r;
	return c->access_key && c->secret_key ? 0 : VDS_ENOTFOUND;
}

/* Fills in where the bucket of S is and how to reach it (no credentials). */
static void resolve_place(const vds_s3_settings *s, s3_config *c)
{
	const char *region = s->region && *s->region ? s->region : env_or("AWS_REGION", "AWS_DEFAULT_REGION");

	memset(c, 0, sizeof(*c));
	c->region = xstrdup(region ? region : "us-east-1");
	c->bucket = xstrdup(s->bucket ? s->bucket : "");
	c->prefix = xstrdup(s->prefix ? s->prefix : "");
	if (s->endpoint && *s->endpoint)
		c->endpoint = xstrdup(s->endpoint);
	else
		c->endpoint = xasprintf("https://s3.%s.amazonaws.com", c->region);
	c->path_style = s->path_style >= 0 ? s->path_style : (s->endpoint && *s->endpoint);
	c->insecure = s->insecure > 0;
	c->read_only = s->read_only > 0;
}

static int s3_settings_resolve(const vds_s3_settings *s, const char *id, s3_config *c)
{
	int r = 0;

	resolve_place(s, c);
	if (s->access_key && *s->access_key && s3_settings_have_secret(s)) {
		c->access_key = xstrdup(s->access_key);
		c->secret_key = xstrdup(s->secret_key);
		return 0;
	}
	const char *profile = s->profile && *s->profile ? s->profile : env_or("AWS_PROFILE", NULL);
	if (profile) {
		if ((r = from_profile(profile, c)) == VDS_ENOTFOUND)
			r = vds_err(VDS_ENOTFOUND, "no credentials in profile %s for storage provider %s",
				    q(profile), id);
	} else if (env_or("AWS_ACCESS_KEY_ID", NULL) && env_or("AWS_SECRET_ACCESS_KEY", NULL)) {
		c->access_key = xstrdup(getenv("AWS_ACCESS_KEY_ID"));
		c->secret_key = xstrdup(getenv("AWS_SECRET_ACCESS_KEY"));
		c->session_token = xstrdup(env_or("AWS_SESSION_TOKEN", NULL));
	} else if ((r = from_profile("default", c)) == VDS_ENOTFOUND && c->read_only) {
		free(c->access_key); /* anonymous: a public bucket */
		free(c->secret_key);
		c->access_key = c->secret_key = NULL;
		r = 0;
	} else if (r == VDS_ENOTFOUND) {
		r = vds_err(VDS_ENOTFOUND,
			    "no credentials for storage provider %s: give --accessKey and "
			    "--secretAccessKey, or --profile, or set AWS_ACCESS_KEY_ID and "
			    "AWS_SECRET_ACCESS_KEY",
			    id);
	}
	if (r < 0)
		s3_config_release(c);
	return r;
}

/* Checks the settings a user gave, normalising the prefix in place. */
static int check_settings(vds_s3_settings *s)
{
	if (!s->bucket || !*s->bucket)
		return vds_err(VDS_EUSAGE, "an S3 provider needs --bucket");
	if (strlen(s->bucket) > 255 || strpbrk(s->bucket, "/\\ ") ||
	    strspn(s->bucket, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") !=
		    strlen(s->bucket))
		return vds_err(VDS_EINVAL, "malformed bucket name %s", q(s->bucket));
	if (s->endpoint && *s->endpoint && strncmp(s->endpoint, "http://", 7) &&
	    strncmp(s->endpoint, "https://", 8))
		return vds_err(VDS_EINVAL, "endpoint %s must start with http:// or https://",
			       q(s->endpoint));
	if (s->region && strspn(s->region, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(s->region))
		return vds_err(VDS_EINVAL, "malformed region %s", q(s->region));
	if (!s->access_key != !s->secret_key)
		return vds_err(VDS_EUSAGE, "--accessKey and --secretAccessKey go together");
	if (s->prefix) {
		const char *p = s->prefix + strspn(s->prefix, "/");
		strbuf sb = STRBUF_INIT;
		if (strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/") !=
			    strlen(p) ||
		    strstr(p, "//") || !strcmp(p, ".") || !strncmp(p, "./", 2) || strstr(p, "/./") ||
		    strstr(p, "..")) {
			return vds_err(VDS_EINVAL,
				       "malformed prefix %s: use letters, digits and . _ - / only",
				       q(s->prefix));
		}
		sb_adds(&sb, p);
		if (sb.len && sb.buf[sb.len - 1] != '/')
			sb_addc(&sb, '/');
		free(s->prefix);
		s->prefix = sb_detach(&sb, NULL);
	}
	return 0;
}

int import_s3_config(vds_ctx *ctx, const char *provider_id, const char *bucket, s3_config *out)
{
	const vds_provider *p;
	int r;

	if (!provider_id) { /* anonymous: a public bucket */
		const char *ep = env_or("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL");
		vds_s3_settings s = {.bucket = (char *)bucket, .endpoint = (char *)ep,
				     .path_style = -1, .insecure = -1, .read_only = 1};
		if (ep && strncmp(ep, "http://", 7) && strncmp(ep, "https://", 8))
			return vds_err(VDS_EINVAL, "endpoint %s must start with http:// or https://",
				       q(ep));
		resolve_place(&s, out); /* never the keys of the environment */
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

char *s3_settings_path(const vds_s3_settings *s)
{
	return xasprintf("s3://%s/%s", s->bucket ? s->bucket : "", s->prefix ? s->prefix : "");
}

int provider_open_s3(vds_ctx *ctx, const vds_provider *p, vds_backend **out)
{
	s3_config c;
	int r = s3_settings_resolve(&p->s3, p->id, &c);

	if (r < 0)
		return r;
	r = vds_backend_s3_open(&c, ctx->cache_dir, ctx->cache_max, out);
	s3_config_release(&c);
	if (r == 0 && p->s3.read_only > 0)
		vds_backend_make_read_only(*out);
	return r;
}

/* Copies the given (non-NULL, non-negative) settings of FROM into TO. */
static void merge(vds_s3_settings *to, const vds_s3_settings *from)
{
	char **dst[] = {&to->bucket, &to->endpoint, &to->region, &to->prefix,
			&to->access_key, &to->secret_key, &to->profile};
	char *const src[] = {from->bucket, from->endpoint, from->region, from->prefix,
			     from->access_key, from->secret_key, from->profile};

	for (size_t i = 0; i < ARRAY_SIZE(dst); i++)
		if (src[i]) {
			free(*dst[i]);
			*dst[i] = xstrdup(src[i]);
		}
	if (from->path_style >= 0)
		to->path_style = from->path_style;
	if (from->insecure >= 0)
		to->insecure = from->insecure;
	if (from->read_only >= 0)
		to->read_only = from->read_only;
}

/* Checks S and that a store can be opened with it (started if empty). */
static int try_open(vds_ctx *ctx, vds_s3_settings *s, const char *id)
{
	vds_provider p = {.s3 = *s};
	vds_backend *b;
	int r;

	snprintf(p.id, sizeof(p.id), "%s", id);
	if ((r = check_settings(s)) < 0)
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
	merge(&set, s);
	if ((r = check_settings(&set)) == 0)
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
	merge(&set, &p->s3);
	merge(&set, s);
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
