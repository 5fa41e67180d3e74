/*
 * fuzz_parquet.c - the minimal Parquet reader of the browser's previews
 * (ui/preview/parquet.c, compiled in as it is): FileMetaData in Thrift's
 * compact protocol, schema trees, row groups and their column chunks.
 *
 * Input: the footer metadata bytes (what precedes the length and "PAR1").
 */
#include "../../ui/preview/common.c"
#include "../../ui/preview/parquet.c"

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
	ui_preview p = {0};

	bool ok = pv_parquet_render(&p, buf, size);
	FUZZ_CHECK(p.nlines >= (ok ? 1u : 2u));
	FUZZ_CHECK(!strncmp(p.lines[0], "Parquet: ", 9));
	for (size_t i = 0; i < p.nlines; i++)
		FUZZ_CHECK(p.lines[i]);
	release(&p);
	free(buf);
	return 0;
}
