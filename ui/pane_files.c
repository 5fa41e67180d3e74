/* pane_files.c - the Files pane: one folder of the selected version at a time. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "util.h"

static void load(ui *u)
{
	ui_list *l = &u->list[PANE_FILES];

	vds_listing_release(&u->listing);
	if (u->tree && vds_tree_list(u->tree, u->dir ? u->dir : "", &u->listing) < 0) {
		ui_message(u, true, "%s", vds_errmsg());
		u->listing.n = 0;
	}
	ui_row *rows = xcalloc(u->listing.n + 1, sizeof(*rows));
	for (size_t i = 0; i < u->listing.n; i++) {
		const vds_entry *e = &u->listing.v[i];
		rows[i] = (ui_row){xstrdup(e->path), e->size, e->mtime * 1000000, i};
	}
	list_set(l, rows, u->listing.n);
}

static void draw_row(ui *u, WINDOW *w, int y, int width, const ui_row *row, bool selected)
{
	const vds_entry *e = &u->listing.v[row->index];
	attr_t a = selected ? draw_cursor_attr(u->focus == PANE_FILES) : A_NORMAL;
	char size[32];
	int sw = width >= 16 ? 7 : 0;

	vds_format_size(e->size, true, size);
	if (e->type == VDS_DIR) {
		char *name = xasprintf("%s/", e->path);
		draw_text(w, y, 1, width - sw, name, selected ? a : a | A_BOLD);
		free(name);
	} else {
		draw_text(w, y, 1, width - sw, e->path, a);
	}
	if (sw)
		draw_text_right(w, y, 1 + width - sw, sw, size, selected ? a : draw_attr(COL_DIM));
}

/* Shows folder DIR, putting the cursor on the child named SELECT (or the first). */
static void enter(ui *u, char *dir, const char *select)
{
	free(u->dir);
	u->dir = dir;
	u->list[PANE_FILES].filter[0] = '\0';
	load(u);
	for (size_t i = 0; select && i < u->listing.n; i++)
		if (!strcmp(u->listing.v[i].path, select))
			list_select_index(&u->list[PANE_FILES], i);
	ui_load_preview(u);
}

static int open(ui *u)
{
	const ui_row *row = list_selected(&u->list[PANE_FILES]);

	if (!row)
		return REACT_NONE;
	const vds_entry *e = &u->listing.v[row->index];
	if (e->type == VDS_DIR) {
		enter(u, *u->dir ? xasprintf("%s/%s", u->dir, e->path) : xstrdup(e->path), NULL);
		return REACT_REDRAW;
	}
	u->focus = PANE_PREVIEW;
	return REACT_REDRAW;
}

static int back(ui *u)
{
	if (!u->dir || !*u->dir) {
		u->focus = PANE_VERSIONS;
		return REACT_REDRAW;
	}
	char *slash = strrchr(u->dir, '/');
	char *child = xstrdup(slash ? slash + 1 : u->dir);
	char *parent = slash ? strndup(u->dir, (size_t)(slash - u->dir)) : xstrdup("");
	enter(u, parent, child);
	free(child);
	return REACT_REDRAW;
}

const ui_pane_ops pane_files = {"Files", load, draw_row, open, back};
