/*
 * compress.c - the per-chunk compression decision and codec, through
 * libzstd. A chunk longer than COMPRESS_PROBE bytes is first judged by
 * compressing its first COMPRESS_PROBE bytes: if they do not shrink by
 * 1/COMPRESS_MIN_SAVING, the chunk is kept as it is (already-compressed
 * images and archives cost one small trial). Otherwise the whole chunk is
 * compressed, and the result kept only if it saves that fraction.
 *
 * A compressed chunk is exactly one zstd frame (RFC 8878) with its content
 * size and its content checksum (4 bytes of XXH64, which zstd checks as it
 * decodes, so a damaged chunk is refused here and not only by the SHA-256
 * of what it holds). Reading one back refuses anything else: another
 * frame, no checksum, trailing bytes, a missing or different length.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <zstd.h>

#include "compress.h"
#include "util.h"

struct compress_ctx {
	ZSTD_CCtx *cctx;
	ZSTD_DCtx *dctx;
	void *buf; /* the compressed form of the last chunk */
	size_t cap;
};

compress_ctx *compress_new(int level)
{
	compress_ctx *z = xcalloc(1, sizeof(*z));

	z->cctx = ZSTD_createCCtx();
	z->dctx = ZSTD_createDCtx();
	if (!z->cctx || !z->dctx)
		abort();
	if (ZSTD_isError(ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_compressionLevel, level)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_contentSizeFlag, 1)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_checksumFlag, 1)))
		abort();
	return z;
}

void compress_free(compress_ctx *z)
{
	if (!z)
		return;
	ZSTD_freeCCtx(z->cctx);
	ZSTD_freeDCtx(z->dctx);
	free(z->buf);
	free(z);
}

/* The largest compressed size worth keeping for SIZE bytes: 1/COMPRESS_MIN_SAVING less. */
static size_t worth(size_t size)
{
	return size - size / COMPRESS_MIN_SAVING;
}

/* Compresses SIZE bytes at DATA into Z's buffer if it fits in worth(SIZE)
 * bytes: the compressed size, or 0 if it does not pay. */
static size_t squeeze(compress_ctx *z, const void *data, size_t size)
{
	size_t limit = worth(size), n;

	if (z->cap < limit) {
		free(z->buf);
		z->buf = xmalloc(limit);
		z->cap = limit;
	}
	n = ZSTD_compress2(z->cctx, z->buf, limit, data, size);
	return ZSTD_isError(n) ? 0 : n;
}

bool compress_chunk(compress_ctx *z, const void *data, size_t size, const void **out,
		    size_t *out_size)
{
	size_t n = 0;

	if (size >= 2 * COMPRESS_MIN_SAVING &&
	    (size <= COMPRESS_PROBE || squeeze(z, data, COMPRESS_PROBE)))
		n = squeeze(z, data, size);
	*out = n ? z->buf : data;
	*out_size = n ? n : size;
	return n != 0;
}

int decompress_chunk(compress_ctx *z, const void *in, size_t in_size, void *out, size_t expect,
		     const char *what)
{
	const unsigned char *b = in;
	unsigned long long len;
	size_t n;

	/* the magic number, then the frame header descriptor: bit 2 is the checksum flag */
	if (in_size < 5 || ((uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
			    (uint32_t)b[3] << 24) != ZSTD_MAGICNUMBER ||
	    (len = ZSTD_getFrameContentSize(in, in_size)) == ZSTD_CONTENTSIZE_ERROR)
		return vds_err(VDS_ECORRUPT, "chunk %s: not a zstd frame", q(what));
	if (len == ZSTD_CONTENTSIZE_UNKNOWN || !(b[4] & 0x04))
		return vds_err(VDS_ECORRUPT, "chunk %s: its zstd frame lacks its %s", q(what),
			       len == ZSTD_CONTENTSIZE_UNKNOWN ? "length" : "checksum");
	if (len != expect)
		return vds_err(VDS_ECORRUPT, "chunk %s: holds %llu bytes, expected %zu", q(what),
			       len, expect);
	n = ZSTD_findFrameCompressedSize(in, in_size);
	if (ZSTD_isError(n) || n != in_size)
		return vds_err(VDS_ECORRUPT, "chunk %s: %s", q(what),
			       ZSTD_isError(n) ? "a truncated zstd frame"
					       : "bytes after its zstd frame");
	n = ZSTD_decompressDCtx(z->dctx, out, expect, in, in_size);
	if (ZSTD_isError(n))
		return vds_err(VDS_ECORRUPT, "chunk %s: damaged zstd data (%s)", q(what),
			       ZSTD_getErrorName(n));
	if (n != expect)
		return vds_err(VDS_ECORRUPT, "chunk %s: expands to %zu bytes, expected %zu",
			       q(what), n, expect);
	return 0;
}
