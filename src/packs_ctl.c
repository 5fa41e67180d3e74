/* packs_ctl.c - the feature "packs" of a provider's store: added once, never removed. */
#include "config.h"

#include <string.h>

#include "core.h"
#include "store/backend.h"

int vds_provider_set_packs(vds_ctx *ctx, const char *id, bool on)
{
	const vds_provider *p;
	vds_backend *b;
	int r;

	if ((r = vds_provider_find(ctx, id, &p)) < 0)
		return r;
	size_t i = (size_t)(p - vds_provider_at(ctx, 0));
	if ((r = ctx_backend_at(ctx, i, &b)) < 0)
		return r;
	if (!on)
		return b->features & FEATURE_PACKS ? vds_err(VDS_ECONFLICT,
					  "the store of storage provider %s holds content in packs: "
					  "the feature cannot be removed",
					  id)
				: 0;
	if (vds_backend_read_only(b))
		return vds_err(VDS_ECONFLICT, "storage provider %s is read-only", id);
	if ((r = vds_format_add_packs(b)) > 0 && !vds_backend_packed(b))
		vds_backend_packs_wrap(b, ctx->cache_dir);
	return r;
}
