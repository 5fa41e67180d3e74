/*
 * fuzz_jpeg.c - the JPEG marker reader of the browser's previews
 * (ui/preview/jpeg_hdr.c: the frame header, EXIF's IFDs and JFIF's
 * extension, located by offsets from the file) and the scaled decoding
 * with rows sampled as they arrive (ui/preview/jpeg_decode.c, over
 * libjpeg-turbo), both compiled in as they are.
 *
 * Input: the head of a JPEG file. Its embedded thumbnail, when one is
 * found, is decoded; then the whole input, into a small picture.
 */
#include "../../ui/preview/common.c"
#include "../../ui/preview/jpeg_hdr.c"
#include "../../ui/preview/jpeg_decode.c"

#include "fuzz.h"

/* Decodes BUF (LEN bytes) for a picture of at most W x H and checks what came out. */
static void decode(const unsigned char *buf, size_t len, int w, int h)
{
	pv_pixels px;
	bool cut;
	char err[200];

	if (!pv_jpeg_decode(buf, len, w, h, &px, &cut, err)) {
		FUZZ_CHECK(memchr(err, '\0', 200));
		return;
	}
	FUZZ_CHECK(px.px && px.w > 0 && px.h > 0 && px.w <= 2 * w && px.h <= 2 * h && px.stride == 3 * px.w);
	FUZZ_CHECK(px.eighths >= 1 && px.eighths <= 8);
	unsigned long sum = 0; /* every byte read: allocated and set */
	for (size_t i = 0; i < (size_t)px.stride * px.h; i++)
		sum += px.px[i];
	FUZZ_CHECK(sum <= 255ul * (size_t)px.stride * px.h);
	pv_pixels_release(&px);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *buf = (unsigned char *)fuzz_bytes(data, size);
	pv_jpeg_hdr h;

	const char *err = pv_jpeg_parse(buf, size, &h);
	FUZZ_CHECK(err || h.frame);
	if (h.thumb_len) {
		FUZZ_CHECK(h.thumb_off < size && h.thumb_len <= size - h.thumb_off);
		FUZZ_CHECK(buf[h.thumb_off] == 0xff && buf[h.thumb_off + 1] == 0xd8);
		FUZZ_CHECK(!strcmp(h.thumb_from, "EXIF") || !strcmp(h.thumb_from, "JFIF"));
		decode(buf + h.thumb_off, h.thumb_len, 40, 24);
	}
	/* images as large as the header says would be slow to fuzz: small frames only */
	if (!err && (uint64_t)h.w * h.h <= 1u << 20)
		decode(buf, size, 40, 24);
	free(buf);
	return 0;
}
