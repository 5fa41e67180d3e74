/*
 * ref.c - references: DATASET, DATASET:latest, DATASET:VERSION, DATASET:TAG.
 *
 * Rule: "latest" is the newest committed version; otherwise a name that is
 * the id of an existing version means that version; otherwise it is a tag.
 * Tag names equal to an existing version id are refused and new version ids
 * never take an existing tag's name, so the rule only matters if two
 * writers raced, and then the version wins.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core.h"

int vds_ref_parse(const char *ref, char **dataset, char **name)
{
	const char *colon = strchr(ref, ':');

	*dataset = *name = NULL;
	if (!*ref || colon == ref)
		return vds_err(VDS_EINVAL, "malformed reference %s: no dataset", q(ref));
	if (colon && (!colon[1] || strchr(colon + 1, ':')))
		return vds_err(VDS_EINVAL, "malformed reference %s: expected DATASET[:VERSION|:TAG]",
			       q(ref));
	for (const unsigned char *p = (const unsigned char *)ref; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return vds_err(VDS_EINVAL, "malformed reference %s: control characters",
				       q(ref));
	if (colon) {
		*dataset = strndup(ref, (size_t)(colon - ref));
		*name = xstrdup(colon + 1);
	} else {
		*dataset = xstrdup(ref);
	}
	return 0;
}

void vds_resolved_release(vds_resolved *r)
{
	vds_dataset_release(&r->dataset);
	free(r->tag);
	r->tag = NULL;
}

typedef struct latest_job {
	vds_backend *b;
	const char *ds;
	char **ids;
	int64_t *t; /* parallel to ids: commit time, or -1 if not committed */
} latest_job;

/* Notes the commit time of version I; fails only if its state cannot be told. */
static int commit_time(size_t i, void *ud)
{
	latest_job *j = ud;
	bool committed;
	cJSON *commit;
	int r;

	j->t[i] = -1;
	if (!vds_is_version_id(j->ids[i]))
		return 0;
	if ((r = version_state(j->b, j->ds, j->ids[i], &committed, &commit)) == VDS_ECORRUPT)
		return r; /* latest cannot be told without it */
	if (r < 0 || !committed)
		return 0;
	j->t[i] = vds_parse_time(json_str(commit, "committed"));
	cJSON_Delete(commit);
	return 0;
}

/* Finds the committed version with the newest commit time (versions read in parallel). */
static int latest_version(vds_backend *b, const char *ds, char ver[VDS_VERID_LEN + 1])
{
	char *prefix = xasprintf("datasets/%s/versions", ds), **ids;
	size_t n;
	int64_t best = -1;
	int r = list_names(b, prefix, &ids, &n);

	free(prefix);
	if (r < 0)
		return r;
	latest_job job = {b, ds, ids, xcalloc(n + 1, sizeof(int64_t))};
	if ((r = each_parallel(b, n, commit_time, &job)) == 0)
		for (size_t i = 0; i < n; i++) {
			int64_t t = job.t[i];
			if (t >= 0 && (t > best || (t == best && strcmp(ids[i], ver) > 0))) {
				best = t;
				memcpy(ver, ids[i], VDS_VERID_LEN + 1);
			}
		}
	free(job.t);
	names_free(ids, n);
	if (r < 0)
		return r;
	if (best < 0)
		return vds_err(VDS_ENOTFOUND, "dataset %s has no committed version", ds);
	return 0;
}

int vds_ref_resolve(vds_ctx *ctx, const char *ref, bool need_version, vds_resolved *out)
{
	char *ds = NULL, *name = NULL;
	vds_backend *b;
	bool committed = false;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = vds_ref_parse(ref, &ds, &name)) < 0)
		return r;
	if ((r = vds_dataset_get(ctx, ds, &out->dataset)) < 0 ||
	    (r = ctx_dataset_backend(ctx, out->dataset.id, &b, NULL)) < 0)
		goto out;
	const char *id = out->dataset.id;
	if (!name && !need_version)
		goto out;
	dataset_prime(b, id); /* one listing answers for every version and tag */
	if (!name || !strcmp(name, "latest")) {
		r = latest_version(b, id, out->version);
	} else if (vds_is_version_id(name) &&
		   (r = version_state(b, id, name, &committed, NULL)) != VDS_ENOTFOUND) {
		if (r == 0)
			memcpy(out->version, name, VDS_VERID_LEN + 1);
	} else if ((r = tag_current(b, id, name, out->version)) == 0) {
		out->tag = xstrdup(name);
		if (version_state(b, id, out->version, &committed, NULL) == VDS_ENOTFOUND)
			r = vds_err(VDS_ECORRUPT, "tag %s of dataset %s points at missing version %s",
				    q(name), id, out->version);
	} else if (r == VDS_ENOTFOUND) {
		r = vds_err(VDS_ENOTFOUND, "no version or tag %s in dataset %s", q(name), id);
	}
	if (r == 0)
		r = version_state(b, id, out->version, &out->committed, NULL);
	store_unprime(b);
out:
	free(ds);
	free(name);
	if (r < 0)
		vds_resolved_release(out);
	return r;
}
