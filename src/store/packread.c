/*
 * packread.c - blobs read from packs with ranged reads, expanded and
 * checked; files read whole or by range through their recipes (see
 * packread.h).
 */
#include "config.h"

#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/compress.h"
#include "store/packread.h"
#include "store/recipe.h"

struct packreader {
	vds_backend *b;
	const packindex *idx;
	compress_ctx *z;
	unsigned char rec_id[32]; /* the last recipe read */
	recipe rec;
	bool have_rec;
	unsigned char seg_id[32]; /* the last segment read */
	recipe seg;
	bool have_seg;
	unsigned char chunk_id[32]; /* the last chunk read */
	char *chunk;
	size_t chunk_len;
	bool have_chunk;
};

packreader *packreader_new(vds_backend *b, const packindex *idx)
{
	packreader *r = xcalloc(1, sizeof(*r));

	r->b = b;
	r->idx = idx;
	r->z = compress_new(COMPRESS_LEVEL);
	return r;
}

void packreader_free(packreader *r)
{
	if (!r)
		return;
	compress_free(r->z);
	recipe_release(&r->rec);
	recipe_release(&r->seg);
	free(r->chunk);
	free(r);
}

/* Reads the blob of entry E from its pack, expanded, and checks it against its id (not a recipe). */
static int read_entry(packreader *r, const packindex_entry *e, char **out)
{
	char key[80], pack[65], blob[65];
	char *buf = xmalloc(e->stored ? e->stored : 1), *raw;
	size_t got;
	unsigned char sha[32];
	int rc;

	vds_sha256_hex(r->idx->packs[e->pack].id, pack);
	vds_sha256_hex(e->id, blob);
	pack_key(r->idx->packs[e->pack].id, key);
	rc = r->b->ops->read_range(r->b, key, e->off, buf, e->stored, &got);
	if (rc == VDS_ENOTFOUND)
		rc = vds_err(VDS_ECORRUPT, "pack %s: missing, though the store index names it", pack);
	else if (rc == 0 && got != e->stored)
		rc = vds_err(VDS_ECORRUPT, "pack %s: blob %s is cut short", pack, blob);
	if (rc < 0) {
		free(buf);
		return rc;
	}
	if (e->compressed) {
		raw = xmalloc(e->raw ? e->raw : 1);
		rc = decompress_chunk(r->z, buf, e->stored, raw, e->raw, blob);
		free(buf);
		if (rc < 0) {
			free(raw);
			return vds_err(VDS_ECORRUPT, "pack %s: blob %s does not expand to its length",
				       pack, blob);
		}
		buf = raw;
	}
	if (e->type != PACK_RECIPE) {
		EVP_Digest(buf, e->raw, sha, NULL, EVP_sha256(), NULL);
		if (memcmp(sha, e->id, 32)) {
			free(buf);
			return vds_err(VDS_ECORRUPT, "pack %s: blob %s does not match its id", pack,
				       blob);
		}
	}
	*out = buf;
	return 0;
}

/* The entry of blob ID, or VDS_ENOTFOUND naming it. */
static int find(packreader *r, const unsigned char id[32], const packindex_entry **e)
{
	char hex[65];

	if ((*e = packindex_find(r->idx, id)))
		return 0;
	vds_sha256_hex(id, hex);
	return vds_err(VDS_ENOTFOUND, "blob %s: not in the store index", hex);
}

/* Makes R->rec the recipe of entry E (read unless it is the last one read). */
static int get_recipe(packreader *r, const packindex_entry *e)
{
	char *data, pack[65], blob[65], what[160];
	int rc;

	if (r->have_rec && !memcmp(r->rec_id, e->id, 32))
		return 0;
	if ((rc = read_entry(r, e, &data)) < 0)
		return rc;
	recipe_release(&r->rec);
	r->have_rec = false;
	vds_sha256_hex(r->idx->packs[e->pack].id, pack);
	vds_sha256_hex(e->id, blob);
	snprintf(what, sizeof(what), "pack %s: blob %s", pack, blob);
	rc = recipe_parse(data, e->raw, &r->rec, what);
	free(data);
	if (rc == 0) {
		memcpy(r->rec_id, e->id, 32);
		r->have_rec = true;
	}
	return rc;
}

/* Makes R->seg segment I of the recipe R->rec of file FILE. */
static int get_segment(packreader *r, size_t i, const unsigned char file[32])
{
	const packindex_entry *e;
	uint64_t len = r->rec.end[i] - (i ? r->rec.end[i - 1] : 0);
	char *data, hex[65], fhex[65];
	int rc;

	if (r->have_seg && !memcmp(r->seg_id, r->rec.id[i], 32))
		return 0;
	if ((rc = find(r, r->rec.id[i], &e)) < 0)
		return rc;
	vds_sha256_hex(r->rec.id[i], hex);
	vds_sha256_hex(file, fhex);
	if (e->type != PACK_SEGMENT)
		return vds_err(VDS_ECORRUPT, "file %s: its recipe's segment %s is not a segment",
			       fhex, hex);
	if ((rc = read_entry(r, e, &data)) < 0)
		return rc;
	recipe_release(&r->seg);
	r->have_seg = false;
	rc = recipe_parse_segment(data, e->raw, &r->seg, hex);
	free(data);
	if (rc == 0 && r->seg.size != len) {
		recipe_release(&r->seg);
		rc = vds_err(VDS_ECORRUPT, "file %s: its segment %s is not as long as its recipe says",
			     fhex, hex);
	}
	if (rc == 0) {
		memcpy(r->seg_id, r->rec.id[i], 32);
		r->have_seg = true;
	}
	return rc;
}

/* Makes R->chunk chunk ID, which file FILE's recipe says is LEN bytes long. */
static int get_chunk(packreader *r, const unsigned char id[32], uint64_t len,
		     const unsigned char file[32])
{
	const packindex_entry *e;
	char hex[65], fhex[65];
	int rc;

	if (r->have_chunk && !memcmp(r->chunk_id, id, 32))
		return 0;
	if ((rc = find(r, id, &e)) < 0)
		return rc;
	vds_sha256_hex(id, hex);
	vds_sha256_hex(file, fhex);
	if (e->type != PACK_CHUNK || e->raw != len)
		return vds_err(VDS_ECORRUPT, "file %s: its recipe's chunk %s is not the one stored",
			       fhex, hex);
	free(r->chunk);
	r->have_chunk = false;
	r->chunk = NULL;
	if ((rc = read_entry(r, e, &r->chunk)) < 0)
		return rc;
	memcpy(r->chunk_id, id, 32);
	r->chunk_len = e->raw;
	r->have_chunk = true;
	return 0;
}

/*
 * Makes R->chunk the chunk of file FILE (read through R->rec) holding
 * offset POS; *START gets the file offset where that chunk starts.
 */
static int chunk_at(packreader *r, const unsigned char file[32], uint64_t pos, uint64_t *start)
{
	size_t i = recipe_find(&r->rec, pos), j;
	uint64_t seg_start = i ? r->rec.end[i - 1] : 0, in;
	int rc;

	if ((rc = get_segment(r, i, file)) < 0)
		return rc;
	j = recipe_find(&r->seg, pos - seg_start);
	in = j ? r->seg.end[j - 1] : 0;
	*start = seg_start + in;
	return get_chunk(r, r->seg.id[j], r->seg.end[j] - in, file);
}

int packread_blob(packreader *r, const unsigned char id[32], char **out, size_t *len)
{
	const packindex_entry *e;
	char hex[65];
	recipe seg;
	int rc;

	if ((rc = find(r, id, &e)) < 0)
		return rc;
	if (e->type == PACK_RECIPE && (rc = get_recipe(r, e)) < 0)
		return rc;
	if ((rc = read_entry(r, e, out)) < 0)
		return rc;
	*len = e->raw;
	if (e->type == PACK_SEGMENT) {
		vds_sha256_hex(id, hex);
		if ((rc = recipe_parse_segment(*out, *len, &seg, hex)) < 0) {
			free(*out);
			*out = NULL;
			return rc;
		}
		recipe_release(&seg);
	}
	return 0;
}

int packread_size(packreader *r, const unsigned char sha[32], uint64_t *size)
{
	const packindex_entry *e;
	int rc;

	if ((rc = find(r, sha, &e)) < 0)
		return rc;
	if (e->type == PACK_CHUNK) {
		*size = e->raw;
		return 0;
	}
	if ((rc = get_recipe(r, e)) == 0)
		*size = r->rec.size;
	return rc;
}

int packread_range(packreader *r, const unsigned char sha[32], uint64_t off, void *buf,
		   size_t len, size_t *got)
{
	const packindex_entry *e;
	size_t done = 0;
	int rc;

	*got = 0;
	if ((rc = find(r, sha, &e)) < 0)
		return rc;
	if (e->type == PACK_CHUNK) {
		if (off >= e->raw || !len)
			return 0;
		if ((rc = get_chunk(r, sha, e->raw, sha)) < 0)
			return rc;
		*got = len < e->raw - off ? len : (size_t)(e->raw - off);
		memcpy(buf, r->chunk + off, *got);
		return 0;
	}
	if ((rc = get_recipe(r, e)) < 0)
		return rc;
	while (done < len && off + done < r->rec.size) {
		uint64_t pos = off + done, start;
		size_t n;

		if ((rc = chunk_at(r, sha, pos, &start)) < 0)
			return rc;
		n = r->chunk_len - (pos - start) < len - done ? (size_t)(r->chunk_len - (pos - start))
							      : len - done;
		memcpy((char *)buf + done, r->chunk + (pos - start), n);
		done += n;
	}
	*got = done;
	return 0;
}

int packread_file(packreader *r, const unsigned char sha[32], vds_stream_fn fn, void *ud)
{
	const packindex_entry *e;
	EVP_MD_CTX *md;
	unsigned char got[32];
	char hex[65];
	int rc;

	if ((rc = find(r, sha, &e)) < 0)
		return rc;
	if (e->type == PACK_CHUNK) {
		if ((rc = get_chunk(r, sha, e->raw, sha)) < 0)
			return rc; /* checked against its id: the file's hash */
		return fn(r->chunk, r->chunk_len, ud) ? VDS_ECANCELED : 0;
	}
	if ((rc = get_recipe(r, e)) < 0)
		return rc;
	if (!(md = EVP_MD_CTX_new()))
		abort();
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	for (uint64_t pos = 0, start; rc == 0 && pos < r->rec.size; pos += r->chunk_len) {
		rc = chunk_at(r, sha, pos, &start);
		if (rc == 0) {
			EVP_DigestUpdate(md, r->chunk, r->chunk_len);
			if (fn(r->chunk, r->chunk_len, ud))
				rc = vds_err(VDS_ECANCELED, "reading stopped");
		}
	}
	EVP_DigestFinal_ex(md, got, NULL);
	EVP_MD_CTX_free(md);
	vds_sha256_hex(sha, hex);
	if (rc == 0 && memcmp(got, sha, 32))
		rc = vds_err(VDS_ECORRUPT, "file %s: its chunks do not match its SHA-256", hex);
	return rc;
}
