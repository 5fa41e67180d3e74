/*
 * fuzz_png.c - the bounded PNG decoding of the browser's previews
 * (ui/preview/png_decode.c, over libpng's progressive reader, compiled in
 * as it is): rows sampled as they arrive, interlaced rows combined pass by
 * pass, what decoded before damage kept.
 *
 * Input: a PNG file, decoded for a picture of 40 x 24 pixels.
 */
#include "../../ui/preview/common.c"
#include "../../ui/preview/png_decode.c"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *buf = (unsigned char *)fuzz_bytes(data, size);
	pv_pixels px;
	pv_png_info info;
	bool cut;
	char err[200];

	if (pv_png_decode(buf, size, 40, 24, &px, &info, &cut, err)) {
		FUZZ_CHECK(px.px && px.w > 0 && px.h > 0 && px.w <= 80 && px.h <= 48);
		FUZZ_CHECK(px.stride == 4 * px.w && px.alpha);
		FUZZ_CHECK((uint64_t)info.w * info.h <= PIXELS_MAX && (unsigned)px.w <= info.w);
		unsigned long sum = 0; /* every byte read: allocated and set */
		for (size_t i = 0; i < (size_t)px.stride * px.h; i++)
			sum += px.px[i];
		FUZZ_CHECK(sum <= 255ul * (size_t)px.stride * px.h);
		pv_pixels_release(&px);
	} else {
		FUZZ_CHECK(memchr(err, '\0', 200) && err[0]);
	}
	free(buf);
	return 0;
}
