/*
 * form.c - small modal forms drawn over the browser: prompts (one text
 * field), forms of several fields (text or choice) and confirmations (no
 * field). Enter confirms, Esc cancels, Tab and the arrows move between
 * fields, Left and Right change a choice; Tab completes a local folder
 * (read on a reader thread).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "util.h"

ui_form *form_open(ui *u, ui_form_fn submit, const char *fmt, ...)
{
	ui_form *f = &u->form;
	va_list ap;

	form_close(f);
	f->active = true;
	f->submit = submit;
	va_start(ap, fmt);
	vsnprintf(f->title, sizeof(f->title), fmt, ap);
	va_end(ap);
	return f;
}

void form_text(ui_form *f, const char *label, const char *value)
{
	if (f->nfields == FORM_FIELDS)
		return;
	ui_field *fd = &f->field[f->nfields++];
	fd->label = label;
	snprintf(fd->value, sizeof(fd->value), "%s", value ? value : "");
}

void form_path(ui_form *f, const char *label, const char *value)
{
	form_text(f, label, value);
	if (f->nfields)
		f->field[f->nfields - 1].local_path = true;
}

void form_choice(ui_form *f, const char *label, const char *const *choices, size_t n)
{
	if (f->nfields == FORM_FIELDS)
		return;
	ui_field *fd = &f->field[f->nfields++];
	fd->label = label;
	fd->choices = choices;
	fd->nchoices = n;
}

void form_close(ui_form *f)
{
	if (f->free_data)
		f->free_data(f->data);
	memset(f, 0, sizeof(*f));
}

/* What a reader completes: a local folder typed in field FIELD. */
typedef struct field_complete {
	size_t field;
	char typed[sizeof(((ui_field *)0)->value)], done[sizeof(((ui_field *)0)->value)];
	bool changed;
} field_complete;

static int read_field_complete(vds_ctx *ctx, void *arg, const vds_opts *o)
{
	field_complete *fc = arg;

	(void)ctx;
	(void)o;
	memcpy(fc->done, fc->typed, sizeof(fc->done));
	fc->changed = path_complete(fc->done, sizeof(fc->done));
	return 0;
}

/* On the UI thread: the completion applies if the field is as it was when Tab was pressed;
   when nothing was completed, Tab moves on to the next field. */
static void show_field_complete(ui *u, void *arg, int status, const char *error)
{
	ui_form *f = &u->form;
	field_complete *fc = arg;

	(void)error;
	if (!f->active || f->cur != fc->field || strcmp(f->field[fc->field].value, fc->typed))
		return;
	if (status == 0 && fc->changed)
		memcpy(f->field[fc->field].value, fc->done, sizeof(fc->done));
	else if (f->nfields)
		f->cur = (f->cur + 1) % f->nfields;
}

void form_key(ui *u, int key)
{
	ui_form *f = &u->form;
	ui_field *fd = f->nfields ? &f->field[f->cur] : NULL;

	f->error[0] = '\0';
	switch (key) {
	case 27:
		if (f->nfields) /* a question answered "no" needs no word */
			ui_message(u, false, "cancelled");
		form_close(f);
		return;
	case '\n':
	case '\r':
	case KEY_ENTER: {
		if (!f->nfields && f->default_no) { /* only y answers yes */
			ui_message(u, false, "cancelled");
			form_close(f);
			return;
		}
		if (f->check && f->check(u, f) < 0) { /* stays open with what was typed */
			snprintf(f->error, sizeof(f->error), "%s", vds_errmsg());
			return;
		}
		ui_form done = *f; /* the callback may open the next form */
		f->free_data = NULL;
		memset(f, 0, sizeof(*f));
		done.submit(u, &done);
		if (done.free_data)
			done.free_data(done.data);
		return;
	}
	case '\t':
		if (fd && fd->local_path) { /* completes on a reader; moves on when nothing changes */
			field_complete *fc = xcalloc(1, sizeof(*fc));
			fc->field = f->cur;
			memcpy(fc->typed, fd->value, sizeof(fc->typed));
			reads_view(u, READS_COMPLETE, read_field_complete, show_field_complete, fc, free);
			return;
		}
		/* fall through */
	case KEY_DOWN:
		if (f->nfields)
			f->cur = (f->cur + 1) % f->nfields;
		return;
	case KEY_BTAB:
	case KEY_UP:
		if (f->nfields)
			f->cur = (f->cur + f->nfields - 1) % f->nfields;
		return;
	}
	if (!f->nfields) {
		if (key == 'y' || key == 'Y') {
			f->default_no = false;
			form_key(u, '\n');
		}
		else if (key == 'n' || key == 'N')
			form_key(u, 27);
		return;
	}
	if (fd->choices) {
		if (key == KEY_RIGHT || key == ' ')
			fd->choice = (fd->choice + 1) % fd->nchoices;
		else if (key == KEY_LEFT)
			fd->choice = (fd->choice + fd->nchoices - 1) % fd->nchoices;
		return;
	}
	size_t n = strlen(fd->value);
	if (key == KEY_BACKSPACE || key == 127 || key == 8) {
		while (n > 0 && ((unsigned char)fd->value[n - 1] & 0xc0) == 0x80)
			n--;
		if (n > 0)
			n--;
		fd->value[n] = '\0';
	} else if (key == 21) { /* ^U clears */
		fd->value[0] = '\0';
	} else if (key >= 32 && key < 256 && key != 127 && n + 1 < sizeof(fd->value)) {
		fd->value[n] = (char)key;
		fd->value[n + 1] = '\0';
	}
}

/* Splits TEXT into lines of at most WIDTH bytes at spaces; returns the count (at most MAX). */
static int wrap(const char *text, int width, char lines[][256], int max)
{
	int n = 0;

	while (*text && n < max) {
		int len = (int)strlen(text);
		if (len > width) {
			len = width;
			while (len > 0 && text[len] != ' ')
				len--;
			if (len == 0)
				len = width;
		}
		snprintf(lines[n++], 256, "%.*s", len < 255 ? len : 255, text);
		text += len;
		while (*text == ' ')
			text++;
	}
	return n;
}

void form_draw(ui *u)
{
	ui_form *f = &u->form;
	int w = COLS - 4 < 90 ? COLS - 4 : 90;
	char q[8][256];
	/* a title that does not fit the frame is shown whole, wrapped, inside */
	bool long_title = (int)vds_display_width(f->title) > w - 4;
	int nq = long_title ? wrap(f->title, w - 4, q, 8) : 0;
	int top = nq ? nq + 1 : 0;
	char e[3][256];
	int ne = *f->error ? wrap(f->error, w - 4, e, 3) : 0; /* why Enter was refused, whole */
	int h = (int)f->nfields + 4 + top + ne;
	WINDOW *win = ui_overlay(h, w, long_title ? (f->nfields ? "Form" : "Confirm") : f->title);
	int cx = -1, cy = -1;

	for (int i = 0; i < nq; i++)
		draw_text(win, 1 + i, 2, w - 4, q[i], A_BOLD);
	for (size_t i = 0; i < f->nfields; i++) {
		ui_field *fd = &f->field[i];
		char label[64];
		int y = 1 + top + (int)i, lw;

		snprintf(label, sizeof(label), "%s: ", fd->label);
		lw = (int)strlen(label);
		draw_text(win, y, 2, lw, label, i == f->cur ? A_BOLD : A_NORMAL);
		if (fd->choices) {
			char choice[512];
			snprintf(choice, sizeof(choice), "< %s >", fd->choices[fd->choice]);
			draw_text(win, y, 2 + lw, w - 4 - lw, choice,
				  i == f->cur ? draw_attr(COL_SELECT) : A_NORMAL);
		} else {
			/* show the end of a long value: that is where typing happens */
			const char *v = fd->value;
			int room = w - 5 - lw;
			while ((int)vds_display_width(v) > room && *v)
				v++;
			draw_text(win, y, 2 + lw, w - 4 - lw, v, A_NORMAL);
			if (i == f->cur) {
				cy = y;
				cx = 2 + lw + (int)vds_display_width(v);
			}
		}
	}
	bool choices = false;
	for (size_t i = 0; i < f->nfields; i++)
		choices |= f->field[i].choices != NULL;
	for (int i = 0; i < ne; i++)
		draw_text(win, h - 2 - ne + i, 2, w - 4, e[i], draw_attr(COL_ERROR));
	draw_text(win, h - 2, 2, w - 4,
		  !f->nfields && f->default_no ? "y: yes   Enter, Esc or n: no"
		  : !f->nfields ? "Enter or y: yes   Esc or n: no"
		  : choices   ? "Enter: OK   Esc: cancel   Tab: next field   Left/Right: change choice"
		  : f->nfields > 1 ? "Enter: OK   Esc: cancel   Tab: next field"
				   : "Enter: OK   Esc: cancel",
		  draw_attr(COL_DIM));
	if (cx >= 0) {
		wmove(win, cy, cx < w - 1 ? cx : w - 2);
		curs_set(1);
	}
	wnoutrefresh(win);
	delwin(win);
}
