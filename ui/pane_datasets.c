/* pane_datasets.c - the Datasets pane: every dataset of every provider. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "util.h"

static void load(ui *u)
{
	ui_list *l = &u->list[PANE_DATASETS];

	/* u->datasets is what the last read gave (reads.c) */
	ui_row *rows = xcalloc(u->ndatasets + 1, sizeof(*rows));
	for (size_t i = 0; i < u->ndatasets; i++)
		rows[i] = (ui_row){xasprintf("%s %s", u->datasets[i].name, u->datasets[i].id), 0,
				   u->datasets[i].created_us, i};
	list_set(l, rows, u->ndatasets);
}

static void draw_row(ui *u, WINDOW *w, int y, int width, const ui_row *row, bool selected)
{
	const vds_dataset *d = &u->datasets[row->index];
	attr_t a = selected ? draw_cursor_attr(u->focus == PANE_DATASETS) : A_NORMAL;
	int idw = width >= 34 ? VDS_DSID_LEN + 1 : 0;

	draw_text(w, y, 1, width - idw, d->name, a);
	if (idw)
		draw_text(w, y, 1 + width - idw, idw, d->id, selected ? a : draw_attr(COL_DIM));
}

static int open(ui *u)
{
	u->focus = PANE_VERSIONS;
	return REACT_REDRAW;
}

static int back(ui *u)
{
	(void)u;
	return REACT_NONE;
}

const ui_pane_ops pane_datasets = {"Datasets", load, draw_row, open, back};
