/* cmd_providers.c - vds storageProviders list|details|create local|delete. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "util.h"

static cJSON *provider_json(vds_ctx *ctx, const vds_provider *p)
{
	cJSON *j = cJSON_CreateObject();
	const vds_provider *d = vds_provider_default(ctx);

	cJSON_AddStringToObject(j, "id", p->id);
	cJSON_AddStringToObject(j, "name", p->name);
	cJSON_AddStringToObject(j, "type", p->type);
	cJSON_AddStringToObject(j, "path", p->path);
	cJSON_AddBoolToObject(j, "isDefault", d == p);
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
	table_print(t);
	return 0;
}

static int sp_create_local(vds_ctx *ctx, cli_args *a)
{
	char id[VDS_SPID_LEN + 1];
	int r = vds_provider_create_local(ctx, arg_str(a, "name"), arg_str(a, "path"), id);

	if (r == 0)
		printf("Created storage provider: %s\n", id);
	return r;
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
static const cli_opt create_opts[] = {
	{"name", OPT_STR, true, "NAME", "provider name"},
	{"path", OPT_STR, true, "DIR", "directory of the store (created if missing)"},
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
	{"storageProviders delete", sp_delete, "Remove a storage provider from the configuration",
	 delete_opts},
	{0},
};
