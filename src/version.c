/*
 * version.c - versions: drafts, change records, commits, deletion.
 *
 * A draft is its version.json plus change records that are only ever
 * added, so concurrent writers never overwrite each other. A commit writes
 * the materialised file list as a content object and then a commit record
 * naming it and the change records it includes; the earliest commit
 * record wins, so no step needs compare-and-swap.
 */
#include "config.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "manifest.h"
#include "core.h"

#define MESSAGE_MAX_BYTES 65536
#define SEAL_WAIT_MS 10000 /* how long a put waits for a commit that sealed its draft */
#define WAIT_STEP_MS 50

void vds_version_release(vds_version *v)
{
	free(v->message);
	for (size_t i = 0; i < v->ntags; i++)
		free(v->tags[i]);
	free(v->tags);
	memset(v, 0, sizeof(*v));
}

void vds_version_list_free(vds_version *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		vds_version_release(&v[i]);
	free(v);
}

bool vds_is_version_id(const char *s)
{
	if (strlen(s) != VDS_VERID_LEN)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z')))
			return false;
	return true;
}

static char *vkey(const char *ds, const char *ver, const char *rest)
{
	return xasprintf("datasets/%s/versions/%s/%s", ds, ver, rest);
}

static int check_message(const char *m)
{
	uint32_t cp;
	int n;

	if (strlen(m) > MESSAGE_MAX_BYTES)
		return vds_err(VDS_EINVAL, "message is longer than %d bytes", MESSAGE_MAX_BYTES);
	for (const unsigned char *p = (const unsigned char *)m; *p; p += n)
		if ((n = vds_utf8_seq(p, &cp)) == 0)
			return vds_err(VDS_EINVAL, "message is not valid UTF-8");
	return 0;
}

int read_verified(vds_backend *b, const unsigned char sha[32], char **out, size_t *len)
{
	char key[80], hex[65];
	unsigned char got[32];
	int r;

	vds_content_key(sha, key);
	if ((r = b->ops->read(b, key, out, len)) < 0)
		return r == VDS_ENOTFOUND ? vds_err(VDS_ECORRUPT, "missing content object %s", key) : r;
	EVP_Digest(*out, *len, got, NULL, EVP_sha256(), NULL);
	if (memcmp(got, sha, 32) != 0) {
		vds_sha256_hex(sha, hex);
		free(*out);
		*out = NULL;
		return vds_err(VDS_ECORRUPT, "content object %s does not match its hash", hex);
	}
	return 0;
}

int store_text(vds_backend *b, const char *text, size_t len, unsigned char sha[32])
{
	char key[80];

	EVP_Digest(text, len, sha, NULL, EVP_sha256(), NULL);
	vds_content_key(sha, key);
	if (b->ops->stat(b, key, NULL) == 0)
		return b->ops->touch(b, key); /* reused: fresh for gc */
	return b->ops->write(b, key, text, len);
}

/* Reads the change records of a draft, in order; names go to *NAMES. */
static int read_changes(vds_backend *b, const char *ds, const char *ver, char ***names,
			size_t *n, char ***texts, size_t **lens)
{
	char *prefix = vkey(ds, ver, "changes");
	int r = list_names(b, prefix, names, n);

	*texts = NULL;
	*lens = NULL;
	if (r < 0) {
		free(prefix);
		return r;
	}
	*texts = xcalloc(*n + 1, sizeof(**texts));
	*lens = xcalloc(*n + 1, sizeof(**lens));
	for (size_t i = 0; i < *n && r == 0; i++) {
		char *key = xasprintf("%s/%s", prefix, (*names)[i]);
		r = record_read(b, key, &(*texts)[i], &(*lens)[i]);
		free(key);
		if (r == 0)
			record_changes_plain((*texts)[i], &(*lens)[i]);
		if (r == VDS_ENOTFOUND) { /* withdrawn by its put since the listing */
			(*texts)[i] = xstrdup(CHANGES_HEADER);
			(*lens)[i] = strlen(CHANGES_HEADER);
			r = 0;
		}
	}
	free(prefix);
	return r;
}

int draft_text(vds_backend *b, const char *ds, const char *ver, char **out, size_t *len,
	       char ***change_names, char ***change_texts, size_t *nchanges)
{
	char *key = vkey(ds, ver, "version.json"), **names = NULL, **texts = NULL, *base = NULL;
	size_t n = 0, *lens = NULL, base_len = 0;
	cJSON *j;
	int r = json_read(b, key, &j);

	free(key);
	if (r < 0)
		return r == VDS_ENOTFOUND ? vds_err(VDS_ENOTFOUND, "no such dataset version %s:%s", ds,
						    q(ver))
					  : r;
	const char *basehex = json_str(j, "base");
	if (*basehex) {
		unsigned char sha[32];
		if (vds_sha256_parse(basehex, sha) < 0)
			r = vds_err(VDS_ECORRUPT, "corrupt metadata of version %s:%s", ds, ver);
		else
			r = read_verified(b, sha, &base, &base_len);
	}
	cJSON_Delete(j);
	if (r == 0 && (r = read_changes(b, ds, ver, &names, &n, &texts, &lens)) == 0) {
		char *what = xasprintf("%s:%s", ds, ver);
		r = manifest_materialize(base, base_len, texts, lens, n, what, out, len);
		free(what);
	}
	free(base);
	free(lens);
	if (r == 0 && change_texts) {
		*change_texts = texts;
	} else {
		for (size_t i = 0; texts && i < n; i++)
			free(texts[i]);
		free(texts);
	}
	if (r == 0 && change_names) {
		*change_names = names;
		*nchanges = n;
	} else {
		names_free(names, n);
	}
	return r;
}

int commit_manifest(const cJSON *commit, const char *ds, const char *ver,
			   unsigned char sha[32])
{
	if (vds_sha256_parse(json_str(commit, "manifest"), sha) < 0)
		return vds_err(VDS_ECORRUPT, "corrupt commit record of %s:%s", ds, ver);
	return 0;
}

int version_manifest_text(vds_backend *b, const char *ds, const char *ver, char **out,
			  size_t *len)
{
	bool committed;
	cJSON *commit;
	unsigned char sha[32];
	int r = version_state(b, ds, ver, &committed, &commit);

	if (r < 0)
		return r;
	if (!committed)
		return draft_text(b, ds, ver, out, len, NULL, NULL, NULL);
	r = commit_manifest(commit, ds, ver, sha);
	cJSON_Delete(commit);
	return r < 0 ? r : read_verified(b, sha, out, len);
}

int vds_tree_open(vds_ctx *ctx, const char *ds, const char *ver, vds_tree **out)
{
	vds_backend *b;
	bool committed;
	cJSON *commit;
	char *text, *what;
	size_t len;
	int r;

	if ((r = ctx_dataset_backend(ctx, ds, &b, NULL)) < 0 ||
	    (r = version_state(b, ds, ver, &committed, &commit)) < 0)
		return r;
	what = xasprintf("%s:%s", ds, ver);
	if (committed) {
		unsigned char sha[32];
		char key[80], *path = NULL;

		if ((r = commit_manifest(commit, ds, ver, sha)) == 0) {
			vds_content_key(sha, key);
			bool checked;
			r = b->ops->local_path(b, key, &path, &checked);
			if (r == VDS_ENOTFOUND)
				r = vds_err(VDS_ECORRUPT, "file list of %s is missing", what);
			else if (r == VDS_ECORRUPT) /* checked as it arrived from the provider */
				r = vds_err(VDS_ECORRUPT, "file list of %s does not match its hash", what);
		}
		if (r == 0 && (r = tree_from_file(path, what, out)) == 0) {
			/* the whole list was just read: check it is the one committed */
			if (!tree_hash_matches(*out, sha)) {
				vds_tree_free(*out);
				*out = NULL;
				r = vds_err(VDS_ECORRUPT, "file list of %s does not match its hash", what);
			}
		}
		free(path);
		cJSON_Delete(commit);
	} else if ((r = draft_text(b, ds, ver, &text, &len, NULL, NULL, NULL)) == 0) {
		if ((r = tree_from_text(text, len, 1, what, out)) < 0)
			free(text);
	}
	free(what);
	return r;
}

/* A count of a record: a number from 0 to 2^64 (exclusive), else 0. */
static uint64_t json_count(const cJSON *n)
{
	return cJSON_IsNumber(n) && n->valuedouble >= 0 && n->valuedouble < 18446744073709551616.0
		       ? (uint64_t)n->valuedouble
		       : 0;
}

/* Fills V from version.json and the commit state of DS:VER. */
static int version_read(vds_backend *b, const char *ds, const char *ver, vds_version *v)
{
	char *key = vkey(ds, ver, "version.json");
	cJSON *j, *commit;
	bool committed;
	int r;

	memset(v, 0, sizeof(*v));
	r = json_read(b, key, &j);
	free(key);
	if (r < 0)
		return r;
	snprintf(v->id, sizeof(v->id), "%s", ver);
	v->message = xstrdup(json_str(j, "message"));
	v->created_us = vds_parse_time(json_str(j, "created"));
	cJSON_Delete(j);
	if ((r = version_state(b, ds, ver, &committed, &commit)) < 0)
		return r;
	v->committed = committed;
	if (committed) {
		free(v->message);
		v->message = xstrdup(json_str(commit, "message"));
		v->committed_us = vds_parse_time(json_str(commit, "committed"));
		const cJSON *f = cJSON_GetObjectItem(commit, "files"),
			    *s = cJSON_GetObjectItem(commit, "size");
		v->file_count = json_count(f);
		v->total_size = json_count(s);
		cJSON_Delete(commit);
	} else {
		char *text;
		size_t len;
		vds_tree *t;

		if ((r = draft_text(b, ds, ver, &text, &len, NULL, NULL, NULL)) < 0)
			return r;
		char *what = xasprintf("%s:%s", ds, ver);
		r = tree_from_text(text, len, 1, what, &t);
		free(what);
		if (r < 0) {
			free(text);
			return r;
		}
		v->file_count = vds_tree_count(t);
		v->total_size = vds_tree_size(t);
		vds_tree_free(t);
	}
	return 0;
}

static void attach_tags(vds_version *v, const vds_tag *tags, size_t ntags)
{
	for (size_t i = 0; i < ntags; i++)
		if (!strcmp(tags[i].version, v->id)) {
			v->tags = xrealloc(v->tags, (v->ntags + 1) * sizeof(*v->tags));
			v->tags[v->ntags++] = xstrdup(tags[i].name);
		}
}

static int cmp_version(const void *a, const void *b)
{
	const vds_version *x = a, *y = b;

	if (x->created_us != y->created_us)
		return x->created_us > y->created_us ? -1 : 1;
	return strcmp(y->id, x->id);
}

typedef struct list_job {
	vds_backend *b;
	const char *ds;
	char **ids;
	vds_version *v;  /* parallel to ids */
	bool *have;      /* v[i] was read */
	char **damaged;  /* parallel to ids: why version i was skipped, or NULL */
} list_job;

static int read_listed(size_t i, void *ud)
{
	list_job *j = ud;
	int r;

	if (!vds_is_version_id(j->ids[i]))
		return 0;
	if ((r = version_read(j->b, j->ds, j->ids[i], &j->v[i])) == 0) {
		j->have[i] = true;
		return 0;
	}
	vds_version_release(&j->v[i]);
	/* not found: being deleted; damaged: hides itself, not the others */
	return r == VDS_ENOTFOUND ? 0 : listing_skip(r, &j->damaged[i]);
}

int vds_version_list(vds_ctx *ctx, const char *ds, vds_version **out, size_t *n)
{
	vds_backend *b;
	vds_tag *tags = NULL;
	char **ids = NULL, *prefix;
	size_t nids = 0, ntags = 0, len = 0;
	int r;

	if ((r = ctx_dataset_backend(ctx, ds, &b, NULL)) < 0)
		return r;
	dataset_prime(b, ds); /* one listing answers for every version */
	if ((r = vds_tag_list(ctx, ds, &tags, &ntags)) < 0) {
		store_unprime(b);
		return r;
	}
	prefix = xasprintf("datasets/%s/versions", ds);
	r = list_names(b, prefix, &ids, &nids);
	free(prefix);
	/* each version is a few reads: a remote store answers them in parallel */
	list_job job = {.b = b, .ds = ds, .ids = ids, .v = xcalloc(nids + 1, sizeof(vds_version)),
			.have = xcalloc(nids + 1, sizeof(bool)),
			.damaged = xcalloc(nids + 1, sizeof(char *))};
	if (r == 0)
		r = each_parallel(b, nids, read_listed, &job);
	store_unprime(b);
	listing_warn(ctx, "version", ds, ids, job.damaged, nids, r == 0);
	for (size_t i = 0; i < nids; i++) {
		if (!job.have[i])
			continue;
		if (r == 0) {
			job.v[len] = job.v[i];
			attach_tags(&job.v[len++], tags, ntags);
		} else {
			vds_version_release(&job.v[i]);
		}
	}
	names_free(ids, nids);
	vds_tag_list_free(tags, ntags);
	free(job.have);
	if (r < 0) {
		free(job.v);
		return r;
	}
	if (len)
		qsort(job.v, len, sizeof(*job.v), cmp_version);
	*out = job.v;
	*n = len;
	return 0;
}

int vds_version_get(vds_ctx *ctx, const char *ds, const char *ver, vds_version *out)
{
	vds_backend *b;
	vds_tag *tags;
	size_t ntags;
	int r;

	if ((r = ctx_dataset_backend(ctx, ds, &b, NULL)) < 0)
		return r;
	dataset_prime(b, ds); /* one listing answers for the version and the tags */
	if ((r = version_read(b, ds, ver, out)) < 0) {
		store_unprime(b);
		vds_version_release(out); /* the message read before a later step failed */
		if (r == VDS_ENOTFOUND)
			return vds_err(VDS_ENOTFOUND, "no such dataset version %s:%s", ds, q(ver));
		return r;
	}
	r = vds_tag_list(ctx, ds, &tags, &ntags);
	store_unprime(b);
	if (r < 0) {
		vds_version_release(out);
		return r;
	}
	attach_tags(out, tags, ntags);
	vds_tag_list_free(tags, ntags);
	return 0;
}

static int write_version_json(vds_backend *b, const char *ds, const char *ver,
			      const char *message, int64_t created, const char *basehex)
{
	cJSON *j = cJSON_CreateObject();
	char t[40], *key = vkey(ds, ver, "version.json");
	int r;

	vds_iso_time(created, t);
	cJSON_AddStringToObject(j, "id", ver);
	cJSON_AddStringToObject(j, "message", message);
	cJSON_AddStringToObject(j, "created", t);
	if (basehex && *basehex)
		cJSON_AddStringToObject(j, "base", basehex);
	r = json_write(b, key, j);
	cJSON_Delete(j);
	free(key);
	return r;
}

int vds_version_create(vds_ctx *ctx, const char *ds, const char *message, const char *base_ver,
		       char id[VDS_VERID_LEN + 1])
{
	vds_backend *b;
	char basehex[65] = "", ver[VDS_VERID_LEN + 1];
	int r;

	if ((r = check_message(message ? message : "")) < 0 ||
	    (r = ctx_dataset_backend(ctx, ds, &b, NULL)) < 0)
		return r;
	if (base_ver) {
		char *text;
		size_t len;
		unsigned char sha[32];

		if ((r = version_manifest_text(b, ds, base_ver, &text, &len)) < 0)
			return r == VDS_ENOTFOUND ? vds_err(VDS_ENOTFOUND, "no such dataset version %s:%s",
							    ds, q(base_ver))
						  : r;
		r = store_text(b, text, len, sha);
		free(text);
		if (r < 0)
			return r;
		vds_sha256_hex(sha, basehex);
	}
	/* a new id never takes the name of an existing version or tag */
	for (;;) {
		char tagv[VDS_VERID_LEN + 1];
		char *key;

		vds_random_base36(ver, VDS_VERID_LEN);
		key = vkey(ds, ver, "version.json");
		r = b->ops->stat(b, key, NULL);
		free(key);
		if (r == VDS_ENOTFOUND && (r = tag_current(b, ds, ver, tagv)) == VDS_ENOTFOUND)
			break;
		if (r < 0)
			return r;
	}
	if ((r = write_version_json(b, ds, ver, message ? message : "", vds_now_us(), basehex)) < 0)
		return r;
	memcpy(id, ver, sizeof(ver));
	return 0;
}

int vds_version_update(vds_ctx *ctx, const char *ds, const char *ver, const char *message)
{
	vds_backend *b;
	cJSON *j;
	char *key;
	int r;

	if ((r = check_message(message)) < 0 || (r = ctx_dataset_backend(ctx, ds, &b, NULL)) < 0 ||
	    (r = version_require_open_draft(b, ds, ver)) < 0)
		return r;
	key = vkey(ds, ver, "version.json");
	r = json_read(b, key, &j);
	free(key);
	if (r < 0)
		return r;
	r = write_version_json(b, ds, ver, message, vds_parse_time(json_str(j, "created")),
			       json_str(j, "base"));
	cJSON_Delete(j);
	cJSON *commit = NULL;
	if (r == 0 && (r = version_settle(b, ds, ver, &commit)) == 0 && commit &&
	    strcmp(json_str(commit, "message"), message) != 0)
		r = vds_err(VDS_ECOMMITTED,
			    "dataset version %s:%s was committed meanwhile; its message was not changed",
			    ds, ver);
	cJSON_Delete(commit);
	return r;
}

int vds_version_delete(vds_ctx *ctx, const char *ds, const char *ver, bool force)
{
	vds_backend *b;
	vds_tag *tags = NULL;
	size_t ntags = 0;
	bool committed;
	strbuf names = STRBUF_INIT;
	cJSON *mark = NULL;
	char *key;
	int r;

	if ((r = ctx_dataset_backend(ctx, ds, &b, NULL)) < 0)
		return r;
	if ((r = version_state(b, ds, ver, &committed, NULL)) < 0)
		return r;
	if ((r = vds_tag_list(ctx, ds, &tags, &ntags)) < 0)
		return r;
	for (size_t i = 0; i < ntags; i++)
		if (!strcmp(tags[i].version, ver)) {
			if (names.len)
				sb_adds(&names, ", ");
			sb_adds(&names, q(tags[i].name));
		}
	if (names.len && !force) {
		r = vds_err(VDS_ECONFLICT, "dataset version %s:%s is tagged %s: use --force to delete it",
			    ds, ver, names.buf);
		goto out;
	}
	/*
	 * The deletion marker first: a tag set that writes its record before
	 * the listing below is seen and deleted; one that writes it after
	 * finds the marker and withdraws (see tag.c).
	 */
	char t[40];
	vds_iso_time(vds_now_us(), t);
	mark = cJSON_CreateObject();
	cJSON_AddStringToObject(mark, "deleted", t);
	key = vkey(ds, ver, "delete.json");
	r = json_write(b, key, mark);
	free(key);
	vds_tag_list_free(tags, ntags);
	tags = NULL;
	ntags = 0;
	if (r < 0 || (r = vds_tag_list(ctx, ds, &tags, &ntags)) < 0)
		goto out;
	for (size_t i = 0; i < ntags && r == 0; i++)
		if (!strcmp(tags[i].version, ver))
			r = vds_tag_delete(ctx, ds, tags[i].name);
	if (r < 0)
		goto out;
	key = vkey(ds, ver, "version.json");
	r = b->ops->remove(b, key);
	free(key);
	if (r == 0) {
		key = xasprintf("datasets/%s/versions/%s", ds, ver);
		r = b->ops->remove_tree(b, key);
		free(key);
	}
out:
	cJSON_Delete(mark);
	sb_release(&names);
	vds_tag_list_free(tags, ntags);
	return r;
}
