/*
 * lineage_walk.c - walking lineage: up from a version through the inputs
 * its records name, or down to every committed version made from it.
 *
 * Going down needs every lineage record of the store: they are read once,
 * provider by provider, many at a time (each_parallel), each dataset's
 * through one listing of it and its record pack, and the walk then runs
 * in memory. A version met twice is reported again but not walked
 * again, which also ends any cycle a damaged store might hold.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

/* One committed version that vds run made. */
typedef struct made {
	char ds[VDS_DSID_LEN + 1];
	char ver[VDS_VERID_LEN + 1];
	vds_lineage l;
	bool have;
} made;

typedef struct walk {
	vds_ctx *ctx;
	bool down;
	int max;
	vds_lineage_fn fn;
	void *ud;
	char **seen; /* "DS:VER" of each version walked */
	size_t nseen;
	made *all; /* down: every version with a lineage */
	size_t nall;
	vds_backend **held; /* a backend per dataset whose reading lasts the walk */
	size_t nheld;
} walk;

/* ---- reading every lineage record of a provider --------------------------- */

typedef struct scan {
	vds_backend *b;
	char **ds;       /* dataset ids of the provider */
	char ***vers;    /* parallel to ds: their version ids */
	size_t *nvers;
	bool *primed;    /* parallel to ds: its reading began (dataset_prime) */
	made *m;         /* one per (dataset, version) */
	size_t nm;
} scan;

/*
 * Lists the versions of dataset I. Its reading begins here and ends with
 * the walk: one listing of the dataset and its record pack answer for all
 * its records, and for its name.
 */
static int list_versions(size_t i, void *ud)
{
	scan *s = ud;
	char *prefix = xasprintf("datasets/%s/versions", s->ds[i]);
	int r;

	if (!is_object_id(s->ds[i], "ds")) { /* a flat dataset record, a pack: no versions */
		free(prefix);
		s->vers[i] = NULL;
		s->nvers[i] = 0;
		return 0;
	}
	dataset_prime(s->b, s->ds[i]);
	s->primed[i] = true;
	r = list_names(s->b, prefix, &s->vers[i], &s->nvers[i]);

	free(prefix);
	return r;
}

static int read_made(size_t i, void *ud)
{
	scan *s = ud;
	bool committed;
	int r;

	if (version_state(s->b, s->m[i].ds, s->m[i].ver, &committed, NULL) < 0 || !committed)
		return 0; /* deleted meanwhile, or a draft: nothing was made from it yet */
	r = lineage_read(s->b, s->m[i].ds, s->m[i].ver, &s->m[i].l);
	s->m[i].have = r == 1;
	return r == VDS_ENOTFOUND ? 0 : r < 0 ? r : 0;
}

/* Adds every version of provider I that vds run made to W->all. */
static int scan_provider(walk *w, size_t i)
{
	scan s = {0};
	size_t nds = 0;
	int r;

	if ((r = ctx_backend_at(w->ctx, i, &s.b)) < 0 ||
	    (r = list_names(s.b, "datasets", &s.ds, &nds)) < 0) {
		char msg[512];
		snprintf(msg, sizeof(msg), "%s", vds_errmsg());
		return vds_err(r == VDS_ENOTFOUND ? VDS_EIO : r, "storage provider %s cannot be read: %s",
			       w->ctx->prov[i].id, msg);
	}
	s.vers = xcalloc(nds + 1, sizeof(*s.vers));
	s.nvers = xcalloc(nds + 1, sizeof(*s.nvers));
	s.primed = xcalloc(nds + 1, sizeof(*s.primed));
	r = each_parallel(s.b, nds, list_versions, &s);
	for (size_t d = 0; d < nds && r == 0; d++) {
		if (!is_object_id(s.ds[d], "ds"))
			continue;
		for (size_t v = 0; v < s.nvers[d]; v++) {
			if (!vds_is_version_id(s.vers[d][v]))
				continue;
			s.m = xrealloc(s.m, (s.nm + 1) * sizeof(*s.m));
			memset(&s.m[s.nm], 0, sizeof(*s.m));
			memcpy(s.m[s.nm].ds, s.ds[d], sizeof(s.m[s.nm].ds));
			memcpy(s.m[s.nm].ver, s.vers[d][v], sizeof(s.m[s.nm].ver));
			s.nm++;
		}
	}
	if (r == 0)
		r = each_parallel(s.b, s.nm, read_made, &s);
	for (size_t d = 0; d < nds; d++) /* the walk names their datasets: ended after it */
		if (s.primed[d]) {
			w->held = xrealloc(w->held, (w->nheld + 1) * sizeof(*w->held));
			w->held[w->nheld++] = s.b;
		}
	free(s.primed);
	for (size_t k = 0; k < s.nm; k++) {
		if (r == 0 && s.m[k].have) {
			w->all = xrealloc(w->all, (w->nall + 1) * sizeof(*w->all));
			w->all[w->nall++] = s.m[k];
		} else {
			vds_lineage_release(&s.m[k].l);
		}
	}
	for (size_t d = 0; d < nds; d++)
		names_free(s.vers[d], s.nvers[d]);
	free(s.vers);
	free(s.nvers);
	free(s.m);
	names_free(s.ds, nds);
	return r;
}

/* ---- the walk --------------------------------------------------------------- */

/* True if DS:VER was walked before; otherwise remembers it. */
static bool seen_before(walk *w, const char *ds, const char *ver)
{
	char *id = xasprintf("%s:%s", ds, ver);

	for (size_t i = 0; i < w->nseen; i++)
		if (!strcmp(w->seen[i], id)) {
			free(id);
			return true;
		}
	w->seen = xrealloc(w->seen, (w->nseen + 1) * sizeof(*w->seen));
	w->seen[w->nseen++] = id;
	return false;
}

/* Oldest first, then by dataset and version. */
static int cmp_made(const void *a, const void *b)
{
	const made *x = *(made *const *)a, *y = *(made *const *)b;
	int c;

	if (x->l.started_us != y->l.started_us)
		return x->l.started_us < y->l.started_us ? -1 : 1;
	c = strcmp(x->ds, y->ds);
	return c ? c : strcmp(x->ver, y->ver);
}

static int visit(walk *w, int depth, const char *via, const char *ds, const char *ver,
		 const vds_lineage *known);

/* The input names under which L read DS:VER, joined by ", " into SB; false if none. */
static bool read_as(const vds_lineage *l, const char *ds, const char *ver, strbuf *sb)
{
	for (size_t k = 0; k < l->ninputs; k++)
		if (!strcmp(l->inputs[k].dataset, ds) && !strcmp(l->inputs[k].version, ver)) {
			if (sb->len)
				sb_adds(sb, ", ");
			sb_adds(sb, l->inputs[k].name);
		}
	return sb->len > 0;
}

/* Walks the versions made from DS:VER, one level below DEPTH. */
static int walk_down(walk *w, int depth, const char *ds, const char *ver)
{
	made **kids = NULL;
	size_t n = 0;
	int r = 0;

	for (size_t i = 0; i < w->nall; i++) {
		strbuf via = STRBUF_INIT;
		if (read_as(&w->all[i].l, ds, ver, &via)) {
			kids = xrealloc(kids, (n + 1) * sizeof(*kids));
			kids[n++] = &w->all[i];
		}
		sb_release(&via);
	}
	if (n)
		qsort(kids, n, sizeof(*kids), cmp_made);
	for (size_t i = 0; i < n && r == 0; i++) {
		strbuf via = STRBUF_INIT;
		read_as(&kids[i]->l, ds, ver, &via);
		r = visit(w, depth + 1, via.buf, kids[i]->ds, kids[i]->ver, &kids[i]->l);
		sb_release(&via);
	}
	free(kids);
	return r;
}

static int visit(walk *w, int depth, const char *via, const char *ds, const char *ver,
		 const vds_lineage *known)
{
	vds_lineage own = {0};
	vds_lineage_node n = {depth, via, ds, ver, known, false, false};
	int r = 0;

	if (!known) {
		vds_backend *b;
		if ((r = ctx_dataset_backend(w->ctx, ds, &b, NULL)) == 0)
			r = lineage_read(b, ds, ver, &own);
		if (r == VDS_ENOTFOUND)
			n.missing = true;
		else if (r < 0)
			return r;
		n.lineage = r == 1 ? &own : NULL;
		r = 0;
	}
	n.repeated = seen_before(w, ds, ver);
	if ((r = w->fn(&n, w->ud)) == 0 && !n.repeated && !n.missing && (w->max < 0 || depth < w->max)) {
		if (w->down)
			r = walk_down(w, depth, ds, ver);
		else
			for (size_t i = 0; n.lineage && i < n.lineage->ninputs && r == 0; i++)
				r = visit(w, depth + 1, n.lineage->inputs[i].name,
					  n.lineage->inputs[i].dataset, n.lineage->inputs[i].version, NULL);
	}
	vds_lineage_release(&own);
	return r;
}

int vds_lineage_walk(vds_ctx *ctx, const char *ds, const char *ver, bool downstream, int depth,
		     vds_lineage_fn fn, void *ud)
{
	walk w = {.ctx = ctx, .down = downstream, .max = depth, .fn = fn, .ud = ud};
	vds_backend *b;
	bool committed;
	int r;

	if ((r = ctx_dataset_backend(ctx, ds, &b, NULL)) < 0)
		return r;
	if ((r = version_state(b, ds, ver, &committed, NULL)) < 0)
		return r;
	for (size_t i = 0; downstream && depth != 0 && i < ctx->nprov && r == 0; i++)
		r = scan_provider(&w, i);
	if (r == 0)
		r = visit(&w, 0, NULL, ds, ver, NULL);
	for (size_t i = 0; i < w.nheld; i++)
		store_unprime(w.held[i]);
	free(w.held);
	for (size_t i = 0; i < w.nall; i++)
		vds_lineage_release(&w.all[i].l);
	free(w.all);
	for (size_t i = 0; i < w.nseen; i++)
		free(w.seen[i]);
	free(w.seen);
	return r;
}
