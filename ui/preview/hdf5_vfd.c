/*
 * hdf5_vfd.c - a read-only libhdf5 file driver over a preview source: the
 * superblock and object headers libhdf5 asks for come from the head, from
 * blocks already fetched, or from new blocks of HDF5_BLOCK bytes fetched
 * by ranged reads while the preview's budget of requests lasts (then the
 * read fails, and the preview says what it could not read).
 */
#include "config.h"

#include <hdf5.h>
#include <stdlib.h>
#include <string.h>

#include "hdf5_vfd.h"
#include "util.h"

#define HDF5_BLOCK (256 * 1024)
#define HDF5_BLOCKS 4

typedef struct vfd {
	H5FD_t pub; /* first: libhdf5 sees this */
	pv_src *s;
	haddr_t eoa;
	unsigned char *block[HDF5_BLOCKS];
	uint64_t block_off[HDF5_BLOCKS];
	size_t block_len[HDF5_BLOCKS];
	int nblocks;
} vfd;

static _Thread_local pv_src *opening; /* the source of the next open */
static _Thread_local bool over_budget;

static H5FD_t *v_open(const char *name, unsigned flags, hid_t fapl, haddr_t maxaddr)
{
	(void)name, (void)fapl, (void)maxaddr;
	if ((flags & (H5F_ACC_RDWR | H5F_ACC_CREAT | H5F_ACC_TRUNC)) || !opening)
		return NULL;
	vfd *f = xcalloc(1, sizeof(*f));
	f->s = opening;
	return &f->pub;
}

static herr_t v_close(H5FD_t *file)
{
	vfd *f = (vfd *)file;

	for (int i = 0; i < f->nblocks; i++)
		free(f->block[i]);
	free(f);
	return 0;
}

static haddr_t v_get_eoa(const H5FD_t *file, H5FD_mem_t type)
{
	(void)type;
	return ((const vfd *)file)->eoa;
}

static herr_t v_set_eoa(H5FD_t *file, H5FD_mem_t type, haddr_t addr)
{
	(void)type;
	((vfd *)file)->eoa = addr;
	return 0;
}

static haddr_t v_get_eof(const H5FD_t *file, H5FD_mem_t type)
{
	(void)type;
	return (haddr_t)((const vfd *)file)->s->size;
}

/* Copies what of [off, off + len) a held range has; returns the bytes copied from OFF on. */
static size_t from(const unsigned char *buf, uint64_t boff, size_t blen, uint64_t off, size_t len,
		   unsigned char *out)
{
	if (off < boff || off >= boff + blen)
		return 0;
	size_t n = (size_t)(boff + blen - off);
	if (n > len)
		n = len;
	memcpy(out, buf + (off - boff), n);
	return n;
}

static herr_t v_read(H5FD_t *file, H5FD_mem_t type, hid_t dxpl, haddr_t addr, size_t size, void *buffer)
{
	vfd *f = (vfd *)file;
	pv_src *s = f->s;
	unsigned char *out = buffer;
	uint64_t off = addr;

	(void)type, (void)dxpl;
	while (size) {
		size_t n = from(s->head, 0, s->headlen, off, size, out);
		for (int i = 0; !n && i < f->nblocks; i++)
			n = from(f->block[i], f->block_off[i], f->block_len[i], off, size, out);
		if (!n) {
			if (off >= s->size) { /* past the end: HDF5 reads zeros there */
				memset(out, 0, size);
				return 0;
			}
			if (s->requests >= 1 + HDF5_REQUESTS) {
				over_budget = true;
				return -1;
			}
			int i = f->nblocks < HDF5_BLOCKS ? f->nblocks++ : (int)(s->requests % HDF5_BLOCKS);
			uint64_t boff = off & ~(uint64_t)(HDF5_BLOCK - 1);
			size_t blen = s->size - boff < HDF5_BLOCK ? (size_t)(s->size - boff) : HDF5_BLOCK;
			if (!f->block[i])
				f->block[i] = xmalloc(HDF5_BLOCK);
			f->block_len[i] = 0;
			if (pv_read(s, boff, f->block[i], blen) < 0)
				return -1;
			f->block_off[i] = boff, f->block_len[i] = blen;
			continue;
		}
		out += n, off += n, size -= n;
	}
	return 0;
}

static herr_t v_write(H5FD_t *file, H5FD_mem_t type, hid_t dxpl, haddr_t addr, size_t size,
		      const void *buffer)
{
	(void)file, (void)type, (void)dxpl, (void)addr, (void)size, (void)buffer;
	return -1;
}

static const H5FD_class_t driver = {
	.name = "vds-preview",
	.maxaddr = (haddr_t)1 << 62,
	.fc_degree = H5F_CLOSE_WEAK,
	.open = v_open,
	.close = v_close,
	.get_eoa = v_get_eoa,
	.set_eoa = v_set_eoa,
	.get_eof = v_get_eof,
	.read = v_read,
	.write = v_write,
	.fl_map = H5FD_FLMAP_DICHOTOMY,
};

hid_t pv_hdf5_open(pv_src *s)
{
	static _Thread_local hid_t id = -1;

	if (id < 0)
		id = H5FDregister(&driver);
	if (id < 0)
		return -1;
	hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
	H5Pset_driver(fapl, id, NULL);
	opening = s;
	over_budget = false;
	hid_t f = H5Fopen("preview", H5F_ACC_RDONLY, fapl);
	opening = NULL;
	H5Pclose(fapl);
	return f;
}

bool pv_hdf5_over_budget(void)
{
	return over_budget;
}
