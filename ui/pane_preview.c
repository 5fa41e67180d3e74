/* pane_preview.c - the Preview pane: type, size and hash, then the rendered first bytes. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "util.h"

static vds_entry current; /* the entry previewed (path in u->preview_path) */

const vds_entry *ui_preview_entry(const ui *u)
{
	return *u->preview_path ? &current : NULL;
}

void ui_load_preview(ui *u)
{
	const ui_row *row = list_selected(&u->list[PANE_FILES]);

	preview_release(&u->preview);
	u->preview_top = 0;
	pv_reset(u);
	u->preview_path[0] = '\0';
	if (!row) {
		reads_preview(u, false);
		return;
	}
	current = u->listing.v[row->index];
	snprintf(u->preview_path, sizeof(u->preview_path), "%s%s%s", u->dir && *u->dir ? u->dir : "",
		 u->dir && *u->dir ? "/" : "", current.path);
	current.path = u->preview_path;
	if (current.type == VDS_DIR) {
		char size[32];
		reads_preview(u, false);
		vds_format_size(current.size, true, size);
		u->preview.mime = xstrdup("inode/directory");
		u->preview.lines = xcalloc(1, sizeof(char *));
		u->preview.lines[0] = xasprintf("folder: %llu file%s, %s", (unsigned long long)current.nfiles,
						current.nfiles == 1 ? "" : "s", size);
		u->preview.nlines = 1;
		return;
	}
	reads_preview(u, true); /* the content is read on a reader thread (reads.c) */
}

void ui_draw_preview(ui *u, WINDOW *w, bool framed)
{
	int h, wd, y = framed ? 1 : 0, x = framed ? 1 : 0;
	char line[160], size[32];

	getmaxyx(w, h, wd);
	werase(w);
	if (framed) {
		char *title = *u->preview_path ? xasprintf("Preview: %s", u->preview_path) : xstrdup("Preview");
		draw_frame(w, title, u->focus == PANE_PREVIEW);
		free(title);
	}
	int inner = wd - 2 * x, bottom = framed ? h - 1 : h;
	if (!*u->preview_path) {
		if (y < bottom)
			draw_text(w, y, x, inner, "(nothing selected)", draw_attr(COL_DIM));
		return;
	}
	char *title = xasprintf("Preview: %s", u->preview_path), *esc = vds_display_escape(title);
	if (framed && vds_display_width(esc) + 4 > (size_t)wd) { /* cut in the title: whole here */
		char *path = xasprintf("path: %s", u->preview_path);
		y = pv_draw_wrapped(w, y, x, inner, bottom, path, draw_attr(COL_DIM));
		free(path);
	}
	free(esc);
	free(title);
	vds_format_size(current.size, true, size);
	char loading[64];
	bool waiting = reads_loading_text(u, PANE_PREVIEW, loading, sizeof(loading));
	snprintf(line, sizeof(line), "type: %s",
		 waiting ? "\xe2\x80\xa6" : u->preview.mime ? u->preview.mime : "?");
	if (y < bottom)
		draw_text(w, y++, x, inner, line, draw_attr(COL_DIM));
	snprintf(line, sizeof(line), "size: %llu bytes (%s)%s%s%s", (unsigned long long)current.size,
		 size, *u->preview.shown ? ", " : "", u->preview.shown, *u->preview.shown ? " shown" : "");
	if (y < bottom)
		draw_text(w, y++, x, inner, line, draw_attr(COL_DIM));
	if (current.type != VDS_DIR) {
		char hex[65];
		vds_sha256_hex(current.sha256, hex);
		snprintf(line, sizeof(line), "sha256: %s", hex);
		if (y < bottom)
			draw_text(w, y++, x, inner, line, draw_attr(COL_DIM));
	}
	if (y < bottom) {
		wattrset(w, draw_attr(COL_DIM));
		mvwhline(w, y++, x, ACS_HLINE, inner);
		wattrset(w, A_NORMAL);
	}
	if (waiting && *loading && y < bottom)
		draw_text(w, y++, x, inner, loading, draw_attr(COL_DIM));
	size_t rows = bottom > y ? (size_t)(bottom - y) : 0;
	u->preview_rows = rows;
	getbegyx(w, u->preview_y, u->preview_x);
	u->preview_y += y, u->preview_x += x, u->preview_width = inner;
	/* the last line may come up to the bottom, below the header that stays */
	size_t header = u->preview.header < rows ? u->preview.header : 0;
	if (u->preview.nlines > rows && u->preview_top > u->preview.nlines - rows + header)
		u->preview_top = u->preview.nlines - rows + header;
	if (u->preview.nlines <= rows)
		u->preview_top = 0;
	pv_draw_lines(u, w, y, x, inner, bottom);
}
