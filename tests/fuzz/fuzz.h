/*
 * fuzz.h - what the fuzz targets share: the libFuzzer entry point, copies
 * of the input that end exactly where it ends (so a read past the end is
 * caught), parts split at NUL bytes, and checks that abort when an
 * invariant of the code under test does not hold.
 */
#ifndef VDS_FUZZ_H
#define VDS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Runs the target on one input; libFuzzer's main or tests/fuzz/driver.c calls it. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts with the failed condition (libFuzzer keeps the input as a crash). */
#define FUZZ_CHECK(c)                                                                     \
	do {                                                                              \
		if (!(c)) {                                                               \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); \
			abort();                                                          \
		}                                                                         \
	} while (0)

/* A malloc'd copy of DATA of exactly SIZE bytes (no terminator). */
static inline char *fuzz_bytes(const uint8_t *data, size_t size)
{
	char *p = malloc(size ? size : 1);

	if (!p)
		abort();
	if (size)
		memcpy(p, data, size);
	return p;
}

/* A malloc'd NUL-terminated copy of DATA (as a string it ends at the first NUL). */
static inline char *fuzz_str(const uint8_t *data, size_t size)
{
	char *p = malloc(size + 1);

	if (!p)
		abort();
	if (size)
		memcpy(p, data, size);
	p[size] = '\0';
	return p;
}

/* One part of an input split at NUL bytes: points into the input. */
typedef struct fuzz_part {
	const uint8_t *data;
	size_t size;
} fuzz_part;

/* Splits DATA at NUL bytes into at most MAX parts (the last keeps any rest). */
static inline size_t fuzz_split(const uint8_t *data, size_t size, fuzz_part *parts, size_t max)
{
	size_t n = 0;

	while (n + 1 < max) {
		const uint8_t *nul = size ? memchr(data, '\0', size) : NULL;

		if (!nul)
			break;
		parts[n++] = (fuzz_part){data, (size_t)(nul - data)};
		size -= (size_t)(nul - data) + 1;
		data = nul + 1;
	}
	parts[n++] = (fuzz_part){data, size};
	return n;
}

#endif
