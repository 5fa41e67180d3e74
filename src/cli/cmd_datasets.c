/* cmd_datasets.c - vds datasets list|details|create|update|delete. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "util.h"

static cJSON *dataset_json(const vds_dataset *d)
{
	cJSON *j = cJSON_CreateObject();
	char t[32];

	vds_format_time(d->created_us, t);
	cJSON_AddStringToObject(j, "id", d->id);
	cJSON_AddStringToObject(j, "name", d->name);
	cJSON_AddStringToObject(j, "description", d->description);
	cJSON_AddStringToObject(j, "storageProviderId", d->provider_id);
	cJSON_AddStringToObject(j, "createdAt", t);
	return j;
}

static int ds_list(vds_ctx *ctx, cli_args *a)
{
	vds_dataset *v;
	size_t n;
	int r = vds_dataset_list(ctx, &v, &n);

	if (r < 0)
		return r;
	if (arg_flag(a, "json")) {
		cJSON *arr = cJSON_CreateArray();
		for (size_t i = 0; i < n; i++)
			cJSON_AddItemToArray(arr, dataset_json(&v[i]));
		json_print(arr);
	} else {
		table *t = table_new(3, "Name", "ID", "Storage Provider");
		for (size_t i = 0; i < n; i++)
			table_row(t, v[i].name, v[i].id, v[i].provider_id);
		table_print(t);
	}
	vds_dataset_list_free(v, n);
	return 0;
}

static int ds_details(vds_ctx *ctx, cli_args *a)
{
	vds_dataset d;
	const vds_provider *p = NULL;
	char t[32], prov[256];
	int r = need_dataset(ctx, arg_str(a, "id"), &d);

	if (r < 0)
		return r;
	if (arg_flag(a, "json")) {
		json_print(dataset_json(&d));
	} else {
		vds_format_time(d.created_us, t);
		vds_provider_find(ctx, d.provider_id, &p);
		snprintf(prov, sizeof(prov), "%s (%s)", d.provider_id, p ? p->name : "?");
		table *tb = table_new(2, "ID", d.id);
		table_row(tb, "Name", d.name);
		table_row(tb, "Description", d.description);
		table_row(tb, "Storage Provider", prov);
		table_row(tb, "Created", t);
		table_print(tb);
	}
	vds_dataset_release(&d);
	return 0;
}

static int ds_create(vds_ctx *ctx, cli_args *a)
{
	vds_dataset d;
	int r = vds_dataset_create(ctx, arg_str(a, "name"), arg_str(a, "description"),
				   arg_str(a, "storageProviderId"), &d);

	if (r < 0)
		return r;
	printf("Created dataset: %s\n", d.id);
	vds_dataset_release(&d);
	return 0;
}

static int ds_update(vds_ctx *ctx, cli_args *a)
{
	vds_dataset d;
	int r;

	if (!arg_str(a, "name") && !arg_str(a, "description"))
		return vds_err(VDS_EUSAGE, "nothing to update: give --name and/or --description");
	if ((r = need_dataset(ctx, arg_str(a, "id"), &d)) < 0)
		return r;
	r = vds_dataset_update(ctx, d.id, arg_str(a, "name"), arg_str(a, "description"));
	if (r == 0)
		printf("Updated dataset: %s\n", d.id);
	vds_dataset_release(&d);
	return r;
}

static int ds_delete(vds_ctx *ctx, cli_args *a)
{
	vds_dataset d;
	int r = need_dataset(ctx, arg_str(a, "id"), &d);

	if (r < 0)
		return r;
	if ((r = vds_dataset_delete(ctx, d.id)) == 0)
		printf("Deleted dataset: %s\n", d.id);
	vds_dataset_release(&d);
	return r;
}

static const cli_opt list_opts[] = {
	{"json", OPT_BOOL, false, "", "print JSON"},
	{0},
};
static const cli_opt details_opts[] = {
	{"id", OPT_STR, true, "DS", "dataset id (or unique name)"},
	{"json", OPT_BOOL, false, "", "print JSON"},
	{0},
};
static const cli_opt create_opts[] = {
	{"name", OPT_STR, true, "NAME", "dataset name"},
	{"storageProviderId", OPT_STR, false, "SP", "storage provider (default: the default one)"},
	{"description", OPT_STR, false, "TEXT", "description"},
	{0},
};
static const cli_opt update_opts[] = {
	{"id", OPT_STR, true, "DS", "dataset id (or unique name)"},
	{"name", OPT_STR, false, "NAME", "new name"},
	{"description", OPT_STR, false, "TEXT", "new description"},
	{0},
};
static const cli_opt delete_opts[] = {
	{"id", OPT_STR, true, "DS", "dataset id (or unique name)"},
	{0},
};

const cli_cmd datasets_cmds[] = {
	{"datasets list", ds_list, "List datasets of every storage provider", list_opts},
	{"datasets details", ds_details, "Show one dataset", details_opts},
	{"datasets create", ds_create, "Create a dataset", create_opts},
	{"datasets update", ds_update, "Change a dataset's name or description", update_opts},
	{"datasets delete", ds_delete, "Delete a dataset with its versions and tags", delete_opts},
	{0},
};
