/*
 * pack.c - the bytes of a pack object: built in memory, named by their
 * SHA-256, and the trailer and footer at their end parsed as untrusted
 * input (see pack.h and vds-format(5), PACKS).
 */
#include "config.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/pack.h"

/* Footer layout: magic, entry count, entry size, blob area, trailer length, trailer SHA-256. */
#define F_COUNT 8
#define F_ESIZE 12
#define F_DATA 16
#define F_TRAILER 24
#define F_SHA 32

void pack_key(const unsigned char id[32], char key[80])
{
	char hex[65];

	vds_sha256_hex(id, hex);
	snprintf(key, 80, "packs/%.2s/%s", hex, hex);
}

void pack_entry_encode(const pack_entry *e, unsigned char out[PACK_ENTRY_SIZE])
{
	memcpy(out, e->id, 32);
	out[32] = e->type;
	out[33] = e->compressed;
	out[34] = out[35] = 0;
	le32_put(out + 36, e->raw);
	le32_put(out + 40, e->stored);
	le64_put(out + 44, e->off);
}

int pack_entry_decode(const unsigned char in[PACK_ENTRY_SIZE], uint64_t data_len, pack_entry *e,
		      const char *what)
{
	uint64_t off = le64_get(in + 44);
	char hex[65];

	memcpy(e->id, in, 32);
	e->type = in[32];
	e->compressed = in[33];
	e->raw = le32_get(in + 36);
	e->stored = le32_get(in + 40);
	vds_sha256_hex(e->id, hex);
	if (e->type < PACK_CHUNK || e->type > PACK_SEGMENT || e->compressed > 1 || in[34] ||
	    in[35])
		return vds_err(VDS_ECORRUPT, "%s: blob %s: unknown type or flags", what, hex);
	if (e->raw > PACK_BLOB_MAX || e->stored > PACK_BLOB_MAX ||
	    (e->compressed ? e->stored == 0 || e->stored >= e->raw : e->stored != e->raw))
		return vds_err(VDS_ECORRUPT, "%s: blob %s: impossible lengths", what, hex);
	if (off > data_len || e->stored > data_len - off)
		return vds_err(VDS_ECORRUPT, "%s: blob %s: beyond the pack's blobs", what, hex);
	e->off = (uint32_t)off; /* data_len <= PACK_DATA_MAX */
	return 0;
}

void pack_builder_init(pack_builder *pb)
{
	memset(pb, 0, sizeof(*pb));
}

void pack_builder_add(pack_builder *pb, const unsigned char id[32], int type, bool compressed,
		      const void *stored, size_t stored_len, size_t raw_len)
{
	pack_entry *e;

	if (pb->n == pb->cap) {
		pb->cap = pb->cap ? 2 * pb->cap : 64;
		pb->e = xrealloc(pb->e, pb->cap * sizeof(*pb->e));
	}
	e = &pb->e[pb->n++];
	memcpy(e->id, id, 32);
	e->type = (uint8_t)type;
	e->compressed = compressed;
	e->raw = (uint32_t)raw_len;
	e->stored = (uint32_t)stored_len;
	e->off = (uint32_t)pb->data.len;
	sb_add(&pb->data, stored, stored_len);
}

void pack_builder_finish(pack_builder *pb, unsigned char id[32], strbuf *bytes,
			 pack_entry **entries, size_t *n)
{
	uint64_t data_len = pb->data.len, trailer_len = (uint64_t)pb->n * PACK_ENTRY_SIZE;
	unsigned char *t, foot[PACK_FOOTER_SIZE];

	sb_grow(&pb->data, trailer_len + PACK_FOOTER_SIZE);
	t = (unsigned char *)pb->data.buf + data_len;
	for (size_t i = 0; i < pb->n; i++)
		pack_entry_encode(&pb->e[i], t + i * PACK_ENTRY_SIZE);
	memcpy(foot, PACK_MAGIC, 8);
	le32_put(foot + F_COUNT, (uint32_t)pb->n);
	le32_put(foot + F_ESIZE, PACK_ENTRY_SIZE);
	le64_put(foot + F_DATA, data_len);
	le64_put(foot + F_TRAILER, trailer_len);
	EVP_Digest(t, trailer_len, foot + F_SHA, NULL, EVP_sha256(), NULL);
	pb->data.len += trailer_len;
	sb_add(&pb->data, foot, sizeof(foot));
	EVP_Digest(pb->data.buf, pb->data.len, id, NULL, EVP_sha256(), NULL);
	*entries = pb->e;
	*n = pb->n;
	*bytes = pb->data;
	pb->data = (strbuf)STRBUF_INIT;
	pb->e = NULL;
	pb->n = pb->cap = 0;
}

void pack_builder_release(pack_builder *pb)
{
	sb_release(&pb->data);
	free(pb->e);
	pack_builder_init(pb);
}

int pack_parse_tail(const unsigned char *tail, size_t tail_len, uint64_t pack_size,
		    const char *name, pack_entry **entries, size_t *n, size_t *need)
{
	const unsigned char *f, *t;
	uint64_t count, data_len, trailer_len, at = 0;
	unsigned char sha[32];
	char what[80];
	pack_entry *e;

	snprintf(what, sizeof(what), "pack %s", name);
	if (pack_size < PACK_FOOTER_SIZE || tail_len < PACK_FOOTER_SIZE || tail_len > pack_size)
		return vds_err(VDS_ECORRUPT, "pack %s: too short for its footer", name);
	f = tail + tail_len - PACK_FOOTER_SIZE;
	count = le32_get(f + F_COUNT);
	data_len = le64_get(f + F_DATA);
	trailer_len = le64_get(f + F_TRAILER);
	if (memcmp(f, PACK_MAGIC, 8) || le32_get(f + F_ESIZE) != PACK_ENTRY_SIZE)
		return vds_err(VDS_ECORRUPT, "pack %s: no pack footer", name);
	if (count > PACK_ENTRIES_MAX || trailer_len != count * PACK_ENTRY_SIZE ||
	    data_len > PACK_DATA_MAX ||
	    pack_size - PACK_FOOTER_SIZE < trailer_len ||
	    pack_size - PACK_FOOTER_SIZE - trailer_len != data_len)
		return vds_err(VDS_ECORRUPT, "pack %s: its footer's lengths do not add up", name);
	if (tail_len < trailer_len + PACK_FOOTER_SIZE) {
		*need = (size_t)(trailer_len + PACK_FOOTER_SIZE);
		return 1;
	}
	t = f - trailer_len;
	EVP_Digest(t, (size_t)trailer_len, sha, NULL, EVP_sha256(), NULL);
	if (memcmp(sha, f + F_SHA, 32))
		return vds_err(VDS_ECORRUPT, "pack %s: its index does not match its checksum", name);
	e = xmalloc((count ? count : 1) * sizeof(*e));
	for (size_t i = 0; i < count; i++) {
		int r = pack_entry_decode(t + i * PACK_ENTRY_SIZE, data_len, &e[i], what);

		if (r == 0 && e[i].off != at)
			r = vds_err(VDS_ECORRUPT, "pack %s: blob %zu is not where the one before ends",
				    name, i);
		if (r < 0) {
			free(e);
			return r;
		}
		at += e[i].stored;
	}
	if (at != data_len) {
		free(e);
		return vds_err(VDS_ECORRUPT, "pack %s: its blobs do not fill it", name);
	}
	*entries = e;
	*n = (size_t)count;
	return 0;
}

int pack_read_index(vds_backend *b, const unsigned char id[32], uint64_t size,
		    pack_entry **entries, size_t *n)
{
	char key[80], hex[65];
	size_t want, got, need = 0;
	unsigned char *tail;
	int r;

	vds_sha256_hex(id, hex);
	pack_key(id, key);
	if (size == UINT64_MAX && (r = b->ops->stat(b, key, &size)) < 0)
		return r == VDS_ENOTFOUND ? vds_err(r, "pack %s: missing", hex) : r;
	want = size < PACK_TAIL_READ ? (size_t)size : PACK_TAIL_READ;
	for (int pass = 0; pass < 2; pass++) {
		tail = xmalloc(want ? want : 1);
		r = b->ops->read_range(b, key, size - want, tail, want, &got);
		if (r == 0 && got != want)
			r = vds_err(VDS_ECORRUPT, "pack %s: shorter than its size", hex);
		if (r == 0)
			r = pack_parse_tail(tail, want, size, hex, entries, n, &need);
		free(tail);
		if (r != 1)
			return r;
		want = need;
	}
	return vds_err(VDS_ECORRUPT, "pack %s: its index moved", hex);
}
