/* demo.c - the small demo dataset a new, empty store starts with. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

int vds_demo_seed(vds_ctx *ctx, const char *data_dir, char id[VDS_DSID_LEN + 1])
{
	vds_dataset *all, d;
	size_t n;
	char ver[VDS_VERID_LEN + 1];
	int r;

	id[0] = '\0';
	if ((r = vds_dataset_list(ctx, &all, &n)) < 0)
		return r;
	vds_dataset_list_free(all, n);
	char *src = xasprintf("%s/", data_dir);
	if (n || vds_source_check(src) < 0) { /* no demo files: no demo */
		free(src);
		return 0;
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
