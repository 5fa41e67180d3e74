/* table.c - boxed tables and safe display of untrusted text. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "cli.h"
#include "util.h"

/* Length of the valid UTF-8 sequence at S (printable), or 0. */
static int utf8_seq(const unsigned char *s, uint32_t *cp)
{
	int n = *s < 0x80 ? 1 : (*s & 0xe0) == 0xc0 ? 2 : (*s & 0xf0) == 0xe0 ? 3
			  : (*s & 0xf8) == 0xf0 ? 4 : 0;
	if (n == 0 || (n == 2 && *s < 0xc2) || (n == 4 && *s > 0xf4))
		return 0;
	uint32_t c = n == 1 ? *s : (uint32_t)(*s & (0x7f >> n));
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

char *cli_escape(const char *s)
{
	strbuf sb = STRBUF_INIT;
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	sb_grow(&sb, strlen((const char *)p));
	while (*p) {
		uint32_t cp;
		int n = utf8_seq(p, &cp);

		if (n == 0 || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
			sb_addf(&sb, "\\x%02x", *p);
			p++;
		} else if (cp == '\\') {
			sb_adds(&sb, "\\\\");
			p++;
		} else {
			sb_add(&sb, p, (size_t)n);
			p += n;
		}
	}
	return sb_detach(&sb, NULL);
}

size_t cli_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t w = 0;

	while (*p) {
		uint32_t cp;
		int n = utf8_seq(p, &cp);

		if (n == 0) {
			w++;
			p++;
			continue;
		}
		int cw = wcwidth((wchar_t)cp);
		w += cw < 0 ? 1 : (size_t)cw;
		p += n;
	}
	return w;
}

struct table {
	int ncols;
	char **cells; /* escaped, row-major; the first row is the header */
	size_t nrows, cap;
};

static void add_row(table *t, va_list ap)
{
	if (t->nrows == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->cells = xrealloc(t->cells, t->cap * (size_t)t->ncols * sizeof(*t->cells));
	}
	for (int i = 0; i < t->ncols; i++)
		t->cells[t->nrows * (size_t)t->ncols + (size_t)i] = cli_escape(va_arg(ap, const char *));
	t->nrows++;
}

table *table_new(int ncols, ...)
{
	table *t = xcalloc(1, sizeof(*t));
	va_list ap;

	t->ncols = ncols;
	va_start(ap, ncols);
	add_row(t, ap);
	va_end(ap);
	return t;
}

void table_row(table *t, ...)
{
	va_list ap;

	va_start(ap, t);
	add_row(t, ap);
	va_end(ap);
}

void table_rule(const size_t *w, int n)
{
	for (int i = 0; i < n; i++) {
		putchar('+');
		for (size_t k = 0; k < w[i] + 2; k++)
			putchar('-');
	}
	puts("+");
}

void table_cells(const size_t *w, int n, char *const *c)
{
	for (int i = 0; i < n; i++) {
		printf("| %s", c[i]);
		for (size_t k = cli_width(c[i]); k < w[i] + 1; k++)
			putchar(' ');
	}
	puts("|");
}

void table_print(table *t)
{
	size_t *w = xcalloc((size_t)t->ncols, sizeof(*w));

	for (size_t r = 0; r < t->nrows; r++)
		for (int i = 0; i < t->ncols; i++) {
			size_t cw = cli_width(t->cells[r * (size_t)t->ncols + (size_t)i]);
			if (cw > w[i])
				w[i] = cw;
		}
	table_rule(w, t->ncols);
	for (size_t r = 0; r < t->nrows; r++) {
		table_cells(w, t->ncols, &t->cells[r * (size_t)t->ncols]);
		if (r == 0)
			table_rule(w, t->ncols);
	}
	table_rule(w, t->ncols);
	for (size_t i = 0; i < t->nrows * (size_t)t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(w);
	free(t);
}
