/* cmd_files.c - vds datasets files list|get|put|delete. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "util.h"

static const char *type_name(char type)
{
	return type == VDS_DIR ? "folder" : type == VDS_LINK ? "link" : "file";
}

/* Prints one entry as a JSON object on its own line of an array. */
static void json_entry(const vds_entry *e, const char *name, const char *full, bool first)
{
	cJSON *j = cJSON_CreateObject();
	char hex[65];

	cJSON_AddStringToObject(j, "name", name);
	cJSON_AddStringToObject(j, "path", full);
	cJSON_AddStringToObject(j, "type", type_name(e->type));
	cJSON_AddNumberToObject(j, "size", (double)e->size);
	if (e->type == VDS_DIR) {
		cJSON_AddNumberToObject(j, "files", (double)e->nfiles);
	} else {
		vds_sha256_hex(e->sha256, hex);
		cJSON_AddStringToObject(j, "sha256", hex);
		cJSON_AddNumberToObject(j, "mode", (double)e->mode);
		cJSON_AddNumberToObject(j, "mtime", (double)e->mtime);
	}
	char *s = cJSON_PrintUnformatted(j);
	fputs(first ? "  " : ",\n  ", stdout);
	json_out(s);
	cJSON_free(s);
	cJSON_Delete(j);
}

/* Prints rows (NAME, SIZE) of a listing as a boxed table in two passes. */
typedef struct lister {
	vds_tree *t;
	vds_listing *l; /* non-recursive */
	uint64_t first, end; /* recursive */
	size_t skip; /* prefix bytes to strip from paths */
	const char *dir;
} lister;

static size_t lister_count(const lister *ls)
{
	return ls->l ? ls->l->n : (size_t)(ls->end - ls->first);
}

/* Entry I of the listing and its display name (folders end in '/'). */
static int lister_at(lister *ls, size_t i, vds_entry *e, strbuf *name)
{
	int r = 0;

	if (ls->l)
		*e = ls->l->v[i];
	else
		r = vds_tree_at(ls->t, ls->first + i, e);
	if (r < 0)
		return r;
	sb_reset(name);
	sb_adds(name, e->path + (ls->l ? 0 : ls->skip));
	if (e->type == VDS_DIR)
		sb_addc(name, '/');
	return 0;
}

static int print_listing(lister *ls, bool json)
{
	size_t n = lister_count(ls), w[2] = {4, 4};
	strbuf name = STRBUF_INIT, full = STRBUF_INIT;
	vds_entry e;
	char size[32];
	int r = 0;

	if (json) {
		printf("[\n");
		for (size_t i = 0; i < n && r == 0; i++) {
			if ((r = lister_at(ls, i, &e, &name)) < 0)
				break;
			sb_reset(&full);
			if (ls->l && *ls->dir)
				sb_addf(&full, "%s/", ls->dir);
			sb_adds(&full, e.path);
			json_entry(&e, name.buf, full.buf, i == 0);
		}
		printf("%s]\n", n ? "\n" : "");
		goto out;
	}
	for (size_t i = 0; i < n && r == 0; i++) {
		if ((r = lister_at(ls, i, &e, &name)) < 0)
			break;
		char *esc = vds_display_escape(name.buf);
		size_t cw = vds_display_width(esc);
		free(esc);
		if (cw > w[0])
			w[0] = cw;
		int sl = snprintf(size, sizeof(size), "%" PRIu64, e.size);
		if ((size_t)sl > w[1])
			w[1] = (size_t)sl;
	}
	if (r < 0)
		goto out;
	char *head[2] = {"Name", "Size"};
	table_rule(w, 2);
	table_cells(w, 2, head);
	table_rule(w, 2);
	for (size_t i = 0; i < n && r == 0; i++) {
		if ((r = lister_at(ls, i, &e, &name)) < 0)
			break;
		snprintf(size, sizeof(size), "%" PRIu64, e.size);
		char *row[2] = {vds_display_escape(name.buf), size};
		table_cells(w, 2, row);
		free(row[0]);
	}
	table_rule(w, 2);
out:
	sb_release(&name);
	sb_release(&full);
	return r;
}

static int f_list(vds_ctx *ctx, cli_args *a)
{
	vds_resolved res;
	vds_tree *t = NULL;
	vds_listing l = {0};
	char *dir = NULL;
	lister ls = {0};
	int r;
	vds_hold *h = vds_hold_begin(ctx, arg_str(a, "id")); /* one listing for all it reads */

	if ((r = need_version(ctx, arg_str(a, "id"), false, &res)) < 0) {
		vds_hold_end(h);
		return r;
	}
	if ((r = vds_path_normalize(arg_str(a, "path") ? arg_str(a, "path") : "", &dir)) == 0)
		r = vds_tree_open(ctx, res.dataset.id, res.version, &t);
	vds_hold_end(h);
	if (r < 0)
		goto out;
	ls.t = t;
	ls.dir = dir;
	if (arg_flag(a, "recursive")) {
		vds_entry e;
		vds_tree_range(t, dir, &ls.first, &ls.end);
		if (*dir && ls.first == ls.end) {
			if (vds_tree_lookup(t, dir, &e) == 0)
				r = vds_err(VDS_EINVAL, "%s is a file, not a folder", q(dir));
			else
				r = vds_err(VDS_ENOTFOUND, "no such folder %s in %s:%s", q(dir),
					    res.dataset.id, res.version);
			goto out;
		}
		ls.skip = *dir ? strlen(dir) + 1 : 0;
	} else {
		vds_entry e;
		uint64_t first, end;
		vds_tree_range(t, dir, &first, &end);
		if (*dir && first == end && vds_tree_lookup(t, dir, &e) == 0) {
			/* a single file lists as itself */
			const char *base = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;
			l.v = xmalloc(sizeof(*l.v));
			l.v[0] = e;
			l.v[0].path = xstrdup(base);
			l.n = 1;
			char *slash = strrchr(dir, '/');
			*(slash ? slash : dir) = '\0'; /* the parent, for JSON paths */
		} else if ((r = vds_tree_list(t, dir, &l)) < 0) {
			if (r == VDS_ENOTFOUND)
				r = vds_err(r, "no such folder %s in %s:%s", q(dir), res.dataset.id,
					    res.version);
			goto out;
		}
		ls.l = &l;
	}
	r = print_listing(&ls, arg_flag(a, "json"));
out:
	vds_listing_release(&l);
	vds_tree_free(t);
	free(dir);
	vds_resolved_release(&res);
	return r;
}

static int f_get(vds_ctx *ctx, cli_args *a)
{
	vds_resolved res;
	vds_get_result gr;
	const char **paths;
	size_t n = arg_all(a, "source-path", &paths);
	vds_opts o;
	int r;

	if ((r = cli_opts(a, &o)) < 0 || (r = need_version(ctx, arg_str(a, "id"), false, &res)) < 0) {
		free(paths);
		return r;
	}
	const char *dir = arg_str(a, "target-path");
	r = vds_files_get(ctx, res.dataset.id, res.version, paths, n, dir, &o, &gr);
	if (r == 0) {
		char *esc = vds_display_escape(dir);
		printf("Downloaded dataset version %s:%s to %s: %llu file%s written, %llu already present\n",
		       res.dataset.id, res.version, esc, (unsigned long long)gr.files,
		       gr.files == 1 ? "" : "s", (unsigned long long)gr.present);
		free(esc);
	}
	free(paths);
	vds_resolved_release(&res);
	return r;
}

static int f_put(vds_ctx *ctx, cli_args *a)
{
	vds_resolved res;
	vds_put_result pr;
	vds_source *src;
	size_t n;
	vds_opts o;
	int r;

	if (!arg_str(a, "source-path") && !arg_str(a, "source-url"))
		return vds_err(VDS_EUSAGE, "missing option '--source-path' (or '--source-url') for 'vds %s'",
			       a->cmd);
	if ((r = cli_opts(a, &o)) < 0 || (r = need_version(ctx, arg_str(a, "id"), true, &res)) < 0)
		return r;
	if ((r = cli_sources(ctx, a, &src, &n)) < 0) {
		vds_resolved_release(&res);
		return r;
	}
	r = vds_files_add(ctx, res.dataset.id, res.version, src, n, arg_str(a, "target-path"), &o, &pr);
	if (r == 0)
		printf("Put %llu file%s (%llu bytes) into dataset version: %s:%s\n",
		       (unsigned long long)pr.files, pr.files == 1 ? "" : "s",
		       (unsigned long long)pr.bytes, res.dataset.id, res.version);
	free(src);
	vds_resolved_release(&res);
	return r;
}

static int f_delete(vds_ctx *ctx, cli_args *a)
{
	vds_resolved res;
	const char **paths;
	size_t n = arg_all(a, "path", &paths);
	int r;

	if ((r = need_version(ctx, arg_str(a, "id"), true, &res)) < 0) {
		free(paths);
		return r;
	}
	if ((r = vds_files_delete(ctx, res.dataset.id, res.version, paths, n)) == 0)
		printf("Deleted %zu path%s from dataset version: %s:%s\n", n, n == 1 ? "" : "s",
		       res.dataset.id, res.version);
	free(paths);
	vds_resolved_release(&res);
	return r;
}

static const cli_opt list_opts[] = {
	{"id", OPT_STR, true, "DS:REF", "version reference"},
	{"path", OPT_STR, false, "P", "folder to list (default: the root)"},
	{"recursive", OPT_BOOL, false, "", "list every file below the folder"},
	{"json", OPT_BOOL, false, "", "print JSON"},
	{0},
};
static const cli_opt get_opts[] = {
	{"id", OPT_STR, true, "DS:REF", "version reference"},
	{"source-path", OPT_MULTI, false, "P", "only these files or folders of the version"},
	{"target-path", OPT_STR, true, "DIR", "local folder to write into"},
	{"concurrency", OPT_STR, false, "N", "parallel file workers"},
	{0},
};
static const cli_opt put_opts[] = {
	{"id", OPT_STR, true, "DS:VER", "draft version"},
	{"source-path", OPT_MULTI, false, "PATH", "local file or folder ('dir/' puts its contents)"},
	SOURCE_URL_OPTS,
	{"target-path", OPT_STR, false, "P", "folder in the version (default: the root)"},
	{"concurrency", OPT_STR, false, "N", "parallel file workers"},
	{0},
};
static const cli_opt delete_opts[] = {
	{"id", OPT_STR, true, "DS:VER", "draft version"},
	{"path", OPT_MULTI, true, "P", "file or folder to remove"},
	{0},
};

const cli_cmd files_cmds[] = {
	{"datasets files list", f_list, "List a version's files", list_opts},
	{"datasets files get", f_get, "Download a version's files, verified", get_opts},
	{"datasets files put", f_put, "Add or replace files in a draft", put_opts},
	{"datasets files delete", f_delete, "Remove files or folders from a draft", delete_opts},
	{0},
};
