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
#include "util.h"

#define PQ_FOOTER_MAX (16u << 20)
#define PQ_DEPTH 32      /* nesting of Thrift structures followed */
#define PQ_COLUMNS 1000  /* schema elements shown */
#define PQ_GROUPS 100    /* row groups shown */

/* Thrift compact types */
enum { T_STOP, T_TRUE, T_FALSE, T_BYTE, T_I16, T_I32, T_I64, T_DOUBLE, T_BINARY, T_LIST, T_SET, T_MAP, T_STRUCT };

typedef struct tin {
	const unsigned char *p, *end;
	bool bad;
} tin;

static uint64_t varint(tin *t)
{
	uint64_t v = 0;

	for (int shift = 0; shift < 64; shift += 7) {
		if (t->p >= t->end) {
			t->bad = true;
			return 0;
		}
		unsigned char b = *t->p++;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
	}
	t->bad = true;
	return 0;
}

static int64_t zigzag(tin *t)
{
	uint64_t v = varint(t);

	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* Reads a field header: false at STOP (or when damaged). */
static bool field(tin *t, int *id, int *type)
{
	if (t->p >= t->end) {
		t->bad = true;
		return false;
	}
	unsigned char b = *t->p++;
	*type = b & 0x0f;
	if (*type == T_STOP)
		return false;
	if (b >> 4)
		*id += b >> 4;
	else
		*id = (int)zigzag(t);
	return !t->bad;
}

/* Reads a list header: its element count and type. */
static uint64_t list_head(tin *t, int *etype)
{
	if (t->p >= t->end) {
		t->bad = true;
		return 0;
	}
	unsigned char b = *t->p++;
	uint64_t n = b >> 4;
	*etype = b & 0x0f;
	if (n == 15)
		n = varint(t);
	if (n > (uint64_t)(t->end - t->p)) /* every element takes a byte at least */
		t->bad = true;
	return t->bad ? 0 : n;
}

static void skip(tin *t, int type, int depth);

static void skip_struct(tin *t, int depth)
{
	int id = 0, type;

	if (depth > PQ_DEPTH) {
		t->bad = true;
		return;
	}
	while (!t->bad && field(t, &id, &type))
		skip(t, type, depth + 1);
}

static void skip(tin *t, int type, int depth)
{
	int et;
	uint64_t n;

	if (t->bad)
		return;
	switch (type) {
	case T_TRUE:
	case T_FALSE: break;
	case T_BYTE:
		if (t->p >= t->end)
			t->bad = true;
		else
			t->p++;
		break;
	case T_I16:
	case T_I32:
	case T_I64: varint(t); break;
	case T_DOUBLE:
		if (t->end - t->p < 8)
			t->bad = true;
		else
			t->p += 8;
		break;
	case T_BINARY:
		n = varint(t);
		if (n > (uint64_t)(t->end - t->p))
			t->bad = true;
		else
			t->p += n;
		break;
	case T_LIST:
	case T_SET:
		n = list_head(t, &et);
		for (uint64_t i = 0; i < n && !t->bad; i++)
			skip(t, et == T_TRUE || et == T_FALSE ? T_BYTE : et, depth + 1);
		break;
	case T_MAP:
		n = varint(t);
		if (n) {
			if (t->p >= t->end || n > (uint64_t)(t->end - t->p)) {
				t->bad = true;
				break;
			}
			unsigned char kv = *t->p++;
			for (uint64_t i = 0; i < n && !t->bad; i++) {
				skip(t, kv >> 4, depth + 1);
				skip(t, kv & 0x0f, depth + 1);
			}
		}
		break;
	case T_STRUCT: skip_struct(t, depth); break;
	default: t->bad = true;
	}
}

static char *binary(tin *t)
{
	uint64_t n = varint(t);

	if (t->bad || n > (uint64_t)(t->end - t->p)) {
		t->bad = true;
		return xstrdup("");
	}
	char *s = xstrndup((const char *)t->p, (size_t)n);
	t->p += n;
	return s;
}

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

/* One SchemaElement: a line of the schema, indented by its depth in the tree. */
static void schema_element(ui_preview *p, tin *t, int *children, int depth)
{
	int id = 0, type, ptype = -1, rep = -1, conv = -1, nchild = 0;
	int64_t len = 0;
	char *name = NULL;

	while (field(t, &id, &type)) {
		if (id == 1 && type == T_I32)
			ptype = (int)zigzag(t);
		else if (id == 2 && type == T_I32)
			len = zigzag(t);
		else if (id == 3 && type == T_I32)
			rep = (int)zigzag(t);
		else if (id == 4 && type == T_BINARY && !name)
			name = binary(t);
		else if (id == 5 && type == T_I32)
			nchild = (int)zigzag(t);
		else if (id == 6 && type == T_I32)
			conv = (int)zigzag(t);
		else
			skip(t, type, 1);
		if (t->bad)
			break;
	}
	*children = nchild < 0 ? 0 : nchild;
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
static void row_group(ui_preview *p, tin *t, size_t index, bool show)
{
	int id = 0, type, codec = -1;
	int64_t rows = -1, bytes = -1;
	uint64_t ncols = 0;

	while (field(t, &id, &type)) {
		if (id == 1 && type == T_LIST) {
			int et;
			ncols = list_head(t, &et);
			for (uint64_t c = 0; c < ncols && !t->bad; c++) {
				if (et != T_STRUCT) {
					skip(t, et, 1);
					continue;
				}
				int cid = 0, ct; /* ColumnChunk: 3 is its ColumnMetaData, 4 in that the codec */
				while (field(t, &cid, &ct)) {
					if (cid == 3 && ct == T_STRUCT) {
						int mid = 0, mt;
						while (field(t, &mid, &mt)) {
							if (mid == 4 && mt == T_I32 && c == 0)
								codec = (int)zigzag(t);
							else
								skip(t, mt, 2);
						}
					} else {
						skip(t, ct, 2);
					}
					if (t->bad)
						break;
				}
			}
		} else if (id == 2 && type == T_I64) {
			bytes = zigzag(t);
		} else if (id == 3 && type == T_I64) {
			rows = zigzag(t);
		} else {
			skip(t, type, 1);
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

bool pv_parquet_render(ui_preview *p, const unsigned char *meta, size_t len)
{
	tin t = {meta, meta + len, false};
	int id = 0, type;
	int64_t rows = -1;
	char *created = NULL;
	size_t first = p->nlines, groups = 0;

	pv_add(p, xstrdup("Parquet")); /* replaced below */
	while (!t.bad && field(&t, &id, &type)) {
		if (id == 2 && type == T_LIST) {
			int et, nchild;
			uint64_t n = list_head(&t, &et);
			if (et != T_STRUCT && n) {
				t.bad = true;
				break;
			}
			int stack[PQ_DEPTH + 1], depth = -1; /* children left at each level */
			pv_add(p, xstrdup("schema:"));
			for (uint64_t i = 0; i < n && !t.bad; i++) {
				while (depth >= 0 && stack[depth] == 0)
					depth--;
				if (i && depth < 0) { /* more elements than the root holds */
					t.bad = true;
					break;
				}
				/* the root (the first) has no line of its own */
				schema_element(p, &t, &nchild, i && i < PQ_COLUMNS ? depth : -1);
				if (depth >= 0)
					stack[depth]--;
				if (nchild > 0) {
					if (depth + 1 > PQ_DEPTH) {
						t.bad = true;
						break;
					}
					stack[++depth] = nchild;
				}
			}
			if (n > PQ_COLUMNS)
				pv_addf(p, "  (the first %d columns)", PQ_COLUMNS);
		} else if (id == 3 && type == T_I64) {
			rows = zigzag(&t);
		} else if (id == 4 && type == T_LIST) {
			int et;
			uint64_t n = list_head(&t, &et);
			if (et != T_STRUCT && n) {
				t.bad = true;
				break;
			}
			pv_add(p, xstrdup("row groups:"));
			for (uint64_t i = 0; i < n && !t.bad; i++)
				row_group(p, &t, (size_t)i, i < PQ_GROUPS);
			if (n > PQ_GROUPS)
				pv_addf(p, "  (the first %d row groups)", PQ_GROUPS);
			groups = (size_t)n;
		} else if (id == 6 && type == T_BINARY && !created) {
			created = binary(&t);
		} else {
			skip(&t, type, 0);
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
	pv_parquet_render(p, meta, mlen);
	free(meta);
	free(end);
	return true;
}
