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
	char title[1300], summary[160];
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
	char ra[600], rb[600];
	ui_ref_name(u, df->ds_a, df->ver_a, ra, sizeof(ra));
	ui_ref_name(u, df->ds_b, df->ver_b, rb, sizeof(rb));
	snprintf(df->title, sizeof(df->title), "Changes %s -> %s", ra, rb);
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

/* The line paired with line I of a content diff: in a run of removed lines followed by
   as many added ones, the k-th of each are a changed row. SIZE_MAX if none. */
static size_t paired(const ui_diff *df, size_t i)
{
	char kind = df->lines[i][0];
	size_t first = i, minus, plus;

	if (kind != '-' && kind != '+')
		return SIZE_MAX;
	while (first > 0 && df->lines[first - 1][0] == kind)
		first--;
	if (kind == '-') {
		minus = first;
		for (plus = minus; plus < df->nlines && df->lines[plus][0] == '-'; plus++)
			;
	} else {
		plus = first;
		for (minus = plus; minus > 0 && df->lines[minus - 1][0] == '-'; minus--)
			;
	}
	size_t nminus = plus - minus, nplus = 0;
	while (plus + nplus < df->nlines && df->lines[plus + nplus][0] == '+')
		nplus++;
	if (nminus == 0 || nminus != nplus || (minus > 0 && df->lines[minus - 1][0] == '+'))
		return SIZE_MAX;
	return kind == '-' ? plus + (i - minus) : minus + (i - plus);
}

/* Draws S[FROM, TO) escaped at column *X (at most END); moves *X past it. */
static void draw_part(WINDOW *w, int y, int *x, int end, const char *s, size_t from, size_t to,
		      attr_t attr)
{
	char *part = xstrndup(s + from, to - from), *esc = vds_display_escape(part);
	int n = (int)vds_display_width(esc);

	if (*x + n > end)
		n = end - *x;
	if (n > 0)
		draw_escaped(w, y, *x, n, esc, 0, attr);
	*x += n > 0 ? n : 0;
	free(esc);
	free(part);
}

/* Draws line I of a content diff in WIDTH columns: added and removed lines in colour, and
   in a changed row the words that changed highlighted (the part between what both share). */
static void draw_diff_line(WINDOW *w, int y, int width, const ui_diff *df, size_t i)
{
	const char *l = df->lines[i];
	attr_t base = l[0] == '+' ? draw_attr(COL_ADDED) : l[0] == '-' ? draw_attr(COL_REMOVED)
		    : l[0] == '@' ? draw_attr(COL_DIM) : A_NORMAL;
	size_t j = paired(df, i);

	if (j == SIZE_MAX || !strncmp(l, "---", 3) || !strncmp(l, "+++", 3)) {
		draw_text(w, y, 1, width, l, base);
		return;
	}
	const char *o = df->lines[j] + 1, *t = l + 1;
	size_t lt = strlen(t), lo = strlen(o), pre = 0, suf = 0;
	while (pre < lt && pre < lo && t[pre] == o[pre])
		pre++;
	while (pre > 0 && ((unsigned char)t[pre] & 0xc0) == 0x80)
		pre--; /* whole characters */
	while (suf < lt - pre && suf < lo - pre && t[lt - 1 - suf] == o[lo - 1 - suf])
		suf++;
	while (suf > 0 && ((unsigned char)t[lt - suf] & 0xc0) == 0x80)
		suf--;
	int x = 1, end = 1 + width;
	draw_part(w, y, &x, end, l, 0, 1 + pre, base);
	draw_part(w, y, &x, end, l, 1 + pre, 1 + lt - suf, base | A_REVERSE);
	draw_part(w, y, &x, end, l, 1 + lt - suf, 1 + lt, base);
	if (x < end)
		draw_text(w, y, x, end - x, "", A_NORMAL);
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
				draw_diff_line(win, 1 + y, w - 2, df, df->line_top + (size_t)y);
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
			char sa[32], sb[32];
			vds_format_size(c->ea.size, false, sa);
			vds_format_size(c->eb.size, false, sb);
			if (c->kind == 'R')
				snprintf(line, sizeof(line), "R  %s -> %s", c->a, c->b);
			else if (c->kind == 'M')
				snprintf(line, sizeof(line), "M  %s  (%s -> %s)", c->b, sa, sb);
			else
				snprintf(line, sizeof(line), "%c  %s  (%s)", c->kind, c->a ? c->a : c->b,
					 c->a ? sa : sb);
			if (!(at & A_REVERSE) && (c->kind == 'A' || c->kind == 'D'))
				at = draw_attr(c->kind == 'A' ? COL_ADDED : COL_REMOVED);
			draw_text(win, 1 + y, 1, w - 2, line, at);
		}
		/* messages (a file too large, diff missing) show here: the view covers the status line */
		draw_text(win, h - 2, 1, w - 2, *u->message ? u->message : df->summary,
			  draw_attr(*u->message && u->message_error ? COL_ERROR : COL_DIM));
	}
	wnoutrefresh(win);
	delwin(win);
}
