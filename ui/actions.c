/*
 * actions.c - what the browser changes: each action gathers what it needs
 * through a form or the picker on the UI thread, then queues a job; the
 * job runs on a worker with a context of its own and never touches curses.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ui.h"
#include "util.h"

/*
 * What a job makes (a dataset, a draft): the job writes the ids, and the UI
 * reads them and frees the record only once the job has ended.
 */
struct ui_made {
	struct ui_made *next;
	unsigned job;
	char ds[VDS_DSID_LEN + 1], ver[VDS_VERID_LEN + 1];
};

/* Everything a job needs, copied: the UI's state may change meanwhile. */
typedef struct job_arg {
	char ds[VDS_DSID_LEN + 1], ver[VDS_VERID_LEN + 1], base[VDS_VERID_LEN + 1];
	char *text, *text2, *text3; /* name/message, description, provider or target */
	char **paths;
	size_t npaths;
	bool force;
	const vds_opts *o;  /* an upload's, while it runs */
	vds_put_result pr;  /* what it put */
	char name[512];     /* the dataset's name, for what people read */
	struct ui_made *made; /* where it writes what it made, or NULL */
} job_arg;

/* Copies S into DST of N bytes (ids and paths are short; cut if not). */
static void copy_str(char *dst, size_t n, const char *s)
{
	size_t l = strnlen(s ? s : "", n - 1);

	memcpy(dst, s ? s : "", l);
	dst[l] = '\0';
}

static void arg_free(void *p)
{
	job_arg *a = p;

	free(a->text);
	free(a->text2);
	free(a->text3);
	for (size_t i = 0; i < a->npaths; i++)
		free(a->paths[i]);
	free(a->paths);
	free(a);
}

static job_arg *arg_new(const char *ds, const char *ver)
{
	job_arg *a = xcalloc(1, sizeof(*a));

	copy_str(a->ds, sizeof(a->ds), ds);
	copy_str(a->ver, sizeof(a->ver), ver);
	return a;
}

unsigned action_submit(ui *u, const ui_job_title *t, vds_job_fn fn, void *arg,
		       void (*free_arg)(void *))
{
	char title[1200];

	job_title_text(u, t, title, sizeof(title));
	unsigned id = vds_jobs_submit(u->jobs, title, fn, arg, free_arg);
	job_name_note(u, id, t); /* named again at each draw */
	ui_message(u, false, "job #%u queued: %s (b shows jobs)", id, title);
	return id;
}

/* Names the dataset of A for what people read. */
static void name_arg(ui *u, job_arg *a)
{
	copy_str(a->name, sizeof(a->name), ui_ds_name(u, a->ds));
}

static void submit(ui *u, const ui_job_title *t, vds_job_fn fn, job_arg *a)
{
	name_arg(u, a);
	action_submit(u, t, fn, a, arg_free);
}

/* Submits a job that makes something, selected when it ends. */
static void submit_making(ui *u, const ui_job_title *t, vds_job_fn fn, job_arg *a)
{
	struct ui_made *m = xcalloc(1, sizeof(*m));

	name_arg(u, a);
	a->made = m;
	m->job = action_submit(u, t, fn, a, arg_free);
	m->next = u->made;
	u->made = m;
}

void action_follow(ui *u)
{
	vds_job_info *v;
	size_t n = vds_jobs_snapshot(u->jobs, &v);
	bool newest = true;

	for (struct ui_made **pm = &u->made; *pm;) {
		struct ui_made *m = *pm;
		vds_job_state st = VDS_JOB_CANCELLED;
		for (size_t i = 0; i < n; i++)
			if (v[i].id == m->job)
				st = v[i].state;
		if (st <= VDS_JOB_RUNNING) {
			newest = false; /* a later action's result waits for it */
			pm = &m->next;
			continue;
		}
		if (newest && st == VDS_JOB_DONE && *m->ds)
			ui_select_ref(u, m->ds, m->ver);
		newest = false;
		*pm = m->next;
		free(m);
	}
	vds_jobs_snapshot_free(v, n);
}

void action_free(ui *u)
{
	while (u->made) {
		struct ui_made *m = u->made;
		u->made = m->next;
		free(m);
	}
	job_names_free(u);
}

/* ---- the jobs (worker threads) ------------------------------------------ */

static int job_create_dataset(vds_ctx *ctx, void *p, const vds_opts *o, char *res, size_t len)
{
	job_arg *a = p;
	vds_dataset d;
	(void)o;
	int r = vds_dataset_create(ctx, a->text, a->text2, a->text3, &d);
	if (r == 0) {
		snprintf(res, len, "created dataset %s (%s)", d.name, d.id);
		if (a->made)
			snprintf(a->made->ds, sizeof(a->made->ds), "%s", d.id);
		vds_dataset_release(&d);
	}
	return r;
}

static int job_new_version(vds_ctx *ctx, void *p, const vds_opts *o, char *res, size_t len)
{
	job_arg *a = p;
	char ver[VDS_VERID_LEN + 1];
	(void)o;
	int r = vds_version_create(ctx, a->ds, a->text, *a->base ? a->base : NULL, ver);
	if (r == 0) {
		snprintf(res, len, "created draft %s:%s", a->name, ver);
		if (a->made) {
			snprintf(a->made->ds, sizeof(a->made->ds), "%s", a->ds);
			snprintf(a->made->ver, sizeof(a->made->ver), "%s", ver);
		}
	}
	return r;
}

int action_in_draft(vds_ctx *ctx, const char *ds, const char *base, char ver[VDS_VERID_LEN + 1],
		    ui_add_fn add, void *arg)
{
	int r;

	if (*base) {
		char *msg = xasprintf("based on %s", base);
		r = vds_version_create(ctx, ds, msg, base, ver);
		free(msg);
		if (r < 0)
			return r;
	}
	r = add(ctx, ds, ver, arg);
	if (r < 0 && *base) { /* the new draft was only for this */
		char msg[1024];
		snprintf(msg, sizeof(msg), "%s", vds_errmsg());
		vds_version_delete(ctx, ds, ver, false);
		vds_err(r, "%s", msg);
	}
	return r;
}

static int put_paths(vds_ctx *ctx, const char *ds, const char *ver, void *p)
{
	job_arg *a = p;

	return vds_files_put(ctx, ds, ver, (const char *const *)a->paths, a->npaths, a->text3, a->o,
			     &a->pr);
}

static int job_upload(vds_ctx *ctx, void *p, const vds_opts *o, char *res, size_t len)
{
	job_arg *a = p;
	char ver[VDS_VERID_LEN + 1];

	memcpy(ver, a->ver, sizeof(ver));
	a->o = o;
	int r = action_in_draft(ctx, a->ds, a->base, ver, put_paths, a);
	char size[32];
	vds_format_size(a->pr.bytes, false, size);
	if (r == 0 && a->made) {
		snprintf(a->made->ds, sizeof(a->made->ds), "%s", a->ds);
		snprintf(a->made->ver, sizeof(a->made->ver), "%s", ver);
	}
	if (r == 0)
		snprintf(res, len, "put %llu file%s (%s) into %s:%s", (unsigned long long)a->pr.files,
			 a->pr.files == 1 ? "" : "s", size, a->name, ver);
	else if (r == VDS_ECANCELED && *a->base)
		snprintf(res, len, "nothing was uploaded; the new draft was removed");
	else if (r == VDS_ECANCELED)
		snprintf(res, len, "nothing was added to %s:%s", a->name, ver);
	return r;
}

static int job_remove(vds_ctx *ctx, void *p, const vds_opts *o, char *res, size_t len)
{
	job_arg *a = p;
	(void)o;
	int r = vds_files_delete(ctx, a->ds, a->ver, (const char *const *)a->paths, a->npaths);
	if (r == 0)
		snprintf(res, len, "removed %s from %s:%s", a->paths[0], a->name, a->ver);
	return r;
}

static int job_commit(vds_ctx *ctx, void *p, const vds_opts *o, char *res, size_t len)
{
	job_arg *a = p;
	vds_version v;
	(void)o;
	int r = vds_version_get(ctx, a->ds, a->ver, &v);
	if (r < 0)
		return r;
	if (strcmp(v.message, a->text) != 0)
		r = vds_version_update(ctx, a->ds, a->ver, a->text);
	vds_version_release(&v);
	if (r == 0 && (r = vds_version_commit(ctx, a->ds, a->ver)) == 0)
		snprintf(res, len, "committed %s:%s", a->name, a->ver);
	return r;
}

static int job_tag_set(vds_ctx *ctx, void *p, const vds_opts *o, char *res, size_t len)
{
	job_arg *a = p;
	(void)o;
	int r = vds_tag_set(ctx, a->ds, a->ver, a->text);
	if (r == 0)
		snprintf(res, len, "tag %s now names %s:%s", a->text, a->name, a->ver);
	return r;
}

static int job_tag_delete(vds_ctx *ctx, void *p, const vds_opts *o, char *res, size_t len)
{
	job_arg *a = p;
	(void)o;
	int r = vds_tag_delete(ctx, a->ds, a->text);
	if (r == 0)
		snprintf(res, len, "deleted tag %s of %s", a->text, a->name);
	return r;
}

static int job_download(vds_ctx *ctx, void *p, const vds_opts *o, char *res, size_t len)
{
	job_arg *a = p;
	vds_get_result gr;
	int r = vds_files_get(ctx, a->ds, a->ver, (const char *const *)a->paths, a->npaths, a->text3,
			      o, &gr);
	if (r == 0 || r == VDS_ECANCELED)
	{
		char size[32];
		vds_format_size(gr.bytes, false, size);
		snprintf(res, len, "%s %llu file%s (%s) to %s (%llu already there)",
			 r == 0 ? "downloaded" : "cancelled after", (unsigned long long)gr.files,
			 gr.files == 1 ? "" : "s", size, a->text3, (unsigned long long)gr.present);
	}
	return r;
}

static int job_delete(vds_ctx *ctx, void *p, const vds_opts *o, char *res, size_t len)
{
	job_arg *a = p;
	(void)o;
	int r = *a->ver ? vds_version_delete(ctx, a->ds, a->ver, a->force)
			: vds_dataset_delete(ctx, a->ds);
	if (r == 0)
		snprintf(res, len, "deleted %s%s%s", *a->ver ? "" : "dataset ", a->name, *a->ver ? ":" : "");
	if (r == 0 && *a->ver)
		snprintf(res + strlen(res), len - strlen(res), "%s", a->ver);
	return r;
}

/* ---- forms (UI thread) ---------------------------------------------------- */

static const vds_dataset *current_dataset(ui *u)
{
	for (size_t i = 0; i < u->ndatasets; i++)
		if (!strcmp(u->datasets[i].id, u->ds))
			return &u->datasets[i];
	return NULL;
}

static const vds_version *current_version(ui *u)
{
	for (size_t i = 0; i < u->nversions; i++)
		if (!strcmp(u->versions[i].id, u->ver))
			return &u->versions[i];
	return NULL;
}

/* The file or folder under the Files cursor, as a version path (malloc'd), or NULL. */
static char *selected_path(ui *u)
{
	const ui_row *row = list_selected(&u->list[PANE_FILES]);

	if (!row)
		return NULL;
	const char *name = u->listing.v[row->index].path;
	return u->dir && *u->dir ? xasprintf("%s/%s", u->dir, name) : xstrdup(name);
}

static void on_create_dataset(ui *u, ui_form *f)
{
	job_arg *a = arg_new(NULL, NULL);
	const vds_provider *p = vds_provider_at(u->ctx, f->field[2].choice);

	a->text = xstrdup(f->field[0].value);
	a->text2 = xstrdup(f->field[1].value);
	a->text3 = xstrdup(p ? p->id : "");
	char *title = xasprintf("create dataset %s", f->field[0].value);
	submit_making(u, &(ui_job_title){title, NULL, NULL, NULL}, job_create_dataset, a);
	free(title);
}

/* The Create form's check: a name the core takes, not taken already. */
static int check_dataset_name(ui *u, ui_form *f)
{
	if (vds_dataset_name_check(f->field[0].value) < 0)
		return -1;
	for (size_t i = 0; i < u->ndatasets; i++)
		if (!strcmp(u->datasets[i].name, f->field[0].value))
			return vds_err(VDS_ECONFLICT, "a dataset named '%s' exists already", f->field[0].value);
	return 0;
}

static void on_new_version(ui *u, ui_form *f)
{
	job_arg *a = arg_new(f->arg[0], NULL);

	a->text = xstrdup(f->field[0].value);
	submit_making(u, &(ui_job_title){"new draft of ", a->ds, "", NULL}, job_new_version, a);
}

/* The picker is done: ask where in the version the files go. */
static void on_picked(ui *u, char **paths, size_t n);

static void on_upload_target(ui *u, ui_form *f)
{
	job_arg *a = arg_new(f->arg[0], f->arg[1]);
	char **paths = f->data;
	size_t n = 0;

	while (paths[n])
		n++;
	a->paths = xcalloc(n + 1, sizeof(*a->paths));
	for (size_t i = 0; i < n; i++)
		a->paths[a->npaths++] = xstrdup(paths[i]);
	a->text3 = xstrdup(f->field[0].value);
	copy_str(a->base, sizeof(a->base), f->arg[2]); /* "" or a committed version */
	char *before = xasprintf("upload %zu item%s into %s", n, n == 1 ? "" : "s",
				 *f->arg[2] ? "a new draft from " : "");
	ui_job_title t = {before, a->ds, *a->base ? a->base : a->ver, NULL};
	if (*f->arg[2]) /* the new draft is selected when the upload ends */
		submit_making(u, &t, job_upload, a);
	else
		submit(u, &t, job_upload, a);
	free(before);
}

static void free_paths(void *p)
{
	char **v = p;

	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static char pending[3][64]; /* ds, ver, base of the upload being picked */

static void on_picked(ui *u, char **paths, size_t n)
{
	char ref[600];
	ui_ref_name(u, pending[0], *pending[2] ? pending[2] : pending[1], ref, sizeof(ref));
	ui_form *f = *pending[2] ? form_open(u, on_upload_target,
					     "Upload %zu item%s into a new draft of %s based on %s", n,
					     n == 1 ? "" : "s", ui_ds_name(u, pending[0]), ref)
				 : form_open(u, on_upload_target, "Upload %zu item%s into %s", n,
					     n == 1 ? "" : "s", ref);
	char **copy = xcalloc(n + 1, sizeof(*copy));
	for (size_t i = 0; i < n; i++)
		copy[i] = xstrdup(paths[i]);
	f->data = copy;
	f->free_data = free_paths;
	for (int i = 0; i < 3; i++)
		copy_str(f->arg[i], sizeof(f->arg[i]), pending[i]);
	form_text(f, "Folder in the version", u->dir && *u->dir ? u->dir : "/");
}

static void pick_uploads(ui *u, const char *ds, const char *ver, const char *base)
{
	copy_str(pending[0], sizeof(pending[0]), ds);
	copy_str(pending[1], sizeof(pending[1]), ver);
	copy_str(pending[2], sizeof(pending[2]), base);
	picker_open(u, on_picked);
}

typedef struct then_draft {
	ui_draft_fn next;
} then_draft;

static void on_new_draft(ui *u, ui_form *f)
{
	const then_draft *t = f->data;

	t->next(u, f->arg[0], "", f->arg[1]);
}

void action_for_draft(ui *u, const vds_version *v, const char *verb, ui_draft_fn next)
{
	if (!v->committed) {
		next(u, u->ds, v->id, "");
		return;
	}
	char ref[600];
	ui_ref_name(u, u->ds, v->id, ref, sizeof(ref));
	ui_form *f = form_open(u, on_new_draft,
			       "%s is committed and cannot change. %s into a new draft based on it "
			       "(its files carried over)?",
			       ref, verb);
	then_draft *t = xcalloc(1, sizeof(*t));
	t->next = next;
	f->data = t;
	f->free_data = free;
	copy_str(f->arg[0], sizeof(f->arg[0]), u->ds);
	copy_str(f->arg[1], sizeof(f->arg[1]), v->id);
}

static void on_remove(ui *u, ui_form *f)
{
	job_arg *a = arg_new(f->arg[0], f->arg[1]);

	a->paths = xcalloc(2, sizeof(*a->paths));
	a->paths[a->npaths++] = xstrdup(f->arg[2]);
	char *title = xasprintf("remove %s from draft", a->paths[0]);
	submit(u, &(ui_job_title){title, NULL, NULL, NULL}, job_remove, a);
	free(title);
}

static void commit_now(ui *u, const char *ds, const char *ver, const char *message)
{
	job_arg *a = arg_new(ds, ver);

	a->text = xstrdup(message);
	submit(u, &(ui_job_title){"commit ", a->ds, a->ver, NULL}, job_commit, a);
}

static void on_commit_empty(ui *u, ui_form *f)
{
	commit_now(u, f->arg[0], f->arg[1], f->arg[2]);
}

static void on_commit(ui *u, ui_form *f)
{
	if (strcmp(f->arg[2], "0") != 0) {
		commit_now(u, f->arg[0], f->arg[1], f->field[0].value);
		return;
	}
	/* an empty version is kept forever: ask, and let Enter mean no */
	char ref[600];
	ui_ref_name(u, f->arg[0], f->arg[1], ref, sizeof(ref));
	ui_form *q = form_open(u, on_commit_empty, "%s has no files. Commit an empty version?", ref);
	q->default_no = true;
	copy_str(q->arg[0], sizeof(q->arg[0]), f->arg[0]);
	copy_str(q->arg[1], sizeof(q->arg[1]), f->arg[1]);
	copy_str(q->arg[2], sizeof(q->arg[2]), f->field[0].value);
}

/* The Tag form's check: the core's tag name rules. */
static int check_tag(ui *u, ui_form *f)
{
	(void)u;
	return vds_tag_name_check(f->field[0].value);
}

static void on_tag(ui *u, ui_form *f)
{
	job_arg *a = arg_new(f->arg[0], f->arg[1]);

	a->text = xstrdup(f->field[0].value);
	char *title = xasprintf("tag %s", a->text);
	submit(u, &(ui_job_title){title, NULL, NULL, NULL}, job_tag_set, a);
	free(title);
}

static void on_untag(ui *u, ui_form *f)
{
	job_arg *a = arg_new(f->arg[0], NULL);

	a->text = xstrdup(f->arg[1]);
	char *title = xasprintf("delete tag %s", a->text);
	submit(u, &(ui_job_title){title, NULL, NULL, NULL}, job_tag_delete, a);
	free(title);
}

static void on_download(ui *u, ui_form *f)
{
	job_arg *a = arg_new(f->arg[0], f->arg[1]);

	if (*f->arg[2]) {
		a->paths = xcalloc(2, sizeof(*a->paths));
		a->paths[a->npaths++] = xstrdup(f->arg[2]);
	}
	a->text3 = xstrdup(f->field[0].value);
	char *after = xasprintf("%s%s", *f->arg[2] ? "/" : "", f->arg[2]);
	submit(u, &(ui_job_title){"download ", a->ds, a->ver, after}, job_download, a);
	free(after);
}

void delete_confirmed(ui *u, ui_form *f)
{
	job_arg *a = arg_new(f->arg[0], f->arg[1]);

	a->force = true; /* the confirmation named the tags that go with it */
	submit(u, &(ui_job_title){*a->ver ? "delete version " : "delete dataset ", a->ds, a->ver, NULL},
	       job_delete, a);
}

int delete_check_name(ui *u, ui_form *f)
{
	(void)u;
	if (strcmp(f->field[0].value, f->arg[2]) != 0)
		return vds_err(VDS_EINVAL, "type the name '%s' to delete it, or Esc to keep it", f->arg[2]);
	return 0;
}

static const char *provider_names[64];

void action_start(ui *u, enum ui_action a)
{
	const vds_version *v = current_version(u);
	ui_form *f;
	char cwd[PATH_MAX], *path, ref[600], size[32];

	if (a != ACT_CREATE_DATASET && !*u->ds) {
		ui_message(u, true, "select a dataset first");
		return;
	}
	switch (a) {
	case ACT_CREATE_DATASET: {
		size_t n = vds_provider_count(u->ctx);
		if (n == 0) {
			ui_message(u, true, "no storage provider is configured");
			return;
		}
		if (n > 64)
			n = 64;
		for (size_t i = 0; i < n; i++)
			provider_names[i] = vds_provider_at(u->ctx, i)->name;
		f = form_open(u, on_create_dataset, "Create a dataset");
		f->check = check_dataset_name;
		form_text(f, "Name", "");
		form_text(f, "Description", "");
		form_choice(f, "Storage provider", provider_names, n);
		const vds_provider *def = vds_provider_default(u->ctx);
		for (size_t i = 0; def && i < n; i++)
			if (vds_provider_at(u->ctx, i) == def)
				f->field[2].choice = i;
		return;
	}
	case ACT_DELETE: {
		const vds_dataset *d = current_dataset(u);
		if (u->focus != PANE_DATASETS)
			break; /* a version: below */
		if (d)
			delete_ask_dataset(u, d);
		return;
	}
	case ACT_NEW_VERSION:
		f = form_open(u, on_new_version, "New draft version of %s", ui_ds_name(u, u->ds));
		copy_str(f->arg[0], sizeof(f->arg[0]), u->ds);
		form_text(f, "Message", "");
		return;
	default:
		break;
	}
	if (!v) {
		ui_message(u, true, "select a version first");
		return;
	}
	ui_ref_name(u, u->ds, v->id, ref, sizeof(ref));
	switch (a) {
	case ACT_UPLOAD:
		action_for_draft(u, v, "Upload", pick_uploads);
		return;
	case ACT_IMPORT:
		action_for_draft(u, v, "Import", import_form);
		return;
	case ACT_REMOVE:
		if (v->committed) {
			ui_message(u, true, "%s is committed and cannot change", ref);
			return;
		}
		if (u->focus != PANE_FILES || !(path = selected_path(u))) {
			ui_message(u, true, "select a file or folder in the Files pane");
			return;
		}
		f = form_open(u, on_remove, "Remove %s%s from draft %s?", path,
			      u->listing.v[list_selected(&u->list[PANE_FILES])->index].type == VDS_DIR
				      ? "/ and everything in it"
				      : "",
			      ref);
		copy_str(f->arg[0], sizeof(f->arg[0]), u->ds);
		copy_str(f->arg[1], sizeof(f->arg[1]), v->id);
		copy_str(f->arg[2], sizeof(f->arg[2]), path);
		free(path);
		return;
	case ACT_COMMIT:
		if (v->committed) {
			ui_message(u, true, "%s is committed already", ref);
			return;
		}
		vds_format_size(v->total_size, false, size);
		f = form_open(u, on_commit, "Commit draft %s: %llu file%s, %s", ref,
			      (unsigned long long)v->file_count, v->file_count == 1 ? "" : "s", size);
		copy_str(f->arg[0], sizeof(f->arg[0]), u->ds);
		copy_str(f->arg[1], sizeof(f->arg[1]), v->id);
		snprintf(f->arg[2], sizeof(f->arg[2]), "%llu", (unsigned long long)v->file_count);
		form_text(f, "Message", v->message);
		return;
	case ACT_TAG:
		if (!v->committed) {
			ui_message(u, true, "%s is a draft: commit it before tagging", ref);
			return;
		}
		f = form_open(u, on_tag, "Set or move a tag to %s:%s", ui_ds_name(u, u->ds), v->id);
		f->check = check_tag;
		copy_str(f->arg[0], sizeof(f->arg[0]), u->ds);
		copy_str(f->arg[1], sizeof(f->arg[1]), v->id);
		form_text(f, "Tag", "");
		return;
	case ACT_UNTAG: {
		const ui_row *row = list_selected(&u->list[PANE_TAGS]);
		if (u->focus != PANE_TAGS || !row) {
			ui_message(u, true, "select a tag in the Tags pane");
			return;
		}
		f = form_open(u, on_untag, "Delete tag %s (now %s:%s)?", u->tags[row->index].name,
			      ui_ds_name(u, u->ds), u->tags[row->index].version);
		copy_str(f->arg[0], sizeof(f->arg[0]), u->ds);
		copy_str(f->arg[1], sizeof(f->arg[1]), u->tags[row->index].name);
		return;
	}
	case ACT_DOWNLOAD: {
		path = u->focus == PANE_FILES ? selected_path(u) : NULL;
		const vds_dataset *d = current_dataset(u);
		char *def = xasprintf("%s/%s-%s", getcwd(cwd, sizeof(cwd)) ? cwd : ".",
				      d ? d->name : u->ds, v->id);
		f = form_open(u, on_download, "Download %s%s%s", ref, path ? "/" : "", path ? path : "");
		copy_str(f->arg[0], sizeof(f->arg[0]), u->ds);
		copy_str(f->arg[1], sizeof(f->arg[1]), v->id);
		copy_str(f->arg[2], sizeof(f->arg[2]), path ? path : "");
		form_path(f, "Into local folder", def);
		free(def);
		free(path);
		return;
	}
	case ACT_DELETE:
		delete_ask_version(u, v);
		return;
	default:
		return;
	}
}
