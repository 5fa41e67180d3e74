/*
 * png_decode.c - PNG bytes in, a small RGBA picture out, through libpng's
 * progressive reader (a damaged or cut file shows what decoded before the
 * damage), row by row: each row is sampled as it arrives into a picture of at most
 * twice the thumbnail a side, so that memory stays bounded whatever the
 * image's size (an interlaced image keeps the full rows it samples, up to
 * a bound). Pure: no curses, no reads, no global state.
 */
#include "config.h"

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pv.h"

/* Most bytes an interlaced image's kept rows may take. */
#define INTERLACED_MAX (64u << 20)
/* Most pixels decoded: inflating more would take seconds. */
#define PIXELS_MAX (64u << 20)

/* The decoding's state, shared with libpng's callbacks. */
typedef struct pngdec {
	char *err;              /* where a message goes */
	int max_w, max_h;       /* the picture to fill */
	pv_png_info *info;      /* the header's facts */
	size_t w, h, tw, th;    /* the image's size, and the picture's */
	unsigned char *px;      /* the picture: TH rows of TW RGBA pixels */
	unsigned char **keep;   /* interlaced: the full rows sampled, combined pass by pass */
	bool interlaced;        /* rows come in seven passes */
	size_t rows;            /* rows delivered */
	bool done;              /* the image's end was reached */
} pngdec;

static void on_error(png_structp png, png_const_charp msg)
{
	pngdec *d = png_get_error_ptr(png);

	snprintf(d->err, 200, "%s", msg);
	png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg)
{
	(void)png, (void)msg;
}

const char *pv_png_kind(int colour_type)
{
	switch (colour_type) {
	case PNG_COLOR_TYPE_GRAY: return "grey";
	case PNG_COLOR_TYPE_GRAY_ALPHA: return "grey and alpha";
	case PNG_COLOR_TYPE_PALETTE: return "palette";
	case PNG_COLOR_TYPE_RGB_ALPHA: return "RGBA";
	default: return "RGB";
	}
}

static void on_info(png_structp png, png_infop pi)
{
	pngdec *d = png_get_progressive_ptr(png);
	png_uint_32 w, h;
	int depth, ctype, ilace;

	png_get_IHDR(png, pi, &w, &h, &depth, &ctype, &ilace, NULL, NULL);
	d->info->w = w, d->info->h = h, d->info->depth = depth, d->info->colour_type = ctype;
	d->info->interlaced = d->interlaced = ilace != PNG_INTERLACE_NONE;
	d->info->alpha = (ctype & PNG_COLOR_MASK_ALPHA) || png_get_valid(png, pi, PNG_INFO_tRNS);
	if ((uint64_t)w * h > PIXELS_MAX) {
		snprintf(d->err, 200, "not decoded: more than %u million pixels", PIXELS_MAX >> 20);
		png_longjmp(png, 1);
	}
	/* everything as 8-bit RGBA */
	png_set_expand(png);
	png_set_strip_16(png);
	png_set_gray_to_rgb(png);
	png_set_filler(png, 0xff, PNG_FILLER_AFTER);
	png_set_interlace_handling(png);
	png_read_update_info(png, pi);
	d->w = w, d->h = h, d->tw = w, d->th = h;
	if (d->tw > 2 * (size_t)d->max_w || d->th > 2 * (size_t)d->max_h) {
		double f = (double)w / (2 * d->max_w) > (double)h / (2 * d->max_h) ? (double)(2 * d->max_w) / w
										    : (double)(2 * d->max_h) / h;
		d->tw = (size_t)(w * f), d->th = (size_t)(h * f);
		d->tw += !d->tw, d->th += !d->th;
	}
	if (d->interlaced && (uint64_t)d->th * w * 4 > INTERLACED_MAX) {
		snprintf(d->err, 200, "not decoded: interlaced and %u pixels wide", (unsigned)w);
		png_longjmp(png, 1);
	}
	d->px = calloc(d->th, 4 * d->tw);
	if (d->interlaced && d->px)
		d->keep = calloc(d->th, sizeof(*d->keep));
	if (!d->px || (d->interlaced && !d->keep)) {
		snprintf(d->err, 200, "%u x %u pixels do not fit in memory", (unsigned)w, (unsigned)h);
		png_longjmp(png, 1);
	}
}

/* Samples ROW (W pixels of RGBA) into OUT's TW pixels. */
static void sample(const unsigned char *row, size_t w, unsigned char *out, size_t tw)
{
	for (size_t x = 0; x < tw; x++)
		memcpy(out + 4 * x, row + 4 * (x * w / tw), 4);
}

static void on_row(png_structp png, png_bytep row, png_uint_32 y, int pass)
{
	pngdec *d = png_get_progressive_ptr(png);

	(void)pass;
	if (!row || y >= d->h)
		return;
	size_t band = y * d->th / d->h; /* the picture's row; its first image row is the one kept */
	if (y && (y - 1) * d->th / d->h == band)
		return;
	d->rows++;
	if (!d->interlaced) {
		sample(row, d->w, d->px + band * 4 * d->tw, d->tw);
		return;
	}
	if (!d->keep[band] && !(d->keep[band] = calloc(d->w, 4))) {
		snprintf(d->err, 200, "out of memory");
		png_longjmp(png, 1);
	}
	png_progressive_combine_row(png, d->keep[band], row);
	sample(d->keep[band], d->w, d->px + band * 4 * d->tw, d->tw);
}

static void on_end(png_structp png, png_infop pi)
{
	(void)pi;
	((pngdec *)png_get_progressive_ptr(png))->done = true;
}

/* Frees what D holds but its picture. */
static void release(pngdec *d)
{
	for (size_t i = 0; d->keep && i < d->th; i++)
		free(d->keep[i]);
	free(d->keep);
	d->keep = NULL;
}

bool pv_png_decode(const unsigned char *buf, size_t len, int max_w, int max_h, pv_pixels *out,
		   pv_png_info *info, bool *truncated, char err[200])
{
	pngdec *d = calloc(1, sizeof(*d)); /* not a local: longjmp keeps what the callbacks set */
	png_structp png = NULL;
	png_infop pi = NULL;

	memset(out, 0, sizeof(*out));
	memset(info, 0, sizeof(*info));
	*truncated = false;
	if (d) {
		*d = (pngdec){.err = err, .max_w = max_w, .max_h = max_h, .info = info};
		png = png_create_read_struct(PNG_LIBPNG_VER_STRING, d, on_error, on_warning);
	}
	if (png)
		pi = png_create_info_struct(png);
	if (!png || !pi) {
		png_destroy_read_struct(&png, NULL, NULL);
		free(d);
		snprintf(err, 200, "out of memory");
		return false;
	}
	if (setjmp(png_jmpbuf(png))) {
		release(d);
		png_destroy_read_struct(&png, &pi, NULL);
		if (!d->rows) {
			free(d->px);
			free(d);
			return false;
		}
		goto partial; /* damaged after some rows: what decoded is shown */
	}
	png_set_progressive_read_fn(png, d, on_info, on_row, on_end);
	png_process_data(png, pi, (png_bytep)buf, len);
	release(d);
	png_destroy_read_struct(&png, &pi, NULL);
	if (!d->px) {
		snprintf(err, 200, "its data ends before its pixels");
		free(d);
		return false;
	}
partial:
	*truncated = !d->done;
	out->px = d->px;
	out->w = (int)d->tw, out->h = (int)d->th, out->stride = (int)(4 * d->tw), out->alpha = true;
	free(d);
	return true;
}
