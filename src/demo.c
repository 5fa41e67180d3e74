/*
 * demo.c - the small demo dataset a new, empty store starts with: offered
 * once per store (a local one), so that a demo the user deleted stays
 * deleted; the configuration remembers it ("demoSeeded").
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "util.h"

int vds_demo_seed(vds_ctx *ctx, const char *data_dir, char id[VDS_DSID_LEN + 1])
{
	vds_dataset *all, d;
	size_t n;
	char ver[VDS_VERID_LEN + 1];
	int r;

	id[0] = '\0';
	vds_provider *p = (vds_provider *)vds_provider_default(ctx);
	if (!p || strcmp(p->type, "local") != 0 || p->demo_seeded)
		return 0; /* never into a bucket; once per store */
	if ((r = vds_dataset_list(ctx, &all, &n)) < 0)
		return r;
	vds_dataset_list_free(all, n);
	char *src = xasprintf("%s/", data_dir);
	if (n || vds_source_check(src) < 0) { /* no demo files: no demo */
		free(src);
		if (n) { /* a store in use: the demo is not offered later either */
			p->demo_seeded = true;
			return ctx_save(ctx);
		}
		return 0;
	}
	p->demo_seeded = true; /* first: a failed seed is not tried again and again */
	if ((r = ctx_save(ctx)) < 0) {
		free(src);
		return r;
	}
	if ((r = vds_dataset_create(ctx, "demo", "A small example dataset: text, CSV, JSON and binary files",
				    NULL, &d)) < 0) {
		free(src);
		return r;
	}
	const char *const sources[] = {src};
	if ((r = vds_version_create(ctx, d.id, "First import of the demo files", NULL, ver)) == 0 &&
	    (r = vds_files_put(ctx, d.id, ver, sources, 1, NULL, NULL, NULL)) == 0 &&
	    (r = vds_version_commit(ctx, d.id, ver)) == 0)
		r = vds_tag_set(ctx, d.id, ver, "v1");
	free(src);
	if (r == 0)
		memcpy(id, d.id, sizeof(d.id));
	vds_dataset_release(&d);
	return r;
}
