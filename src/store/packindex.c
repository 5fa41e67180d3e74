/*
 * packindex.c - the store index: index objects parsed as untrusted bytes,
 * loaded into a sorted table, written, and consolidated (see packindex.h
 * and vds-format(5), PACKS).
 */
#include "config.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/packindex.h"

void packindex_init(packindex *x)
{
	memset(x, 0, sizeof(*x));
}

void packindex_release(packindex *x)
{
	free(x->e);
	free(x->packs);
	for (size_t i = 0; i < x->nnames; i++)
		free(x->names[i]);
	free(x->names);
	packindex_init(x);
}

void packindex_packs_free(packindex_pack *packs, size_t n)
{
	for (size_t i = 0; packs && i < n; i++)
		free(packs[i].e);
	free(packs);
}

/* True if NAME has the shape of a stamp: 16 hex digits, '-', 8 base36 characters. */
static bool stamp_name(const char *name)
{
	if (strlen(name) != 25 || name[16] != '-')
		return false;
	for (int i = 0; i < 25; i++)
		if (i != 16 && !strchr(i < 16 ? "0123456789abcdef" : "0123456789abcdefghijklmnopqrstuvwxyz",
				       name[i]))
			return false;
	return true;
}

int packindex_decode(const char *name, const void *data, size_t len, packindex_pack **packs,
		     size_t *np_out)
{
	const unsigned char *p = data, *pk, *en;
	uint64_t np, ne, sum = 0;
	unsigned char sha[32];
	char what[80];
	packindex_pack *v;

	snprintf(what, sizeof(what), "index object %s", name);
	if (len < PACKINDEX_HEAD + 32 || memcmp(p, PACKINDEX_MAGIC, 8) || le32_get(p + 12))
		return vds_err(VDS_ECORRUPT, "%s: not an index object", what);
	np = le32_get(p + 8);
	ne = le64_get(p + 16);
	if (np > len / PACKINDEX_PACK || ne > len / PACK_ENTRY_SIZE ||
	    len != PACKINDEX_HEAD + np * PACKINDEX_PACK + ne * PACK_ENTRY_SIZE + 32)
		return vds_err(VDS_ECORRUPT, "%s: its length is not its counts'", what);
	EVP_Digest(p, len - 32, sha, NULL, EVP_sha256(), NULL);
	if (memcmp(sha, p + len - 32, 32))
		return vds_err(VDS_ECORRUPT, "%s: does not match its checksum", what);
	v = xcalloc(np ? np : 1, sizeof(*v));
	pk = p + PACKINDEX_HEAD;
	en = pk + np * PACKINDEX_PACK;
	for (size_t i = 0; i < np; i++, pk += PACKINDEX_PACK) {
		uint64_t cnt = le32_get(pk + 40), data_len;

		memcpy(v[i].id, pk, 32);
		v[i].size = le64_get(pk + 32);
		if (le32_get(pk + 44) || cnt > ne - sum || cnt > PACK_ENTRIES_MAX ||
		    v[i].size < PACK_FOOTER_SIZE + cnt * PACK_ENTRY_SIZE ||
		    (data_len = v[i].size - PACK_FOOTER_SIZE - cnt * PACK_ENTRY_SIZE) > PACK_DATA_MAX) {
			packindex_packs_free(v, np);
			return vds_err(VDS_ECORRUPT, "%s: pack %zu is described wrongly", what, i);
		}
		v[i].e = xmalloc((cnt ? cnt : 1) * sizeof(pack_entry));
		v[i].n = (size_t)cnt;
		for (size_t k = 0; k < cnt; k++, en += PACK_ENTRY_SIZE) {
			int r = pack_entry_decode(en, data_len, &v[i].e[k], what);

			if (r < 0) {
				packindex_packs_free(v, np);
				return r;
			}
		}
		sum += cnt;
	}
	if (sum != ne) {
		packindex_packs_free(v, np);
		return vds_err(VDS_ECORRUPT, "%s: its packs do not hold its entries", what);
	}
	*packs = v;
	*np_out = (size_t)np;
	return 0;
}

void packindex_encode(const packindex_pack *packs, size_t np, char **out, size_t *len)
{
	uint64_t ne = 0;
	size_t total;
	unsigned char *p, *pk, *en;

	for (size_t i = 0; i < np; i++)
		ne += packs[i].n;
	total = PACKINDEX_HEAD + np * PACKINDEX_PACK + ne * PACK_ENTRY_SIZE + 32;
	p = xmalloc(total);
	memcpy(p, PACKINDEX_MAGIC, 8);
	le32_put(p + 8, (uint32_t)np);
	le32_put(p + 12, 0);
	le64_put(p + 16, ne);
	pk = p + PACKINDEX_HEAD;
	en = pk + np * PACKINDEX_PACK;
	for (size_t i = 0; i < np; i++, pk += PACKINDEX_PACK) {
		memcpy(pk, packs[i].id, 32);
		le64_put(pk + 32, packs[i].size);
		le32_put(pk + 40, (uint32_t)packs[i].n);
		le32_put(pk + 44, 0);
		for (size_t k = 0; k < packs[i].n; k++, en += PACK_ENTRY_SIZE)
			pack_entry_encode(&packs[i].e[k], en);
	}
	EVP_Digest(p, total - 32, en, NULL, EVP_sha256(), NULL);
	*out = (char *)p;
	*len = total;
}

static int cmp_entry(const void *a, const void *b)
{
	return memcmp(((const packindex_entry *)a)->id, ((const packindex_entry *)b)->id, 32);
}

void packindex_add(packindex *x, const packindex_pack *packs, size_t np)
{
	size_t old = x->n, add = 0, i, k, o;
	packindex_entry *m;

	for (i = 0; i < np; i++)
		add += packs[i].n;
	if (x->npacks + np > x->packs_cap) {
		x->packs_cap = 2 * (x->npacks + np);
		x->packs = xrealloc(x->packs, x->packs_cap * sizeof(*x->packs));
	}
	m = xmalloc((old + add ? old + add : 1) * sizeof(*m));
	for (i = 0, o = old; i < np; i++) {
		uint32_t no = (uint32_t)x->npacks;

		x->packs[x->npacks++] = (packindex_pack){.size = packs[i].size};
		memcpy(x->packs[no].id, packs[i].id, 32);
		for (k = 0; k < packs[i].n; k++, o++) {
			const pack_entry *e = &packs[i].e[k];

			memcpy(m[o].id, e->id, 32);
			m[o].pack = no;
			m[o].off = e->off;
			m[o].raw = e->raw;
			m[o].stored = e->stored;
			m[o].type = e->type;
			m[o].compressed = e->compressed;
		}
	}
	qsort(m + old, add, sizeof(*m), cmp_entry);
	/* merge the sorted old entries (in X) with the new (in M's tail), one per id */
	i = 0, k = old, o = 0;
	while (i < old || k < old + add) {
		const packindex_entry *next;

		if (k == old + add || (i < old && cmp_entry(&x->e[i], &m[k]) <= 0))
			next = &x->e[i++];
		else
			next = &m[k++];
		if (o && !memcmp(m[o - 1].id, next->id, 32))
			continue;
		m[o++] = *next; /* o <= k: M's unread tail is never overwritten */
	}
	free(x->e);
	x->e = m;
	x->n = o;
	x->cap = old + add;
}

const packindex_entry *packindex_find(const packindex *x, const unsigned char id[32])
{
	size_t lo = 0, hi = x->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(x->e[mid].id, id, 32);

		if (c == 0)
			return &x->e[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* A list of names of index objects. */
typedef struct names {
	char **v;
	size_t n, cap;
} names;

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_name(const char *name, void *ud)
{
	names *l = ud;

	if (!stamp_name(name))
		return 0; /* not an index object (a writer's temporary file, say) */
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = xstrdup(name);
	return 0;
}

static void names_free(names *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* Lists B's index objects, sorted, into L. */
static int list_names(vds_backend *b, names *l)
{
	int r = b->ops->list(b, PACKINDEX_PREFIX, add_name, l);

	if (r < 0)
		names_free(l);
	else if (l->n)
		qsort(l->v, l->n, sizeof(*l->v), cmp_name);
	return r;
}

/* Reads and parses index object NAME of B. */
static int read_object(vds_backend *b, const char *name, packindex_pack **packs, size_t *np)
{
	char key[64], *data;
	size_t len;
	int r;

	snprintf(key, sizeof(key), PACKINDEX_PREFIX "/%s", name);
	if ((r = b->ops->read(b, key, &data, &len)) < 0)
		return r;
	r = packindex_decode(name, data, len, packs, np);
	free(data);
	return r;
}

int packindex_load(vds_backend *b, packindex *x)
{
	for (int attempt = 0; attempt < PACKINDEX_RELISTS; attempt++) {
		names l = {0};
		bool gone = false, added = false;
		int r = list_names(b, &l);

		for (size_t i = 0; r == 0 && i < l.n; i++) {
			packindex_pack *packs;
			size_t np;

			if (x->nnames && bsearch(&l.v[i], x->names, x->nnames, sizeof(char *), cmp_name))
				continue;
			r = read_object(b, l.v[i], &packs, &np);
			if (r == VDS_ENOTFOUND) { /* consolidated meanwhile: list again */
				gone = true;
				r = 0;
				continue;
			}
			if (r < 0)
				break;
			packindex_add(x, packs, np);
			packindex_packs_free(packs, np);
			if (x->nnames == x->names_cap) {
				x->names_cap = x->names_cap ? 2 * x->names_cap : 16;
				x->names = xrealloc(x->names, x->names_cap * sizeof(char *));
			}
			x->names[x->nnames++] = l.v[i];
			l.v[i] = NULL;
			added = true;
		}
		names_free(&l);
		if (added)
			qsort(x->names, x->nnames, sizeof(char *), cmp_name);
		if (r < 0 || !gone)
			return r;
	}
	return vds_err(VDS_EIO, "index objects kept vanishing while listed (%d listings)",
		       PACKINDEX_RELISTS);
}

int packindex_write(vds_backend *b, const packindex_pack *packs, size_t np, char name[40])
{
	char stamp[26], key[64], *data;
	size_t len;
	int r;

	packindex_encode(packs, np, &data, &len);
	vds_stamp(stamp);
	snprintf(key, sizeof(key), PACKINDEX_PREFIX "/%s", stamp);
	r = b->ops->write(b, key, data, len);
	free(data);
	if (r == 0 && name)
		snprintf(name, 40, "%s", stamp);
	return r;
}

/* Collects the names of packs (64 hex digits) of one packs/XX folder. */
static int add_pack_name(const char *name, void *ud)
{
	names *l = ud;
	unsigned char id[32];

	if (strlen(name) != 64 || vds_sha256_parse(name, id) < 0)
		return 0; /* not a pack (a writer's temporary file, say) */
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = xstrdup(name);
	return 0;
}

int packindex_rebuild(vds_backend *b, size_t *npacks, size_t *damaged)
{
	packindex_pack *all = NULL;
	size_t n = 0;
	int r = 0;

	*npacks = *damaged = 0;
	for (int d = 0; r == 0 && d < 256; d++) {
		char dir[16];
		names l = {0};

		snprintf(dir, sizeof(dir), "packs/%02x", d);
		if ((r = b->ops->list(b, dir, add_pack_name, &l)) < 0)
			break;
		for (size_t i = 0; r == 0 && i < l.n; i++) {
			packindex_pack pk = {0};

			vds_sha256_parse(l.v[i], pk.id);
			if (strncmp(l.v[i], dir + 6, 2))
				continue; /* in the wrong folder: not where a reader looks */
			r = pack_read_index(b, pk.id, UINT64_MAX, &pk.e, &pk.n);
			if (r == VDS_ECORRUPT || r == VDS_ENOTFOUND) { /* damaged, or gone meanwhile */
				(*damaged) += r == VDS_ECORRUPT;
				r = 0;
				continue;
			}
			if (r < 0)
				break;
			if (pk.n) {
				const pack_entry *last = &pk.e[pk.n - 1];

				pk.size = (uint64_t)last->off + last->stored;
			}
			pk.size += PACK_FOOTER_SIZE + (uint64_t)pk.n * PACK_ENTRY_SIZE;
			all = xrealloc(all, (n + 1) * sizeof(*all));
			all[n++] = pk;
		}
		names_free(&l);
	}
	if (r == 0 && n)
		r = packindex_write(b, all, n, NULL);
	if (r == 0)
		*npacks = n;
	packindex_packs_free(all, n);
	return r;
}

static int cmp_pack(const void *a, const void *b)
{
	return memcmp(((const packindex_pack *)a)->id, ((const packindex_pack *)b)->id, 32);
}

int packindex_consolidate(vds_backend *b, size_t *merged)
{
	names l = {0};
	packindex_pack *all = NULL;
	size_t nall = 0, nread = 0, out = 0;
	bool *read = NULL;
	int r;

	if (merged)
		*merged = 0;
	if ((r = list_names(b, &l)) < 0 || l.n < 2)
		goto done;
	read = xcalloc(l.n, sizeof(*read));
	for (size_t i = 0; i < l.n; i++) {
		packindex_pack *packs;
		size_t np;

		r = read_object(b, l.v[i], &packs, &np);
		if (r == VDS_ENOTFOUND) { /* another consolidation took it: its entries are kept */
			r = 0;
			continue;
		}
		if (r < 0)
			goto done;
		all = xrealloc(all, (nall + np + 1) * sizeof(*all));
		memcpy(all + nall, packs, np * sizeof(*packs));
		nall += np;
		free(packs);
		read[i] = true;
		nread++;
	}
	if (nread < 2)
		goto done;
	qsort(all, nall, sizeof(*all), cmp_pack);
	for (size_t i = 0; i < nall; i++) { /* one description per pack */
		if (out && !cmp_pack(&all[out - 1], &all[i])) {
			free(all[i].e);
			continue;
		}
		all[out++] = all[i];
	}
	nall = out;
	if ((r = packindex_write(b, all, nall, NULL)) < 0)
		goto done;
	for (size_t i = 0; i < l.n; i++) {
		char key[64];

		if (!read[i])
			continue;
		snprintf(key, sizeof(key), PACKINDEX_PREFIX "/%s", l.v[i]);
		r = b->ops->remove(b, key);
		if (r == VDS_ENOTFOUND)
			r = 0;
		if (r < 0)
			goto done;
	}
	if (merged)
		*merged = nread;
done:
	packindex_packs_free(all, nall);
	free(read);
	names_free(&l);
	return r;
}
