/* pane_versions.c - the Versions pane: committed versions and drafts (marked *). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "util.h"

static void load(ui *u)
{
	ui_list *l = &u->list[PANE_VERSIONS];

	u->versions = NULL; /* borrowed from the memo */
	u->nversions = 0;
	if (*u->ds) {
		ui_memo *m = memo_entry(u, u->ds);
		if (m->warning) { /* what reading them warned of, once */
			ui_message(u, true, "%s", m->warning);
			free(m->warning);
			m->warning = NULL;
		}
		if (memo_versions(u, u->ds, &u->versions, &u->nversions) < 0)
			ui_message(u, true, "%s", vds_errmsg());
	}
	ui_row *rows = xcalloc(u->nversions + 1, sizeof(*rows));
	for (size_t i = 0; i < u->nversions; i++) {
		const vds_version *v = &u->versions[i];
		rows[i] = (ui_row){xasprintf("%s %s", v->id, v->message), v->total_size,
				   v->committed ? v->committed_us : v->created_us, i};
	}
	list_set(l, rows, u->nversions);
}

static void draw_row(ui *u, WINDOW *w, int y, int width, const ui_row *row, bool selected)
{
	const vds_version *v = &u->versions[row->index];
	attr_t a = selected ? draw_cursor_attr(u->focus == PANE_VERSIONS) : A_NORMAL;
	char age[16], size[32], right[64];
	int rw;

	fmt_age(v->committed ? v->committed_us : v->created_us, age);
	vds_format_size(v->total_size, true, size);
	snprintf(right, sizeof(right), " %4s %7llu %6s", age, (unsigned long long)v->file_count, size);
	rw = (int)strlen(right);
	if (width < 30)
		rw = 0;
	draw_text(w, y, 1, 8, v->id, selected ? a : draw_attr(COL_DIM));
	draw_text(w, y, 9, 2, v->committed ? "" : "*", selected ? a : draw_attr(COL_DRAFT));
	strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < v->ntags; i++)
		sb_addf(&sb, "[%s] ", v->tags[i]);
	sb_adds(&sb, v->message);
	draw_text(w, y, 11, width - 10 - rw, sb.buf, a);
	sb_release(&sb);
	if (rw)
		draw_text(w, y, 1 + width - rw, rw, right, selected ? a : draw_attr(COL_DIM));
}

static int open(ui *u)
{
	u->focus = PANE_FILES;
	return REACT_REDRAW;
}

static int back(ui *u)
{
	u->focus = PANE_DATASETS;
	return REACT_REDRAW;
}

const ui_pane_ops pane_versions = {"Versions", load, draw_row, open, back};
