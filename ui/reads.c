/*
 * reads.c - the panes' reads, run on the core's reader threads (loads.c):
 * the dataset list, a dataset's versions and tags, a version's tree and a
 * file's preview. The UI thread submits a read and, when it has finished,
 * shows its result if it is still wanted; only the UI thread touches the
 * ui struct and curses.
 *
 * The generation rule: each kind of read has a generation that grows when
 * what it is for changes (the dataset list at a refresh, the memo when it
 * is forgotten, the tree when another version is selected, the preview when
 * the cursor moves). A read carries the generation it was started in; a
 * result of an older one is dropped, and the read behind it was cancelled
 * when the generation grew (a preview then sends no further request).
 *
 * What is wanted is a level, not an event: reads_start() looks at the
 * selection and starts what it lacks once the cursor has rested for
 * DEBOUNCE_MS, so holding j starts no per-item reads; the versions and tags
 * of the datasets beside the cursor are then read in the background.
 */
#include "config.h"

#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "util.h"

#define READERS 3
#define DEBOUNCE_MS 60 /* the cursor rests: per-item reads start */
#define LOADING_MS 300 /* a pane says "loading" after this long */
#define TICK_MS 100    /* and redraws its elapsed time this often */
#define LINK_BYTES (64 * 1024)

enum kind { K_DATASETS, K_DS_PAGE, K_VERSIONS, K_TAGS, K_TREE, K_PREVIEW, K_VIEW };

/* One read: what it is for, and what it read (owned until shown or dropped). */
typedef struct rd_load {
	enum kind kind;
	unsigned gen;
	char ds[VDS_DSID_LEN + 1], ver[VDS_VERID_LEN + 1];
	vds_entry entry; /* the file previewed; its path is PATH */
	char *path, *name;
	vds_dataset *datasets; /* K_DATASETS read at once, or a part of one (K_DS_PAGE) */
	size_t ndatasets;
	bool paged;            /* K_DATASETS: its parts are shown as they arrive */
	vds_version *versions;
	size_t nversions;
	vds_tag *tags;
	size_t ntags;
	vds_tree *tree;
	ui_folder *folder; /* K_TREE: its first folder's rows, built with it */
	ui_preview preview;
	char *link_err; /* why a link's target could not be read */
	int view;                /* K_VIEW: which view (enum reads_view_id) */
	vds_load_fn vrun;        /* its read, on a reader */
	reads_show_fn vshow;     /* what shows it, on the UI thread */
	void *varg;              /* what they share */
	void (*vfree)(void *);
} rd_load;

struct ui_reads {
	vds_loads *pool;
	unsigned ds_gen, tree_gen, preview_gen;
	unsigned ds_load, tree_load, preview_load; /* the reads in flight, or 0 */
	char *ds_err, *tree_err;
	size_t ds_parts, ds_count; /* the parts of a paged dataset list shown so far, their datasets */
	bool tree_wanted, preview_wanted;
	int64_t ds_since, tree_since, preview_since, sel_since; /* microseconds */
	char sel_ds[VDS_DSID_LEN + 1]; /* the dataset SEL_SINCE is for */
	int64_t quiet_until;           /* microseconds: the debounce */
	unsigned started;
	unsigned view_gen[READS_VIEWS], view_load[READS_VIEWS];
	int64_t view_since[READS_VIEWS];
};

static void load_free(void *arg)
{
	rd_load *l = arg;

	vds_dataset_list_free(l->datasets, l->ndatasets);
	vds_version_list_free(l->versions, l->nversions);
	vds_tag_list_free(l->tags, l->ntags);
	vds_tree_free(l->tree);
	folder_free(l->folder);
	preview_release(&l->preview);
	free(l->path);
	free(l->name);
	free(l->link_err);
	if (l->vfree && l->varg)
		l->vfree(l->varg);
	free(l);
}

/* ---- on a reader thread ------------------------------------------------------ */

/* Previews render one at a time: libhdf5 and some decoders are not thread-safe. */
static pthread_mutex_t render_lock = PTHREAD_MUTEX_INITIALIZER;

/* A link's target, read from its content object. */
static void read_link(vds_ctx *ctx, rd_load *l)
{
	size_t want = l->entry.size < LINK_BYTES ? (size_t)l->entry.size : LINK_BYTES, got = 0;
	char *buf = xmalloc(want + 1);

	if (want && vds_content_read(ctx, l->ds, l->entry.sha256, 0, buf, want, &got) < 0) {
		l->link_err = xstrdup(vds_errmsg());
		got = 0;
	}
	buf[got] = '\0';
	l->preview.mime = xstrdup("inode/symlink");
	l->preview.lines = xcalloc(1, sizeof(char *));
	l->preview.lines[0] = xasprintf("symbolic link to %s", buf);
	l->preview.nlines = 1;
	free(buf);
}

/* Hands a part of the dataset list to the UI thread as it is read. */
static int post_part(vds_dataset *v, size_t n, void *ud)
{
	const rd_load *l = ud;
	rd_load *part = xcalloc(1, sizeof(*part));

	part->kind = K_DS_PAGE;
	part->gen = l->gen;
	part->datasets = v;
	part->ndatasets = n;
	return vds_loads_post(part, load_free) ? 0 : vds_err(VDS_ECANCELED, "listing cancelled");
}

static int run(vds_ctx *ctx, void *arg, const vds_opts *o)
{
	rd_load *l = arg;

	switch (l->kind) {
	case K_DATASETS:
		if (l->paged)
			return vds_dataset_list_pages(ctx, post_part, l);
		return vds_dataset_list(ctx, &l->datasets, &l->ndatasets);
	case K_DS_PAGE: return 0; /* never submitted */
	case K_VERSIONS: return vds_version_list(ctx, l->ds, &l->versions, &l->nversions);
	case K_TAGS: return vds_tag_list(ctx, l->ds, &l->tags, &l->ntags);
	case K_TREE: {
		int rc = vds_tree_open(ctx, l->ds, l->ver, &l->tree);
		return rc < 0 || !l->folder ? rc : folder_build(l->tree, l->folder);
	}
	case K_VIEW: return l->vrun(ctx, l->varg, o);
	case K_PREVIEW:
		if (l->entry.type == VDS_LINK) {
			read_link(ctx, l);
			return 0;
		}
		pthread_mutex_lock(&render_lock);
		if (!atomic_load(o->cancel))
			preview_content_cancel(&l->preview, ctx, l->ds, &l->entry, l->name, o->cancel);
		pthread_mutex_unlock(&render_lock);
		return atomic_load(o->cancel) ? vds_err(VDS_ECANCELED, "preview cancelled") : 0;
	}
	return 0;
}

/* ---- on the UI thread ------------------------------------------------------- */

static int64_t now_us(void)
{
	return vds_now_us();
}

static unsigned submit(ui *u, rd_load *l, bool background)
{
	u->reads->started++;
	return vds_loads_submit(u->reads->pool, run, l, load_free, background);
}

static rd_load *load_new(enum kind kind, unsigned gen, const char *ds)
{
	rd_load *l = xcalloc(1, sizeof(*l));

	l->kind = kind;
	l->gen = gen;
	snprintf(l->ds, sizeof(l->ds), "%s", ds ? ds : "");
	return l;
}

void reads_init(ui *u)
{
	u->reads = xcalloc(1, sizeof(*u->reads));
	u->reads->pool = vds_loads_new(vds_ctx_config_path(u->ctx), READERS);
	reads_datasets(u);
}

void reads_free(ui *u)
{
	if (!u->reads)
		return;
	vds_loads_free(u->reads->pool); /* frees what it did not hand over */
	free(u->reads->ds_err);
	free(u->reads->tree_err);
	free(u->reads);
	u->reads = NULL;
	free(u->want_dir);
	free(u->want_file);
	u->want_dir = u->want_file = NULL;
}

int reads_fd(const ui *u)
{
	return vds_loads_fd(u->reads->pool);
}

void reads_datasets(ui *u)
{
	ui_reads *r = u->reads;

	if (r->ds_load)
		vds_loads_cancel(r->pool, r->ds_load);
	r->ds_since = now_us();
	r->ds_parts = r->ds_count = 0;
	rd_load *l = load_new(K_DATASETS, ++r->ds_gen, NULL);
	/* a first listing shows its parts as they come; a refresh replaces the list once read */
	l->paged = !u->want_keep;
	r->ds_load = submit(u, l, false);
}

bool reads_datasets_busy(const ui *u)
{
	return u->reads && u->reads->ds_load;
}

void reads_moved(ui *u)
{
	if (u->reads)
		u->reads->quiet_until = now_us() + DEBOUNCE_MS * 1000;
}

void reads_tree(ui *u)
{
	ui_reads *r = u->reads;

	r->tree_gen++;
	reads_view_close(u, READS_FOLDER); /* a folder of the version left: dropped, its tree too */
	if (r->tree_load)
		vds_loads_cancel(r->pool, r->tree_load);
	r->tree_load = 0;
	free(r->tree_err);
	r->tree_err = NULL;
	r->tree_wanted = *u->ver != '\0';
	r->tree_since = now_us();
}

void reads_preview(ui *u, bool want)
{
	ui_reads *r = u->reads;

	r->preview_gen++;
	if (r->preview_load)
		vds_loads_cancel(r->pool, r->preview_load); /* its requests stop */
	r->preview_load = 0;
	r->preview_wanted = want;
	r->preview_since = now_us();
}

/* Starts reading the versions and tags of DS unless they are read or being read. */
static void want_memo(ui *u, const char *ds, bool background)
{
	ui_memo *m = memo_entry(u, ds);

	if (!m->have_versions && !m->verr && !m->vload)
		m->vload = submit(u, load_new(K_VERSIONS, u->memo_gen, ds), background);
	m = memo_entry(u, ds);
	if (!m->have_tags && !m->terr && !m->tload)
		m->tload = submit(u, load_new(K_TAGS, u->memo_gen, ds), background);
}

void reads_memo(ui *u, const char *ds)
{
	if (u->reads)
		want_memo(u, ds, true);
}

static void start_preview(ui *u)
{
	ui_reads *r = u->reads;
	const vds_entry *e = ui_preview_entry(u);

	r->preview_wanted = false;
	if (!e)
		return;
	rd_load *l = load_new(K_PREVIEW, r->preview_gen, u->ds);
	const char *base = strrchr(u->preview_path, '/');
	l->entry = *e;
	l->path = xstrdup(u->preview_path);
	l->entry.path = l->path;
	l->name = xstrdup(base ? base + 1 : u->preview_path);
	r->preview_load = submit(u, l, false);
}

void reads_start(ui *u, bool now)
{
	ui_reads *r = u->reads;

	if (strcmp(r->sel_ds, u->ds) != 0) {
		snprintf(r->sel_ds, sizeof(r->sel_ds), "%s", u->ds);
		r->sel_since = now_us();
	}
	if (!now && now_us() < r->quiet_until)
		return;
	if (*u->ds) /* what the cursor rests on first */
		want_memo(u, u->ds, false);
	if (r->tree_wanted && !r->tree_load) {
		rd_load *l = load_new(K_TREE, r->tree_gen, u->ds);
		snprintf(l->ver, sizeof(l->ver), "%s", u->ver);
		/* a refresh shows its folder and file again, if they are still there */
		bool keep = u->want_dir && !strcmp(u->ds, u->keep_ds) && !strcmp(u->ver, u->keep_ver);
		l->folder = folder_new(keep ? u->want_dir : "", keep ? u->want_file : NULL,
				       &u->list[PANE_FILES]);
		r->tree_wanted = false;
		r->tree_load = submit(u, l, false);
	}
	if (r->preview_wanted && !r->preview_load)
		start_preview(u);
	/* read ahead: the datasets beside the cursor */
	const ui_list *l = &u->list[PANE_DATASETS];
	for (int d = -1; d <= 1; d += 2) {
		size_t i = l->cursor + (size_t)d;
		if (l->nshown && i < l->nshown && i != l->cursor && l->all[l->shown[i]].index < u->ndatasets)
			want_memo(u, u->datasets[l->all[l->shown[i]].index].id, true);
	}
}

/* The memo entry of DS if there is one (without making one). */
static const ui_memo *find_memo(const ui *u, const char *ds)
{
	for (size_t i = 0; i < u->nmemo; i++)
		if (!strcmp(u->memo[i].ds, ds))
			return &u->memo[i];
	return NULL;
}

bool reads_loading(const ui *u, int p, int64_t *since_us)
{
	const ui_reads *r = u->reads;

	if (!r)
		return false;
	const ui_memo *m = *u->ds ? find_memo(u, u->ds) : NULL;
	bool versions = *u->ds && (!m || (!m->have_versions && !m->verr));
	bool tags = *u->ds && (!m || (!m->have_tags && !m->terr));

	*since_us = strcmp(r->sel_ds, u->ds) ? now_us() : r->sel_since;
	if ((r->view_load[READS_REF] || u->want_ref) && p != PANE_DATASETS && p != PANE_PREVIEW) {
		*since_us = r->view_since[READS_REF]; /* the REF to open at resolves, or waits for the list */
		return true;
	}
	switch (p) {
	case PANE_DATASETS: *since_us = r->ds_since; return r->ds_load != 0;
	case PANE_VERSIONS: return versions;
	case PANE_TAGS: return tags;
	case PANE_FILES:
		if (versions && !*u->ver)
			return true;
		if (r->view_load[READS_FOLDER]) { /* a folder entered: its rows are built */
			*since_us = r->view_since[READS_FOLDER];
			return true;
		}
		*since_us = r->tree_since;
		return *u->ver && !u->tree && !r->tree_err;
	case PANE_PREVIEW:
		*since_us = r->preview_since;
		return r->preview_wanted || r->preview_load;
	default: return false;
	}
}

bool reads_loading_text(const ui *u, int p, char *buf, size_t len)
{
	int64_t since;

	buf[0] = '\0';
	if (!reads_loading(u, p, &since))
		return false;
	int64_t ms = (now_us() - since) / 1000;
	if (p == PANE_DATASETS && u->reads->ds_parts)
		snprintf(buf, len, "loading\xe2\x80\xa6 %zu so far", u->reads->ds_count);
	else if (ms >= LOADING_MS)
		snprintf(buf, len, "loading\xe2\x80\xa6 %.1fs", (double)ms / 1000);
	return true;
}

const char *reads_error(const ui *u, int p)
{
	const ui_reads *r = u->reads;
	const ui_memo *m = *u->ds ? find_memo(u, u->ds) : NULL;

	if (!r)
		return NULL;
	switch (p) {
	case PANE_DATASETS: return r->ds_err;
	case PANE_VERSIONS: return m ? m->verr : NULL;
	case PANE_TAGS: return m ? m->terr : NULL;
	case PANE_FILES: return *u->ver ? r->tree_err : NULL;
	default: return NULL;
	}
}

unsigned reads_started(const ui *u)
{
	return u->reads ? u->reads->started : 0;
}

int reads_timeout(const ui *u)
{
	const ui_reads *r = u->reads;
	const ui_memo *m = *u->ds ? find_memo(u, u->ds) : NULL;
	int64_t since, t = now_us();
	int wait = -1;

	for (int p = 0; p < PANE_COUNT; p++)
		if (reads_loading(u, p, &since))
			wait = TICK_MS; /* the loading line's time moves */
	for (int v = 0; v < READS_VIEWS; v++)
		if (r->view_load[v])
			wait = TICK_MS; /* and a view's */
	bool waiting = r->tree_wanted || r->preview_wanted ||
		       (*u->ds && (!m || (!m->have_versions && !m->verr && !m->vload) ||
				   (!m->have_tags && !m->terr && !m->tload)));
	if (waiting) { /* reads_start() when the cursor has rested */
		int quiet = r->quiet_until > t ? (int)((r->quiet_until - t + 999) / 1000) : 0;
		wait = wait < 0 || quiet < wait ? quiet : wait;
	}
	return wait;
}

static int cmp_dataset(const vds_dataset *x, const vds_dataset *y)
{
	int c = strcmp(x->name, y->name);

	return c ? c : strcmp(x->id, y->id);
}

/*
 * Merges a part of the dataset list (L) into the list shown, in the order of
 * the whole list; the cursor stays on its dataset, at the same row.
 */
static bool apply_part(ui *u, rd_load *l)
{
	ui_reads *r = u->reads;
	ui_list *list = &u->list[PANE_DATASETS];

	if (l->gen != r->ds_gen)
		return false; /* a part of a listing a refresh replaced */
	const ui_row *row = list_selected(list);
	char sel[VDS_DSID_LEN + 1] = "";
	size_t at = row ? list->cursor - list->top : 0, n, i = 0, j = 0, k = 0;
	if (row)
		snprintf(sel, sizeof(sel), "%s", u->datasets[row->index].id);
	if (!r->ds_parts++) { /* the first part: what was shown before goes */
		vds_dataset_list_free(u->datasets, u->ndatasets);
		u->datasets = NULL;
		u->ndatasets = 0;
	}
	n = u->ndatasets + l->ndatasets;
	vds_dataset *all = xcalloc(n + 1, sizeof(*all));
	while (i < u->ndatasets || j < l->ndatasets)
		all[k++] = j >= l->ndatasets || (i < u->ndatasets &&
						  cmp_dataset(&u->datasets[i], &l->datasets[j]) <= 0)
				   ? u->datasets[i++]
				   : l->datasets[j++];
	free(u->datasets);
	free(l->datasets); /* the datasets themselves moved */
	l->datasets = NULL;
	l->ndatasets = 0;
	u->datasets = all;
	u->ndatasets = n;
	r->ds_count = n;
	u->datasets_failed = false;
	pane_datasets.load(u);
	for (i = 0; *sel && i < n; i++)
		if (!strcmp(all[i].id, sel) && list_select_index(list, i))
			list->top = list->cursor >= at ? list->cursor - at : 0;
	row = list_selected(list);
	if (!u->want_ref && row && strcmp(all[row->index].id, u->ds) != 0) {
		ui_follow(u, PANE_DATASETS); /* the first part: its first dataset selected */
		r->quiet_until = 0;          /* and read at once */
	}
	return true;
}

/* Shows the dataset list L read, if it is still wanted. */
static bool apply_datasets(ui *u, rd_load *l, const vds_load_done *d)
{
	ui_reads *r = u->reads;

	if (l->gen != r->ds_gen)
		return false;
	r->ds_load = 0;
	free(r->ds_err);
	r->ds_err = d->status < 0 ? xstrdup(d->error) : NULL;
	if (l->paged && d->status == 0) { /* its parts are shown */
		size_t parts = r->ds_parts;
		r->ds_parts = r->ds_count = 0;
		if (d->warning)
			ui_message(u, true, "%s", d->warning);
		if (parts && !u->want_ref)
			return true;
		if (!parts) { /* no dataset: what was shown before goes */
			vds_dataset_list_free(u->datasets, u->ndatasets);
			u->datasets = NULL;
			u->ndatasets = 0;
		}
		u->datasets_failed = false;
		ui_datasets_arrived(u); /* the REF given waited for the whole list */
		return true;
	}
	r->ds_parts = r->ds_count = 0;
	vds_dataset_list_free(u->datasets, u->ndatasets);
	u->datasets = l->datasets;
	u->ndatasets = l->ndatasets;
	l->datasets = NULL;
	l->ndatasets = 0;
	u->datasets_failed = d->status < 0;
	if (d->warning)
		ui_message(u, true, "%s", d->warning);
	if (d->status < 0)
		ui_message(u, true, "%s", d->error);
	ui_datasets_arrived(u);
	return true;
}

/* Keeps the versions or tags L read in the memo, and shows them if their dataset is shown. */
static bool apply_memo(ui *u, rd_load *l, const vds_load_done *d)
{
	if (l->gen != u->memo_gen)
		return false; /* read before a refresh */
	ui_memo *m = memo_entry(u, l->ds);
	bool versions = l->kind == K_VERSIONS;
	if (versions ? m->vload != d->id : m->tload != d->id)
		return false;
	if (versions)
		m->vload = 0;
	else
		m->tload = 0;
	if (versions ? m->have_versions : m->have_tags)
		return false; /* read meanwhile on the UI thread */
	if (d->status < 0) {
		if (versions)
			m->verr = xstrdup(d->error);
		else
			m->terr = xstrdup(d->error);
	} else if (versions) {
		m->versions = l->versions;
		m->nversions = l->nversions;
		m->have_versions = true;
		l->versions = NULL;
		l->nversions = 0;
	} else {
		m->tags = l->tags;
		m->ntags = l->ntags;
		m->have_tags = true;
		l->tags = NULL;
		l->ntags = 0;
	}
	if (d->warning) {
		free(m->warning);
		m->warning = xstrdup(d->warning);
	}
	if (strcmp(l->ds, u->ds) != 0)
		return true; /* the user has left it: kept, not shown (a title may name its tags) */
	if (versions)
		ui_versions_arrived(u);
	else
		ui_tags_arrived(u);
	return true;
}

static bool apply_tree(ui *u, rd_load *l, const vds_load_done *d)
{
	ui_reads *r = u->reads;

	if (l->gen != r->tree_gen || strcmp(l->ds, u->ds) || strcmp(l->ver, u->ver))
		return false;
	r->tree_load = 0;
	vds_tree_free(u->tree);
	u->tree = l->tree;
	l->tree = NULL;
	if (d->warning)
		ui_message(u, true, "%s", d->warning);
	if (d->status < 0) {
		r->tree_err = xstrdup(d->error);
		ui_message(u, true, "%s", d->error);
	}
	ui_tree_arrived(u, l->folder);
	return true;
}

static bool apply_preview(ui *u, rd_load *l, const vds_load_done *d)
{
	ui_reads *r = u->reads;

	if (l->gen != r->preview_gen)
		return false;
	r->preview_load = 0;
	preview_release(&u->preview);
	u->preview = l->preview;
	memset(&l->preview, 0, sizeof(l->preview));
	if (d->status < 0 && !u->preview.nlines) {
		u->preview.mime = xstrdup("?");
		u->preview.lines = xcalloc(1, sizeof(char *));
		u->preview.lines[0] = xstrdup(d->error);
		u->preview.nlines = 1;
	}
	if (l->link_err)
		ui_message(u, true, "%s", l->link_err);
	return true;
}

void reads_view(ui *u, int view, vds_load_fn fn, reads_show_fn show, void *arg,
		void (*free_arg)(void *))
{
	ui_reads *r = u->reads;

	reads_view_close(u, view);
	rd_load *l = load_new(K_VIEW, r->view_gen[view], NULL);
	l->view = view;
	l->vrun = fn;
	l->vshow = show;
	l->varg = arg;
	l->vfree = free_arg;
	r->view_since[view] = now_us();
	r->view_load[view] = submit(u, l, false);
}

bool reads_view_loading(const ui *u, int view, char *buf, size_t len)
{
	const ui_reads *r = u->reads;

	buf[0] = '\0';
	if (!r || !r->view_load[view])
		return false;
	int64_t ms = (now_us() - r->view_since[view]) / 1000;
	if (ms >= LOADING_MS)
		snprintf(buf, len, "loading\xe2\x80\xa6 %.1fs", (double)ms / 1000);
	else
		snprintf(buf, len, "loading\xe2\x80\xa6");
	return true;
}

void reads_view_close(ui *u, int view)
{
	ui_reads *r = u->reads;

	if (!r)
		return;
	r->view_gen[view]++;
	if (r->view_load[view])
		vds_loads_cancel(r->pool, r->view_load[view]);
	r->view_load[view] = 0;
}

/* Shows what a view's read gave, if the view still waits for it. */
static bool apply_view(ui *u, rd_load *l, const vds_load_done *d)
{
	ui_reads *r = u->reads;

	if (l->gen != r->view_gen[l->view])
		return false;
	r->view_load[l->view] = 0;
	l->vshow(u, l->varg, d->status, d->error);
	return true;
}

bool reads_apply(ui *u)
{
	vds_load_done d;
	bool changed = false;

	while (u->reads && vds_loads_take(u->reads->pool, &d)) {
		rd_load *l = d.arg;
		switch (l->kind) {
		case K_DATASETS: changed |= apply_datasets(u, l, &d); break;
		case K_DS_PAGE: changed |= apply_part(u, l); break;
		case K_VERSIONS:
		case K_TAGS: changed |= apply_memo(u, l, &d); break;
		case K_TREE: changed |= apply_tree(u, l, &d); break;
		case K_PREVIEW: changed |= apply_preview(u, l, &d); break;
		case K_VIEW: changed |= apply_view(u, l, &d); break;
		}
		vds_load_done_release(&d);
		load_free(l);
	}
	return changed;
}

void reads_wait(ui *u, int ms)
{
	struct pollfd fd = {vds_loads_fd(u->reads->pool), POLLIN, 0};
	int later = reads_timeout(u);

	poll(&fd, 1, later >= 0 && later < ms ? later : ms);
	reads_start(u, false);
	reads_apply(u);
}

void reads_settle(ui *u)
{
	for (;;) {
		reads_start(u, true);
		if (!vds_loads_pending(u->reads->pool))
			return;
		vds_loads_wait(u->reads->pool);
		reads_apply(u);
	}
}
