/*
 * graphics.c - what a terminal can show of an image beyond plain blocks,
 * chosen from the environment: Unicode blocks in colour (ANSI sequences),
 * or a picture through the kitty graphics protocol, iTerm2's inline images
 * or sixels, each made by libchafa for a fixed number of cells. No curses:
 * ui/preview_overlay.c writes the result over the block thumbnail.
 */
#include "config.h"

#include <chafa.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pv.h"

static bool env_is(const char *var, const char *prefix)
{
	const char *v = getenv(var);

	return v && !strncmp(v, prefix, strlen(prefix));
}

enum pv_gfx pv_graphics_mode(void)
{
	const char *force = getenv("VDS_GRAPHICS"), *nc = getenv("NO_COLOR"), *term = getenv("TERM");

	if (nc && *nc)
		return PV_GFX_PLAIN;
	if (force && *force) {
		static const char *const names[] = {"plain", "colour", "kitty", "iterm2", "sixel"};
		for (int i = 0; i < 5; i++)
			if (!strcasecmp(force, names[i]))
				return (enum pv_gfx)i;
	}
	if (!term || !*term || !strcmp(term, "dumb") || !strncmp(term, "vt1", 3) || !strcmp(term, "linux"))
		return PV_GFX_PLAIN;
	if (getenv("TMUX") || env_is("TERM", "screen") || env_is("TERM", "tmux"))
		return PV_GFX_COLOUR; /* pictures do not pass through tmux unasked */
	if (getenv("KITTY_WINDOW_ID") || env_is("TERM", "xterm-kitty"))
		return PV_GFX_KITTY;
	if (env_is("TERM_PROGRAM", "iTerm.app") || env_is("LC_TERMINAL", "iTerm2"))
		return PV_GFX_ITERM2;
	if (env_is("TERM", "foot") || env_is("TERM", "mlterm") || strstr(term, "sixel"))
		return PV_GFX_SIXEL;
	return PV_GFX_COLOUR;
}

char *pv_graphics(enum pv_gfx mode, const unsigned char *pixels, int w, int h, int stride, bool alpha,
		  int cols, int rows)
{
	static const char *const envs[][3] = {
		[PV_GFX_COLOUR] = {"TERM=xterm-256color", "COLORTERM=truecolor", NULL},
		[PV_GFX_KITTY] = {"TERM=xterm-kitty", NULL, NULL},
		[PV_GFX_ITERM2] = {"TERM_PROGRAM=iTerm.app", "TERM=xterm-256color", NULL},
		[PV_GFX_SIXEL] = {"TERM=mlterm", NULL, NULL},
	};
	static const ChafaPixelMode pixel[] = {
		[PV_GFX_COLOUR] = CHAFA_PIXEL_MODE_SYMBOLS, [PV_GFX_KITTY] = CHAFA_PIXEL_MODE_KITTY,
		[PV_GFX_ITERM2] = CHAFA_PIXEL_MODE_ITERM2, [PV_GFX_SIXEL] = CHAFA_PIXEL_MODE_SIXELS};

	if (mode <= PV_GFX_PLAIN || mode > PV_GFX_SIXEL || w <= 0 || h <= 0 || cols <= 0 || rows <= 0)
		return NULL;
	ChafaTermInfo *ti = chafa_term_db_detect(chafa_term_db_get_default(), (gchar **)envs[mode]);
	ChafaCanvasConfig *cfg = chafa_canvas_config_new();
	ChafaSymbolMap *map = chafa_symbol_map_new();
	chafa_symbol_map_add_by_tags(map, CHAFA_SYMBOL_TAG_BLOCK | CHAFA_SYMBOL_TAG_SPACE);
	chafa_symbol_map_remove_by_tags(map, CHAFA_SYMBOL_TAG_WIDE);
	chafa_canvas_config_set_symbol_map(cfg, map);
	chafa_canvas_config_set_geometry(cfg, cols, rows);
	chafa_canvas_config_set_cell_geometry(cfg, PV_CELL_W, PV_CELL_H);
	chafa_canvas_config_set_canvas_mode(cfg, CHAFA_CANVAS_MODE_TRUECOLOR);
	chafa_canvas_config_set_pixel_mode(cfg, pixel[mode]);
	ChafaCanvas *c = chafa_canvas_new(cfg);
	chafa_canvas_draw_all_pixels(c, alpha ? CHAFA_PIXEL_RGBA8_UNASSOCIATED : CHAFA_PIXEL_RGB8, pixels, w, h,
				     stride);
	GString *out = chafa_canvas_print(c, ti);
	char *s = xstrndup(out->str, out->len);
	g_string_free(out, TRUE);
	chafa_canvas_unref(c);
	chafa_canvas_config_unref(cfg);
	chafa_symbol_map_unref(map);
	chafa_term_info_unref(ti);
	return s;
}
