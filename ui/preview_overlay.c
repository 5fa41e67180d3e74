/*
 * preview_overlay.c - an image preview beyond its plain blocks: after curses
 * has drawn the screen, the preview's colour blocks or picture (kitty,
 * iTerm2, sixel; see preview/graphics.c) are written straight to the
 * terminal over the blocks, the cursor saved and restored around them.
 * Only while the whole image is in view and nothing is drawn over it; a
 * picture shown before is deleted (kitty) or painted over (a full redraw)
 * when it goes. Nothing is written when standard output is no terminal.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "preview/pv.h"
#include "ui.h"

static struct {
	bool shown;           /* something is on the screen */
	bool kitty;           /* and it was a kitty picture */
	uint64_t hash;        /* what (a hash of what was sent), where */
	int y, x;
} last;

/* Whether the preview's image can be seen whole, at screen row *Y and column *X. */
static bool in_view(const ui *u, int *y, int *x)
{
	const ui_preview *p = &u->preview;

	if (!p->graphics || u->help || u->form.active || u->picker || u->diff || u->details ||
	    u->jobs_view || !*u->preview_path)
		return false;
	if (!u->fullscreen && COLS < 60) /* the pane is too narrow to be worth it */
		return false;
	if (p->gfx_line < u->preview_top || p->gfx_cols > u->preview_width ||
	    p->gfx_line - u->preview_top + (size_t)p->gfx_rows > u->preview_rows)
		return false;
	*y = u->preview_y + (int)(p->gfx_line - u->preview_top);
	*x = u->preview_x;
	return true;
}

void preview_overlay(ui *u)
{
	int y = 0, x = 0;
	bool show = in_view(u, &y, &x);

	if (!isatty(STDOUT_FILENO))
		return;
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (const char *c = show ? u->preview.graphics : ""; *c; c++)
		h = (h ^ (unsigned char)*c) * 1099511628211ull;
	if (last.shown && show && last.hash == h && last.y == y && last.x == x)
		return; /* what is there stays: curses draws there only when the preview changes */
	if (last.shown) {
		if (last.kitty)
			fputs("\033_Ga=d\033\\", stdout);
		else { /* paint every cell again: blocks or sixels may be left */
			fflush(stdout);
			clearok(curscr, TRUE);
			doupdate();
		}
		last.shown = false;
	}
	if (!show) {
		fflush(stdout);
		return;
	}
	const char *g = u->preview.graphics;
	fputs("\0337", stdout); /* save the cursor: curses must find it where it left it */
	if (u->preview.gfx_mode == PV_GFX_COLOUR) {
		for (int r = 0; r < u->preview.gfx_rows && *g; r++) {
			const char *nl = strchr(g, '\n');
			size_t n = nl ? (size_t)(nl - g) : strlen(g);
			printf("\033[%d;%dH%.*s\033[0m", y + r + 1, x + 1, (int)n, g);
			g += n + (nl ? 1 : 0);
		}
	} else {
		printf("\033[%d;%dH%s", y + 1, x + 1, g);
	}
	fputs("\0338", stdout);
	fflush(stdout);
	last.shown = true;
	last.kitty = u->preview.gfx_mode == PV_GFX_KITTY;
	last.hash = h;
	last.y = y, last.x = x;
}

void preview_overlay_end(void)
{
	if (last.shown && last.kitty && isatty(STDOUT_FILENO)) {
		fputs("\033_Ga=d\033\\", stdout);
		fflush(stdout);
	}
	last.shown = false;
}
