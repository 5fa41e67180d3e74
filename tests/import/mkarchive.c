/*
 * mkarchive - writes archives for the import tests, with entry names taken verbatim.
 *
 * Usage:
 *   mkarchive FORMAT OUT ENTRY...
 *
 * FORMAT is one of tar (POSIX tar), tgz (tar + gzip), tbz2 (tar + bzip2),
 * txz (tar + xz), zst (tar + zstd, an error where libarchive cannot write it),
 * zip or 7z. OUT is the archive file written. Each ENTRY adds one archive entry,
 * in the order given:
 *
 *   f:NAME=TEXT     a regular file, mode 0644, holding TEXT
 *   F:NAME=SIZE     a regular file of SIZE bytes (a decimal number, optionally
 *                   followed by K or M: times 1024 or 1048576) whose byte i is
 *                   i * 31 mod 251
 *   x:NAME=TEXT     an executable file, mode 0755, holding TEXT
 *   d:NAME          a directory, mode 0755
 *   l:NAME=TARGET   a symbolic link to TARGET
 *   h:NAME=TARGET   a hard link to TARGET (normally an earlier entry's name)
 *   p:NAME          a fifo, mode 0644
 *
 * NAME is the part before the first '=' and is used as it is: nothing is
 * checked or cleaned, so names like "../x", "/abs" or "a/../../x" and links
 * pointing anywhere can be written. TEXT and TARGET are everything after that
 * '=' (possibly empty for TEXT). Every entry has mtime 1700000000, owner 0:0.
 * A zip cannot hold a fifo or a hard link: such an entry is an error. The
 * same arguments always give the same bytes (tgz carries no time stamp).
 *
 * Exit status: 0 on success, 1 with a one-line message on stderr otherwise
 * (OUT is then removed).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <archive.h>
#include <archive_entry.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MTIME 1700000000
#define CHUNK (64 * 1024)

static const char *g_out; /* removed on failure once set */

/* Print "mkarchive: MESSAGE", remove a partly written OUT and exit 1. */
__attribute__((format(printf, 1, 2), noreturn)) static void fail(const char *fmt, ...)
{
	va_list ap;

	fputs("mkarchive: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (g_out)
		unlink(g_out);
	exit(1);
}

/* Exit with libarchive's message (after "what: " unless what is NULL) when r is worse than a
 * warning. */
static void check(struct archive *a, int r, const char *what)
{
	const char *msg = archive_error_string(a) ? archive_error_string(a) : "failed";

	if (r >= ARCHIVE_WARN)
		return;
	if (what)
		fail("%s: %s", what, msg);
	fail("%s", msg);
}

/* Set the archive's format and filter from FORMAT. */
static void set_format(struct archive *a, const char *format)
{
	int r = ARCHIVE_OK;

	if (strcmp(format, "zip") == 0) {
		check(a, archive_write_set_format_zip(a), "zip");
		return;
	}
	if (strcmp(format, "7z") == 0) {
		check(a, archive_write_set_format_7zip(a), "7z");
		return;
	}
	if (strcmp(format, "tar") != 0 && strcmp(format, "tgz") != 0 &&
	    strcmp(format, "tbz2") != 0 && strcmp(format, "txz") != 0 && strcmp(format, "zst") != 0)
		fail("unknown format '%s' (use tar, tgz, tbz2, txz, zst, zip or 7z)", format);
	check(a, archive_write_set_format_pax_restricted(a), "tar");
	if (strcmp(format, "tgz") == 0) {
		r = archive_write_add_filter_gzip(a);
		if (r == ARCHIVE_OK) /* no time stamp: the same entries give the same bytes */
			archive_write_set_filter_option(a, "gzip", "timestamp", NULL);
	} else if (strcmp(format, "tbz2") == 0)
		r = archive_write_add_filter_bzip2(a);
	else if (strcmp(format, "txz") == 0)
		r = archive_write_add_filter_xz(a);
	else if (strcmp(format, "zst") == 0)
		r = archive_write_add_filter_zstd(a);
	check(a, r, format);
}

/* Parse SIZE: digits, then optionally K or M. -1 if malformed. */
static long long parse_size(const char *s)
{
	long long v = 0, unit = 1;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (INT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	if (*s == 'K')
		unit = 1024, s++;
	else if (*s == 'M')
		unit = 1024 * 1024, s++;
	if (*s || v > INT64_MAX / unit)
		return -1;
	return v * unit;
}

/* Write size bytes of the i * 31 mod 251 pattern as the current entry's data. */
static void write_pattern(struct archive *a, long long size, const char *name)
{
	unsigned char *buf = malloc(CHUNK);
	long long i = 0;

	if (!buf)
		fail("out of memory");
	while (i < size) {
		size_t n = size - i < CHUNK ? (size_t)(size - i) : CHUNK;
		for (size_t k = 0; k < n; k++)
			buf[k] = (unsigned char)((i + (long long)k) * 31 % 251);
		if (archive_write_data(a, buf, n) != (la_ssize_t)n)
			fail("%s: %s", name,
			     archive_error_string(a) ? archive_error_string(a) : "write failed");
		i += (long long)n;
	}
	free(buf);
}

/* Add the entry described by spec ("T:NAME[=VALUE]"). */
static void add_entry(struct archive *a, const char *spec, int zip)
{
	char type = spec[0];
	const char *value = NULL;
	char *name;
	long long size = 0;

	if (!type || spec[1] != ':' || !strchr("fFxdlhp", type))
		fail("bad entry '%s' (use f:, F:, x:, d:, l:, h: or p:)", spec);
	name = strdup(spec + 2);
	if (!name)
		fail("out of memory");
	if (strchr("fFxlh", type)) {
		char *eq = strchr(name, '=');
		if (!eq)
			fail("bad entry '%s': missing '='", spec);
		*eq = '\0';
		value = eq + 1;
	}
	if (!*name)
		fail("bad entry '%s': empty name", spec);
	if (zip && type == 'h')
		fail("%s: zip format cannot archive hard links", name);

	struct archive_entry *e = archive_entry_new();
	if (!e)
		fail("out of memory");
	archive_entry_set_pathname(e, name);
	archive_entry_set_mtime(e, MTIME, 0);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	switch (type) {
	case 'f':
	case 'x':
		size = (long long)strlen(value);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, type == 'x' ? 0755 : 0644);
		break;
	case 'F':
		if ((size = parse_size(value)) < 0)
			fail("bad size '%s' in entry '%s'", value, spec);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		break;
	case 'd':
		archive_entry_set_filetype(e, AE_IFDIR);
		archive_entry_set_perm(e, 0755);
		break;
	case 'l':
		archive_entry_set_filetype(e, AE_IFLNK);
		archive_entry_set_perm(e, 0777);
		archive_entry_set_symlink(e, value);
		break;
	case 'h':
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_hardlink(e, value);
		break;
	case 'p':
		archive_entry_set_filetype(e, AE_IFIFO);
		archive_entry_set_perm(e, 0644);
		break;
	}
	archive_entry_set_size(e, size);
	check(a, archive_write_header(a, e), NULL);
	if (type == 'F')
		write_pattern(a, size, name);
	else if (size > 0 && archive_write_data(a, value, (size_t)size) != (la_ssize_t)size)
		check(a, ARCHIVE_FATAL, name);
	check(a, archive_write_finish_entry(a), name);
	archive_entry_free(e);
	free(name);
}

int main(int argc, char **argv)
{
	if (argc < 3)
		fail("usage: mkarchive FORMAT OUT ENTRY...");

	struct archive *a = archive_write_new();
	if (!a)
		fail("out of memory");
	set_format(a, argv[1]);
	check(a, archive_write_open_filename(a, argv[2]), argv[2]);
	g_out = argv[2];
	for (int i = 3; i < argc; i++)
		add_entry(a, argv[i], strcmp(argv[1], "zip") == 0);
	check(a, archive_write_close(a), argv[2]);
	archive_write_free(a);
	return 0;
}
