/*
 * browse.c - the browser's loop: layout, drawing, key dispatch and the
 * selection that ties the panes together (dataset -> versions and tags ->
 * files -> preview). Panes return reaction flags; only this file decides
 * when to draw, and it draws with wnoutrefresh/doupdate so the terminal
 * receives only what changed.
 */
#include "config.h"

#include <errno.h>
#include <libgen.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ui.h"
#include "util.h"

static const ui_pane_ops *const panes[PANE_COUNT] = {&pane_datasets, &pane_versions, &pane_tags,
						      &pane_files, NULL};
static WINDOW *status_win, *help_win;

void ui_message(ui *u, bool error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(u->message, sizeof(u->message), fmt, ap);
	va_end(ap);
	u->message_error = error;
}

/* The core's warnings (a damaged record a listing skipped) go to the status line. */
static void warn_in_status(const char *msg, void *ud)
{
	ui_message(ud, true, "%s", msg);
}

/* ---- selection ------------------------------------------------------------ */

static void close_version(ui *u)
{
	vds_tree_free(u->tree);
	u->tree = NULL;
	free(u->dir);
	u->dir = xstrdup("");
	u->ver[0] = u->tag[0] = '\0';
}

void ui_select_version(ui *u, const char *ver, const char *tag)
{
	close_version(u);
	if (ver && *ver) {
		snprintf(u->ver, sizeof(u->ver), "%s", ver);
		snprintf(u->tag, sizeof(u->tag), "%s", tag ? tag : "");
		for (size_t i = 0; i < u->nversions; i++)
			if (!strcmp(u->versions[i].id, ver))
				list_select_index(&u->list[PANE_VERSIONS], i);
	}
	reads_tree(u); /* the tree is read on a reader thread; ui_tree_arrived() shows it */
	pane_files.load(u);
	ui_load_preview(u);
}

/* With the versions of the current dataset read: selects WANT_VER, else the one under the cursor. */
static void choose_version(ui *u)
{
	bool listed = false;

	for (size_t i = 0; *u->want_ver && i < u->nversions; i++)
		listed |= !strcmp(u->versions[i].id, u->want_ver);
	if (*u->want_ver && !listed && u->want_unfilter && *u->list[PANE_VERSIONS].filter) {
		u->list[PANE_VERSIONS].filter[0] = '\0'; /* a filter hid what was asked for */
		list_refresh(&u->list[PANE_VERSIONS]);
	}
	u->want_unfilter = false;
	const ui_row *v = list_selected(&u->list[PANE_VERSIONS]);
	char ver[sizeof(u->want_ver)], tag[sizeof(u->want_tag)];
	memcpy(ver, u->want_ver, sizeof(ver));
	memcpy(tag, u->want_tag, sizeof(tag));
	u->want_ver[0] = '\0';
	if (!u->want_tag_row)
		u->want_tag[0] = '\0';
	if (listed)
		ui_select_version(u, ver, tag);
	else
		ui_select_version(u, v ? u->versions[v->index].id : NULL, NULL);
}

/*
 * Selects the dataset under the Datasets cursor and its version VER, or its
 * newest version when VER is NULL or gone. Only one version is opened; when
 * the versions are not read yet, that happens when they arrive.
 */
static void select_dataset(ui *u, const char *ver, const char *tag)
{
	const ui_row *row = list_selected(&u->list[PANE_DATASETS]);
	const char *id = row ? u->datasets[row->index].id : "";
	vds_version *v;
	size_t n;

	if (strcmp(u->ds, id) != 0) { /* filters belong to the dataset they were typed in */
		snprintf(u->ds, sizeof(u->ds), "%s", id);
		u->list[PANE_VERSIONS].filter[0] = u->list[PANE_TAGS].filter[0] = '\0';
		u->list[PANE_FILES].filter[0] = '\0';
	}
	snprintf(u->want_ver, sizeof(u->want_ver), "%s", ver ? ver : "");
	snprintf(u->want_tag, sizeof(u->want_tag), "%s", tag ? tag : "");
	pane_versions.load(u);
	pane_tags.load(u);
	if (*u->ds && memo_versions(u, u->ds, &v, &n) == 0) {
		ui_select_version(u, NULL, NULL); /* until they arrive */
		return;
	}
	choose_version(u);
}

void ui_versions_arrived(ui *u)
{
	pane_versions.load(u);
	if (!*u->want_ver && *u->ver) { /* chosen meanwhile (through a tag): kept */
		for (size_t i = 0; i < u->nversions; i++)
			if (!strcmp(u->versions[i].id, u->ver))
				list_select_index(&u->list[PANE_VERSIONS], i);
		return;
	}
	choose_version(u);
}

void ui_tags_arrived(ui *u)
{
	pane_tags.load(u);
	for (size_t i = 0; u->want_tag_row && i < u->ntags; i++)
		if (!strcmp(u->tags[i].name, u->want_tag))
			list_select_index(&u->list[PANE_TAGS], i);
	u->want_tag_row = false;
}

void ui_tree_arrived(ui *u, ui_folder *f)
{
	bool keep = u->want_dir && !strcmp(u->ds, u->keep_ds) && !strcmp(u->ver, u->keep_ver);

	folder_show(u, f); /* a refresh: the same folder and file, if they still exist */
	if (keep && !folder_selected(f) && u->want_file && u->list[PANE_FILES].nshown) {
		/* the file went (x): the cursor stays where it was, as in a file manager */
		ui_list *l = &u->list[PANE_FILES];
		l->cursor = u->want_file_pos < l->nshown ? u->want_file_pos : l->nshown - 1;
	}
	ui_load_preview(u);
	free(u->want_dir);
	free(u->want_file);
	u->want_dir = u->want_file = NULL;
}

void ui_follow(ui *u, int p)
{
	const ui_row *row;

	reads_moved(u); /* per-item reads wait until the cursor rests */
	switch (p) {
	case PANE_DATASETS:
		select_dataset(u, NULL, NULL);
		break;
	case PANE_VERSIONS:
		row = list_selected(&u->list[PANE_VERSIONS]);
		ui_select_version(u, row ? u->versions[row->index].id : NULL, NULL);
		break;
	case PANE_FILES:
		ui_load_preview(u);
		break;
	default:
		break;
	}
}

void ui_refresh(ui *u)
{
	if (!u->want_ref && !u->want_keep) { /* where the user is, kept when the new data is there */
		const ui_row *cur = list_selected(&u->list[PANE_FILES]);
		u->want_keep = true;
		memcpy(u->keep_ds, u->ds, sizeof(u->keep_ds));
		memcpy(u->keep_ver, u->ver, sizeof(u->keep_ver));
		memcpy(u->want_ds, u->ds, sizeof(u->want_ds));
		memcpy(u->want_ver, u->ver, sizeof(u->want_ver));
		memcpy(u->want_tag, u->tag, sizeof(u->want_tag));
		free(u->want_dir);
		free(u->want_file);
		u->want_dir = xstrdup(u->dir ? u->dir : "");
		u->want_file = cur ? xstrdup(u->listing.v[cur->index].path) : NULL;
		u->want_file_pos = u->list[PANE_FILES].cursor;
	}
	u->message[0] = '\0';
	reads_datasets(u); /* the panes keep what they show until it is there */
}

/* Selects dataset DS and version VER (reached through TAG, or NULL), now or once the list is read. */
static void select_ref(ui *u, const char *ds, const char *ver, const char *tag)
{
	if (reads_datasets_busy(u)) {
		u->want_ref = true;
		u->want_keep = false;
		snprintf(u->want_ds, sizeof(u->want_ds), "%s", ds);
		snprintf(u->want_ver, sizeof(u->want_ver), "%s", ver ? ver : "");
		snprintf(u->want_tag, sizeof(u->want_tag), "%s", tag ? tag : "");
		return;
	}
	for (size_t i = 0; i < u->ndatasets; i++)
		if (!strcmp(u->datasets[i].id, ds) && !list_select_index(&u->list[PANE_DATASETS], i)) {
			u->list[PANE_DATASETS].filter[0] = '\0'; /* a filter hid it */
			list_refresh(&u->list[PANE_DATASETS]);
			list_select_index(&u->list[PANE_DATASETS], i);
		}
	u->want_unfilter = ver && *ver;
	select_dataset(u, ver && *ver ? ver : NULL, tag && *tag ? tag : NULL);
}

void ui_select_ref(ui *u, const char *ds, const char *ver)
{
	select_ref(u, ds, ver, NULL);
}

void ui_datasets_arrived(ui *u)
{
	char ds[sizeof(u->want_ds)], ver[sizeof(u->want_ver)], tag[sizeof(u->want_tag)];
	bool found = false, keep = u->want_keep;

	memcpy(ds, u->want_ds, sizeof(ds));
	memcpy(ver, u->want_ver, sizeof(ver));
	memcpy(tag, u->want_tag, sizeof(tag));
	memo_clear(u); /* read everything afresh */
	u->versions = NULL;
	u->tags = NULL;
	u->nversions = u->ntags = 0;
	pane_datasets.load(u);
	if (u->want_ref) {
		u->want_ref = false;
		free(u->want_dir);
		free(u->want_file);
		u->want_dir = u->want_file = NULL;
		select_ref(u, ds, ver, tag);
		return;
	}
	u->want_keep = false;
	for (size_t i = 0; keep && i < u->ndatasets; i++)
		if (!strcmp(u->datasets[i].id, ds))
			found = list_select_index(&u->list[PANE_DATASETS], i);
	if (!found) {
		free(u->want_dir);
		free(u->want_file);
		u->want_dir = u->want_file = NULL;
		select_dataset(u, NULL, NULL);
		return;
	}
	/* the same dataset: keep the version (if it still exists) and folder */
	select_dataset(u, *ver ? ver : NULL, *tag ? tag : NULL);
}

/* The reference given on the command line, resolved on a reader. */
typedef struct ref_read {
	char *ref;
	vds_resolved res;
	bool have;
} ref_read;

static int read_ref(vds_ctx *ctx, void *arg, const vds_opts *o)
{
	ref_read *rr = arg;
	int r = vds_ref_resolve(ctx, rr->ref, false, &rr->res);

	(void)o;
	rr->have = r == 0;
	return r;
}

static void ref_read_free(void *arg)
{
	ref_read *rr = arg;

	if (rr->have)
		vds_resolved_release(&rr->res);
	free(rr->ref);
	free(rr);
}

/* On the UI thread: the browser opens at the reference (once the dataset list is read),
   or ends with why it does not resolve. */
static void show_ref(ui *u, void *arg, int status, const char *error)
{
	ref_read *rr = arg;

	if (status < 0) {
		u->ref_status = status;
		u->ref_error = xstrdup(error);
		return;
	}
	u->want_tag_row = rr->res.tag != NULL;
	select_ref(u, rr->res.dataset.id, *rr->res.version ? rr->res.version : NULL, rr->res.tag);
	u->want_unfilter = false;
	u->focus = *rr->res.version ? PANE_FILES : PANE_VERSIONS;
}

/* Opens reference REF given on the command line: it is resolved on a reader, the panes
   saying they are loading meanwhile. */
static void open_ref(ui *u, const char *ref)
{
	ref_read *rr = xcalloc(1, sizeof(*rr));

	rr->ref = xstrdup(ref);
	reads_view(u, READS_REF, read_ref, show_ref, rr, ref_read_free);
}

/* ---- layout and drawing -------------------------------------------------- */

WINDOW *ui_overlay(int h, int w, const char *title)
{
	if (h > LINES)
		h = LINES;
	if (w > COLS)
		w = COLS;
	WINDOW *win = newwin(h, w, (LINES - h) / 2, (COLS - w) / 2);
	werase(win);
	draw_frame(win, title, true);
	return win;
}

void ui_layout(ui *u)
{
	int rows = LINES, cols = COLS;
	int content = rows - 2 > 6 ? rows - 2 : 6;
	int top = content * 2 / 5 < 5 ? 5 : content * 2 / 5, bottom = content - top;
	int left = cols / 4 < 22 ? 22 : cols / 4 > 40 ? 40 : cols / 4;
	int right = cols - left, files = right / 2;

	if (left > cols - 20)
		left = cols / 2;
	right = cols - left;
	files = right / 2;
	for (int i = 0; i < PANE_COUNT; i++)
		if (u->win[i])
			delwin(u->win[i]);
	if (status_win)
		delwin(status_win);
	if (help_win)
		delwin(help_win);
	help_win = NULL;
	u->win[PANE_DATASETS] = newwin(top, left, 0, 0);
	u->win[PANE_VERSIONS] = newwin(top, right, 0, left);
	u->win[PANE_TAGS] = newwin(bottom, left, top, 0);
	u->win[PANE_FILES] = newwin(bottom, files, top, left);
	u->win[PANE_PREVIEW] = newwin(bottom, right - files, top, left + files);
	status_win = newwin(2, cols, rows - 2, 0);
	/* keys are read here: wgetch refreshes its window, and this one is drawn */
	keypad(status_win, TRUE);
	nodelay(status_win, TRUE); /* the loop waits in poll(), never in wgetch */
	clearok(curscr, TRUE);
}

static const char *empty_text[PANE_COUNT] = {"(no datasets)", "(no versions)", "(no tags)",
					     "(empty)", ""};

/* Draws MSG word-wrapped on rows Y..END-1 of W, WIDTH columns from column 1. */
static void draw_wrapped(WINDOW *w, int y, int end, int width, const char *msg, attr_t attr)
{
	while (*msg && y < end) {
		int n = (int)strlen(msg);
		if (n > width) {
			n = width;
			while (n > 0 && msg[n] != ' ')
				n--;
			if (n == 0)
				n = width;
		}
		char *line = strndup(msg, (size_t)n);
		draw_text(w, y++, 1, width, line, attr);
		free(line);
		msg += n;
		while (*msg == ' ')
			msg++;
	}
}

static void draw_list(ui *u, int p)
{
	WINDOW *w = u->win[p];
	ui_list *l = &u->list[p];
	int h, wd;
	strbuf title = STRBUF_INIT;

	getmaxyx(w, h, wd);
	werase(w);
	sb_addf(&title, "%s", panes[p]->title);
	if (p == PANE_FILES && *u->ds && *u->ver)
		sb_addf(&title, " /%s", u->dir ? u->dir : "");
	sb_addf(&title, " (%zu)", l->nshown);
	if (*l->filter)
		sb_addf(&title, " [/%s]", l->filter);
	if (l->sort)
		sb_addf(&title, " [%s]", list_sort_name(l));
	draw_frame(w, title.buf, u->focus == p);
	sb_release(&title);
	list_scroll(l, h - 2);
	char loading[64];
	const char *failed = reads_error(u, p);
	if (reads_loading_text(u, p, loading, sizeof(loading))) {
		if (l->nshown == 0) /* what it waits for, once it has waited a while */
			draw_text(w, 1, 1, wd - 2, loading, draw_attr(COL_DIM));
		else if (*loading) /* read again (a refresh): the rows stay until it is there */
			draw_text_right(w, 0, 1, wd - 2, loading, draw_attr(COL_DIM));
	} else if (l->nshown == 0 && failed && !*l->filter) {
		char *msg = xasprintf("error: %s", failed); /* the pane that failed says why */
		draw_wrapped(w, 1, h - 1, wd - 2, msg, draw_attr(COL_ERROR));
		free(msg);
	} else if (l->nshown == 0 && p != PANE_DATASETS && u->ndatasets == 0 &&
		   reads_loading_text(u, PANE_DATASETS, loading, sizeof(loading))) {
		/* nothing to say before the dataset list is there */
	} else if (l->nshown == 0) {
		const char *msg = p == PANE_DATASETS && u->ndatasets == 0 && !*l->filter &&
						  !u->datasets_failed
					  ? "(empty store: create a dataset with 'vds datasets create')"
				  : *l->filter ? "(nothing matches)"
					       : empty_text[p];
		draw_wrapped(w, 1, h - 1, wd - 2, msg, draw_attr(COL_DIM));
	}
	for (int y = 1; y < h - 1 && l->top + (size_t)(y - 1) < l->nshown; y++) {
		size_t i = l->top + (size_t)(y - 1);
		panes[p]->draw_row(u, w, y, wd - 2, &l->all[l->shown[i]], i == l->cursor);
	}
	wnoutrefresh(w);
}

static void draw_status(ui *u)
{
	int wd = getmaxx(status_win);
	strbuf left = STRBUF_INIT;
	char right[160];

	werase(status_win);
	if (u->filtering || u->pv_searching) {
		sb_addf(&left, "/%s", u->filtering ? u->list[u->focus].filter : u->pv_search);
		draw_text(status_win, 0, 0, wd, left.buf, A_NORMAL);
		wmove(status_win, 0, (int)vds_display_width(left.buf) < wd ? (int)vds_display_width(left.buf) : wd - 1);
	} else if (*u->message) {
		draw_text(status_win, 0, 0, wd, u->message,
			  draw_attr(u->message_error ? COL_ERROR : COL_STATUS));
	} else {
		const char *name = ui_ds_name(u, u->ds);
		if (!*u->ds)
			sb_adds(&left, "no dataset");
		else if (!*u->ver)
			sb_addf(&left, "%s", name);
		else if (*u->tag)
			sb_addf(&left, "%s:%s -> %s", name, u->tag, u->ver);
		else
			sb_addf(&left, "%s:%s", name, u->ver);
		if (*u->ver && *u->preview_path && (u->focus >= PANE_FILES || u->fullscreen))
			sb_addf(&left, "  /%s", u->preview_path); /* the whole path, however long */
		else if (*u->ver && u->dir && *u->dir)
			sb_addf(&left, "  /%s", u->dir);
		const char *unused;
		char help[64], quit[64];
		keys_describe(ACT_HELP, &unused, help, sizeof(help));
		keys_describe(ACT_QUIT, &unused, quit, sizeof(quit));
		help[strcspn(help, " ")] = quit[strcspn(quit, " ")] = '\0';
		snprintf(right, sizeof(right), "%s%s%s%s%s", help, *help ? ":help  " : "", quit,
			 *quit ? ":quit" : "", " ");
		int rw = (int)strlen(right);
		draw_text(status_win, 0, 0, wd - rw, left.buf, draw_attr(COL_STATUS));
		draw_text(status_win, 0, wd - rw, rw, right, draw_attr(COL_STATUS));
	}
	char jobs[512];
	bool failed = jobs_summary(u, jobs, sizeof(jobs));
	draw_text(status_win, 1, 0, wd, jobs, draw_attr(failed ? COL_ERROR : COL_DIM));
	sb_release(&left);
	wnoutrefresh(status_win);
}

static void draw_help(ui *u)
{
	int n = ACT_COUNT - 1, cols = COLS - 2 < 110 ? COLS - 2 : 110;
	int h = n + 2 < LINES ? n + 2 : LINES, rows = h - 2;

	if (u->help_top + rows > n)
		u->help_top = n > rows ? n - rows : 0;
	if (help_win)
		delwin(help_win);
	help_win = newwin(h, cols, (LINES - h) / 2, (COLS - cols) / 2);
	werase(help_win);
	draw_frame(help_win, rows < n ? "Keys (j/k scroll, any other key closes)" : "Keys (any key closes)",
		   true);
	for (int y = 1; y <= rows && u->help_top + y <= n; y++) {
		enum ui_action a = (enum ui_action)(u->help_top + y);
		const char *help;
		char keys[96], line[256];
		keys_describe(a, &help, keys, sizeof(keys));
		snprintf(line, sizeof(line), "%-22s %-15s %s", keys, keys_action_name(a), help);
		draw_text(help_win, y, 2, cols - 4, line, A_NORMAL);
	}
	wnoutrefresh(help_win);
}

#define MIN_COLS 40
#define MIN_LINES 12

void ui_draw(ui *u)
{
	if (COLS < MIN_COLS || LINES < MIN_LINES) { /* one line, not spilled panes */
		char line[128];
		snprintf(line, sizeof(line), "terminal too small (%dx%d), need %dx%d", COLS, LINES,
			 MIN_COLS, MIN_LINES);
		werase(stdscr);
		draw_text(stdscr, 0, 0, COLS, line, A_NORMAL);
		wnoutrefresh(stdscr);
		doupdate();
		return;
	}
	if (u->fullscreen) {
		WINDOW *w = newwin(LINES - 2, COLS, 0, 0);
		ui_draw_preview(u, w, true);
		wnoutrefresh(w);
		delwin(w);
	} else {
		for (int p = 0; p < PANE_PREVIEW; p++)
			draw_list(u, p);
		ui_draw_preview(u, u->win[PANE_PREVIEW], true);
		wnoutrefresh(u->win[PANE_PREVIEW]);
	}
	draw_status(u);
	curs_set(u->filtering || u->pv_searching ? 1 : 0);
	if (u->picker)
		picker_draw(u);
	if (u->diff)
		diff_view_draw(u);
	if (u->details)
		details_view_draw(u);
	if (u->jobs_view)
		jobs_view_draw(u);
	if (u->help)
		draw_help(u);
	if (u->form.active)
		form_draw(u); /* shows the cursor in its field */
	doupdate();
	preview_overlay(u);
}

/* ---- keys ----------------------------------------------------------------- */

static int page_of(ui *u, int p)
{
	return getmaxy(u->win[p]) - 2;
}

/* Keys typed into the filter line of the focused pane. */
static void filter_key(ui *u, int key)
{
	ui_list *l = &u->list[u->focus];
	size_t n = strlen(l->filter);

	if (key == '\n' || key == '\r' || key == KEY_ENTER) {
		u->filtering = false;
		return;
	}
	if (key == 27) {
		memcpy(l->filter, u->filter_saved, sizeof(l->filter));
		u->filtering = false;
	} else if (key == KEY_BACKSPACE || key == 127 || key == 8) {
		while (n > 0 && ((unsigned char)l->filter[n - 1] & 0xc0) == 0x80)
			n--; /* a whole UTF-8 character */
		if (n > 0)
			n--;
		l->filter[n] = '\0';
	} else if (key >= 32 && key < 256 && key != 127 && n + 1 < sizeof(l->filter)) {
		l->filter[n] = (char)key;
		l->filter[n + 1] = '\0';
	} else {
		return;
	}
	list_refresh(l);
	ui_follow(u, u->focus);
}

static void preview_scroll(ui *u, enum ui_action a)
{
	/* a page is what shows below the header that stays (a table's) */
	size_t header = u->preview.header < u->preview_rows ? u->preview.header : 0;
	size_t page = u->preview_rows - header > 1 ? u->preview_rows - header : 1;

	switch (a) {
	case ACT_UP:
	case ACT_PREVIEW_UP: u->preview_top = u->preview_top ? u->preview_top - 1 : 0; break;
	case ACT_DOWN:
	case ACT_PREVIEW_DOWN: u->preview_top++; break;
	case ACT_PAGE_UP: u->preview_top = u->preview_top > page ? u->preview_top - page : 0; break;
	case ACT_PAGE_DOWN: u->preview_top += page; break;
	case ACT_HOME: u->preview_top = 0; break;
	case ACT_END: u->preview_top = u->preview.nlines; break; /* clamped when drawn */
	default: break;
	}
}

static void on_quit(ui *u, ui_form *f)
{
	(void)f;
	u->quitting = true;
}

static bool dispatch(ui *u, enum ui_action a, int key);

bool ui_handle_key(ui *u, int key)
{
	if (key == KEY_RESIZE) {
		ui_layout(u);
		return true;
	}
	if (key == KEY_MOUSE) {
		MEVENT ev = {0};
		if (u->mouse_scripted)
			ev = u->mouse;
		u->mouse_scripted = false;
		if (ev.bstate || getmouse(&ev) == OK)
			mouse_event(u, &ev);
		return true;
	}
	/* modal views first: a form, the picker, the Jobs view */
	if (u->form.active) {
		form_key(u, key);
		return !u->quitting;
	}
	if (u->picker) {
		picker_key(u, key);
		return true;
	}
	if (u->jobs_view) {
		jobs_view_key(u, key);
		return true;
	}
	if (u->diff) {
		diff_view_key(u, key);
		return true;
	}
	if (u->details) {
		details_view_key(u, key);
		return true;
	}
	if (u->filtering) {
		filter_key(u, key);
		return true;
	}
	if (u->pv_searching) {
		pv_search_key(u, key);
		return true;
	}
	enum ui_action a = keys_action(key);
	if (u->prefix) { /* the second key of g g; anything else acts alone */
		bool twice = key == u->prefix;
		u->prefix = 0;
		if (twice)
			a = ACT_HOME;
	} else if (a == ACT_HOME && key >= 32 && key < 127 && !u->help) {
		u->prefix = key; /* a letter bound to home waits for its second press, as in vim */
		return true;
	}
	if (u->help) { /* moving keys scroll the help, any other key closes it */
		int rows = (ACT_COUNT - 1 + 2 < LINES ? ACT_COUNT - 1 + 2 : LINES) - 2;
		switch (a) {
		case ACT_DOWN: u->help_top++; break;
		case ACT_UP: u->help_top = u->help_top ? u->help_top - 1 : 0; break;
		case ACT_PAGE_DOWN: u->help_top += rows; break;
		case ACT_PAGE_UP: u->help_top = u->help_top > rows ? u->help_top - rows : 0; break;
		case ACT_HOME: u->help_top = 0; break;
		case ACT_END: u->help_top = ACT_COUNT; break; /* clamped when drawn */
		default: u->help = false; break;
		}
		return true;
	}
	return dispatch(u, a, key);
}

void ui_handle_action(ui *u, enum ui_action a)
{
	dispatch(u, a, 0);
}

/* Runs action A of KEY on the main screen; false when the browser should quit. */
static bool dispatch(ui *u, enum ui_action a, int key)
{
	u->message[0] = '\0';
	int p = u->focus;
	bool list = p != PANE_PREVIEW;
	if (pv_active(u) && (key == KEY_LEFT || key == KEY_RIGHT)) {
		pv_scroll_columns(u, key == KEY_LEFT ? -8 : 8);
		return true;
	}
	switch (a) {
	case ACT_UP:
	case ACT_DOWN:
	case ACT_PAGE_UP:
	case ACT_PAGE_DOWN:
	case ACT_HOME:
	case ACT_END:
	case ACT_NEXT_MATCH:
	case ACT_PREV_MATCH:
		if (pv_active(u) && (a == ACT_NEXT_MATCH || a == ACT_PREV_MATCH))
			pv_search_next(u, a == ACT_NEXT_MATCH ? 1 : -1);
		else if (!list || u->fullscreen)
			preview_scroll(u, a);
		else if (list_move(&u->list[p], a, page_of(u, p)))
			ui_follow(u, p);
		break;
	case ACT_PREVIEW_UP:
	case ACT_PREVIEW_DOWN:
		preview_scroll(u, a);
		break;
	case ACT_NEXT_PANE:
		u->focus = (u->focus + 1) % PANE_COUNT;
		break;
	case ACT_PREV_PANE:
		u->focus = (u->focus + PANE_COUNT - 1) % PANE_COUNT;
		break;
	case ACT_OPEN:
		if (!list)
			u->fullscreen = !u->fullscreen;
		else
			panes[p]->open(u);
		break;
	case ACT_BACK:
		if (u->fullscreen)
			u->fullscreen = false;
		else if (!list)
			u->focus = PANE_FILES;
		else
			panes[p]->back(u);
		break;
	case ACT_FILTER:
		if (pv_active(u)) {
			pv_search_start(u);
		} else if (list) {
			memcpy(u->filter_saved, u->list[p].filter, sizeof(u->filter_saved));
			u->filtering = true;
		}
		break;
	case ACT_SORT:
		if (list)
			ui_message(u, false, "%s sorted by %s", panes[p]->title,
				   list_cycle_sort(&u->list[p]));
		break;
	case ACT_FULLSCREEN:
		u->fullscreen = !u->fullscreen;
		break;
	case ACT_REFRESH:
		ui_refresh(u);
		break;
	case ACT_HELP:
		u->help = true;
		u->help_top = 0;
		break;
	case ACT_CANCEL:
		if (u->fullscreen)
			u->fullscreen = false;
		else if (list && *u->list[p].filter) {
			u->list[p].filter[0] = '\0';
			list_refresh(&u->list[p]);
			ui_follow(u, p);
		}
		break;
	case ACT_WRAP:
		pv_toggle_wrap(u);
		break;
	case ACT_COPY:
		clipboard_copy(u);
		break;
	case ACT_PAGER:
	case ACT_EDITOR:
		pv_open_external(u, a == ACT_EDITOR);
		break;
	case ACT_QUIT:
		if (u->fullscreen) { /* q closes a view; only the main screen quits */
			u->fullscreen = false;
			break;
		}
		if (vds_jobs_active(u->jobs)) {
			size_t n = vds_jobs_active(u->jobs);
			form_open(u, on_quit, "%zu job%s still running or queued: quit and cancel %s?", n,
				  n == 1 ? " is" : "s are", n == 1 ? "it" : "them");
			return true;
		}
		return false;
	case ACT_JOBS:
		u->jobs_view = true;
		break;
	case ACT_MARK:
		if (!*u->ver) {
			ui_message(u, true, "select a version to mark");
			break;
		}
		memcpy(u->mark_ds, u->ds, sizeof(u->mark_ds));
		memcpy(u->mark_ver, u->ver, sizeof(u->mark_ver));
		ui_message(u, false, "marked %s:%s: press d on another version to compare",
			   ui_ds_name(u, u->ds), u->ver);
		break;
	case ACT_DIFF:
		diff_view_open(u);
		break;
	case ACT_DETAILS:
		details_view_open(u);
		break;
	case ACT_CREATE_DATASET:
	case ACT_NEW_VERSION:
	case ACT_UPLOAD:
	case ACT_IMPORT:
	case ACT_REMOVE:
	case ACT_COMMIT:
	case ACT_TAG:
	case ACT_UNTAG:
	case ACT_DOWNLOAD:
	case ACT_DELETE:
		action_start(u, a);
		break;
	default:
		break;
	}
	return true;
}

/* ---- the loop -------------------------------------------------------------- */

#define JOB_WORKERS 2
#define FRAME_MS 100 /* progress redraws at most ten times a second */

void ui_follow_jobs(ui *u)
{
	unsigned ended = vds_jobs_ended(u->jobs);

	if (ended != u->jobs_seen_ended) {
		u->jobs_seen_ended = ended;
		ui_refresh(u);
		action_follow(u);
		pv_follow_job(u);
	}
}

static int64_t now_ms(void)
{
	return vds_now_us() / 1000;
}

#define TYPEAHEAD 64          /* keys typed ahead of a pane's data, kept in order */
#define TYPEAHEAD_MS 2000     /* longest a typed-ahead key waits for the reads before it */

/* True while some pane waits for a read. */
static bool reads_busy(const ui *u)
{
	int64_t since;

	for (int p = 0; p < PANE_COUNT; p++)
		if (reads_loading(u, p, &since))
			return true;
	return false;
}

/*
 * True when KEY would act on the rows of a pane that has none yet: it is
 * typed ahead. Keys that move the focus, open a view or quit never wait.
 */
static bool key_waits(const ui *u, int key)
{
	int64_t since;

	if (u->form.active || u->picker || u->jobs_view || u->diff || u->details || u->help ||
	    u->filtering || u->pv_searching)
		return false;
	switch (keys_action(key)) {
	case ACT_NEXT_PANE:
	case ACT_PREV_PANE:
	case ACT_HELP:
	case ACT_JOBS:
	case ACT_REFRESH:
	case ACT_FULLSCREEN:
	case ACT_WRAP:
	case ACT_CANCEL:
	case ACT_QUIT:
		return false;
	default:
		break;
	}
	char wait[64];
	if (reads_view_loading(u, READS_REF, wait, sizeof(wait)))
		return true; /* the browser opens at the command line's REF first */
	if (u->fullscreen || u->focus == PANE_PREVIEW)
		return reads_loading(u, PANE_PREVIEW, &since);
	return u->list[u->focus].nshown == 0 && reads_loading(u, u->focus, &since);
}

/*
 * The terminal loop: poll() waits on the keyboard, the jobs' pipe and the
 * readers' pipe. Keys are answered at once; finished reads are shown as
 * they come; job progress and loading lines redraw at most every FRAME_MS.
 * Keys typed for the rows of a focused pane that has none yet are kept,
 * and handled in order once it has them (and every key after them), each
 * after what the one before it read (TYPEAHEAD_MS at most), as if they had
 * been typed at that pace; other keys are handled at once.
 */
static void run_terminal(ui *u)
{
	struct pollfd fds[3] = {{STDIN_FILENO, POLLIN, 0},
				{vds_jobs_fd(u->jobs), POLLIN, 0},
				{reads_fd(u), POLLIN, 0}};
	int64_t last_draw = 0, held_since = 0;
	bool dirty = true;
	int held[TYPEAHEAD];
	size_t nheld = 0;

	for (;;) {
		if (u->ref_status < 0)
			return; /* the command line's REF does not resolve */
		reads_start(u, false); /* what the cursor rests on, once it rests */
		int later = reads_timeout(u);
		if (later >= 0)
			dirty = true; /* a loading line's time moves */
		if (dirty && now_ms() - last_draw >= FRAME_MS) {
			ui_draw(u);
			last_draw = now_ms();
			dirty = false;
		}
		int wait = dirty ? (int)(FRAME_MS - (now_ms() - last_draw)) : -1;
		if (wait < 0 && dirty)
			wait = 0;
		if (later >= 0 && (wait < 0 || later < wait))
			wait = later;
		if (nheld && (wait < 0 || wait > 10))
			wait = 10; /* typed-ahead keys go on as soon as they may */
		if (poll(fds, 3, wait) < 0 && errno != EINTR)
			return;
		if (fds[2].revents & POLLIN && reads_apply(u)) {
			ui_draw(u); /* a result is shown at once */
			last_draw = now_ms();
			dirty = false;
		}
		if (fds[1].revents & POLLIN) {
			vds_jobs_drain(u->jobs);
			ui_follow_jobs(u);
			dirty = true;
		}
		int key;
		while (nheld && (!reads_busy(u) || now_ms() - held_since > TYPEAHEAD_MS)) {
			key = held[0];
			memmove(held, held + 1, --nheld * sizeof(*held));
			held_since = now_ms();
			if (!ui_handle_key(u, key))
				return;
			ui_follow_jobs(u);
			reads_start(u, false);
			ui_draw(u);
			last_draw = now_ms();
			dirty = false;
		}
		while ((key = wgetch(status_win)) != ERR) {
			if (nheld || key_waits(u, key)) { /* typed ahead of the data */
				if (!nheld)
					held_since = now_ms();
				if (nheld < TYPEAHEAD)
					held[nheld++] = key;
				continue;
			}
			if (!ui_handle_key(u, key))
				return;
			ui_follow_jobs(u);
			ui_draw(u); /* a key is answered at once */
			last_draw = now_ms();
			dirty = false;
		}
	}
}

/*
 * The scripted loop: keys and commands from the script, jobs waited for by
 * :wait. Reads settle before each key and dump (script.c), so that screens
 * are exact, unless the script says :async.
 */
static void run_script(ui *u, ui_script *script)
{
	for (;;) {
		ui_follow_jobs(u);
		reads_start(u, false);
		reads_apply(u);
		if (u->ref_status < 0)
			return;
		ui_draw(u);
		int key = script_next_key(script, u); /* runs the commands before it (:async, :dump) */
		if (key < 0)
			return;
		if (script_settles(script))
			reads_settle(u);
		/* a key typed ahead of its pane's data waits for it, as on a terminal */
		for (int64_t t = now_ms(); key_waits(u, key) && now_ms() - t < TYPEAHEAD_MS;)
			reads_wait(u, 10);
		if (!ui_handle_key(u, key))
			return;
	}
}

static char *keys_path(vds_ctx *ctx)
{
	char *cfg = xstrdup(vds_ctx_config_path(ctx)), *path = xasprintf("%s/keys.conf", dirname(cfg));

	free(cfg);
	return path;
}

int vds_browse(vds_ctx *ctx, const char *ref)
{
	char err[512] = "";
	ui u = {.ctx = ctx, .focus = PANE_DATASETS, .pv_match = SIZE_MAX};
	ui_script *script = script_open(err, sizeof(err));
	char *kp = keys_path(ctx);
	SCREEN *scr = NULL;
	FILE *devnull = NULL;
	int r = 0;

	char *ref_ds = NULL, *ref_name = NULL; /* the syntax only: the store is read later */
	if (ref)
		r = vds_ref_parse(ref, &ref_ds, &ref_name);
	free(ref_ds);
	free(ref_name);
	if (r < 0) {
		free(kp);
		script_close(script);
		return r;
	}
	if (!script && *err)
		r = vds_err(VDS_EINVAL, "%s", err);
	else if (keys_init(kp, err, sizeof(err)) < 0)
		r = vds_err(VDS_EINVAL, "%s", err);
	free(kp);
	if (r < 0) {
		script_close(script);
		return r;
	}
	if (script) { /* an in-memory screen: nothing reaches a terminal */
		const char *term = getenv("TERM"), *out = getenv("VDS_UI_OUTPUT");
		devnull = fopen(out && *out ? out : "/dev/null", "w+");
		if (devnull)
			scr = newterm(term && *term ? term : "vt100", devnull, devnull);
		u.term = devnull;
	} else if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
		scr = newterm(NULL, stdout, stdin);
		u.term = stdout;
	}
	if (!scr) {
		script_close(script);
		if (devnull)
			fclose(devnull);
		return vds_err(VDS_EUSAGE, "the browser needs a terminal (TERM=%s)",
			       getenv("TERM") ? getenv("TERM") : "");
	}
	set_term(scr);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	mouse_init();
	draw_init_colors();
	u.dir = xstrdup("");
	ui_layout(&u);
	vds_ctx_set_warn(ctx, warn_in_status, &u); /* until the browser ends */
	reads_init(&u); /* the dataset list is read on a reader thread */
	if (ref)
		open_ref(&u, ref);
	u.jobs = vds_jobs_new(vds_ctx_config_path(ctx), JOB_WORKERS);
	if (script)
		run_script(&u, script);
	else
		run_terminal(&u);
	vds_jobs_free(u.jobs); /* cancels what still runs, cleanly */
	reads_free(&u);
	vds_ctx_set_warn(ctx, NULL, NULL);
	pv_cleanup(&u);
	action_free(&u);
	form_close(&u.form);
	picker_free(&u);
	diff_view_free(&u);
	details_view_free(&u);
	preview_overlay_end();
	endwin();
	delscreen(scr);
	if (devnull)
		fclose(devnull);
	script_close(script);
	for (int i = 0; i < PANE_COUNT; i++)
		list_clear(&u.list[i]);
	vds_dataset_list_free(u.datasets, u.ndatasets);
	memo_clear(&u); /* owns the version and tag lists */
	vds_listing_release(&u.listing);
	vds_tree_free(u.tree);
	preview_release(&u.preview);
	free(u.dir);
	if (u.ref_status < 0) { /* as the check before the browser said it before */
		r = vds_err(u.ref_status, "%s", u.ref_error);
		free(u.ref_error);
		return r;
	}
	return 0;
}
