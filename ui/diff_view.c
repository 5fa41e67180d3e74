/*
 * diff_view.c - the diff view: mark a version with m, press d on another,
 * and see what changed as a list with A/M/D/R markers (from the two file
 * lists alone); Enter on a text file shows the unified diff of its content.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "util.h"

#define CONTENT_MAX (4 << 20) /* text diffs of files up to this size */
#define NO_NEWLINE "\\ No newline at end of file"

typedef struct change {
	char kind;
	char *a, *b; /* paths, NULL when absent */
	vds_entry ea, eb;
} change;

struct ui_diff {
	char title[128], summary[160];
	char ds_a[VDS_DSID_LEN + 1], ver_a[VDS_VERID_LEN + 1];
	char ds_b[VDS_DSID_LEN + 1], ver_b[VDS_VERID_LEN + 1];
	change *v;
	size_t n, cursor, top;
	char **lines; /* the content diff shown, or NULL */
	size_t nlines, line_top;
};

static void collect(const vds_diff_item *d, void *ud)
{
	ui_diff *df = ud;

	df->v = xrealloc(df->v, (df->n + 1) * sizeof(*df->v));
	change *c = &df->v[df->n++];
	memset(c, 0, sizeof(*c));
	c->kind = (char)d->change;
	if (d->a) {
		c->ea = *d->a;
		c->a = xstrdup(d->a->path);
	}
	if (d->b) {
		c->eb = *d->b;
		c->b = xstrdup(d->b->path);
	}
}

static void free_lines(ui_diff *df)
{
	for (size_t i = 0; i < df->nlines; i++)
		free(df->lines[i]);
	free(df->lines);
	df->lines = NULL;
	df->nlines = df->line_top = 0;
}

void diff_view_free(ui *u)
{
	ui_diff *df = u->diff;

	if (!df)
		return;
	free_lines(df);
	for (size_t i = 0; i < df->n; i++) {
		free(df->v[i].a);
		free(df->v[i].b);
	}
	free(df->v);
	free(df);
	u->diff = NULL;
}

void diff_view_open(ui *u)
{
	vds_tree *ta = NULL, *tb = NULL;
	vds_diff_stats st;

	if (!*u->mark_ver) {
		ui_message(u, true, "mark a version with m first, then press d on another");
		return;
	}
	if (!*u->ver) {
		ui_message(u, true, "select a version to compare with %s:%s", u->mark_ds, u->mark_ver);
		return;
	}
	if (vds_tree_open(u->ctx, u->mark_ds, u->mark_ver, &ta) < 0 ||
	    vds_tree_open(u->ctx, u->ds, u->ver, &tb) < 0) {
		ui_message(u, true, "%s", vds_errmsg());
		vds_tree_free(ta);
		return;
	}
	diff_view_free(u);
	ui_diff *df = u->diff = xcalloc(1, sizeof(*df));
	memcpy(df->ds_a, u->mark_ds, sizeof(df->ds_a));
	memcpy(df->ver_a, u->mark_ver, sizeof(df->ver_a));
	memcpy(df->ds_b, u->ds, sizeof(df->ds_b));
	memcpy(df->ver_b, u->ver, sizeof(df->ver_b));
	if (vds_diff(ta, tb, collect, df, &st) < 0)
		ui_message(u, true, "%s", vds_errmsg());
	snprintf(df->title, sizeof(df->title), "Changes %s:%s -> %s:%s", df->ds_a, df->ver_a, df->ds_b,
		 df->ver_b);
	snprintf(df->summary, sizeof(df->summary),
		 "%llu added, %llu removed, %llu modified, %llu renamed   Enter: content diff   Esc: close",
		 (unsigned long long)st.added, (unsigned long long)st.removed,
		 (unsigned long long)st.modified, (unsigned long long)st.renamed);
	vds_tree_free(ta);
	vds_tree_free(tb);
}

/* Writes LEN bytes read from content SHA of DS to a new temporary file. */
/* Reads the content of E (absent: empty) into a malloc'd buffer. */
static char *content_of(ui *u, const char *ds, const vds_entry *e, bool present, size_t *len)
{
	char *buf = xmalloc(present && e->size ? e->size : 1);

	*len = 0;
	if (present && e->size && vds_content_read(u->ctx, ds, e->sha256, 0, buf, e->size, len) < 0)
		*len = 0;
	return buf;
}

static void add_line(ui_diff *df, char *line)
{
	df->lines = xrealloc(df->lines, (df->nlines + 1) * sizeof(*df->lines));
	df->lines[df->nlines++] = line;
}

/* A copy of LINE with tabs expanded to every eighth column. */
static char *expand_tabs(const char *line)
{
	strbuf sb = STRBUF_INIT;
	size_t col = 0;

	for (const char *p = line; *p; p++) {
		if (*p == '\t') {
			do
				sb_addc(&sb, ' ');
			while (++col % 8);
		} else {
			sb_addc(&sb, *p);
			if (((unsigned char)*p & 0xc0) != 0x80)
				col++;
		}
	}
	return sb_detach(&sb, NULL);
}

static void keep_line(const char *line, void *ud)
{
	add_line(ud, expand_tabs(line));
}

/* Runs diff -u on the two sides of C and keeps its output as lines. */
static void content_diff(ui *u, ui_diff *df, const change *c)
{
	if ((c->a && c->ea.size > CONTENT_MAX) || (c->b && c->eb.size > CONTENT_MAX)) {
		ui_message(u, true, "too large to show as text: compare it with 'vds datasets files diff'");
		return;
	}
	size_t na, nb;
	char *a = content_of(u, df->ds_a, &c->ea, c->a != NULL, &na);
	char *b = content_of(u, df->ds_b, &c->eb, c->b != NULL, &nb);
	char *la = xasprintf("%s:%s/%s", df->ds_a, df->ver_a, c->a ? c->a : c->b);
	char *lb = xasprintf("%s:%s/%s", df->ds_b, df->ver_b, c->b ? c->b : c->a);
	bool any;

	free_lines(df);
	if (vds_text_diff(la, a, na, lb, b, nb, keep_line, df, &any) < 0) {
		ui_message(u, true, "%s", vds_errmsg());
		free_lines(df);
	} else if (!any) { /* diff says nothing when the contents agree */
		add_line(df, xasprintf("--- %s", la));
		add_line(df, xasprintf("+++ %s", lb));
		add_line(df, xstrdup(!c->a ? "(an empty file was added)"
				     : !c->b ? "(an empty file was removed)"
					     : "(the contents are the same)"));
	}
	free(a);
	free(b);
	free(la);
	free(lb);
}

void diff_view_key(ui *u, int key)
{
	ui_diff *df = u->diff;
	enum ui_action a = keys_action(key);
	size_t page = (size_t)(LINES > 6 ? LINES - 6 : 1);

	if (df->lines) { /* the content diff: scroll it, any other key goes back */
		switch (a) {
		case ACT_DOWN: df->line_top++; break;
		case ACT_UP: df->line_top = df->line_top ? df->line_top - 1 : 0; break;
		case ACT_PAGE_DOWN: df->line_top += page; break;
		case ACT_PAGE_UP: df->line_top = df->line_top > page ? df->line_top - page : 0; break;
		case ACT_HOME: df->line_top = 0; break;
		case ACT_END: df->line_top = df->nlines; break;
		default: free_lines(df); break;
		}
		return;
	}
	switch (a) {
	case ACT_DOWN: if (df->cursor + 1 < df->n) df->cursor++; break;
	case ACT_UP: if (df->cursor) df->cursor--; break;
	case ACT_PAGE_DOWN: df->cursor = df->cursor + page < df->n ? df->cursor + page : df->n ? df->n - 1 : 0; break;
	case ACT_PAGE_UP: df->cursor = df->cursor > page ? df->cursor - page : 0; break;
	case ACT_HOME: df->cursor = 0; break;
	case ACT_END: df->cursor = df->n ? df->n - 1 : 0; break;
	case ACT_OPEN:
		if (df->n)
			content_diff(u, df, &df->v[df->cursor]);
		break;
	default:
		if (key == 27 || key == 'q' || a == ACT_DIFF || a == ACT_BACK)
			diff_view_free(u);
		break;
	}
}

void diff_view_draw(ui *u)
{
	ui_diff *df = u->diff;
	int h = LINES - 2, w = COLS, rows = h - 3;
	char line[8400];

	WINDOW *win = ui_overlay(h, w, df->title);
	if (df->lines) {
		if (df->line_top + (size_t)rows > df->nlines)
			df->line_top = df->nlines > (size_t)rows ? df->nlines - (size_t)rows : 0;
		for (int y = 0; y < rows && df->line_top + (size_t)y < df->nlines; y++) {
			const char *l = df->lines[df->line_top + (size_t)y];
			if (!strcmp(l, NO_NEWLINE)) { /* diff's own marker: shown as diff prints it */
				draw_text(win, 1 + y, 1, w - 2, "", A_NORMAL);
				mvwaddnstr(win, 1 + y, 1, l, w - 2);
			} else {
				draw_text(win, 1 + y, 1, w - 2, l, A_NORMAL);
			}
		}
		draw_text(win, h - 2, 1, w - 2,
			  *u->message ? u->message : "j/k PgUp/PgDn: scroll   any other key: back to the list",
			  draw_attr(*u->message && u->message_error ? COL_ERROR : COL_DIM));
	} else {
		if (df->cursor < df->top)
			df->top = df->cursor;
		if (df->cursor >= df->top + (size_t)rows)
			df->top = df->cursor - (size_t)rows + 1;
		if (df->n == 0)
			draw_text(win, 1, 1, w - 2, "(no differences)", draw_attr(COL_DIM));
		for (int y = 0; y < rows && df->top + (size_t)y < df->n; y++) {
			const change *c = &df->v[df->top + (size_t)y];
			attr_t at = df->top + (size_t)y == df->cursor ? draw_attr(COL_SELECT) : A_NORMAL;
			if (c->kind == 'R')
				snprintf(line, sizeof(line), "R  %s -> %s", c->a, c->b);
			else if (c->kind == 'M')
				snprintf(line, sizeof(line), "M  %s  (%llu -> %llu bytes)", c->b,
					 (unsigned long long)c->ea.size, (unsigned long long)c->eb.size);
			else
				snprintf(line, sizeof(line), "%c  %s  (%llu bytes)", c->kind, c->a ? c->a : c->b,
					 (unsigned long long)(c->a ? c->ea.size : c->eb.size));
			draw_text(win, 1 + y, 1, w - 2, line, at);
		}
		/* messages (a file too large, diff missing) show here: the view covers the status line */
		draw_text(win, h - 2, 1, w - 2, *u->message ? u->message : df->summary,
			  draw_attr(*u->message && u->message_error ? COL_ERROR : COL_DIM));
	}
	wnoutrefresh(win);
	delwin(win);
}
