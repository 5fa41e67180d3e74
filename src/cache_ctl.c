/*
 * cache_ctl.c - the context's content cache as vds.h shows it: where it
 * is, its limit (kept in the configuration), its state and pruning. The
 * cache itself (src/store/cache.c) knows nothing of the configuration.
 */
#include "config.h"

#include <string.h>

#include "core.h"
#include "store/cache.h"

const char *vds_cache_dir(const vds_ctx *ctx)
{
	return ctx->cache_dir;
}

int vds_cache_status(vds_ctx *ctx, vds_cache_info *out)
{
	memset(out, 0, sizeof(*out));
	out->max_bytes = ctx->cache_max;
	return cache_prune(ctx->cache_dir, UINT64_MAX, out);
}

int vds_cache_prune(vds_ctx *ctx, int64_t max_bytes, vds_cache_info *out)
{
	memset(out, 0, sizeof(*out));
	out->max_bytes = max_bytes < 0 ? ctx->cache_max : (uint64_t)max_bytes;
	return cache_prune(ctx->cache_dir, out->max_bytes, out);
}

int vds_cache_set_limit(vds_ctx *ctx, uint64_t max_bytes)
{
	ctx->cache_max = max_bytes;
	return ctx_save(ctx);
}
