/*
 * jpeg_hdr.c - a JPEG's markers read by hand up to its first scan, within
 * the bytes a preview read first: the frame (SOF: dimensions, components,
 * progressive or not) and an embedded thumbnail (EXIF's IFD1 in APP1, or a
 * JFIF extension in APP0), located but not decoded. Every offset is
 * checked against the buffer: the bytes come from a bucket.
 */
#include "config.h"

#include <string.h>

#include "pv.h"

static unsigned be16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* A TIFF integer of N (2 or 4) bytes at P, in the byte order LE says. */
static uint32_t tiff_int(const unsigned char *p, int n, bool le)
{
	uint32_t v = 0;

	for (int i = 0; i < n; i++)
		v |= (uint32_t)p[i] << (8 * (le ? i : n - 1 - i));
	return v;
}

/* The thumbnail of the EXIF block T (LEN bytes, from its TIFF header): where in T, or false. */
static bool exif_thumb(const unsigned char *t, size_t len, size_t *off, size_t *n)
{
	if (len < 8 || !((t[0] == 'I' && t[1] == 'I') || (t[0] == 'M' && t[1] == 'M')))
		return false;
	bool le = t[0] == 'I';
	if (tiff_int(t + 2, 2, le) != 42)
		return false;
	uint32_t ifd = tiff_int(t + 4, 4, le);
	/* IFD0, then the next one: IFD1 describes the thumbnail */
	for (int k = 0; k < 2; k++) {
		if (ifd < 8 || ifd > len - 2)
			return false;
		uint32_t count = tiff_int(t + ifd, 2, le);
		if ((uint64_t)ifd + 2 + 12 * (uint64_t)count + 4 > len)
			return false;
		const unsigned char *e = t + ifd + 2;
		if (k == 0) {
			ifd = tiff_int(e + 12 * count, 4, le);
			continue;
		}
		uint32_t at = 0, size = 0;
		for (uint32_t i = 0; i < count; i++, e += 12) {
			unsigned tag = tiff_int(e, 2, le);
			if (tag == 0x0201)
				at = tiff_int(e + 8, 4, le);
			else if (tag == 0x0202)
				size = tiff_int(e + 8, 4, le);
		}
		if (!at || size < 4 || at > len || size > len - at || t[at] != 0xff || t[at + 1] != 0xd8)
			return false;
		*off = at, *n = size;
	}
	return true;
}

const char *pv_jpeg_parse(const unsigned char *buf, size_t len, pv_jpeg_hdr *h)
{
	size_t pos = 2;

	memset(h, 0, sizeof(*h));
	if (len < 3 || buf[0] != 0xff || buf[1] != 0xd8 || buf[2] != 0xff)
		return "not a JPEG file";
	for (;;) {
		while (pos < len && buf[pos] == 0xff && pos + 1 < len && buf[pos + 1] == 0xff)
			pos++; /* fill bytes */
		if (pos + 2 > len)
			break;
		if (buf[pos] != 0xff)
			return h->frame ? NULL : "a marker is not where one must be";
		unsigned m = buf[pos + 1];
		if (m == 0x01 || (m >= 0xd0 && m <= 0xd8)) { /* no length */
			pos += 2;
			continue;
		}
		if (m == 0xd9 || m == 0xda) /* the end, or the first scan */
			break;
		if (pos + 4 > len)
			break;
		size_t seg = be16(buf + pos + 2); /* its length, these two bytes included */
		if (seg < 2)
			return "a marker segment is shorter than its length field";
		const unsigned char *d = buf + pos + 4;
		size_t dlen = seg - 2;
		if (pos + 2 + seg > len)
			break; /* beyond what was read */
		if (m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc) {
			if (dlen < 6)
				return "its frame header (SOF) is too short";
			h->frame = true;
			h->sof = (int)(m - 0xc0);
			h->bits = d[0];
			h->h = (int)be16(d + 1);
			h->w = (int)be16(d + 3);
			h->components = d[5];
			h->progressive = m == 0xc2 || m == 0xc6 || m == 0xca || m == 0xce;
		} else if (m == 0xe1 && dlen >= 6 && !memcmp(d, "Exif\0\0", 6) && !h->thumb_len) {
			size_t off, n;
			if (exif_thumb(d + 6, dlen - 6, &off, &n)) {
				h->thumb_off = (size_t)(d + 6 - buf) + off;
				h->thumb_len = n;
				h->thumb_from = "EXIF";
			}
		} else if (m == 0xe0 && dlen >= 8 && !memcmp(d, "JFXX\0", 5) && d[5] == 0x10 &&
			   d[6] == 0xff && d[7] == 0xd8 && !h->thumb_len) {
			h->thumb_off = (size_t)(d + 6 - buf);
			h->thumb_len = dlen - 6;
			h->thumb_from = "JFIF";
		}
		pos += 2 + seg;
	}
	if (!h->frame)
		return "no frame header (SOF) in the bytes read";
	return NULL;
}
