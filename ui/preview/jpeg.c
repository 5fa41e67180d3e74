/*
 * jpeg.c - JPEGs in the preview pane, reading only what they need. The head
 * (the first 64 KiB, one request) gives the frame's facts; a file larger
 * than 1 MiB with an embedded thumbnail there shows that thumbnail and
 * reads nothing more. Otherwise the rest is read in a second request (up
 * to 16 MiB), checked against its SHA-256 and decoded scaled
 * (jpeg_decode.c); beyond 16 MiB with no thumbnail, the facts alone.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "pv.h"
#include "util.h"

/* Files larger than this show their embedded thumbnail rather than decode. */
#define THUMB_FROM (1u << 20)
/* Files larger than this are not decoded: their entropy decoding alone takes a second. */
#define DECODE_MAX (16u << 20)

/* Adds the facts line: dimensions, mode, progressive or not, size. */
static void facts(ui_preview *p, const pv_jpeg_hdr *h, uint64_t size)
{
	char sz[32], mode[32];

	pv_size(size, sz);
	if (!h->frame) {
		pv_addf(p, "jpeg image, %s", sz);
		return;
	}
	if (h->components == 1 || h->components == 3 || h->components == 4)
		snprintf(mode, sizeof(mode), "%s %d-bit",
			 h->components == 1 ? "grey" : h->components == 3 ? "RGB" : "CMYK", h->bits);
	else
		snprintf(mode, sizeof(mode), "%d components", h->components);
	pv_addf(p, "jpeg image: %d x %d pixels, %s%s, %s", h->w, h->h, mode,
		h->progressive ? ", progressive" : "", sz);
}

/* Shows the embedded thumbnail of H (in S's head); false if it does not decode. */
static bool thumbnail(ui_preview *p, pv_src *s, const pv_jpeg_hdr *h)
{
	pv_pixels px;
	bool cut;
	char err[200];

	if (!pv_jpeg_decode(s->head + h->thumb_off, h->thumb_len, PV_THUMB_COLS * PV_CELL_W,
			    PV_THUMB_ROWS * PV_CELL_H, &px, &cut, err))
		return false;
	if (cut) { /* a damaged thumbnail: the image itself is decoded instead */
		pv_pixels_release(&px);
		return false;
	}
	facts(p, h, s->size);
	pv_addf(p, "embedded %s thumbnail shown (%d x %d): the image itself is not decoded",
		h->thumb_from, px.w, px.h);
	pv_image_draw(p, &px);
	pv_pixels_release(&px);
	return true;
}

/* Adds the line that says PX was decoded at reduced size, if it was. */
static void scaled(ui_preview *p, const pv_pixels *px)
{
	int a = px->eighths, b = 8;

	if (a <= 0 || a >= 8)
		return;
	while (a % 2 == 0 && b % 2 == 0)
		a /= 2, b /= 2;
	pv_addf(p, "decoded at %d/%d of its size, into %d x %d pixels", a, b, px->w, px->h);
}

bool pv_jpeg(ui_preview *p, pv_src *s, const char *mime)
{
	pv_jpeg_hdr h;
	const char *bad = pv_jpeg_parse(s->head, s->headlen, &h);

	if (bad && !strcmp(bad, "not a JPEG file"))
		return false;
	pv_type(p, mime, "image");
	if (s->size > THUMB_FROM && h.thumb_len && thumbnail(p, s, &h))
		return true;
	if (s->size > DECODE_MAX) {
		facts(p, &h, s->size);
		pv_add(p, xstrdup("not decoded: over 16 MiB, and no embedded thumbnail in its first 64 KiB"));
		return true;
	}
	unsigned char *all = pv_image_whole(p, s);
	if (!all)
		return true; /* the lines say why */
	pv_pixels px;
	bool cut;
	char err[200];
	if (!pv_jpeg_decode(all, (size_t)s->size, PV_THUMB_COLS * PV_CELL_W, PV_THUMB_ROWS * PV_CELL_H, &px, &cut, err)) {
		facts(p, &h, s->size);
		if (!strncmp(err, "not decoded", 11)) /* a bound, not damage */
			pv_add(p, xstrdup(err));
		else
			pv_addf(p, "damaged image: %s", err);
	} else {
		facts(p, &h, s->size);
		scaled(p, &px);
		if (cut)
			pv_add(p, xstrdup("damaged image: its data ends early (what decoded is shown)"));
		pv_image_draw(p, &px);
		pv_pixels_release(&px);
	}
	free(all);
	return true;
}
