/*
 * mouse.c - the mouse, through ncurses: a click focuses a pane and puts its
 * cursor on the row clicked, a double click opens it (as Enter does), the
 * wheel moves the cursor or scrolls the preview. "set mouse off" in
 * keys.conf leaves the mouse to the terminal (its own selection).
 */
#include "config.h"

#include "ui.h"

#define WHEEL_ROWS 3

void mouse_init(void)
{
	if (keys_mouse())
		mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_DOUBLE_CLICKED | BUTTON4_PRESSED |
				  BUTTON5_PRESSED,
			  NULL);
}

/* The pane whose window holds screen cell Y, X, or -1. */
static int pane_at(ui *u, int y, int x)
{
	for (int p = 0; p < PANE_COUNT; p++)
		if (u->win[p] && wenclose(u->win[p], y, x))
			return p;
	return -1;
}

void mouse_event(ui *u, const MEVENT *ev)
{
	bool wheel_up = ev->bstate & BUTTON4_PRESSED, wheel_down = ev->bstate & BUTTON5_PRESSED;
	bool click = ev->bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_DOUBLE_CLICKED);
	bool twice = ev->bstate & BUTTON1_DOUBLE_CLICKED;

	if (!keys_mouse() || u->form.active || u->picker || u->jobs_view || u->diff || u->details || u->help ||
	    u->filtering || u->pv_searching)
		return; /* the keyboard's: a modal view is open */
	int p = u->fullscreen ? PANE_PREVIEW : pane_at(u, ev->y, ev->x);
	if (p < 0)
		return;
	u->message[0] = '\0';
	if (p == PANE_PREVIEW) {
		if (click)
			u->focus = PANE_PREVIEW;
		if (twice)
			u->fullscreen = !u->fullscreen;
		for (int i = 0; i < WHEEL_ROWS && (wheel_up || wheel_down); i++)
			ui_handle_action(u, wheel_up ? ACT_PREVIEW_UP : ACT_PREVIEW_DOWN);
		return;
	}
	ui_list *l = &u->list[p];
	if (wheel_up || wheel_down) {
		bool moved = false;
		for (int i = 0; i < WHEEL_ROWS; i++)
			moved |= list_move(l, wheel_up ? ACT_UP : ACT_DOWN, 1);
		if (moved)
			ui_follow(u, p);
		return;
	}
	if (!click)
		return;
	u->focus = p;
	int row = ev->y - getbegy(u->win[p]) - 1; /* the frame's top line is row -1 */
	if (row < 0 || l->top + (size_t)row >= l->nshown)
		return;
	if (l->cursor != l->top + (size_t)row) {
		l->cursor = l->top + (size_t)row;
		ui_follow(u, p);
	}
	if (twice)
		ui_handle_action(u, ACT_OPEN);
}
