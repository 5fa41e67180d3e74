/* draw.c - drawing helpers: safe text with ellipsis, frames, colours, sizes, ages. */
#include "config.h"

#include <langinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "ui.h"

static bool use_color;

void draw_init_colors(void)
{
	const char *nc = getenv("NO_COLOR");

	use_color = has_colors() && !(nc && *nc);
	if (!use_color)
		return;
	start_color();
	use_default_colors();
	init_pair(COL_TITLE, COLOR_CYAN, -1);
	init_pair(COL_TITLE_FOCUS, COLOR_YELLOW, -1);
	init_pair(COL_SELECT, COLOR_BLACK, COLOR_CYAN);
	init_pair(COL_DIM, COLOR_BLUE, -1);
	init_pair(COL_DRAFT, COLOR_MAGENTA, -1);
	init_pair(COL_ERROR, COLOR_RED, -1);
	init_pair(COL_STATUS, COLOR_BLACK, COLOR_WHITE);
	init_pair(COL_SELECT_DIM, COLOR_CYAN, -1);
	init_pair(COL_ADDED, COLOR_GREEN, -1);
	init_pair(COL_REMOVED, COLOR_RED, -1);
}

attr_t draw_cursor_attr(bool focused)
{
	return focused ? draw_attr(COL_SELECT) : draw_attr(COL_SELECT_DIM);
}

attr_t draw_attr(enum ui_color c)
{
	if (use_color)
		return c == COL_NORMAL	       ? A_NORMAL
		       : c == COL_SELECT_DIM ? COLOR_PAIR(c) | A_UNDERLINE
					     : COLOR_PAIR(c) | (c == COL_TITLE_FOCUS ? A_BOLD : A_NORMAL);
	switch (c) {
	case COL_TITLE_FOCUS: return A_BOLD | A_UNDERLINE;
	case COL_SELECT: return A_REVERSE;
	case COL_SELECT_DIM: return A_UNDERLINE;
	case COL_ADDED: return A_BOLD;
	case COL_REMOVED: return A_UNDERLINE;
	case COL_STATUS: return A_REVERSE;
	case COL_ERROR: return A_BOLD;
	case COL_TITLE: return A_BOLD;
	default: return A_NORMAL;
	}
}

static const char *ellipsis(void)
{
	const char *cs = nl_langinfo(CODESET);

	return cs && !strcmp(cs, "UTF-8") ? "\xe2\x80\xa6" : "~";
}

void draw_escaped(WINDOW *w, int y, int x, int width, const char *esc, size_t skip, attr_t attr)
{
	const unsigned char *p = (const unsigned char *)esc;
	int col = 0;

	if (width <= 0)
		return;
	for (size_t c = 0; *p && c < skip;) { /* columns scrolled off to the left */
		uint32_t cp;
		int n = vds_utf8_seq(p, &cp), cw = n ? wcwidth((wchar_t)cp) : 1;
		c += cw < 0 ? 1 : (size_t)cw;
		p += n ? n : 1;
	}
	bool cut = vds_display_width((const char *)p) > (size_t)width;
	int room = cut ? width - 1 : width;
	wattrset(w, attr);
	wmove(w, y, x);
	while (*p) {
		uint32_t cp;
		int n = vds_utf8_seq(p, &cp), cw = n ? wcwidth((wchar_t)cp) : 1;
		if (cw < 0)
			cw = 1;
		if (col + cw > room)
			break;
		waddnstr(w, (const char *)p, n ? n : 1);
		col += cw;
		p += n ? n : 1;
	}
	if (cut) {
		waddstr(w, ellipsis());
		col++;
	}
	for (; col < width; col++)
		waddch(w, ' ');
	wattrset(w, A_NORMAL);
}

void draw_text(WINDOW *w, int y, int x, int width, const char *s, attr_t attr)
{
	char *esc = vds_display_escape(s);

	draw_escaped(w, y, x, width, esc, 0, attr);
	free(esc);
}

void draw_text_right(WINDOW *w, int y, int x, int width, const char *s, attr_t attr)
{
	int sw = (int)vds_display_width(s);

	if (sw > width)
		sw = width;
	draw_text(w, y, x, width - sw, "", attr);
	draw_text(w, y, x + width - sw, sw, s, attr);
}

void draw_frame(WINDOW *w, const char *title, bool focused)
{
	int h, wd;

	getmaxyx(w, h, wd);
	(void)h;
	wattrset(w, draw_attr(focused ? COL_TITLE_FOCUS : COL_DIM));
	box(w, 0, 0);
	if (title && wd > 6) {
		mvwaddch(w, 0, 1, ' ');
		char *esc = vds_display_escape(title);
		int tw = (int)vds_display_width(esc);
		free(esc);
		if (tw > wd - 4)
			tw = wd - 4;
		draw_text(w, 0, 2, tw, title, draw_attr(focused ? COL_TITLE_FOCUS : COL_TITLE));
		wattrset(w, draw_attr(focused ? COL_TITLE_FOCUS : COL_DIM));
		mvwaddch(w, 0, 2 + tw, ' ');
	}
	wattrset(w, A_NORMAL);
}

void fmt_age(int64_t us, char buf[16])
{
	const char *pin = getenv("VDS_NOW"); /* seconds since the epoch, for tests */
	int64_t now = pin && *pin ? strtoll(pin, NULL, 10) : (int64_t)time(NULL);
	int64_t d = now - us / 1000000;

	if (us <= 0)
		snprintf(buf, 16, "-");
	else if (d < 60)
		snprintf(buf, 16, "%llds", (long long)(d < 0 ? 0 : d));
	else if (d < 3600)
		snprintf(buf, 16, "%lldm", (long long)d / 60);
	else if (d < 86400)
		snprintf(buf, 16, "%lldh", (long long)d / 3600);
	else if (d < 86400 * 365)
		snprintf(buf, 16, "%lldd", (long long)d / 86400);
	else
		snprintf(buf, 16, "%lldy", (long long)d / (86400 * 365));
}
