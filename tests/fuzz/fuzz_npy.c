/*
 * fuzz_npy.c - the .npy header parser and renderer of the browser's
 * previews (ui/preview/npy.c, compiled in as it is): the header dict read
 * by hand, dtypes, shapes, first values and their statistics.
 *
 * Input: the bytes of an .npy file's head; the file's size is taken as the
 * input's size, then as twice it (values beyond what was read).
 */
#include "../../ui/preview/common.c"
#include "../../ui/preview/npy.c"

#include "fuzz.h"

/* What preview_release() of ui/preview.c does, without linking it in. */
static void release(ui_preview *p)
{
	for (size_t i = 0; i < p->nlines; i++)
		free(p->lines[i]);
	free(p->lines);
	free(p->mime);
	free(p->describe);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *buf = (unsigned char *)fuzz_bytes(data, size);
	pv_npy_hdr h;

	for (int round = 0; round < 2; round++) {
		ui_preview p = {0};
		const char *err = pv_npy_parse(buf, size, &h);
		bool shown = pv_npy_render(&p, buf, size, round ? 2 * (uint64_t)size : size, "");
		FUZZ_CHECK(shown == !(err && !strcmp(err, "not a .npy file")));
		FUZZ_CHECK(err || (h.ndim <= 8 && h.data_off <= size));
		for (size_t i = 0; i < p.nlines; i++)
			FUZZ_CHECK(p.lines[i]);
		release(&p);
	}
	free(buf);
	return 0;
}
