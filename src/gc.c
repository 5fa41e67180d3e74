/*
 * gc.c - garbage collection of content. Mark: every hash that a file list
 * of a live version or draft names (plus the file lists themselves and the
 * bases of drafts). Sweep: content marked by none and older than the grace
 * period goes. Writers touch content they reuse and write new content
 * before the record that names it, so within the grace period nothing a
 * running put is about to reference can look unused.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "store/recpack.h"

typedef struct shaset {
	unsigned char (*v)[32];
	bool *used;
	size_t cap, n;
} shaset;

static size_t slot_of(const shaset *s, const unsigned char sha[32])
{
	size_t h;

	memcpy(&h, sha, sizeof(h)); /* SHA-256 bytes are already well spread */
	return h & (s->cap - 1);
}

static void add(shaset *s, const unsigned char sha[32]);

static void grow(shaset *s)
{
	shaset old = *s;

	s->cap = s->cap ? s->cap * 2 : 4096;
	s->v = xcalloc(s->cap, sizeof(*s->v));
	s->used = xcalloc(s->cap, sizeof(*s->used));
	s->n = 0;
	for (size_t i = 0; i < old.cap; i++)
		if (old.used[i])
			add(s, old.v[i]);
	free(old.v);
	free(old.used);
}

static void add(shaset *s, const unsigned char sha[32])
{
	if ((s->n + 1) * 2 > s->cap)
		grow(s);
	size_t i = slot_of(s, sha);
	while (s->used[i] && memcmp(s->v[i], sha, 32))
		i = (i + 1) & (s->cap - 1);
	if (!s->used[i]) {
		s->used[i] = true;
		memcpy(s->v[i], sha, 32);
		s->n++;
	}
}

static bool has(const shaset *s, const unsigned char sha[32])
{
	if (!s->cap)
		return false;
	for (size_t i = slot_of(s, sha); s->used[i]; i = (i + 1) & (s->cap - 1))
		if (!memcmp(s->v[i], sha, 32))
			return true;
	return false;
}

/* Adds the file list of DS:VER and what it names; its manifest and base too. */
static int mark_version(vds_ctx *ctx, vds_backend *b, const char *ds, const char *ver, shaset *s)
{
	char *prefix = xasprintf("datasets/%s/versions/%s/commit", ds, ver), **recs;
	size_t n;
	unsigned char sha[32];
	cJSON *j;
	vds_tree *t;
	vds_entry e;
	int r;

	/* every commit record's list, the winner's or not: being careful costs little */
	if ((r = list_names(b, prefix, &recs, &n)) == 0) {
		for (size_t i = 0; i < n && r == 0; i++) {
			char *key = xasprintf("%s/%s", prefix, recs[i]);
			if ((r = json_read(b, key, &j)) == 0) {
				if (vds_sha256_parse(json_str(j, "manifest"), sha) == 0)
					add(s, sha);
				cJSON_Delete(j);
			}
			free(key);
		}
		names_free(recs, n);
	}
	free(prefix);
	char *key = xasprintf("datasets/%s/versions/%s/commit.json", ds, ver);
	if (r == 0 && (r = json_read(b, key, &j)) == 0) {
		if (vds_sha256_parse(json_str(j, "manifest"), sha) == 0)
			add(s, sha);
		cJSON_Delete(j);
	}
	r = r == VDS_ENOTFOUND ? 0 : r;
	free(key);
	key = xasprintf("datasets/%s/versions/%s/version.json", ds, ver);
	if (r == 0 && (r = json_read(b, key, &j)) == 0) {
		if (vds_sha256_parse(json_str(j, "base"), sha) == 0)
			add(s, sha);
		cJSON_Delete(j);
	}
	free(key);
	if (r < 0 || (r = vds_tree_open(ctx, ds, ver, &t)) < 0)
		return r;
	for (uint64_t i = 0; i < vds_tree_count(t) && r == 0; i++)
		if ((r = vds_tree_at(t, i, &e)) == 0)
			add(s, e.sha256);
	vds_tree_free(t);
	return r;
}

/* Keys of record packs to remove. */
typedef struct packlist {
	char **keys;
	size_t n;
} packlist;

/*
 * Adds to PL the record packs of dataset DS but the newest two, as the
 * listing shows them: they only speed readers up, and nothing is lost.
 * Packs written since are newer still, so the two kept stay among them.
 */
static int old_packs(vds_backend *b, const char *ds, packlist *pl)
{
	char *prefix = xasprintf("datasets/%s/packs", ds), **names;
	size_t n, k = 0;
	int r = list_names(b, prefix, &names, &n);

	for (size_t i = r == 0 ? n : 0; i-- > 0;) { /* newest first */
		if (!recpack_name(names[i]) || ++k <= 2)
			continue; /* not a pack: fsck's business */
		pl->keys = xrealloc(pl->keys, (pl->n + 1) * sizeof(*pl->keys));
		pl->keys[pl->n++] = xasprintf("%s/%s", prefix, names[i]);
	}
	if (r == 0)
		names_free(names, n);
	free(prefix);
	return r;
}

/* Adds to PL the packs of the dataset records (datasets/pack-STAMP.json) among NAMES but the newest two. */
static void old_top_packs(char *const *names, size_t n, packlist *pl)
{
	size_t k = 0;

	for (size_t i = n; i-- > 0;) { /* sorted: newest first */
		if (strncmp(names[i], "pack-", 5) != 0 || !recpack_name(names[i] + 5) || ++k <= 2)
			continue;
		pl->keys = xrealloc(pl->keys, (pl->n + 1) * sizeof(*pl->keys));
		pl->keys[pl->n++] = xasprintf("datasets/%s", names[i]);
	}
}

/* Removes the packs of PL (or counts them on DRY_RUN). */
static int prune_packs(vds_backend *b, const packlist *pl, bool dry_run, vds_gc_result *res)
{
	int r = 0;

	for (size_t i = 0; i < pl->n && r == 0; i++)
		if (dry_run || (r = b->ops->remove(b, pl->keys[i])) == 0 || r == VDS_ENOTFOUND) {
			r = 0; /* another process may remove it first */
			res->packs++;
		}
	return r;
}

/* Marks what the datasets of B reference in S; their old packs go to PL. */
static int mark(vds_ctx *ctx, vds_backend *b, shaset *s, packlist *pl)
{
	char **ds, **vers;
	size_t nds, nvers;
	int r = list_names(b, "datasets", &ds, &nds);

	if (r == 0)
		old_top_packs(ds, nds, pl);

	for (size_t i = 0; i < nds && r == 0; i++) {
		if (!is_object_id(ds[i], "ds"))
			continue;
		/* one listing of the dataset and its record pack answer for its records */
		dataset_prime(b, ds[i]);
		char *key = dataset_key(b, ds[i]), *rec = xasprintf("%s.json", ds[i]);
		/* a flat record was in the listing of datasets/, a folder's is in its own */
		bool live = b->features & FEATURE_DATASETKEYS ? dataset_named(ds, nds, rec)
							      : b->ops->stat(b, key, NULL) == 0;
		free(rec);
		free(key);
		if ((r = old_packs(b, ds[i], pl)) < 0 || !live) {
			/* a deleted dataset's leftovers reference nothing */
			store_unprime(b);
			continue;
		}
		char *prefix = xasprintf("datasets/%s/versions", ds[i]);
		if ((r = list_names(b, prefix, &vers, &nvers)) == 0) {
			for (size_t k = 0; k < nvers && r == 0; k++) {
				char *vk = xasprintf("%s/%s/version.json", prefix, vers[k]);
				if (vds_is_version_id(vers[k]) && b->ops->stat(b, vk, NULL) == 0)
					r = mark_version(ctx, b, ds[i], vers[k], s);
				/* deleted while we read it: it references nothing now */
				if (r == VDS_ENOTFOUND && b->ops->stat(b, vk, NULL) == VDS_ENOTFOUND)
					r = 0;
				free(vk);
			}
			names_free(vers, nvers);
		}
		free(prefix);
		store_unprime(b);
	}
	names_free(ds, nds);
	return r;
}

static int sweep(vds_backend *b, const shaset *s, int64_t grace, bool dry_run, vds_gc_result *res)
{
	char **dirs, **names;
	size_t nd, nn;
	int r = list_names(b, "objects", &dirs, &nd);

	for (size_t i = 0; i < nd && r == 0; i++) {
		char *prefix = xasprintf("objects/%s", dirs[i]);
		if ((r = list_names(b, prefix, &names, &nn)) == 0) {
			for (size_t k = 0; k < nn && r == 0; k++) {
				char hex[80], *key;
				unsigned char sha[32];
				uint64_t size = 0;
				int64_t age = 0;

				snprintf(hex, sizeof(hex), "%s%s", dirs[i], names[k]);
				if (strlen(hex) != 64 || vds_sha256_parse(hex, sha) < 0)
					continue; /* not content: fsck's business */
				if (has(s, sha)) {
					res->kept++;
					continue;
				}
				key = xasprintf("%s/%s", prefix, names[k]);
				if (b->ops->stat(b, key, &size) == 0 && b->ops->age(b, key, &age) == 0) {
					if (age < grace) {
						res->young++;
					} else if (dry_run || (r = b->ops->remove(b, key)) == 0) {
						res->objects++;
						res->bytes += size;
					}
				}
				free(key);
			}
			names_free(names, nn);
		}
		free(prefix);
	}
	names_free(dirs, nd);
	return r;
}

int vds_gc(vds_ctx *ctx, const char *provider_id, int64_t grace, bool dry_run, vds_gc_result *res)
{
	const vds_provider *only;
	int r;

	memset(res, 0, sizeof(*res));
	if ((r = maintain_target(ctx, provider_id, !dry_run, &only)) < 0)
		return r;
	/* nothing is deleted anywhere unless every file list of every provider was read */
	shaset *sets = xcalloc(ctx->nprov + 1, sizeof(*sets));
	packlist *packs = xcalloc(ctx->nprov + 1, sizeof(*packs));
	bool *want = xcalloc(ctx->nprov + 1, sizeof(*want));
	for (size_t i = 0; i < ctx->nprov; i++) /* all: those we may write to */
		want[i] = only ? only == &ctx->prov[i] : !provider_read_only(&ctx->prov[i]);
	for (size_t i = 0; i < ctx->nprov && r == 0; i++) {
		vds_backend *b;
		if (want[i] && (r = ctx_backend_at(ctx, i, &b)) == 0)
			r = mark(ctx, b, &sets[i], &packs[i]);
	}
	for (size_t i = 0; i < ctx->nprov && r == 0; i++) {
		vds_backend *b;
		if (want[i] && (r = ctx_backend_at(ctx, i, &b)) == 0)
			r = sweep(b, &sets[i], grace, dry_run, res);
		if (r == 0 && want[i])
			r = b->ops->abort_stale(b, grace, dry_run, &res->uploads);
		if (r == 0 && want[i])
			r = prune_packs(b, &packs[i], dry_run, res);
	}
	free(want);
	for (size_t i = 0; i < ctx->nprov; i++) {
		free(sets[i].v);
		free(sets[i].used);
		for (size_t k = 0; k < packs[i].n; k++)
			free(packs[i].keys[k]);
		free(packs[i].keys);
	}
	free(sets);
	free(packs);
	return r;
}
