/*
 * packer.c - the writer of chunks and packs: files cut, hashed, new blobs
 * appended to the open pack under one lock, full packs written, index
 * objects written at each flush (see packer.h).
 */
#include "config.h"

#include <errno.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/compress.h"
#include "store/packer.h"
#include "store/recipe.h"

#define READ_SIZE (1u << 20) /* bytes read from a file at a time */
#define COMPRESS_FROM 64     /* smaller blobs are stored raw */

struct packer {
	vds_backend *b;
	packindex *idx;
	packer_opts o;
	pthread_mutex_t lock;
	/* under the lock: */
	pack_builder open;      /* the pack being filled */
	packindex_pack *sealed; /* packs written since the last flush */
	size_t nsealed, sealed_cap;
	unsigned char (*ids)[32]; /* blobs added since the last flush */
	uint32_t *slots;          /* open addressing over IDS: index + 1, 0 empty */
	size_t nids, ids_cap, nslots;
	strbuf bufs[2];           /* buffers of written packs, to be filled again */
	size_t nbufs;
	compress_ctx **spare;     /* compression contexts not in use */
	size_t nspare, spare_cap;
	int error;                /* a failed pack write: every later call fails */
	packer_stats st;
};

int packer_new(vds_backend *b, packindex *idx, const packer_opts *opts, packer **out)
{
	packer *p = xcalloc(1, sizeof(*p));
	const chunker_params defaults = CHUNKER_DEFAULTS;
	chunker c;
	int r;

	p->b = b;
	p->idx = idx;
	if (opts)
		p->o = *opts;
	if (!p->o.target)
		p->o.target = PACK_TARGET;
	if (!p->o.chunk.avg)
		p->o.chunk = defaults;
	if (p->o.target > PACK_DATA_MAX / 2 || p->o.chunk.max > PACK_BLOB_MAX) {
		free(p);
		return vds_err(VDS_EINVAL, "pack target %llu or chunk size too large",
			       (unsigned long long)opts->target);
	}
	if ((r = chunker_init(&c, &p->o.chunk)) < 0) {
		free(p);
		return r;
	}
	pthread_mutex_init(&p->lock, NULL);
	pack_builder_init(&p->open);
	*out = p;
	return 0;
}

/* The slot of ID in P's set: where it is, or the empty slot where it would go. */
static size_t slot_of(const packer *p, const unsigned char id[32])
{
	uint64_t h;
	size_t s;

	memcpy(&h, id, sizeof(h)); /* ids are SHA-256 sums: their bytes are spread already */
	for (s = h & (p->nslots - 1);; s = (s + 1) & (p->nslots - 1))
		if (!p->slots[s] || !memcmp(p->ids[p->slots[s] - 1], id, 32))
			return s;
}

/* True if blob ID is stored or being stored (P locked). */
static bool have(const packer *p, const unsigned char id[32])
{
	return packindex_find(p->idx, id) || (p->nslots && p->slots[slot_of(p, id)]);
}

/* Adds ID to P's set (P locked, ID not in it). */
static void remember(packer *p, const unsigned char id[32])
{
	if (2 * (p->nids + 1) > p->nslots) {
		p->nslots = p->nslots ? 2 * p->nslots : 1024;
		free(p->slots);
		p->slots = xcalloc(p->nslots, sizeof(*p->slots));
		for (size_t i = 0; i < p->nids; i++)
			p->slots[slot_of(p, p->ids[i])] = (uint32_t)i + 1;
	}
	if (p->nids == p->ids_cap) {
		p->ids_cap = p->ids_cap ? 2 * p->ids_cap : 1024;
		p->ids = xrealloc(p->ids, p->ids_cap * sizeof(*p->ids));
	}
	memcpy(p->ids[p->nids], id, 32);
	p->slots[slot_of(p, id)] = (uint32_t)++p->nids;
}

/*
 * Writes P's open pack (P locked; the lock is let go while it is written,
 * so other threads go on filling a new one).
 */
static int seal(packer *p)
{
	packindex_pack pk;
	strbuf bytes;
	char key[80];
	size_t len;
	int r;

	if (!p->open.n)
		return 0;
	pack_builder_finish(&p->open, pk.id, &bytes, &pk.e, &pk.n);
	pk.size = len = bytes.len;
	pack_key(pk.id, key);
	pthread_mutex_unlock(&p->lock);
	r = p->b->ops->write(p->b, key, bytes.buf, len);
	pthread_mutex_lock(&p->lock);
	if (p->nbufs < ARRAY_SIZE(p->bufs)) { /* its memory is filled again: no new pages */
		sb_reset(&bytes);
		p->bufs[p->nbufs++] = bytes;
	} else {
		sb_release(&bytes);
	}
	if (r < 0) {
		free(pk.e);
		if (!p->error)
			p->error = r;
		return r;
	}
	if (p->nsealed == p->sealed_cap) {
		p->sealed_cap = p->sealed_cap ? 2 * p->sealed_cap : 8;
		p->sealed = xrealloc(p->sealed, p->sealed_cap * sizeof(*p->sealed));
	}
	p->sealed[p->nsealed++] = pk;
	p->st.packs++;
	p->st.pack_bytes += len;
	return 0;
}

/* Stores blob ID (LEN bytes at DATA) unless it is there already; *NEW if it was not. */
static int store_blob(packer *p, compress_ctx *z, const unsigned char id[32], int type,
		      const void *data, size_t len, bool *new)
{
	const void *out = data;
	size_t out_len = len;
	bool comp = false;
	int r = 0;

	pthread_mutex_lock(&p->lock);
	bool there = have(p, id);
	pthread_mutex_unlock(&p->lock);
	if (there)
		return 0;
	if (!p->o.no_compress && len >= COMPRESS_FROM)
		comp = compress_chunk(z, data, len, &out, &out_len);
	pthread_mutex_lock(&p->lock);
	if (p->error)
		r = p->error;
	else if (!have(p, id)) { /* another thread may have stored it meanwhile */
		if (!p->open.data.cap) /* a new pack: in the memory of an earlier one */
			p->open.data = p->nbufs ? p->bufs[--p->nbufs] : (strbuf)STRBUF_INIT;
		pack_builder_add(&p->open, id, type, comp, out, out_len, len);
		remember(p, id);
		p->st.blobs_stored++;
		p->st.bytes_stored += out_len;
		p->st.raw_stored += len;
		*new = true;
		if (p->open.data.len >= p->o.target || p->open.n >= PACK_ENTRIES_MAX)
			r = seal(p);
	}
	pthread_mutex_unlock(&p->lock);
	return r;
}

/* What one packer_add_file() call keeps. */
typedef struct adding {
	packer *p;
	compress_ctx *z;
	EVP_MD_CTX *whole, *part; /* the file's hash; the current chunk's */
	unsigned char (*ids)[32]; /* the current segment's chunks */
	uint32_t *lens;
	size_t n, cap;
	size_t chunks;            /* the file's chunks so far */
	unsigned char (*segs)[32]; /* the file's segments so far */
	uint64_t *seg_lens, seg_size;
	size_t nsegs, segs_cap;
	bool stored;
} adding;

/* Stores the current segment and adds it to the file's list. */
static int end_segment(adding *a)
{
	char *seg;
	size_t len;
	int r;

	if (a->nsegs == a->segs_cap) {
		a->segs_cap = a->segs_cap ? 2 * a->segs_cap : 16;
		a->segs = xrealloc(a->segs, a->segs_cap * sizeof(*a->segs));
		a->seg_lens = xrealloc(a->seg_lens, a->segs_cap * sizeof(*a->seg_lens));
	}
	recipe_encode_segment((const unsigned char(*)[32])a->ids, a->lens, a->n, &seg, &len);
	EVP_Digest(seg, len, a->segs[a->nsegs], NULL, EVP_sha256(), NULL);
	r = store_blob(a->p, a->z, a->segs[a->nsegs], PACK_SEGMENT, seg, len, &a->stored);
	free(seg);
	a->seg_lens[a->nsegs++] = a->seg_size;
	a->n = 0;
	a->seg_size = 0;
	return r;
}

/* Hashes and stores one chunk of LEN bytes at DATA, the file's next. */
static int add_chunk(adding *a, const unsigned char *data, size_t len)
{
	int r;

	/* the segment before ends here if its last chunk says so: decided only once a
	 * second chunk shows that the file needs a recipe */
	if (a->n && recipe_segment_ends(a->ids[a->n - 1], a->n) && (r = end_segment(a)) < 0)
		return r;
	if (a->n == a->cap) {
		a->cap = a->cap ? 2 * a->cap : 16;
		a->ids = xrealloc(a->ids, a->cap * sizeof(*a->ids));
		a->lens = xrealloc(a->lens, a->cap * sizeof(*a->lens));
	}
	EVP_DigestInit_ex(a->part, EVP_sha256(), NULL);
	EVP_DigestUpdate(a->part, data, len);
	if (a->chunks++ == 0) /* the whole file's hash so far is this chunk's: hashed once */
		EVP_MD_CTX_copy_ex(a->whole, a->part);
	else
		EVP_DigestUpdate(a->whole, data, len);
	EVP_DigestFinal_ex(a->part, a->ids[a->n], NULL);
	a->lens[a->n] = (uint32_t)len;
	a->seg_size += len;
	return store_blob(a->p, a->z, a->ids[a->n++], PACK_CHUNK, data, len, &a->stored);
}

/* Reads FD through the chunker, storing each chunk (see packer_add_file()). */
static int cut_file(adding *a, int fd, atomic_int *cancel)
{
	size_t cap = 2 * (size_t)a->p->o.chunk.max + READ_SIZE, fill = 0, pos = 0, start = 0;
	unsigned char *buf = xmalloc(cap);
	uint64_t total = 0;
	chunker c;
	int r = chunker_init(&c, &a->p->o.chunk);

	while (r == 0) {
		ssize_t got;

		if (start > 0 && cap - fill < READ_SIZE) { /* keep the current chunk's bytes */
			memmove(buf, buf + start, fill - start);
			fill -= start, pos -= start, start = 0;
		}
		got = read(fd, buf + fill, cap - fill);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			r = vds_err_errno(errno, "read", "file");
			break;
		}
		if (cancel && atomic_load(cancel)) {
			r = vds_err(VDS_ECANCELED, "cancelled");
			break;
		}
		if (got == 0) {
			if (chunker_finish(&c) || a->chunks == 0) /* the last chunk, or an empty file */
				r = add_chunk(a, buf + start, fill - start);
			break;
		}
		fill += (size_t)got;
		total += (uint64_t)got;
		while (r == 0 && pos < fill) {
			bool end;

			pos += chunker_scan(&c, buf + pos, fill - pos, &end);
			if (end) {
				r = add_chunk(a, buf + start, pos - start);
				start = pos;
			}
		}
	}
	free(buf);
	pthread_mutex_lock(&a->p->lock);
	a->p->st.bytes_read += total;
	pthread_mutex_unlock(&a->p->lock);
	return r;
}

int packer_add_file(packer *p, int fd, unsigned char sha[32], bool *stored, atomic_int *cancel)
{
	adding a = {.p = p};
	int r;

	pthread_mutex_lock(&p->lock);
	a.z = p->nspare ? p->spare[--p->nspare] : NULL;
	r = p->error;
	pthread_mutex_unlock(&p->lock);
	if (r < 0)
		return r;
	if (!a.z)
		a.z = compress_new(COMPRESS_LEVEL);
	a.whole = EVP_MD_CTX_new();
	a.part = EVP_MD_CTX_new();
	if (!a.whole || !a.part)
		abort();
	r = cut_file(&a, fd, cancel);
	if (r == 0)
		EVP_DigestFinal_ex(a.whole, sha, NULL);
	if (r == 0 && a.chunks > 1 && a.nsegs >= (PACK_BLOB_MAX - RECIPE_HEAD - 32) / RECIPE_ITEM)
		r = vds_err(VDS_EINVAL, "file of %zu segments: too many for one recipe", a.nsegs);
	if (r == 0 && a.chunks > 1 && (r = end_segment(&a)) == 0) {
		char *rec;
		size_t len;

		recipe_encode((const unsigned char(*)[32])a.segs, a.seg_lens, a.nsegs, &rec, &len);
		r = store_blob(p, a.z, sha, PACK_RECIPE, rec, len, &a.stored);
		free(rec);
	}
	EVP_MD_CTX_free(a.whole);
	EVP_MD_CTX_free(a.part);
	free(a.ids);
	free(a.lens);
	free(a.segs);
	free(a.seg_lens);
	pthread_mutex_lock(&p->lock);
	if (p->nspare == p->spare_cap) {
		p->spare_cap = p->spare_cap ? 2 * p->spare_cap : 8;
		p->spare = xrealloc(p->spare, p->spare_cap * sizeof(*p->spare));
	}
	p->spare[p->nspare++] = a.z;
	pthread_mutex_unlock(&p->lock);
	if (stored)
		*stored = r == 0 && a.stored;
	return r;
}

/* Forgets the set and the packs written since the last flush (P locked). */
static void forget(packer *p)
{
	packindex_packs_free(p->sealed, p->nsealed);
	p->sealed = NULL;
	p->nsealed = p->sealed_cap = 0;
	free(p->slots);
	p->slots = NULL;
	p->nslots = p->nids = 0;
}

int packer_flush(packer *p)
{
	int r;

	pthread_mutex_lock(&p->lock);
	r = p->error ? p->error : seal(p);
	if (r == 0 && p->nsealed) {
		r = packindex_write(p->b, p->sealed, p->nsealed, NULL);
		if (r == 0) {
			packindex_add(p->idx, p->sealed, p->nsealed);
			p->st.indexes++;
			forget(p);
		}
	}
	pthread_mutex_unlock(&p->lock);
	return r;
}

void packer_discard(packer *p)
{
	pthread_mutex_lock(&p->lock);
	pack_builder_release(&p->open);
	forget(p);
	p->error = 0;
	pthread_mutex_unlock(&p->lock);
}

void packer_get_stats(packer *p, packer_stats *s)
{
	pthread_mutex_lock(&p->lock);
	*s = p->st;
	pthread_mutex_unlock(&p->lock);
}

void packer_free(packer *p)
{
	if (!p)
		return;
	packer_discard(p);
	for (size_t i = 0; i < p->nspare; i++)
		compress_free(p->spare[i]);
	for (size_t i = 0; i < p->nbufs; i++)
		sb_release(&p->bufs[i]);
	free(p->spare);
	free(p->ids);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
