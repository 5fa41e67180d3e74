/*
 * fuzz_preview.c - the browser's preview renderers (ui/preview.c), which
 * turn a file's first bytes into lines of text without curses: plain text,
 * CSV and TSV tables, pretty-printed JSON, hex dumps, and preview_render()
 * choosing among them with libmagic. ui/preview.c is compiled into this
 * target as it is, to reach its renderers.
 *
 * Input: one digit choosing the way in, then the file's bytes:
 *   0 text  1 CSV  2 TSV  3 JSON  4 hex
 *   5..9 preview_render() of a file named "file", "x.csv", "x.tsv", "x.json", "x.txt"
 * (any other first byte: its value modulo 10).
 */
#include "../../ui/preview.c"

#include "fuzz.h"

static void check_lines(const ui_preview *p)
{
	FUZZ_CHECK(p->nlines == 0 || p->lines);
	for (size_t i = 0; i < p->nlines; i++)
		FUZZ_CHECK(p->lines[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {"file", "x.csv", "x.tsv", "x.json", "x.txt"};
	ui_preview p = {0};
	unsigned way;
	char *buf;

	if (!size)
		return 0;
	way = (unsigned char)(data[0] - '0') % 10;
	data++, size--;
	buf = fuzz_bytes(data, size);
	switch (way) {
	case 0:
		render_text(&p, buf, size);
		break;
	case 1:
		render_table(&p, buf, size, ',');
		break;
	case 2:
		render_table(&p, buf, size, '\t');
		break;
	case 3:
		if (!render_json(&p, buf, size))
			FUZZ_CHECK(p.nlines == 0);
		break;
	case 4:
		render_hex(&p, (const unsigned char *)buf, size);
		FUZZ_CHECK(p.nlines == (size < HEX_BYTES ? size : HEX_BYTES) / 16 +
						 ((size < HEX_BYTES ? size : HEX_BYTES) % 16 != 0));
		for (size_t i = 0; i < p.nlines; i++)
			FUZZ_CHECK(strlen(p.lines[i]) <= 10 + 16 * 3 + 1 + 2 + 16 + 1);
		break;
	default:
		/* as the preview pane calls it: the first bytes of a larger file, or all of it */
		preview_render(&p, names[way - 5], (const unsigned char *)buf, size,
			       size + (size & 1));
		FUZZ_CHECK(p.mime && p.describe); /* no lines: nothing to show, as for "\r" */
		break;
	}
	check_lines(&p);
	preview_release(&p);
	free(buf);
	return 0;
}
