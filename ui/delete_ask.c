/*
 * delete_ask.c - the confirmations of D: what deleting a dataset or a
 * version would remove (its versions, tags and files) and which versions of
 * other datasets were made from it are read on a reader thread; the status
 * line says so meanwhile, and the confirmation opens when they are there,
 * unless the user has moved on (then it is dropped).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "util.h"

#define NAMED 3 /* dependants named; more are "..." */

/* A version of another dataset made from the one to delete. */
typedef struct dependant {
	char ds[VDS_DSID_LEN + 1], ver[VDS_VERID_LEN + 1];
	char *tag; /* a tag naming it, or NULL */
} dependant;

/* What a reader reads for a confirmation. */
typedef struct ask_read {
	char ds[VDS_DSID_LEN + 1], ver[VDS_VERID_LEN + 1]; /* VER "": the whole dataset */
	char *name;           /* the dataset's name */
	char *what;           /* a version's question, up to its dependants */
	int focus;            /* the pane D was pressed in */
	bool committed;       /* the version is committed (others may be made from it) */
	size_t nv, drafts, nt;
	unsigned long long files;
	dependant dep[NAMED];
	size_t ndep;
	char *err; /* the dependants could not all be read */
} ask_read;

static void ask_read_free(void *arg)
{
	ask_read *ar = arg;

	for (size_t i = 0; i < ar->ndep && i < NAMED; i++)
		free(ar->dep[i].tag);
	free(ar->name);
	free(ar->what);
	free(ar->err);
	free(ar);
}

/* ---- on a reader thread ------------------------------------------------------ */

typedef struct walk {
	vds_ctx *ctx;
	ask_read *ar;
} walk;

/* A tag naming DS:VER, or NULL. */
static char *tag_of(vds_ctx *ctx, const char *ds, const char *ver)
{
	vds_version *v = NULL;
	size_t n = 0;
	char *tag = NULL;

	if (vds_version_list(ctx, ds, &v, &n) == 0)
		for (size_t i = 0; i < n && !tag; i++)
			if (!strcmp(v[i].id, ver) && v[i].ntags)
				tag = xstrdup(v[i].tags[0]);
	vds_version_list_free(v, n);
	return tag;
}

static int add_dependant(const vds_lineage_node *node, void *ud)
{
	walk *w = ud;
	ask_read *ar = w->ar;

	if (node->depth != 1 || node->missing)
		return 0;
	if (ar->ndep < NAMED) {
		dependant *d = &ar->dep[ar->ndep];
		snprintf(d->ds, sizeof(d->ds), "%s", node->dataset);
		snprintf(d->ver, sizeof(d->ver), "%s", node->version);
		d->tag = tag_of(w->ctx, node->dataset, node->version);
	}
	ar->ndep++;
	return 0;
}

/* Walks one level down from DS:VER, adding what names it as input. */
static void find_dependants(vds_ctx *ctx, ask_read *ar, const char *ver)
{
	walk w = {ctx, ar};

	if (vds_lineage_walk(ctx, ar->ds, ver, true, 1, add_dependant, &w) < 0 && !ar->err)
		ar->err = xstrdup(vds_errmsg());
}

static int read_ask(vds_ctx *ctx, void *arg, const vds_opts *o)
{
	ask_read *ar = arg;
	vds_version *v = NULL;
	vds_tag *t = NULL;
	size_t nv = 0, nt = 0;

	(void)o;
	if (*ar->ver) {
		if (ar->committed)
			find_dependants(ctx, ar, ar->ver);
		return 0;
	}
	if (vds_version_list(ctx, ar->ds, &v, &nv) < 0 || vds_tag_list(ctx, ar->ds, &t, &nt) < 0) {
		vds_version_list_free(v, nv);
		return -1; /* its message is the load's */
	}
	ar->nv = nv;
	ar->nt = nt;
	for (size_t i = 0; i < nv; i++) {
		ar->drafts += !v[i].committed;
		ar->files += v[i].file_count;
		if (v[i].committed)
			find_dependants(ctx, ar, v[i].id);
	}
	vds_version_list_free(v, nv);
	vds_tag_list_free(t, nt);
	return 0;
}

/* ---- on the UI thread ------------------------------------------------------- */

/* "name:tag, name:ver, ..." of the dependants AR read. */
static void dependant_names(ui *u, const ask_read *ar, strbuf *sb)
{
	for (size_t i = 0; i < ar->ndep && i < NAMED; i++)
		sb_addf(sb, "%s%s:%s", i ? ", " : "", ui_ds_name(u, ar->dep[i].ds),
			ar->dep[i].tag ? ar->dep[i].tag : ar->dep[i].ver);
	if (ar->ndep > NAMED)
		sb_adds(sb, ", ...");
}

/* The confirmation's facts arrived: it opens if the user is still where D was pressed. */
static void show_ask(ui *u, void *arg, int status, const char *error)
{
	ask_read *ar = arg;
	strbuf names = STRBUF_INIT;

	if (u->form.active || u->picker || u->diff || u->details || u->jobs_view || u->focus != ar->focus ||
	    strcmp(u->ds, ar->ds) || (*ar->ver && strcmp(u->ver, ar->ver)))
		return; /* moved on: dropped */
	u->message[0] = '\0'; /* "reading..." */
	if (status < 0) {
		ui_message(u, true, "%s", error);
		return;
	}
	if (ar->err)
		ui_message(u, true, "%s", ar->err);
	dependant_names(u, ar, &names);
	ui_form *f;
	if (*ar->ver) {
		if (ar->ndep)
			f = form_open(u, delete_confirmed,
				      "%s? %zu version%s made from it by vds run would lose %s input: %s?",
				      ar->what, ar->ndep, ar->ndep == 1 ? "" : "s",
				      ar->ndep == 1 ? "its" : "their", names.buf);
		else
			f = form_open(u, delete_confirmed, "%s?", ar->what);
		f->default_no = ar->ndep > 0;
	} else {
		f = form_open(u, delete_confirmed,
			      "Delete dataset %s with its %zu version%s (%zu draft%s), %zu tag%s and %llu "
			      "file%s in all? Versions of other datasets made from it: %s. Type its name "
			      "to delete it.",
			      ar->name, ar->nv, ar->nv == 1 ? "" : "s", ar->drafts, ar->drafts == 1 ? "" : "s",
			      ar->nt, ar->nt == 1 ? "" : "s", ar->files, ar->files == 1 ? "" : "s",
			      ar->ndep ? names.buf : "none");
		f->check = delete_check_name;
		form_text(f, "Name", "");
		snprintf(f->arg[2], sizeof(f->arg[2]), "%s", ar->name);
	}
	snprintf(f->arg[0], sizeof(f->arg[0]), "%s", ar->ds);
	snprintf(f->arg[1], sizeof(f->arg[1]), "%s", ar->ver);
	sb_release(&names);
}

static ask_read *ask_new(ui *u, const char *ds)
{
	ask_read *ar = xcalloc(1, sizeof(*ar));

	snprintf(ar->ds, sizeof(ar->ds), "%s", ds);
	ar->focus = u->focus;
	return ar;
}

void delete_ask_dataset(ui *u, const vds_dataset *d)
{
	ask_read *ar = ask_new(u, d->id);

	ar->name = xstrdup(d->name);
	ui_message(u, false, "reading what deleting %s would remove\xe2\x80\xa6", d->name);
	reads_view(u, READS_CONFIRM, read_ask, show_ask, ar, ask_read_free);
}

void delete_ask_version(ui *u, const vds_version *v)
{
	ask_read *ar = ask_new(u, u->ds);
	strbuf what = STRBUF_INIT;
	char size[32];

	snprintf(ar->ver, sizeof(ar->ver), "%s", v->id);
	ar->committed = v->committed;
	vds_format_size(v->total_size, false, size);
	sb_addf(&what, "Delete %s version %s:%s with its %llu file%s (%s)",
		v->committed ? "committed" : "draft", ui_ds_name(u, u->ds), v->id,
		(unsigned long long)v->file_count, v->file_count == 1 ? "" : "s", size);
	for (size_t i = 0; i < v->ntags; i++)
		sb_addf(&what, "%s%s", i ? ", " : v->ntags > 1 ? " and its tags " : " and its tag ",
			v->tags[i]);
	ar->what = sb_detach(&what, NULL);
	ui_message(u, false, "reading what deleting %s:%s would remove\xe2\x80\xa6", ui_ds_name(u, u->ds),
		   v->id);
	reads_view(u, READS_CONFIRM, read_ask, show_ask, ar, ask_read_free);
}
