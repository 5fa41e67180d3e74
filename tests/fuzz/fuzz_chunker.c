/*
 * fuzz_chunker.c - content-defined chunking and the per-chunk compression
 * (src/store/chunker.c, src/store/compress.c). Checks that the chunks
 * cover every byte once, that each but the last is within the bounds,
 * that feeding the bytes in pieces gives the same boundaries as one call,
 * that every chunk compressed comes back exactly, and that any bytes given
 * as a compressed chunk are either refused or expand to the length asked.
 *
 * Input: 6 bytes of parameters, then the bytes to cut. Normal size: 64 <<
 * (byte 0 % 6); minimum: 1 + (bytes 1-2, little-endian) % normal; maximum:
 * normal + (byte 3 * 67) % (3 * normal + 1); byte 4 seeds the sizes of the
 * pieces fed; byte 5 picks the length asked of the bytes as a compressed
 * chunk (0: the length their zstd frame header says, when it says one).
 */
#include "config.h"

#include <zstd.h>

#include "fuzz.h"
#include "store/chunker.h"
#include "store/compress.h"
#include "util.h"
#include "vds.h"

static compress_ctx *z;

/* xorshift64: the sizes of the pieces, from the input's seed byte. */
static uint64_t next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Checks that ENDS cut SIZE bytes into chunks within P's bounds. */
static void check_bounds(const chunker_params *p, const uint64_t *ends, size_t n, size_t size)
{
	uint64_t start = 0;

	FUZZ_CHECK((n == 0) == (size == 0));
	for (size_t i = 0; i < n; i++) {
		FUZZ_CHECK(ends[i] > start && ends[i] - start <= p->max);
		FUZZ_CHECK(i + 1 == n || ends[i] - start >= p->min);
		start = ends[i];
	}
	FUZZ_CHECK(start == size);
	FUZZ_CHECK(size >= p->min || n <= 1); /* below the minimum: one chunk */
}

/* Feeds DATA in pieces of 1 to 4 * max bytes and checks the boundaries against ENDS. */
static void check_pieces(const chunker_params *p, const uint8_t *data, size_t size, uint64_t seed,
			 const uint64_t *ends, size_t n)
{
	chunker c;
	size_t at = 0, k = 0;
	uint64_t last;

	FUZZ_CHECK(chunker_init(&c, p) == 0);
	while (at < size) {
		size_t piece = 1 + next(&seed) % (4 * (uint64_t)p->max), done = 0;

		if (piece > size - at)
			piece = size - at;
		while (done < piece) {
			bool end;
			size_t used = chunker_scan(&c, data + at + done, piece - done, &end);

			FUZZ_CHECK(used >= 1 && used <= piece - done);
			done += used;
			if (end) {
				FUZZ_CHECK(k < n && ends[k] == at + done);
				k++;
			} else {
				FUZZ_CHECK(done == piece);
			}
		}
		at += piece;
	}
	last = chunker_finish(&c);
	if (last) {
		FUZZ_CHECK(k + 1 == n && ends[k] == at && ends[k] - (k ? ends[k - 1] : 0) == last);
		k++;
	}
	FUZZ_CHECK(k == n);
}

/* Compresses each chunk and checks that it comes back exactly. */
static void check_roundtrips(const uint8_t *data, const uint64_t *ends, size_t n)
{
	uint64_t start = 0;

	for (size_t i = 0; i < n; start = ends[i++]) {
		size_t len = ends[i] - start, out_size;
		const void *out;
		uint8_t *back;

		if (!compress_chunk(z, data + start, len, &out, &out_size)) {
			FUZZ_CHECK(out == data + start && out_size == len);
			continue;
		}
		FUZZ_CHECK(out_size <= len - len / COMPRESS_MIN_SAVING);
		back = xmalloc(len);
		FUZZ_CHECK(decompress_chunk(z, out, out_size, back, len, "fuzz") == 0);
		FUZZ_CHECK(!memcmp(back, data + start, len));
		free(back);
	}
}

/* Gives the bytes to decompress_chunk as a compressed chunk. */
static void check_hostile(const uint8_t *data, size_t size, uint8_t pick)
{
	unsigned long long said = ZSTD_getFrameContentSize(data, size);
	size_t expect = pick ? (size_t)pick * 37 : said <= (1 << 20) ? (size_t)said : 100;
	uint8_t *out = xmalloc(expect ? expect : 1);
	int r = decompress_chunk(z, data, size, out, expect, "fuzz");

	FUZZ_CHECK(r == 0 || r == VDS_ECORRUPT);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	chunker_params p;
	const chunker_params defaults = CHUNKER_DEFAULTS;
	uint8_t *bytes;
	uint64_t *ends;
	size_t n;

	if (size < 6)
		return 0;
	if (!z)
		z = compress_new(COMPRESS_LEVEL);
	p.avg = 64u << (data[0] % 6);
	p.min = 1 + (uint32_t)(data[1] | data[2] << 8) % p.avg;
	p.max = p.avg + (uint32_t)(data[3] * 67) % (3 * p.avg + 1);
	bytes = (uint8_t *)fuzz_bytes(data + 6, size - 6);
	size -= 6;

	FUZZ_CHECK(chunker_split(&p, bytes, size, &ends, &n) == 0);
	check_bounds(&p, ends, n, size);
	check_pieces(&p, bytes, size, 0x9e3779b97f4a7c15ULL ^ data[4], ends, n);
	check_roundtrips(bytes, ends, n);
	free(ends);

	FUZZ_CHECK(chunker_split(&defaults, bytes, size, &ends, &n) == 0);
	check_bounds(&defaults, ends, n, size);
	free(ends);

	check_hostile(bytes, size, data[5]);
	free(bytes);
	return 0;
}
