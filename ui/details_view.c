/*
 * details_view.c - the version details (I): message, state, counts, times
 * and tags of the selected version, and its lineage when vds run made it
 * (the output it was, each input at its exact version, the command, the
 * times, the exit status and the host), and the versions made from it.
 * The lines are made when the view opens, the lineage's once a reader has
 * read it (reads.c: the view waits, keys still work); moving keys scroll them,
 * Tab picks a version the lineage names and Enter goes to it, any other
 * key closes the view.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "ui.h"
#include "util.h"

/* A version the view names, which Enter goes to. */
typedef struct target {
	size_t line;
	char ds[VDS_DSID_LEN + 1], ver[VDS_VERID_LEN + 1];
} target;

struct ui_details {
	char title[128];
	char **lines; /* raw: escaped when drawn */
	size_t n, top;
	target *t;    /* the versions named, in line order */
	size_t nt, sel;
	bool loading; /* its lineage is being read (the last line says so) */
	char ds[VDS_DSID_LEN + 1], ver[VDS_VERID_LEN + 1];
};

/* A downstream version, as the walk found it. */
typedef struct down {
	char ds[VDS_DSID_LEN + 1], ver[VDS_VERID_LEN + 1];
	char *via;
	bool missing;
} down;

/* What a reader reads for the view: the lineage and the versions made from it. */
typedef struct lineage_read {
	char ds[VDS_DSID_LEN + 1], ver[VDS_VERID_LEN + 1];
	bool committed;
	int r;            /* of vds_lineage_get */
	char *err;        /* its message */
	vds_lineage l;
	int walk;         /* of vds_lineage_walk */
	char *walk_err;
	down *v;
	size_t n;
} lineage_read;

/* Makes the last line added one that Enter goes to DS:VER from. */
static void add_target(ui_details *d, const char *ds, const char *ver)
{
	d->t = xrealloc(d->t, (d->nt + 1) * sizeof(*d->t));
	target *t = &d->t[d->nt++];
	t->line = d->n - 1;
	snprintf(t->ds, sizeof(t->ds), "%s", ds);
	snprintf(t->ver, sizeof(t->ver), "%s", ver);
}

static void add(ui_details *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(ui_details *d, const char *fmt, ...)
{
	va_list ap;
	char *line;

	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0)
		line = xstrdup("");
	va_end(ap);
	d->lines = xrealloc(d->lines, (d->n + 1) * sizeof(*d->lines));
	d->lines[d->n++] = line;
}

/* The name of dataset ID as the Datasets pane has it, or NULL. */
static const char *dataset_name(ui *u, const char *id)
{
	for (size_t i = 0; i < u->ndatasets; i++)
		if (!strcmp(u->datasets[i].id, id))
			return u->datasets[i].name;
	return NULL;
}

/* Writes "YYYY-MM-DD HH:MM:SS.mmm" of US into BUF. */
static void time_ms(int64_t us, char buf[40])
{
	char t[32];

	vds_format_time(us, t);
	snprintf(buf, 40, "%s.%03d", t, (int)((us % 1000000 + 1000000) % 1000000 / 1000));
}

static void add_lineage(ui *u, ui_details *d, lineage_read *lr)
{
	vds_lineage *l = &lr->l;
	char a[40], b[40];

	add(d, "%s", "");
	if (lr->r == VDS_ENOTFOUND) {
		add(d, "Lineage:   none (not made by vds run)");
		return;
	}
	if (lr->r < 0) {
		add(d, "Lineage:   %s", lr->err);
		return;
	}
	add(d, "Lineage:   output %s of vds run", l->output);
	for (size_t i = 0; i < l->ninputs; i++) {
		const char *name = dataset_name(u, l->inputs[i].dataset);
		add(d, "  input    %s = %s:%s (%s)", l->inputs[i].name, l->inputs[i].dataset,
		    l->inputs[i].version, name ? name : "deleted");
		if (name)
			add_target(d, l->inputs[i].dataset, l->inputs[i].version);
	}
	if (!l->ninputs)
		add(d, "  inputs   none");
	char *cmd = vds_lineage_command(l);
	add(d, "  command  %s", cmd);
	free(cmd);
	time_ms(l->started_us, a);
	time_ms(l->ended_us, b);
	add(d, "  started  %s", a);
	add(d, "  ended    %s (%.3f s)", b, (double)(l->ended_us - l->started_us) / 1e6);
	add(d, "  exit     %d", l->exit_status);
	add(d, "  host     %s", l->host);
}

/* On a reader: keeps the versions one level down. */
static int keep_down(const vds_lineage_node *node, void *ud)
{
	lineage_read *lr = ud;

	if (node->depth != 1)
		return 0;
	lr->v = xrealloc(lr->v, (lr->n + 1) * sizeof(*lr->v));
	down *w = &lr->v[lr->n++];
	snprintf(w->ds, sizeof(w->ds), "%s", node->dataset);
	snprintf(w->ver, sizeof(w->ver), "%s", node->version);
	w->via = node->via ? xstrdup(node->via) : NULL;
	w->missing = node->missing;
	return 0;
}

/* On a reader: the lineage of the version, and the versions made from it. */
static int read_lineage(vds_ctx *ctx, void *arg, const vds_opts *o)
{
	lineage_read *lr = arg;

	(void)o;
	lr->r = vds_lineage_get(ctx, lr->ds, lr->ver, &lr->l);
	if (lr->r < 0)
		lr->err = xstrdup(vds_errmsg());
	if (lr->committed && (lr->walk = vds_lineage_walk(ctx, lr->ds, lr->ver, true, 1, keep_down, lr)) < 0)
		lr->walk_err = xstrdup(vds_errmsg());
	return 0;
}

static void lineage_read_free(void *arg)
{
	lineage_read *lr = arg;

	if (lr->r == 0)
		vds_lineage_release(&lr->l);
	for (size_t i = 0; i < lr->n; i++)
		free(lr->v[i].via);
	free(lr->v);
	free(lr->err);
	free(lr->walk_err);
	free(lr);
}

/* The versions whose lineage names this one as an input (downstream, one level). */
static void add_downstream(ui *u, ui_details *d, lineage_read *lr)
{
	add(d, "%s", "");
	add(d, "Made from it:");
	if (lr->walk < 0) {
		add(d, "  %s", lr->walk_err);
		return;
	}
	if (!lr->n)
		add(d, "  nothing (no vds run took it as an input)");
	for (size_t i = 0; i < lr->n; i++) {
		const down *w = &lr->v[i];
		const char *name = dataset_name(u, w->ds);
		add(d, "  %s %s:%s (%s, input %s)", i ? "        " : "used by", w->ds, w->ver,
		    name ? name : "deleted", w->via ? w->via : "?");
		if (name && !w->missing)
			add_target(d, w->ds, w->ver);
	}
}

/* On the UI thread: the lineage read arrived for the view still open. */
static void show_lineage(ui *u, void *arg, int status, const char *error)
{
	ui_details *d = u->details;
	lineage_read *lr = arg;

	if (!d || strcmp(d->ds, lr->ds) || strcmp(d->ver, lr->ver))
		return;
	free(d->lines[--d->n]); /* "loading", and the blank line before it */
	free(d->lines[--d->n]);
	d->loading = false;
	if (status < 0) { /* cancelled, or its context could not be opened */
		add(d, "%s", "");
		add(d, "Lineage:   %s", error);
		return;
	}
	add_lineage(u, d, lr);
	if (lr->committed)
		add_downstream(u, d, lr);
	if (d->nt)
		snprintf(d->title, sizeof(d->title), "Version %s:%s (Tab: pick a version, Enter: go, Esc: close)",
			 d->ds, d->ver);
}

void details_view_open(ui *u)
{
	const vds_version *v = NULL;
	char t[32], size[32];

	for (size_t i = 0; *u->ver && i < u->nversions; i++)
		if (!strcmp(u->versions[i].id, u->ver))
			v = &u->versions[i];
	if (!v) {
		ui_message(u, true, "select a version to see its details");
		return;
	}
	details_view_free(u);
	ui_details *d = u->details = xcalloc(1, sizeof(*d));
	snprintf(d->title, sizeof(d->title), "Version %s:%s (Esc: close)", u->ds, u->ver);
	add(d, "Message:   %s", v->message);
	add(d, "State:     %s", v->committed ? "committed" : "draft");
	strbuf tags = STRBUF_INIT;
	for (size_t i = 0; i < v->ntags; i++)
		sb_addf(&tags, "%s%s", i ? ", " : "", v->tags[i]);
	add(d, "Tags:      %s", tags.len ? tags.buf : "none");
	sb_release(&tags);
	vds_format_size(v->total_size, false, size);
	add(d, "Files:     %llu, %s", (unsigned long long)v->file_count, size);
	vds_format_time(v->created_us, t);
	add(d, "Created:   %s", t);
	if (v->committed) {
		vds_format_time(v->committed_us, t);
		add(d, "Committed: %s", t);
	}
	/* the lineage is read on a reader thread; show_lineage() adds it */
	memcpy(d->ds, u->ds, sizeof(d->ds));
	memcpy(d->ver, u->ver, sizeof(d->ver));
	d->loading = true;
	add(d, "%s", "");
	add(d, "%s", "Lineage:   loading\xe2\x80\xa6");
	lineage_read *lr = xcalloc(1, sizeof(*lr));
	memcpy(lr->ds, u->ds, sizeof(lr->ds));
	memcpy(lr->ver, u->ver, sizeof(lr->ver));
	lr->committed = v->committed;
	lr->r = VDS_ECANCELED;
	reads_view(u, READS_DETAILS, read_lineage, show_lineage, lr, lineage_read_free);
}

void details_view_free(ui *u)
{
	if (!u->details)
		return;
	reads_view_close(u, READS_DETAILS);
	for (size_t i = 0; i < u->details->n; i++)
		free(u->details->lines[i]);
	free(u->details->lines);
	free(u->details->t);
	free(u->details);
	u->details = NULL;
}

#define INDENT 11 /* continued rows start below the value of their line */

/* Columns the character at P takes once escaped (draw_text's way); *N gets its bytes. */
static int char_cols(const unsigned char *p, int *n)
{
	uint32_t cp;
	int cw;

	if ((*n = vds_utf8_seq(p, &cp)) == 0) {
		*n = 1;
		return 4; /* \xHH */
	}
	if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
		return 4;
	if (cp == '\\')
		return 2;
	cw = wcwidth((wchar_t)cp);
	return cw < 0 ? 1 : cw;
}

/* A row on screen: part of a line. */
typedef struct row {
	const char *text; /* into the line */
	size_t len;
	bool continued;   /* not the line's first row: indented */
	size_t line;
} row;

/* The rows the lines make in WIDTH columns, each line wrapped (free the array). */
static size_t wrap(ui_details *d, int width, row **out)
{
	size_t n = 0;

	*out = NULL;
	for (size_t i = 0; i < d->n; i++) {
		const unsigned char *p = (const unsigned char *)d->lines[i];
		bool first = true;
		do {
			int room = first || width <= 2 * INDENT ? width : width - INDENT, cols = 0, k;
			const unsigned char *start = p;
			while (*p) {
				int cw = char_cols(p, &k);
				if (cols + cw > room && cols > 0)
					break;
				cols += cw;
				p += k;
			}
			*out = xrealloc(*out, (n + 1) * sizeof(**out));
			(*out)[n++] = (row){(const char *)start, (size_t)(p - start), !first, i};
			first = false;
		} while (*p);
	}
	return n;
}

/* Rows of text the view shows at once. */
/* Rows of text the view shows at once. */
static size_t rows(void)
{
	return LINES - 4 > 1 ? (size_t)(LINES - 4) : 1;
}

void details_view_key(ui *u, int key)
{
	ui_details *d = u->details;
	row *r;
	size_t n = wrap(d, COLS - 4, &r), page = rows(), last = n > page ? n - page : 0;

	free(r);
	if (d->nt && (key == '\t' || key == KEY_BTAB)) { /* the next or previous version named */
		d->sel = (d->sel + (key == '\t' ? 1 : d->nt - 1)) % d->nt;
		return;
	}
	if (d->nt && (key == '\n' || key == '\r' || key == KEY_ENTER)) {
		target t = d->t[d->sel];
		details_view_free(u);
		ui_select_ref(u, t.ds, t.ver);
		u->focus = PANE_VERSIONS;
		return;
	}
	switch (keys_action(key)) {
	case ACT_UP:
	case ACT_PREVIEW_UP: d->top = d->top ? d->top - 1 : 0; break;
	case ACT_DOWN:
	case ACT_PREVIEW_DOWN: d->top = d->top < last ? d->top + 1 : last; break;
	case ACT_PAGE_UP: d->top = d->top > page ? d->top - page : 0; break;
	case ACT_PAGE_DOWN: d->top = d->top + page < last ? d->top + page : last; break;
	case ACT_HOME: d->top = 0; break;
	case ACT_END: d->top = last; break;
	default: details_view_free(u); break;
	}
}

void details_view_draw(ui *u)
{
	ui_details *d = u->details;
	WINDOW *win = ui_overlay(LINES - 2, COLS, d->title);
	row *r;
	size_t n = wrap(d, COLS - 4, &r);

	for (size_t y = 0; y < rows() && d->top + y < n; y++) {
		const row *w = &r[d->top + y];
		int x = w->continued && COLS - 4 > 2 * INDENT ? INDENT : 0;
		char *text = xstrndup(w->text, w->len);
		bool picked = d->nt && d->t[d->sel].line == w->line;
		draw_text(win, (int)y + 1, 2 + x, COLS - 4 - x, text, picked ? draw_attr(COL_SELECT) : A_NORMAL);
		free(text);
	}
	free(r);
	wnoutrefresh(win);
	delwin(win);
}
