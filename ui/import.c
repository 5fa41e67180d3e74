/*
 * import.c - i: imports a URL (http://, https://, s3://) into a draft. A
 * form asks for the URL, the folder in the version, the SHA-256 the file
 * must have and whether to unpack archives; a job then downloads it with
 * vds_files_add(), its progress shown on the jobs line like an upload's.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "util.h"

/* Everything the job needs, copied. */
typedef struct import_arg {
	char ds[VDS_DSID_LEN + 1], ver[VDS_VERID_LEN + 1], base[VDS_VERID_LEN + 1];
	char *url, *target, *sha256; /* sha256 NULL: not checked */
	bool extract;
	const vds_opts *o; /* while the job runs */
	vds_put_result pr;
	char name[512]; /* the dataset's name, for what people read */
} import_arg;

static void import_free(void *p)
{
	import_arg *a = p;

	free(a->url);
	free(a->target);
	free(a->sha256);
	free(a);
}

/* ---- the job (worker thread) ---------------------------------------------- */

static int add_url(vds_ctx *ctx, const char *ds, const char *ver, void *p)
{
	import_arg *a = p;
	vds_source s = {.location = a->url, .extract = a->extract, .sha256 = a->sha256};

	return vds_files_add(ctx, ds, ver, &s, 1, a->target, a->o, &a->pr);
}

static int job_import(vds_ctx *ctx, void *p, const vds_opts *o, char *res, size_t len)
{
	import_arg *a = p;
	char ver[VDS_VERID_LEN + 1], size[32];

	memcpy(ver, a->ver, sizeof(ver));
	a->o = o;
	int r = action_in_draft(ctx, a->ds, a->base, ver, add_url, a);
	if (r == 0) {
		vds_format_size(a->pr.bytes, false, size);
		snprintf(res, len, "imported %llu file%s (%s) into %s:%s",
			 (unsigned long long)a->pr.files, a->pr.files == 1 ? "" : "s", size, a->name, ver);
	} else if (r == VDS_ECANCELED && *a->base) {
		snprintf(res, len, "nothing was imported; the new draft was removed");
	} else if (r == VDS_ECANCELED) {
		snprintf(res, len, "nothing was added to %s:%s", a->name, ver);
	}
	return r;
}

/* ---- the form (UI thread) ------------------------------------------------- */

/* S without the spaces around it, in place. */
static char *trim(char *s)
{
	size_t n;

	s += strspn(s, " \t");
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	s[n] = '\0';
	return s;
}

/* Copies id S into DST of N bytes. */
static void copy_id(char *dst, size_t n, const char *s)
{
	size_t l = strnlen(s, n - 1);

	memcpy(dst, s, l);
	dst[l] = '\0';
}

/* The last segment of URL's path, without query or fragment ("data.csv"); malloc'd. */
static char *url_name(const char *url)
{
	const char *p = strstr(url, "://");
	size_t end, start;

	p = p ? p + 3 : url;
	end = strcspn(p, "?#");
	while (end > 0 && p[end - 1] == '/')
		end--;
	for (start = end; start > 0 && p[start - 1] != '/'; start--)
		;
	return xasprintf("%.*s", (int)(end - start), p + start);
}

static void on_import(ui *u, ui_form *f)
{
	char *url = trim(f->field[0].value), *sha = trim(f->field[2].value);
	import_arg *a = xcalloc(1, sizeof(*a));
	copy_id(a->ds, sizeof(a->ds), f->arg[0]);
	copy_id(a->ver, sizeof(a->ver), f->arg[1]);
	copy_id(a->base, sizeof(a->base), f->arg[2]);
	snprintf(a->name, sizeof(a->name), "%s", ui_ds_name(u, a->ds));
	a->url = xstrdup(url);
	a->target = xstrdup(f->field[1].value);
	a->sha256 = *sha ? xstrdup(sha) : NULL;
	a->extract = f->field[3].choice == 1;

	char *name = url_name(url);
	char *before = xasprintf("import %s into %s", name, *a->base ? "a new draft from " : "");
	action_submit(u, &(ui_job_title){before, a->ds, *a->base ? a->base : a->ver, NULL}, job_import, a,
		      import_free);
	free(before);
	free(name);
}

/* The form's check on Enter: a URL vds imports from, a well-formed SHA-256; the form stays open. */
static int check_import(ui *u, ui_form *f)
{
	char *url = trim(f->field[0].value), *sha = trim(f->field[2].value);

	if (!*url)
		return vds_err(VDS_EINVAL, "no URL to import: type an http://, https:// or s3:// URL");
	if (!vds_source_is_url(url))
		return vds_err(VDS_EINVAL, "'%s' is not an http://, https:// or s3:// URL", url);
	vds_source src = {.location = url, .sha256 = *sha ? sha : NULL};
	return vds_source_check_one(u->ctx, &src); /* a malformed URL or SHA-256 */
}

static const char *const no_yes[] = {"no", "yes"};

void import_form(ui *u, const char *ds, const char *ver, const char *base)
{
	char ref[600];
	ui_ref_name(u, ds, *base ? base : ver, ref, sizeof(ref));
	ui_form *f = *base ? form_open(u, on_import, "Import a URL into a new draft of %s based on %s",
				       ui_ds_name(u, ds), ref)
			   : form_open(u, on_import, "Import a URL into %s", ref);

	f->check = check_import;
	snprintf(f->arg[0], sizeof(f->arg[0]), "%s", ds);
	snprintf(f->arg[1], sizeof(f->arg[1]), "%s", ver);
	snprintf(f->arg[2], sizeof(f->arg[2]), "%s", base);
	form_text(f, "URL", "");
	form_text(f, "Folder in the version", u->dir && *u->dir ? u->dir : "/");
	form_text(f, "SHA-256 (optional)", "");
	form_choice(f, "Extract archives", no_yes, 2);
}
