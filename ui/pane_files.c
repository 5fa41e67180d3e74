/* pane_files.c - the Files pane: one folder of the selected version at a time (rows: folder.c). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "util.h"

/* Empties the pane: a version's rows are built on a reader once its tree is read (folder.c). */
static void load(ui *u)
{
	vds_listing_release(&u->listing);
	list_set(&u->list[PANE_FILES], xcalloc(1, sizeof(ui_row)), 0);
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

static int open(ui *u)
{
	const ui_row *row = list_selected(&u->list[PANE_FILES]);

	if (!row)
		return REACT_NONE;
	const vds_entry *e = &u->listing.v[row->index];
	if (e->type == VDS_DIR) {
		folder_enter(u, *u->dir ? xasprintf("%s/%s", u->dir, e->path) : xstrdup(e->path), NULL);
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
	folder_enter(u, parent, child);
	free(child);
	return REACT_REDRAW;
}

const ui_pane_ops pane_files = {"Files", load, draw_row, open, back};
