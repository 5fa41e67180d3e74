/*
 * fuzz_packs.c - the parsers of content packs (src/store/pack.c,
 * packindex.c, recipe.c): the input given as a pack's end (its trailer and
 * footer, the whole input and its last half), as an index object, as a
 * recipe and as a segment of one. Each must refuse it with VDS_ECORRUPT or
 * accept it; what is accepted must hold the invariants readers rely on
 * (blobs inside the pack, one after the other, lengths bounded, a recipe's
 * or segment's items adding up to its size), and an index object accepted
 * must encode back to exactly its bytes.
 *
 * Input: a byte whose low bit asks for the checksums to be made right
 * first (random bytes never get past them otherwise), then the bytes.
 */
#include "config.h"

#include <openssl/evp.h>
#include <stdbool.h>

#include "fuzz.h"
#include "store/pack.h"
#include "store/packindex.h"
#include "store/recipe.h"
#include "util.h"
#include "vds.h"

/* Checks the entries of a blob area of DATA_LEN bytes. */
static void check_entries(const pack_entry *e, size_t n, uint64_t data_len)
{
	for (size_t i = 0; i < n; i++) {
		FUZZ_CHECK(e[i].type >= PACK_CHUNK && e[i].type <= PACK_SEGMENT);
		FUZZ_CHECK(e[i].raw <= PACK_BLOB_MAX && e[i].stored <= PACK_BLOB_MAX);
		FUZZ_CHECK((uint64_t)e[i].off + e[i].stored <= data_len);
		FUZZ_CHECK(e[i].compressed ? e[i].stored < e[i].raw : e[i].stored == e[i].raw);
	}
}

/* The input as the last TAIL_LEN bytes of a pack of PACK_SIZE bytes. */
static void check_tail(const uint8_t *tail, size_t tail_len, uint64_t pack_size)
{
	pack_entry *e;
	size_t n, need = 0;
	uint64_t at = 0;
	int r = pack_parse_tail(tail, tail_len, pack_size, "fuzz", &e, &n, &need);

	FUZZ_CHECK(r == 0 || r == 1 || r == VDS_ECORRUPT);
	if (r == 1)
		FUZZ_CHECK(need > tail_len && need <= pack_size);
	if (r != 0)
		return;
	check_entries(e, n, pack_size);
	for (size_t i = 0; i < n; i++) {
		FUZZ_CHECK(e[i].off == at);
		at += e[i].stored;
	}
	FUZZ_CHECK(at + n * PACK_ENTRY_SIZE + PACK_FOOTER_SIZE == pack_size);
	free(e);
}

static void check_index(const uint8_t *data, size_t size)
{
	packindex_pack *packs;
	packindex x;
	size_t np, len;
	char *again;
	int r = packindex_decode("fuzz", data, size, &packs, &np);

	FUZZ_CHECK(r == 0 || r == VDS_ECORRUPT);
	if (r != 0)
		return;
	for (size_t i = 0; i < np; i++)
		check_entries(packs[i].e, packs[i].n, packs[i].size);
	packindex_encode(packs, np, &again, &len);
	FUZZ_CHECK(len == size && !memcmp(again, data, size));
	free(again);
	packindex_init(&x);
	packindex_add(&x, packs, np);
	for (size_t i = 0; i < np; i++)
		for (size_t k = 0; k < packs[i].n; k++)
			FUZZ_CHECK(packindex_find(&x, packs[i].e[k].id) != NULL);
	for (size_t i = 1; i < x.n; i++)
		FUZZ_CHECK(memcmp(x.e[i - 1].id, x.e[i].id, 32) < 0);
	packindex_release(&x);
	packindex_packs_free(packs, np);
}

static void check_recipe(const uint8_t *data, size_t size, bool segment)
{
	recipe rc;
	int r = segment ? recipe_parse_segment(data, size, &rc, "fuzz")
			: recipe_parse(data, size, &rc, "fuzz");

	FUZZ_CHECK(r == 0 || r == VDS_ECORRUPT);
	if (r != 0)
		return;
	FUZZ_CHECK(rc.n >= 1 && rc.end[rc.n - 1] == rc.size);
	for (size_t i = 0; i < rc.n; i++) {
		FUZZ_CHECK(rc.end[i] > (i ? rc.end[i - 1] : 0));
		FUZZ_CHECK(recipe_find(&rc, rc.end[i] - 1) == i);
	}
	recipe_release(&rc);
}

/*
 * Makes the checksums of BYTES right (SIZE bytes): the trailer's in the
 * footer if its length fits, and the last 32 bytes as the SHA-256 of the
 * rest (index objects, recipes, segments), so that the checks behind the
 * checksums are reached too.
 */
static void resign(uint8_t *bytes, size_t size, bool as_pack)
{
	if (as_pack && size >= PACK_FOOTER_SIZE) {
		uint8_t *f = bytes + size - PACK_FOOTER_SIZE;
		uint64_t tlen = le64_get(f + 24);

		if (tlen <= size - PACK_FOOTER_SIZE)
			EVP_Digest(f - tlen, (size_t)tlen, f + 32, NULL, EVP_sha256(), NULL);
	} else if (!as_pack && size >= 32) {
		EVP_Digest(bytes, size - 32, bytes + size - 32, NULL, EVP_sha256(), NULL);
	}
}

/* Input: one byte (odd: checksums made right first), then the bytes. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *bytes;
	bool fix;

	if (size < 1)
		return 0;
	fix = data[0] & 1;
	bytes = (uint8_t *)fuzz_bytes(data + 1, --size);
	if (fix)
		resign(bytes, size, true);
	check_tail(bytes, size, size);
	check_tail(bytes + size / 2, size - size / 2, size);
	free(bytes);
	bytes = (uint8_t *)fuzz_bytes(data + 1, size);
	if (fix)
		resign(bytes, size, false);
	check_index(bytes, size);
	check_recipe(bytes, size, false);
	check_recipe(bytes, size, true);
	free(bytes);
	return 0;
}
