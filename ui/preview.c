/*
 * preview.c - renders the first bytes of a file as lines of text, chosen by
 * libmagic's MIME type and encoding: text, CSV/TSV as aligned columns, JSON
 * pretty-printed, archives and other binaries described with a hex dump.
 * No curses here: lines are drawn (escaped) by the preview pane.
 */
#include "config.h"

#include <cjson/cJSON.h>
#include <magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "util.h"

#define HEX_BYTES 512
#define CSV_ROWS 500
#define CSV_COL_MAX 40

static magic_t cookie_mime, cookie_text; /* one preview renders at a time (ui/reads.c) */

static const char *magic_of(magic_t *cookie, int flags, const unsigned char *buf, size_t len)
{
	if (!*cookie) {
		*cookie = magic_open(flags);
		if (*cookie && magic_load(*cookie, NULL) != 0) {
			magic_close(*cookie);
			*cookie = NULL;
		}
	}
	const char *r = *cookie ? magic_buffer(*cookie, buf, len) : NULL;
	return r ? r : "unknown";
}

void preview_shown_bytes(ui_preview *p, size_t len)
{
	if (len % 1024 == 0)
		snprintf(p->shown, sizeof(p->shown), "first %zu KiB", len / 1024);
	else
		snprintf(p->shown, sizeof(p->shown), "first %zu bytes", len);
}

char *preview_escape(const char *s)
{
	char *esc = vds_display_escape(s), *w = esc;

	for (const char *r = esc; *r; r++) { /* "\\" back to "\": a backslash is itself here */
		*w++ = *r;
		if (r[0] == '\\' && r[1] == '\\')
			r++;
	}
	*w = '\0';
	return esc;
}

static void add_line(ui_preview *p, char *line)
{
	p->lines = xrealloc(p->lines, (p->nlines + 1) * sizeof(*p->lines));
	p->lines[p->nlines++] = line;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcasecmp(s + n - m, suffix);
}

/* Splits text into lines, expanding tabs; a NUL ends the text. */
static void render_text(ui_preview *p, const char *buf, size_t len)
{
	strbuf sb = STRBUF_INIT;
	size_t col = 0;

	for (size_t i = 0; i < len && buf[i]; i++) {
		char c = buf[i];
		if (c == '\n') {
			add_line(p, sb_detach(&sb, NULL));
			col = 0;
		} else if (c == '\t') {
			do
				sb_addc(&sb, ' ');
			while (++col % 8);
		} else if (c != '\r' || (i + 1 < len && buf[i + 1] != '\n')) {
			sb_addc(&sb, c);
			if (((unsigned char)c & 0xc0) != 0x80)
				col++;
		}
	}
	if (sb.len)
		add_line(p, sb_detach(&sb, NULL));
	sb_release(&sb);
}

/* Splits one CSV/TSV record starting at *pos into fields (quotes for CSV). */
static size_t split_record(const char *buf, size_t len, size_t *pos, char sep, char ***fields)
{
	size_t n = 0, i = *pos;
	strbuf f = STRBUF_INIT;
	bool quoted = false, ended = false;

	*fields = NULL;
	for (; i < len; i++) {
		char c = buf[i];
		if (quoted) {
			if (c == '"' && i + 1 < len && buf[i + 1] == '"')
				sb_addc(&f, buf[++i]);
			else if (c == '"')
				quoted = false;
			else
				sb_addc(&f, c);
			continue;
		}
		if (c == '"' && sep == ',' && f.len == 0) {
			quoted = true;
		} else if (c == sep || c == '\n') {
			*fields = xrealloc(*fields, (n + 1) * sizeof(**fields));
			if (f.len && f.buf[f.len - 1] == '\r')
				f.buf[--f.len] = '\0';
			(*fields)[n++] = sb_detach(&f, NULL);
			if (c == '\n') {
				i++;
				ended = true;
				break;
			}
		} else {
			sb_addc(&f, c);
		}
	}
	if (!ended && (f.len || n)) { /* the last field of a record without a newline */
		*fields = xrealloc(*fields, (n + 1) * sizeof(**fields));
		(*fields)[n++] = sb_detach(&f, NULL);
	}
	sb_release(&f);
	*pos = i;
	return n;
}

static void render_table(ui_preview *p, const char *buf, size_t len, char sep)
{
	char ***rows = NULL;
	size_t *counts = NULL, nrows = 0, ncols = 0, pos = 0, width[64] = {0};

	while (pos < len && nrows < CSV_ROWS) {
		char **f;
		size_t n = split_record(buf, len, &pos, sep, &f);
		if (!n) {
			free(f);
			continue;
		}
		rows = xrealloc(rows, (nrows + 1) * sizeof(*rows));
		counts = xrealloc(counts, (nrows + 1) * sizeof(*counts));
		rows[nrows] = f;
		counts[nrows++] = n;
		if (n > ncols)
			ncols = n;
	}
	if (ncols > 64)
		ncols = 64;
	for (size_t r = 0; r < nrows; r++)
		for (size_t c = 0; c < counts[r] && c < ncols; c++) {
			char *esc = preview_escape(rows[r][c]);
			size_t w = vds_display_width(esc);
			free(esc);
			if (w > width[c])
				width[c] = w > CSV_COL_MAX ? CSV_COL_MAX : w;
		}
	/* cells stay raw (the pane escapes them once); widths are those of the escaped text */
	for (size_t r = 0; r < nrows; r++) {
		strbuf sb = STRBUF_INIT;
		for (size_t c = 0; c < ncols; c++) {
			char *cell = xstrdup(c < counts[r] ? rows[r][c] : "");
			char *esc = preview_escape(cell);
			size_t w = vds_display_width(esc), keep = strlen(cell);
			/* cut over-long cells at a character boundary */
			while (w > width[c] && keep > 0) {
				do
					keep--;
				while (keep > 0 && ((unsigned char)cell[keep] & 0xc0) == 0x80);
				cell[keep] = '\0';
				free(esc);
				esc = preview_escape(cell);
				w = vds_display_width(esc);
			}
			if (c)
				sb_adds(&sb, " | ");
			sb_adds(&sb, cell);
			if (c + 1 < ncols)
				for (; w < width[c]; w++)
					sb_addc(&sb, ' ');
			free(esc);
			free(cell);
		}
		add_line(p, sb_detach(&sb, NULL));
		if (r == 0) { /* the header row */
			strbuf rule = STRBUF_INIT;
			for (size_t c = 0; c < ncols; c++) {
				if (c)
					sb_adds(&rule, "-+-");
				for (size_t k = 0; k < width[c]; k++)
					sb_addc(&rule, '-');
			}
			add_line(p, sb_detach(&rule, NULL));
		}
		sb_release(&sb);
	}
	for (size_t r = 0; r < nrows; r++) {
		for (size_t c = 0; c < counts[r]; c++)
			free(rows[r][c]);
		free(rows[r]);
	}
	free(rows);
	free(counts);
	p->header = nrows ? 2 : 0;
	if (pos < len || p->truncated)
		snprintf(p->shown, sizeof(p->shown), "first %zu row%s", nrows, nrows == 1 ? "" : "s");
}

static bool render_json(ui_preview *p, const char *buf, size_t len)
{
	cJSON *j = cJSON_ParseWithLength(buf, len);

	if (!j)
		return false;
	char *text = cJSON_Print(j);
	strbuf sb = STRBUF_INIT;
	cJSON_Delete(j);
	/* cJSON indents with tabs: two spaces a level, one after a colon */
	for (const char *c = text; *c; c++) {
		bool leading = c == text || c[-1] == '\n';
		if (*c == '\t' && leading) {
			for (; *c == '\t'; c++)
				sb_adds(&sb, "  ");
			c--;
		} else {
			sb_addc(&sb, *c == '\t' ? ' ' : *c);
		}
	}
	render_text(p, sb.buf, sb.len);
	sb_release(&sb);
	cJSON_free(text);
	return true;
}

static void render_hex(ui_preview *p, const unsigned char *buf, size_t len)
{
	bool cut = p->truncated || len > HEX_BYTES;

	if (len > HEX_BYTES)
		len = HEX_BYTES;
	if (cut)
		snprintf(p->shown, sizeof(p->shown), "first %zu bytes", len);
	for (size_t off = 0; off < len; off += 16) {
		strbuf sb = STRBUF_INIT;
		sb_addf(&sb, "%08zx  ", off);
		for (size_t i = 0; i < 16; i++) {
			if (off + i < len)
				sb_addf(&sb, "%02x ", buf[off + i]);
			else
				sb_adds(&sb, "   ");
			if (i == 7)
				sb_addc(&sb, ' ');
		}
		sb_adds(&sb, " |");
		for (size_t i = 0; i < 16 && off + i < len; i++)
			sb_addc(&sb, buf[off + i] >= 0x20 && buf[off + i] < 0x7f && buf[off + i] != '\\'
					     ? (char)buf[off + i]
					     : '.');
		sb_addc(&sb, '|');
		add_line(p, sb_detach(&sb, NULL));
	}
}

void preview_render(ui_preview *p, const char *name, const unsigned char *buf, size_t len,
		    unsigned long long size)
{
	memset(p, 0, sizeof(*p));
	p->truncated = size > len;
	if (len == 0) {
		p->mime = xstrdup("inode/x-empty");
		p->describe = xstrdup("empty");
		add_line(p, xstrdup("(empty file)"));
		return;
	}
	p->mime = xstrdup(magic_of(&cookie_mime, MAGIC_MIME, buf, len));
	p->describe = xstrdup(magic_of(&cookie_text, MAGIC_NONE, buf, len));
	const char *m = p->mime, *text = (const char *)buf;
	bool binary = strstr(m, "charset=binary") != NULL;

	if (!binary && (!strncmp(m, "application/json", 16) || ends_with(name, ".json")) &&
	    !p->truncated && render_json(p, text, len))
		return;
	if (!binary && (!strncmp(m, "text/csv", 8) || ends_with(name, ".csv"))) {
		render_table(p, text, len, ',');
		return;
	}
	if (!binary && (!strncmp(m, "text/tab-separated-values", 25) || ends_with(name, ".tsv"))) {
		render_table(p, text, len, '\t');
		return;
	}
	if (!binary) {
		render_text(p, text, len);
		if (p->truncated)
			preview_shown_bytes(p, len);
		return;
	}
	add_line(p, xstrdup(p->describe));
	add_line(p, xstrdup(""));
	render_hex(p, buf, len);
}

void preview_table(ui_preview *p, const char *buf, size_t len, char sep)
{
	render_table(p, buf, len, sep);
}

void preview_release(ui_preview *p)
{
	for (size_t i = 0; i < p->nlines; i++)
		free(p->lines[i]);
	free(p->lines);
	free(p->mime);
	free(p->describe);
	free(p->graphics);
	memset(p, 0, sizeof(*p));
}
