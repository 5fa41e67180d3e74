/*
 * commit.c - the state of a version and the commit protocol.
 *
 * A version is committed once its commit record, versions/VER/commit.json,
 * exists. The provider creates that key only if it is absent (link(2) on
 * a local store, If-None-Match: * on S3), so of two racing commits exactly
 * one wins, and a commit record that anyone has read never changes. A
 * provider with no such write (OpenStack Swift) gets a lease instead: a
 * commit refuses to run while another one's seal is younger than the
 * lease, and finishes well within its own.
 *
 * Puts and commits order themselves through seal records: a commit seals
 * the draft before it lists its change records, and a put looks for seals
 * after writing its change record (see vds-format(5), COMMITS).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "manifest.h"
#include "core.h"

#define SEAL_WAIT_MS 10000 /* how long a put waits for a commit that sealed its draft */
#define WAIT_STEP_MS 50

static char *vkey(const char *ds, const char *ver, const char *rest)
{
	return xasprintf("datasets/%s/versions/%s/%s", ds, ver, rest);
}

/*
 * The commit record of DS:VER into *COMMIT (NULL if none): commit.json, or
 * for a version committed under format 1, its earliest commit/ record.
 */
static int read_commit(vds_backend *b, const char *ds, const char *ver, cJSON **commit)
{
	char *key = vkey(ds, ver, "commit.json"), **names;
	size_t n;
	int r = json_read(b, key, commit);

	free(key);
	if (r != VDS_ENOTFOUND)
		return r;
	*commit = NULL;
	if (!b->legacy)
		return 0;
	key = vkey(ds, ver, "commit");
	r = list_names(b, key, &names, &n);
	free(key);
	if (r < 0)
		return r;
	if (n) {
		key = xasprintf("datasets/%s/versions/%s/commit/%s", ds, ver, names[0]);
		r = json_read(b, key, commit);
		free(key);
	}
	names_free(names, n);
	return r;
}

int version_state(vds_backend *b, const char *ds, const char *ver, bool *committed,
		  cJSON **commit)
{
	char *key = vkey(ds, ver, "version.json");
	cJSON *rec = NULL;
	int r = b->ops->stat(b, key, NULL);

	free(key);
	if (commit)
		*commit = NULL;
	if (r == VDS_ENOTFOUND)
		return vds_err(VDS_ENOTFOUND, "no such dataset version %s:%s", ds, q(ver));
	if (r < 0 || (r = read_commit(b, ds, ver, &rec)) < 0)
		return r;
	*committed = rec != NULL;
	if (commit)
		*commit = rec;
	else
		cJSON_Delete(rec);
	return 0;
}

int version_require_draft(vds_backend *b, const char *ds, const char *ver)
{
	bool committed;
	int r = version_state(b, ds, ver, &committed, NULL);

	if (r < 0)
		return r;
	if (committed)
		return vds_err(VDS_ECOMMITTED, "dataset version %s:%s is committed and cannot be changed",
			       ds, ver);
	return 0;
}

/* The names of the seal records of DS:VER (sorted; free with names_free()). */
static int list_seals(vds_backend *b, const char *ds, const char *ver, char ***names, size_t *n)
{
	char *prefix = vkey(ds, ver, "seal");
	int r = list_names(b, prefix, names, n);

	free(prefix);
	return r;
}

/* True if a commit of DS:VER has begun (sealed the draft). */
static bool version_sealed(vds_backend *b, const char *ds, const char *ver)
{
	char **names;
	size_t n = 0;

	if (list_seals(b, ds, ver, &names, &n) == 0)
		names_free(names, n);
	return n > 0;
}

int version_require_open_draft(vds_backend *b, const char *ds, const char *ver)
{
	int r = version_require_draft(b, ds, ver);

	if (r == 0 && version_sealed(b, ds, ver))
		r = vds_err(VDS_ECONFLICT,
			    "a commit of dataset version %s:%s is in progress or was interrupted; "
			    "run 'vds datasets versions commit --id %s:%s' to finish it",
			    ds, ver, ds, ver);
	return r;
}

int version_settle(vds_backend *b, const char *ds, const char *ver, cJSON **commit)
{
	bool committed;
	int r;

	for (int waited = 0;; waited += WAIT_STEP_MS) {
		if ((r = version_state(b, ds, ver, &committed, commit)) < 0)
			return r;
		if (committed || !version_sealed(b, ds, ver))
			return 0;
		if (waited >= SEAL_WAIT_MS)
			return vds_err(VDS_ECONFLICT,
				       "a commit of dataset version %s:%s began meanwhile and has not "
				       "finished; whether it includes this change will show when it does",
				       ds, ver);
		struct timespec ts = {0, WAIT_STEP_MS * 1000000L};
		nanosleep(&ts, NULL);
	}
}

static bool json_has_string(const cJSON *arr, const char *s)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, arr) if (cJSON_IsString(it) && !strcmp(it->valuestring, s)) return true;
	return false;
}

int version_add_changes(vds_backend *b, const char *ds, const char *ver, const char *text,
			size_t len)
{
	char stamp[26], *key, *rec;
	size_t reclen;
	cJSON *commit = NULL;
	int r;

	if ((r = version_require_open_draft(b, ds, ver)) < 0)
		return r;
	vds_stamp(stamp);
	key = xasprintf("datasets/%s/versions/%s/changes/%s", ds, ver, stamp);
	rec = record_changes_text(text, len, &reclen);
	r = b->ops->write(b, key, rec, reclen);
	free(rec);
	if (r < 0)
		goto out;
	if ((r = version_settle(b, ds, ver, &commit)) == 0 && commit &&
	    !json_has_string(cJSON_GetObjectItem(commit, "changes"), stamp))
		r = vds_err(VDS_ECOMMITTED,
			    "dataset version %s:%s was committed meanwhile; nothing was changed", ds, ver);
	cJSON_Delete(commit);
	if (r == VDS_ENOTFOUND)
		r = vds_err(VDS_ENOTFOUND, "dataset version %s:%s was deleted meanwhile", ds, ver);
	/* a record no commit read is withdrawn; one a commit may still read stays */
	if (r < 0 && r != VDS_ECONFLICT)
		b->ops->remove(b, key);
out:
	free(key);
	return r;
}

/* ---- content named by a commit exists -------------------------------- */

typedef struct content_job {
	vds_backend *b;
	unsigned char (*sha)[32];
	const char *what;
} content_job;

static int cmp_sha(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

static int stat_content(size_t i, void *ud)
{
	content_job *j = ud;
	char key[80], hex[65];
	int r;

	vds_content_key(j->sha[i], key);
	if ((r = j->b->ops->stat(j->b, key, NULL)) == VDS_ENOTFOUND) {
		vds_sha256_hex(j->sha[i], hex);
		return vds_err(VDS_ECORRUPT, "%s names content %s that is not in the store; nothing "
					     "was committed",
			       j->what, hex);
	}
	return r;
}

/*
 * Checks that the store holds every content object that TREE names and
 * that change records TEXTS[0..N) added (the base's were checked when it
 * was committed).
 */
static int check_content(vds_backend *b, vds_tree *tree, char *const *texts, size_t n,
			 const char *what)
{
	unsigned char(*added)[32] = NULL, (*named)[32] = NULL;
	size_t nadded = 0, nnamed = 0, cap = 0;
	vds_entry e;
	int r;

	for (size_t i = 0; i < n; i++)
		for (const char *line = texts[i]; line && *line; line = strchr(line, '\n')) {
			line += *line == '\n';
			if ((line[0] != 'F' && line[0] != 'L') || line[1] != ' ')
				continue;
			char hex[65];
			snprintf(hex, sizeof(hex), "%.64s", line + 2);
			if (nadded == cap)
				added = xrealloc(added, (cap = cap ? cap * 2 : 64) * 32);
			if (vds_sha256_parse(hex, added[nadded]) == 0)
				nadded++;
		}
	if (nadded)
		qsort(added, nadded, 32, cmp_sha);
	for (uint64_t i = 0; nadded && i < vds_tree_count(tree); i++)
		if (vds_tree_at(tree, i, &e) == 0 && bsearch(e.sha256, added, nadded, 32, cmp_sha)) {
			named = xrealloc(named, (nnamed + 1) * 32);
			memcpy(named[nnamed++], e.sha256, 32);
		}
	if (nnamed)
		qsort(named, nnamed, 32, cmp_sha);
	size_t uniq = 0;
	for (size_t i = 0; i < nnamed; i++)
		if (!uniq || memcmp(named[uniq - 1], named[i], 32))
			memcpy(named[uniq++], named[i], 32);
	content_job job = {b, named, what};
	r = each_parallel(b, uniq, stat_content, &job);
	free(added);
	free(named);
	return r;
}

/* ---- commit ------------------------------------------------------------ */

/*
 * Commits without an arbiter: refuses while another commit's seal is
 * younger than the lease, and writes the commit record only while its own
 * seal (written at SEAL_US) is young enough that no other commit can start.
 * Clears *SEALED once the record may have been written (the seal stays).
 */
static int commit_leased(vds_backend *b, const char *ds, const char *ver, const char *seal,
			 int64_t seal_us, const char *key, const char *text, size_t len,
			 bool *sealed)
{
	char **names, *cur;
	size_t n, curlen;
	int64_t now = vds_now_us(), lease_us = b->lease_s * 1000000;
	int r;

	if ((r = list_seals(b, ds, ver, &names, &n)) < 0)
		return r;
	for (size_t i = 0; i < n && r == 0; i++) {
		int64_t t = vds_stamp_time(names[i]);
		if (strcmp(names[i], seal) != 0 && t >= 0 && now - t < lease_us)
			r = vds_err(VDS_ECONFLICT,
				    "another commit of dataset version %s:%s began %lld s ago; storage "
				    "provider %s cannot arbitrate between commits (it has no conditional "
				    "writes), so one commit of a draft runs at a time: run this one again "
				    "when that one has finished, or after %lld s",
				    ds, ver, (long long)((now - t) / 1000000), b->provider_id,
				    (long long)((t + lease_us - now) / 1000000 + 1));
	}
	names_free(names, n);
	if (r < 0)
		return r;
	if (now - seal_us > lease_us / 2)
		return vds_err(VDS_ECONFLICT,
			       "the commit of dataset version %s:%s took longer than %lld s, too long "
			       "to finish safely on storage provider %s; run it again",
			       ds, ver, (long long)(b->lease_s / 2), b->provider_id);
	if ((r = b->ops->stat(b, key, NULL)) == 0)
		return CREATE_EXISTS;
	if (r != VDS_ENOTFOUND)
		return r;
	*sealed = false;
	if ((r = b->ops->write(b, key, text, len)) < 0 || (r = b->ops->read(b, key, &cur, &curlen)) < 0)
		return r;
	r = curlen == len && !memcmp(cur, text, len) ? 0 : CREATE_EXISTS;
	free(cur);
	return r;
}

/* Builds the commit record of a draft (seal SEAL) from what the commit read. */
static cJSON *commit_record(const char *message, const char *manifest, vds_tree *tree,
			    char *const *changes, size_t nchanges, const char *lineage,
			    const char *seal)
{
	cJSON *rec = cJSON_CreateObject();
	char t[40];

	vds_iso_time(vds_now_us(), t);
	cJSON_AddStringToObject(rec, "committed", t);
	cJSON_AddStringToObject(rec, "message", message);
	cJSON_AddStringToObject(rec, "manifest", manifest);
	cJSON_AddNumberToObject(rec, "files", (double)vds_tree_count(tree));
	cJSON_AddNumberToObject(rec, "size", (double)vds_tree_size(tree));
	cJSON *arr = cJSON_AddArrayToObject(rec, "changes");
	for (size_t i = 0; i < nchanges; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(changes[i]));
	if (lineage) /* how vds run made it: the record named here, for good */
		cJSON_AddStringToObject(rec, "lineage", lineage);
	cJSON_AddStringToObject(rec, "seal", seal); /* which commit wrote it */
	return rec;
}

int vds_version_commit(vds_ctx *ctx, const char *ds, const char *ver)
{
	vds_backend *b;
	char **changes = NULL, **texts = NULL, *text = NULL, *key = NULL, *lineage = NULL,
	     *rectext = NULL, *sealkey = NULL, seal[26], hex[65];
	size_t nchanges = 0, len, reclen;
	unsigned char sha[32];
	vds_tree *tree = NULL;
	cJSON *vj = NULL, *rec = NULL, *winner = NULL, *empty = cJSON_CreateObject();
	char *what = xasprintf("%s:%s", ds, ver);
	bool committed, sealed = false;
	int r;

	if ((r = ctx_dataset_backend(ctx, ds, &b, NULL)) < 0 ||
	    (r = version_require_draft(b, ds, ver)) < 0)
		goto out;
	/* seal first: a put or update that lands after the reads below will know */
	vds_stamp(seal);
	int64_t seal_us = vds_now_us();
	sealkey = xasprintf("datasets/%s/versions/%s/seal/%s", ds, ver, seal);
	sealed = (r = json_write(b, sealkey, empty)) == 0;
	key = vkey(ds, ver, "version.json");
	if (r < 0 || (r = json_read(b, key, &vj)) < 0)
		goto out;
	if ((r = draft_text(b, ds, ver, &text, &len, &changes, &texts, &nchanges)) < 0 ||
	    (r = lineage_latest(b, ds, ver, &lineage)) < 0)
		goto out;
	if ((r = tree_from_text(text, len, 0, what, &tree)) < 0 ||
	    (r = check_content(b, tree, texts, nchanges, what)) < 0 ||
	    (r = store_text(b, text, len, sha)) < 0)
		goto out;
	vds_sha256_hex(sha, hex);
	rec = commit_record(json_str(vj, "message"), hex, tree, changes, nchanges, lineage, seal);
	rectext = record_json_text(rec, &reclen);
	free(key);
	key = vkey(ds, ver, "commit.json");
	r = b->ops->create(b, key, rectext, reclen);
	if (r == CREATE_UNSUPPORTED) /* nothing was written: the seal goes if this refuses */
		r = commit_leased(b, ds, ver, seal, seal_us, key, rectext, reclen, &sealed);
	else
		sealed = false; /* from here on the seal stays: the record may have been written */
	if (r == CREATE_EXISTS) { /* another commit won: fine if it holds the same files */
		if ((r = version_state(b, ds, ver, &committed, &winner)) == 0 &&
		    (!winner || strcmp(json_str(winner, "manifest"), hex) != 0))
			r = vds_err(VDS_ECONFLICT,
				    "dataset version %s:%s was committed meanwhile by another process",
				    ds, ver);
	} else if (r == 0 && (r = version_state(b, ds, ver, &committed, NULL)) == VDS_ENOTFOUND) {
		r = vds_err(VDS_ENOTFOUND, "dataset version %s:%s was deleted meanwhile", ds, ver);
	}
out:
	/* a commit that failed before its record was sent lets puts go on */
	if (r < 0 && sealed)
		b->ops->remove(b, sealkey);
	free(sealkey);
	cJSON_Delete(empty);
	cJSON_Delete(winner);
	cJSON_Delete(rec);
	cJSON_Delete(vj);
	vds_tree_free(tree);
	free(rectext);
	free(text);
	free(key);
	free(lineage);
	free(what);
	names_free(changes, nchanges);
	names_free(texts, nchanges);
	return r;
}
