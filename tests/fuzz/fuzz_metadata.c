/*
 * fuzz_metadata.c - the readers of a store's JSON records and file lists,
 * through the public API over a store held in memory: dataset.json,
 * version.json, commit records, tag records, change records, lineage
 * records, the format marker (vds_format_check) and the manifests they
 * name. Datasets, versions and tags are listed and read, references
 * resolved, trees opened and compared, lineage read and walked up and
 * down, and fsck and a dry-run gc look at everything.
 *
 * Input: parts split at NUL bytes, each the content of one key of the
 * store (an empty or missing part: no such key):
 *   0  VDS-FORMAT
 *   1  datasets/DS/dataset.json
 *   2  datasets/DS/versions/aaaaaaa/version.json
 *   3  datasets/DS/versions/aaaaaaa/commit/STAMP.json
 *   4  datasets/DS/tags/v1/STAMP.json
 *   5  datasets/DS/versions/bbbbbbb/version.json
 *   6  datasets/DS/versions/bbbbbbb/changes/STAMP
 *   7  a content object (a manifest) at objects/ under its SHA-256
 *   8  datasets/DS/tags/v1/STAMP2.json (a newer tag record)
 *   9  datasets/DS/versions/aaaaaaa/lineage/STAMP.json (the commit may name it)
 *  10  datasets/DS/versions/bbbbbbb/lineage/STAMP.json (a draft's)
 *  11  datasets/DS/versions/aaaaaaa/commit.json (the commit record of format 2)
 * with DS = dsfuzz000000001. Records are checked against their checksums
 * unless the marker says format 1 (or a store upgraded from it). Reading never writes: the memory backend
 * aborts on any write. local_path() gives a file in a private folder under
 * $TMPDIR.
 */
#include "config.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include "fuzz.h"
#include "core.h"

#define DS "dsfuzz000000001"
#define V1 "aaaaaaa"
#define V2 "bbbbbbb"
#define NPARTS 12

static const char *const keys[NPARTS] = {
	FORMAT_KEY,
	"datasets/" DS "/dataset.json",
	"datasets/" DS "/versions/" V1 "/version.json",
	"datasets/" DS "/versions/" V1 "/commit/0000000000000001-aaaaaaaa.json",
	"datasets/" DS "/tags/v1/0000000000000001-aaaaaaaa.json",
	"datasets/" DS "/versions/" V2 "/version.json",
	"datasets/" DS "/versions/" V2 "/changes/0000000000000001-aaaaaaaa",
	NULL, /* objects/XX/... of the part's hash */
	"datasets/" DS "/tags/v1/0000000000000002-bbbbbbbb.json",
	"datasets/" DS "/versions/" V1 "/lineage/0000000000000001-aaaaaaaa.json",
	"datasets/" DS "/versions/" V2 "/lineage/0000000000000001-aaaaaaaa.json",
	"datasets/" DS "/versions/" V1 "/commit.json",
};

static char *tmp, *file;

static void cleanup(void)
{
	unlink(file);
	rmdir(tmp);
	free(file);
	free(tmp);
}

static void setup(void)
{
	const char *t = getenv("TMPDIR");

	tmp = xasprintf("%s/vds-fuzz-metadata-XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(tmp)) {
		perror(tmp);
		abort();
	}
	file = xasprintf("%s/object", tmp);
	atexit(cleanup);
}

/* ---- a read-only store in memory -------------------------------------- */

typedef struct mem_obj {
	char key[128];
	const char *data;
	size_t len;
} mem_obj;

typedef struct mem_backend {
	vds_backend b;
	mem_obj obj[NPARTS];
	size_t n;
} mem_backend;

static const mem_obj *find(vds_backend *b, const char *key)
{
	mem_backend *m = (mem_backend *)b;

	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->obj[i].key, key))
			return &m->obj[i];
	return NULL;
}

static int notfound(const char *key)
{
	return vds_err(VDS_ENOTFOUND, "no object %s", key);
}

static int mem_read(vds_backend *b, const char *key, char **out, size_t *len)
{
	const mem_obj *o = find(b, key);

	if (!o)
		return notfound(key);
	*out = xmalloc(o->len + 1); /* NUL-terminated, as every backend's */
	memcpy(*out, o->data, o->len);
	(*out)[o->len] = '\0';
	*len = o->len;
	return 0;
}

static int mem_stat(vds_backend *b, const char *key, uint64_t *size)
{
	const mem_obj *o = find(b, key);

	if (!o)
		return notfound(key);
	if (size)
		*size = o->len;
	return 0;
}

static int mem_list(vds_backend *b, const char *prefix, vds_list_fn fn, void *ud)
{
	mem_backend *m = (mem_backend *)b;
	size_t pl = strlen(prefix);
	char seen[NPARTS][128];
	size_t nseen = 0;

	for (size_t i = 0; i < m->n; i++) {
		const char *k = m->obj[i].key;
		char name[128];

		if (strncmp(k, prefix, pl) || k[pl] != '/')
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(k + pl + 1, "/"), k + pl + 1);
		bool dup = false;
		for (size_t j = 0; j < nseen && !dup; j++)
			dup = !strcmp(seen[j], name);
		if (dup)
			continue;
		memcpy(seen[nseen++], name, sizeof(name));
		int r = fn(name, ud);
		if (r)
			return r;
	}
	return 0;
}

static int mem_local_path(vds_backend *b, const char *key, char **path, bool *checked)
{
	const mem_obj *o = find(b, key);
	int fd;

	if (!o)
		return notfound(key);
	fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FUZZ_CHECK(fd >= 0);
	FUZZ_CHECK(write(fd, o->data, o->len) == (ssize_t)o->len);
	close(fd);
	*path = xstrdup(file);
	*checked = false;
	return 0;
}

static int mem_fetch_into(vds_backend *b, const char *key, uint64_t size, int fd)
{
	(void)b, (void)key, (void)size, (void)fd;
	return 1; /* local_path() instead */
}

static int mem_stream(vds_backend *b, const char *key, vds_stream_fn fn, void *ud,
		      atomic_int *cancel)
{
	const mem_obj *o = find(b, key);

	(void)cancel;
	if (!o)
		return notfound(key);
	return fn(o->data, o->len, ud) ? vds_err(VDS_ECANCELED, "stopped") : 0;
}

static int mem_read_range(vds_backend *b, const char *key, uint64_t off, void *buf, size_t len,
			  size_t *got)
{
	const mem_obj *o = find(b, key);

	if (!o)
		return notfound(key);
	*got = off < o->len ? (o->len - off < len ? (size_t)(o->len - off) : len) : 0;
	if (*got)
		memcpy(buf, o->data + off, *got);
	return 0;
}

static int mem_age(vds_backend *b, const char *key, int64_t *seconds)
{
	if (!find(b, key))
		return notfound(key);
	*seconds = 30 * 86400;
	return 0;
}

static int mem_abort_stale(vds_backend *b, int64_t older_than, bool dry_run, uint64_t *n)
{
	(void)b, (void)older_than, (void)n;
	FUZZ_CHECK(dry_run);
	return 0;
}

/* Reading a store never writes to it. */
static int mem_write(vds_backend *b, const char *key, const void *data, size_t len)
{
	(void)b, (void)data, (void)len;
	fprintf(stderr, "write of %s while reading\n", key);
	abort();
}

static int mem_create(vds_backend *b, const char *key, const void *data, size_t len)
{
	return mem_write(b, key, data, len);
}

static int mem_remove(vds_backend *b, const char *key)
{
	return mem_write(b, key, NULL, 0);
}

static int mem_put_content(vds_backend *b, int fd, unsigned char sha[32], bool *stored,
			   _Atomic uint64_t *counter, atomic_int *cancel)
{
	(void)fd, (void)sha, (void)stored, (void)counter, (void)cancel;
	return mem_write(b, "content", NULL, 0);
}

static int mem_spool(vds_backend *b, int *fd, char **path)
{
	(void)fd, (void)path;
	return mem_write(b, "spool", NULL, 0);
}

static int mem_put_spooled(vds_backend *b, char *path, int fd, const unsigned char sha[32],
			   bool *stored, _Atomic uint64_t *counter, atomic_int *cancel)
{
	(void)path, (void)fd, (void)sha, (void)stored, (void)counter, (void)cancel;
	return mem_write(b, "spooled content", NULL, 0);
}

static void mem_prepare_put(vds_backend *b, size_t nfiles)
{
	(void)b, (void)nfiles;
}

static int mem_flush(vds_backend *b)
{
	(void)b;
	return 0;
}

static void mem_discard(vds_backend *b)
{
	(void)b;
}

static void mem_close(vds_backend *b)
{
	free(b->provider_id);
	free(b);
}

static const vds_backend_ops mem_ops = {
	.type = "memory",
	.read = mem_read,
	.write = mem_write,
	.create = mem_create,
	.remove = mem_remove,
	.remove_tree = mem_remove,
	.stat = mem_stat,
	.list = mem_list,
	.local_path = mem_local_path,
	.fetch_into = mem_fetch_into,
	.stream = mem_stream,
	.read_range = mem_read_range,
	.put_content = mem_put_content,
	.spool = mem_spool,
	.put_spooled = mem_put_spooled,
	.prepare_put = mem_prepare_put,
	.touch = mem_remove,
	.age = mem_age,
	.abort_stale = mem_abort_stale,
	.flush = mem_flush,
	.discard = mem_discard,
	.close = mem_close,
};

/* A context whose one provider is a memory backend over PARTS. */
static vds_ctx *open_ctx(const fuzz_part *parts, size_t n)
{
	vds_ctx *ctx = xcalloc(1, sizeof(*ctx));
	mem_backend *m = xcalloc(1, sizeof(*m));

	ctx->config_path = xasprintf("%s/config.json", tmp);
	ctx->cache_dir = xasprintf("%s/cache", tmp);
	ctx->default_store = xasprintf("%s/store", tmp);
	ctx->cache_max = 1 << 20;
	ctx_add_provider(ctx, "local", "local", ctx->default_store, ctx->default_id);
	m->b.ops = &mem_ops;
	m->b.provider_id = xstrdup(ctx->prov[0].id);
	m->b.concurrency = 2;
	ctx->be[0] = &m->b;
	for (size_t i = 0; i < n; i++) {
		mem_obj *o = &m->obj[m->n];

		if (!parts[i].size)
			continue;
		if (keys[i]) {
			snprintf(o->key, sizeof(o->key), "%s", keys[i]);
		} else {
			unsigned char sha[32];
			EVP_Digest(parts[i].data, parts[i].size, sha, NULL, EVP_sha256(), NULL);
			vds_content_key(sha, o->key);
		}
		o->data = (const char *)parts[i].data;
		o->len = parts[i].size;
		m->n++;
	}
	return ctx;
}

/* ---- what reads a store ------------------------------------------------ */

static void on_finding(const char *finding, bool note, bool repaired, void *ud)
{
	(void)ud, (void)note;
	FUZZ_CHECK(*finding && !repaired);
}

static void on_diff(const vds_diff_item *d, void *ud)
{
	(void)ud;
	FUZZ_CHECK(d->a || d->b);
}

static void datasets(vds_ctx *ctx)
{
	vds_dataset *v, d;
	size_t n;

	if (vds_dataset_list(ctx, &v, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(!strcmp(v[i].id, DS) && v[i].name && v[i].description);
	if (n && *v[0].name && vds_dataset_get(ctx, v[0].name, &d) == 0) {
		FUZZ_CHECK(!strcmp(d.id, DS));
		vds_dataset_release(&d);
	}
	vds_dataset_list_free(v, n);
	if (vds_dataset_get(ctx, DS, &d) == 0)
		vds_dataset_release(&d);
}

/* Count NAME of commit record TEXT as a version shows it: 0 unless it fits 64 bits. */
static uint64_t commit_count(const fuzz_part *rec, const char *name)
{
	cJSON *j = cJSON_ParseWithLength((const char *)rec->data, rec->size);
	const cJSON *n = cJSON_GetObjectItem(j, name);
	uint64_t v = cJSON_IsNumber(n) && n->valuedouble >= 0 &&
				     n->valuedouble < 18446744073709551616.0
			     ? (uint64_t)n->valuedouble
			     : 0;

	cJSON_Delete(j);
	return v;
}

static void versions(vds_ctx *ctx, const fuzz_part *commit)
{
	vds_version *v, one;
	vds_tag *t;
	size_t n;

	if (vds_version_list(ctx, DS, &v, &n) == 0) {
		for (size_t i = 0; i < n; i++)
			FUZZ_CHECK(vds_is_version_id(v[i].id) && v[i].message);
		vds_version_list_free(v, n);
	}
	if (vds_version_get(ctx, DS, V1, &one) == 0) {
		if (one.committed) /* from its one commit record */
			FUZZ_CHECK(one.file_count == commit_count(commit, "files") &&
				   one.total_size == commit_count(commit, "size"));
		vds_version_release(&one);
	}
	if (vds_version_get(ctx, DS, V2, &one) == 0)
		vds_version_release(&one);
	if (vds_tag_list(ctx, DS, &t, &n) == 0) {
		for (size_t i = 0; i < n; i++)
			FUZZ_CHECK(t[i].name && strlen(t[i].version) <= VDS_VERID_LEN);
		vds_tag_list_free(t, n);
	}
}

static void refs(vds_ctx *ctx)
{
	static const char *const r[] = {DS, DS ":latest", DS ":v1", DS ":" V1, DS ":" V2};
	vds_resolved res;

	for (size_t i = 0; i < ARRAY_SIZE(r); i++)
		if (vds_ref_resolve(ctx, r[i], true, &res) == 0) {
			FUZZ_CHECK(vds_is_version_id(res.version));
			vds_resolved_release(&res);
		}
}

static void trees(vds_ctx *ctx)
{
	vds_tree *a = NULL, *b = NULL;
	vds_listing l;
	vds_diff_stats st;

	if (vds_tree_open(ctx, DS, V1, &a) == 0 && vds_tree_list(a, "", &l) == 0)
		vds_listing_release(&l);
	if (vds_tree_open(ctx, DS, V2, &b) == 0 && vds_tree_list(b, "", &l) == 0)
		vds_listing_release(&l);
	if (a && b)
		FUZZ_CHECK(vds_diff(a, b, on_diff, NULL, &st) == 0);
	vds_tree_free(a);
	vds_tree_free(b);
}

static void lineage_check(const vds_lineage *l)
{
	FUZZ_CHECK(l->output && l->host && l->ncommand > 0);
	for (size_t i = 0; i < l->ninputs; i++)
		FUZZ_CHECK(l->inputs[i].name && vds_is_version_id(l->inputs[i].version));
	char *cmd = vds_lineage_command(l);
	FUZZ_CHECK(cmd && *cmd);
	free(cmd);
}

static int on_node(const vds_lineage_node *n, void *ud)
{
	int *count = ud;

	FUZZ_CHECK(n->depth >= 0 && (n->depth == 0) == (n->via == NULL));
	FUZZ_CHECK(n->dataset && n->version);
	if (n->lineage)
		lineage_check(n->lineage);
	return ++*count > 1000; /* a walk ends: every version is walked once */
}

static void lineage(vds_ctx *ctx)
{
	static const char *const v[] = {V1, V2};
	vds_lineage l;

	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		if (vds_lineage_get(ctx, DS, v[i], &l) == 0) {
			lineage_check(&l);
			vds_lineage_release(&l);
		}
		for (int down = 0; down < 2; down++) {
			int count = 0;
			(void)vds_lineage_walk(ctx, DS, v[i], down, -1, on_node, &count);
			FUZZ_CHECK(count <= 1000);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_part parts[NPARTS] = {{NULL, 0}};
	size_t n = fuzz_split(data, size, parts, NPARTS);
	char *format = fuzz_bytes(parts[0].data, parts[0].size);
	vds_fsck_result fr;
	vds_gc_result gr;

	if (!tmp)
		setup();
	vds_ctx *ctx = open_ctx(parts, n);
	(void)vds_format_check(ctx->be[0], format, parts[0].size, "fuzz");
	free(format);
	datasets(ctx);
	/* the commit record that counts: commit.json, else (format 1) the stamped one */
	versions(ctx, parts[11].size ? &parts[11] : &parts[3]);
	refs(ctx);
	trees(ctx);
	lineage(ctx);
	(void)vds_fsck(ctx, NULL, false, on_finding, NULL, &fr);
	(void)vds_gc(ctx, NULL, 3600, true, &gr);
	vds_ctx_free(ctx);
	return 0;
}
