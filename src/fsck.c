/*
 * fsck.c - checking a store: every record readable, every file list whole
 * and its content present, tags naming versions that exist, and leftovers
 * of interrupted or deleted writes found (and, with repair, removed).
 * Damage is a problem; a leftover is a note, a normal state after a kill
 * or a lost race. Repair never touches what a committed version
 * references, and leaves anything younger than an hour alone: a writer may
 * be at work on it.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "store/packindex.h"
#include "store/recpack.h"

#define LEFTOVER_AGE 3600 /* seconds before a leftover may be removed */
#define PACK_LEFTOVER_AGE (24 * 3600) /* a put may write packs for hours before its index */

typedef struct fsck {
	vds_ctx *ctx;
	vds_backend *b;
	bool repair;
	vds_fsck_fn fn;
	void *ud;
	vds_fsck_result *res;
} fsck;

/* Reports damage (or, with NOTE, a leftover of normal life), mended if REPAIRED. */
static void report(fsck *f, bool note, bool repaired, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void report(fsck *f, bool note, bool repaired, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (note)
		f->res->notes++;
	else
		f->res->problems++;
	f->res->repaired += repaired;
	if (f->fn)
		f->fn(msg, note, repaired, f->ud);
}

#define finding(f, ...) report(f, false, false, __VA_ARGS__)

/* Seconds since anything at or below KEY was written (the youngest file decides). */
static int64_t youngest(fsck *f, const char *key)
{
	int64_t age = INT64_MAX, a;
	char **names;
	size_t n;

	if (f->b->ops->age(f->b, key, &age) < 0)
		age = INT64_MAX; /* a folder is no object on S3: only what lies below counts */
	if (list_names(f->b, key, &names, &n) == 0) {
		for (size_t i = 0; i < n; i++) {
			char *child = xasprintf("%s/%s", key, names[i]);
			if ((a = youngest(f, child)) < age)
				age = a;
			free(child);
		}
		names_free(names, n);
	}
	return age == INT64_MAX ? 0 : age; /* nothing there: as if just written */
}

/* True if nothing at or below KEY was written in the last LEFTOVER_AGE seconds. */
static bool old_enough(fsck *f, const char *key)
{
	return youngest(f, key) >= LEFTOVER_AGE;
}

/* Reports a leftover at KEY (a tree if TREE); removes it when repairing and old enough. */
static void leftover(fsck *f, const char *key, bool tree, const char *what)
{
	bool mend = f->repair && old_enough(f, key) &&
		    (tree ? f->b->ops->remove_tree(f->b, key) : f->b->ops->remove(f->b, key)) == 0;
	char *esc = vds_display_escape(key); /* names on disk are untrusted */

	report(f, true, mend, "%s %s", what, esc);
	free(esc);
}

/* The file list of DS:VER: readable, whole, and naming content that exists. */
static void check_tree(fsck *f, const char *ds, const char *ver)
{
	vds_tree *t;
	vds_entry e;
	char key[80];

	f->b->uncached = true; /* the file list in the store, not a cached copy */
	int r = vds_tree_open(f->ctx, ds, ver, &t);
	f->b->uncached = false;
	if (r < 0) {
		finding(f, "%s", vds_errmsg());
		return;
	}
	for (uint64_t i = 0; i < vds_tree_count(t); i++) {
		if (vds_tree_at(t, i, &e) < 0)
			continue;
		f->res->files++;
		vds_content_key(e.sha256, key);
		if (f->b->ops->stat(f->b, key, NULL) == VDS_ENOTFOUND)
			finding(f, "%s:%s: content of %s is missing", ds, ver, q(e.path));
	}
	vds_tree_free(t);
}

static bool json_lists(const cJSON *arr, const char *s)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, arr) if (cJSON_IsString(it) && !strcmp(it->valuestring, s)) return true;
	return false;
}

/*
 * The lineage records of DS:VER: the one that counts (the one the commit
 * record WINNER names, or a draft's newest) must read; a committed
 * version's others missed its commit.
 */
static void check_lineage(fsck *f, const char *ds, const char *ver, const cJSON *winner)
{
	char *prefix = xasprintf("datasets/%s/versions/%s/lineage", ds, ver), **names, *text;
	const char *named = winner ? json_str(winner, "lineage") : NULL;
	size_t n = 0, len;
	bool found = false;

	if (list_names(f->b, prefix, &names, &n) < 0) {
		finding(f, "%s", vds_errmsg());
		free(prefix);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		char *key = xasprintf("%s/%s", prefix, names[i]);
		if (named && strcmp(names[i], named) != 0) {
			leftover(f, key, false, "lineage record that missed its commit:");
		} else if (named || i + 1 == n) {
			char *what = xasprintf("%s:%s", ds, ver);
			vds_lineage l = {0};
			found = true;
			int r = record_read(f->b, key, &text, &len);
			if (r == 0) {
				r = lineage_parse(text, len, what, &l);
				free(text);
			}
			if (r < 0)
				finding(f, "%s", vds_errmsg());
			vds_lineage_release(&l);
			free(what);
		}
		free(key);
	}
	if (named && *named && !found)
		finding(f, "lineage record of %s:%s is missing", ds, ver);
	names_free(names, n);
	free(prefix);
}

static void check_version(fsck *f, const char *ds, const char *ver)
{
	char *base = xasprintf("datasets/%s/versions/%s", ds, ver), *key, **names;
	size_t n;
	cJSON *j, *winner = NULL;
	bool unreadable = false; /* a commit record that cannot be read: judge nothing by it */

	f->res->versions++;
	key = xasprintf("%s/version.json", base);
	if (f->b->ops->stat(f->b, key, NULL) == VDS_ENOTFOUND) {
		leftover(f, base, true, "leftover of a deleted version:");
		goto out;
	}
	if (json_read(f->b, key, &j) < 0) {
		finding(f, "%s", vds_errmsg());
		goto out;
	}
	cJSON_Delete(j);
	free(key);
	key = xasprintf("%s/commit.json", base);
	int r = json_read(f->b, key, &winner);
	if (r < 0 && r != VDS_ENOTFOUND) {
		finding(f, "%s", vds_errmsg());
		unreadable = true;
	}
	free(key);
	key = xasprintf("%s/commit", base); /* commit records of format 1 */
	if (list_names(f->b, key, &names, &n) == 0) {
		for (size_t i = 0; i < n; i++) {
			char *ck = xasprintf("%s/%s", key, names[i]);
			cJSON *rec;
			if (winner || unreadable) /* commit.json decides, or a format 1 race lost */
				leftover(f, ck, false, "extra commit record:");
			else if (json_read(f->b, ck, &rec) < 0) {
				finding(f, "%s", vds_errmsg());
				unreadable = true;
			} else
				winner = rec; /* the earliest record is the commit */
			free(ck);
		}
		names_free(names, n);
	}
	free(key);
	key = xasprintf("%s/seal", base);
	if (!winner && !unreadable && list_names(f->b, key, &names, &n) == 0) {
		for (size_t i = 0; i < n; i++) {
			char *sk = xasprintf("%s/%s", key, names[i]);
			leftover(f, sk, false, "interrupted commit (commit again to finish it):");
			free(sk);
		}
		names_free(names, n);
	}
	free(key);
	key = xasprintf("%s/delete.json", base);
	if (f->b->ops->stat(f->b, key, NULL) == 0)
		report(f, true, false, "interrupted deletion (delete the version again to finish it): %s",
		       base);
	free(key);
	key = xasprintf("%s/changes", base);
	if (winner && list_names(f->b, key, &names, &n) == 0) {
		for (size_t i = 0; i < n; i++)
			if (!json_lists(cJSON_GetObjectItem(winner, "changes"), names[i])) {
				char *ck = xasprintf("%s/%s", key, names[i]);
				leftover(f, ck, false, "change record that missed its commit:");
				free(ck);
			}
		names_free(names, n);
	}
	if (!unreadable)
		check_lineage(f, ds, ver, winner);
	cJSON_Delete(winner);
	if (!unreadable)
		check_tree(f, ds, ver);
out:
	free(key);
	free(base);
}

/* A tag that the listing skipped is a problem: a damaged record. */
static void tag_skipped(const char *msg, void *ud)
{
	finding((fsck *)ud, "%s", msg);
}

static void check_tags(fsck *f, const char *ds)
{
	vds_tag *tags;
	size_t n;
	bool committed;
	vds_warn_fn warn = f->ctx->warn;
	void *warn_ud = f->ctx->warn_ud;

	f->ctx->warn = tag_skipped;
	f->ctx->warn_ud = f;
	int r = vds_tag_list(f->ctx, ds, &tags, &n);
	f->ctx->warn = warn;
	f->ctx->warn_ud = warn_ud;
	if (r < 0) {
		finding(f, "%s", vds_errmsg());
		return;
	}
	for (size_t i = 0; i < n; i++) {
		f->res->tags++;
		if (version_state(f->b, ds, tags[i].version, &committed, NULL) < 0) {
			char *esc = vds_display_escape(tags[i].version); /* as the record says */
			finding(f, "tag %s of %s names missing version %s", q(tags[i].name), ds,
				esc);
			free(esc);
		}
	}
	vds_tag_list_free(tags, n);
}

/* The record packs of DS: a damaged one is a note (readers ignore it), removed on repair. */
static void check_packs(fsck *f, const char *ds)
{
	char *prefix = xasprintf("datasets/%s/packs", ds), *folder = xasprintf("datasets/%s", ds);
	char **names, *text;
	size_t n, len;

	if (list_names(f->b, prefix, &names, &n) == 0) {
		for (size_t i = 0; i < n; i++) {
			char *key = xasprintf("%s/%s", prefix, names[i]);
			if (!recpack_name(names[i])) {
				leftover(f, key, false, "not a record pack:");
			} else if (f->b->ops->read(f->b, key, &text, &len) == 0) {
				if (recpack_check(key, folder, text, len) < 0)
					leftover(f, key, false, "damaged record pack (readers ignore it):");
				free(text);
			}
			free(key);
		}
		names_free(names, n);
	}
	free(folder);
	free(prefix);
}

/* A store-level record pack (datasets/pack-STAMP.json): as a dataset's. */
static void check_top_pack(fsck *f, const char *name)
{
	char *key = xasprintf("datasets/%s", name), *text;
	size_t len;

	if (f->b->ops->read(f->b, key, &text, &len) == 0) {
		if (recpack_check(key, "datasets", text, len) < 0)
			leftover(f, key, false, "damaged record pack (readers ignore it):");
		free(text);
	}
	free(key);
}

/* The record of a dataset that has no folder (nothing written in it yet). */
static void check_record(fsck *f, const char *ds)
{
	char *key = dataset_key(f->b, ds);
	cJSON *j;

	f->res->datasets++;
	if (json_read(f->b, key, &j) < 0)
		finding(f, "%s", vds_errmsg());
	else
		cJSON_Delete(j);
	free(key);
}

static void check_dataset(fsck *f, const char *ds)
{
	char *base = xasprintf("datasets/%s", ds), *key = dataset_key(f->b, ds), **vers;
	size_t n;
	cJSON *j;

	f->res->datasets++;
	if (!is_object_id(ds, "ds")) {
		char *esc = vds_display_escape(base); /* a name nobody checked */
		finding(f, "not a dataset: %s", esc);
		free(esc);
	} else if (f->b->ops->stat(f->b, key, NULL) == VDS_ENOTFOUND) {
		leftover(f, base, true, "leftover of a deleted dataset:");
	} else if (json_read(f->b, key, &j) < 0) {
		finding(f, "%s", vds_errmsg());
	} else {
		cJSON_Delete(j);
		char *old = xasprintf("%s/dataset.json", base);
		/* the record's old key, left by an upgrade cut short (vds-format(5), UPGRADE) */
		if (f->b->features & FEATURE_DATASETKEYS && f->b->ops->stat(f->b, old, NULL) == 0)
			leftover(f, old, false, "leftover record of an upgrade:");
		free(old);
		char *prefix = xasprintf("%s/versions", base);
		if (list_names(f->b, prefix, &vers, &n) == 0) {
			for (size_t i = 0; i < n; i++) {
				if (vds_is_version_id(vers[i]))
					check_version(f, ds, vers[i]);
				else {
					char *esc = vds_display_escape(vers[i]);
					finding(f, "not a version: %s/%s", prefix, esc);
					free(esc);
				}
			}
			names_free(vers, n);
		}
		free(prefix);
		check_tags(f, ds);
		check_packs(f, ds);
	}
	free(key);
	free(base);
}

/* True if index X names pack HEX (64 digits). */
static bool indexed_pack(const packindex *x, const char *hex)
{
	unsigned char id[32];

	if (vds_sha256_parse(hex, id) < 0)
		return false;
	for (size_t i = 0; i < x->npacks; i++)
		if (!memcmp(x->packs[i].id, id, 32))
			return true;
	return false;
}

/*
 * A store with the feature "packs": every index object reads, every pack
 * it names is there with its size; packs no index names are leftovers of
 * an interrupted write, removed when repairing once a day old.
 */
static void check_content_packs(fsck *f)
{
	packindex x;
	char **dirs, **names, key[80];
	size_t nd, n;

	packindex_init(&x);
	if (packindex_load(f->b, &x) < 0) {
		finding(f, "the store index does not read: %s", vds_errmsg());
		packindex_release(&x);
		return;
	}
	for (size_t i = 0; i < x.npacks; i++) {
		uint64_t size;
		pack_key(x.packs[i].id, key);
		if (f->b->ops->stat(f->b, key, &size) < 0)
			finding(f, "pack %s is missing, though the store index names it", key);
		else if (size != x.packs[i].size)
			finding(f, "pack %s is not the %llu bytes the store index says", key,
				(unsigned long long)x.packs[i].size);
	}
	if (list_names(f->b, "packs", &dirs, &nd) == 0) {
		for (size_t d = 0; d < nd; d++) {
			char *folder = xasprintf("packs/%s", dirs[d]);
			if (list_names(f->b, folder, &names, &n) == 0) {
				for (size_t k = 0; k < n; k++) {
					if (indexed_pack(&x, names[k]))
						continue;
					char *pk = xasprintf("%s/%s", folder, names[k]);
					int64_t age = 0;
					bool mend = f->repair && f->b->ops->age(f->b, pk, &age) == 0 &&
						    age >= PACK_LEFTOVER_AGE &&
						    f->b->ops->remove(f->b, pk) == 0;
					char *esc = vds_display_escape(pk);
					report(f, true, mend, "pack named by no index (an interrupted write): %s",
					       esc);
					free(esc);
					free(pk);
				}
				names_free(names, n);
			}
			free(folder);
		}
		names_free(dirs, nd);
	}
	packindex_release(&x);
}

int vds_fsck(vds_ctx *ctx, const char *provider_id, bool repair, vds_fsck_fn fn, void *ud,
	     vds_fsck_result *res)
{
	const vds_provider *only;
	int r;

	memset(res, 0, sizeof(*res));
	if ((r = maintain_target(ctx, provider_id, repair, &only)) < 0)
		return r;
	for (size_t i = 0; i < ctx->nprov && r == 0; i++) {
		/* read-only providers are checked, never repaired */
		fsck f = {ctx, NULL, repair && !provider_read_only(&ctx->prov[i]), fn, ud, res};
		char **names;
		size_t n;

		if (only && only != &ctx->prov[i])
			continue;
		if ((r = ctx_backend_at(ctx, i, &f.b)) < 0)
			break;
		if (list_names(f.b, "datasets", &names, &n) == 0) {
			for (size_t k = 0; k < n; k++) {
				char id[16], *folder;
				bool flat = f.b->features & FEATURE_DATASETKEYS;
				if (flat && dataset_record_name(names[k], id)) {
					if (!dataset_named(names, n, id))
						check_record(&f, id);
					continue; /* else its folder's turn checks it */
				}
				if (!flat && dataset_record_name(names[k], id)) {
					/* copied by an upgrade that did not reach the marker */
					folder = xasprintf("datasets/%s", names[k]);
					leftover(&f, folder, false, "leftover of an upgrade cut short:");
					free(folder);
					continue;
				}
				if (flat && !strncmp(names[k], "pack-", 5) &&
				    recpack_name(names[k] + 5)) {
					check_top_pack(&f, names[k]);
					continue;
				}
				/* one listing of the dataset and its record pack answer for
				   its records and the change records fsck lists (a repair,
				   a write, forgets them) */
				bool prime = is_object_id(names[k], "ds");
				folder = xasprintf("datasets/%s", names[k]);
				if (prime)
					store_prime(f.b, folder, NULL);
				free(folder);
				check_dataset(&f, names[k]);
				if (prime)
					store_unprime(f.b);
			}
			names_free(names, n);
		}
		if (list_names(f.b, "tmp", &names, &n) == 0) {
			for (size_t k = 0; k < n; k++) {
				/* a young one may belong to a writer at work: reported, kept */
				char *key = xasprintf("tmp/%s", names[k]);
				leftover(&f, key, false, "leftover temporary file:");
				free(key);
			}
			names_free(names, n);
		}
		if (f.b->features & FEATURE_PACKS)
			check_content_packs(&f);
	}
	return r;
}
