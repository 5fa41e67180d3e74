/*
 * parquet.c - a minimal Parquet reader (Debian has no Parquet library):
 * the footer's FileMetaData, in Thrift's compact protocol, read by hand
 * for the schema, the row count and the row groups with their codecs.
 * At most three requests: the head, the file's last 64 KiB, and the rest
 * of a longer footer (capped at 16 MiB). Rows are not decoded.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pv.h"
#include "parquet.h"
#include "thrift.h"
#include "util.h"

#define PQ_FOOTER_MAX (16u << 20)
#define PQ_COLUMNS 1000  /* schema elements shown */
#define PQ_GROUPS 100    /* row groups shown */

static const char *type_names[] = {"BOOLEAN", "INT32", "INT64", "INT96", "FLOAT", "DOUBLE",
				   "BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY"};
static const char *conv_names[] = {"UTF8", "MAP", "MAP_KEY_VALUE", "LIST", "ENUM", "DECIMAL",
				   "DATE", "TIME_MILLIS", "TIME_MICROS", "TIMESTAMP_MILLIS",
				   "TIMESTAMP_MICROS", "UINT_8", "UINT_16", "UINT_32", "UINT_64",
				   "INT_8", "INT_16", "INT_32", "INT_64", "JSON", "BSON", "INTERVAL"};
static const char *codec_names[] = {"UNCOMPRESSED", "SNAPPY", "GZIP", "LZO", "BROTLI", "LZ4", "ZSTD",
				    "LZ4_RAW"};
static const char *rep_names[] = {"required", "optional", "repeated"};

#define NAME(tab, i) ((i) >= 0 && (size_t)(i) < sizeof(tab) / sizeof(*tab) ? tab[i] : "?")

/* Where a schema element sits: its path and the levels down to it, itself included. */
typedef struct pq_anc {
	char path[256]; /* dotted names, lists' wrappers left out */
	int def;        /* optional and repeated nodes */
	int reps;       /* repeated nodes */
	int rep_def;    /* the innermost repeated node's definition level */
	bool repgroup;  /* a repeated group: a list's wrapper */
} pq_anc;

/* What the element NAME (repetition REP, NCHILD children) below PARENT is. */
static void place(const pq_anc *parent, const char *name, int rep, int nchild, pq_anc *self)
{
	self->def = parent->def + (rep == 1 || rep == 2);
	self->reps = parent->reps + (rep == 2);
	self->rep_def = rep == 2 ? self->def : parent->rep_def;
	self->repgroup = rep == 2 && nchild > 0;
	/* a list's wrapper, and its element when that is a leaf, add no name */
	bool skip = self->repgroup || (parent->repgroup && nchild <= 0 && name &&
				       (!strcmp(name, "element") || !strcmp(name, "item") ||
					!strcmp(name, "array")));
	size_t n = strnlen(parent->path, sizeof(self->path) - 1), max = sizeof(self->path) - 1;
	memcpy(self->path, parent->path, n);
	if (!skip) { /* PARENT.NAME, cut at the end */
		const char *add = name ? name : "?";
		if (n && n < max)
			self->path[n++] = '.';
		size_t k = strlen(add) < max - n ? strlen(add) : max - n;
		memcpy(self->path + n, add, k);
		n += k;
	}
	self->path[n] = '\0';
}

/*
 * One SchemaElement: a line of the schema, indented by its depth in the
 * tree (none when DEPTH is -1); SELF is placed below PARENT.
 */
static void schema_element(ui_preview *p, tin *t, int *children, int depth, pq_meta *m,
			   bool is_root, const pq_anc *parent, pq_anc *self)
{
	int id = 0, type, ptype = -1, rep = -1, conv = -1, nchild = 0;
	int64_t len = 0;
	char *name = NULL;

	while (tin_field(t, &id, &type)) {
		if (id == 1 && type == T_I32)
			ptype = (int)tin_zigzag(t);
		else if (id == 2 && type == T_I32)
			len = tin_zigzag(t);
		else if (id == 3 && type == T_I32)
			rep = (int)tin_zigzag(t);
		else if (id == 4 && type == T_BINARY && !name)
			name = tin_binary(t);
		else if (id == 5 && type == T_I32)
			nchild = (int)tin_zigzag(t);
		else if (id == 6 && type == T_I32)
			conv = (int)tin_zigzag(t);
		else
			tin_skip(t, type, 1);
		if (t->bad)
			break;
	}
	*children = nchild < 0 ? 0 : nchild;
	if (is_root)
		*self = (pq_anc){.def = 0};
	else
		place(parent, name, rep, nchild, self);
	if (m && !t->bad && !is_root && nchild <= 0) { /* a leaf */
		if (m->ncols < PQ_LEAVES) {
			pq_column *c = &m->col[m->ncols++];
			*c = (pq_column){.name = xstrdup(self->path), .ptype = ptype, .rep = rep,
					 .type_len = (int)len, .max_def = self->def,
					 .max_rep = self->reps, .rep_def = self->rep_def, .codec = -1};
			if (c->max_rep > 1)
				m->decodable = false;
		} else {
			m->decodable = false;
		}
	}
	if (!t->bad && depth >= 0) {
		strbuf sb = STRBUF_INIT;
		for (int i = 0; i <= depth && i < 16; i++)
			sb_adds(&sb, "  ");
		sb_adds(&sb, name ? name : "?");
		if (nchild > 0)
			sb_addf(&sb, "  group of %d", nchild);
		else {
			sb_addf(&sb, "  %s", NAME(type_names, ptype));
			if (ptype == 7)
				sb_addf(&sb, "[%lld]", (long long)len);
		}
		if (conv >= 0)
			sb_addf(&sb, " (%s)", NAME(conv_names, conv));
		if (rep >= 0)
			sb_addf(&sb, "  %s", NAME(rep_names, rep));
		pv_add(p, sb_detach(&sb, NULL));
	}
	free(name);
}

/* A RowGroup: its rows, bytes and the codec of its first column. */
static void row_group(ui_preview *p, tin *t, size_t index, bool show, pq_meta *m)
{
	int id = 0, type, codec = -1;
	int64_t rows = -1, bytes = -1;
	uint64_t ncols = 0;

	while (tin_field(t, &id, &type)) {
		if (id == 1 && type == T_LIST) {
			int et;
			ncols = tin_list(t, &et);
			for (uint64_t c = 0; c < ncols && !t->bad; c++) {
				if (et != T_STRUCT) {
					tin_skip(t, et, 1);
					continue;
				}
				int cid = 0, ct; /* ColumnChunk: 3 is its ColumnMetaData, 4 in that the codec */
				while (tin_field(t, &cid, &ct)) {
					if (cid == 3 && ct == T_STRUCT) {
						int mid = 0, mt;
						pq_column *col = m && index == 0 && c < m->ncols ? &m->col[c] : NULL;
						while (tin_field(t, &mid, &mt)) {
							if (mid == 4 && mt == T_I32) {
								int cc = (int)tin_zigzag(t);
								if (c == 0)
									codec = cc;
								if (col)
									col->codec = cc;
							} else if (col && mt == T_I64 &&
								   (mid == 7 || mid == 9 || mid == 11)) {
								int64_t v = tin_zigzag(t);
								if (mid == 7)
									col->size = v;
								else if (mid == 9)
									col->data_off = v;
								else
									col->dict_off = v;
							} else {
								tin_skip(t, mt, 2);
							}
						}
						if (col) {
							col->chunk = true;
							m->nchunks = c + 1;
						}
					} else {
						tin_skip(t, ct, 2);
					}
					if (t->bad)
						break;
				}
			}
		} else if (id == 2 && type == T_I64) {
			bytes = tin_zigzag(t);
		} else if (id == 3 && type == T_I64) {
			rows = tin_zigzag(t);
			if (m && index == 0)
				m->rows0 = rows;
		} else {
			tin_skip(t, type, 1);
		}
		if (t->bad)
			return;
	}
	if (show) {
		char size[32] = "?";
		if (bytes >= 0)
			pv_size((uint64_t)bytes, size);
		pv_addf(p, "  %zu: %lld rows, %llu columns, %s, %s", index, (long long)rows,
			(unsigned long long)ncols, size, codec >= 0 ? NAME(codec_names, codec) : "?");
	}
}

bool pq_footer(ui_preview *p, const unsigned char *meta, size_t len, pq_meta *m)
{
	tin t = {meta, meta + len, false};
	int id = 0, type;
	int64_t rows = -1;
	char *created = NULL;
	size_t first = p->nlines, groups = 0;

	if (m)
		*m = (pq_meta){.rows0 = -1, .decodable = true};
	pv_add(p, xstrdup("Parquet")); /* replaced below */
	while (!t.bad && tin_field(&t, &id, &type)) {
		if (id == 2 && type == T_LIST) {
			int et, nchild;
			uint64_t n = tin_list(&t, &et);
			if (et != T_STRUCT && n) {
				t.bad = true;
				break;
			}
			int stack[TIN_DEPTH + 1], depth = -1; /* children left at each level */
			pq_anc anc[TIN_DEPTH + 2], self;      /* the group at each level */
			pv_add(p, xstrdup("schema:"));
			for (uint64_t i = 0; i < n && !t.bad; i++) {
				while (depth >= 0 && stack[depth] == 0)
					depth--;
				if (i && depth < 0) { /* more elements than the root holds */
					t.bad = true;
					break;
				}
				/* the root (the first) has no line of its own */
				schema_element(p, &t, &nchild, i && i < PQ_COLUMNS ? depth : -1, m, i == 0,
					       depth >= 0 ? &anc[depth] : NULL, &self);
				if (depth >= 0)
					stack[depth]--;
				if (nchild > 0) {
					if (depth + 1 > TIN_DEPTH) {
						t.bad = true;
						break;
					}
					stack[++depth] = nchild;
					anc[depth] = self;
				}
			}
			if (n > PQ_COLUMNS)
				pv_addf(p, "  (the first %d columns)", PQ_COLUMNS);
		} else if (id == 3 && type == T_I64) {
			rows = tin_zigzag(&t);
		} else if (id == 4 && type == T_LIST) {
			int et;
			uint64_t n = tin_list(&t, &et);
			if (et != T_STRUCT && n) {
				t.bad = true;
				break;
			}
			pv_add(p, xstrdup("row groups:"));
			for (uint64_t i = 0; i < n && !t.bad; i++)
				row_group(p, &t, (size_t)i, i < PQ_GROUPS, m);
			if (n > PQ_GROUPS)
				pv_addf(p, "  (the first %d row groups)", PQ_GROUPS);
			groups = (size_t)n;
		} else if (id == 6 && type == T_BINARY && !created) {
			created = tin_binary(&t);
		} else {
			tin_skip(&t, type, 0);
		}
	}
	free(p->lines[first]);
	char nrows[32] = "?";
	if (rows >= 0)
		snprintf(nrows, sizeof(nrows), "%lld", (long long)rows);
	p->lines[first] = xasprintf("Parquet: %s rows in %zu row group%s%s%s", nrows, groups,
				    groups == 1 ? "" : "s", created ? ", written by " : "",
				    created ? created : "");
	free(created);
	if (t.bad)
		pv_add(p, xstrdup("damaged Parquet footer: it ends or nests where it should not"));
	p->truncated = false;
	return !t.bad;
}

/* The first rows of the first row group: its column chunks read in one request (or none). */
static void first_rows(ui_preview *p, pv_src *s, const pq_meta *m, const unsigned char *tail,
		       uint64_t toff, size_t tlen)
{
	uint64_t start = UINT64_MAX, stop = 0;

	for (size_t i = 0; i < m->ncols; i++) {
		const pq_column *c = &m->col[i];
		int64_t a = c->dict_off > 0 && c->dict_off < c->data_off ? c->dict_off : c->data_off;
		if (a < 4 || c->size <= 0 || (uint64_t)a >= s->size || (uint64_t)c->size > s->size - (uint64_t)a) {
			pv_add(p, xstrdup("damaged Parquet footer: a column chunk lies outside the file"));
			return;
		}
		if ((uint64_t)a < start)
			start = (uint64_t)a;
		if ((uint64_t)(a + c->size) > stop)
			stop = (uint64_t)(a + c->size);
	}
	if (stop - start > PQ_ROWS_READ)
		stop = start + PQ_ROWS_READ;
	size_t len = (size_t)(stop - start);
	if (start >= toff) { /* within the last 64 KiB, already read */
		pq_rows(p, m, tail + (start - toff), len, start);
		return;
	}
	unsigned char *buf = xmalloc(len);
	if (pv_read(s, start, buf, len) < 0)
		pv_addf(p, "rows not read: %s", pv_error());
	else
		pq_rows(p, m, buf, len, start);
	free(buf);
	(void)tlen;
}

bool pv_parquet(ui_preview *p, pv_src *s)
{
	unsigned char tail[8];

	pv_type(p, "application/vnd.apache.parquet", "Parquet");
	if (s->size < 12) {
		pv_add(p, xstrdup("damaged Parquet file: too short"));
		return true;
	}
	/* the last 64 KiB in one request holds most footers */
	uint64_t toff = s->size > PV_HEAD ? s->size - PV_HEAD : 0;
	size_t tlen = (size_t)(s->size - toff);
	unsigned char *end = xmalloc(tlen);
	if (pv_read(s, toff, end, tlen) < 0) {
		pv_addf(p, "Parquet file could not be read: %s", pv_error());
		free(end);
		return true;
	}
	memcpy(tail, end + tlen - 8, 8);
	uint32_t mlen = tail[0] | (uint32_t)tail[1] << 8 | (uint32_t)tail[2] << 16 | (uint32_t)tail[3] << 24;
	if (memcmp(tail + 4, "PAR1", 4) || mlen > s->size - 12 || mlen > PQ_FOOTER_MAX) {
		pv_add(p, xstrdup(memcmp(tail + 4, "PAR1", 4) ? "damaged Parquet file: no PAR1 at its end"
							       : "damaged Parquet file: the footer length is wrong"));
		free(end);
		return true;
	}
	unsigned char *meta;
	if (mlen <= tlen - 8) {
		meta = xmalloc(mlen ? mlen : 1);
		memcpy(meta, end + tlen - 8 - mlen, mlen);
	} else {
		meta = xmalloc(mlen);
		if (pv_read(s, s->size - 8 - mlen, meta, mlen) < 0) {
			pv_addf(p, "Parquet file could not be read: %s", pv_error());
			free(meta);
			free(end);
			return true;
		}
	}
	pq_meta m;
	bool ok = pq_footer(p, meta, mlen, &m);
	free(meta);
	if (ok && m.decodable && m.ncols && m.nchunks == m.ncols && m.rows0 > 0 &&
	    mlen <= tlen - 8) /* the footer took one read: the rows may take the third */
		first_rows(p, s, &m, end, toff, tlen);
	else if (ok && m.ncols)
		pv_add(p, xstrdup(m.decodable ? "(rows not shown: no rows, or a footer over 64 KiB)"
					      : "(rows not shown: lists within lists, or too many columns)"));
	pq_meta_release(&m);
	free(end);
	return true;
}

void pq_meta_release(pq_meta *m)
{
	for (size_t i = 0; i < m->ncols; i++)
		free(m->col[i].name);
	m->ncols = 0;
}
