/* cmd_versions.c - vds datasets versions list|details|create|update|commit|delete. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "util.h"

static cJSON *version_json(const char *ds, const vds_version *v)
{
	cJSON *j = cJSON_CreateObject(), *tags;
	char id[64], t[32];

	snprintf(id, sizeof(id), "%s:%s", ds, v->id);
	cJSON_AddStringToObject(j, "id", id);
	cJSON_AddStringToObject(j, "dataset", ds);
	cJSON_AddStringToObject(j, "version", v->id);
	cJSON_AddStringToObject(j, "message", v->message);
	cJSON_AddBoolToObject(j, "isCommitted", v->committed);
	tags = cJSON_AddArrayToObject(j, "tags");
	for (size_t i = 0; i < v->ntags; i++)
		cJSON_AddItemToArray(tags, cJSON_CreateString(v->tags[i]));
	cJSON_AddNumberToObject(j, "fileCount", (double)v->file_count);
	cJSON_AddNumberToObject(j, "size", (double)v->total_size);
	vds_format_time(v->created_us, t);
	cJSON_AddStringToObject(j, "createdAt", t);
	if (v->committed) {
		vds_format_time(v->committed_us, t);
		cJSON_AddStringToObject(j, "committedAt", t);
	} else {
		cJSON_AddNullToObject(j, "committedAt");
	}
	return j;
}

static char *join_tags(const vds_version *v)
{
	strbuf sb = STRBUF_INIT;

	for (size_t i = 0; i < v->ntags; i++) {
		if (i)
			sb_adds(&sb, ", ");
		sb_adds(&sb, v->tags[i]);
	}
	return sb_detach(&sb, NULL);
}

static int v_list(vds_ctx *ctx, cli_args *a)
{
	vds_dataset d;
	vds_version *v;
	size_t n;
	int want = arg_bool(a, "isCommitted"), r;
	vds_hold *h = vds_hold_begin(ctx, arg_str(a, "id"));

	if ((r = need_dataset(ctx, arg_str(a, "id"), &d)) < 0) {
		vds_hold_end(h);
		return r;
	}
	r = vds_version_list(ctx, d.id, &v, &n);
	vds_hold_end(h);
	if (r < 0) {
		vds_dataset_release(&d);
		return r;
	}
	cJSON *arr = arg_flag(a, "json") ? cJSON_CreateArray() : NULL;
	table *t = arr ? NULL : table_new(6, "ID", "State", "Files", "Size", "Message", "Tags");
	for (size_t i = 0; i < n; i++) {
		if (want >= 0 && v[i].committed != (want == 1))
			continue;
		if (arr) {
			cJSON_AddItemToArray(arr, version_json(d.id, &v[i]));
			continue;
		}
		char id[64], files[32], size[32], *tags = join_tags(&v[i]);
		snprintf(id, sizeof(id), "%s:%s", d.id, v[i].id);
		snprintf(files, sizeof(files), "%llu", (unsigned long long)v[i].file_count);
		vds_format_size(v[i].total_size, false, size);
		table_row(t, id, v[i].committed ? "committed" : "draft", files, size, v[i].message, tags);
		free(tags);
	}
	if (arr)
		json_print(arr);
	else
		table_print(t);
	vds_version_list_free(v, n);
	vds_dataset_release(&d);
	return 0;
}

static int v_details(vds_ctx *ctx, cli_args *a)
{
	vds_resolved res;
	vds_version v;
	vds_lineage l;
	int r, lr;
	vds_hold *h = vds_hold_begin(ctx, arg_str(a, "id")); /* one listing for all it reads */

	if ((r = need_version(ctx, arg_str(a, "id"), false, &res)) < 0) {
		vds_hold_end(h);
		return r;
	}
	if ((r = vds_version_get(ctx, res.dataset.id, res.version, &v)) < 0) {
		vds_hold_end(h);
		vds_resolved_release(&res);
		return r;
	}
	/* how vds run made it, if it did */
	lr = vds_lineage_get(ctx, res.dataset.id, res.version, &l);
	vds_hold_end(h);
	if (lr < 0 && lr != VDS_ENOTFOUND) {
		vds_version_release(&v);
		vds_resolved_release(&res);
		return lr;
	}
	if (arg_flag(a, "json")) {
		cJSON *j = version_json(res.dataset.id, &v);
		if (lr == 0)
			cJSON_AddItemToObject(j, "lineage", lineage_json(&l));
		json_print(j);
	} else {
		char id[64], files[32], size[64], human[32], t[32], *tags = join_tags(&v);
		snprintf(id, sizeof(id), "%s:%s", res.dataset.id, v.id);
		snprintf(files, sizeof(files), "%llu", (unsigned long long)v.file_count);
		vds_format_size(v.total_size, false, human);
		snprintf(size, sizeof(size), "%llu (%s)", (unsigned long long)v.total_size, human);
		vds_format_time(v.created_us, t);
		table *tb = table_new(2, "ID", id);
		table_row(tb, "Message", v.message);
		table_row(tb, "Committed", v.committed ? "true" : "false");
		table_row(tb, "Tags", tags);
		table_row(tb, "Files", files);
		table_row(tb, "Size", size);
		table_row(tb, "Created", t);
		if (v.committed) {
			vds_format_time(v.committed_us, t);
			table_row(tb, "Committed At", t);
		}
		table_print(tb);
		free(tags);
		if (lr == 0)
			lineage_table(ctx, &l);
	}
	if (lr == 0)
		vds_lineage_release(&l);
	vds_version_release(&v);
	vds_resolved_release(&res);
	return 0;
}

static int v_create(vds_ctx *ctx, cli_args *a)
{
	vds_dataset d;
	char ver[VDS_VERID_LEN + 1];
	vds_source *src;
	size_t nsrc;
	vds_opts o;
	int r = 0;

	if ((r = cli_opts(a, &o)) < 0 || (r = need_dataset(ctx, arg_str(a, "id"), &d)) < 0)
		return r;
	if ((r = cli_sources(ctx, a, &src, &nsrc)) < 0) {
		vds_dataset_release(&d);
		return r;
	}
	if ((r = vds_version_create(ctx, d.id, arg_str(a, "message"), NULL, ver)) < 0)
		goto out;
	printf("Created dataset version: %s:%s\n", d.id, ver);
	fflush(stdout);
	if (nsrc == 0)
		goto out;
	r = vds_files_add(ctx, d.id, ver, src, nsrc, NULL, &o, NULL);
	if (r == 0)
		r = vds_version_commit(ctx, d.id, ver);
	if (r == 0) {
		printf("Committed dataset version: %s:%s\n", d.id, ver);
	} else {
		/* leave no empty draft behind a failed put */
		char msg[1024];
		snprintf(msg, sizeof(msg), "%s", vds_errmsg());
		vds_version v;
		if (vds_version_get(ctx, d.id, ver, &v) == 0) {
			if (!v.committed && v.file_count == 0)
				vds_version_delete(ctx, d.id, ver, false);
			vds_version_release(&v);
		}
		vds_err(r, "%s", msg);
	}
out:
	free(src);
	vds_dataset_release(&d);
	return r;
}

static int v_update(vds_ctx *ctx, cli_args *a)
{
	vds_resolved res;
	int r = need_version(ctx, arg_str(a, "id"), true, &res);

	if (r < 0)
		return r;
	if ((r = vds_version_update(ctx, res.dataset.id, res.version, arg_str(a, "message"))) == 0)
		printf("Updated dataset version: %s:%s\n", res.dataset.id, res.version);
	vds_resolved_release(&res);
	return r;
}

static int v_commit(vds_ctx *ctx, cli_args *a)
{
	vds_resolved res;
	int r = need_version(ctx, arg_str(a, "id"), true, &res);

	if (r < 0)
		return r;
	if ((r = vds_version_commit(ctx, res.dataset.id, res.version)) == 0)
		printf("Committed dataset version: %s:%s\n", res.dataset.id, res.version);
	vds_resolved_release(&res);
	return r;
}

static int v_delete(vds_ctx *ctx, cli_args *a)
{
	vds_resolved res;
	int r = need_version(ctx, arg_str(a, "id"), true, &res);

	if (r < 0)
		return r;
	r = vds_version_delete(ctx, res.dataset.id, res.version, arg_flag(a, "force"));
	if (r == 0)
		printf("Deleted dataset version: %s:%s\n", res.dataset.id, res.version);
	vds_resolved_release(&res);
	return r;
}

static const cli_opt list_opts[] = {
	{"id", OPT_STR, true, "DS", "dataset id"},
	{"isCommitted", OPT_TRUEFALSE, false, "true|false", "only committed versions, or only drafts"},
	{"json", OPT_BOOL, false, "", "print JSON"},
	{0},
};
static const cli_opt details_opts[] = {
	{"id", OPT_STR, true, "DS:REF", "version reference (DS:VERSION, DS:TAG, DS:latest)"},
	{"json", OPT_BOOL, false, "", "print JSON"},
	{0},
};
static const cli_opt create_opts[] = {
	{"id", OPT_STR, true, "DS", "dataset id"},
	{"message", OPT_STR, false, "TEXT", "version message"},
	{"source-path", OPT_MULTI, false, "PATH", "put these files and commit ('dir/' puts its contents)"},
	SOURCE_URL_OPTS,
	{"concurrency", OPT_STR, false, "N", "parallel file workers"},
	{0},
};
static const cli_opt update_opts[] = {
	{"id", OPT_STR, true, "DS:VER", "draft version"},
	{"message", OPT_STR, true, "TEXT", "new message"},
	{0},
};
static const cli_opt commit_opts[] = {
	{"id", OPT_STR, true, "DS:VER", "draft version"},
	{0},
};
static const cli_opt delete_opts[] = {
	{"id", OPT_STR, true, "DS:VER", "version"},
	{"force", OPT_BOOL, false, "", "delete a committed version even if tags point at it"},
	{0},
};

const cli_cmd versions_cmds[] = {
	{"datasets versions list", v_list, "List a dataset's versions, newest first", list_opts},
	{"datasets versions details", v_details, "Show one version", details_opts},
	{"datasets versions create", v_create, "Create a draft version (and commit files from paths or URLs)",
	 create_opts},
	{"datasets versions update", v_update, "Change a draft's message", update_opts},
	{"datasets versions commit", v_commit, "Commit a draft: its files become immutable", commit_opts},
	{"datasets versions delete", v_delete, "Delete a version", delete_opts},
	{0},
};
