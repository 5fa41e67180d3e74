/*
 * parquet_rows.c - the first rows of a Parquet file's first row group,
 * decoded from its column chunks as read by parquet.c (one request): page
 * headers in Thrift's compact protocol, pages uncompressed or in snappy,
 * gzip or zstd (Debian's libraries), definition levels and dictionary
 * indices in the RLE/bit-packed hybrid, PLAIN values. Other encodings and
 * codecs say so in place of their values.
 */
#include "config.h"

#include <snappy-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "parquet.h"
#include "thrift.h"

#define PAGE_MAX (16u << 20) /* largest uncompressed page decoded */
#define DICT_MAX 4096        /* dictionary entries kept */
#define CELL_MAX 64          /* bytes of a value shown */

/* Values of one column, as text. */
typedef struct column_values {
	char *v[PQ_ROWS];
	size_t n;
	const char *why; /* why there are none, or NULL */
} column_values;

typedef struct page {
	int type;              /* 0 data, 2 dictionary, 3 data v2 */
	int32_t usize, csize;  /* uncompressed and compressed sizes */
	int32_t nvalues;       /* values in the page */
	int encoding;          /* of its values */
	int32_t def_len, rep_len; /* v2: level bytes, uncompressed, before the values */
	bool compressed;       /* v2: whether the values are */
} page;

static bool page_header(tin *t, page *pg)
{
	int id = 0, type;

	*pg = (page){.type = -1, .compressed = true};
	while (tin_field(t, &id, &type)) {
		if (id == 1 && type == T_I32)
			pg->type = (int)tin_zigzag(t);
		else if (id == 2 && type == T_I32)
			pg->usize = (int32_t)tin_zigzag(t);
		else if (id == 3 && type == T_I32)
			pg->csize = (int32_t)tin_zigzag(t);
		else if ((id == 5 || id == 7 || id == 8) && type == T_STRUCT) {
			int sid = 0, st;
			while (tin_field(t, &sid, &st)) {
				if (sid == 1 && st == T_I32)
					pg->nvalues = (int32_t)tin_zigzag(t);
				else if (((id != 8 && sid == 2) || (id == 8 && sid == 4)) && st == T_I32)
					pg->encoding = (int)tin_zigzag(t);
				else if (id == 8 && sid == 5 && st == T_I32)
					pg->def_len = (int32_t)tin_zigzag(t);
				else if (id == 8 && sid == 6 && st == T_I32)
					pg->rep_len = (int32_t)tin_zigzag(t);
				else if (id == 8 && sid == 7 && (st == T_TRUE || st == T_FALSE))
					pg->compressed = st == T_TRUE;
				else
					tin_skip(t, st, 2);
				if (t->bad)
					return false;
			}
		} else {
			tin_skip(t, type, 1);
		}
		if (t->bad)
			return false;
	}
	return !t->bad && pg->usize >= 0 && pg->csize >= 0 && pg->nvalues >= 0 && pg->def_len >= 0 &&
	       pg->rep_len >= 0;
}

/* SRC (LEN bytes) decompressed with CODEC into a malloc'd buffer of exactly USIZE bytes, or NULL. */
static unsigned char *decompress(int codec, const unsigned char *src, size_t len, size_t usize,
				 const char **why)
{
	unsigned char *out;
	size_t n;

	if (usize > PAGE_MAX) {
		*why = "page too large";
		return NULL;
	}
	out = xmalloc(usize ? usize : 1);
	switch (codec) {
	case 0:
		if (len != usize)
			goto bad;
		memcpy(out, src, len);
		return out;
	case 1: /* snappy */
		n = usize;
		if (snappy_uncompressed_length((const char *)src, len, &n) != SNAPPY_OK || n != usize ||
		    snappy_uncompress((const char *)src, len, (char *)out, &n) != SNAPPY_OK || n != usize)
			goto bad;
		return out;
	case 2: { /* gzip */
		z_stream z = {0};
		if (inflateInit2(&z, 15 + 32) != Z_OK)
			goto bad;
		z.next_in = (unsigned char *)src;
		z.avail_in = (uInt)len;
		z.next_out = out;
		z.avail_out = (uInt)usize;
		int r = inflate(&z, Z_FINISH);
		n = usize - z.avail_out;
		inflateEnd(&z);
		if (r != Z_STREAM_END || n != usize)
			goto bad;
		return out;
	}
	case 6: /* zstd */
		n = ZSTD_decompress(out, usize, src, len);
		if (ZSTD_isError(n) || n != usize)
			goto bad;
		return out;
	default:
		*why = "codec not decoded";
		free(out);
		return NULL;
	}
bad:
	*why = "page does not decompress";
	free(out);
	return NULL;
}

/* A reader of the RLE/bit-packed hybrid (levels, dictionary indices). */
typedef struct hybrid {
	const unsigned char *p, *end;
	int width;
	uint32_t run, value; /* an RLE run left */
	uint32_t packed;     /* bit-packed values left */
	uint64_t bitpos;     /* in the bit-packed group starting at p */
} hybrid;

static bool hybrid_next(hybrid *h, uint32_t *out)
{
	if (h->width < 0 || h->width > 32)
		return false;
	while (!h->run && !h->packed) {
		if (h->bitpos) { /* the end of a bit-packed group */
			h->p += (h->bitpos + 7) / 8;
			h->bitpos = 0;
		}
		tin t = {h->p, h->end, false};
		uint64_t hdr = tin_varint(&t);
		if (t.bad || hdr >> 1 > (1u << 24))
			return false;
		h->p = t.p;
		if (hdr & 1) {
			uint64_t n = (hdr >> 1) * 8;
			if ((uint64_t)(h->end - h->p) * 8 < n * (uint64_t)h->width)
				n = (uint64_t)(h->end - h->p) * 8 / (h->width ? (uint64_t)h->width : 1);
			if (!n && h->width)
				return false;
			h->packed = (uint32_t)(h->width ? n : (hdr >> 1) * 8);
		} else {
			int bytes = (h->width + 7) / 8;
			if (h->end - h->p < bytes)
				return false;
			h->value = 0;
			for (int i = 0; i < bytes; i++)
				h->value |= (uint32_t)h->p[i] << (8 * i);
			h->p += bytes;
			h->run = (uint32_t)(hdr >> 1);
			if (!h->run)
				continue;
		}
	}
	if (h->run) {
		h->run--;
		*out = h->value;
		return true;
	}
	uint32_t v = 0;
	for (int i = 0; i < h->width; i++, h->bitpos++)
		v |= (uint32_t)((h->p[h->bitpos / 8] >> (h->bitpos % 8)) & 1) << i;
	h->packed--;
	if (!h->packed) {
		h->p += (h->bitpos + 7) / 8;
		h->bitpos = 0;
	}
	*out = v;
	return true;
}

/* One PLAIN value of column C at *P (before END) as text; NULL at the end or when damaged. */
static char *plain_value(const pq_column *c, const unsigned char **p, const unsigned char *end,
			 int *bit)
{
	const unsigned char *q = *p;
	size_t left = (size_t)(end - q);
	uint64_t u = 0;

	switch (c->ptype) {
	case 0: /* BOOLEAN, bit-packed */
		if (!left)
			return NULL;
		{
			bool b = (*q >> *bit) & 1;
			if (++*bit == 8)
				*bit = 0, (*p)++;
			return xstrdup(b ? "true" : "false");
		}
	case 1:
	case 4:
		if (left < 4)
			return NULL;
		for (int i = 3; i >= 0; i--)
			u = u << 8 | q[i];
		*p += 4;
		if (c->ptype == 1)
			return xasprintf("%d", (int32_t)(uint32_t)u);
		{
			uint32_t w = (uint32_t)u;
			float f;
			memcpy(&f, &w, 4);
			return xasprintf("%.6g", f);
		}
	case 2:
	case 5:
		if (left < 8)
			return NULL;
		for (int i = 7; i >= 0; i--)
			u = u << 8 | q[i];
		*p += 8;
		if (c->ptype == 2)
			return xasprintf("%lld", (long long)(int64_t)u);
		{
			double d;
			memcpy(&d, &u, 8);
			return xasprintf("%.6g", d);
		}
	case 3:
		if (left < 12)
			return NULL;
		*p += 12;
		return xstrdup("(int96)");
	case 6:
	case 7: {
		size_t n;
		if (c->ptype == 6) {
			if (left < 4)
				return NULL;
			n = q[0] | (size_t)q[1] << 8 | (size_t)q[2] << 16 | (size_t)q[3] << 24;
			q += 4, left -= 4;
		} else {
			n = c->type_len > 0 ? (size_t)c->type_len : 0;
		}
		if (n > left)
			return NULL;
		*p = q + n;
		char *s = xstrndup((const char *)q, n < CELL_MAX ? n : CELL_MAX);
		if (memchr(q, '\0', n < CELL_MAX ? n : CELL_MAX))
			s[0] = '\0'; /* binary: shown empty rather than cut at a NUL */
		return s;
	}
	default: return NULL;
	}
}

/* Bits a level up to MAX takes. */
static int bit_width(int max)
{
	int w = 0;

	while (max >> w)
		w++;
	return w;
}

/* Reads the levels of a version-1 page (a length, then the hybrid) at *V into H when MAX > 0. */
static bool levels_v1(const unsigned char **v, const unsigned char *vend, int max, hybrid *h)
{
	if (!max)
		return true;
	if (vend - *v < 4)
		return false;
	const unsigned char *p = *v;
	uint32_t n = p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	if (n > (size_t)(vend - p) - 4)
		return false;
	*h = (hybrid){.p = p + 4, .end = p + 4 + n, .width = bit_width(max)};
	*v = p + 4 + n;
	return true;
}

/* The list in SB closed with "]", as a cell (malloc'd); SB is emptied. */
static char *list_cell(strbuf *sb)
{
	sb_addc(sb, ']');
	return sb_detach(sb, NULL);
}

/*
 * Decodes the pages of column C from BUF until PQ_ROWS rows or its end: a
 * value a row, or, in a list (repetition levels), its elements as
 * "[a, b]" ("[]" empty, "null" when it is not there).
 */
static void column(const pq_column *c, const unsigned char *buf, size_t len, uint64_t off,
		   column_values *cv)
{
	int64_t a = c->dict_off > 0 && c->dict_off < c->data_off ? c->dict_off : c->data_off;
	char **dict = NULL;
	size_t ndict = 0;
	int max_def = c->max_def, max_rep = c->max_rep;
	strbuf list = STRBUF_INIT; /* the row's list being read, when max_rep */
	bool open = false, stop = false;

	if ((uint64_t)a < off || (uint64_t)a - off >= len) {
		cv->why = "beyond what was read";
		return;
	}
	const unsigned char *p = buf + ((uint64_t)a - off);
	const unsigned char *end = p + ((uint64_t)c->size < (uint64_t)(buf + len - p) ? (size_t)c->size
										     : (size_t)(buf + len - p));
	for (int pages = 0; pages < 16 && !stop && cv->n < PQ_ROWS && p < end; pages++) {
		tin t = {p, end, false};
		page pg;
		if (!page_header(&t, &pg) || (size_t)pg.csize > (size_t)(end - t.p)) {
			cv->why = p == buf + ((uint64_t)a - off) ? "damaged page" : NULL;
			break;
		}
		const unsigned char *data = t.p;
		p = t.p + pg.csize;
		if (pg.type != 0 && pg.type != 2 && pg.type != 3)
			continue;
		size_t lv = pg.type == 3 ? (size_t)pg.def_len + (size_t)pg.rep_len : 0;
		if (lv > (size_t)pg.csize || lv > (size_t)pg.usize) {
			cv->why = "damaged page";
			break;
		}
		unsigned char *u;
		if (pg.type == 3 && !pg.compressed)
			u = decompress(0, data + lv, (size_t)pg.csize - lv, (size_t)pg.usize - lv, &cv->why);
		else
			u = decompress(c->codec, data + lv, (size_t)pg.csize - lv, (size_t)pg.usize - lv,
				       &cv->why);
		if (!u)
			break;
		const unsigned char *v = u, *vend = u + (pg.usize - (int32_t)lv);
		if (pg.type == 2) { /* the dictionary: PLAIN values */
			int bit = 0;
			for (int32_t i = 0; i < pg.nvalues && ndict < DICT_MAX; i++) {
				char *s = plain_value(c, &v, vend, &bit);
				if (!s)
					break;
				dict = xrealloc(dict, (ndict + 1) * sizeof(*dict));
				dict[ndict++] = s;
			}
			free(u);
			continue;
		}
		hybrid def = {0}, rep = {0};
		if (pg.type == 3) {
			rep = (hybrid){.p = data, .end = data + pg.rep_len, .width = bit_width(max_rep)};
			def = (hybrid){.p = data + pg.rep_len, .end = data + lv, .width = bit_width(max_def)};
		} else if (!levels_v1(&v, vend, max_rep, &rep) || !levels_v1(&v, vend, max_def, &def)) {
			free(u);
			cv->why = "damaged page";
			break;
		}
		bool dictionary = pg.encoding == 2 || pg.encoding == 8;
		if (!dictionary && pg.encoding != 0) {
			free(u);
			cv->why = "encoding not decoded";
			break;
		}
		hybrid idx = {0};
		if (dictionary) {
			if (v >= vend) {
				free(u);
				cv->why = "damaged page";
				break;
			}
			idx = (hybrid){.p = v + 1, .end = vend, .width = *v};
		}
		int bit = 0;
		for (int32_t i = 0; i < pg.nvalues && !stop; i++) {
			uint32_t d = (uint32_t)max_def, r = 0, k;
			if ((max_rep && !hybrid_next(&rep, &r)) || (max_def && !hybrid_next(&def, &d)))
				break;
			if (r == 0 && open) { /* a new row: the last one's list is complete */
				cv->v[cv->n++] = list_cell(&list);
				open = false;
			}
			if (r == 0 && cv->n >= PQ_ROWS) {
				stop = true;
				break;
			}
			char *s;
			if (max_rep && d < (uint32_t)c->rep_def) /* no element: the list is empty or null */
				s = xstrdup(d + 1 == (uint32_t)c->rep_def ? "[]" : "null");
			else if (d < (uint32_t)max_def)
				s = xstrdup("null");
			else if (dictionary)
				s = hybrid_next(&idx, &k) ? xstrdup(k < ndict ? dict[k] : "?") : NULL;
			else
				s = plain_value(c, &v, vend, &bit);
			if (!s)
				break;
			if (!max_rep || d < (uint32_t)c->rep_def) {
				if (open || cv->n >= PQ_ROWS) { /* an element after its row ended */
					free(s);
					cv->why = "damaged levels";
					stop = true;
					break;
				}
				cv->v[cv->n++] = s;
				continue;
			}
			sb_adds(&list, open ? ", " : "[");
			sb_adds(&list, s);
			open = true;
			free(s);
		}
		free(u);
	}
	if (open && cv->n < PQ_ROWS)
		cv->v[cv->n++] = list_cell(&list);
	sb_release(&list);
	for (size_t i = 0; i < ndict; i++)
		free(dict[i]);
	free(dict);
}

void pq_rows(ui_preview *p, const pq_meta *m, const unsigned char *buf, size_t len, uint64_t off)
{
	column_values *cv = xcalloc(m->ncols, sizeof(*cv));
	strbuf sb = STRBUF_INIT;
	size_t rows = 0;

	for (size_t i = 0; i < m->ncols; i++) {
		column(&m->col[i], buf, len, off, &cv[i]);
		if (cv[i].n > rows)
			rows = cv[i].n;
	}
	for (size_t i = 0; i < m->ncols; i++) {
		if (i)
			sb_addc(&sb, ',');
		pv_csv_cell(&sb, m->col[i].name);
	}
	sb_addc(&sb, '\n');
	for (size_t r = 0; r < rows; r++) {
		for (size_t i = 0; i < m->ncols; i++) {
			if (i)
				sb_addc(&sb, ',');
			pv_csv_cell(&sb, r < cv[i].n ? cv[i].v[r] : r == cv[i].n && cv[i].why ? cv[i].why : "");
		}
		sb_addc(&sb, '\n');
	}
	if (!rows) {
		for (size_t i = 0; i < m->ncols; i++) {
			if (i)
				sb_addc(&sb, ',');
			pv_csv_cell(&sb, cv[i].why ? cv[i].why : "");
		}
		sb_addc(&sb, '\n');
	}
	pv_addf(p, "first %zu row%s:", rows, rows == 1 ? "" : "s");
	preview_table(p, sb.buf, sb.len, ',');
	sb_release(&sb);
	for (size_t i = 0; i < m->ncols; i++)
		for (size_t r = 0; r < cv[i].n; r++)
			free(cv[i].v[r]);
	free(cv);
}
