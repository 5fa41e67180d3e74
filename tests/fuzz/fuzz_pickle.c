/*
 * fuzz_pickle.c - the pickle sniff of the browser's previews
 * (ui/preview/pickle.c, compiled in as it is): the protocol read from the
 * first bytes, never unpickled, for files named .pkl and others.
 *
 * Input: the file's head; the first byte's low bit chooses the name
 * ("x.pkl" or "x.bin"), the rest is the head.
 */
#include "../../ui/preview/common.c"
#include "../../ui/preview/pickle.c"

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
	if (!size)
		return 0;
	unsigned char *buf = (unsigned char *)fuzz_bytes(data + 1, size - 1);
	pv_src s = {.name = data[0] & 1 ? "x.pkl" : "x.bin", .size = size - 1, .head = buf,
		    .headlen = size - 1};
	ui_preview p = {0};

	int proto = pv_pickle_protocol(buf, size - 1);
	FUZZ_CHECK(proto >= -1 && proto <= 5);
	bool shown = pv_pickle(&p, &s);
	FUZZ_CHECK(shown == ((data[0] & 1) || proto >= 2));
	FUZZ_CHECK(!shown || p.nlines == 2);
	FUZZ_CHECK(s.requests == 0);
	release(&p);
	free(buf);
	return 0;
}
