/* cmd_providers.c - vds storageProviders list|details|create local|create s3|update s3|upgrade|delete. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "util.h"

#define SECRET_MASK "********" /* secrets are never printed */

static bool is_s3(const vds_provider *p)
{
	return !strcmp(p->type, "s3");
}

/* The S3 settings of P as NAME/VALUE rows (value "" when not set). */
static size_t s3_rows(const vds_provider *p, const char *names[10], const char *values[10])
{
	const vds_s3_settings *s = &p->s3;
	size_t n = 0;

#define ROW(N, V) (names[n] = (N), values[n++] = (V) ? (V) : "")
	ROW("Bucket", s->bucket);
	ROW("Prefix", s->prefix);
	ROW("Endpoint", s->endpoint);
	ROW("Region", s->region);
	ROW("Path Style", s->path_style < 0 ? "" : s->path_style ? "true" : "false");
	ROW("Access Key", s->access_key);
	ROW("Secret Access Key", s->secret_key && *s->secret_key ? SECRET_MASK : "");
	ROW("Profile", s->profile);
	ROW("Insecure", s->insecure > 0 ? "true" : "");
	ROW("Read Only", s->read_only > 0 ? "true" : "");
#undef ROW
	return n;
}

static cJSON *provider_json(vds_ctx *ctx, const vds_provider *p)
{
	cJSON *j = cJSON_CreateObject();
	const vds_provider *d = vds_provider_default(ctx);

	cJSON_AddStringToObject(j, "id", p->id);
	cJSON_AddStringToObject(j, "name", p->name);
	cJSON_AddStringToObject(j, "type", p->type);
	cJSON_AddStringToObject(j, "path", p->path);
	cJSON_AddBoolToObject(j, "isDefault", d == p);
	if (is_s3(p)) {
		static const char *const keys[] = {"bucket",    "prefix",          "endpoint",
						   "region",    "pathStyle",       "accessKey",
						   "secretAccessKey", "profile", "insecure",
						   "readOnly"};
		const char *names[10], *values[10];
		size_t n = s3_rows(p, names, values);
		for (size_t i = 0; i < n; i++) {
			if (!*values[i])
				continue;
			if (!strcmp(values[i], "true") || !strcmp(values[i], "false"))
				cJSON_AddBoolToObject(j, keys[i], !strcmp(values[i], "true"));
			else
				cJSON_AddStringToObject(j, keys[i], values[i]);
		}
	}
	return j;
}

static int sp_list(vds_ctx *ctx, cli_args *a)
{
	size_t n = vds_provider_count(ctx);

	if (arg_flag(a, "json")) {
		cJSON *arr = cJSON_CreateArray();
		for (size_t i = 0; i < n; i++)
			cJSON_AddItemToArray(arr, provider_json(ctx, vds_provider_at(ctx, i)));
		json_print(arr);
		return 0;
	}
	table *t = table_new(4, "Name", "ID", "Type", "Path");
	for (size_t i = 0; i < n; i++) {
		const vds_provider *p = vds_provider_at(ctx, i);
		table_row(t, p->name, p->id, p->type, p->path);
	}
	table_print(t);
	return 0;
}

static int sp_details(vds_ctx *ctx, cli_args *a)
{
	const vds_provider *p;
	int r = vds_provider_find(ctx, arg_str(a, "id"), &p);

	if (r < 0)
		return r;
	if (arg_flag(a, "json")) {
		json_print(provider_json(ctx, p));
		return 0;
	}
	table *t = table_new(2, "ID", p->id);
	table_row(t, "Name", p->name);
	table_row(t, "Type", p->type);
	table_row(t, "Path", p->path);
	table_row(t, "Default", vds_provider_default(ctx) == p ? "true" : "false");
	if (is_s3(p)) {
		const char *names[10], *values[10];
		size_t n = s3_rows(p, names, values);
		for (size_t i = 0; i < n; i++)
			if (*values[i])
				table_row(t, names[i], values[i]);
	}
	table_print(t);
	return 0;
}

/* The S3 settings given on the command line (borrowed strings). */
static void s3_settings_args(cli_args *a, vds_s3_settings *s)
{
	*s = (vds_s3_settings){
		.bucket = (char *)arg_str(a, "bucket"),
		.endpoint = (char *)arg_str(a, "endpoint"),
		.region = (char *)arg_str(a, "region"),
		.prefix = (char *)arg_str(a, "prefix"),
		.access_key = (char *)arg_str(a, "accessKey"),
		.secret_key = (char *)arg_str(a, "secretAccessKey"),
		.profile = (char *)arg_str(a, "profile"),
		.path_style = arg_bool(a, "pathStyle"),
		.insecure = arg_bool(a, "insecure"),
		.read_only = arg_bool(a, "readOnly"),
	};
}

/* --packs true|false after a create or update of provider ID (nothing if not given). */
static int packs_arg(vds_ctx *ctx, cli_args *a, const char *id)
{
	int on = arg_bool(a, "packs"), r;

	if (on < 0)
		return 0;
	if ((r = vds_provider_set_packs(ctx, id, on)) > 0)
		printf("The store of storage provider %s now keeps new content in packs\n", id);
	return r < 0 ? r : 0;
}

static int sp_create_s3(vds_ctx *ctx, cli_args *a)
{
	vds_s3_settings s;
	char id[VDS_SPID_LEN + 1];
	int r;

	s3_settings_args(a, &s);
	if ((r = vds_provider_create_s3(ctx, arg_str(a, "name"), &s, id)) == 0) {
		printf("Created storage provider: %s\n", id);
		r = packs_arg(ctx, a, id);
	}
	return r;
}

static int sp_update_s3(vds_ctx *ctx, cli_args *a)
{
	vds_s3_settings s;
	const char *id = arg_str(a, "id");
	int r;

	s3_settings_args(a, &s);
	/* the feature first: a refused --packs false changes nothing */
	if ((r = packs_arg(ctx, a, id)) == 0 &&
	    (r = vds_provider_update_s3(ctx, id, arg_str(a, "name"), &s)) == 0)
		printf("Updated storage provider: %s\n", id);
	return r;
}

static int sp_upgrade(vds_ctx *ctx, cli_args *a)
{
	const char *id = arg_str(a, "id");
	size_t copied;
	int r = vds_provider_upgrade(ctx, id, &copied);

	if (r == 0)
		printf("Upgraded storage provider: %s (%zu dataset record%s moved)\n", id, copied,
		       copied == 1 ? "" : "s");
	return r;
}

static int sp_create_local(vds_ctx *ctx, cli_args *a)
{
	char id[VDS_SPID_LEN + 1];
	int r = vds_provider_create_local(ctx, arg_str(a, "name"), arg_str(a, "path"), id);

	if (r == 0) {
		printf("Created storage provider: %s\n", id);
		r = packs_arg(ctx, a, id);
	}
	return r;
}

static int sp_update_local(vds_ctx *ctx, cli_args *a)
{
	const char *id = arg_str(a, "id");
	const vds_provider *p;
	int r;

	if ((r = vds_provider_find(ctx, id, &p)) < 0)
		return r;
	if (strcmp(p->type, "local"))
		return vds_err(VDS_EINVAL, "storage provider %s is not a local one", id);
	return packs_arg(ctx, a, id);
}

static int sp_delete(vds_ctx *ctx, cli_args *a)
{
	const char *id = arg_str(a, "id");
	int r = vds_provider_delete(ctx, id);

	if (r == 0)
		printf("Deleted storage provider: %s\n", id);
	return r;
}

static const cli_opt list_opts[] = {
	{"json", OPT_BOOL, false, "", "print JSON"},
	{0},
};
static const cli_opt details_opts[] = {
	{"id", OPT_STR, true, "SP", "storage provider id"},
	{"json", OPT_BOOL, false, "", "print JSON"},
	{0},
};
#define PACKS_OPT \
	{"packs", OPT_TRUEFALSE, false, "true|false", "keep new content in packs (true: for good)"}
static const cli_opt create_opts[] = {
	{"name", OPT_STR, true, "NAME", "provider name"},
	{"path", OPT_STR, true, "DIR", "directory of the store (created if missing)"},
	PACKS_OPT,
	{0},
};
static const cli_opt update_local_opts[] = {
	{"id", OPT_STR, true, "SP", "storage provider id"},
	{"packs", OPT_TRUEFALSE, true, "true|false", "keep new content in packs (true: for good)"},
	{0},
};
#define S3_OPTS(BUCKET_REQUIRED)                                                                 \
	{"bucket", OPT_STR, BUCKET_REQUIRED, "BUCKET", "bucket name"},                           \
	{"endpoint", OPT_STR, false, "URL", "S3 endpoint (default: AWS S3 in the region)"},       \
	{"region", OPT_STR, false, "REGION", "region (default: $AWS_REGION, else us-east-1)"},    \
	{"prefix", OPT_STR, false, "PREFIX", "folder inside the bucket holding the store"},       \
	{"accessKey", OPT_STR, false, "KEY", "access key id"},                                   \
	{"secretAccessKey", OPT_STR, false, "SECRET", "secret access key (kept 0600, never shown)"}, \
	{"profile", OPT_STR, false, "NAME", "profile of ~/.aws/credentials to take keys from"},    \
	{"pathStyle", OPT_TRUEFALSE, false, "true|false", "path-style URLs (default: true with --endpoint)"}, \
	{"insecure", OPT_TRUEFALSE, false, "true|false", "do not verify TLS certificates"},        \
	{"readOnly", OPT_TRUEFALSE, false, "true|false", "refuse every write (no keys: anonymous)"}
static const cli_opt create_s3_opts[] = {
	{"name", OPT_STR, true, "NAME", "provider name"},
	S3_OPTS(true),
	PACKS_OPT,
	{0},
};
static const cli_opt update_s3_opts[] = {
	{"id", OPT_STR, true, "SP", "storage provider id"},
	{"name", OPT_STR, false, "NAME", "new provider name"},
	S3_OPTS(false),
	PACKS_OPT,
	{0},
};
static const cli_opt delete_opts[] = {
	{"id", OPT_STR, true, "SP", "storage provider id"},
	{0},
};

const cli_cmd providers_cmds[] = {
	{"storageProviders list", sp_list, "List storage providers", list_opts},
	{"storageProviders details", sp_details, "Show one storage provider", details_opts},
	{"storageProviders create local", sp_create_local, "Add a local-directory storage provider",
	 create_opts},
	{"storageProviders create s3", sp_create_s3, "Add an S3-compatible storage provider",
	 create_s3_opts},
	{"storageProviders update local", sp_update_local,
	 "Change a local provider's store (--packs)", update_local_opts},
	{"storageProviders update s3", sp_update_s3, "Change an S3 provider's settings",
	 update_s3_opts},
	{"storageProviders upgrade", sp_upgrade,
	 "Give a provider's store the features of new stores",
	 delete_opts},
	{"storageProviders delete", sp_delete, "Remove a storage provider from the configuration",
	 delete_opts},
	{0},
};
