/*
 * lineage.c - how vds run made a version: its lineage record.
 *
 * A draft's lineage is written as a record of its own below the version
 * (lineage/STAMP.json), only ever added, never rewritten; the newest one
 * counts while it is a draft. The commit record names the record the
 * commit read, so a committed version's lineage can never change.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core.h"

void vds_lineage_release(vds_lineage *l)
{
	for (size_t i = 0; i < l->ninputs; i++)
		free(l->inputs[i].name);
	free(l->inputs);
	for (size_t i = 0; i < l->ncommand; i++)
		free(l->command[i]);
	free(l->command);
	free(l->output);
	free(l->host);
	memset(l, 0, sizeof(*l));
}

/* True if NAME may be the name of a lineage record: "STAMP.json", nothing more. */
static bool record_name_ok(const char *name)
{
	size_t n = strlen(name);

	return n > 5 && n < 100 && !strchr(name, '/') && name[0] != '.' &&
	       !strcmp(name + n - 5, ".json");
}

int lineage_latest(vds_backend *b, const char *ds, const char *ver, char **name)
{
	char *prefix = xasprintf("datasets/%s/versions/%s/lineage", ds, ver), **names;
	size_t n;
	int r = list_names(b, prefix, &names, &n);

	free(prefix);
	*name = NULL;
	if (r < 0)
		return r;
	for (size_t i = n; i-- > 0 && !*name;) /* stamps sort by time: the newest is last */
		if (record_name_ok(names[i]))
			*name = xstrdup(names[i]);
	names_free(names, n);
	return 0;
}

static cJSON *lineage_to_json(const vds_lineage *l)
{
	cJSON *j = cJSON_CreateObject(), *arr;
	char t[40];

	cJSON_AddStringToObject(j, "output", l->output);
	arr = cJSON_AddArrayToObject(j, "inputs");
	for (size_t i = 0; i < l->ninputs; i++) {
		cJSON *in = cJSON_CreateObject();
		cJSON_AddStringToObject(in, "name", l->inputs[i].name);
		cJSON_AddStringToObject(in, "dataset", l->inputs[i].dataset);
		cJSON_AddStringToObject(in, "version", l->inputs[i].version);
		cJSON_AddItemToArray(arr, in);
	}
	arr = cJSON_AddArrayToObject(j, "command");
	for (size_t i = 0; i < l->ncommand; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(l->command[i]));
	vds_iso_time(l->started_us, t);
	cJSON_AddStringToObject(j, "started", t);
	vds_iso_time(l->ended_us, t);
	cJSON_AddStringToObject(j, "ended", t);
	cJSON_AddNumberToObject(j, "exitStatus", l->exit_status);
	cJSON_AddStringToObject(j, "host", l->host ? l->host : "");
	return j;
}

/* String member NAME of J into *OUT (malloc'd); false if absent or not a string. */
static bool take_str(const cJSON *j, const char *name, char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, name);

	if (!cJSON_IsString(v) || !v->valuestring)
		return false;
	*out = xstrdup(v->valuestring);
	return true;
}

static bool take_time(const cJSON *j, const char *name, int64_t *out)
{
	*out = vds_parse_time(json_str(j, name));
	return *out >= 0;
}

static bool from_json(const cJSON *j, vds_lineage *l)
{
	const cJSON *ins = cJSON_GetObjectItemCaseSensitive(j, "inputs"), *in;
	const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(j, "command"), *w;
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(j, "exitStatus");

	if (!take_str(j, "output", &l->output) || !take_str(j, "host", &l->host) ||
	    !take_time(j, "started", &l->started_us) || !take_time(j, "ended", &l->ended_us) ||
	    !cJSON_IsArray(ins) || !cJSON_IsArray(cmd) || !cJSON_IsNumber(st) ||
	    st->valuedouble < -1e9 || st->valuedouble > 1e9)
		return false;
	l->exit_status = (int)st->valuedouble;
	l->inputs = xcalloc((size_t)cJSON_GetArraySize(ins) + 1, sizeof(*l->inputs));
	cJSON_ArrayForEach(in, ins) {
		vds_lineage_input *x = &l->inputs[l->ninputs];
		const char *ds = json_str(in, "dataset"), *ver = json_str(in, "version");

		if (!cJSON_IsObject(in) || !is_object_id(ds, "ds") || !vds_is_version_id(ver) ||
		    !take_str(in, "name", &x->name))
			return false;
		l->ninputs++;
		memcpy(x->dataset, ds, sizeof(x->dataset));
		memcpy(x->version, ver, sizeof(x->version));
	}
	l->command = xcalloc((size_t)cJSON_GetArraySize(cmd) + 1, sizeof(*l->command));
	cJSON_ArrayForEach(w, cmd) {
		if (!cJSON_IsString(w) || !w->valuestring)
			return false;
		l->command[l->ncommand++] = xstrdup(w->valuestring);
	}
	return l->ncommand > 0;
}

int lineage_parse(const char *text, size_t len, const char *what, vds_lineage *out)
{
	cJSON *j = cJSON_ParseWithLength(text, len);
	bool ok = cJSON_IsObject(j) && from_json(j, out);

	cJSON_Delete(j);
	if (ok)
		return 0;
	vds_lineage_release(out);
	return vds_err(VDS_ECORRUPT, "corrupt lineage record of %s", what);
}

/* Checks what vds_lineage_set() is asked to record. */
static int check(const vds_lineage *l)
{
	if (!l->output || !*l->output)
		return vds_err(VDS_EINVAL, "a lineage needs the output's name");
	if (l->ncommand == 0)
		return vds_err(VDS_EINVAL, "a lineage needs the command");
	for (size_t i = 0; i < l->ncommand; i++)
		if (!l->command[i])
			return vds_err(VDS_EINVAL, "a lineage's command has a missing word");
	for (size_t i = 0; i < l->ninputs; i++)
		if (!l->inputs[i].name || !*l->inputs[i].name ||
		    !is_object_id(l->inputs[i].dataset, "ds") ||
		    !vds_is_version_id(l->inputs[i].version))
			return vds_err(VDS_EINVAL, "input %zu of a lineage is not a name and DS:VER",
				       i + 1);
	return 0;
}

int vds_lineage_set(vds_ctx *ctx, const char *ds, const char *ver, const vds_lineage *l)
{
	vds_backend *b;
	cJSON *commit = NULL;
	char stamp[26], *key, *name;
	int r;

	if ((r = check(l)) < 0 || (r = ctx_dataset_backend(ctx, ds, &b, NULL)) < 0)
		return r;
	if ((r = version_require_open_draft(b, ds, ver)) < 0)
		return r;
	cJSON *j = lineage_to_json(l);
	vds_stamp(stamp);
	name = xasprintf("%s.json", stamp);
	key = xasprintf("datasets/%s/versions/%s/lineage/%s", ds, ver, name);
	r = json_write(b, key, j);
	cJSON_Delete(j);
	if (r < 0)
		goto out;
	/* a commit that sealed the draft meanwhile may have read an older record, or none */
	if ((r = version_settle(b, ds, ver, &commit)) == 0 && commit &&
	    strcmp(json_str(commit, "lineage"), name) != 0)
		r = vds_err(VDS_ECOMMITTED,
			    "dataset version %s:%s was committed meanwhile; its lineage was not recorded",
			    ds, ver);
	cJSON_Delete(commit);
	if (r == VDS_ENOTFOUND)
		r = vds_err(VDS_ENOTFOUND, "dataset version %s:%s was deleted meanwhile", ds, ver);
	if (r < 0 && r != VDS_ECONFLICT) /* a record no commit read is withdrawn */
		b->ops->remove(b, key);
out:
	free(key);
	free(name);
	return r;
}

int lineage_read(vds_backend *b, const char *ds, const char *ver, vds_lineage *out)
{
	bool committed;
	cJSON *commit;
	char *name = NULL, *key, *text, *what;
	size_t len;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = version_state(b, ds, ver, &committed, &commit)) < 0)
		return r;
	if (committed) {
		const char *named = json_str(commit, "lineage");
		if (*named && !record_name_ok(named))
			r = vds_err(VDS_ECORRUPT, "corrupt commit record of %s:%s", ds, ver);
		else if (*named)
			name = xstrdup(named);
		cJSON_Delete(commit);
	} else {
		r = lineage_latest(b, ds, ver, &name);
	}
	if (r < 0 || !name)
		return r;
	key = xasprintf("datasets/%s/versions/%s/lineage/%s", ds, ver, name);
	what = xasprintf("%s:%s", ds, ver);
	if ((r = record_read(b, key, &text, &len)) == 0) {
		r = lineage_parse(text, len, what, out);
		free(text);
	} else if (r == VDS_ENOTFOUND) { /* named by the commit, or listed a moment ago */
		r = committed ? vds_err(VDS_ECORRUPT, "lineage record of %s is missing", what)
			      : vds_err(VDS_ENOTFOUND, "dataset version %s was deleted meanwhile", what);
	}
	free(what);
	free(key);
	free(name);
	return r < 0 ? r : 1;
}

int vds_lineage_get(vds_ctx *ctx, const char *ds, const char *ver, vds_lineage *out)
{
	vds_backend *b;
	int r = ctx_dataset_backend(ctx, ds, &b, NULL);

	memset(out, 0, sizeof(*out));
	if (r < 0)
		return r;
	r = lineage_read(b, ds, ver, out);
	if (r == VDS_ENOTFOUND)
		return vds_err(VDS_ENOTFOUND, "no such dataset version %s:%s", ds, q(ver));
	if (r == 0)
		return vds_err(VDS_ENOTFOUND, "dataset version %s:%s was not made by vds run", ds, ver);
	return r < 0 ? r : 0;
}

/* True if word W reads the same to a POSIX shell without quotes. */
static bool shell_plain(const char *w)
{
	if (!*w)
		return false;
	for (const char *p = w; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-",
			    *p))
			return false;
	return true;
}

char *vds_lineage_command(const vds_lineage *l)
{
	strbuf sb = STRBUF_INIT;

	for (size_t i = 0; i < l->ncommand; i++) {
		const char *w = l->command[i];
		if (i)
			sb_addc(&sb, ' ');
		if (shell_plain(w)) {
			sb_adds(&sb, w);
			continue;
		}
		sb_addc(&sb, '\'');
		for (const char *p = w; *p; p++)
			if (*p == '\'')
				sb_adds(&sb, "'\\''");
			else
				sb_addc(&sb, *p);
		sb_addc(&sb, '\'');
	}
	return sb_detach(&sb, NULL);
}
