/*
 * image.c - images decoded by gdk-pixbuf's loaders (PNG, GIF, WebP, BMP,
 * TIFF: libpng, libwebp... underneath; JPEGs go to jpeg.c), at reduced size,
 * and drawn as a thumbnail of Unicode block characters by libchafa. Dimensions, mode and
 * size come first. Two requests: the head, then the rest of the file (up to
 * PV_MAX_READ, checked against its SHA-256 then; a larger image shows its
 * dimensions only).
 */
#include "config.h"

#include <chafa.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <stdlib.h>
#include <string.h>

#include "pv.h"
#include "util.h"

#define DECODE_MAX 512 /* pixels of the longer side decoded */

typedef struct dims {
	int w, h; /* the image's own size, once the loader knows it */
} dims;

static void size_prepared(GdkPixbufLoader *l, int w, int h, gpointer arg)
{
	dims *d = arg;

	d->w = w, d->h = h;
	if (w > DECODE_MAX || h > DECODE_MAX) {
		double f = (double)DECODE_MAX / (w > h ? w : h);
		int sw = (int)(w * f), sh = (int)(h * f);
		gdk_pixbuf_loader_set_size(l, sw > 0 ? sw : 1, sh > 0 ? sh : 1);
	}
}

void pv_image_draw(ui_preview *p, const pv_pixels *px)
{
	int w = px->w, h = px->h;
	gint cols = PV_THUMB_COLS, rows = PV_THUMB_ROWS;
	ChafaSymbolMap *map = chafa_symbol_map_new();
	ChafaCanvasConfig *cfg = chafa_canvas_config_new();

	/* a cell is about twice as tall as wide */
	chafa_calc_canvas_geometry(w, h, &cols, &rows, 0.5f, FALSE, FALSE);
	chafa_symbol_map_add_by_tags(map, CHAFA_SYMBOL_TAG_BLOCK | CHAFA_SYMBOL_TAG_SPACE);
	chafa_symbol_map_remove_by_tags(map, CHAFA_SYMBOL_TAG_WIDE);
	chafa_canvas_config_set_symbol_map(cfg, map);
	chafa_canvas_config_set_geometry(cfg, cols, rows);
	chafa_canvas_config_set_canvas_mode(cfg, CHAFA_CANVAS_MODE_FGBG);
	chafa_canvas_config_set_pixel_mode(cfg, CHAFA_PIXEL_MODE_SYMBOLS);
	chafa_canvas_config_set_work_factor(cfg, 1.0f);
	ChafaCanvas *c = chafa_canvas_new(cfg);
	chafa_canvas_draw_all_pixels(c, px->alpha ? CHAFA_PIXEL_RGBA8_UNASSOCIATED : CHAFA_PIXEL_RGB8,
				     px->px, w, h, px->stride);
	enum pv_gfx mode = pv_graphics_mode();
	if (mode != PV_GFX_PLAIN) {
		p->graphics = pv_graphics(mode, px->px, w, h, px->stride, px->alpha, cols, rows);
		p->gfx_mode = (int)mode;
		p->gfx_cols = cols, p->gfx_rows = rows, p->gfx_line = p->nlines;
	}
	for (int y = 0; y < rows; y++) {
		strbuf sb = STRBUF_INIT;
		for (int x = 0; x < cols; x++) {
			char u[8];
			int n = g_unichar_to_utf8(chafa_canvas_get_char_at(c, x, y), u);
			sb_add(&sb, u, (size_t)n);
		}
		pv_add(p, sb_detach(&sb, NULL));
	}
	chafa_canvas_unref(c);
	chafa_canvas_config_unref(cfg);
	chafa_symbol_map_unref(map);
}

unsigned char *pv_image_whole(ui_preview *p, pv_src *s)
{
	size_t n = (size_t)s->size;
	unsigned char *all = xmalloc(n ? n : 1);

	memcpy(all, s->head, s->headlen);
	if (n > s->headlen) {
		if (pv_read(s, s->headlen, all + s->headlen, n - s->headlen) < 0) {
			pv_addf(p, "image could not be read: %s", pv_error());
			free(all);
			return NULL;
		}
		if (!pv_check_whole(p, s, all + s->headlen, n - s->headlen)) { /* the lines say so */
			pv_type(p, "?", "damaged");
			free(all);
			return NULL;
		}
	}
	return all;
}

/* Whether END (the last N bytes of an image) is the end its format FMT must have. */
static bool trailer_ok(const unsigned char *end, size_t n, const char *fmt)
{
	if (!fmt)
		return true;
	if (!strcmp(fmt, "png"))
		return n == 12 && !memcmp(end + 4, "IEND", 4);
	if (!strcmp(fmt, "jpeg"))
		return n >= 2 && end[n - 2] == 0xff && end[n - 1] == 0xd9;
	if (!strcmp(fmt, "gif"))
		return n >= 1 && end[n - 1] == 0x3b;
	return true;
}

bool pv_image(ui_preview *p, pv_src *s, const char *mime)
{
	if (pv_jpeg(p, s, mime) || pv_png(p, s, mime))
		return true;
	GdkPixbufLoader *l = gdk_pixbuf_loader_new();
	GError *err = NULL;
	dims d = {0, 0};
	bool ok;
	unsigned char *rest = NULL;

	g_signal_connect(l, "size-prepared", G_CALLBACK(size_prepared), &d);
	unsigned char tail[12]; /* the file's last bytes */
	size_t ntail = s->headlen < sizeof(tail) ? s->headlen : sizeof(tail);
	memcpy(tail, s->head + s->headlen - ntail, ntail);
	ok = gdk_pixbuf_loader_write(l, s->head, s->headlen, &err);
	if (ok && s->size > s->headlen && s->size <= PV_MAX_READ) {
		size_t n = (size_t)(s->size - s->headlen);
		rest = g_malloc(n);
		if (pv_read(s, s->headlen, rest, n) < 0) {
			pv_type(p, mime, "image");
			pv_addf(p, "image could not be read: %s", pv_error());
			g_free(rest);
			gdk_pixbuf_loader_close(l, NULL);
			g_object_unref(l);
			return true;
		}
		if (!pv_check_whole(p, s, rest, n)) { /* the lines say so */
			pv_type(p, "?", "damaged");
			g_free(rest);
			gdk_pixbuf_loader_close(l, NULL);
			g_object_unref(l);
			return true;
		}
		if (n >= sizeof(tail))
			memcpy(tail, rest + n - sizeof(tail), ntail = sizeof(tail));
		ok = gdk_pixbuf_loader_write(l, rest, n, &err);
		g_free(rest);
	}
	bool whole = s->size <= PV_MAX_READ;
	if (ok && whole)
		ok = gdk_pixbuf_loader_close(l, &err);
	else
		gdk_pixbuf_loader_close(l, NULL);
	if (!d.w && !ok && !whole) {
		g_clear_error(&err);
		g_object_unref(l);
		return false;
	}
	GdkPixbufFormat *f = gdk_pixbuf_loader_get_format(l);
	char *fname = f ? gdk_pixbuf_format_get_name(f) : NULL;
	char size[32];
	pv_size(s->size, size);
	pv_type(p, mime, "image");
	GdkPixbuf *pb = ok && whole ? gdk_pixbuf_loader_get_pixbuf(l) : NULL;
	if (d.w)
		pv_addf(p, "%s image: %d x %d pixels, %s%s, %s", fname ? fname : "?", d.w, d.h,
			pb ? (gdk_pixbuf_get_has_alpha(pb) ? "RGBA" : "RGB") : "",
			pb ? (gdk_pixbuf_get_bits_per_sample(pb) == 8 ? " 8-bit" : "") : "?", size);
	else
		pv_addf(p, "%s image, %s", fname ? fname : "?", size);
	pv_pixels px = {0};
	if (pb)
		px = (pv_pixels){(unsigned char *)gdk_pixbuf_read_pixels(pb), gdk_pixbuf_get_width(pb),
				 gdk_pixbuf_get_height(pb), gdk_pixbuf_get_rowstride(pb),
				 gdk_pixbuf_get_has_alpha(pb), 0};
	if (pb && !trailer_ok(tail, ntail, fname)) {
		pv_add(p, xstrdup("damaged image: its data ends early (what decoded is shown)"));
		pv_image_draw(p, &px);
	} else if (pb) {
		pv_image_draw(p, &px);
	} else if (!whole) {
		pv_add(p, xstrdup("(larger than 64 MiB: not decoded)"));
	} else {
		pv_addf(p, "damaged image: %s", err && err->message ? err->message : "it does not decode");
	}
	g_free(fname);
	g_clear_error(&err);
	g_object_unref(l);
	return true;
}
