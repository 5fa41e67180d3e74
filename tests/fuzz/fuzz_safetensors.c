/*
 * fuzz_safetensors.c - the safetensors header renderer of the browser's
 * previews (ui/preview/safetensors.c, compiled in as it is): tensor
 * entries, shapes, offsets against the data size, __metadata__.
 *
 * Input: the header's JSON bytes; the data after it is taken as 4096 bytes.
 */
#include "../../ui/preview/common.c"
#include "../../ui/preview/safetensors.c"

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
	char *buf = fuzz_bytes(data, size);
	ui_preview p = {0};

	pv_safetensors_render(&p, buf, size, 4096);
	FUZZ_CHECK(p.nlines >= 1);
	for (size_t i = 0; i < p.nlines; i++)
		FUZZ_CHECK(p.lines[i]);
	release(&p);
	free(buf);
	return 0;
}
