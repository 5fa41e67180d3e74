/*
 * names.c - what people read: a dataset's name in place of its id, and a
 * tag in place of a version id when one names the version ("demo:v1").
 * Ids stay where exactness matters (details, the CLI's --json). Nothing
 * here reads the store: a version whose dataset's versions are not read
 * yet is named by its id while a reader reads them.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ui.h"

const char *ui_ds_name(const ui *u, const char *ds)
{
	for (size_t i = 0; i < u->ndatasets; i++)
		if (!strcmp(u->datasets[i].id, ds))
			return u->datasets[i].name;
	return ds;
}

bool ui_ref_named(ui *u, const char *ds, const char *ver, char *buf, size_t len)
{
	vds_version *v = NULL;
	size_t n = 0;
	const char *tag = NULL, *name = ui_ds_name(u, ds);
	bool known = name != ds;

	if (!ver || !*ver) {
		snprintf(buf, len, "%s", name);
		return known;
	}
	if (!strcmp(ds, u->ds) && !strcmp(ver, u->ver) && *u->tag) {
		tag = u->tag; /* the tag the version was reached through */
	} else if (memo_versions(u, ds, &v, &n) == 0) {
		reads_memo(u, ds); /* the id until the versions are read */
		known = false;
	} else {
		bool listed = false;
		for (size_t i = 0; i < n && !listed; i++)
			if (!strcmp(v[i].id, ver)) {
				listed = true;
				tag = v[i].ntags ? v[i].tags[0] : NULL;
			}
		known &= listed;
	}
	snprintf(buf, len, "%s:%s", name, tag ? tag : ver);
	return known;
}

void ui_ref_name(ui *u, const char *ds, const char *ver, char *buf, size_t len)
{
	ui_ref_named(u, ds, ver, buf, len);
}
