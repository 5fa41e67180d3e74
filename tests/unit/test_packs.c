/*
 * test_packs.c - chunks and packs on a local store: files of every size
 * round trip through the packer and the reader, the same content is
 * stored once (exact counters), an append stores only the last chunks and
 * a recipe, packs reach their target and each flush writes one index
 * object, reads at any offset equal the source, damaged or forged packs
 * and index objects are refused with VDS_ECORRUPT, consolidation keeps
 * every entry, the index is rebuilt from the packs alone, and several
 * threads adding at once leave a consistent index.
 * Run as it is, on local stores; under tests/s3/run.sh (through
 * tests/s3/packs.sh), on the S3 server it started.
 */
#include "config.h"

#include "tap.h"

#include <fcntl.h>
#include <ftw.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/backend.h"
#include "store/pack.h"
#include "store/packer.h"
#include "store/packindex.h"
#include "store/packread.h"
#include "store/recipe.h"
#include "store/s3.h"
#include "store/s3_settings.h"
#include "util.h"
#include "vds.h"

static char base[4096];
static int store_no;

/* splitmix64: pseudo-random bytes, the same on every machine. */
static uint64_t next_random(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* SIZE pseudo-random bytes from SEED (malloc'd). */
static uint8_t *random_bytes(uint64_t seed, size_t size)
{
	uint8_t *b = xmalloc(size ? size : 1);

	for (size_t i = 0; i < size; i += 8) {
		uint64_t v = next_random(&seed);

		for (size_t k = 0; k < 8 && i + k < size; k++)
			b[i + k] = (uint8_t)(v >> (8 * k));
	}
	return b;
}

/* SIZE bytes of CSV-like text from SEED (malloc'd). */
static uint8_t *text_bytes(uint64_t seed, size_t size)
{
	static const char *words[] = {"alpha", "beta", "gamma", "delta", "12.5", "0.001", "north",
				      "south", "2026-12-07", "true", "false", "sensor"};
	strbuf sb = STRBUF_INIT;

	while (sb.len < size) {
		uint64_t v = next_random(&seed);

		sb_addf(&sb, "%s,%s,%u\n", words[v % 12], words[(v >> 8) % 12],
			(unsigned)(v >> 16) % 1000);
	}
	sb.len = size;
	return (uint8_t *)sb_detach(&sb, NULL);
}

/*
 * A new store: a local one below BASE (its folder into DIR), or under
 * tests/s3/run.sh (VDS_TEST_S3 set) a prefix of its own in the server's
 * bucket (its name into DIR).
 */
static vds_backend *new_store(char dir[4200])
{
	vds_backend *b;
	int r;

	snprintf(dir, 4200, "%s/store%d", base, ++store_no);
	if (getenv("VDS_TEST_S3")) {
		char prefix[64], cache[4300];
		vds_s3_settings set = {
			.bucket = getenv("VDS_TEST_S3_BUCKET"),
			.endpoint = getenv("VDS_TEST_S3_ENDPOINT"),
			.region = getenv("VDS_TEST_S3_REGION"),
			.prefix = prefix,
			.access_key = getenv("VDS_TEST_S3_ACCESS_KEY"),
			.secret_key = getenv("VDS_TEST_S3_SECRET_KEY"),
			.path_style = -1, .insecure = -1, .read_only = -1};
		s3_config c;

		snprintf(prefix, sizeof(prefix), "packs%d/", store_no);
		snprintf(cache, sizeof(cache), "%s/cache", base);
		r = s3_settings_resolve(&set, "test", &c);
		if (r == 0) {
			r = vds_backend_s3_open(&c, cache, 1u << 30, &b);
			s3_config_release(&c);
		}
		snprintf(dir, 4200, "s3 prefix %s", prefix);
	} else {
		r = vds_backend_local_open(dir, &b);
	}
	if (r < 0) {
		printf("Bail out! %s\n", vds_errmsg());
		exit(1);
	}
	return b;
}

/* An open file holding SIZE bytes of DATA, read from its start. */
static int file_of(const void *data, size_t size)
{
	char path[4200];
	int fd;

	snprintf(path, sizeof(path), "%s/file.XXXXXX", base);
	fd = mkstemp(path);
	unlink(path);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size || lseek(fd, 0, SEEK_SET) != 0) {
		printf("Bail out! cannot write a temporary file\n");
		exit(1);
	}
	return fd;
}

/* Adds SIZE bytes at DATA as a file through P: its SHA-256 into SHA. */
static int add(packer *p, const void *data, size_t size, unsigned char sha[32], bool *stored)
{
	int fd = file_of(data, size), r = packer_add_file(p, fd, sha, stored, NULL);

	close(fd);
	return r;
}

/* Collects a streamed file. */
static int collect(const void *data, size_t len, void *ud)
{
	sb_add(ud, data, len);
	return 0;
}

/* True if file SHA reads back as SIZE bytes DATA (whole, and its size). */
static bool reads_back(packreader *rd, const unsigned char sha[32], const void *data, size_t size)
{
	strbuf sb = STRBUF_INIT;
	uint64_t got_size = 0;
	int r = packread_file(rd, sha, collect, &sb);
	bool same = r == 0 && sb.len == size && (!size || !memcmp(sb.buf, data, size)) &&
		    packread_size(rd, sha, &got_size) == 0 && got_size == size;

	if (r < 0)
		printf("# %s\n", vds_errmsg());
	sb_release(&sb);
	return same;
}

/* A packer on B and IDX with a pack target of TARGET (0: default). */
static packer *new_packer(vds_backend *b, packindex *idx, uint64_t target)
{
	packer_opts o = {.target = target};
	packer *p;

	if (packer_new(b, idx, &o, &p) < 0) {
		printf("Bail out! %s\n", vds_errmsg());
		exit(1);
	}
	return p;
}

/* Counts the objects below PREFIX of B (one level, or two for packs/). */
static int count_cb(const char *name, void *ud)
{
	(void)name;
	(*(int *)ud)++;
	return 0;
}
static int count_objects(vds_backend *b, const char *prefix)
{
	int n = 0;

	if (strcmp(prefix, "packs")) {
		b->ops->list(b, prefix, count_cb, &n);
		return n;
	}
	for (int i = 0; i < 256; i++) {
		char sub[16];

		snprintf(sub, sizeof(sub), "packs/%02x", i);
		b->ops->list(b, sub, count_cb, &n);
	}
	return n;
}

/* Collects the names of index objects. */
static int name_cb(const char *name, void *ud)
{
	strbuf *sb = ud;

	sb_adds(sb, name);
	sb_addc(sb, '\n');
	return 0;
}

/* Removes every index object of B. */
static void remove_indexes(vds_backend *b)
{
	strbuf sb = STRBUF_INIT;
	char *line, *save = NULL;

	b->ops->list(b, "index", name_cb, &sb);
	for (line = sb.buf ? strtok_r(sb.buf, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		char key[64];

		snprintf(key, sizeof(key), "index/%s", line);
		b->ops->remove(b, key);
	}
	sb_release(&sb);
}

static void test_round_trips(void)
{
	static const size_t sizes[] = {0, 1, 1000, 16383, 16384, 16385, 65536, 262143, 262144,
				       262145, 3u << 20};
	char dir[4200];
	vds_backend *b = new_store(dir);
	packindex idx, fresh;
	packer *p;
	unsigned char sha[ARRAY_SIZE(sizes) + 1][32];
	uint8_t *data[ARRAY_SIZE(sizes) + 1];
	size_t n = ARRAY_SIZE(sizes);
	packer_stats st;
	packreader *rd;

	packindex_init(&idx);
	p = new_packer(b, &idx, 0);
	for (size_t i = 0; i <= n; i++) {
		size_t size = i < n ? sizes[i] : 3u << 20;
		unsigned char want[32];
		bool stored = false;

		data[i] = i < n ? random_bytes(i + 1, size) : text_bytes(7, size);
		is_int(add(p, data[i], size, sha[i], &stored), 0, "a file of %zu bytes (%s) added",
		       size, i < n ? "random" : "text");
		EVP_Digest(data[i], size, want, NULL, EVP_sha256(), NULL);
		ok(!memcmp(want, sha[i], 32) && stored, "its SHA-256 is the whole file's; stored");
	}
	packer_get_stats(p, &st);
	ok(st.bytes_read == 2 * (3u << 20) + 16383 + 16384 + 16385 + 65536 + 262143 + 262144 +
				    262145 + 1000 + 1,
	   "bytes read counted: %llu", (unsigned long long)st.bytes_read);
	is_int(packer_flush(p), 0, "flushed");
	packer_get_stats(p, &st);
	is_int(st.packs, 1, "one pack");
	is_int(st.indexes, 1, "one index object");
	is_int(count_objects(b, "packs"), 1, "one pack object in the store");
	is_int(count_objects(b, "index"), 1, "one index object in the store");
	ok(st.pack_bytes < st.bytes_read, "the text is compressed: %llu bytes stored of %llu",
	   (unsigned long long)st.pack_bytes, (unsigned long long)st.bytes_read);

	/* the text file alone: compressed to under half (a second store) */
	{
		char dir2[4200];
		vds_backend *b2 = new_store(dir2);
		packindex idx2;
		packer *p2;
		packer_stats st2;
		unsigned char s2[32];
		bool stored;

		packindex_init(&idx2);
		p2 = new_packer(b2, &idx2, 0);
		add(p2, data[n], 3u << 20, s2, &stored);
		packer_get_stats(p2, &st2);
		ok(st2.bytes_stored < st2.raw_stored / 2, "3 MiB of text stored in %llu bytes",
		   (unsigned long long)st2.bytes_stored);
		packer_free(p2);
		packindex_release(&idx2);
		b2->ops->close(b2);
	}

	packindex_init(&fresh);
	is_int(packindex_load(b, &fresh), 0, "the store index loaded");
	is_int(fresh.n, idx.n, "it holds every blob the packer indexed (%zu)", idx.n);
	is_int(fresh.n, st.blobs_stored, "one entry per blob stored");
	rd = packreader_new(b, &fresh);
	for (size_t i = 0; i <= n; i++) {
		size_t size = i < n ? sizes[i] : 3u << 20;

		ok(reads_back(rd, sha[i], data[i], size), "the file of %zu bytes reads back", size);
	}
	/* ranged reads at arbitrary offsets of the 3 MiB files */
	for (size_t f = n - 1; f <= n; f++) {
		uint64_t s = 99 + f;
		int bad = 0;

		for (int k = 0; k < 300; k++) {
			uint64_t off = next_random(&s) % ((3u << 20) + 1000);
			size_t len = (size_t)(next_random(&s) % (k % 3 ? 5000 : 600000)), got, want;
			char *buf = xmalloc(len + 1);

			want = off >= (3u << 20) ? 0 : len < (3u << 20) - off ? len : (3u << 20) - off;
			if (packread_range(rd, sha[f], off, buf, len, &got) < 0 || got != want ||
			    memcmp(buf, data[f] + off, got))
				bad++;
			free(buf);
		}
		is_int(bad, 0, "300 ranged reads of the %s file equal its bytes",
		       f < n ? "random" : "text");
	}
	{
		size_t got;
		char c;

		ok(packread_range(rd, sha[1], 0, &c, 1, &got) == 0 && got == 1 && c == (char)data[1][0],
		   "a ranged read of the 1-byte file");
		ok(packread_range(rd, sha[0], 0, &c, 1, &got) == 0 && got == 0,
		   "a ranged read of the empty file reads nothing");
	}
	{
		unsigned char missing[32] = {1};
		uint64_t size;

		is_int(packread_size(rd, missing, &size), VDS_ENOTFOUND, "an unknown file: not found");
	}
	/* the pack is named by the SHA-256 of its bytes */
	{
		char key[80], *bytes;
		size_t len;
		unsigned char id[32];

		pack_key(fresh.packs[0].id, key);
		ok(b->ops->read(b, key, &bytes, &len) == 0 && len == fresh.packs[0].size,
		   "the pack's size is the one its index says");
		EVP_Digest(bytes, len, id, NULL, EVP_sha256(), NULL);
		ok(!memcmp(id, fresh.packs[0].id, 32), "the pack is named by its SHA-256");
		free(bytes);
	}
	packreader_free(rd);
	packindex_release(&fresh);
	packer_free(p);
	packindex_release(&idx);
	for (size_t i = 0; i <= n; i++)
		free(data[i]);
	b->ops->close(b);
}

static void test_dedup(void)
{
	char dir[4200];
	vds_backend *b = new_store(dir);
	packindex idx, idx2;
	packer *p;
	packer_stats a, c;
	uint8_t *big = random_bytes(42, (2u << 20) + 1024), *small = random_bytes(43, 5000);
	unsigned char s1[32], s2[32], s3[32];
	bool stored = true;

	packindex_init(&idx);
	p = new_packer(b, &idx, 0);
	add(p, small, 5000, s1, &stored);
	add(p, big, 2u << 20, s1, &stored);
	packer_get_stats(p, &a);
	is_int(add(p, big, 2u << 20, s2, &stored), 0, "the same 2 MiB file again");
	packer_get_stats(p, &c);
	ok(!stored && !memcmp(s1, s2, 32), "nothing new, the same SHA-256");
	ok(c.blobs_stored == a.blobs_stored && c.bytes_stored == a.bytes_stored,
	   "counters unchanged: %llu blobs, %llu bytes", (unsigned long long)c.blobs_stored,
	   (unsigned long long)c.bytes_stored);
	is_int(c.bytes_read - a.bytes_read, 2u << 20, "its bytes were read once");
	is_int(packer_flush(p), 0, "flushed");
	packer_free(p);

	/* a new packer on the index loaded from the store: still nothing new */
	packindex_init(&idx2);
	packindex_load(b, &idx2);
	p = new_packer(b, &idx2, 0);
	add(p, big, 2u << 20, s2, &stored);
	packer_get_stats(p, &c);
	ok(!stored && c.blobs_stored == 0 && c.bytes_stored == 0,
	   "a later writer stores nothing for it either");
	is_int(add(p, big, (2u << 20) + 1024, s3, &stored), 0, "the file with 1 KiB appended");
	packer_get_stats(p, &c);
	ok(stored && c.bytes_stored < 300 * 1024 && c.blobs_stored <= 4,
	   "only its last chunks, a segment and a recipe are new: %llu blobs, %llu bytes",
	   (unsigned long long)c.blobs_stored, (unsigned long long)c.bytes_stored);
	is_int(packer_flush(p), 0, "flushed");
	is_int(packer_flush(p), 0, "a flush with nothing new");
	packer_get_stats(p, &c);
	is_int(c.indexes, 1, "writes no index object");
	is_int(count_objects(b, "index"), 2, "two index objects for two flushes that stored");
	{
		packindex all;
		packreader *rd;

		packindex_init(&all);
		packindex_load(b, &all);
		rd = packreader_new(b, &all);
		ok(reads_back(rd, s3, big, (2u << 20) + 1024) && reads_back(rd, s2, big, 2u << 20),
		   "both versions read back");
		packreader_free(rd);
		packindex_release(&all);
	}
	/* discard: nothing of it is indexed */
	{
		unsigned char s4[32];

		add(p, small, 4000, s4, &stored);
		ok(stored, "a new file added");
		packer_discard(p);
		is_int(packer_flush(p), 0, "flushed after a discard");
		is_int(count_objects(b, "index"), 2, "no index object names what was discarded");
	}
	packer_free(p);
	packindex_release(&idx2);
	packindex_release(&idx);
	free(big);
	free(small);
	b->ops->close(b);
}

static void test_targets_and_consolidation(void)
{
	char dir[4200];
	vds_backend *b = new_store(dir);
	packindex idx, fresh, merged;
	packer *p;
	packer_stats st;
	uint8_t *data[8];
	unsigned char sha[8][32];
	size_t size[8];
	size_t merged_n = 0;
	packreader *rd;
	int bad = 0;

	packindex_init(&idx);
	p = new_packer(b, &idx, 1u << 20);
	for (int i = 0; i < 8; i++) {
		bool stored;

		size[i] = i == 0 ? 3u << 20 : 100000u * (size_t)i;
		data[i] = random_bytes(500 + (uint64_t)i, size[i]);
		add(p, data[i], size[i], sha[i], &stored);
		if (i % 3 == 2)
			packer_flush(p);
	}
	packer_flush(p);
	packer_get_stats(p, &st);
	ok(st.packs >= 4, "a 1 MiB target gives several packs: %llu", (unsigned long long)st.packs);
	is_int(count_objects(b, "packs"), st.packs, "each is in the store");
	is_int(count_objects(b, "index"), 3, "one index object per flush");
	packindex_init(&fresh);
	packindex_load(b, &fresh);
	is_int(fresh.n, st.blobs_stored, "the index holds every blob");

	is_int(packindex_consolidate(b, &merged_n), 0, "consolidated");
	is_int(merged_n, 3, "three index objects replaced");
	is_int(count_objects(b, "index"), 1, "by one");
	packindex_init(&merged);
	is_int(packindex_load(b, &merged), 0, "the consolidated index loaded");
	ok(merged.n == fresh.n && merged.npacks == st.packs, "it keeps every entry and pack");
	for (size_t i = 0; i < fresh.n; i++) {
		const packindex_entry *e = packindex_find(&merged, fresh.e[i].id);

		if (!e || e->off != fresh.e[i].off || e->raw != fresh.e[i].raw ||
		    memcmp(merged.packs[e->pack].id, fresh.packs[fresh.e[i].pack].id, 32))
			bad++;
	}
	is_int(bad, 0, "each at the same place");
	is_int(packindex_consolidate(b, &merged_n), 0, "consolidating one object");
	is_int(merged_n, 0, "does nothing");
	/* an index that read the old objects loads again without error */
	is_int(packindex_load(b, &fresh), 0, "an older reader loads the new object");
	is_int(fresh.n, merged.n, "and holds the same blobs");
	rd = packreader_new(b, &merged);
	for (int i = 0; i < 8; i++)
		if (!reads_back(rd, sha[i], data[i], size[i]))
			bad++;
	is_int(bad, 0, "every file reads back");
	packreader_free(rd);

	/* the store index rebuilt from the packs alone (fsck), one of them damaged */
	{
		size_t np = 0, nd = 0, len;
		packindex rebuilt;
		char key[80], *bytes;

		remove_indexes(b);
		is_int(packindex_rebuild(b, &np, &nd), 0, "the store index rebuilt from the packs");
		ok(np == st.packs && nd == 0, "  naming every pack (%zu), none damaged", np);
		is_int(count_objects(b, "index"), 1, "  in one index object");
		packindex_init(&rebuilt);
		packindex_load(b, &rebuilt);
		for (size_t i = 0; i < fresh.n; i++) {
			const packindex_entry *e = packindex_find(&rebuilt, fresh.e[i].id);

			if (!e || e->off != fresh.e[i].off || e->stored != fresh.e[i].stored ||
			    memcmp(rebuilt.packs[e->pack].id, fresh.packs[fresh.e[i].pack].id, 32) ||
			    rebuilt.packs[e->pack].size != fresh.packs[fresh.e[i].pack].size)
				bad++;
		}
		ok(rebuilt.n == fresh.n && bad == 0, "  with every blob at its place");
		packindex_release(&rebuilt);

		pack_key(fresh.packs[0].id, key);
		b->ops->read(b, key, &bytes, &len);
		bytes[len - 1] ^= 1;
		b->ops->write(b, key, bytes, len);
		remove_indexes(b);
		is_int(packindex_rebuild(b, &np, &nd), 0, "rebuilt with a damaged pack");
		ok(np == st.packs - 1 && nd == 1, "  which is left out and counted: %zu packs, %zu damaged",
		   np, nd);
		bytes[len - 1] ^= 1;
		b->ops->write(b, key, bytes, len);
		free(bytes);
	}
	packindex_release(&merged);
	packindex_release(&fresh);
	packer_free(p);
	packindex_release(&idx);
	for (int i = 0; i < 8; i++)
		free(data[i]);
	b->ops->close(b);
}

/*
 * A file cut in small chunks (several segments): edited in its middle,
 * read at any offset. 4 MiB (about 14,000 chunks); on S3, where each
 * chunk read is a request, 1 MiB and fewer reads.
 */
static void test_segments(void)
{
	char dir[4200];
	vds_backend *b = new_store(dir);
	packindex idx;
	packer_opts o = {.chunk = {64, 256, 1024}};
	packer *p;
	packer_stats st;
	bool s3 = getenv("VDS_TEST_S3") != NULL;
	size_t size = s3 ? 1u << 20 : 4u << 20;
	int reads = s3 ? 40 : 400;
	uint8_t *data = random_bytes(1234, size), *edited = xmalloc(size);
	unsigned char sha[32], sha2[32];
	bool stored;
	packreader *rd;
	int bad = 0;

	packindex_init(&idx);
	if (packer_new(b, &idx, &o, &p) < 0)
		exit(1);
	is_int(add(p, data, size, sha, &stored), 0, "a file of %zu KiB in small chunks added",
	       size >> 10);
	packer_flush(p);
	packer_get_stats(p, &st);
	packer_free(p);
	ok(st.blobs_stored > size / 1000 + 2,
	   "its chunks, its segments (a new one every 1024 chunks on average) and its recipe: "
	   "%llu blobs",
	   (unsigned long long)st.blobs_stored);

	memcpy(edited, data, size);
	memset(edited + size / 2, 'x', 4096);
	if (packer_new(b, &idx, &o, &p) < 0)
		exit(1);
	is_int(add(p, edited, size, sha2, &stored), 0, "the file with 4 KiB changed in its middle");
	packer_get_stats(p, &st);
	ok(stored && st.blobs_stored <= 14 && st.bytes_stored < 160 * 1024,
	   "stores the chunks it touched, one or two segments and a recipe: %llu blobs, %llu "
	   "bytes (a recipe of every chunk: 36 bytes a chunk)",
	   (unsigned long long)st.blobs_stored, (unsigned long long)st.bytes_stored);
	packer_flush(p);
	packer_free(p);

	rd = packreader_new(b, &idx);
	ok(reads_back(rd, sha2, edited, size) && (s3 || reads_back(rd, sha, data, size)),
	   "the edited file reads back%s", s3 ? "" : ", and the first");
	for (uint64_t s = 5, k = 0; k < (uint64_t)reads; k++) {
		uint64_t off = next_random(&s) % size;
		size_t len = (size_t)(next_random(&s) % (s3 ? 3000 : 20000)), got;
		char *buf = xmalloc(len + 1);

		if (packread_range(rd, sha2, off, buf, len, &got) < 0 ||
		    got != (len < size - off ? len : size - off) || memcmp(buf, edited + off, got))
			bad++;
		free(buf);
	}
	is_int(bad, 0, "%d ranged reads across segments equal the file's bytes", reads);
	packreader_free(rd);
	packindex_release(&idx);
	free(data);
	free(edited);
	b->ops->close(b);
}

/* ---- an index object listed, then gone (consolidated meanwhile) ---- */

static vds_backend *gone_inner;
static int gone_listings, gone_phantoms; /* listings made; how many show the phantom */

static int gone_list(vds_backend *b, const char *prefix, vds_list_fn fn, void *ud)
{
	int r;

	(void)b;
	gone_listings++;
	if (gone_phantoms > 0 && !strcmp(prefix, "index")) {
		gone_phantoms--;
		if ((r = fn("0000000000000001-gone0000", ud)) != 0)
			return r;
	}
	return gone_inner->ops->list(gone_inner, prefix, fn, ud);
}

static int gone_read(vds_backend *b, const char *key, char **out, size_t *len)
{
	(void)b;
	return gone_inner->ops->read(gone_inner, key, out, len);
}

static void test_relist(void)
{
	char dir[4200];
	static vds_backend_ops ops;
	vds_backend wrap = {.ops = &ops};
	packindex idx;
	packer *p;
	unsigned char sha[32];
	uint8_t *data = random_bytes(31, 100000);
	bool stored;
	int r;

	gone_inner = new_store(dir);
	packindex_init(&idx);
	p = new_packer(gone_inner, &idx, 0);
	add(p, data, 100000, sha, &stored);
	packer_flush(p);
	packer_free(p);
	ops = *gone_inner->ops;
	ops.list = gone_list;
	ops.read = gone_read;

	gone_listings = 0, gone_phantoms = 1;
	packindex_release(&idx);
	packindex_init(&idx);
	r = packindex_load(&wrap, &idx);
	ok(r == 0 && gone_listings == 2 && idx.n >= 3,
	   "an index object listed but gone: listed again, the rest loaded (%d listings)",
	   gone_listings);
	gone_listings = 0, gone_phantoms = 100;
	packindex_release(&idx);
	packindex_init(&idx);
	r = packindex_load(&wrap, &idx);
	is_int(r, VDS_EIO, "objects that keep vanishing: an error after %d listings: %s",
	       gone_listings, vds_errmsg());
	packindex_release(&idx);
	free(data);
	gone_inner->ops->close(gone_inner);
}

/* ---- damage ---- */

static vds_backend *dmg_b;
static char dmg_key[80], *dmg_orig;
static size_t dmg_len;
static unsigned char dmg_id[32], dmg_sha[2][32];
static uint8_t *dmg_data[2];
static const size_t dmg_size[2] = {700000, 3000};

/* Writes BYTES (LEN) as the damaged store's pack. */
static void put_pack(const void *bytes, size_t len)
{
	if (dmg_b->ops->write(dmg_b, dmg_key, bytes, len) < 0) {
		printf("Bail out! %s\n", vds_errmsg());
		exit(1);
	}
}

/* What reading the damaged store gives: the pack's index, then every file through the store index. */
static int read_all(bool trailer)
{
	pack_entry *e;
	size_t n;
	packindex idx;
	packreader *rd;
	int r = 0;

	if (trailer) {
		r = pack_read_index(dmg_b, dmg_id, UINT64_MAX, &e, &n);
		if (r == 0)
			free(e);
		return r;
	}
	packindex_init(&idx);
	r = packindex_load(dmg_b, &idx);
	rd = packreader_new(dmg_b, &idx);
	for (int i = 0; r == 0 && i < 2; i++) {
		strbuf sb = STRBUF_INIT;
		char buf[100];
		size_t got;

		r = packread_file(rd, dmg_sha[i], collect, &sb);
		if (r == 0 && (sb.len != dmg_size[i] || memcmp(sb.buf, dmg_data[i], sb.len)))
			r = 1; /* wrong bytes given as right */
		sb_release(&sb);
		if (r == 0)
			r = packread_range(rd, dmg_sha[i], dmg_size[i] / 2, buf, sizeof(buf), &got);
	}
	packreader_free(rd);
	packindex_release(&idx);
	return r;
}

/* Flips the byte at OFF of the pack and checks the refusal. */
static void flip(size_t off, bool trailer, const char *what)
{
	char *copy = xmalloc(dmg_len);
	int r;

	memcpy(copy, dmg_orig, dmg_len);
	copy[off] ^= 0x20;
	put_pack(copy, dmg_len);
	r = read_all(trailer);
	is_int(r, VDS_ECORRUPT, "%s: refused as damaged", what);
	if (r == VDS_ECORRUPT)
		ok(strstr(vds_errmsg(), "pack ") != NULL, "  naming the pack: %s", vds_errmsg());
	free(copy);
	put_pack(dmg_orig, dmg_len);
}

/* Rewrites trailer entry K with FIELD changed, fixes the trailer checksum, checks the refusal. */
static void lie(size_t k, size_t field, uint32_t value, const char *what)
{
	char *copy = xmalloc(dmg_len);
	unsigned char *foot, *t;
	uint64_t tlen;
	int r;

	memcpy(copy, dmg_orig, dmg_len);
	foot = (unsigned char *)copy + dmg_len - PACK_FOOTER_SIZE;
	tlen = le64_get(foot + 24);
	t = foot - tlen;
	le32_put(t + k * PACK_ENTRY_SIZE + field, value);
	EVP_Digest(t, tlen, foot + 32, NULL, EVP_sha256(), NULL);
	put_pack(copy, dmg_len);
	r = read_all(true);
	is_int(r, VDS_ECORRUPT, "%s: refused", what);
	free(copy);
	put_pack(dmg_orig, dmg_len);
}

/* Writes index object text DATA (LEN) under NAME and checks it is refused, then removes it. */
static void forged_index(const void *data, size_t len, const char *what)
{
	packindex idx;
	int r;

	dmg_b->ops->write(dmg_b, "index/ffffffffffffffff-forgedxx", data, len);
	packindex_init(&idx);
	r = packindex_load(dmg_b, &idx);
	is_int(r, VDS_ECORRUPT, "%s: refused", what);
	if (r == VDS_ECORRUPT)
		ok(strstr(vds_errmsg(), "index object ffffffffffffffff-forgedxx") != NULL,
		   "  naming it: %s", vds_errmsg());
	packindex_release(&idx);
	dmg_b->ops->remove(dmg_b, "index/ffffffffffffffff-forgedxx");
}

/* Re-signs the index object bytes D (LEN) after a change: its last 32 bytes. */
static void resign(unsigned char *d, size_t len)
{
	EVP_Digest(d, len - 32, d + len - 32, NULL, EVP_sha256(), NULL);
}

static void test_damage(void)
{
	char dir[4200];
	packindex idx;
	packer *p;
	packer_opts o = {.no_compress = false};
	bool stored;
	char *ix;
	size_t ixlen, n;
	pack_entry *e;

	dmg_b = new_store(dir);
	packindex_init(&idx);
	if (packer_new(dmg_b, &idx, &o, &p) < 0)
		exit(1);
	dmg_data[0] = random_bytes(77, dmg_size[0]);
	dmg_data[1] = text_bytes(78, dmg_size[1]);
	add(p, dmg_data[0], dmg_size[0], dmg_sha[0], &stored);
	add(p, dmg_data[1], dmg_size[1], dmg_sha[1], &stored);
	packer_flush(p);
	packer_free(p);
	memcpy(dmg_id, idx.packs[0].id, 32);
	pack_key(dmg_id, dmg_key);
	dmg_b->ops->read(dmg_b, dmg_key, &dmg_orig, &dmg_len);
	is_int(read_all(false), 0, "the undamaged store reads back");
	is_int(pack_read_index(dmg_b, dmg_id, UINT64_MAX, &e, &n), 0, "its pack's index is read");
	is_int(n, idx.n, "with every blob");
	free(e);

	flip(10, false, "a flipped byte in a raw chunk");
	flip((size_t)le64_get((unsigned char *)dmg_orig + dmg_len - PACK_FOOTER_SIZE + 16) - 20,
	     false, "a flipped byte in the last blob (compressed text)");
	flip(dmg_len - PACK_FOOTER_SIZE - 30, true, "a flipped byte in the trailer");
	for (size_t off = 0; off < PACK_FOOTER_SIZE; off += 9) {
		char what[64];

		snprintf(what, sizeof(what), "a flipped byte at %zu of the footer", off);
		flip(dmg_len - PACK_FOOTER_SIZE + off, true, what);
	}
	/* truncated packs */
	put_pack(dmg_orig, dmg_len - 1);
	is_int(read_all(true), VDS_ECORRUPT, "a pack cut by one byte: its index refused");
	put_pack(dmg_orig, dmg_len / 2);
	is_int(read_all(false), VDS_ECORRUPT, "a pack cut in half: its blobs refused");
	put_pack(dmg_orig, 10);
	is_int(read_all(true), VDS_ECORRUPT, "a pack of 10 bytes: refused");
	put_pack(dmg_orig, 0);
	is_int(read_all(true), VDS_ECORRUPT, "an empty pack: refused");
	put_pack(dmg_orig, dmg_len);
	/* lying lengths in the trailer (its checksum made right) */
	lie(0, 40, 1000, "a stored length that overlaps the next blob");
	lie(0, 36, 1000, "a raw length that is not the stored one (raw blob)");
	lie(0, 40, 0xfffffff0u, "a stored length beyond any pack");
	lie(1, 44, 0, "an offset that is not where the blob before ends");
	lie(0, 32, 7, "an unknown blob type");
	dmg_orig[dmg_len - PACK_FOOTER_SIZE + 8] ^= 1; /* the entry count, for the next point */
	put_pack(dmg_orig, dmg_len);
	is_int(read_all(true), VDS_ECORRUPT, "a footer with a lying entry count: refused");
	dmg_orig[dmg_len - PACK_FOOTER_SIZE + 8] ^= 1;
	put_pack(dmg_orig, dmg_len);

	/* index objects: damaged, cut, forged with a good checksum */
	{
		packindex_pack *packs;
		size_t np;

		packindex_encode(&(packindex_pack){.size = dmg_len, .n = 0}, 0, &ix, &ixlen);
		free(ix);
		if (pack_read_index(dmg_b, dmg_id, UINT64_MAX, &e, &n) < 0)
			exit(1);
		packindex_pack pk = {.size = dmg_len, .e = e, .n = n};
		memcpy(pk.id, dmg_id, 32);
		packindex_encode(&pk, 1, &ix, &ixlen);
		is_int(packindex_decode("x", ix, ixlen, &packs, &np), 0, "an index object decodes");
		ok(np == 1 && packs[0].n == n, "  as written");
		packindex_packs_free(packs, np);
		free(e);
	}
	{
		unsigned char *d = xmalloc(ixlen);

		memcpy(d, ix, ixlen);
		d[ixlen / 2] ^= 4;
		forged_index(d, ixlen, "an index object with a flipped byte");
		forged_index(ix, ixlen - 1, "an index object cut by one byte");
		forged_index(ix, 20, "an index object of 20 bytes");
		memcpy(d, ix, ixlen);
		le32_put(d + 8, 1000000);
		resign(d, ixlen);
		forged_index(d, ixlen, "a forged index object with a lying pack count");
		memcpy(d, ix, ixlen);
		le64_put(d + 16, UINT64_MAX / 2);
		resign(d, ixlen);
		forged_index(d, ixlen, "a forged index object with a huge entry count");
		memcpy(d, ix, ixlen);
		le64_put(d + PACKINDEX_HEAD + 32, 100);
		resign(d, ixlen);
		forged_index(d, ixlen, "a forged index object whose pack is too small for its blobs");
		memcpy(d, ix, ixlen);
		le32_put(d + PACKINDEX_HEAD + PACKINDEX_PACK + 40, 0xffffff00u);
		resign(d, ixlen);
		forged_index(d, ixlen, "a forged index object with a blob beyond its pack");
		memcpy(d, ix, ixlen);
		le32_put(d + PACKINDEX_HEAD + PACKINDEX_PACK + 36, 12345);
		resign(d, ixlen);
		{ /* a raw length that lies (a forged but well-formed object): refused on read */
			packindex fidx;
			packreader *rd;
			packindex_pack *packs;
			size_t np;
			char *out;
			size_t len;

			packindex_init(&fidx);
			is_int(packindex_decode("forged", d, ixlen, &packs, &np), VDS_ECORRUPT,
			       "a raw length unlike the stored one of a raw blob: refused");
			le32_put(d + PACKINDEX_HEAD + PACKINDEX_PACK + 36, 1000);
			le32_put(d + PACKINDEX_HEAD + PACKINDEX_PACK + 40, 1000);
			resign(d, ixlen);
			is_int(packindex_decode("forged", d, ixlen, &packs, &np), 0,
			       "a forged entry for the first 1000 bytes of a chunk is well formed");
			packindex_add(&fidx, packs, np);
			rd = packreader_new(dmg_b, &fidx);
			is_int(packread_blob(rd, packs[0].e[0].id, &out, &len), VDS_ECORRUPT,
			       "but reading it is refused: %s", vds_errmsg());
			packreader_free(rd);
			packindex_packs_free(packs, np);
			packindex_release(&fidx);
		}
		free(d);
	}
	free(ix);
	packindex_release(&idx);
	free(dmg_orig);
	free(dmg_data[0]);
	free(dmg_data[1]);
	dmg_b->ops->close(dmg_b);
}

/* ---- threads ---- */

#define THREADS 4
#define PER_THREAD 24

static packer *thr_p;
static uint8_t *thr_data[THREADS * PER_THREAD];
static size_t thr_size[THREADS * PER_THREAD];
static unsigned char thr_sha[THREADS * PER_THREAD][32];
static int thr_errors;

static void *adder(void *arg)
{
	int t = (int)(intptr_t)arg;

	for (int i = 0; i < PER_THREAD; i++) {
		int k = t * PER_THREAD + i;
		bool stored;

		if (add(thr_p, thr_data[k], thr_size[k], thr_sha[k], &stored) < 0)
			__atomic_add_fetch(&thr_errors, 1, __ATOMIC_SEQ_CST);
	}
	return NULL;
}

static void test_threads(void)
{
	char dir[4200];
	vds_backend *b = new_store(dir);
	packindex idx, fresh;
	pthread_t th[THREADS];
	packer_stats st;
	packreader *rd;
	int bad = 0;

	for (int k = 0; k < THREADS * PER_THREAD; k++) {
		/* every third file is the same in each thread: added at once by all */
		uint64_t seed = k % 3 == 0 ? 9000 + (uint64_t)(k % PER_THREAD) : 1000 + (uint64_t)k;

		thr_size[k] = k % 5 == 0 ? 400000 : 1000 + (size_t)(seed % 60000);
		thr_data[k] = k % 2 ? random_bytes(seed, thr_size[k]) : text_bytes(seed, thr_size[k]);
	}
	packindex_init(&idx);
	thr_p = new_packer(b, &idx, 256u << 10);
	for (int t = 0; t < THREADS; t++)
		pthread_create(&th[t], NULL, adder, (void *)(intptr_t)t);
	for (int t = 0; t < THREADS; t++)
		pthread_join(th[t], NULL);
	is_int(thr_errors, 0, "%d threads added %d files each", THREADS, PER_THREAD);
	is_int(packer_flush(thr_p), 0, "flushed");
	packer_get_stats(thr_p, &st);
	packindex_init(&fresh);
	is_int(packindex_load(b, &fresh), 0, "the index loaded");
	is_int(fresh.n, st.blobs_stored, "one entry per blob stored (%llu): none stored twice",
	       (unsigned long long)st.blobs_stored);
	is_int(count_objects(b, "packs"), st.packs, "every pack written is in the store");
	rd = packreader_new(b, &fresh);
	for (int k = 0; k < THREADS * PER_THREAD; k++)
		if (!reads_back(rd, thr_sha[k], thr_data[k], thr_size[k]))
			bad++;
	is_int(bad, 0, "every file reads back");
	packreader_free(rd);
	packindex_release(&fresh);
	packer_free(thr_p);
	packindex_release(&idx);
	for (int k = 0; k < THREADS * PER_THREAD; k++)
		free(thr_data[k]);
	b->ops->close(b);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

int main(void)
{
	const char *tmp = getenv("VDS_TEST_TMP");

	if (!tmp || !*tmp)
		tmp = getenv("TMPDIR");
	snprintf(base, sizeof(base), "%s/test_packs.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (vds_mkdirs(tmp && *tmp ? tmp : "/tmp") < 0 || !mkdtemp(base)) {
		printf("Bail out! cannot create a temporary folder\n");
		return 1;
	}
	test_round_trips();
	test_dedup();
	test_targets_and_consolidation();
	test_segments();
	test_relist();
	test_damage();
	test_threads();
	nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return done();
}
