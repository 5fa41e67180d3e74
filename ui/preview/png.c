/*
 * png.c - PNGs in the preview pane: the header's facts from the head (one
 * request); the rest read in a second request (up to 64 MiB), checked
 * against its SHA-256 and decoded row by row into a bounded picture
 * (png_decode.c); beyond 64 MiB, the facts alone.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "pv.h"
#include "util.h"

/* Adds the facts line of INFO for a file of SIZE bytes. */
static void facts(ui_preview *p, const pv_png_info *info, uint64_t size)
{
	char sz[32];

	pv_size(size, sz);
	pv_addf(p, "png image: %u x %u pixels, %s %d-bit%s, %s", info->w, info->h,
		pv_png_kind(info->colour_type), info->depth, info->interlaced ? ", interlaced" : "", sz);
}

/* The facts of the IHDR chunk at the start of the head: false if it is not there. */
static bool ihdr(const unsigned char *h, size_t n, pv_png_info *info)
{
	if (n < 8 + 8 + 13 || memcmp(h + 12, "IHDR", 4))
		return false;
	const unsigned char *d = h + 16;
	info->w = (unsigned)d[0] << 24 | (unsigned)d[1] << 16 | (unsigned)d[2] << 8 | d[3];
	info->h = (unsigned)d[4] << 24 | (unsigned)d[5] << 16 | (unsigned)d[6] << 8 | d[7];
	info->depth = d[8];
	info->colour_type = d[9];
	info->interlaced = d[12] != 0;
	return true;
}

bool pv_png(ui_preview *p, pv_src *s, const char *mime)
{
	pv_png_info info = {0};

	if (s->headlen < 8 || memcmp(s->head, "\x89PNG\r\n\x1a\n", 8))
		return false;
	pv_type(p, mime, "image");
	if (s->size > PV_MAX_READ) {
		char sz[32];
		if (ihdr(s->head, s->headlen, &info))
			facts(p, &info, s->size);
		else
			pv_addf(p, "png image, %s", (pv_size(s->size, sz), sz));
		pv_add(p, xstrdup("not decoded: larger than 64 MiB"));
		return true;
	}
	unsigned char *all = pv_image_whole(p, s);
	if (!all)
		return true; /* the lines say why */
	pv_pixels px;
	bool cut;
	char err[200];
	if (!pv_png_decode(all, (size_t)s->size, PV_THUMB_COLS * PV_CELL_W, PV_THUMB_ROWS * PV_CELL_H, &px,
			   &info, &cut, err)) {
		char sz[32];
		if (info.w)
			facts(p, &info, s->size);
		else
			pv_addf(p, "png image, %s", (pv_size(s->size, sz), sz));
		if (!strncmp(err, "not decoded", 11))
			pv_add(p, xstrdup(err));
		else
			pv_addf(p, "damaged image: %s", err);
	} else {
		facts(p, &info, s->size);
		if (cut)
			pv_add(p, xstrdup("damaged image: its data ends early (what decoded is shown)"));
		pv_image_draw(p, &px);
		pv_pixels_release(&px);
	}
	free(all);
	return true;
}
