/*
 * preview_nav.c - moving inside the preview as in less: / searches its
 * text (n and N go on), Left and Right scroll long lines, w wraps them, a
 * table's header row stays on top, and o or e open the file in $PAGER or
 * $EDITOR: a job fetches it (verified) into a temporary folder, which is
 * removed when the program ends.
 */
#include "config.h"

#include <errno.h>
#include <ftw.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <wchar.h>

#include "ui.h"
#include "util.h"

extern char **environ;

static int text_width = 80; /* columns of the preview's text when last drawn */

bool pv_active(const ui *u)
{
	return u->fullscreen || u->focus == PANE_PREVIEW;
}

void pv_reset(ui *u)
{
	u->pv_match = SIZE_MAX;
	u->pv_left = 0;
}

void pv_search_start(ui *u)
{
	memcpy(u->pv_saved, u->pv_search, sizeof(u->pv_saved));
	u->pv_search[0] = '\0';
	u->pv_searching = true;
}

/* Where PAT occurs in LINE, or NULL; a pattern without capitals ignores case (vim's smartcase). */
static const char *find(const char *line, const char *pat)
{
	for (const char *p = pat; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			return strstr(line, pat);
	return strcasestr(line, pat);
}

/* Display columns of the first N bytes of LINE as drawn (escaped). */
static size_t columns_before(const char *line, size_t n)
{
	char *head = xstrndup(line, n), *esc = preview_escape(head);
	size_t w = vds_display_width(esc);

	free(esc);
	free(head);
	return w;
}

/* Puts line I at the top and its match in view. */
static void show_match(ui *u, size_t i)
{
	const char *at = find(u->preview.lines[i], u->pv_search);
	size_t col = at ? columns_before(u->preview.lines[i], (size_t)(at - u->preview.lines[i])) : 0;
	size_t total = 0, k = 0;

	u->pv_match = i;
	u->preview_top = i;
	if (!u->pv_wrap && (col < u->pv_left || col + strlen(u->pv_search) > u->pv_left + (size_t)text_width))
		u->pv_left = col > 8 ? col - 8 : 0;
	for (size_t j = 0; j < u->preview.nlines; j++)
		if (find(u->preview.lines[j], u->pv_search)) {
			total++;
			if (j <= i)
				k = total;
		}
	ui_message(u, false, "/%s: match %zu of %zu, line %zu", u->pv_search, k, total, i + 1);
}

void pv_search_next(ui *u, int dir)
{
	size_t n = u->preview.nlines;

	if (!*u->pv_search) {
		ui_message(u, true, "no search yet: / searches the preview");
		return;
	}
	if (n == 0) {
		ui_message(u, true, "pattern not found: %s", u->pv_search);
		return;
	}
	/* dir 0: the first match from the top line on; 1 and -1 step from the current match */
	size_t from = u->pv_match != SIZE_MAX ? u->pv_match : u->preview_top;
	if (from >= n)
		from = n - 1;
	for (size_t k = dir == 0 ? 0 : 1; k <= n; k++) {
		size_t i = dir < 0 ? (from + n - k % n) % n : (from + k) % n;
		if (find(u->preview.lines[i], u->pv_search)) {
			show_match(u, i);
			if ((dir > 0 && i <= from && k) || (dir < 0 && i >= from && k))
				snprintf(u->message + strlen(u->message), sizeof(u->message) - strlen(u->message),
					 " (search wrapped)");
			return;
		}
	}
	ui_message(u, true, "pattern not found: %s", u->pv_search);
}

void pv_search_key(ui *u, int key)
{
	size_t n = strlen(u->pv_search);

	if (key == '\n' || key == '\r' || key == KEY_ENTER) {
		u->pv_searching = false;
		if (!*u->pv_search) /* an empty pattern repeats the last one, as in less */
			memcpy(u->pv_search, u->pv_saved, sizeof(u->pv_search));
		u->pv_match = SIZE_MAX;
		pv_search_next(u, 0);
	} else if (key == 27) {
		memcpy(u->pv_search, u->pv_saved, sizeof(u->pv_search));
		u->pv_searching = false;
	} else if (key == KEY_BACKSPACE || key == 127 || key == 8) {
		while (n > 0 && ((unsigned char)u->pv_search[n - 1] & 0xc0) == 0x80)
			n--;
		if (n > 0)
			n--;
		else
			u->pv_searching = false; /* backspace on an empty pattern leaves, as in vim */
		u->pv_search[n] = '\0';
	} else if (key >= 32 && key < 256 && key != 127 && n + 1 < sizeof(u->pv_search)) {
		u->pv_search[n] = (char)key;
		u->pv_search[n + 1] = '\0';
	}
}

void pv_scroll_columns(ui *u, int cols)
{
	if (u->pv_wrap) {
		ui_message(u, false, "long lines wrap: w cuts them again to scroll sideways");
		return;
	}
	if (cols < 0)
		u->pv_left = u->pv_left > (size_t)-cols ? u->pv_left - (size_t)-cols : 0;
	else
		u->pv_left += (size_t)cols;
}

void pv_toggle_wrap(ui *u)
{
	u->pv_wrap = !u->pv_wrap;
	u->pv_left = 0;
	ui_message(u, false, "%s", u->pv_wrap ? "long lines wrap" : "long lines are cut (Left/Right scroll)");
}

/* Draws escaped ESC wrapped over rows from *Y on; returns false when the rows ran out. */
static bool draw_wrapped_line(WINDOW *w, int *y, int x, int width, int bottom, const char *esc,
			      attr_t attr)
{
	const unsigned char *p = (const unsigned char *)esc;

	do {
		const unsigned char *start = p;
		int col = 0;
		while (*p) {
			uint32_t cp;
			int n = vds_utf8_seq(p, &cp), cw = n ? wcwidth((wchar_t)cp) : 1;
			if (cw < 0)
				cw = 1;
			if (col + cw > width)
				break;
			col += cw;
			p += n ? n : 1;
		}
		if (*y >= bottom)
			return false;
		char *part = xstrndup((const char *)start, (size_t)(p - start));
		draw_escaped(w, (*y)++, x, width, part, 0, attr);
		free(part);
	} while (*p);
	return true;
}

int pv_draw_wrapped(WINDOW *w, int y, int x, int width, int bottom, const char *s, attr_t attr)
{
	char *esc = vds_display_escape(s);

	draw_wrapped_line(w, &y, x, width, bottom, esc, attr);
	free(esc);
	return y;
}

void pv_draw_lines(ui *u, WINDOW *w, int y, int x, int width, int bottom)
{
	const ui_preview *pv = &u->preview;
	size_t header = pv->header < pv->nlines ? pv->header : pv->nlines;
	size_t first = u->preview_top > header ? u->preview_top : header;

	text_width = width;
	for (size_t i = 0; i < pv->nlines && y < bottom; i++) {
		if (i == header && i < first)
			i = first; /* the header stays; the rows scroll under it */
		if (i >= pv->nlines)
			break;
		attr_t attr = i == u->pv_match ? draw_attr(COL_SELECT) : i < header ? A_BOLD : A_NORMAL;
		char *esc = preview_escape(pv->lines[i]);
		if (u->pv_wrap)
			draw_wrapped_line(w, &y, x, width, bottom, esc, attr);
		else
			draw_escaped(w, y++, x, width, esc, u->pv_left, attr);
		free(esc);
	}
}

/* ---- $PAGER and $EDITOR ------------------------------------------------------- */

typedef struct fetch_arg {
	char ds[VDS_DSID_LEN + 1], ver[VDS_VERID_LEN + 1];
	char *path, *dir;
} fetch_arg;

static void fetch_free(void *p)
{
	fetch_arg *a = p;

	free(a->path);
	free(a->dir);
	free(a);
}

static int job_fetch(vds_ctx *ctx, void *p, const vds_opts *o, char *res, size_t len)
{
	fetch_arg *a = p;
	vds_get_result gr;
	const char *paths[] = {a->path};
	int r = vds_files_get(ctx, a->ds, a->ver, paths, 1, a->dir, o, &gr);

	if (r == 0)
		snprintf(res, len, "fetched %s (%llu bytes) to a temporary copy", a->path,
			 (unsigned long long)gr.bytes);
	return r;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

void pv_cleanup(ui *u)
{
	if (*u->pv_tmp)
		nftw(u->pv_tmp, remove_one, 16, FTW_PHYS | FTW_DEPTH);
	u->pv_tmp[0] = u->pv_file[0] = '\0';
	u->pv_job = 0;
}

void pv_open_external(ui *u, bool editor)
{
	const vds_entry *e = ui_preview_entry(u);
	const char *tmp = getenv("TMPDIR");

	if (!e || e->type != VDS_FILE) {
		ui_message(u, true, "select a file to open in %s", editor ? "$EDITOR" : "$PAGER");
		return;
	}
	if (u->pv_job) {
		ui_message(u, true, "a file is being fetched for %s already", u->pv_editor ? "$EDITOR" : "$PAGER");
		return;
	}
	snprintf(u->pv_tmp, sizeof(u->pv_tmp), "%s/vds-view-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(u->pv_tmp)) {
		ui_message(u, true, "cannot make a temporary folder in '%s': %s", tmp && *tmp ? tmp : "/tmp",
			   strerror(errno));
		u->pv_tmp[0] = '\0';
		return;
	}
	fetch_arg *a = xcalloc(1, sizeof(*a));
	snprintf(a->ds, sizeof(a->ds), "%s", u->ds);
	snprintf(a->ver, sizeof(a->ver), "%s", u->ver);
	a->path = xstrdup(u->preview_path);
	a->dir = xstrdup(u->pv_tmp);
	snprintf(u->pv_file, sizeof(u->pv_file), "%s/%s", u->pv_tmp, u->preview_path);
	u->pv_editor = editor;
	char *title = xasprintf("open %s in %s", u->preview_path, editor ? "$EDITOR" : "$PAGER");
	u->pv_job = vds_jobs_submit(u->jobs, title, job_fetch, a, fetch_free);
	ui_message(u, false, "fetching %s for %s (b shows jobs)", u->preview_path,
		   editor ? "$EDITOR" : "$PAGER");
	free(title);
}

/* Runs PROGRAM (a shell command line, like git's $PAGER) on FILE on the terminal; its status. */
static int run_program(const char *program, const char *file)
{
	char *cmd = xasprintf("%s \"$@\"", program);
	char *argv[] = {"sh", "-c", cmd, (char *)program, (char *)file, NULL};
	pid_t pid;
	int st = -1;

	def_prog_mode();
	endwin();
	if (posix_spawnp(&pid, "sh", NULL, NULL, argv, environ) == 0)
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	reset_prog_mode();
	clearok(curscr, TRUE);
	free(cmd);
	return st;
}

void pv_follow_job(ui *u)
{
	vds_job_info *v;
	size_t n;

	if (!u->pv_job)
		return;
	n = vds_jobs_snapshot(u->jobs, &v);
	for (size_t i = 0; i < n; i++) {
		if (v[i].id != u->pv_job || v[i].state <= VDS_JOB_RUNNING)
			continue;
		if (v[i].state == VDS_JOB_DONE) {
			const char *var = u->pv_editor ? "EDITOR" : "PAGER", *prog = getenv(var);
			if (!prog || !*prog)
				prog = u->pv_editor ? "vi" : "less";
			int st = run_program(prog, u->pv_file);
			if (st != 0)
				ui_message(u, true, "$%s (%s) ended with status %d", var, prog,
					   WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
			else if (u->pv_editor)
				ui_message(u, false, "the copy opened in $EDITOR was removed: versions change "
						     "only through uploads");
		} else {
			ui_message(u, true, "cannot open %s: %s", u->preview_path,
				   v[i].error ? v[i].error : "cancelled");
		}
		pv_cleanup(u);
		break;
	}
	vds_jobs_snapshot_free(v, n);
}
