/* cmd_tags.c - vds datasets tags list|set|delete. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "util.h"

static int t_list(vds_ctx *ctx, cli_args *a)
{
	vds_dataset d;
	vds_tag *v;
	size_t n;
	int r;
	vds_hold *h = vds_hold_begin(ctx, arg_str(a, "id"));

	if ((r = need_dataset(ctx, arg_str(a, "id"), &d)) < 0) {
		vds_hold_end(h);
		return r;
	}
	r = vds_tag_list(ctx, d.id, &v, &n);
	vds_hold_end(h);
	if (r < 0) {
		vds_dataset_release(&d);
		return r;
	}
	cJSON *arr = arg_flag(a, "json") ? cJSON_CreateArray() : NULL;
	table *t = arr ? NULL : table_new(2, "ID", "Name");
	for (size_t i = 0; i < n; i++) {
		char id[64];
		snprintf(id, sizeof(id), "%s:%s", d.id, v[i].version);
		if (arr) {
			cJSON *j = cJSON_CreateObject();
			cJSON_AddStringToObject(j, "id", id);
			cJSON_AddStringToObject(j, "name", v[i].name);
			cJSON_AddStringToObject(j, "version", v[i].version);
			cJSON_AddItemToArray(arr, j);
		} else {
			table_row(t, id, v[i].name);
		}
	}
	if (arr)
		json_print(arr);
	else
		table_print(t);
	vds_tag_list_free(v, n);
	vds_dataset_release(&d);
	return 0;
}

static int t_set(vds_ctx *ctx, cli_args *a)
{
	vds_resolved res;
	const char *name = arg_str(a, "name");
	int r;

	if ((r = vds_tag_name_check(name)) < 0 || (r = need_version(ctx, arg_str(a, "id"), true, &res)) < 0)
		return r;
	if ((r = vds_tag_set(ctx, res.dataset.id, res.version, name)) == 0) {
		char *esc = vds_display_escape(name);
		printf("Set dataset tag: %s:%s\n", res.dataset.id, esc);
		free(esc);
	}
	vds_resolved_release(&res);
	return r;
}

static int t_delete(vds_ctx *ctx, cli_args *a)
{
	const char *ref = arg_str(a, "id");
	char *ds, *name;
	vds_dataset d;
	int r;

	if ((r = vds_ref_parse(ref, &ds, &name)) < 0)
		return r;
	if (!name)
		r = vds_err(VDS_EINVAL, "expected a tag reference DATASET:TAG, not %s", q(ref));
	else if ((r = vds_dataset_get(ctx, ds, &d)) == 0) {
		if ((r = vds_tag_delete(ctx, d.id, name)) == 0) {
			char *esc = vds_display_escape(name);
			printf("Deleted dataset tag: %s:%s\n", d.id, esc);
			free(esc);
		}
		vds_dataset_release(&d);
	}
	free(ds);
	free(name);
	return r;
}

static const cli_opt list_opts[] = {
	{"id", OPT_STR, true, "DS", "dataset id"},
	{"json", OPT_BOOL, false, "", "print JSON"},
	{0},
};
static const cli_opt set_opts[] = {
	{"id", OPT_STR, true, "DS:VER", "committed version to tag"},
	{"name", OPT_STR, true, "TAG", "tag name (moved if it exists)"},
	{0},
};
static const cli_opt delete_opts[] = {
	{"id", OPT_STR, true, "DS:TAG", "tag to delete"},
	{0},
};

const cli_cmd tags_cmds[] = {
	{"datasets tags list", t_list, "List a dataset's tags", list_opts},
	{"datasets tags set", t_set, "Set or move a tag on a committed version", set_opts},
	{"datasets tags delete", t_delete, "Delete a tag", delete_opts},
	{0},
};
