/*
 * s3_settings.c - the settings of an S3 provider: read from and written to
 * its configuration object, checked as a user gives them, and resolved into
 * an s3_config with credentials (the provider's own, a profile of the AWS
 * credentials file, or the AWS_* environment).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "s3_settings.h"

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

/* The string NAME of object J (malloc'd), or NULL if absent or empty. */
static char *json_dup(const cJSON *j, const char *name)
{
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, name));

	return v && *v ? xstrdup(v) : NULL;
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

const char *s3_env_or(const char *a, const char *b)
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

void s3_settings_place(const vds_s3_settings *s, s3_config *c)
{
	const char *region = s->region && *s->region ? s->region : s3_env_or("AWS_REGION", "AWS_DEFAULT_REGION");

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

int s3_settings_resolve(const vds_s3_settings *s, const char *id, s3_config *c)
{
	int r = 0;

	s3_settings_place(s, c);
	if (s->access_key && *s->access_key && s3_settings_have_secret(s)) {
		c->access_key = xstrdup(s->access_key);
		c->secret_key = xstrdup(s->secret_key);
		return 0;
	}
	const char *profile = s->profile && *s->profile ? s->profile : s3_env_or("AWS_PROFILE", NULL);
	if (profile) {
		if ((r = from_profile(profile, c)) == VDS_ENOTFOUND)
			r = vds_err(VDS_ENOTFOUND, "no credentials in profile %s for storage provider %s",
				    q(profile), id);
	} else if (s3_env_or("AWS_ACCESS_KEY_ID", NULL) && s3_env_or("AWS_SECRET_ACCESS_KEY", NULL)) {
		c->access_key = xstrdup(getenv("AWS_ACCESS_KEY_ID"));
		c->secret_key = xstrdup(getenv("AWS_SECRET_ACCESS_KEY"));
		c->session_token = xstrdup(s3_env_or("AWS_SESSION_TOKEN", NULL));
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

int s3_settings_check(vds_s3_settings *s)
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

char *s3_settings_path(const vds_s3_settings *s)
{
	return xasprintf("s3://%s/%s", s->bucket ? s->bucket : "", s->prefix ? s->prefix : "");
}

void s3_settings_merge(vds_s3_settings *to, const vds_s3_settings *from)
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
