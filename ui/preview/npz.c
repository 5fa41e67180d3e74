/*
 * npz.c - NumPy .npz archives (zip files of .npy members) through
 * libarchive: each member's header and first values, as npy.c shows them.
 * The head, then at most ARCIO_REQUESTS blocks: a large archive shows the
 * members that fit and says so.
 */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>

#include "arcio.h"
#include "util.h"

#define NPZ_MEMBERS 100
#define NPZ_MEMBER_HEAD 4096 /* bytes of each member read: header and first values */

bool pv_npz(ui_preview *p, pv_src *s)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	arcio io;
	size_t n = 0;
	int r = ARCHIVE_OK;
	unsigned char *buf = xmalloc(NPZ_MEMBER_HEAD);

	archive_read_support_format_zip(a);
	if (arcio_open(a, &io, s) != ARCHIVE_OK) {
		archive_read_free(a);
		arcio_release(&io);
		free(buf);
		return false;
	}
	pv_type(p, "application/x-npz", "NumPy arrays");
	size_t title = p->nlines;
	pv_add(p, xstrdup("NumPy .npz"));
	while (n < NPZ_MEMBERS && (r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);
		size_t got = 0;
		la_ssize_t k = 1;
		while (got < NPZ_MEMBER_HEAD && (k = archive_read_data(a, buf + got, NPZ_MEMBER_HEAD - got)) > 0)
			got += (size_t)k;
		pv_addf(p, "%s:", name ? name : "?");
		if (k < 0)
			pv_addf(p, "  %s: %s", io.over_budget ? "not read" : "damaged member",
				io.over_budget ? "past the preview's reads" : archive_error_string(a));
		else if (!pv_npy_render(p, buf, got,
					archive_entry_size_is_set(e) ? (uint64_t)archive_entry_size(e) : got, "  "))
			pv_add(p, xstrdup("  not a .npy member"));
		n++;
		if (k < 0)
			break;
	}
	free(p->lines[title]);
	p->lines[title] = xasprintf("NumPy .npz: %zu array%s", n, n == 1 ? "" : "s");
	if (r != ARCHIVE_EOF && r != ARCHIVE_OK)
		pv_addf(p, "%s: %s", io.over_budget ? "listing stopped" : "damaged .npz",
			io.over_budget ? "the rest of the archive was not read"
				       : archive_error_string(a) ? archive_error_string(a) : "unreadable");
	archive_read_free(a);
	arcio_release(&io);
	free(buf);
	return true;
}
