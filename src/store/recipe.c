/*
 * recipe.c - recipes of files of several chunks: written, parsed as
 * untrusted bytes, and searched by file offset (see recipe.h).
 */
#include "config.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "store/pack.h"
#include "store/recipe.h"

size_t recipe_max_chunks(void)
{
	return (PACK_BLOB_MAX - RECIPE_HEAD - 32) / RECIPE_ITEM;
}

void recipe_encode(const unsigned char (*ids)[32], const uint32_t *lens, size_t n, char **out,
		   size_t *len)
{
	size_t total = RECIPE_HEAD + n * RECIPE_ITEM + 32;
	unsigned char *p = xmalloc(total), *at = p + RECIPE_HEAD;
	uint64_t size = 0;

	memcpy(p, RECIPE_MAGIC, 8);
	le32_put(p + 8, (uint32_t)n);
	le32_put(p + 12, 0);
	for (size_t i = 0; i < n; i++, at += RECIPE_ITEM) {
		memcpy(at, ids[i], 32);
		le32_put(at + 32, lens[i]);
		size += lens[i];
	}
	le64_put(p + 16, size);
	EVP_Digest(p, total - 32, at, NULL, EVP_sha256(), NULL);
	*out = (char *)p;
	*len = total;
}

int recipe_parse(const void *data, size_t len, recipe *r, const char *what)
{
	const unsigned char *p = data, *at = p + RECIPE_HEAD;
	unsigned char sha[32];
	uint64_t n, sum = 0;

	memset(r, 0, sizeof(*r));
	if (len < RECIPE_HEAD + 32 || memcmp(p, RECIPE_MAGIC, 8) || le32_get(p + 12))
		return vds_err(VDS_ECORRUPT, "%s: not a recipe", what);
	n = le32_get(p + 8);
	if (n == 0 || n > recipe_max_chunks() || len != RECIPE_HEAD + n * RECIPE_ITEM + 32)
		return vds_err(VDS_ECORRUPT, "%s: the recipe's length is not its chunks'", what);
	EVP_Digest(p, len - 32, sha, NULL, EVP_sha256(), NULL);
	if (memcmp(sha, p + len - 32, 32))
		return vds_err(VDS_ECORRUPT, "%s: the recipe does not match its checksum", what);
	r->n = (size_t)n;
	r->size = le64_get(p + 16);
	r->id = xmalloc(r->n * sizeof(*r->id));
	r->end = xmalloc(r->n * sizeof(*r->end));
	for (size_t i = 0; i < r->n; i++, at += RECIPE_ITEM) {
		uint32_t l = le32_get(at + 32);

		if (l == 0 || l > PACK_BLOB_MAX) {
			recipe_release(r);
			return vds_err(VDS_ECORRUPT, "%s: chunk %zu of the recipe has length %u", what,
				       i, l);
		}
		memcpy(r->id[i], at, 32);
		r->end[i] = sum += l;
	}
	if (sum != r->size) {
		recipe_release(r);
		return vds_err(VDS_ECORRUPT, "%s: the recipe's chunks do not add up to its size",
			       what);
	}
	return 0;
}

size_t recipe_find(const recipe *r, uint64_t off)
{
	size_t lo = 0, hi = r->n - 1;

	while (lo < hi) { /* the first chunk ending after OFF */
		size_t mid = lo + (hi - lo) / 2;

		if (r->end[mid] > off)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

void recipe_release(recipe *r)
{
	free(r->id);
	free(r->end);
	memset(r, 0, sizeof(*r));
}
