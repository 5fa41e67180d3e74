/*
 * chunkbench.c - the speed of content-defined chunking, SHA-256 and the
 * per-chunk zstd decision, on bytes made in memory, in one thread (run by
 * bench/chunk.sh; built with "make bench/chunkbench").
 *
 *   bench/chunkbench [--size-mb N] [--text-mb N] [--runs N]
 *
 * Pseudo-random bytes (AES-128-CTR output, SIZE MiB, default 1024) are cut
 * by the chunker with the default sizes; each step is timed RUNS times
 * (default 3) and the best run is printed, as GB/s (10^9 bytes) of wall
 * time and of the thread's CPU time (what one core does when it is not
 * shared): the chunker alone, SHA-256 alone (OpenSSL's EVP, one pass over
 * all bytes), and the chunker with SHA-256 of each chunk. Then the zstd
 * decision (compress_chunk) on the random bytes' chunks and on TEXT MiB
 * (default 256) of CSV and of JSON lines, chunked the same way, with the
 * ratio (bytes stored / bytes given); and the expansion of the CSV's
 * compressed chunks.
 */
#include "config.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/chunker.h"
#include "store/compress.h"
#include "util.h"
#include "vds.h"

typedef struct timing {
	double wall, cpu;
} timing;

static timing now(void)
{
	struct timespec w, c;

	clock_gettime(CLOCK_MONOTONIC, &w);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c);
	return (timing){w.tv_sec + w.tv_nsec / 1e9, c.tv_sec + c.tv_nsec / 1e9};
}

/* The chunk ends of DATA, with the default sizes; *N their number. */
static uint64_t *cut(const uint8_t *data, size_t size, size_t *n)
{
	const chunker_params p = CHUNKER_DEFAULTS;
	uint64_t *ends;

	if (chunker_split(&p, data, size, &ends, n) < 0) {
		fprintf(stderr, "chunkbench: %s\n", vds_errmsg());
		exit(1);
	}
	return ends;
}

/* The chunker alone, streamed as a put would: returns the chunks. */
static size_t run_chunker(const uint8_t *data, size_t size, int hash)
{
	const chunker_params p = CHUNKER_DEFAULTS;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char digest[EVP_MAX_MD_SIZE];
	size_t at = 0, n = 0, start = 0;
	chunker c;

	chunker_init(&c, &p);
	while (at < size) {
		bool end;
		size_t used = chunker_scan(&c, data + at, size - at, &end);

		at += used;
		if (!end && at < size)
			continue;
		if (!end)
			chunker_finish(&c);
		if (hash) {
			EVP_DigestInit_ex(md, EVP_sha256(), NULL);
			EVP_DigestUpdate(md, data + start, at - start);
			EVP_DigestFinal_ex(md, digest, NULL);
		}
		start = at;
		n++;
	}
	EVP_MD_CTX_free(md);
	return n;
}

static void run_sha256(const uint8_t *data, size_t size)
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int len;

	EVP_Digest(data, size, digest, &len, EVP_sha256(), NULL);
}

/* The zstd decision over the chunks ENDS of DATA: bytes stored, chunks compressed. */
static size_t run_decide(compress_ctx *z, const uint8_t *data, const uint64_t *ends, size_t n,
			 size_t *compressed)
{
	size_t stored = 0, start = 0;

	*compressed = 0;
	for (size_t i = 0; i < n; start = ends[i++]) {
		const void *out;
		size_t out_size;

		*compressed += compress_chunk(z, data + start, ends[i] - start, &out, &out_size);
		stored += out_size;
	}
	return stored;
}

/* SIZE bytes of CSV (JSON 0) or JSON lines (JSON 1) from a fixed seed. */
static uint8_t *make_text(size_t size, int json)
{
	char *t = xmalloc(size + 256);
	size_t len = 0;
	uint64_t s = 0x2545f4914f6cdd1dULL;

	if (!json)
		len += (size_t)sprintf(t, "id,station,temperature,humidity,observed\n");
	for (unsigned row = 1; len < size; row++) {
		unsigned a, b, c;

		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		a = (unsigned)(s % 40);
		b = (unsigned)(s >> 8) % 4000;
		c = (unsigned)(s >> 24) % 100;
		if (json)
			len += (size_t)sprintf(
			    t + len,
			    "{\"id\": %u, \"station\": \"station-%02u\", \"temperature\": "
			    "%.2f, \"humidity\": %u, \"observed\": "
			    "\"2026-12-%02uT%02u:%02u:00Z\"}\n",
			    row, a, b / 100.0 - 10, c, 1 + row % 28, row / 60 % 24, row % 60);
		else
			len += (size_t)sprintf(
			    t + len, "%u,station-%02u,%.2f,%u,2026-12-%02uT%02u:%02u:00Z\n", row, a,
			    b / 100.0 - 10, c, 1 + row % 28, row / 60 % 24, row % 60);
	}
	return (uint8_t *)t;
}

static void line(const char *what, size_t bytes, timing t, const char *note)
{
	printf("%-34s %9.2f %9.2f   %s\n", what, bytes / t.wall / 1e9, bytes / t.cpu / 1e9, note);
}

/* Best of RUNS: the shortest wall and the shortest CPU time. */
#define BEST(runs, best, stmt)                                                                     \
	do {                                                                                       \
		best = (timing){1e30, 1e30};                                                       \
		for (int r_ = 0; r_ < (runs); r_++) {                                              \
			timing t0_ = now(), t1_;                                                   \
			stmt;                                                                      \
			t1_ = now();                                                               \
			if (t1_.wall - t0_.wall < best.wall)                                       \
				best.wall = t1_.wall - t0_.wall;                                   \
			if (t1_.cpu - t0_.cpu < best.cpu)                                          \
				best.cpu = t1_.cpu - t0_.cpu;                                      \
		}                                                                                  \
	} while (0)

int main(int argc, char **argv)
{
	size_t size_mb = 1024, text_mb = 256, size, n, nt, stored, compressed;
	int runs = 3;
	uint8_t *data, *text[2], *back;
	uint64_t *ends, *tends[2];
	EVP_CIPHER_CTX *aes = EVP_CIPHER_CTX_new();
	static const unsigned char key[16] = "vds chunk bench", iv[16] = {0};
	compress_ctx *z = compress_new(COMPRESS_LEVEL);
	char note[160];
	timing t;
	int outl;

	for (int i = 1; i < argc; i++) {
		if (i + 1 < argc && !strcmp(argv[i], "--size-mb"))
			size_mb = strtoul(argv[++i], NULL, 10);
		else if (i + 1 < argc && !strcmp(argv[i], "--text-mb"))
			text_mb = strtoul(argv[++i], NULL, 10);
		else if (i + 1 < argc && !strcmp(argv[i], "--runs"))
			runs = atoi(argv[++i]);
		else {
			fprintf(stderr,
				"usage: chunkbench [--size-mb N] [--text-mb N] [--runs N]\n");
			return 2;
		}
	}
	if (!size_mb || !text_mb || runs < 1) {
		fprintf(stderr, "chunkbench: sizes and runs must be at least 1\n");
		return 2;
	}
	size = size_mb << 20;
	data = xcalloc(1, size);
	EVP_EncryptInit_ex(aes, EVP_aes_128_ctr(), NULL, key, iv);
	EVP_EncryptUpdate(aes, data, &outl, data, (int)size);
	EVP_CIPHER_CTX_free(aes);

	printf(
	    "%zu MiB of pseudo-random bytes, %zu MiB of each text; best of %d runs, one thread\n",
	    size_mb, text_mb, runs);
	printf("%-34s %9s %9s\n", "", "wall GB/s", "CPU GB/s");
	BEST(runs, t, n = run_chunker(data, size, 0));
	snprintf(note, sizeof(note), "%zu chunks, %.1f KiB on average", n, (double)size / n / 1024);
	line("chunking alone", size, t, note);
	BEST(runs, t, run_sha256(data, size));
	line("SHA-256 alone", size, t, OpenSSL_version(OPENSSL_VERSION));
	BEST(runs, t, n = run_chunker(data, size, 1));
	snprintf(note, sizeof(note), "target >= 1 GB/s of CPU: %s",
		 size / t.cpu / 1e9 >= 1 ? "met" : "MISSED");
	line("chunking + SHA-256 of each chunk", size, t, note);

	ends = cut(data, size, &n);
	BEST(runs, t, stored = run_decide(z, data, ends, n, &compressed));
	snprintf(note, sizeof(note), "%zu of %zu chunks compressed, ratio %.3f", compressed, n,
		 (double)stored / size);
	line("zstd decision, random bytes", size, t, note);
	free(ends);
	free(data);

	for (int json = 0; json < 2; json++) {
		size = text_mb << 20;
		text[json] = make_text(size, json);
		tends[json] = cut(text[json], size, &nt);
		BEST(runs, t, stored = run_decide(z, text[json], tends[json], nt, &compressed));
		snprintf(note, sizeof(note), "%zu of %zu chunks compressed, ratio %.3f", compressed,
			 nt, (double)stored / size);
		line(json ? "zstd decision, JSON lines" : "zstd decision, CSV", size, t, note);
		if (json)
			break;
		/* expanding the CSV's chunks again, each checked */
		{
			compress_ctx *zd = compress_new(COMPRESS_LEVEL);
			size_t start = 0, bad = 0;
			void **packed = xcalloc(nt, sizeof(*packed));
			size_t *psize = xcalloc(nt, sizeof(*psize));

			back = xmalloc(CHUNKER_MAX);
			for (size_t i = 0; i < nt; start = tends[0][i++]) {
				const void *out;

				compress_chunk(z, text[0] + start, tends[0][i] - start, &out,
					       &psize[i]);
				packed[i] = xmalloc(psize[i]);
				memcpy(packed[i], out, psize[i]);
			}
			BEST(runs, t, {
				start = 0;
				for (size_t i = 0; i < nt; start = tends[0][i++])
					bad += decompress_chunk(zd, packed[i], psize[i], back,
								tends[0][i] - start, "csv") != 0;
			});
			snprintf(note, sizeof(note), "%zu chunks, %zu refused", nt, bad);
			line("zstd expansion, CSV", size, t, note);
			for (size_t i = 0; i < nt; i++)
				free(packed[i]);
			free(packed);
			free(psize);
			free(back);
			compress_free(zd);
		}
	}
	for (int json = 0; json < 2; json++) {
		free(text[json]);
		free(tends[json]);
	}
	compress_free(z);
	return 0;
}
