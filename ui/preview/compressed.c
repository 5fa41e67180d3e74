/*
 * compressed.c - .gz, .zst, .xz and .bz2 files decompressed through
 * libarchive's filters (its "raw" format), as far as the first PV_HEAD
 * bytes of what they hold, which is then previewed by its own kind (a
 * .csv.gz as a table). The head, and at most ARCIO_REQUESTS more blocks.
 */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>

#include "arcio.h"
#include "util.h"

typedef struct mem {
	const unsigned char *buf;
	size_t len;
} mem;

static int mem_read(void *arg, uint64_t off, void *buf, size_t len, size_t *got)
{
	mem *m = arg;

	*got = off < m->len ? (len < m->len - off ? len : (size_t)(m->len - off)) : 0;
	memcpy(buf, m->buf + off, *got);
	return 0;
}

/* NAME without its compression suffix. */
static char *inner_name(const char *name)
{
	static const char *const ext[] = {".gz", ".tgz", ".zst", ".xz", ".bz2", ".txz", NULL};
	char *s = xstrdup(name);

	for (int i = 0; ext[i]; i++)
		if (pv_ends(s, ext[i])) {
			size_t n = strlen(s) - strlen(ext[i]);
			if (ext[i][1] == 't')
				strcpy(s + n, ".tar");
			else
				s[n] = '\0';
			break;
		}
	return s;
}

bool pv_compressed(ui_preview *p, pv_src *s, const char *mime)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	arcio io;
	unsigned char *out = xmalloc(PV_HEAD);
	size_t got = 0;
	bool ended = false;

	archive_read_support_filter_all(a);
	archive_read_support_format_raw(a);
	if (arcio_open(a, &io, s) != ARCHIVE_OK || archive_read_next_header(a, &e) != ARCHIVE_OK) {
		pv_type(p, mime, "compressed");
		pv_addf(p, "damaged compressed file: %s",
			archive_error_string(a) ? archive_error_string(a) : "it does not decompress");
		archive_read_free(a);
		arcio_release(&io);
		free(out);
		return true;
	}
	const char *filter = archive_filter_name(a, 0);
	la_ssize_t r = 1;
	while (got < PV_HEAD && (r = archive_read_data(a, out + got, PV_HEAD - got)) > 0)
		got += (size_t)r;
	ended = r == 0;
	char *err = r < 0 ? xstrdup(archive_error_string(a) ? archive_error_string(a) : "unreadable")
			  : NULL;
	if (ended == false && r > 0 && got == PV_HEAD) {
		/* is there more? one byte tells */
		unsigned char one;
		ended = archive_read_data(a, &one, 1) == 0;
	}
	archive_read_free(a);
	arcio_release(&io);

	char *name = inner_name(s->name);
	mem m = {out, got};
	pv_src in = {.read = mem_read, .arg = &m, .name = name, .size = got, .head = out, .headlen = got};
	ui_preview inner = {0};
	if (got)
		pv_render(&inner, &in);
	else
		preview_render(&inner, name, out, 0, 0);
	pv_type(p, mime, "compressed");
	const char *im = inner.mime ? inner.mime : "?";
	pv_addf(p, "%s-compressed %.*s, %s", filter ? filter : "?", (int)strcspn(im, ";"), im,
		ended ? "decompressed whole" : "the first 64 KiB decompressed");
	if (err)
		pv_addf(p, "damaged: %s (what decompressed before it is shown)", err);
	for (size_t i = 0; i < inner.nlines; i++)
		pv_add(p, inner.lines[i]);
	inner.nlines = 0;
	preview_release(&inner);
	p->truncated = !ended;
	free(err);
	free(name);
	free(out);
	return true;
}
