/*
 * cmd_lineage.c - vds datasets versions lineage (the walk up or down, as an
 * indented tree or JSON), and the Lineage part of versions details.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "util.h"

/* Writes "YYYY-MM-DD HH:MM:SS.mmm" of US into BUF. */
static void time_ms(int64_t us, char buf[40])
{
	char t[32];

	vds_format_time(us, t);
	snprintf(buf, 40, "%s.%03d", t, (int)((us % 1000000 + 1000000) % 1000000 / 1000));
}

/* Dataset names by id, looked up once each; NULL when the dataset is gone. */
typedef struct names {
	vds_ctx *ctx;
	char (*id)[VDS_DSID_LEN + 1];
	char **name;
	size_t n;
} names;

static const char *ds_name(names *nm, const char *id)
{
	vds_dataset d;

	for (size_t i = 0; i < nm->n; i++)
		if (!strcmp(nm->id[i], id))
			return nm->name[i];
	nm->id = xrealloc(nm->id, (nm->n + 1) * sizeof(*nm->id));
	nm->name = xrealloc(nm->name, (nm->n + 1) * sizeof(*nm->name));
	snprintf(nm->id[nm->n], sizeof(nm->id[nm->n]), "%s", id);
	nm->name[nm->n] = NULL;
	if (vds_dataset_get(nm->ctx, id, &d) == 0) {
		nm->name[nm->n] = d.name;
		d.name = NULL;
		vds_dataset_release(&d);
	}
	return nm->name[nm->n++];
}

static void names_release(names *nm)
{
	for (size_t i = 0; i < nm->n; i++)
		free(nm->name[i]);
	free(nm->name);
	free(nm->id);
}

cJSON *lineage_json(const vds_lineage *l)
{
	cJSON *j = cJSON_CreateObject(), *arr;
	char t[32], id[64], *cmd = vds_lineage_command(l);

	cJSON_AddStringToObject(j, "output", l->output);
	arr = cJSON_AddArrayToObject(j, "inputs");
	for (size_t i = 0; i < l->ninputs; i++) {
		cJSON *in = cJSON_CreateObject();
		snprintf(id, sizeof(id), "%s:%s", l->inputs[i].dataset, l->inputs[i].version);
		cJSON_AddStringToObject(in, "name", l->inputs[i].name);
		cJSON_AddStringToObject(in, "id", id);
		cJSON_AddStringToObject(in, "dataset", l->inputs[i].dataset);
		cJSON_AddStringToObject(in, "version", l->inputs[i].version);
		cJSON_AddItemToArray(arr, in);
	}
	arr = cJSON_AddArrayToObject(j, "command");
	for (size_t i = 0; i < l->ncommand; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(l->command[i]));
	cJSON_AddStringToObject(j, "commandLine", cmd);
	vds_format_time(l->started_us, t);
	cJSON_AddStringToObject(j, "startedAt", t);
	vds_format_time(l->ended_us, t);
	cJSON_AddStringToObject(j, "endedAt", t);
	cJSON_AddNumberToObject(j, "seconds", (double)(l->ended_us - l->started_us) / 1e6);
	cJSON_AddNumberToObject(j, "exitStatus", l->exit_status);
	cJSON_AddStringToObject(j, "host", l->host);
	free(cmd);
	return j;
}

void lineage_table(vds_ctx *ctx, const vds_lineage *l)
{
	names nm = {.ctx = ctx};
	char t[40], st[16], *cmd = vds_lineage_command(l), *head = xasprintf("output %s", l->output);
	/* the header row says what follows: which output of a run the version is */
	table *tb = table_new(2, "Lineage", head);

	free(head);
	for (size_t i = 0; i < l->ninputs; i++) {
		const char *name = ds_name(&nm, l->inputs[i].dataset);
		char *cell = xasprintf("%s = %s:%s (%s)", l->inputs[i].name, l->inputs[i].dataset,
				       l->inputs[i].version, name ? name : "deleted");
		table_row(tb, i ? "" : "Inputs", cell);
		free(cell);
	}
	if (!l->ninputs)
		table_row(tb, "Inputs", "none");
	table_row(tb, "Command", cmd);
	time_ms(l->started_us, t);
	table_row(tb, "Started", t);
	time_ms(l->ended_us, t);
	table_row(tb, "Ended", t);
	snprintf(st, sizeof(st), "%d", l->exit_status);
	table_row(tb, "Exit Status", st);
	table_row(tb, "Host", l->host);
	table_print(tb);
	free(cmd);
	names_release(&nm);
}

/* ---- vds datasets versions lineage ---------------------------------------------- */

typedef struct tree {
	names nm;
	bool down, json;
	cJSON **stack; /* JSON: the node last seen at each depth */
	size_t cap;
	cJSON *root;
} tree;

static cJSON *node_json(tree *tr, const vds_lineage_node *n)
{
	cJSON *j = cJSON_CreateObject();
	const char *name = ds_name(&tr->nm, n->dataset);
	char id[64];

	snprintf(id, sizeof(id), "%s:%s", n->dataset, n->version);
	cJSON_AddStringToObject(j, "id", id);
	cJSON_AddStringToObject(j, "dataset", n->dataset);
	cJSON_AddStringToObject(j, "version", n->version);
	if (name)
		cJSON_AddStringToObject(j, "datasetName", name);
	else
		cJSON_AddNullToObject(j, "datasetName");
	if (n->via)
		cJSON_AddStringToObject(j, "as", n->via);
	cJSON_AddBoolToObject(j, "exists", !n->missing);
	cJSON_AddBoolToObject(j, "repeated", n->repeated);
	if (n->lineage)
		cJSON_AddItemToObject(j, "lineage", lineage_json(n->lineage));
	else
		cJSON_AddNullToObject(j, "lineage");
	cJSON_AddArrayToObject(j, tr->down ? "usedBy" : "inputs");
	return j;
}

static int on_node(const vds_lineage_node *n, void *ud)
{
	tree *tr = ud;
	size_t d = (size_t)n->depth;

	if (tr->json) { /* the walk is depth first: a node's parent is the last one a level up */
		cJSON *j = node_json(tr, n);
		if (d == 0)
			tr->root = j;
		else
			cJSON_AddItemToArray(
				cJSON_GetObjectItem(tr->stack[d - 1], tr->down ? "usedBy" : "inputs"), j);
		if (d >= tr->cap) {
			tr->cap = d + 16;
			tr->stack = xrealloc(tr->stack, tr->cap * sizeof(*tr->stack));
		}
		tr->stack[d] = j;
		return 0;
	}
	const char *name = ds_name(&tr->nm, n->dataset);
	strbuf sb = STRBUF_INIT;
	for (int i = 0; i < n->depth; i++)
		sb_adds(&sb, "  ");
	if (n->via)
		sb_addf(&sb, "%s: ", n->via);
	sb_addf(&sb, "%s:%s (%s)", n->dataset, n->version, name ? name : "deleted dataset");
	if (n->missing)
		sb_adds(&sb, " no longer exists");
	else if (n->repeated)
		sb_adds(&sb, " shown above");
	else if (n->lineage) {
		char t[32], *cmd = vds_lineage_command(n->lineage);
		vds_format_time(n->lineage->started_us, t);
		sb_addf(&sb, "  %s  %s", t, cmd);
		free(cmd);
	}
	char *esc = vds_display_escape(sb.buf);
	puts(esc);
	free(esc);
	sb_release(&sb);
	return 0;
}

static int v_lineage(vds_ctx *ctx, cli_args *a)
{
	const char *ds = arg_str(a, "depth");
	tree tr = {.nm = {.ctx = ctx}, .down = arg_flag(a, "downstream"), .json = arg_flag(a, "json")};
	vds_resolved res;
	long depth = -1;
	int r;

	if (ds) {
		char *end;
		depth = strtol(ds, &end, 10);
		if (*end || end == ds || depth < 0 || depth > 1000000)
			return vds_err(VDS_EUSAGE, "--depth takes a number from 0, not %s", q(ds));
	}
	vds_hold *h = vds_hold_begin(ctx, arg_str(a, "id")); /* one listing for all it reads */
	if ((r = need_version(ctx, arg_str(a, "id"), false, &res)) < 0) {
		vds_hold_end(h);
		return r;
	}
	r = vds_lineage_walk(ctx, res.dataset.id, res.version, tr.down, (int)depth, on_node, &tr);
	vds_hold_end(h);
	if (r == 0 && tr.root)
		json_print(tr.root);
	else
		cJSON_Delete(tr.root);
	free(tr.stack);
	names_release(&tr.nm);
	vds_resolved_release(&res);
	return r;
}

static const cli_opt lineage_opts[] = {
	{"id", OPT_STR, true, "DS:REF", "version reference (DS:VERSION, DS:TAG, DS:latest)"},
	{"depth", OPT_STR, false, "N", "walk N levels (default: all)"},
	{"downstream", OPT_BOOL, false, "", "walk down: the versions made from it"},
	{"json", OPT_BOOL, false, "", "print JSON"},
	{0},
};

const cli_cmd lineage_cmds[] = {
	{"datasets versions lineage", v_lineage, "Show what a version was made from, or what was made from it",
	 lineage_opts},
	{0},
};
