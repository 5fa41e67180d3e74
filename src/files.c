/* files.c - removing files from drafts and reading content. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "manifest.h"
#include "core.h"

int vds_files_delete(vds_ctx *ctx, const char *ds, const char *ver, const char *const *paths,
		     size_t npaths)
{
	vds_backend *b;
	vds_tree *t = NULL;
	strbuf rec = STRBUF_INIT;
	int r;

	if (npaths == 0)
		return vds_err(VDS_EUSAGE, "no path to delete");
	if ((r = ctx_dataset_backend(ctx, ds, &b, NULL)) < 0 ||
	    (r = version_require_open_draft(b, ds, ver)) < 0 || (r = vds_tree_open(ctx, ds, ver, &t)) < 0)
		return r;
	sb_adds(&rec, CHANGES_HEADER);
	for (size_t i = 0; i < npaths && r == 0; i++) {
		char *path;
		uint64_t first, end;
		vds_entry e;

		if ((r = vds_path_normalize(paths[i], &path)) < 0)
			break;
		if (!*path) {
			r = vds_err(VDS_EINVAL, "refusing to delete the whole version: name files or folders");
		} else {
			vds_tree_range(t, path, &first, &end);
			if (first == end && vds_tree_lookup(t, path, &e) < 0)
				r = vds_err(VDS_ENOTFOUND, "no such file or folder %s in %s:%s", q(path), ds,
					    ver);
			else
				manifest_add_delete(&rec, path);
		}
		free(path);
	}
	if (r == 0)
		r = version_add_changes(b, ds, ver, rec.buf, rec.len);
	sb_release(&rec);
	vds_tree_free(t);
	return r;
}

int vds_content_read(vds_ctx *ctx, const char *ds, const unsigned char sha[32], uint64_t off,
		     void *buf, size_t len, size_t *got)
{
	vds_backend *b;
	char key[80];
	int r;

	if ((r = ctx_dataset_backend(ctx, ds, &b, NULL)) < 0)
		return r;
	vds_content_key(sha, key);
	r = b->ops->read_range(b, key, off, buf, len, got);
	if (r == VDS_ENOTFOUND)
		return vds_err(VDS_ECORRUPT, "content object %s is missing", key);
	return r;
}
