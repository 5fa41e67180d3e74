/*
 * fuzz_parquet.c - the minimal Parquet reader of the browser's previews
 * (ui/preview/parquet.c, compiled in as it is): FileMetaData in Thrift's
 * compact protocol, schema trees, row groups and their column chunks
 * (parquet.c, thrift.c), and the decoding of the first rows (parquet_rows.c).
 *
 * Input: the footer metadata bytes (what precedes the length and "PAR1"),
 * which are then also taken as the column chunks' bytes (from offset 0)
 * for the first rows: page headers, codecs, levels, dictionaries, values.
 */
#include "../../ui/preview.c" /* preview_table(), preview_release() */
#include "../../ui/preview/common.c"
#include "../../ui/preview/parquet.c"
#include "../../ui/preview/thrift.c"
#include "../../ui/preview/parquet_rows.c"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *buf = (unsigned char *)fuzz_bytes(data, size);
	ui_preview p = {0};
	pq_meta m;

	bool ok = pq_footer(&p, buf, size, &m);
	FUZZ_CHECK(p.nlines >= (ok ? 1u : 2u));
	FUZZ_CHECK(!strncmp(p.lines[0], "Parquet: ", 9));
	FUZZ_CHECK(m.ncols <= PQ_LEAVES && m.nchunks <= m.ncols);
	/* the same bytes as the column chunks, as if read from offset 0 */
	if (ok && m.ncols)
		pq_rows(&p, &m, buf, size, 0);
	for (size_t i = 0; i < p.nlines; i++)
		FUZZ_CHECK(p.lines[i]);
	pq_meta_release(&m);
	preview_release(&p);
	free(buf);
	return 0;
}
