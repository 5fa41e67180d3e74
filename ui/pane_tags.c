/* pane_tags.c - the Tags pane: the dataset's tags and the version each names. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "util.h"

static void load(ui *u)
{
	ui_list *l = &u->list[PANE_TAGS];

	u->tags = NULL; /* borrowed from the memo */
	u->ntags = 0;
	if (*u->ds && memo_tags(u, u->ds, &u->tags, &u->ntags) < 0)
		ui_message(u, true, "%s", vds_errmsg());
	ui_row *rows = xcalloc(u->ntags + 1, sizeof(*rows));
	for (size_t i = 0; i < u->ntags; i++)
		rows[i] = (ui_row){xstrdup(u->tags[i].name), 0, 0, i};
	list_set(l, rows, u->ntags);
}

static void draw_row(ui *u, WINDOW *w, int y, int width, const ui_row *row, bool selected)
{
	const vds_tag *t = &u->tags[row->index];
	attr_t a = selected ? draw_cursor_attr(u->focus == PANE_TAGS) : A_NORMAL;
	int vw = width > 16 ? VDS_VERID_LEN + 4 : 0;

	draw_text(w, y, 1, width - vw, t->name, a);
	if (vw) {
		char arrow[16];
		memcpy(arrow, " -> ", 4);
		memcpy(arrow + 4, t->version, VDS_VERID_LEN + 1);
		draw_text(w, y, 1 + width - vw, vw, arrow, selected ? a : draw_attr(COL_DIM));
	}
}

static int open(ui *u)
{
	const ui_row *row = list_selected(&u->list[PANE_TAGS]);

	if (!row)
		return REACT_NONE;
	ui_select_version(u, u->tags[row->index].version, u->tags[row->index].name);
	u->focus = PANE_FILES;
	return REACT_REDRAW;
}

static int back(ui *u)
{
	u->focus = PANE_DATASETS;
	return REACT_REDRAW;
}

const ui_pane_ops pane_tags = {"Tags", load, draw_row, open, back};
