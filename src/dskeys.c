/*
 * dskeys.c - where a dataset's record lives (vds-format(5), KEYS): the flat
 * key datasets/ID.json in a store with the feature datasetkeys, else
 * datasets/ID/dataset.json; the ids a listing of datasets/ names; and the
 * upgrade of a store to the feature (UPGRADE).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

char *dataset_key(const vds_backend *b, const char *ds)
{
	if (b->features & FEATURE_DATASETKEYS)
		return xasprintf("datasets/%s.json", ds);
	return xasprintf("datasets/%s/dataset.json", ds);
}

bool dataset_record_name(const char *name, char id[16])
{
	if (strlen(name) != 20 || strcmp(name + 15, ".json") != 0)
		return false;
	memcpy(id, name, 15);
	id[15] = '\0';
	return is_object_id(id, "ds");
}

bool dataset_named(char *const *names, size_t n, const char *name)
{
	size_t lo = 0, hi = n;

	while (lo < hi) { /* NAMES sorted (list_names) */
		size_t mid = (lo + hi) / 2;
		int c = strcmp(names[mid], name);
		if (!c)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

char **dataset_ids(const vds_backend *b, char **names, size_t n, size_t *nids)
{
	char **ids = xcalloc(n + 1, sizeof(*ids)), id[16];

	*nids = 0;
	for (size_t i = 0; i < n; i++) {
		if (b->features & FEATURE_DATASETKEYS) {
			if (dataset_record_name(names[i], id))
				ids[(*nids)++] = xstrdup(id);
		} else if (is_object_id(names[i], "ds")) {
			ids[(*nids)++] = xstrdup(names[i]);
		}
	}
	names_free(names, n);
	return ids;
}

/* Copies the old record of each dataset to its flat key; removes flat keys without one. */
static int copy_records(vds_backend *b, char **names, size_t n, size_t *copied)
{
	char id[16];
	int r = 0;

	for (size_t i = 0; i < n && r == 0; i++) {
		char *text, *old, *flat;
		size_t len;

		if (dataset_record_name(names[i], id)) {
			/* of an earlier run, for a dataset deleted since: it would come back */
			old = xasprintf("datasets/%s/dataset.json", id);
			flat = xasprintf("datasets/%s", names[i]);
			if ((r = b->ops->stat(b, old, NULL)) == VDS_ENOTFOUND &&
			    (r = b->ops->remove(b, flat)) == VDS_ENOTFOUND)
				r = 0;
			free(old);
			free(flat);
			continue;
		}
		if (!is_object_id(names[i], "ds"))
			continue;
		old = xasprintf("datasets/%s/dataset.json", names[i]);
		flat = xasprintf("datasets/%s.json", names[i]);
		/* the same bytes: the checksum covers the text, not its key */
		if ((r = b->ops->read(b, old, &text, &len)) == 0) {
			r = b->ops->write(b, flat, text, len);
			free(text);
			*copied += r == 0;
		} else if (r == VDS_ENOTFOUND) {
			r = 0; /* a leftover of a deletion */
		}
		free(old);
		free(flat);
	}
	return r;
}

/* Removes every old record datasets/ID/dataset.json: with the feature, leftovers. */
static int remove_old(vds_backend *b, char **names, size_t n)
{
	int r = 0;

	for (size_t i = 0; i < n && r == 0; i++) {
		if (!is_object_id(names[i], "ds"))
			continue;
		char *old = xasprintf("datasets/%s/dataset.json", names[i]);
		if ((r = b->ops->remove(b, old)) == VDS_ENOTFOUND)
			r = 0;
		free(old);
	}
	return r;
}

int vds_provider_upgrade(vds_ctx *ctx, const char *provider_id, size_t *copied)
{
	const vds_provider *p;
	vds_backend *b;
	char **names, *marker;
	size_t n;
	int r;

	*copied = 0;
	if (!provider_id)
		return vds_err(VDS_EINVAL, "which storage provider to upgrade: give its id");
	if ((r = maintain_target(ctx, provider_id, true, &p)) < 0 ||
	    (r = ctx_backend_at(ctx, (size_t)(p - ctx->prov), &b)) < 0)
		return r;
	if ((r = list_names(b, "datasets", &names, &n)) < 0)
		return r;
	/* 1: every record at its new key too; the marker still sends readers to the old */
	if (!(b->features & FEATURE_DATASETKEYS)) {
		r = copy_records(b, names, n, copied);
		/* 2: the marker: from now on the flat keys decide */
		marker = vds_format_text(b->features | FEATURE_DATASETKEYS, b->legacy);
		if (r == 0 && (r = b->ops->write(b, FORMAT_KEY, marker, strlen(marker))) == 0)
			b->features |= FEATURE_DATASETKEYS;
		free(marker);
	}
	/* 3: the old records, now leftovers (again after a run cut short) */
	if (r == 0)
		r = remove_old(b, names, n);
	names_free(names, n);
	return r;
}
