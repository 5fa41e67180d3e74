/*
 * hold.c - a read-only command's hold on one dataset: its reads, from the
 * lookup of the dataset to the last record it shows, are answered from one
 * listing of the dataset's folder (and the record pack and cache it
 * names) instead of a listing per core operation and a HEAD per lookup.
 * The listing still decides everything (vds-format(5), RECORD CACHE): a
 * write of the process forgets it, and it is never used past its age.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

struct vds_hold {
	vds_backend *b;
};

vds_hold *vds_hold_begin(vds_ctx *ctx, const char *ref)
{
	char *ds = NULL, *name = NULL, saved[1024];
	vds_hold *h = NULL;

	/* only an acceleration: the command itself reports what goes wrong */
	snprintf(saved, sizeof(saved), "%s", vds_errmsg());
	if (vds_ref_parse(ref, &ds, &name) == 0 && is_object_id(ds, "ds")) {
		char *key = NULL;
		char *prefix = xasprintf("datasets/%s", ds);
		for (size_t i = 0; i < ctx->nprov && !h; i++) {
			vds_backend *b;
			int r;

			ctx->open_prefix = prefix; /* a store opened now lists it at once */
			ctx->open_delim = DATASET_PRIME_DELIM;
			r = ctx_backend_at(ctx, i, &b);
			ctx->open_prefix = NULL;
			if (r < 0)
				break;
			free(key);
			key = dataset_key(b, ds);
			if (!b->ops->prime) { /* nothing to hold; a local stat is cheap */
				if ((r = b->ops->stat(b, key, NULL)) != VDS_ENOTFOUND)
					break;
				continue;
			}
			dataset_prime(b, ds); /* the listing answers the stat */
			if ((r = b->ops->stat(b, key, NULL)) == 0) {
				h = xcalloc(1, sizeof(*h));
				h->b = b;
			} else {
				store_unprime(b);
				if (r != VDS_ENOTFOUND)
					break;
			}
		}
		free(key);
		free(prefix);
	}
	free(ds);
	free(name);
	vds_err(0, "%s", saved);
	return h;
}

void vds_hold_end(vds_hold *h)
{
	if (!h)
		return;
	store_unprime(h->b);
	free(h);
}
