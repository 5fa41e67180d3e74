/*
 * archive.c - tar, zip, 7z and cpio archives listed through libarchive:
 * each member's size, time and name. The head, then at most ARCIO_REQUESTS
 * blocks where libarchive seeks (a zip's central directory, the next tar
 * headers); a longer listing says where it stopped.
 */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "arcio.h"
#include "util.h"

#define ARCHIVE_MEMBERS 1000 /* members listed */

bool pv_archive(ui_preview *p, pv_src *s, const char *mime)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	arcio io;
	size_t n = 0;
	uint64_t total = 0;
	int r;

	archive_read_support_filter_all(a);
	archive_read_support_format_all(a);
	if (arcio_open(a, &io, s) != ARCHIVE_OK) {
		archive_read_free(a);
		arcio_release(&io);
		return false;
	}
	pv_type(p, mime, "archive");
	size_t title = p->nlines;
	pv_add(p, xstrdup("archive"));
	while (n < ARCHIVE_MEMBERS && (r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		char size[32] = "", when[32] = "";
		if (archive_entry_size_is_set(e))
			pv_size((uint64_t)archive_entry_size(e), size);
		if (archive_entry_mtime_is_set(e)) {
			time_t t = archive_entry_mtime(e);
			struct tm tm;
			if (gmtime_r(&t, &tm))
				strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
		}
		const char *name = archive_entry_pathname_utf8(e);
		if (!name)
			name = archive_entry_pathname(e);
		pv_addf(p, "%8s  %-16s  %s", size, when, name ? name : "?");
		total += archive_entry_size_is_set(e) ? (uint64_t)archive_entry_size(e) : 0;
		n++;
		archive_read_data_skip(a);
	}
	char sum[32];
	pv_size(total, sum);
	free(p->lines[title]);
	p->lines[title] = xasprintf("%s: %zu member%s, %s", archive_format_name(a) ? archive_format_name(a) : "archive", n,
				    n == 1 ? "" : "s", sum);
	if (n == ARCHIVE_MEMBERS)
		pv_addf(p, "(the first %d members)", ARCHIVE_MEMBERS);
	else if (r != ARCHIVE_EOF)
		pv_addf(p, "%s: %s", io.over_budget ? "listing stopped" : "damaged archive",
			io.over_budget ? "the rest of the archive was not read"
				       : archive_error_string(a) ? archive_error_string(a) : "unreadable");
	archive_read_free(a);
	arcio_release(&io);
	return true;
}
