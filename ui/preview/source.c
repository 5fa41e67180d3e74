/* source.c - a preview source over the core's ranged reads of a content object. */
#include "config.h"

#include "pv.h"

typedef struct content_arg {
	vds_ctx *ctx;
	const char *ds;
	const unsigned char *sha;
	atomic_int *cancel; /* a preview no longer wanted sends no further request */
} content_arg;

static int read_content(void *arg, uint64_t off, void *buf, size_t len, size_t *got)
{
	content_arg *a = arg;

	if (a->cancel && atomic_load(a->cancel))
		return vds_err(VDS_ECANCELED, "preview cancelled");
	return vds_content_read(a->ctx, a->ds, a->sha, off, buf, len, got);
}

void preview_content(ui_preview *p, vds_ctx *ctx, const char *ds, const vds_entry *e,
		     const char *name)
{
	preview_content_cancel(p, ctx, ds, e, name, NULL);
}

void preview_content_cancel(ui_preview *p, vds_ctx *ctx, const char *ds, const vds_entry *e,
			    const char *name, atomic_int *cancel)
{
	content_arg a = {ctx, ds, e->sha256, cancel};
	pv_src s = {.read = read_content, .arg = &a, .name = name, .size = e->size};

	preview_load(p, &s, e->sha256);
}
