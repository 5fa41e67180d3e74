/*
 * test_graphics.c - what the browser sends a terminal for an image beyond
 * its plain blocks (ui/preview/graphics.c, compiled in): the mode the
 * environment chooses, and each protocol's escape sequence with its size
 * in cells and pixels, for an image of 64 x 32 pixels on 8 x 4 cells.
 */
#include "../../ui/preview/graphics.c"

#include "tap.h"

static unsigned char px[64 * 32 * 3];

/* The mode chosen with TERM set to T and the variable VAR (may be NULL) set to VAL. */
static enum pv_gfx mode_with(const char *t, const char *var, const char *val)
{
	static const char *const vars[] = {"NO_COLOR", "VDS_GRAPHICS", "TMUX", "KITTY_WINDOW_ID",
					   "TERM_PROGRAM", "LC_TERMINAL"};
	for (size_t i = 0; i < sizeof(vars) / sizeof(*vars); i++)
		unsetenv(vars[i]);
	setenv("TERM", t, 1);
	if (var)
		setenv(var, val, 1);
	return pv_graphics_mode();
}

static bool starts(const char *s, const char *prefix)
{
	return s && !strncmp(s, prefix, strlen(prefix));
}

static bool ends(const char *s, const char *suffix)
{
	size_t n = s ? strlen(s) : 0, m = strlen(suffix);
	return s && n >= m && !strcmp(s + n - m, suffix);
}

int main(void)
{
	for (size_t i = 0; i < sizeof(px); i++)
		px[i] = (unsigned char)(i * 7);

	is_int(mode_with("vt100", NULL, NULL), PV_GFX_PLAIN, "TERM=vt100: plain blocks");
	is_int(mode_with("xterm-kitty", "NO_COLOR", "1"), PV_GFX_PLAIN, "NO_COLOR: plain blocks");
	is_int(mode_with("xterm-256color", NULL, NULL), PV_GFX_COLOUR, "xterm: blocks in colour");
	is_int(mode_with("xterm-kitty", NULL, NULL), PV_GFX_KITTY, "TERM=xterm-kitty: kitty");
	is_int(mode_with("xterm-256color", "KITTY_WINDOW_ID", "1"), PV_GFX_KITTY, "KITTY_WINDOW_ID: kitty");
	is_int(mode_with("xterm-256color", "TERM_PROGRAM", "iTerm.app"), PV_GFX_ITERM2, "iTerm2");
	is_int(mode_with("foot", NULL, NULL), PV_GFX_SIXEL, "TERM=foot: sixels");
	is_int(mode_with("xterm-kitty", "TMUX", "/tmp/tmux-0/default,1,0"), PV_GFX_COLOUR,
	       "inside tmux: colour blocks, never a picture");
	is_int(mode_with("tmux-256color", NULL, NULL), PV_GFX_COLOUR, "TERM=tmux-256color: colour blocks");
	is_int(mode_with("xterm-256color", "VDS_GRAPHICS", "sixel"), PV_GFX_SIXEL, "VDS_GRAPHICS=sixel");
	is_int(mode_with("xterm-256color", "VDS_GRAPHICS", "plain"), PV_GFX_PLAIN, "VDS_GRAPHICS=plain");

	ok(pv_graphics(PV_GFX_PLAIN, px, 64, 32, 64 * 3, false, 8, 4) == NULL, "plain: nothing to send");

	char *s = pv_graphics(PV_GFX_KITTY, px, 64, 32, 64 * 3, false, 8, 4);
	ok(starts(s, "\033_Ga=T,f=32,s=80,v=80,c=8,r=4,m=1\033\\"),
	   "kitty: a transmit-and-display command of 8 x 4 cells, 80 x 80 pixels, RGBA");
	ok(starts(s ? strstr(s + 1, "\033_G") : NULL, "\033_Gm=1;"), "kitty: base64 chunks follow");
	ok(ends(s, "\033_Gm=0\033\\"), "kitty: the last chunk ends the image");
	free(s);

	s = pv_graphics(PV_GFX_ITERM2, px, 64, 32, 64 * 3, false, 8, 4);
	ok(starts(s, "\033]1337;File=inline=1;width=8;height=4;preserveAspectRatio=0:"),
	   "iTerm2: an inline file of 8 x 4 cells");
	ok(ends(s, "\a"), "iTerm2: ended by BEL");
	free(s);

	s = pv_graphics(PV_GFX_SIXEL, px, 64, 32, 64 * 3, false, 8, 4);
	ok(starts(s, "\033P0;1;0q\"1;1;80;78"), "sixel: a DCS of 80 x 78 pixels (whole sixel rows of 8 x 4 cells)");
	ok(ends(s, "\033\\"), "sixel: ended by ST");
	free(s);

	s = pv_graphics(PV_GFX_COLOUR, px, 64, 32, 64 * 3, false, 8, 4);
	size_t lines = 0;
	for (const char *c = s; c && *c; c++)
		lines += *c == '\n';
	is_int(lines, 3, "colour: 4 rows, newline-separated");
	ok(s && strstr(s, "\033[38;2;") && strstr(s, ";48;2;"), "colour: 24-bit foreground and background");
	free(s);
	return done();
}
