/*
 * pv.h - what the preview kinds of ui/preview/ share, and nothing of curses:
 * a source that reads a file's bytes by ranges and counts its requests, and
 * the lines a kind adds to a ui_preview. Each kind is a pure function from a
 * source to lines, so that a worker thread could run it.
 */
#ifndef VDS_PV_H
#define VDS_PV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ui.h"
#include "util.h"

/* Bytes of a file read first, in one request; most kinds need no more. */
#define PV_HEAD (64 * 1024)
/* Most bytes a kind may read in all (images and HDF5 files are read whole up to this). */
#define PV_MAX_READ (64u << 20)

/* Reads up to LEN bytes at OFF into BUF (*GOT bytes); 0 or a negative VDS_E* status. */
typedef int (*pv_read_fn)(void *arg, uint64_t off, void *buf, size_t len, size_t *got);

/* A file being previewed. */
typedef struct pv_src {
	pv_read_fn read;           /* how its bytes are read */
	void *arg;                 /* passed to read */
	const char *name;          /* its base name (the extension helps choosing) */
	uint64_t size;             /* its size */
	const unsigned char *head; /* its first bytes, already read */
	size_t headlen;            /* how many */
	unsigned requests;         /* reads made so far, the head's included */
	uint64_t bytes;            /* bytes they read */
	const unsigned char *sha;  /* the SHA-256 the content must have */
	bool checked;              /* a kind read it whole and checked it (matching or not) */
} pv_src;

/* Reads [OFF, OFF + LEN) of S into BUF, from the head when it holds them; -1 with *ERR set if short. */
int pv_read(pv_src *s, uint64_t off, void *buf, size_t len);
/*
 * For a kind that read S whole, in two parts (the head, then REST of LEN
 * bytes): checks it against its SHA-256 (S is then checked). True if it
 * matched; false after adding to P the lines that say it does not.
 */
bool pv_check_whole(ui_preview *p, pv_src *s, const unsigned char *rest, size_t len);
/* The last pv_read() error (a static string or vds_errmsg()). */
const char *pv_error(void);

/* Adds LINE (malloc'd, now owned by P) to P's lines. */
void pv_add(ui_preview *p, char *line);
/* Adds a formatted line to P. */
void pv_addf(ui_preview *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Sets P's type line and description (copies). */
void pv_type(ui_preview *p, const char *mime, const char *describe);
/* Whether NAME ends with SUFFIX, ignoring case. */
bool pv_ends(const char *name, const char *suffix);
/* Formats a byte count as "2.1K" into OUT (32 bytes). */
void pv_size(uint64_t n, char out[32]);

/* Renders S (its head read) into P as the kind libmagic and signatures say. */
void pv_render(ui_preview *p, pv_src *s);

/* ---- the kinds: each returns false when the file is not of its kind ---- */

/* .npy arrays: dtype, shape, order, first values and their min, max, mean. */
bool pv_npy(ui_preview *p, pv_src *s);
/* .npz archives: each member as a .npy. */
bool pv_npz(ui_preview *p, pv_src *s);
/* .safetensors: the header's tensors and __metadata__. */
bool pv_safetensors(ui_preview *p, pv_src *s);
/* Python pickles: named with their protocol, never unpickled. */
bool pv_pickle(ui_preview *p, pv_src *s);
/* HDF5 files: the group and dataset tree with shapes, types and attributes. */
bool pv_hdf5(ui_preview *p, pv_src *s);
/* Parquet files: schema, row count, row groups. */
bool pv_parquet(ui_preview *p, pv_src *s);
/* tar, zip, 7z and other archives: their members. */
bool pv_archive(ui_preview *p, pv_src *s, const char *mime);
/* .gz, .zst, .xz, .bz2: the decompressed head, previewed by what it holds. */
bool pv_compressed(ui_preview *p, pv_src *s, const char *mime);
/* Images: dimensions and a thumbnail through libchafa. */
bool pv_image(ui_preview *p, pv_src *s, const char *mime);
/* UTF-16 and Latin-1 texts, decoded; streamed JSON; sniffed delimiters; JSON lines. */
bool pv_text(ui_preview *p, pv_src *s, const char *mime);

/* ---- images beyond plain blocks (graphics.c) ---- */

/* What the terminal is sent for an image, besides the blocks curses draws. */
enum pv_gfx {
	PV_GFX_PLAIN,  /* nothing: the blocks alone (NO_COLOR, TERM=vt100, dumb, linux) */
	PV_GFX_COLOUR, /* the blocks again, in colour */
	PV_GFX_KITTY,  /* the kitty graphics protocol */
	PV_GFX_ITERM2, /* iTerm2's inline images */
	PV_GFX_SIXEL,  /* sixels */
};
/* The thumbnail's most columns and rows of cells. */
#define PV_THUMB_COLS 40
#define PV_THUMB_ROWS 12
/* Pixels a cell is taken to have, for pictures of a given number of cells. */
#define PV_CELL_W 10
#define PV_CELL_H 20
/* The mode the environment asks for (VDS_GRAPHICS, NO_COLOR, TERM, TMUX, ...). */
enum pv_gfx pv_graphics_mode(void);
/*
 * What to send the terminal to show the image PIXELS (W x H, STRIDE bytes a
 * row, RGBA if ALPHA else RGB) on COLS x ROWS cells in MODE: colour blocks
 * (ROWS lines separated by newlines) or one picture; NULL in PV_GFX_PLAIN.
 */
char *pv_graphics(enum pv_gfx mode, const unsigned char *pixels, int w, int h, int stride, bool alpha,
		  int cols, int rows);

/* ---- pure parsers, also reached by the fuzz targets ---- */

/* A parsed .npy header. */
typedef struct pv_npy_hdr {
	char descr[16];      /* "<f4" */
	bool fortran;        /* fortran_order */
	size_t ndim;         /* at most 8 */
	uint64_t shape[8];   /* the dimensions */
	size_t data_off;     /* where the data starts */
} pv_npy_hdr;
/* Parses the .npy header at BUF; NULL, or a static message of what is wrong. */
const char *pv_npy_parse(const unsigned char *buf, size_t len, pv_npy_hdr *h);
/* Renders an .npy held in BUF (LEN bytes of SIZE) into P; false when BUF is not one. */
bool pv_npy_render(ui_preview *p, const unsigned char *buf, size_t len, uint64_t size,
		   const char *indent);
/* Renders the safetensors header JSON (LEN bytes) of a file of SIZE bytes into P. */
void pv_safetensors_render(ui_preview *p, const char *json, size_t len, uint64_t size);
/* The protocol of the pickle in BUF, or -1 if it is not one. */
int pv_pickle_protocol(const unsigned char *buf, size_t len);
/* What a JPEG's markers before its first scan say (jpeg_hdr.c). */
typedef struct pv_jpeg_hdr {
	bool frame;             /* a frame header (SOF) was found; the fields below are from it */
	int sof;                /* its type: 0 baseline, 1 extended, 2 progressive, ... */
	int w, h;               /* the image's dimensions */
	int components;         /* 1 grey, 3 colour, 4 CMYK */
	int bits;               /* bits a sample */
	bool progressive;       /* decoded in several scans */
	size_t thumb_off;       /* where an embedded JPEG thumbnail starts in the buffer */
	size_t thumb_len;       /* its length, 0 if there is none */
	const char *thumb_from; /* "EXIF" or "JFIF" */
} pv_jpeg_hdr;
/* Reads the markers of the JPEG head in BUF into H; NULL, or a static message of what is wrong. */
const char *pv_jpeg_parse(const unsigned char *buf, size_t len, pv_jpeg_hdr *h);

/* Pixels decoded for a thumbnail: RGB or RGBA, 8 bits a sample. */
typedef struct pv_pixels {
	unsigned char *px; /* malloc'd, freed by pv_pixels_release() */
	int w, h;          /* its dimensions */
	int stride;        /* bytes a row */
	bool alpha;        /* RGBA rather than RGB */
	int eighths;       /* decoded at EIGHTHS/8 of the image's size a side (JPEG), else 0 */
} pv_pixels;
/* Frees what PX holds. */
void pv_pixels_release(pv_pixels *px);
/*
 * Decodes the JPEG in BUF (LEN bytes) as RGB at the smallest scale libjpeg
 * offers (n/8) that still fills a picture of MAX_W x MAX_H pixels (the
 * image fitted in it), its rows sampled as they arrive into at most twice
 * that a side. Pure: no curses, no reads, safe in any thread. True
 * with OUT set; *TRUNCATED when the data ended early (what decoded is in
 * OUT). False with ERR (JMSG_LENGTH_MAX bytes) saying why ("not decoded:
 * ..." when it would take more than 256 MiB, as a large progressive one).
 */
bool pv_jpeg_decode(const unsigned char *buf, size_t len, int max_w, int max_h, pv_pixels *out,
		    bool *truncated, char err[200]);
/* What a PNG's header says. */
typedef struct pv_png_info {
	unsigned w, h;    /* its dimensions */
	int depth;        /* bits a sample */
	int colour_type;  /* PNG_COLOR_TYPE_* */
	bool interlaced;  /* Adam7 */
	bool alpha;       /* an alpha channel or a transparent colour */
} pv_png_info;
/* "RGB", "RGBA", "grey", "palette"... for a PNG colour type. */
const char *pv_png_kind(int colour_type);
/*
 * Decodes the PNG in BUF (LEN bytes) into an RGBA picture of at most twice
 * MAX_W x MAX_H, each row sampled as libpng delivers it, never more than
 * 64 million pixels decoded. Pure, like pv_jpeg_decode(). True with OUT and
 * INFO set (*TRUNCATED when the data ended early: the rows not reached are
 * transparent); false with ERR saying why (INFO set if the header was read;
 * a message starting "not decoded" names a bound, not damage).
 */
bool pv_png_decode(const unsigned char *buf, size_t len, int max_w, int max_h, pv_pixels *out,
		   pv_png_info *info, bool *truncated, char err[200]);
/* PNGs: bounded decoding, dimensions and colour type. */
bool pv_png(ui_preview *p, pv_src *s, const char *mime);
/*
 * For an image kind: S read whole (a second request beyond its head, up to
 * PV_MAX_READ) and checked against its SHA-256, in a malloc'd buffer; NULL
 * after adding to P the lines that say why not.
 */
unsigned char *pv_image_whole(ui_preview *p, pv_src *s);

/* Adds the thumbnail of PX to P as block characters (and a picture, as the terminal allows). */
void pv_image_draw(ui_preview *p, const pv_pixels *px);
/* JPEGs: scaled decoding, an embedded thumbnail when the file is large, header facts beyond. */
bool pv_jpeg(ui_preview *p, pv_src *s, const char *mime);

/* Writes CELL to SB as a quoted CSV field (for tables made of other formats). */
void pv_csv_cell(strbuf *sb, const char *cell);

#endif
