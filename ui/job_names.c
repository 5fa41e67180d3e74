/*
 * job_names.c - what a job is called in the Jobs view and on the jobs
 * line: its dataset and version named at each draw, as the rest of the
 * browser names them (names.c), never read on the UI thread. A job queued
 * before its dataset's versions were read shows the version's id, then its
 * name once a reader has brought them; a name once known is kept while the
 * versions are read again (a refresh) or after the version is gone (a
 * delete), so a title never goes back from a name to an id.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "util.h"

/* A job's title in parts, and the last name its version was known by. */
struct ui_job_name {
	unsigned job;
	char *before, *after;
	char ds[VDS_DSID_LEN + 1], ver[VDS_VERID_LEN + 1];
	char *known; /* DS:VER as last named, or NULL */
};

/* T's DS:VER by name into BUF (or its last known name in KNOWN, updated); NULL: nothing to name. */
static void name_ref(ui *u, const char *ds, const char *ver, char **known, char *buf, size_t len)
{
	if (ui_ref_named(u, ds, ver, buf, len)) {
		if (!*known || strcmp(*known, buf) != 0) {
			free(*known);
			*known = xstrdup(buf);
		}
	} else if (*known) {
		snprintf(buf, len, "%s", *known);
	}
}

void job_title_text(ui *u, const ui_job_title *t, char *buf, size_t len)
{
	char ref[600] = "";
	char *known = NULL;

	if (t->ds && *t->ds)
		name_ref(u, t->ds, t->ver ? t->ver : "", &known, ref, sizeof(ref));
	free(known);
	snprintf(buf, len, "%s%s%s", t->before ? t->before : "", ref, t->after ? t->after : "");
}

void job_name_note(ui *u, unsigned job, const ui_job_title *t)
{
	if (!t->ds || !*t->ds)
		return; /* a title that names no version stays as it was queued */
	u->job_names = xrealloc(u->job_names, (u->njob_names + 1) * sizeof(*u->job_names));
	struct ui_job_name *n = &u->job_names[u->njob_names++];
	memset(n, 0, sizeof(*n));
	n->job = job;
	n->before = xstrdup(t->before ? t->before : "");
	n->after = xstrdup(t->after ? t->after : "");
	snprintf(n->ds, sizeof(n->ds), "%s", t->ds);
	snprintf(n->ver, sizeof(n->ver), "%s", t->ver ? t->ver : "");
	char ref[600];
	name_ref(u, n->ds, n->ver, &n->known, ref, sizeof(ref));
}

void job_title(ui *u, const vds_job_info *j, char *buf, size_t len)
{
	for (size_t i = 0; i < u->njob_names; i++) {
		struct ui_job_name *n = &u->job_names[i];
		if (n->job != j->id)
			continue;
		char ref[600];
		name_ref(u, n->ds, n->ver, &n->known, ref, sizeof(ref));
		snprintf(buf, len, "%s%s%s", n->before, ref, n->after);
		return;
	}
	snprintf(buf, len, "%s", j->title);
}

void job_names_free(ui *u)
{
	for (size_t i = 0; i < u->njob_names; i++) {
		free(u->job_names[i].before);
		free(u->job_names[i].after);
		free(u->job_names[i].known);
	}
	free(u->job_names);
	u->job_names = NULL;
	u->njob_names = 0;
}
