/*
 * jpeg_decode.c - JPEG bytes in, a small RGB picture out, through
 * libjpeg-turbo scaling while it decodes (1/8 of the pixels a side at
 * most), each row sampled as it arrives so that memory stays bounded:
 * the least scale that still fills the thumbnail is chosen, so a
 * large image costs its entropy decoding and little else. Pure: no curses,
 * no reads, no global state, so a worker thread can run it.
 */
#include "config.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

#include "pv.h"

/* Most memory libjpeg may take (beyond it: an error, not a swap file). */
#define MEMORY_MAX (256u << 20)

typedef struct jerr {
	struct jpeg_error_mgr mgr;
	jmp_buf jump;
	int warnings; /* premature ends and other recoverable damage */
} jerr;

static void on_error(j_common_ptr c)
{
	longjmp(((jerr *)c->err)->jump, 1);
}

static void on_message(j_common_ptr c, int level)
{
	if (level < 0)
		((jerr *)c->err)->warnings++;
}

/* The least n/8 whose output of a W x H image still fills MAX_W x MAX_H (the image fitted in it). */
static unsigned scale_for(unsigned w, unsigned h, int max_w, int max_h)
{
	double fw = (double)max_w / w, fh = (double)max_h / h;
	double need = fw < fh ? fw : fh; /* the fitted picture's share of the image */

	for (unsigned n = 1; n < 8; n++)
		if (n / 8.0 >= need)
			return n;
	return 8;
}

bool pv_jpeg_decode(const unsigned char *buf, size_t len, int max_w, int max_h, pv_pixels *out,
		    bool *truncated, char err[200])
{
	struct jpeg_decompress_struct d;
	jerr e;
	unsigned char *volatile px = NULL;
	unsigned char *volatile row = NULL;

	memset(out, 0, sizeof(*out));
	*truncated = false;
	d.err = jpeg_std_error(&e.mgr);
	e.mgr.error_exit = on_error;
	e.mgr.emit_message = on_message;
	e.warnings = 0;
	if (setjmp(e.jump)) {
		if (e.mgr.msg_code == JERR_NO_BACKING_STORE || e.mgr.msg_code == JERR_OUT_OF_MEMORY)
			snprintf(err, 200, "not decoded: it would take more than %u MiB of memory",
				 MEMORY_MAX >> 20);
		else
			e.mgr.format_message((j_common_ptr)&d, err);
		jpeg_destroy_decompress(&d);
		free(px);
		free(row);
		return false;
	}
	jpeg_create_decompress(&d);
	d.mem->max_memory_to_use = MEMORY_MAX; /* a progressive image holds all its coefficients */
	jpeg_mem_src(&d, buf, (unsigned long)len);
	jpeg_read_header(&d, TRUE);
	d.scale_num = scale_for(d.image_width, d.image_height, max_w, max_h);
	d.scale_denom = 8;
	bool four = d.jpeg_color_space == JCS_CMYK || d.jpeg_color_space == JCS_YCCK;
	d.out_color_space = four ? JCS_CMYK : JCS_RGB;
	jpeg_start_decompress(&d);
	/* rows are sampled as they arrive into at most twice the picture a side */
	size_t w = d.output_width, h = d.output_height;
	size_t tw = w, th = h;
	if (tw > 2 * (size_t)max_w || th > 2 * (size_t)max_h) {
		double f = (double)w / (2 * max_w) > (double)h / (2 * max_h) ? (double)(2 * max_w) / w
									       : (double)(2 * max_h) / h;
		tw = (size_t)(w * f), th = (size_t)(h * f);
		tw += !tw, th += !th;
	}
	size_t stride = tw * 3;
	px = calloc(th, stride);
	row = malloc(w * (four ? 4 : 3));
	if (!px || !row) {
		snprintf(err, 200, "%zu x %zu pixels do not fit in memory", w, h);
		jpeg_destroy_decompress(&d);
		free(px);
		free(row);
		return false;
	}
	for (size_t y = 0, next = 0; d.output_scanline < h;) {
		JSAMPROW r = row;
		if (jpeg_read_scanlines(&d, &r, 1) != 1)
			break;
		if (y++ * th / h != next || next >= th)
			continue; /* not a row kept: the kept one is the first of its band */
		unsigned char *o = px + next++ * stride;
		for (size_t x = 0; x < tw; x++) {
			const unsigned char *i = row + (x * w / tw) * (four ? 4 : 3);
			for (int c = 0; c < 3; c++) /* four: Adobe's inverted CMYK */
				o[3 * x + c] = four ? (unsigned char)(i[c] * i[3] / 255) : i[c];
		}
	}
	jpeg_finish_decompress(&d);
	*truncated = e.warnings > 0;
	out->px = px;
	out->w = (int)tw, out->h = (int)th, out->stride = (int)stride;
	out->alpha = false;
	out->eighths = (int)d.scale_num;
	free(row);
	jpeg_destroy_decompress(&d);
	return true;
}
