/*
 * diff_view.c - the diff view: mark a version with m, press d on another,
 * and see what changed as a list with A/M/D/R markers (from the two file
 * lists alone, read on a reader thread while the view says it is loading);
 * Enter on a text file shows the unified diff of its content, read and
 * compared on a reader too (moving the cursor meanwhile drops it).
 */
#include "config.h"

#include <limits.h>
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
	bool loading; /* the two file lists are being read */
	char *content_for; /* the path whose content diff is being read, or NULL */
};

/* What a reader reads for the view: the two file lists' differences. */
typedef struct diff_read {
	char ds_a[VDS_DSID_LEN + 1], ver_a[VDS_VERID_LEN + 1];
	char ds_b[VDS_DSID_LEN + 1], ver_b[VDS_VERID_LEN + 1];
	change *v;
	size_t n;
	vds_diff_stats st;
	char *open_err; /* a file list could not be read: the view does not open */
	char *diff_err;
} diff_read;

static void free_changes(change *v, size_t n);

static void collect(const vds_diff_item *d, void *ud)
{
	diff_read *df = ud;

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
	reads_view_close(u, READS_DIFF);
	reads_view_close(u, READS_CONTENT);
	free(df->content_for);
	free_lines(df);
	free_changes(df->v, df->n);
	free(df);
	u->diff = NULL;
}

static void free_changes(change *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].a);
		free(v[i].b);
	}
	free(v);
}

/* On a reader: both file lists, and what changed between them. */
static int read_diff(vds_ctx *ctx, void *arg, const vds_opts *o)
{
	diff_read *dr = arg;
	vds_tree *ta = NULL, *tb = NULL;

	(void)o;
	if (vds_tree_open(ctx, dr->ds_a, dr->ver_a, &ta) < 0 || vds_tree_open(ctx, dr->ds_b, dr->ver_b, &tb) < 0)
		dr->open_err = xstrdup(vds_errmsg());
	else if (vds_diff(ta, tb, collect, dr, &dr->st) < 0)
		dr->diff_err = xstrdup(vds_errmsg());
	vds_tree_free(ta);
	vds_tree_free(tb);
	return 0;
}

static void diff_read_free(void *arg)
{
	diff_read *dr = arg;

	free_changes(dr->v, dr->n);
	free(dr->open_err);
	free(dr->diff_err);
	free(dr);
}

/* On the UI thread: the differences arrived for the view still open. */
static void show_diff(ui *u, void *arg, int status, const char *error)
{
	ui_diff *df = u->diff;
	diff_read *dr = arg;

	if (!df || strcmp(df->ds_a, dr->ds_a) || strcmp(df->ver_a, dr->ver_a) || strcmp(df->ds_b, dr->ds_b) ||
	    strcmp(df->ver_b, dr->ver_b))
		return;
	if (status < 0 || dr->open_err) { /* as if it had never opened */
		char *why = xstrdup(status < 0 ? error : dr->open_err);
		diff_view_free(u);
		ui_message(u, true, "%s", why);
		free(why);
		return;
	}
	df->loading = false;
	df->v = dr->v;
	df->n = dr->n;
	dr->v = NULL;
	dr->n = 0;
	if (dr->diff_err)
		ui_message(u, true, "%s", dr->diff_err);
	snprintf(df->summary, sizeof(df->summary),
		 "%llu added, %llu removed, %llu modified, %llu renamed   Enter: content diff   Esc: close",
		 (unsigned long long)dr->st.added, (unsigned long long)dr->st.removed,
		 (unsigned long long)dr->st.modified, (unsigned long long)dr->st.renamed);
}

/* The view's title: both sides by name, with what is known of them so far. */
static void set_title(ui *u, ui_diff *df)
{
	char ra[600], rb[600];

	ui_ref_name(u, df->ds_a, df->ver_a, ra, sizeof(ra));
	ui_ref_name(u, df->ds_b, df->ver_b, rb, sizeof(rb));
	snprintf(df->title, sizeof(df->title), "Changes %s -> %s", ra, rb);
}

void diff_view_open(ui *u)
{
	if (!*u->mark_ver) {
		ui_message(u, true, "mark a version with m first, then press d on another");
		return;
	}
	if (!*u->ver) {
		ui_message(u, true, "select a version to compare with %s:%s", u->mark_ds, u->mark_ver);
		return;
	}
	diff_view_free(u);
	ui_diff *df = u->diff = xcalloc(1, sizeof(*df));
	memcpy(df->ds_a, u->mark_ds, sizeof(df->ds_a));
	memcpy(df->ver_a, u->mark_ver, sizeof(df->ver_a));
	memcpy(df->ds_b, u->ds, sizeof(df->ds_b));
	memcpy(df->ver_b, u->ver, sizeof(df->ver_b));
	set_title(u, df);
	snprintf(df->summary, sizeof(df->summary), "loading\xe2\x80\xa6   Esc: close");
	df->loading = true;
	/* the file lists are read on a reader thread; show_diff() fills the view */
	diff_read *dr = xcalloc(1, sizeof(*dr));
	memcpy(dr->ds_a, df->ds_a, sizeof(dr->ds_a));
	memcpy(dr->ver_a, df->ver_a, sizeof(dr->ver_a));
	memcpy(dr->ds_b, df->ds_b, sizeof(dr->ds_b));
	memcpy(dr->ver_b, df->ver_b, sizeof(dr->ver_b));
	reads_view(u, READS_DIFF, read_diff, show_diff, dr, diff_read_free);
}

/* What a reader reads for a content diff: both sides, compared. */
typedef struct content_read {
	char ds_a[VDS_DSID_LEN + 1], ds_b[VDS_DSID_LEN + 1];
	change c;      /* a copy: its paths are owned here */
	char *la, *lb; /* the labels of the two sides */
	char **lines;  /* diff -u's output */
	size_t nlines;
	char *err;
} content_read;

static void content_read_free(void *arg)
{
	content_read *cr = arg;

	for (size_t i = 0; i < cr->nlines; i++)
		free(cr->lines[i]);
	free(cr->lines);
	free(cr->c.a);
	free(cr->c.b);
	free(cr->la);
	free(cr->lb);
	free(cr->err);
	free(cr);
}

/* Reads the content of E (absent: empty) into a malloc'd buffer. */
static char *content_of(vds_ctx *ctx, const char *ds, const vds_entry *e, bool present, size_t *len)
{
	char *buf = xmalloc(present && e->size ? e->size : 1);

	*len = 0;
	if (present && e->size && vds_content_read(ctx, ds, e->sha256, 0, buf, e->size, len) < 0)
		*len = 0;
	return buf;
}

static void add_to(char ***lines, size_t *n, char *line)
{
	*lines = xrealloc(*lines, (*n + 1) * sizeof(**lines));
	(*lines)[(*n)++] = line;
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
	content_read *cr = ud;

	add_to(&cr->lines, &cr->nlines, expand_tabs(line));
}

/* On a reader: the two sides of the change, and diff -u's lines. */
static int read_content(vds_ctx *ctx, void *arg, const vds_opts *o)
{
	content_read *cr = arg;
	const change *c = &cr->c;
	size_t na, nb;
	bool any;

	(void)o;
	char *a = content_of(ctx, cr->ds_a, &c->ea, c->a != NULL, &na);
	char *b = content_of(ctx, cr->ds_b, &c->eb, c->b != NULL, &nb);
	if (vds_text_diff(cr->la, a, na, cr->lb, b, nb, keep_line, cr, &any) < 0) {
		cr->err = xstrdup(vds_errmsg());
	} else if (!any) { /* diff says nothing when the contents agree */
		add_to(&cr->lines, &cr->nlines, xasprintf("--- %s", cr->la));
		add_to(&cr->lines, &cr->nlines, xasprintf("+++ %s", cr->lb));
		add_to(&cr->lines, &cr->nlines,
		       xstrdup(!c->a ? "(an empty file was added)"
			       : !c->b ? "(an empty file was removed)"
				       : "(the contents are the same)"));
	}
	free(a);
	free(b);
	return 0;
}

/* On the UI thread: the content diff arrived, and the cursor is still on its file. */
static void show_content(ui *u, void *arg, int status, const char *error)
{
	ui_diff *df = u->diff;
	content_read *cr = arg;

	if (!df)
		return;
	free(df->content_for);
	df->content_for = NULL;
	if (status < 0 || cr->err) {
		ui_message(u, true, "%s", status < 0 ? error : cr->err);
		return;
	}
	free_lines(df);
	df->lines = cr->lines;
	df->nlines = cr->nlines;
	cr->lines = NULL;
	cr->nlines = 0;
}

/* Starts reading the content diff of C on a reader; the view says it is loading. */
static void content_diff(ui *u, ui_diff *df, const change *c)
{
	if ((c->a && c->ea.size > CONTENT_MAX) || (c->b && c->eb.size > CONTENT_MAX)) {
		ui_message(u, true, "too large to show as text: compare it with 'vds datasets files diff'");
		return;
	}
	content_read *cr = xcalloc(1, sizeof(*cr));
	memcpy(cr->ds_a, df->ds_a, sizeof(cr->ds_a));
	memcpy(cr->ds_b, df->ds_b, sizeof(cr->ds_b));
	cr->c = *c;
	cr->c.a = c->a ? xstrdup(c->a) : NULL;
	cr->c.b = c->b ? xstrdup(c->b) : NULL;
	cr->c.ea.path = cr->c.a;
	cr->c.eb.path = cr->c.b;
	cr->la = xasprintf("%s:%s/%s", df->ds_a, df->ver_a, c->a ? c->a : c->b);
	cr->lb = xasprintf("%s:%s/%s", df->ds_b, df->ver_b, c->b ? c->b : c->a);
	free(df->content_for);
	df->content_for = xstrdup(c->b ? c->b : c->a);
	reads_view(u, READS_CONTENT, read_content, show_content, cr, content_read_free);
}

/* The cursor left the file whose content diff is on its way: it is dropped. */
static void content_drop(ui *u, ui_diff *df)
{
	if (!df->content_for)
		return;
	reads_view_close(u, READS_CONTENT);
	free(df->content_for);
	df->content_for = NULL;
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
	size_t was = df->cursor;
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
		return;
	}
	if (df->cursor != was)
		content_drop(u, df);
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

	set_title(u, df); /* a tag's name, once the versions naming it are read */
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
		if (df->n == 0 && !df->loading)
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
		char wait[64], loading[PATH_MAX + 96] = "";
		if (df->content_for && reads_view_loading(u, READS_CONTENT, wait, sizeof(wait)))
			snprintf(loading, sizeof(loading), "%s: %s   Esc: close", df->content_for, wait);
		draw_text(win, h - 2, 1, w - 2,
			  *u->message ? u->message : df->content_for ? loading : df->summary,
			  draw_attr(*u->message && u->message_error ? COL_ERROR : COL_DIM));
	}
	wnoutrefresh(win);
	delwin(win);
}
