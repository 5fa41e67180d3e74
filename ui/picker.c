/*
 * picker.c - the local file picker of uploads: walk the local filesystem,
 * mark files and folders with Space (marks survive moving between
 * folders), a all shown, n none, / filters the folder as you type, : goes
 * to a folder typed (~ and Tab completion), ~ to the home folder, and u
 * uploads what is marked. The picker opens where it was last left.
 * A folder is listed on a reader thread (a large one does not freeze the
 * screen): the picker says it is loading, and a listing of a folder the
 * user has since left is dropped. Tab completion is read there too.
 */
#include "config.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ui.h"
#include "util.h"

struct ui_picker {
	char *cwd;
	ui_list list;
	bool *is_dir;
	char **marked; /* absolute paths */
	size_t nmarked;
	void (*done)(ui *u, char **paths, size_t n);
	int typing;      /* '/' while a filter is typed, ':' while a folder is, or 0 */
	char path[4096]; /* the folder being typed */
	char *select;    /* the row to select once the listing is there, or NULL */
};

/* What a reader lists: a folder's rows, folders first. */
typedef struct picker_read {
	char *dir;
	ui_row *rows;
	bool *is_dir;
	size_t n;
	bool failed;
} picker_read;

/* What a reader completes: the folder typed, and its completion. */
typedef struct complete_read {
	char typed[4096], done[4096];
	bool changed;
} complete_read;

static char last_dir[PATH_MAX]; /* where the picker was left, for the next upload */

static int cmp_rows(const void *a, const void *b)
{
	const ui_row *x = a, *y = b;

	int xd = (int)(x->index & 1), yd = (int)(y->index & 1); /* folders (odd) first */

	if (xd != yd)
		return yd - xd;
	return strcmp(x->text, y->text);
}

static char *full_in(const char *dir, const char *name)
{
	return !strcmp(dir, "/") ? xasprintf("/%s", name) : xasprintf("%s/%s", dir, name);
}

static char *full(const ui_picker *p, const char *name)
{
	return full_in(p->cwd, name);
}

/* On a reader: the rows of folder PR->dir, sorted, folders first. */
static int read_folder(vds_ctx *ctx, void *arg, const vds_opts *o)
{
	picker_read *pr = arg;
	DIR *d = opendir(pr->dir);
	struct dirent *de;

	(void)ctx;
	pr->failed = d == NULL;
	while (d && !atomic_load(o->cancel) && (de = readdir(d))) {
		struct stat st = {0};
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char *path = full_in(pr->dir, de->d_name);
		bool dir = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
		free(path);
		pr->rows = xrealloc(pr->rows, (pr->n + 1) * sizeof(*pr->rows));
		/* the low bit of the index says "folder" until the rows are sorted */
		pr->rows[pr->n] = (ui_row){xstrdup(de->d_name), dir ? 0 : (unsigned long long)st.st_size,
					   st.st_mtime, pr->n * 2 + (dir ? 1 : 0)};
		pr->n++;
	}
	if (d)
		closedir(d);
	if (pr->n)
		qsort(pr->rows, pr->n, sizeof(*pr->rows), cmp_rows);
	pr->is_dir = xcalloc(pr->n + 1, sizeof(*pr->is_dir));
	for (size_t i = 0; i < pr->n; i++) {
		pr->is_dir[i] = pr->rows[i].index & 1;
		pr->rows[i].index = i;
	}
	return atomic_load(o->cancel) ? vds_err(VDS_ECANCELED, "listing of '%s' cancelled", pr->dir) : 0;
}

static void picker_read_free(void *arg)
{
	picker_read *pr = arg;

	for (size_t i = 0; i < pr->n; i++)
		free(pr->rows[i].text);
	free(pr->rows);
	free(pr->is_dir);
	free(pr->dir);
	free(pr);
}

/* On the UI thread: the listing arrived for the folder the picker is in. */
static void show_folder(ui *u, void *arg, int status, const char *error)
{
	ui_picker *p = u->picker;
	picker_read *pr = arg;

	if (!p || strcmp(p->cwd, pr->dir))
		return;
	if (pr->failed)
		ui_message(u, true, "cannot read %s", p->cwd);
	else if (status < 0)
		ui_message(u, true, "%s", error);
	free(p->is_dir);
	p->is_dir = pr->is_dir;
	list_set(&p->list, pr->rows, pr->n); /* the filter typed meanwhile applies */
	pr->is_dir = NULL;
	pr->rows = NULL;
	pr->n = 0;
	for (size_t i = 0; p->select && i < p->list.nall; i++)
		if (!strcmp(p->list.all[i].text, p->select))
			list_select_index(&p->list, i);
	free(p->select);
	p->select = NULL;
}

/* Lists the picker's folder on a reader; until it is there the picker is empty and says so. */
static void load(ui *u)
{
	ui_picker *p = u->picker;
	picker_read *pr = xcalloc(1, sizeof(*pr));

	free(p->is_dir);
	p->is_dir = xcalloc(1, sizeof(*p->is_dir));
	p->list.filter[0] = '\0';
	list_set(&p->list, NULL, 0);
	pr->dir = xstrdup(p->cwd);
	reads_view(u, READS_PICKER, read_folder, show_folder, pr, picker_read_free); /* drops the last */
}

/* On a reader: Tab completion of the folder typed. */
static int read_complete(vds_ctx *ctx, void *arg, const vds_opts *o)
{
	complete_read *cr = arg;

	(void)ctx;
	(void)o;
	memcpy(cr->done, cr->typed, sizeof(cr->done));
	cr->changed = path_complete(cr->done, sizeof(cr->done));
	return 0;
}

/* On the UI thread: the completion arrived; it applies if nothing was typed since. */
static void show_complete(ui *u, void *arg, int status, const char *error)
{
	ui_picker *p = u->picker;
	complete_read *cr = arg;

	(void)error;
	if (p && p->typing == ':' && status == 0 && cr->changed && !strcmp(p->path, cr->typed))
		memcpy(p->path, cr->done, sizeof(p->path));
}

void picker_open(ui *u, void (*done)(ui *u, char **paths, size_t n))
{
	char cwd[PATH_MAX];

	picker_free(u);
	u->picker = xcalloc(1, sizeof(*u->picker));
	struct stat st;
	if (*last_dir && stat(last_dir, &st) == 0 && S_ISDIR(st.st_mode))
		u->picker->cwd = xstrdup(last_dir);
	else
		u->picker->cwd = xstrdup(getcwd(cwd, sizeof(cwd)) ? cwd : "/");
	u->picker->done = done;
	load(u);
}

bool picker_active(const ui *u)
{
	return u->picker != NULL;
}

void picker_free(ui *u)
{
	ui_picker *p = u->picker;

	if (!p)
		return;
	snprintf(last_dir, sizeof(last_dir), "%s", p->cwd);
	reads_view_close(u, READS_PICKER);
	reads_view_close(u, READS_COMPLETE);
	list_clear(&p->list);
	free(p->select);
	for (size_t i = 0; i < p->nmarked; i++)
		free(p->marked[i]);
	free(p->marked);
	free(p->is_dir);
	free(p->cwd);
	free(p);
	u->picker = NULL;
}

static ssize_t marked_at(const ui_picker *p, const char *path)
{
	for (size_t i = 0; i < p->nmarked; i++)
		if (!strcmp(p->marked[i], path))
			return (ssize_t)i;
	return -1;
}

static void toggle(ui_picker *p)
{
	const ui_row *row = list_selected(&p->list);
	if (!row)
		return;
	char *path = full(p, row->text);
	ssize_t at = marked_at(p, path);
	if (at >= 0) {
		free(p->marked[at]);
		p->marked[at] = p->marked[--p->nmarked];
		free(path);
	} else {
		p->marked = xrealloc(p->marked, (p->nmarked + 1) * sizeof(*p->marked));
		p->marked[p->nmarked++] = path;
	}
	list_move(&p->list, ACT_DOWN, 1);
}

static void go(ui *u, char *dir, const char *select)
{
	ui_picker *p = u->picker;

	free(p->cwd);
	p->cwd = dir;
	free(p->select);
	p->select = select ? xstrdup(select) : NULL;
	load(u);
}

/* Marks every row shown (ALL), or unmarks every path (not ALL). */
static void mark_all(ui_picker *p, bool all)
{
	if (!all) {
		for (size_t i = 0; i < p->nmarked; i++)
			free(p->marked[i]);
		p->nmarked = 0;
		return;
	}
	for (size_t i = 0; i < p->list.nshown; i++) {
		char *path = full(p, p->list.all[p->list.shown[i]].text);
		if (marked_at(p, path) >= 0) {
			free(path);
			continue;
		}
		p->marked = xrealloc(p->marked, (p->nmarked + 1) * sizeof(*p->marked));
		p->marked[p->nmarked++] = path;
	}
}

/* A key while a filter or a folder is typed. */
static void typing_key(ui *u, int key)
{
	ui_picker *p = u->picker;
	char *buf = p->typing == '/' ? p->list.filter : p->path;
	size_t cap = p->typing == '/' ? sizeof(p->list.filter) : sizeof(p->path), n = strlen(buf);

	if (key == 27) {
		if (p->typing == '/')
			buf[0] = '\0';
		p->typing = 0;
	} else if (key == '\n' || key == '\r' || key == KEY_ENTER) {
		if (p->typing == ':') {
			char *dir = path_expand(p->path);
			struct stat st;
			if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) {
				char real[PATH_MAX];
				go(u, xstrdup(realpath(dir, real) ? real : dir), NULL);
			} else {
				ui_message(u, true, "'%s' is not a folder", p->path);
			}
			free(dir);
		}
		p->typing = 0;
	} else if (key == '\t' && p->typing == ':') {
		complete_read *cr = xcalloc(1, sizeof(*cr));
		memcpy(cr->typed, p->path, sizeof(cr->typed));
		reads_view(u, READS_COMPLETE, read_complete, show_complete, cr, free);
		return;
	} else if (key == 21) { /* ^U clears, as in a form */
		buf[0] = '\0';
	} else if (key == KEY_BACKSPACE || key == 127 || key == 8) {
		while (n > 0 && ((unsigned char)buf[n - 1] & 0xc0) == 0x80)
			n--;
		if (n > 0)
			buf[n - 1] = '\0';
	} else if (key >= 32 && key < 256 && n + 1 < cap) {
		buf[n] = (char)key;
		buf[n + 1] = '\0';
	}
	if (p->typing != ':' || key == 27)
		list_refresh(&p->list);
}

void picker_key(ui *u, int key)
{
	ui_picker *p = u->picker;
	const ui_row *row = list_selected(&p->list);
	enum ui_action a = keys_action(key);

	if (p->typing) {
		typing_key(u, key);
		return;
	}
	if (key == '/' || key == ':') {
		p->typing = key;
		if (key == '/')
			p->list.filter[0] = '\0';
		else
			snprintf(p->path, sizeof(p->path), "%s/", strcmp(p->cwd, "/") ? p->cwd : "");
		return;
	}
	if (key == '~') {
		char *home = path_expand("~");
		go(u, home, NULL);
		return;
	}
	if (key == 'a' || key == 'n') {
		mark_all(p, key == 'a');
		return;
	}
	if (key == 27 || key == 'q') {
		picker_free(u);
		ui_message(u, false, "upload cancelled");
		return;
	}
	if (key == ' ') {
		toggle(p);
		return;
	}
	if (key == 'u') {
		if (p->nmarked == 0 && row) /* nothing marked: the item under the cursor */
			toggle(p);
		char **paths = p->marked;
		size_t n = p->nmarked;
		void (*done)(ui *, char **, size_t) = p->done;
		p->marked = NULL;
		p->nmarked = 0;
		picker_free(u);
		if (n)
			done(u, paths, n);
		for (size_t i = 0; i < n; i++)
			free(paths[i]);
		free(paths);
		return;
	}
	switch (a) {
	case ACT_OPEN:
		if (row && p->is_dir[row->index])
			go(u, full(p, row->text), NULL);
		break;
	case ACT_BACK:
		if (strcmp(p->cwd, "/")) {
			char *slash = strrchr(p->cwd, '/');
			char *child = xstrdup(slash + 1);
			go(u, slash == p->cwd ? xstrdup("/") : strndup(p->cwd, (size_t)(slash - p->cwd)),
			   child);
			free(child);
		}
		break;
	default:
		list_move(&p->list, a, LINES - 6);
		break;
	}
}

void picker_draw(ui *u)
{
	ui_picker *p = u->picker;
	char title[PATH_MAX + 64], size[32], hint[4200];
	int h = LINES - 2, w = COLS;

	char *where = path_abbrev(p->cwd);

	snprintf(title, sizeof(title), "Upload from %s", where);
	free(where);
	WINDOW *win = ui_overlay(h, w, title);
	list_scroll(&p->list, h - 3);
	char wait[64];
	if (reads_view_loading(u, READS_PICKER, wait, sizeof(wait)))
		draw_text(win, 1, 2, w - 4, wait, draw_attr(COL_DIM));
	else if (p->list.nshown == 0)
		draw_text(win, 1, 2, w - 4, "(empty folder)", draw_attr(COL_DIM));
	for (int y = 1; y < h - 2 && p->list.top + (size_t)(y - 1) < p->list.nshown; y++) {
		size_t i = p->list.top + (size_t)(y - 1);
		const ui_row *row = &p->list.all[p->list.shown[i]];
		char *path = full(p, row->text), *name;
		bool dir = p->is_dir[row->index];
		attr_t a = i == p->list.cursor ? draw_attr(COL_SELECT) : A_NORMAL;

		name = xasprintf("%s %s%s", marked_at(p, path) >= 0 ? "[x]" : "[ ]", row->text,
				 dir ? "/" : "");
		vds_format_size(row->size, true, size);
		draw_text(win, y, 1, w - 10, name, dir ? a | A_BOLD : a);
		draw_text_right(win, y, w - 9, 8, dir ? "" : size, a);
		free(name);
		free(path);
	}
	if (p->typing == ':')
		snprintf(hint, sizeof(hint), "Go to: %s", p->path);
	else if (p->typing == '/')
		snprintf(hint, sizeof(hint), "/%s", p->list.filter);
	else
		snprintf(hint, sizeof(hint),
			 "Space: mark  a/n: all/none  /: filter  :: go to  u: upload %zu  Esc: cancel",
			 p->nmarked);
	draw_text(win, h - 2, 1, w - 2, hint, p->typing ? A_NORMAL : draw_attr(COL_DIM));
	wnoutrefresh(win);
	delwin(win);
}
