/*
 * fuzz_packs.c - the parsers of content packs (src/store/pack.c,
 * packindex.c, recipe.c): the input given as a pack's end (its trailer
 * and footer, the whole input and its last half), as an index object, as
 * a recipe and as a segment of one. Each must refuse it with VDS_ECORRUPT or accept it; what is
 * accepted must hold the invariants readers rely on (blobs inside the
 * pack, one after the other, lengths bounded, a recipe's or segment's
 * items adding up to its size), and an index object accepted must encode back to exactly
 * its bytes.
 */
#include "config.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *bytes = (uint8_t *)fuzz_bytes(data, size);

	check_tail(bytes, size, size);
	check_tail(bytes + size / 2, size - size / 2, size);
	check_index(bytes, size);
	check_recipe(bytes, size, false);
	check_recipe(bytes, size, true);
	free(bytes);
	return 0;
}
