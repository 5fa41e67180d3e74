/*
 * ui.h - the terminal browser. Only files in ui/ call curses, and they
 * reach the core only through vds.h. Panes report what they need redrawn
 * instead of drawing on their own; the loop in browse.c decides when to
 * draw (tig's and htop's way).
 */
#ifndef VDS_UI_H
#define VDS_UI_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>

#include "vds.h"

/* Every action a key can be bound to: X(NAME, name in config, default keys, help). */
#define UI_ACTIONS(X)                                                                    \
	X(UP, "up", "k <Up>", "move up")                                                  \
	X(DOWN, "down", "j <Down>", "move down")                                          \
	X(PAGE_UP, "page-up", "<PageUp> ^B", "one page up")                               \
	X(PAGE_DOWN, "page-down", "<PageDown> ^F", "one page down")                       \
	X(HOME, "home", "<Home> g", "first item")                                         \
	X(END, "end", "<End> G", "last item")                                             \
	X(NEXT_PANE, "next-pane", "<Tab>", "next pane")                                   \
	X(PREV_PANE, "prev-pane", "<BackTab>", "previous pane")                           \
	X(OPEN, "open", "<Enter> l <Right>", "open: dataset, version, tag, folder, file")   \
	X(BACK, "back", "<Backspace> h <Left>", "go up a folder, or back a pane")         \
	X(FILTER, "filter", "/", "filter the focused pane as you type")                   \
	X(NEXT_MATCH, "next-match", "n", "next item matching the filter")                 \
	X(PREV_MATCH, "prev-match", "N", "previous item matching the filter")             \
	X(SORT, "sort", "s", "cycle sort order: name, size, date")                        \
	X(PREVIEW_DOWN, "preview-down", "J", "scroll the preview down")                   \
	X(PREVIEW_UP, "preview-up", "K", "scroll the preview up")                         \
	X(FULLSCREEN, "fullscreen", "f", "toggle a full-screen preview")                  \
	X(REFRESH, "refresh", "r", "reload from the store")                               \
	X(HELP, "help", "?", "show this help")                                            \
	X(CANCEL, "cancel", "<Esc>", "close help or full screen, clear the filter")       \
	X(QUIT, "quit", "q", "quit")

enum ui_action {
	ACT_NONE = 0,
#define X(id, name, keys, help) ACT_##id,
	UI_ACTIONS(X)
#undef X
	ACT_COUNT
};

/* Reaction flags a pane returns (htop's way): what the loop must do. */
enum {
	REACT_NONE = 0,
	REACT_REDRAW = 1,  /* the pane changed */
	REACT_SELECT = 2,  /* the selection changed: dependent panes reload */
	REACT_FOCUS_NEXT = 4,
	REACT_FOCUS_PREV = 8,
};

/* ---- keys.c: bindings ---------------------------------------------------- */

/* Loads the default bindings, then PATH's "bind KEY ACTION" lines (if any). */
int keys_init(const char *path, char *err, size_t errlen);
/* The action bound to key code KEY, or ACT_NONE. */
enum ui_action keys_action(int key);
/* Parses a key name ("j", "<Down>", "^F") into a curses key code, or -1. */
int keys_parse(const char *name, size_t len);
/* The config name of ACTION. */
const char *keys_action_name(enum ui_action a);
/* The help line of ACTION, and its keys as text ("k, <Up>"). */
void keys_describe(enum ui_action a, const char **help, char *keys, size_t keyslen);

/* ---- draw.c: drawing helpers -------------------------------------------- */

enum ui_color { COL_NORMAL, COL_TITLE, COL_TITLE_FOCUS, COL_SELECT, COL_DIM, COL_DRAFT,
		COL_ERROR, COL_STATUS, COL_COUNT };

/* Sets up colours unless NO_COLOR is set or the terminal has none. */
void draw_init_colors(void);
/* Attributes for colour role C (falls back to bold/reverse without colour). */
attr_t draw_attr(enum ui_color c);
/* Draws untrusted S escaped, cut to WIDTH columns with an ellipsis; pads with spaces. */
void draw_text(WINDOW *w, int y, int x, int width, const char *s, attr_t attr);
/* Draws S right-aligned in WIDTH columns. */
void draw_text_right(WINDOW *w, int y, int x, int width, const char *s, attr_t attr);
/* Draws a pane frame with TITLE; FOCUSED highlights it. */
void draw_frame(WINDOW *w, const char *title, bool focused);
/* Formats the age of US (microseconds) relative to now as "5m", "3h", "2d". */
void fmt_age(int64_t us, char buf[16]);

/* ---- list.c: a scrolling, filterable, sortable list ---------------------- */

/* One row of a list; the pane keeps its own data by index. */
typedef struct ui_row {
	char *text;     /* what the filter matches (escaped when drawn) */
	unsigned long long size;
	int64_t date;
	size_t index;   /* index in the pane's own arrays */
} ui_row;

typedef struct ui_list {
	ui_row *all;     /* every row, in the pane's order */
	size_t nall;
	size_t *shown;   /* indexes into ALL after filter and sort */
	size_t nshown;
	size_t cursor, top; /* positions within SHOWN */
	char filter[256];
	int sort;        /* 0 as given, 1 name, 2 size, 3 date */
} ui_list;

/* Replaces the rows (taking ownership), keeping filter and sort. */
void list_set(ui_list *l, ui_row *rows, size_t n);
/* Frees the rows. */
void list_clear(ui_list *l);
/* Applies filter and sort again, keeping the cursor on the same row if it remains. */
void list_refresh(ui_list *l);
/* The selected row, or NULL when the list is empty. */
const ui_row *list_selected(const ui_list *l);
/* Moves the cursor for a navigation action; true if it moved. */
bool list_move(ui_list *l, enum ui_action a, int page);
/* Puts the cursor on the row whose pane index is INDEX; true if found. */
bool list_select_index(ui_list *l, size_t index);
/* Keeps the cursor visible in a window of HEIGHT rows. */
void list_scroll(ui_list *l, int height);
/* Cycles the sort order; returns its name. */
const char *list_cycle_sort(ui_list *l);
/* Name of the current sort order. */
const char *list_sort_name(const ui_list *l);

/* ---- preview.c: what a file looks like (no curses here) ------------------ */

typedef struct ui_preview {
	char *mime;     /* "text/plain; charset=utf-8" */
	char *describe; /* libmagic's description */
	char **lines;   /* rendered lines (raw; escaped when drawn) */
	size_t nlines;
	bool truncated; /* only the first bytes were read */
} ui_preview;

/* Renders a preview of BUF (the first LEN bytes of a file of SIZE bytes). */
void preview_render(ui_preview *p, const char *name, const unsigned char *buf, size_t len,
		    unsigned long long size);
/* Frees what P owns. */
void preview_release(ui_preview *p);

/* ---- the browser state ---------------------------------------------------- */

enum ui_pane_id { PANE_DATASETS, PANE_VERSIONS, PANE_TAGS, PANE_FILES, PANE_PREVIEW, PANE_COUNT };

typedef struct ui ui;

/* One pane: its data lives in the ui struct; these say how it behaves. */
typedef struct ui_pane_ops {
	const char *title;
	/* Reloads the pane's rows from the core. */
	void (*load)(ui *u);
	/* Draws the rows of the pane inside window W of the given size. */
	void (*draw_row)(ui *u, WINDOW *w, int y, int width, const ui_row *row, bool selected);
	/* Handles OPEN and BACK; returns reaction flags. */
	int (*open)(ui *u);
	int (*back)(ui *u);
} ui_pane_ops;

struct ui {
	vds_ctx *ctx;
	int focus;
	bool running, help, fullscreen, filtering;
	char filter_saved[256];
	WINDOW *win[PANE_COUNT];
	ui_list list[PANE_COUNT];
	char message[512]; /* shown in the status line until the next key */
	bool message_error;

	/* selection state */
	vds_dataset *datasets;
	size_t ndatasets;
	vds_version *versions;
	size_t nversions;
	vds_tag *tags;
	size_t ntags;
	char ds[VDS_DSID_LEN + 1];
	char ver[VDS_VERID_LEN + 1];
	char tag[VDS_TAG_MAX + 1]; /* the tag the version was reached through, or "" */
	vds_tree *tree;
	char *dir;                 /* folder shown in the Files pane */
	vds_listing listing;
	ui_preview preview;
	char preview_path[4096];
	size_t preview_top;
	size_t preview_rows; /* text rows the preview showed when last drawn */
	bool datasets_failed; /* the dataset list could not be read */
};

extern const ui_pane_ops pane_datasets, pane_versions, pane_tags, pane_files;

/* Sets the status-line message (printf style). */
void ui_message(ui *u, bool error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Selects the version VER of the current dataset (TAG is how it was reached, or NULL). */
void ui_select_version(ui *u, const char *ver, const char *tag);
/* Reloads the preview for the file under the Files cursor. */
void ui_load_preview(ui *u);
/* Draws the preview into W (full-screen or in its pane). */
void ui_draw_preview(ui *u, WINDOW *w, bool framed);

/* ---- script.c: scripted runs for tests ------------------------------------ */

typedef struct ui_script ui_script;

/* Opens the script named by $VDS_UI_SCRIPT, or returns NULL when unset. */
ui_script *script_open(char *err, size_t errlen);
/* Next key from the script (running its commands on the way), or -1 at the end. */
int script_next_key(ui_script *s, ui *u);
/* Closes the script. */
void script_close(ui_script *s);
/* Writes the current screen as text to PATH. */
int screen_dump(const char *path);

/* ---- browse.c ------------------------------------------------------------ */

/* Relayouts the windows for the current terminal size. */
void ui_layout(ui *u);
/* Redraws everything that changed. */
void ui_draw(ui *u);
/* Handles one key; false when the browser should quit. */
bool ui_handle_key(ui *u, int key);
/* Runs the browser on CTX, opening REF (or NULL); returns a vds status. */
int vds_browse(vds_ctx *ctx, const char *ref);

#endif
