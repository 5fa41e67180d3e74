/* source.c - a preview source over the core's ranged reads of a content object. */
#include "config.h"

#include "pv.h"

typedef struct content_arg {
	vds_ctx *ctx;
	const char *ds;
	const unsigned char *sha;
} content_arg;

static int read_content(void *arg, uint64_t off, void *buf, size_t len, size_t *got)
{
	content_arg *a = arg;

	return vds_content_read(a->ctx, a->ds, a->sha, off, buf, len, got);
}

void preview_content(ui_preview *p, vds_ctx *ctx, const char *ds, const vds_entry *e,
		     const char *name)
{
	content_arg a = {ctx, ds, e->sha256};
	pv_src s = {.read = read_content, .arg = &a, .name = name, .size = e->size};

	preview_load(p, &s, e->sha256);
}
