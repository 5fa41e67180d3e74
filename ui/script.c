/*
 * script.c - scripted runs of the browser for tests, in the manner of tig:
 * $VDS_UI_SCRIPT names a file of key names and commands, the screen lives
 * in memory (no terminal needed), and ":dump FILE" writes it as text. Each
 * step runs only after the previous key was handled, the reads it started
 * (reads.c) have arrived and the screen is drawn, so tests need no sleeps
 * and screens are the same on a slow store (unless the script says :async).
 *
 *   j j <Tab> <Enter>       keys, by name (see keys.c)
 *   <Click:X,Y>             the mouse at column X, line Y (from 1, as the dump's
 *                           lines): also <DoubleClick:X,Y>, <WheelUp:X,Y>, <WheelDown:X,Y>
 *   :type some text         types the text, one key per character
 *   :resize COLS ROWS       resizes the screen
 *   :dump FILE              writes the screen to FILE
 *   :dump-attrs FILE        writes the screen's attributes to FILE, a letter a cell:
 *                           R reverse, U underline, B bold, . none (the first that applies)
 *   :wait                   waits until no background job is queued or running
 *   :wait-progress          waits until a running job has made some progress
 *   :async                  from here on, keys and dumps do not wait for reads in flight
 *                           (by default every read settles first, so screens are exact)
 *   :settle                 waits for the reads in flight, and those they lead to
 *   :sleep MS               waits MS milliseconds, showing what arrives meanwhile
 *   :wait-for FILE TEXT     waits (60 s at most) until FILE holds TEXT, showing what
 *                           arrives meanwhile: a request seen by the test proxy's log
 *   # comment
 *
 * $VDS_UI_OUTPUT, when set, names a file that gets the bytes meant for the
 * terminal (the clipboard's OSC 52 among them) instead of /dev/null.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "ui.h"
#include "util.h"

struct ui_script {
	FILE *f;
	char *path;
	int lineno;
	int *pending; /* keys of the current line not yet returned */
	MEVENT *events; /* the mouse event of each KEY_MOUSE among them */
	size_t npending, next;
	bool async; /* :async said: reads do not settle before keys and dumps */
};

bool script_settles(const ui_script *s)
{
	return !s->async;
}

ui_script *script_open(char *err, size_t errlen)
{
	const char *path = getenv("VDS_UI_SCRIPT");
	ui_script *s;
	FILE *f;

	err[0] = '\0';
	if (!path || !*path)
		return NULL;
	if (!(f = fopen(path, "r"))) {
		snprintf(err, errlen, "cannot open script '%s'", path);
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	s->f = f;
	s->path = xstrdup(path);
	return s;
}

void script_close(ui_script *s)
{
	if (!s)
		return;
	fclose(s->f);
	free(s->path);
	free(s->pending);
	free(s->events);
	free(s);
}

static void push_event(ui_script *s, int key, const MEVENT *ev)
{
	s->pending = xrealloc(s->pending, (s->npending + 1) * sizeof(*s->pending));
	s->events = xrealloc(s->events, (s->npending + 1) * sizeof(*s->events));
	memset(&s->events[s->npending], 0, sizeof(*s->events));
	if (ev)
		s->events[s->npending] = *ev;
	s->pending[s->npending++] = key;
}

static void push_key(ui_script *s, int key)
{
	push_event(s, key, NULL);
}

/* Parses a mouse event's name ("<Click:12,3>") of LEN bytes into EV; false if it is none. */
static bool parse_mouse(const char *name, size_t len, MEVENT *ev)
{
	static const struct {
		const char *name;
		mmask_t state;
	} kinds[] = {{"Click", BUTTON1_CLICKED},
		     {"DoubleClick", BUTTON1_DOUBLE_CLICKED},
		     {"WheelUp", BUTTON4_PRESSED},
		     {"WheelDown", BUTTON5_PRESSED}};
	char kind[16], close;
	int x, y;

	if (len < 2 || name[0] != '<' || name[len - 1] != '>' ||
	    sscanf(name + 1, "%15[A-Za-z]:%d,%d%c", kind, &x, &y, &close) != 4 || close != '>' ||
	    x < 1 || y < 1)
		return false;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(kind, kinds[i].name)) {
			memset(ev, 0, sizeof(*ev));
			ev->x = x - 1;
			ev->y = y - 1;
			ev->bstate = kinds[i].state;
			return true;
		}
	return false;
}

/* Maps a screen cell to plain text: line drawing becomes ASCII. */
static void cell_text(const cchar_t *c, FILE *out, int *width)
{
	wchar_t wch[CCHARW_MAX + 1] = {0};
	attr_t attrs;
	short pair;
	char mb[MB_LEN_MAX + 1];

	getcchar(c, wch, &attrs, &pair, NULL);
	*width = 1;
	if (attrs & A_ALTCHARSET) {
		char ch = (char)wch[0];
		fputc(ch == 'q' ? '-' : ch == 'x' ? '|' : strchr("lkmjtuvwn", ch) ? '+' : ch, out);
		return;
	}
	if (wch[0] >= 0x2500 && wch[0] <= 0x257f) { /* Unicode line drawing */
		fputc(wch[0] == 0x2500 ? '-' : wch[0] == 0x2502 ? '|' : '+', out);
		return;
	}
	int w = wcwidth(wch[0]);
	*width = w > 1 ? w : 1;
	for (int i = 0; i < CCHARW_MAX && wch[i]; i++) {
		mbstate_t st = {0};
		size_t n = wcrtomb(mb, wch[i], &st);
		if (n != (size_t)-1)
			fwrite(mb, 1, n, out);
	}
}

int screen_dump(const char *path)
{
	FILE *out = fopen(path, "w");

	if (!out)
		return -1;
	for (int y = 0; y < LINES; y++) {
		char *line = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&line, &len);
		for (int x = 0; x < COLS;) {
			cchar_t c;
			int w = 1;
			if (mvwin_wch(curscr, y, x, &c) == OK)
				cell_text(&c, f, &w);
			else
				fputc(' ', f);
			x += w;
		}
		fclose(f);
		while (len > 0 && line[len - 1] == ' ')
			line[--len] = '\0';
		fprintf(out, "%s\n", line);
		free(line);
	}
	return fclose(out);
}

/* Writes the attributes of every cell of the screen to PATH (see :dump-attrs). */
static int attrs_dump(const char *path)
{
	FILE *out = fopen(path, "w");

	if (!out)
		return -1;
	for (int y = 0; y < LINES; y++) {
		for (int x = 0; x < COLS; x++) {
			chtype c = mvwinch(curscr, y, x);
			fputc(c & A_REVERSE ? 'R' : c & A_UNDERLINE ? 'U' : c & A_BOLD ? 'B' : '.', out);
		}
		fputc('\n', out);
	}
	return fclose(out);
}

/* Waits 10 ms, showing the reads that arrive meanwhile. */
static void tick(ui *u)
{
	nanosleep(&(struct timespec){0, 10 * 1000000L}, NULL);
	reads_start(u, false);
	reads_apply(u);
}

/* True if FILE can be read and holds TEXT. */
static bool file_holds(const char *file, const char *text)
{
	size_t len;
	char *data = NULL;
	bool found = vds_read_file(file, &data, &len) == 0 && memmem(data, len, text, strlen(text));

	free(data);
	return found;
}

/* Runs one script line: commands act now, keys are queued. */
static void run_line(ui_script *s, ui *u, char *line)
{
	line[strcspn(line, "\r\n")] = '\0';
	char *p = line + strspn(line, " \t");

	if (*p == '#' || *p == '\0')
		return;
	if (!strcmp(p, ":async")) {
		s->async = true;
		return;
	}
	if (!strcmp(p, ":settle")) {
		reads_settle(u);
		return;
	}
	if (!strncmp(p, ":sleep ", 7)) {
		long ms = strtol(p + 7, NULL, 10);
		for (; ms > 0; ms -= 10)
			tick(u);
		return;
	}
	if (!strncmp(p, ":wait-for ", 10)) {
		char *file = p + 10, *text = strchr(file, ' ');
		if (!text) {
			ui_message(u, true, "%s:%d: want :wait-for FILE TEXT", s->path, s->lineno);
			return;
		}
		*text++ = '\0';
		for (int ms = 0; ms < 60000 && !file_holds(file, text); ms += 10)
			tick(u);
		return;
	}
	if (!s->async && (!strncmp(p, ":dump", 5) || !strncmp(p, ":wait", 5)))
		reads_settle(u);
	if (!strncmp(p, ":dump ", 6)) {
		ui_draw(u);
		if (screen_dump(p + 6) < 0)
			ui_message(u, true, "%s:%d: cannot write %s", s->path, s->lineno, p + 6);
		return;
	}
	if (!strncmp(p, ":dump-attrs ", 12)) {
		ui_draw(u);
		if (attrs_dump(p + 12) < 0)
			ui_message(u, true, "%s:%d: cannot write %s", s->path, s->lineno, p + 12);
		return;
	}
	if (!strcmp(p, ":wait")) {
		vds_jobs_wait_idle(u->jobs);
		ui_follow_jobs(u);
		if (!s->async)
			reads_settle(u);
		return;
	}
	if (!strcmp(p, ":wait-progress")) {
		vds_jobs_wait_progress(u->jobs);
		ui_follow_jobs(u);
		return;
	}
	if (!strncmp(p, ":resize ", 8)) {
		int cols, rows;
		if (sscanf(p + 8, "%d %d", &cols, &rows) == 2 && cols > 0 && rows > 0) {
			resizeterm(rows, cols);
			push_key(s, KEY_RESIZE);
		}
		return;
	}
	if (!strncmp(p, ":type ", 6)) {
		for (const char *c = p + 6; *c; c++)
			push_key(s, (unsigned char)*c);
		return;
	}
	while (*p) {
		size_t n = strcspn(p, " \t");
		int key = keys_parse(p, n);
		MEVENT ev;
		if (parse_mouse(p, n, &ev))
			push_event(s, KEY_MOUSE, &ev);
		else if (key >= 0)
			push_key(s, key);
		else
			ui_message(u, true, "%s:%d: unknown key '%.*s'", s->path, s->lineno, (int)n, p);
		p += n;
		p += strspn(p, " \t");
	}
}

int script_next_key(ui_script *s, ui *u)
{
	char line[4096];

	while (s->next >= s->npending) {
		s->npending = s->next = 0;
		if (!fgets(line, sizeof(line), s->f))
			return -1;
		s->lineno++;
		run_line(s, u, line);
	}
	if (s->pending[s->next] == KEY_MOUSE) {
		u->mouse = s->events[s->next];
		u->mouse_scripted = true;
	}
	return s->pending[s->next++];
}
