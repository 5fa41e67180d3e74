/*
 * recipe.c - recipes and segments of files of several chunks: written,
 * parsed as untrusted bytes, and searched by file offset (see recipe.h).
 */
#include "config.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "store/pack.h"
#include "store/recipe.h"

bool recipe_segment_ends(const unsigned char id[32], size_t count)
{
	return count >= RECIPE_SEG_MAX || ((id[0] | id[1] << 8) & (RECIPE_SEG_AVG - 1)) == 0;
}

/* Writes the head and the trailing checksum of a list of N items of ISIZE bytes. */
static unsigned char *list_new(const char *magic, size_t n, size_t isize, size_t *total)
{
	unsigned char *p;

	*total = RECIPE_HEAD + n * isize + 32;
	p = xmalloc(*total);
	memcpy(p, magic, 8);
	le32_put(p + 8, (uint32_t)n);
	le32_put(p + 12, 0);
	return p;
}

void recipe_encode_segment(const unsigned char (*ids)[32], const uint32_t *lens, size_t n,
			   char **out, size_t *len)
{
	unsigned char *p = list_new(SEGMENT_MAGIC, n, SEGMENT_ITEM, len), *at = p + RECIPE_HEAD;
	uint64_t size = 0;

	for (size_t i = 0; i < n; i++, at += SEGMENT_ITEM) {
		memcpy(at, ids[i], 32);
		le32_put(at + 32, lens[i]);
		size += lens[i];
	}
	le64_put(p + 16, size);
	EVP_Digest(p, *len - 32, at, NULL, EVP_sha256(), NULL);
	*out = (char *)p;
}

void recipe_encode(const unsigned char (*ids)[32], const uint64_t *lens, size_t n, char **out,
		   size_t *len)
{
	unsigned char *p = list_new(RECIPE_MAGIC, n, RECIPE_ITEM, len), *at = p + RECIPE_HEAD;
	uint64_t size = 0;

	for (size_t i = 0; i < n; i++, at += RECIPE_ITEM) {
		memcpy(at, ids[i], 32);
		le64_put(at + 32, lens[i]);
		size += lens[i];
	}
	le64_put(p + 16, size);
	EVP_Digest(p, *len - 32, at, NULL, EVP_sha256(), NULL);
	*out = (char *)p;
}

/* Parses a list of ISIZE-byte items under MAGIC, lengths at most MAX each. */
static int parse(const void *data, size_t len, recipe *r, const char *what, const char *magic,
		 size_t isize, uint64_t max_items, uint64_t max_len)
{
	const unsigned char *p = data, *at = p + RECIPE_HEAD;
	const char *kind = isize == RECIPE_ITEM ? "recipe" : "segment";
	unsigned char sha[32];
	uint64_t n, sum = 0;

	memset(r, 0, sizeof(*r));
	if (len < RECIPE_HEAD + 32 || memcmp(p, magic, 8) || le32_get(p + 12))
		return vds_err(VDS_ECORRUPT, "%s: not a %s", what, kind);
	n = le32_get(p + 8);
	if (n == 0 || n > max_items || len != RECIPE_HEAD + n * isize + 32)
		return vds_err(VDS_ECORRUPT, "%s: the %s's length is not its items'", what, kind);
	EVP_Digest(p, len - 32, sha, NULL, EVP_sha256(), NULL);
	if (memcmp(sha, p + len - 32, 32))
		return vds_err(VDS_ECORRUPT, "%s: the %s does not match its checksum", what, kind);
	r->n = (size_t)n;
	r->size = le64_get(p + 16);
	r->id = xmalloc(r->n * sizeof(*r->id));
	r->end = xmalloc(r->n * sizeof(*r->end));
	for (size_t i = 0; i < r->n; i++, at += isize) {
		uint64_t l = isize == RECIPE_ITEM ? le64_get(at + 32) : le32_get(at + 32);

		if (l == 0 || l > max_len || sum + l < sum) {
			recipe_release(r);
			return vds_err(VDS_ECORRUPT, "%s: item %zu of the %s has length %llu", what, i,
				       kind, (unsigned long long)l);
		}
		memcpy(r->id[i], at, 32);
		r->end[i] = sum += l;
	}
	if (sum != r->size) {
		recipe_release(r);
		return vds_err(VDS_ECORRUPT, "%s: the %s's items do not add up to its size", what,
			       kind);
	}
	return 0;
}

int recipe_parse(const void *data, size_t len, recipe *r, const char *what)
{
	return parse(data, len, r, what, RECIPE_MAGIC, RECIPE_ITEM,
		     (PACK_BLOB_MAX - RECIPE_HEAD - 32) / RECIPE_ITEM,
		     (uint64_t)RECIPE_SEG_MAX * PACK_BLOB_MAX);
}

int recipe_parse_segment(const void *data, size_t len, recipe *r, const char *what)
{
	return parse(data, len, r, what, SEGMENT_MAGIC, SEGMENT_ITEM, RECIPE_SEG_MAX,
		     PACK_BLOB_MAX);
}

size_t recipe_find(const recipe *r, uint64_t off)
{
	size_t lo = 0, hi = r->n - 1;

	while (lo < hi) { /* the first item ending after OFF */
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
