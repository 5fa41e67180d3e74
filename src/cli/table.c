/* table.c - boxed tables and safe display of untrusted text. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "util.h"

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
		t->cells[t->nrows * (size_t)t->ncols + (size_t)i] = vds_display_escape(va_arg(ap, const char *));
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
		for (size_t k = vds_display_width(c[i]); k < w[i] + 1; k++)
			putchar(' ');
	}
	puts("|");
}

void table_print(table *t)
{
	size_t *w = xcalloc((size_t)t->ncols, sizeof(*w));

	for (size_t r = 0; r < t->nrows; r++)
		for (int i = 0; i < t->ncols; i++) {
			size_t cw = vds_display_width(t->cells[r * (size_t)t->ncols + (size_t)i]);
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
