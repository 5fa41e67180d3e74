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
	X(PAGE_UP, "page-up", "<PageUp> ^B ^U", "one page up")                            \
	X(PAGE_DOWN, "page-down", "<PageDown> ^F ^D", "one page down")                    \
	X(HOME, "home", "<Home> g", "first item (g g)")                     \
	X(END, "end", "<End> G", "last item")                                             \
	X(NEXT_PANE, "next-pane", "<Tab>", "next pane")                                   \
	X(PREV_PANE, "prev-pane", "<BackTab>", "previous pane")                           \
	X(OPEN, "open", "<Enter> l <Right>", "open: dataset, version, tag, folder, file")   \
	X(BACK, "back", "<Backspace> h <Left>", "go up a folder, or back a pane")         \
	X(FILTER, "filter", "/", "filter the pane; search the preview") \
	X(NEXT_MATCH, "next-match", "n", "next filter or search match")       \
	X(PREV_MATCH, "prev-match", "N", "previous filter or search match")   \
	X(SORT, "sort", "s", "cycle sort order: name, size, date")                        \
	X(PREVIEW_DOWN, "preview-down", "J", "scroll the preview down")                   \
	X(PREVIEW_UP, "preview-up", "K", "scroll the preview up")                         \
	X(FULLSCREEN, "fullscreen", "f", "toggle a full-screen preview")                  \
	X(WRAP, "wrap", "w", "wrap long preview lines, or cut them") \
	X(PAGER, "pager", "o", "open a copy of the file in $PAGER")      \
	X(EDITOR, "editor", "e", "open a copy of the file in $EDITOR")   \
	X(COPY, "copy", "y", "copy DS:VER/path to the clipboard")    \
	X(REFRESH, "refresh", "r", "reload from the store")                               \
	X(CREATE_DATASET, "create-dataset", "c", "create a dataset (name, description, provider)") \
	X(NEW_VERSION, "new-version", "v", "new draft version of the selected dataset")   \
	X(UPLOAD, "upload", "u", "upload local files and folders into the draft")          \
	X(IMPORT, "import", "i", "import a URL into the draft")                           \
	X(REMOVE, "remove", "x", "remove the selected file or folder from the draft")      \
	X(COMMIT, "commit", "C", "commit the draft")                                      \
	X(TAG, "tag", "t", "set or move a tag on the version")                            \
	X(UNTAG, "untag", "T", "delete the selected tag")                                 \
	X(DOWNLOAD, "download", "S", "download the file, folder or version")  \
	X(DELETE, "delete", "D", "delete the selected version or dataset")                \
	X(JOBS, "jobs", "b", "background jobs: progress, errors; K there cancels one")    \
	X(MARK, "mark", "m", "mark the version to compare with (then d on another)")      \
	X(DIFF, "diff", "d", "show what changed from the marked version to this one")     \
	X(DETAILS, "details", "I", "version details: message, counts, times and lineage") \
	X(HELP, "help", "?", "show this help")                                            \
	X(CANCEL, "cancel", "<Esc>", "close help or full screen, clear the filter")       \
	X(QUIT, "quit", "q", "close the view, or quit")

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
/* False when keys.conf says "set mouse off". */
bool keys_mouse(void);
/* The config name of ACTION. */
const char *keys_action_name(enum ui_action a);
/* The help line of ACTION, and its keys as text ("k, <Up>"). */
void keys_describe(enum ui_action a, const char **help, char *keys, size_t keyslen);

/* ---- draw.c: drawing helpers -------------------------------------------- */

enum ui_color { COL_NORMAL, COL_TITLE, COL_TITLE_FOCUS, COL_SELECT, COL_DIM, COL_DRAFT,
		COL_ERROR, COL_STATUS, COL_SELECT_DIM, COL_ADDED, COL_REMOVED, COL_COUNT };

/* Sets up colours unless NO_COLOR is set or the terminal has none. */
void draw_init_colors(void);
/* Attributes for colour role C (falls back to bold/reverse without colour). */
attr_t draw_attr(enum ui_color c);
/* The cursor row's attributes: a bar in the FOCUSED pane, an underline in the others. */
attr_t draw_cursor_attr(bool focused);
/* Draws untrusted S escaped, cut to WIDTH columns with an ellipsis; pads with spaces. */
void draw_text(WINDOW *w, int y, int x, int width, const char *s, attr_t attr);
/* Draws ESC, already escaped, from its column SKIP on, cut to WIDTH columns with an ellipsis. */
void draw_escaped(WINDOW *w, int y, int x, int width, const char *esc, size_t skip, attr_t attr);
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
/* Replaces the rows and the rows shown (filtered and sorted as L is), taking both. */
void list_set_shown(ui_list *l, ui_row *rows, size_t n, size_t *shown, size_t nshown);
/* Puts in SHOWN (room for NALL) the rows FILTER keeps, in the order SORT gives; any thread. */
size_t list_filter_sort(const ui_row *all, size_t nall, const char *filter, int sort,
			size_t *shown);
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
	unsigned requests; /* reads of the content it took (ui/preview/) */
	char *graphics;    /* an image for the terminal beyond its blocks, or NULL */
	int gfx_mode;      /* its kind (enum pv_gfx) */
	int gfx_cols, gfx_rows; /* the cells it covers */
	size_t gfx_line;   /* the line of lines where it starts */
	size_t header;  /* rows kept at the top when scrolling (a table's header and rule) */
	char shown[64]; /* what part of the file the lines show ("first 500 rows"), or "" */
} ui_preview;

/* Renders a preview of BUF (the first LEN bytes of a file of SIZE bytes). */
void preview_render(ui_preview *p, const char *name, const unsigned char *buf, size_t len,
		    unsigned long long size);
/* Frees what P owns. */
void preview_release(ui_preview *p);
/* Renders CSV-like text BUF (LEN bytes) as a table of columns split at SEP. */
void preview_table(ui_preview *p, const char *buf, size_t len, char sep);

/* ---- preview/: previews by kind, read by ranges (no curses here) --------- */

struct pv_src;
/* Reads the file of S (as few bytes as its kind needs) and renders it into P. */
void preview_load(ui_preview *p, struct pv_src *s, const unsigned char sha[32]);
/* Previews entry E (named NAME) of dataset DS into P, reading through CTX. */
void preview_content(ui_preview *p, vds_ctx *ctx, const char *ds, const vds_entry *e,
		     const char *name);
/* The same on a reader thread: no request is sent once *CANCEL is set. */
void preview_content_cancel(ui_preview *p, vds_ctx *ctx, const char *ds, const vds_entry *e,
			    const char *name, atomic_int *cancel);
/* S escaped for the preview: control bytes and bad UTF-8 as \xHH, a backslash as itself. */
char *preview_escape(const char *s);
/* Notes in P's header that it shows the first LEN bytes of its file ("first 64 KiB"). */
void preview_shown_bytes(ui_preview *p, size_t len);

/* ---- form.c: forms, prompts and confirmations ------------------------------ */

#define FORM_FIELDS 4

typedef struct ui_field {
	const char *label;
	char value[1024];
	const char *const *choices; /* a choice field when not NULL */
	bool local_path;            /* a local folder: Tab completes it */
	size_t nchoices, choice;
} ui_field;

typedef struct ui ui;
typedef struct ui_memo ui_memo;
typedef struct ui_reads ui_reads;
typedef struct ui_folder ui_folder;
typedef struct ui_form ui_form;

/* What a form does when confirmed. */
typedef void (*ui_form_fn)(ui *u, ui_form *f);

struct ui_form {
	bool active;
	char title[512];
	ui_field field[FORM_FIELDS];
	size_t nfields, cur;
	ui_form_fn submit;
	/* checks the fields on Enter: < 0 keeps the form open with vds_errmsg() shown */
	int (*check)(ui *u, ui_form *f);
	char error[256];   /* why the last Enter was refused */
	bool default_no;   /* a question whose Enter means no (it loses data) */
	char arg[3][4096]; /* what the form is about (ids, paths) */
	void *data;        /* extra owned data, freed by form_close */
	void (*free_data)(void *);
};

/* Opens a form titled TITLE calling SUBMIT on Enter; fields are added after. */
ui_form *form_open(ui *u, ui_form_fn submit, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Adds a text field with an initial VALUE. */
void form_text(ui_form *f, const char *label, const char *value);
/* Adds a text field for a local folder, which Tab completes. */
void form_path(ui_form *f, const char *label, const char *value);
/* Adds a choice field over CHOICES (not copied). */
void form_choice(ui_form *f, const char *label, const char *const *choices, size_t n);
/* Closes the form and frees its data. */
void form_close(ui_form *f);
/* Handles a key for the open form. */
void form_key(ui *u, int key);
/* Draws the open form over everything. */
void form_draw(ui *u);

/* ---- picker.c: choosing local files to upload ----------------------------- */

typedef struct ui_picker ui_picker;

/* D on a dataset: reads what deleting D would remove on a reader, then asks (its name typed). */
void delete_ask_dataset(ui *u, const vds_dataset *d);
/* D on a version: reads which versions were made from V on a reader, then asks. */
void delete_ask_version(ui *u, const vds_version *v);
/* The confirmation of a delete was accepted: queues the job (F's args: dataset, version). */
void delete_confirmed(ui *u, ui_form *f);
/* The check of deleting a dataset: its name typed in full. */
int delete_check_name(ui *u, ui_form *f);

/* Opens the picker in the current directory; DONE gets the marked paths. */
void picker_open(ui *u, void (*done)(ui *u, char **paths, size_t n));
/* True while the picker is shown. */
bool picker_active(const ui *u);
/* Handles a key for the picker. */
void picker_key(ui *u, int key);
/* Draws the picker. */
void picker_draw(ui *u);
/* Frees the picker. */
void picker_free(ui *u);

/* ---- actions.c and jobs_view.c: changes made through background jobs ---- */

/* Selects what finished jobs made (a new dataset or draft); call after a refresh. */
void action_follow(ui *u);
/* Frees what action_follow() still waited for. */
void action_free(ui *u);
/* Starts the action A (c, v, u, i, x, C, t, T, S, D) for the current selection. */
void action_start(ui *u, enum ui_action a);
/* A job's title: BEFORE, then DS:VER by name (DS's name when VER is ""; nothing when DS is
   NULL), then AFTER. */
typedef struct ui_job_title {
	const char *before, *ds, *ver, *after;
} ui_job_title;
/* Queues a job titled T (FREE_ARG frees ARG after it), says so on the status line; its id. */
unsigned action_submit(ui *u, const ui_job_title *t, vds_job_fn fn, void *arg,
		       void (*free_arg)(void *));

/* What adds files to a draft goes on with: draft DS:VER, or (VER "") a new draft
   of DS based on the committed version BASE, which the job makes. */
typedef void (*ui_draft_fn)(ui *u, const char *ds, const char *ver, const char *base);
/* Adds files to the selected version V (u, i): on a draft calls NEXT at once; on a
   committed version asks first whether to VERB into a new draft based on it. */
void action_for_draft(ui *u, const vds_version *v, const char *verb, ui_draft_fn next);

/* Adds files to draft DS:VER in a job; returns a vds status. */
typedef int (*ui_add_fn)(vds_ctx *ctx, const char *ds, const char *ver, void *arg);
/* In a job: makes the new draft based on BASE when BASE is not "" (VER gets its
   id), runs ADD on draft DS:VER, and removes that new draft again when ADD fails
   or is cancelled. */
int action_in_draft(vds_ctx *ctx, const char *ds, const char *base, char ver[VDS_VERID_LEN + 1],
		    ui_add_fn add, void *arg);

/* ---- import.c: i, a URL into a draft --------------------------------------- */

/* Opens the import form for draft DS:VER, or a new draft based on BASE (a ui_draft_fn). */
void import_form(ui *u, const char *ds, const char *ver, const char *base);

/* ---- job_names.c: jobs' titles named at each draw --------------------------- */

/* T as it reads now into BUF (the version's id while its dataset's versions are read). */
void job_title_text(ui *u, const ui_job_title *t, char *buf, size_t len);
/* Keeps T as the title of job JOB, named again at each draw. */
void job_name_note(ui *u, unsigned job, const ui_job_title *t);
/* The title of job J as it reads now into BUF. */
void job_title(ui *u, const vds_job_info *j, char *buf, size_t len);
/* Forgets every title kept. */
void job_names_free(ui *u);

/* ---- jobs_view.c ------------------------------------------------------------- */

/* Handles a key in the Jobs view. */
void jobs_view_key(ui *u, int key);
/* Draws the Jobs view. */
void jobs_view_draw(ui *u);
/* Writes the one-line summary of the jobs into BUF; true if it is an error. */
bool jobs_summary(ui *u, char *buf, size_t len);

/* ---- diff_view.c: changes between two versions ----------------------------- */

typedef struct ui_diff ui_diff;

/* Opens the changes from the marked version to the current one. */
void diff_view_open(ui *u);
/* Handles a key in the diff view. */
void diff_view_key(ui *u, int key);
/* Draws the diff view. */
void diff_view_draw(ui *u);
/* Frees the diff view. */
void diff_view_free(ui *u);

/* ---- details_view.c: the selected version's details and lineage ------------- */

typedef struct ui_details ui_details;

/* Opens the details of the selected version. */
void details_view_open(ui *u);
/* Handles a key in the details view: moving keys scroll, others close it. */
void details_view_key(ui *u, int key);
/* Draws the details view. */
void details_view_draw(ui *u);
/* Frees the details view. */
void details_view_free(ui *u);

/* ---- the browser state ---------------------------------------------------- */

enum ui_pane_id { PANE_DATASETS, PANE_VERSIONS, PANE_TAGS, PANE_FILES, PANE_PREVIEW, PANE_COUNT };

/* One pane: its data lives in the ui struct; these say how it behaves. */
typedef struct ui_pane_ops {
	const char *title;
	/* Sets the pane's rows from what the reads gave (reads.c). */
	void (*load)(ui *u);
	/* Draws the rows of the pane inside window W of the given size. */
	void (*draw_row)(ui *u, WINDOW *w, int y, int width, const ui_row *row, bool selected);
	/* Handles OPEN and BACK; returns reaction flags. */
	int (*open)(ui *u);
	int (*back)(ui *u);
} ui_pane_ops;

struct ui {
	vds_ctx *ctx;
	vds_jobs *jobs;
	ui_form form;
	ui_picker *picker;
	bool jobs_view;
	ui_diff *diff;                     /* the diff view, when open */
	ui_details *details;               /* the details view, when open */
	char mark_ds[VDS_DSID_LEN + 1];    /* the version marked with m */
	char mark_ver[VDS_VERID_LEN + 1];
	size_t jobs_cursor;
	int help_top; /* first action shown in the help */
	unsigned jobs_seen_ended; /* jobs ended when the panes were last reloaded */
	bool quitting;            /* quit confirmed: cancel jobs and leave */
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
	ui_memo *memo; /* versions and tags read per dataset (memo.c) */
	size_t nmemo;
	vds_version *versions; /* the current dataset's, borrowed from the memo */
	size_t nversions;
	vds_tag *tags; /* likewise */
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
	int preview_y, preview_x; /* where on the screen its first text row was drawn */
	int preview_width;        /* and how wide */
	bool datasets_failed; /* the dataset list could not be read */

	/* moving inside the preview (preview_nav.c) */
	char pv_search[256];   /* the last search pattern */
	char pv_saved[256];    /* the pattern before the one being typed */
	bool pv_searching;     /* a pattern is being typed */
	size_t pv_match;       /* line of the current match, or SIZE_MAX */
	size_t pv_left;        /* columns scrolled to the right */
	bool pv_wrap;          /* long lines wrap instead of being cut */
	unsigned pv_job;       /* the job fetching a file for $PAGER or $EDITOR, or 0 */
	bool pv_editor;        /* it is for $EDITOR */
	char pv_tmp[4096];     /* the temporary folder it fetches into */
	char pv_file[8200];    /* the temporary copy in it */
	int prefix;            /* the first key of a two-key command (g g), or 0 */

	MEVENT mouse;         /* the event of a scripted KEY_MOUSE */
	bool mouse_scripted;  /* mouse holds it (else getmouse() has it) */
	FILE *term;           /* where the terminal's bytes go (OSC 52 is written there) */
	struct ui_made *made; /* what jobs make, selected when they end (actions.c) */
	struct ui_job_name *job_names; /* jobs' titles in parts, named at each draw (job_names.c) */
	size_t njob_names;

	/* reads off the UI thread (reads.c) and what their results should select */
	ui_reads *reads;
	unsigned memo_gen;        /* grows when the memo is forgotten */
	bool want_ref;            /* select WANT_DS:WANT_VER when the dataset list is there */
	bool want_keep;           /* a refresh: keep dataset, version, folder and file */
	char want_ds[VDS_DSID_LEN + 1];
	char want_ver[VDS_VERID_LEN + 1]; /* the version to select when the versions are there */
	char want_tag[VDS_TAG_MAX + 1];
	bool want_tag_row;        /* put the Tags cursor on WANT_TAG when the tags are there */
	bool want_unfilter;       /* clear the Versions filter if it hides WANT_VER */
	int ref_status;           /* the command line's REF did not resolve: why (the browser ends) */
	char *ref_error;          /* and its message */
	char keep_ds[VDS_DSID_LEN + 1], keep_ver[VDS_VERID_LEN + 1]; /* a refresh's version */
	char *want_dir, *want_file; /* its folder and file, shown again when its tree is there */
	size_t want_file_pos;
};

extern const ui_pane_ops pane_datasets, pane_versions, pane_tags, pane_files;

/* ---- memo.c: versions and tags read per dataset ---------------------------- */

/* What the browser knows of one dataset's versions and tags. */
struct ui_memo {
	char ds[VDS_DSID_LEN + 1];
	vds_version *versions;
	size_t nversions;
	bool have_versions;
	char *verr;        /* why its versions could not be read, or NULL */
	vds_tag *tags;
	size_t ntags;
	bool have_tags;
	char *terr;        /* why its tags could not be read, or NULL */
	char *warning;     /* what its reads warned of, shown when it is next selected */
	unsigned vload, tload; /* the loads reading them, or 0 */
};

/* Forgets every dataset's versions and tags (they are read again when shown). */
void memo_clear(ui *u);
/* The memo entry of DS, made empty if it has none. */
ui_memo *memo_entry(ui *u, const char *ds);
/* The versions of DS as far as read: 1 read (owned by the memo), 0 not yet, < 0 failed. */
int memo_versions(ui *u, const char *ds, vds_version **v, size_t *n);
/* The tags of DS, likewise. */
int memo_tags(ui *u, const char *ds, vds_tag **t, size_t *n);

/* ---- reads.c: the browser's reads on the core's reader threads ------------- */

/* Starts the reader threads and the first read of the dataset list. */
void reads_init(ui *u);
/* Stops the readers and frees what they read for nothing. */
void reads_free(ui *u);
/* The descriptor that becomes readable when a read has finished. */
int reads_fd(const ui *u);
/* Reads the dataset list again (a refresh); the panes keep theirs until it is there. */
void reads_datasets(ui *u);
/* True while the dataset list is being read again. */
bool reads_datasets_busy(const ui *u);
/* Reads the versions and tags of DS in the background unless they are read or being read. */
void reads_memo(ui *u, const char *ds);
/* The cursor moved: per-item reads wait until it rests (the debounce). */
void reads_moved(ui *u);
/* The selected version changed: its tree is read (a read of the one before is cancelled). */
void reads_tree(ui *u);
/* The file under the cursor changed: its preview is read if WANT (a read before is cancelled). */
void reads_preview(ui *u, bool want);
/* Starts the reads the selection needs, once the cursor has rested (NOW: at once). */
void reads_start(ui *u, bool now);
/* Milliseconds until reads_start() or a loading line needs the loop again, or -1. */
int reads_timeout(const ui *u);
/* Takes finished reads and shows those still wanted; true if a pane changed. */
bool reads_apply(ui *u);
/* Waits up to MS milliseconds for a read to finish, then starts and shows what it may. */
void reads_wait(ui *u, int ms);
/* Starts and waits for every read the selection needs (scripted runs: dumps are exact). */
void reads_settle(ui *u);
/* True while pane P waits for a read; *SINCE_US says since when. */
bool reads_loading(const ui *u, int p, int64_t *since_us);
/* Whether pane P waits for a read; BUF gets "loading... 1.2s" once it has waited a while, else "". */
bool reads_loading_text(const ui *u, int p, char *buf, size_t len);
/* Why pane P's last read failed, or NULL. */
const char *reads_error(const ui *u, int p);
/* Reads started so far (the benchmark's and the tests' count). */
unsigned reads_started(const ui *u);

/* The views whose reads run on the readers too: one read each at a time. */
enum reads_view_id {
	READS_DETAILS,  /* details and lineage */
	READS_DIFF,     /* the diff view's two file lists */
	READS_CONTENT,  /* the diff view's content diff */
	READS_PICKER,   /* the picker's listing of a local folder */
	READS_COMPLETE, /* Tab completion of a local path */
	READS_REF,      /* the reference given on the command line */
	READS_CONFIRM,  /* what a delete confirmation names */
	READS_FOLDER,   /* the Files pane's rows of a folder entered (the tree lent) */
	READS_VIEWS
};
/* Shows on the UI thread what a view's read put in ARG (STATUS, ERROR when it failed). */
typedef void (*reads_show_fn)(ui *u, void *arg, int status, const char *error);
/* Runs RUN(ARG) for VIEW on a reader, then SHOW unless the view was closed or
   read again meanwhile; FREE_ARG frees ARG after. */
void reads_view(ui *u, int view, vds_load_fn run, reads_show_fn show, void *arg,
		void (*free_arg)(void *));
/* VIEW closed: a read it waits for is cancelled and never shown. */
void reads_view_close(ui *u, int view);
/* True while VIEW waits for its read; BUF gets "loading..." (with the time once it is long). */
bool reads_view_loading(const ui *u, int view, char *buf, size_t len);

/* Sets the status-line message (printf style). */
void ui_message(ui *u, bool error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Selects dataset DS and its version VER (its newest when VER is "" or NULL). */
void ui_select_ref(ui *u, const char *ds, const char *ver);
/* Selects the version VER of the current dataset (TAG is how it was reached, or NULL). */
void ui_select_version(ui *u, const char *ver, const char *tag);
/* The entry previewed, or NULL. */
const vds_entry *ui_preview_entry(const ui *u);
/* Reloads the preview for the file under the Files cursor. */
void ui_load_preview(ui *u);
/* Draws the preview into W (full-screen or in its pane). */
void ui_draw_preview(ui *u, WINDOW *w, bool framed);
/* After the screen is drawn: writes the preview's image over its blocks (preview_overlay.c). */
void preview_overlay(ui *u);
/* Before the browser ends: removes a picture the overlay left on the terminal. */
void preview_overlay_end(void);
/* Reloads everything, keeping the dataset, version and folder where they are. */
void ui_refresh(ui *u);
/* The dataset list arrived (reads.c): shows it and selects what was wanted. */
void ui_datasets_arrived(ui *u);
/* The versions of the current dataset arrived: shows them and selects a version. */
void ui_versions_arrived(ui *u);
/* The tags of the current dataset arrived. */
void ui_tags_arrived(ui *u);
/* The tree of the current version arrived (or failed) with folder F's rows built: shows them. */
void ui_tree_arrived(ui *u, ui_folder *f);
/* Reloads the panes when a job has ended since the last look. */
void ui_follow_jobs(ui *u);
/* Draws a centred overlay window of H x W and returns it (deleted by the caller). */
WINDOW *ui_overlay(int h, int w, const char *title);

/* ---- mouse.c --------------------------------------------------------------- */

/* Asks the terminal for clicks and the wheel, unless keys.conf turned the mouse off. */
void mouse_init(void);
/* Handles a click, a double click or the wheel at the event's cell. */
void mouse_event(ui *u, const MEVENT *ev);

/* ---- clipboard.c --------------------------------------------------------- */

/* Copies the selected reference (DS:VER/path, with names) to the clipboard (OSC 52). */
void clipboard_copy(ui *u);

/* ---- complete.c: local paths as typed ---------------------------------------- */

/* S with a leading ~ as $HOME (caller frees). */
char *path_expand(const char *s);
/* S with a leading $HOME shown as ~, as a shell prompt does (caller frees). */
char *path_abbrev(const char *s);
/* Completes the local path in BUF (CAP bytes) as a shell's Tab does; true if it changed. */
bool path_complete(char *buf, size_t cap);

/* ---- folder.c: the Files pane's rows, built on a reader ------------------- */

/* A ui_folder: a folder's listing and rows as a reader builds them (the tree lent to it). */
/* A folder to list: WANT (the root if WANT is gone), filtered and sorted as L, the cursor on
   SELECT. */
ui_folder *folder_new(const char *want, const char *select, const ui_list *l);
/* Frees F and all it holds (a tree lent to it too). */
void folder_free(void *f);
/* On a reader: lists F's folder of tree T and builds its rows; the old rows are freed here too. */
int folder_build(vds_tree *t, ui_folder *f);
/* On the UI thread: F's rows into the Files pane, the cursor on its SELECT if listed. */
void folder_show(ui *u, ui_folder *f);
/* True if F found its SELECT among the rows shown (folder_show put the cursor on it). */
bool folder_selected(const ui_folder *f);
/* Shows folder DIR (taken), its rows built on a reader, the cursor then on the child SELECT. */
void folder_enter(ui *u, char *dir, const char *select);

/* ---- names.c: names, not ids ----------------------------------------------- */

/* The name of dataset DS, or DS when it is not listed. */
const char *ui_ds_name(const ui *u, const char *ds);
/* "name:tag" when a tag names DS:VER (the one it was reached through first), else "name:VER". */
void ui_ref_name(ui *u, const char *ds, const char *ver, char *buf, size_t len);
/* As ui_ref_name; true if DS is listed and VER is among its versions read (named as now). */
bool ui_ref_named(ui *u, const char *ds, const char *ver, char *buf, size_t len);

/* ---- preview_nav.c: moving inside the preview ------------------------------ */

/* True when keys go to the preview: its pane has focus or it is full screen. */
bool pv_active(const ui *u);
/* Starts typing a search pattern (/ in the preview). */
void pv_search_start(ui *u);
/* Handles a key while the pattern is typed. */
void pv_search_key(ui *u, int key);
/* Moves to the next (DIR 1) or previous (DIR -1) line matching the pattern. */
void pv_search_next(ui *u, int dir);
/* Scrolls the preview COLS columns right (negative: left). */
void pv_scroll_columns(ui *u, int cols);
/* Toggles wrapping of long lines. */
void pv_toggle_wrap(ui *u);
/* Fetches the previewed file to a temporary copy in a job, then opens it (EDITOR: $EDITOR). */
void pv_open_external(ui *u, bool editor);
/* Opens the fetched copy once its job has ended, then removes it. */
void pv_follow_job(ui *u);
/* Removes the temporary copy fetched for $PAGER or $EDITOR, if any. */
void pv_cleanup(ui *u);
/* Forgets search position and scrolling (a new file is previewed). */
void pv_reset(ui *u);
/* Draws untrusted S escaped and wrapped from row Y on (not past BOTTOM); returns the next row. */
int pv_draw_wrapped(WINDOW *w, int y, int x, int width, int bottom, const char *s, attr_t attr);
/* Draws the preview's lines on rows Y..BOTTOM-1 of W, WIDTH columns from column X. */
void pv_draw_lines(ui *u, WINDOW *w, int y, int x, int width, int bottom);

/* ---- script.c: scripted runs for tests ------------------------------------ */

typedef struct ui_script ui_script;

/* Opens the script named by $VDS_UI_SCRIPT, or returns NULL when unset. */
ui_script *script_open(char *err, size_t errlen);
/* Next key from the script (running its commands on the way), or -1 at the end. */
int script_next_key(ui_script *s, ui *u);
/* Closes the script. */
void script_close(ui_script *s);
/* False once the script said :async (keys and dumps no longer wait for reads). */
bool script_settles(const ui_script *s);
/* Writes the current screen as text to PATH. */
int screen_dump(const char *path);

/* ---- browse.c ------------------------------------------------------------ */

/* Relayouts the windows for the current terminal size. */
void ui_layout(ui *u);
/* Redraws everything that changed. */
void ui_draw(ui *u);
/* Handles one key; false when the browser should quit. */
bool ui_handle_key(ui *u, int key);
/* Runs action A as its key would on the main screen. */
void ui_handle_action(ui *u, enum ui_action a);
/* Follows a cursor move in pane P to the panes that depend on it. */
void ui_follow(ui *u, int p);
/* Runs the browser on CTX, opening REF (or NULL); returns a vds status. */
int vds_browse(vds_ctx *ctx, const char *ref);

#endif
