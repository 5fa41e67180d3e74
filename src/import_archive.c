/*
 * import_archive.c - unpacking a downloaded tar (any compression libarchive
 * knows) or zip archive into a draft, entry by entry through spool files.
 * Paths get the safety of "files get": no absolute paths, no "..", no link
 * leading out of the tree; any such entry fails the whole import.
 */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "import.h"
#include "manifest.h"
#include "walk.h"

#define ZEROS (64 * 1024)

/* Version path of entry NAME below FOLDER, after the safety checks; malloc'd or NULL. */
static int entry_path(const char *name, const char *folder, const char *what, char **out)
{
	char *norm = NULL;
	int r;

	if (!name || !*name)
		return vds_err(VDS_EINVAL, "an entry without a name in archive %s", what);
	if (name[0] == '/' || name[0] == '\\')
		return vds_err(VDS_EINVAL, "absolute path %s in archive %s", q(name), what);
	while (!strncmp(name, "./", 2)) /* "./a" is a's usual spelling in tar files */
		name += 2;
	if (!*name || !strcmp(name, ".")) {
		*out = NULL; /* the archive's root folder itself */
		return 0;
	}
	if ((r = vds_path_normalize(name, &norm)) < 0)
		return vds_err(VDS_EINVAL, "unsafe path %s in archive %s", q(name), what);
	*out = *folder ? xasprintf("%s/%s", folder, norm) : xstrdup(norm);
	free(norm);
	if ((r = path_check(*out)) < 0) {
		char msg[512];
		snprintf(msg, sizeof(msg), "%s", vds_errmsg());
		free(*out);
		return vds_err(r, "in archive %s: %s", what, msg);
	}
	return 0;
}

/* Writes the data of the current entry into spool S (sparse holes as zeros). */
static int entry_data(struct archive *a, spool *s, const char *what, atomic_int *cancel)
{
	static const char zeros[ZEROS];
	const void *buf;
	size_t len;
	la_int64_t off;
	int r;

	for (;;) {
		if (cancel && atomic_load(cancel))
			return vds_err(VDS_ECANCELED, "cancelled");
		int e = archive_read_data_block(a, &buf, &len, &off);
		if (e == ARCHIVE_EOF)
			return 0;
		if (e < ARCHIVE_WARN)
			return vds_err(VDS_ECORRUPT, "archive %s is damaged: %s", what,
				       archive_error_string(a));
		while ((uint64_t)off > s->size) { /* a hole of a sparse file */
			uint64_t gap = (uint64_t)off - s->size;
			if ((r = spool_write(s, zeros, gap < ZEROS ? (size_t)gap : ZEROS)) < 0)
				return r;
		}
		if (len && (r = spool_write(s, buf, len)) < 0)
			return r;
	}
}

/* The entry of IT already unpacked at DEST, or NULL. */
static const import_entry *unpacked(const import_item *it, const char *dest)
{
	for (size_t i = it->n; i-- > 0;)
		if (!strcmp(it->v[i].dest, dest))
			return &it->v[i];
	return NULL;
}

/* Adds entry DEST with the content of TEXT (a link's target). */
static int put_text(pool *p, vds_backend *b, import_item *it, const char *dest, const char *text,
		    int64_t mtime)
{
	unsigned char sha[32];
	spool s;
	int r;

	if ((r = spool_open(&s, b, NULL)) < 0)
		return r;
	(void)p;
	if ((r = spool_write(&s, text, strlen(text))) < 0) {
		spool_drop(&s);
		return r;
	}
	spool_hash(&s, sha);
	return import_put_hashed(it, &s, sha, dest, VDS_LINK, 0777, mtime);
}

/* Unpacks the current entry E (at DEST) of archive A. */
static int unpack_entry(pool *p, vds_backend *b, import_item *it, struct archive *a,
			struct archive_entry *e, const char *dest, const char *what,
			const char *folder)
{
	int64_t mtime = archive_entry_mtime_is_set(e) ? archive_entry_mtime(e) : (int64_t)time(NULL);
	const char *hard = archive_entry_hardlink(e);
	unsigned char sha[32];
	spool s;
	int r;

	if (hard) { /* the same content as an entry before it */
		char *target;
		const import_entry *t;
		if ((r = entry_path(hard, folder, what, &target)) < 0)
			return r;
		t = target ? unpacked(it, target) : NULL;
		free(target);
		if (!t)
			return vds_err(VDS_EINVAL, "hard link %s in archive %s names no file before it",
				       q(archive_entry_pathname(e)), what);
		import_entry copy = *t;
		if (it->n == it->cap) {
			it->cap = it->cap ? it->cap * 2 : 4;
			it->v = xrealloc(it->v, it->cap * sizeof(*it->v));
		}
		copy.dest = xstrdup(dest);
		it->v[it->n++] = copy;
		return 0;
	}
	switch (archive_entry_filetype(e)) {
	case AE_IFDIR:
		return 0; /* folders exist through their files */
	case AE_IFLNK: {
		const char *target = archive_entry_symlink(e);
		if (!target || !*target || !link_inside(dest, target))
			return vds_err(VDS_EINVAL, "link %s in archive %s points outside the tree",
				       q(archive_entry_pathname(e)), what);
		return put_text(p, b, it, dest, target, mtime);
	}
	case AE_IFREG:
		break;
	default:
		pool_warn(p, "skipping special file %s in archive %s", q(archive_entry_pathname(e)),
			  what);
		return 0;
	}
	if ((r = spool_open(&s, b, NULL)) < 0)
		return r;
	if ((r = entry_data(a, &s, what, p->opts ? p->opts->cancel : NULL)) < 0) {
		spool_drop(&s);
		return r;
	}
	spool_hash(&s, sha);
	return import_put_hashed(it, &s, sha, dest, VDS_FILE,
				 (uint32_t)(archive_entry_perm(e) & 0777), mtime);
}

int archive_unpack(pool *p, vds_backend *b, import_item *it, const char *path, const char *what,
		   const char *folder)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	int r = 0;

	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	archive_read_support_format_zip(a);
	if (archive_read_open_filename(a, path, 1 << 20) != ARCHIVE_OK) {
		r = vds_err(VDS_EINVAL, "%s is not a tar or zip archive: %s", what,
			    archive_error_string(a));
		goto out;
	}
	for (;;) {
		int h = archive_read_next_header(a, &e);
		char *dest = NULL;
		if (h == ARCHIVE_EOF)
			break;
		if (h < ARCHIVE_WARN) {
			r = vds_err(it->n ? VDS_ECORRUPT : VDS_EINVAL, "%s %s: %s", what,
				    it->n ? "is damaged" : "is not a tar or zip archive",
				    archive_error_string(a));
			break;
		}
		if ((r = entry_path(archive_entry_pathname(e), folder, what, &dest)) < 0)
			break;
		if (dest)
			r = unpack_entry(p, b, it, a, e, dest, what, folder);
		free(dest);
		if (r < 0)
			break;
	}
	if (r == 0 && !it->n)
		r = vds_err(VDS_EINVAL, "archive %s holds no files", what);
out:
	archive_read_free(a);
	return r;
}
