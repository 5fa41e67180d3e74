/*
 * text.c - texts the plain renderers of ui/preview.c would show wrongly:
 * UTF-16 (with a byte order mark) and Latin-1 decoded through iconv, CSV
 * with a sniffed delimiter (, ; | or tab), JSON lines as a table of their
 * keys, and JSON longer than the head pretty-printed as far as it was read.
 * The head only: no further request.
 */
#include "config.h"

#include <cjson/cJSON.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

#include "pv.h"
#include "util.h"

#define JSONL_COLS 32
#define JSONL_ROWS 500

/* BUF (LEN bytes) converted from charset FROM to UTF-8 (*OUTLEN bytes); NULL if iconv cannot. */
static char *to_utf8(const char *from, const unsigned char *buf, size_t len, size_t *outlen)
{
	iconv_t cd = iconv_open("UTF-8", from);

	if (cd == (iconv_t)-1)
		return NULL;
	size_t cap = len * 2 + 4, left = cap;
	char *out = xmalloc(cap), *o = out, *in = (char *)buf;
	size_t inleft = len;
	while (inleft && iconv(cd, &in, &inleft, &o, &left) == (size_t)-1) {
		if (inleft < 2)
			break; /* a character cut by the end of what was read */
		/* an invalid sequence: shown as U+FFFD, then on */
		if (left < 3)
			break;
		memcpy(o, "\xef\xbf\xbd", 3);
		o += 3, left -= 3;
		in += 2, inleft -= 2;
	}
	iconv_close(cd);
	*outlen = (size_t)(o - out);
	return out;
}

/* Renders converted text, keeping the type libmagic gave. */
static void render_converted(ui_preview *p, pv_src *s, const char *mime, const char *note, char *text,
			     size_t len)
{
	preview_render(p, s->name, (const unsigned char *)text, len, s->size > s->headlen ? len + 1 : len);
	free(p->mime);
	p->mime = xstrdup(mime);
	pv_add(p, NULL);
	memmove(p->lines + 1, p->lines, (p->nlines - 1) * sizeof(*p->lines));
	p->lines[0] = xstrdup(note);
}

/* The delimiter of the CSV-like text BUF: the one found as often on each of its first lines. */
static char sniff_delimiter(const char *buf, size_t len)
{
	static const char cand[] = ",;|\t";
	size_t best = 0;
	char sep = ',';

	for (const char *c = cand; *c; c++) {
		size_t first = 0, lines = 0, i = 0;
		bool same = true, quoted = false;
		while (i < len && lines < 5) {
			size_t count = 0;
			for (; i < len && (quoted || buf[i] != '\n'); i++) {
				if (buf[i] == '"')
					quoted = !quoted;
				else if (!quoted && buf[i] == *c)
					count++;
			}
			if (i >= len && lines)
				break; /* a line cut by the end of the head */
			i++;
			if (!lines)
				first = count;
			else if (count != first)
				same = false;
			lines++;
		}
		if (same && first > best) {
			best = first;
			sep = *c;
		}
	}
	return sep;
}

/* JSON lines as a table: one column per key (first seen first), one row per line. */
static bool render_jsonl(ui_preview *p, pv_src *s, const char *mime)
{
	const char *buf = (const char *)s->head, *end = buf + s->headlen;
	char *keys[JSONL_COLS];
	size_t nkeys = 0, nrows = 0;
	cJSON *rows[JSONL_ROWS];

	for (const char *l = buf; l < end && nrows < JSONL_ROWS;) {
		const char *nl = memchr(l, '\n', (size_t)(end - l));
		if (!nl && s->size > s->headlen)
			break; /* cut by the end of the head */
		size_t n = nl ? (size_t)(nl - l) : (size_t)(end - l);
		cJSON *j = cJSON_ParseWithLength(l, n);
		if (!cJSON_IsObject(j)) {
			cJSON_Delete(j);
			if (n && !(n == 1 && *l == '\r')) {
				for (size_t i = 0; i < nrows; i++)
					cJSON_Delete(rows[i]);
				return false;
			}
		} else {
			cJSON *k;
			cJSON_ArrayForEach(k, j)
			{
				size_t i = 0;
				while (i < nkeys && strcmp(keys[i], k->string))
					i++;
				if (i == nkeys && nkeys < JSONL_COLS)
					keys[nkeys++] = k->string;
			}
			rows[nrows++] = j;
		}
		l = nl ? nl + 1 : end;
	}
	if (!nrows)
		return false;
	strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < nkeys; i++) {
		if (i)
			sb_addc(&sb, ',');
		pv_csv_cell(&sb, keys[i]);
	}
	sb_addc(&sb, '\n');
	for (size_t r = 0; r < nrows; r++) {
		for (size_t i = 0; i < nkeys; i++) {
			cJSON *v = cJSON_GetObjectItemCaseSensitive(rows[r], keys[i]);
			if (i)
				sb_addc(&sb, ',');
			if (cJSON_IsString(v)) {
				pv_csv_cell(&sb, v->valuestring);
			} else if (v) {
				char *t = cJSON_PrintUnformatted(v);
				pv_csv_cell(&sb, t ? t : "?");
				cJSON_free(t);
			}
		}
		sb_addc(&sb, '\n');
	}
	char *table = sb_detach(&sb, NULL);
	for (size_t r = 0; r < nrows; r++)
		cJSON_Delete(rows[r]); /* the keys lived in them: the table is written */
	p->truncated = s->size > s->headlen;
	pv_type(p, mime, "JSON lines");
	pv_addf(p, "JSON lines: %zu record%s%s", nrows, nrows == 1 ? "" : "s",
		p->truncated ? " read" : "");
	preview_table(p, table, strlen(table), ',');
	free(table);
	return true;
}

/* JSON longer than the head, pretty-printed as far as it was read. */
static void render_json_stream(ui_preview *p, pv_src *s, const char *mime)
{
	const char *b = (const char *)s->head;
	size_t len = s->headlen, depth = 0;
	strbuf sb = STRBUF_INIT;

	pv_type(p, mime, "JSON");
	p->truncated = true;
	preview_shown_bytes(p, len);
	pv_add(p, xstrdup("JSON, pretty-printed as far as it was read:"));
#define NEWLINE()                                                  \
	do {                                                       \
		if (sb.len)                                        \
			pv_add(p, sb_detach(&sb, NULL));           \
		for (size_t d_ = 0; d_ < depth && d_ < 64; d_++)   \
			sb_adds(&sb, "  ");                        \
	} while (0)
	for (size_t i = 0; i < len && b[i]; i++) {
		char c = b[i];
		if (c == '"') {
			size_t j = i + 1;
			while (j < len && b[j] != '"')
				j += b[j] == '\\' ? 2 : 1;
			if (j >= len)
				j = len - 1;
			sb_add(&sb, b + i, j - i + 1);
			i = j;
		} else if (c == '{' || c == '[') {
			sb_addc(&sb, c);
			depth++;
			NEWLINE();
		} else if (c == '}' || c == ']') {
			depth = depth ? depth - 1 : 0;
			NEWLINE();
			sb_addc(&sb, c);
		} else if (c == ',') {
			sb_addc(&sb, c);
			NEWLINE();
		} else if (c == ':') {
			sb_adds(&sb, ": ");
		} else if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
			sb_addc(&sb, c);
		}
	}
#undef NEWLINE
	if (sb.len)
		pv_add(p, sb_detach(&sb, NULL));
	sb_release(&sb);
	pv_add(p, xstrdup("(the rest was not read)"));
}

bool pv_text(ui_preview *p, pv_src *s, const char *mime)
{
	const unsigned char *h = s->head;
	size_t n = s->headlen, outlen;
	char *t;

	if (n >= 2 && ((h[0] == 0xff && h[1] == 0xfe) || (h[0] == 0xfe && h[1] == 0xff)) &&
	    (t = to_utf8(h[0] == 0xff ? "UTF-16LE" : "UTF-16BE", h + 2, n - 2, &outlen))) {
		render_converted(p, s, mime, h[0] == 0xff ? "(decoded from UTF-16LE)" : "(decoded from UTF-16BE)",
				 t, outlen);
		free(t);
		return true;
	}
	if (strstr(mime, "charset=binary"))
		return false;
	if (strstr(mime, "charset=iso-8859-1") && (t = to_utf8("ISO-8859-1", h, n, &outlen))) {
		render_converted(p, s, mime, "(decoded from Latin-1)", t, outlen);
		free(t);
		return true;
	}
	if ((pv_ends(s->name, ".jsonl") || pv_ends(s->name, ".ndjson") ||
	     !strncmp(mime, "application/x-ndjson", 20)) &&
	    render_jsonl(p, s, mime))
		return true;
	if (s->size > n && (pv_ends(s->name, ".json") || !strncmp(mime, "application/json", 16))) {
		render_json_stream(p, s, mime);
		return true;
	}
	if (pv_ends(s->name, ".csv") || pv_ends(s->name, ".psv") || !strncmp(mime, "text/csv", 8)) {
		char sep = sniff_delimiter((const char *)h, n);
		preview_render(p, s->name, h, n, s->size); /* for its type lines */
		for (size_t i = 0; i < p->nlines; i++)
			free(p->lines[i]);
		p->nlines = 0;
		preview_table(p, (const char *)h, n, sep);
		return true;
	}
	return false;
}
