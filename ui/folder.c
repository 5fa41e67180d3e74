/*
 * folder.c - the Files pane's rows, built on a reader: entering a folder of
 * 100,000 files costs the UI thread only taking the result. The version's
 * tree is lent to the reader while it lists the folder (the pane says it is
 * loading meanwhile, and keys typed for it wait, as for any read), and
 * comes back with the listing, its rows, the rows shown (filtered and
 * sorted as the pane was) and where the cursor goes. The rows the pane
 * showed before are freed on the reader too. A version's first folder is
 * built by the read that opens its tree (reads.c), the same way.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "util.h"

struct ui_folder {
	vds_tree *tree;     /* lent by the UI thread while it lists (folder_enter) */
	char *want, *dir;   /* the folder asked for; the one listed (the root if WANT is gone) */
	char *select;       /* the child to put the cursor on, or NULL */
	char filter[256];   /* the pane's filter and sort when it was asked for */
	int sort;
	vds_listing listing;
	ui_row *rows;
	size_t *shown, nshown;
	size_t cursor;      /* SELECT's place among the rows shown, or SIZE_MAX */
	char *error;        /* why the folder could not be listed */
	vds_listing old;    /* what the pane showed before, freed on the reader */
	ui_row *old_rows;
	size_t old_nrows;
};

ui_folder *folder_new(const char *want, const char *select, const ui_list *l)
{
	ui_folder *f = xcalloc(1, sizeof(*f));

	f->want = xstrdup(want ? want : "");
	f->select = select ? xstrdup(select) : NULL;
	memcpy(f->filter, l->filter, sizeof(f->filter));
	f->sort = l->sort;
	f->cursor = SIZE_MAX;
	return f;
}

/* Frees the rows and the listing the pane showed before (on a reader: many small frees). */
static void free_old(ui_folder *f)
{
	for (size_t i = 0; i < f->old_nrows; i++)
		free(f->old_rows[i].text);
	free(f->old_rows);
	f->old_rows = NULL;
	f->old_nrows = 0;
	vds_listing_release(&f->old);
}

void folder_free(void *p)
{
	ui_folder *f = p;

	if (!f)
		return;
	free_old(f);
	vds_tree_free(f->tree);
	for (size_t i = 0; f->rows && i < f->listing.n; i++)
		free(f->rows[i].text);
	free(f->rows);
	free(f->shown);
	vds_listing_release(&f->listing);
	free(f->want);
	free(f->dir);
	free(f->select);
	free(f->error);
	free(f);
}

static int cmp_name(const void *key, const void *e)
{
	return strcmp(key, ((const vds_entry *)e)->path);
}

int folder_build(vds_tree *t, ui_folder *f)
{
	uint64_t first = 0, end = 0;

	free_old(f);
	if (*f->want)
		vds_tree_range(t, f->want, &first, &end);
	f->dir = xstrdup(first < end ? f->want : ""); /* a folder gone (a refresh): the root */
	if (vds_tree_list(t, f->dir, &f->listing) < 0) {
		f->error = xstrdup(vds_errmsg());
		f->listing.n = 0;
	}
	size_t n = f->listing.n;
	f->rows = xcalloc(n + 1, sizeof(*f->rows));
	for (size_t i = 0; i < n; i++) {
		const vds_entry *e = &f->listing.v[i];
		f->rows[i] = (ui_row){xstrdup(e->path), e->size, e->mtime * 1000000, i};
	}
	f->shown = xmalloc((n + 1) * sizeof(*f->shown));
	f->nshown = list_filter_sort(f->rows, n, f->filter, f->sort, f->shown);
	const vds_entry *sel = f->select && n ? bsearch(f->select, f->listing.v, n,
							 sizeof(*f->listing.v), cmp_name)
					      : NULL; /* the listing is sorted by name */
	for (size_t i = 0; sel && i < f->nshown && f->cursor == SIZE_MAX; i++)
		if (f->shown[i] == (size_t)(sel - f->listing.v))
			f->cursor = i;
	return 0;
}

void folder_show(ui *u, ui_folder *f)
{
	ui_list *l = &u->list[PANE_FILES];
	bool same = !strcmp(l->filter, f->filter) && l->sort == f->sort;

	if (f->error)
		ui_message(u, true, "%s", f->error);
	free(u->dir);
	u->dir = f->dir ? f->dir : xstrdup(""); /* none when the tree could not be read */
	f->dir = NULL;
	vds_listing_release(&u->listing);
	u->listing = f->listing;
	memset(&f->listing, 0, sizeof(f->listing));
	list_set_shown(l, f->rows, u->listing.n, f->shown, f->nshown);
	f->rows = NULL;
	f->shown = NULL;
	l->cursor = l->top = 0;
	if (!same) /* the filter or the sort changed meanwhile */
		list_refresh(l);
	else if (f->cursor != SIZE_MAX)
		l->cursor = f->cursor;
}

bool folder_selected(const ui_folder *f)
{
	return f->cursor != SIZE_MAX;
}

/* On a reader: the folder's rows from the tree lent. */
static int run_folder(vds_ctx *ctx, void *arg, const vds_opts *o)
{
	ui_folder *f = arg;

	(void)ctx;
	(void)o;
	return folder_build(f->tree, f);
}

/* On the UI thread: the tree comes back, and the rows are shown. */
static void show_folder(ui *u, void *arg, int status, const char *error)
{
	ui_folder *f = arg;

	u->tree = f->tree;
	f->tree = NULL;
	if (status < 0)
		ui_message(u, true, "%s", error);
	folder_show(u, f);
	ui_load_preview(u);
}

void folder_enter(ui *u, char *dir, const char *select)
{
	ui_list *l = &u->list[PANE_FILES];

	free(u->dir);
	u->dir = dir;
	l->filter[0] = '\0';
	if (!u->tree)
		return; /* no version open: nothing to list */
	ui_folder *f = folder_new(dir, select, l);
	f->old = u->listing; /* the rows shown go with it, to be freed on the reader */
	memset(&u->listing, 0, sizeof(u->listing));
	f->old_rows = l->all;
	f->old_nrows = l->nall;
	free(l->shown);
	l->all = NULL;
	l->shown = NULL;
	l->nall = l->nshown = l->cursor = l->top = 0;
	f->tree = u->tree; /* lent until the rows are built */
	u->tree = NULL;
	ui_load_preview(u);
	reads_view(u, READS_FOLDER, run_folder, show_folder, f, folder_free);
}
