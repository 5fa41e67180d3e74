/*
 * test_chunker.c - content-defined chunking and the per-chunk compression
 * decision: the gear table as documented, parameters checked, boundaries
 * pinned and independent of buffer splits, sizes bounded, edits moving
 * only nearby boundaries; text compressed, random and compressed bytes
 * kept as they are, round trips exact, damaged chunks refused.
 */
#include "config.h"

#include "tap.h"

#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/chunker.h"
#include "store/compress.h"
#include "util.h"
#include "vds.h"

static const chunker_params defaults = CHUNKER_DEFAULTS;

/* splitmix64: the test's pseudo-random bytes, the same on every machine. */
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

/* The chunk ends of DATA cut in one go; *N their number. */
static uint64_t *split(const chunker_params *p, const uint8_t *data, size_t size, size_t *n)
{
	uint64_t *ends = NULL;

	if (chunker_split(p, data, size, &ends, n) < 0) {
		printf("# chunker_split: %s\n", vds_errmsg());
		exit(1);
	}
	return ends;
}

/* The chunk ends of DATA fed in pieces of sizes from NEXT_PIECE; *N their number. */
static uint64_t *split_fed(const chunker_params *p, const uint8_t *data, size_t size,
			   size_t (*next_piece)(uint64_t *), uint64_t seed, size_t *n)
{
	uint64_t *ends = xmalloc((size / p->min + 2) * sizeof(*ends)), at = 0, last;
	chunker c;

	*n = 0;
	if (chunker_init(&c, p) < 0)
		exit(1);
	while (at < size) {
		size_t piece = next_piece(&seed), done = 0;

		if (piece > size - at)
			piece = size - at;
		while (done < piece) { /* one piece may hold several boundaries */
			bool end;

			done += chunker_scan(&c, data + at + done, piece - done, &end);
			if (end)
				ends[(*n)++] = at + done;
		}
		at += piece;
	}
	last = chunker_finish(&c);
	if (last)
		ends[(*n)++] = at;
	return ends;
}

static size_t piece_1(uint64_t *s)
{
	(void)s;
	return 1;
}

static size_t piece_4096(uint64_t *s)
{
	(void)s;
	return 4096;
}

static size_t piece_random(uint64_t *s)
{
	return 1 + next_random(s) % 100000;
}

static size_t piece_tiny(uint64_t *s)
{
	return 1 + next_random(s) % 70;
}

static bool same_ends(const uint64_t *a, size_t na, const uint64_t *b, size_t nb)
{
	return na == nb && (!na || !memcmp(a, b, na * sizeof(*a)));
}

/* True if every chunk but the last is within P's bounds, the last at most max,
 * and the chunks cover exactly SIZE bytes. */
static bool bounded(const chunker_params *p, const uint64_t *ends, size_t n, size_t size)
{
	uint64_t start = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t len = ends[i] - start;

		if (ends[i] <= start || len > p->max || (i + 1 < n && len < p->min))
			return false;
		start = ends[i];
	}
	return start == size;
}

/* The number of chunks of B (NB ends) that are not in A (NA ends), once
 * INSERTED bytes (negative: deleted) at offset AT are accounted for. */
static size_t changed_chunks(const uint64_t *a, size_t na, const uint64_t *b, size_t nb,
			     uint64_t at, long long inserted)
{
	size_t changed = 0, j = 0;
	uint64_t start = 0;

	for (size_t i = 0; i < nb; i++) {
		uint64_t s = start, e = b[i];
		bool found = false;

		start = b[i];
		if (s >= at + (inserted > 0 ? (uint64_t)inserted : 0)) {
			s = (uint64_t)((long long)s - inserted);
			e = (uint64_t)((long long)e - inserted);
		} else if (e > at) {
			changed++; /* holds the edit */
			continue;
		}
		while (j < na && a[j] < e)
			j++;
		found = j < na && a[j] == e && (j ? a[j - 1] : 0) == s;
		changed += !found;
	}
	return changed;
}

static void test_gear_table(void)
{
	int bad = -1;

	for (int i = 0; i < 256 && bad < 0; i++) {
		unsigned char in = (unsigned char)i, md[32];
		unsigned int len = 0;
		uint64_t v = 0;

		EVP_Digest(&in, 1, md, &len, EVP_sha256(), NULL);
		for (int k = 0; k < 8; k++)
			v = v << 8 | md[k];
		if (v != chunker_gear[i])
			bad = i;
	}
	is_int(bad, -1, "gear[i] is the first 8 bytes of SHA-256 of the byte i, for all 256");
}

static void test_params(void)
{
	chunker c;
	const struct {
		chunker_params p;
		const char *msg;
	} bad[] = {
		/* clang-format off */
		{{16384, 65535, 262144},
		 "chunker: the normal size 65535 is not a power of two of at least 64"},
		{{16, 32, 64}, "chunker: the normal size 32 is not a power of two of at least 64"},
		{{0, 65536, 262144}, "chunker: the minimum size 0 is not between 1 and 65536"},
		{{65537, 65536, 262144},
		 "chunker: the minimum size 65537 is not between 1 and 65536"},
		{{16384, 65536, 65535},
		 "chunker: the maximum size 65535 is not between 65536 and 1073741824"},
		{{16384, 65536, (1u << 30) + 1},
		 "chunker: the maximum size 1073741825 is not between 65536 and 1073741824"},
		/* clang-format on */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		is_int(chunker_init(&c, &bad[i].p), VDS_EINVAL, "parameters %u/%u/%u refused",
		       bad[i].p.min, bad[i].p.avg, bad[i].p.max);
		is_str(vds_errmsg(), bad[i].msg, "... saying why");
	}
	is_int(chunker_init(&c, &defaults), 0, "the defaults are accepted");
	is_int(chunker_init(&c, &(chunker_params){1, 64, 64}), 0, "1/64/64 is accepted");
}

/* Boundaries of fixed pseudo-random input: a change to the gear table or
 * to the rule fails here (and would change every future store's chunks). */
static void test_pinned(void)
{
	/* clang-format off */
	static const uint64_t want_default[] = {
		42346, 113960, 180285, 263653, 330769, 372561, 448280, 534430,
		573843, 645232, 715040, 793099, 862571, 956560, 1033819, 1102338,
		1168835, 1264153, 1333593, 1406298, 1515580, 1536841, 1604793, 1676183,
		1780456, 1870193, 1942815, 2039752, 2131831, 2205552, 2260721, 2333209,
		2400270, 2479122, 2586849, 2695981, 2764822, 2844472, 2896138, 2992311,
		3067296, 3136144, 3212940, 3310872, 3372712, 3438800, 3505954, 3588739,
		3659329, 3729541, 3812321, 3851581, 3891444, 3943134, 4006311, 4042441,
		4117381, 4194304,
	};
	static const uint64_t want_small[] = {
		368, 525, 841, 1110, 1485, 1783, 2066, 2358,
		2662, 3050, 3412, 3858, 4217, 4580, 4840, 5133,
		5395, 5802, 6138, 6405, 6814, 6982, 7279, 7546,
		7825, 8097, 8363, 8509, 8930, 9209, 9371, 9730,
		9839, 10100, 10635, 10805, 11018, 11317, 11577, 11862,
		12024, 12218, 12624, 12883, 13193, 13544, 13825, 14145,
		14406, 14823, 15200, 15287, 15581, 15888, 16177, 16384,
	};
	/* clang-format on */
	const chunker_params small = {64, 256, 1024};
	size_t n, size = 4 << 20;
	uint8_t *data = random_bytes(19, size);
	uint64_t *ends = split(&defaults, data, size, &n);
	size_t nw = sizeof(want_default) / sizeof(want_default[0]);

	ok(same_ends(ends, n, want_default, nw),
	   "4 MiB of splitmix64(19): %zu pinned boundaries (defaults)", nw);
	if (!same_ends(ends, n, want_default, nw) && n)
		printf("#   got %zu chunks, the first ending at %llu\n", n,
		       (unsigned long long)ends[0]);
	free(ends);
	ends = split(&small, data, 16384, &n);
	nw = sizeof(want_small) / sizeof(want_small[0]);
	ok(same_ends(ends, n, want_small, nw), "16 KiB of it: %zu pinned boundaries (64/256/1024)",
	   nw);
	free(ends);
	free(data);
}

static void test_split_independence(void)
{
	const chunker_params small = {64, 256, 1024};
	size_t size = 4 << 20, n, m;
	uint8_t *data = random_bytes(7, size);
	uint64_t *whole = split(&defaults, data, size, &n), *fed;

	fed = split_fed(&defaults, data, size, piece_1, 1, &m);
	ok(same_ends(whole, n, fed, m), "byte by byte: the same %zu boundaries", n);
	free(fed);
	fed = split_fed(&defaults, data, size, piece_4096, 1, &m);
	ok(same_ends(whole, n, fed, m), "in 4 KiB buffers: the same boundaries");
	free(fed);
	fed = split_fed(&defaults, data, size, piece_random, 2, &m);
	ok(same_ends(whole, n, fed, m), "in buffers of 1 to 100000 bytes: the same boundaries");
	free(fed);
	free(whole);
	whole = split(&small, data, 1 << 20, &n);
	fed = split_fed(&small, data, 1 << 20, piece_tiny, 3, &m);
	ok(same_ends(whole, n, fed, m), "small chunks in buffers of 1 to 70 bytes: the same %zu",
	   n);
	free(fed);
	free(whole);
	free(data);
}

static void test_bounds(void)
{
	const chunker_params small = {64, 256, 1024}, tight = {1, 64, 64}, flat = {300, 512, 512};
	size_t size = 16 << 20, n;
	uint8_t *data = random_bytes(11, size), *zeros = xcalloc(1, 1 << 20);
	uint64_t *ends = split(&defaults, data, size, &n);

	ok(bounded(&defaults, ends, n, size),
	   "16 MiB: %zu chunks, each within 16-256 KiB, all covered", n);
	ok(size / n >= 60000 && size / n <= 90000, "average chunk %zu bytes (about 72 KiB)",
	   size / n);
	free(ends);
	ends = split(&small, data, size, &n);
	ok(bounded(&small, ends, n, size), "64/256/1024: %zu chunks within bounds", n);
	free(ends);
	ends = split(&tight, data, 1 << 20, &n);
	ok(bounded(&tight, ends, n, 1 << 20), "1/64/64: %zu chunks within bounds", n);
	free(ends);
	ends = split(&flat, data, 1 << 20, &n);
	ok(bounded(&flat, ends, n, 1 << 20), "300/512/512: %zu chunks within bounds", n);
	free(ends);

	ends = split(&defaults, zeros, 1 << 20, &n);
	ok(n == 4 && ends[0] == 262144 && ends[3] == 1 << 20,
	   "1 MiB of zeros: 4 chunks of the maximum");
	free(ends);
	ends = split(&defaults, data, 16383, &n);
	ok(n == 1 && ends[0] == 16383, "16383 bytes (below the minimum): one chunk");
	free(ends);
	ends = split(&defaults, data, 16384, &n);
	ok(n == 1 && ends[0] == 16384, "16384 bytes (the minimum): one chunk");
	free(ends);
	ends = split(&defaults, data, 1, &n);
	ok(n == 1 && ends[0] == 1, "1 byte: one chunk");
	free(ends);
	ends = split(&defaults, data, 0, &n);
	ok(n == 0 && !ends, "no bytes: no chunk");
	free(ends);
	free(zeros);
	free(data);
}

/* Inserts or deletes a few bytes in the middle of 16 MiB: only the chunks
 * around the edit change. */
static void test_edits(void)
{
	size_t size = 16 << 20, n, m, at = size / 2 + 12345;
	uint8_t *data = random_bytes(23, size), *edited = xmalloc(size + 16);
	uint64_t *before = split(&defaults, data, size, &n), *after;
	size_t changed;

	memcpy(edited, data, at);
	memcpy(edited + at, "hello", 5);
	memcpy(edited + at + 5, data + at, size - at);
	after = split(&defaults, edited, size + 5, &m);
	changed = changed_chunks(before, n, after, m, at, 5);
	ok(changed >= 1 && changed <= 2, "5 bytes inserted: %zu of %zu chunks differ", changed, m);
	free(after);

	memcpy(edited, data, at);
	memcpy(edited + at, data + at + 7, size - at - 7);
	after = split(&defaults, edited, size - 7, &m);
	changed = changed_chunks(before, n, after, m, at, -7);
	ok(changed >= 1 && changed <= 2, "7 bytes deleted: %zu of %zu chunks differ", changed, m);
	free(after);

	memcpy(edited, data, size);
	edited[at] ^= 0x20;
	after = split(&defaults, edited, size, &m);
	changed = changed_chunks(before, n, after, m, at, 0);
	ok(changed >= 1 && changed <= 2, "1 byte changed: %zu of %zu chunks differ", changed, m);
	free(after);

	memcpy(edited, "prefix", 6);
	memcpy(edited + 6, data, size);
	after = split(&defaults, edited, size + 6, &m);
	changed = changed_chunks(before, n, after, m, 0, 6);
	ok(changed >= 1 && changed <= 2, "6 bytes put in front: %zu of %zu chunks differ", changed,
	   m);
	free(after);
	free(before);
	free(edited);
	free(data);
}

/* SIZE bytes of CSV-like text. */
static char *csv_text(size_t size)
{
	char *t = xmalloc(size + 128);
	size_t len = 0;
	uint64_t s = 5;

	len += (size_t)sprintf(t, "id,station,temperature,humidity,observed\n");
	for (int row = 1; len < size; row++)
		len += (size_t)sprintf(
		    t + len, "%d,station-%02d,%.2f,%u,2026-12-%02dT%02d:%02d:00Z\n", row,
		    (int)(next_random(&s) % 40), (double)(next_random(&s) % 4000) / 100 - 10,
		    (unsigned)(next_random(&s) % 100), 1 + row % 28, row % 24, row % 60);
	return t;
}

static void test_compress(void)
{
	compress_ctx *z = compress_new(COMPRESS_LEVEL);
	size_t size = 65536, out_size;
	char *text = csv_text(size);
	uint8_t *rnd = random_bytes(31, size), *back = xmalloc(size + 1), *copy, *jpeg;
	const void *out;
	bool c;

	c = compress_chunk(z, text, size, &out, &out_size);
	ok(c && out_size < size / 2, "64 KiB of CSV compressed to %zu bytes", out_size);
	ok(decompress_chunk(z, out, out_size, back, size, "csv") == 0 && !memcmp(back, text, size),
	   "... and back exactly");
	copy = xmalloc(out_size + 8);
	memcpy(copy, out, out_size);

	c = compress_chunk(z, rnd, size, &out, &out_size);
	ok(!c && out == rnd && out_size == size, "64 KiB of random bytes kept as they are");

	/* a JPEG's header, then entropy-coded (here random) bytes */
	jpeg = random_bytes(37, size);
	memcpy(jpeg, "\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00", 20);
	c = compress_chunk(z, jpeg, size, &out, &out_size);
	ok(!c && out == jpeg, "JPEG-like bytes kept as they are");
	free(jpeg);

	c = compress_chunk(z, copy, out_size, &out, &out_size);
	ok(!c, "zstd output compressed again: kept as it is");
	c = compress_chunk(z, text, 1000, &out, &out_size);
	ok(c && out_size < 1000 * 15 / 16, "1000 bytes of text (no probe): compressed to %zu",
	   out_size);
	ok(decompress_chunk(z, out, out_size, back, 1000, "short") == 0 &&
	       !memcmp(back, text, 1000),
	   "... and back exactly");
	c = compress_chunk(z, text, 31, &out, &out_size);
	ok(!c && out_size == 31, "31 bytes: too short to try");
	c = compress_chunk(z, rnd, 0, &out, &out_size);
	ok(!c && out_size == 0, "no bytes: kept as they are");

	/* damaged chunks: the compressed CSV of copy[], out_size of the first call */
	c = compress_chunk(z, text, size, &out, &out_size);
	memcpy(copy, out, out_size);
	copy[out_size / 2] ^= 0x10;
	ok(decompress_chunk(z, copy, out_size, back, size, "c1") == VDS_ECORRUPT &&
	       !strncmp(vds_errmsg(), "chunk 'c1': damaged zstd data (", 31),
	   "a flipped bit refused: %s", vds_errmsg());
	copy[out_size / 2] ^= 0x10;
	is_int(decompress_chunk(z, copy, out_size - 1, back, size, "c2"), VDS_ECORRUPT,
	       "one byte short: refused");
	is_str(vds_errmsg(), "chunk 'c2': a truncated zstd frame", "... saying so");
	copy[out_size] = 0;
	is_int(decompress_chunk(z, copy, out_size + 1, back, size, "c3"), VDS_ECORRUPT,
	       "one byte more: refused");
	is_str(vds_errmsg(), "chunk 'c3': bytes after its zstd frame", "... saying so");
	is_int(decompress_chunk(z, copy, out_size, back, size - 1, "c4"), VDS_ECORRUPT,
	       "another expected length: refused");
	is_str(vds_errmsg(), "chunk 'c4': holds 65536 bytes, expected 65535", "... saying so");
	is_int(decompress_chunk(z, rnd, 4096, back, size, "c5"), VDS_ECORRUPT,
	       "random bytes: refused");
	is_str(vds_errmsg(), "chunk 'c5': not a zstd frame", "... saying so");
	is_int(decompress_chunk(z, copy, 3, back, size, "c6"), VDS_ECORRUPT, "3 bytes: refused");
	copy[4] &= (uint8_t)~0x04; /* the frame header's checksum flag */
	is_int(decompress_chunk(z, copy, out_size, back, size, "c7"), VDS_ECORRUPT,
	       "a frame without its checksum: refused");
	is_str(vds_errmsg(), "chunk 'c7': its zstd frame lacks its checksum", "... saying so");
	is_int(decompress_chunk(z, NULL, 0, back, size, "c8"), VDS_ECORRUPT, "nothing: refused");

	free(copy);
	free(back);
	free(rnd);
	free(text);
	compress_free(z);
}

int main(void)
{
	test_gear_table();
	test_params();
	test_pinned();
	test_split_independence();
	test_bounds();
	test_edits();
	test_compress();
	return done();
}
