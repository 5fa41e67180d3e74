/* arcio.c - libarchive callbacks over a preview source: the head, then budgeted blocks. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "arcio.h"
#include "util.h"

static la_ssize_t io_read(struct archive *a, void *arg, const void **out)
{
	arcio *io = arg;
	pv_src *s = io->s;

	if (io->pos >= s->size)
		return 0;
	if (io->pos < s->headlen) {
		*out = s->head + io->pos;
		la_ssize_t n = (la_ssize_t)(s->headlen - io->pos);
		io->pos = s->headlen;
		return n;
	}
	if (!(io->block && io->pos >= io->block_off && io->pos < io->block_off + io->block_len)) {
		if (s->requests >= 1 + ARCIO_REQUESTS) {
			io->over_budget = true;
			archive_set_error(a, -1, "preview read limit reached");
			return -1;
		}
		size_t len = s->size - io->pos < ARCIO_BLOCK ? (size_t)(s->size - io->pos) : ARCIO_BLOCK;
		if (!io->block)
			io->block = xmalloc(ARCIO_BLOCK);
		io->block_len = 0;
		if (pv_read(s, io->pos, io->block, len) < 0) {
			archive_set_error(a, -1, "%s", pv_error());
			return -1;
		}
		io->block_off = io->pos;
		io->block_len = len;
	}
	*out = io->block + (io->pos - io->block_off);
	la_ssize_t n = (la_ssize_t)(io->block_off + io->block_len - io->pos);
	io->pos += (uint64_t)n;
	return n;
}

static la_int64_t io_seek(struct archive *a, void *arg, la_int64_t off, int whence)
{
	arcio *io = arg;
	int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? (int64_t)io->pos : (int64_t)io->s->size;

	(void)a;
	if (off + base < 0)
		return ARCHIVE_FATAL;
	io->pos = (uint64_t)(off + base);
	return (la_int64_t)io->pos;
}

static la_int64_t io_skip(struct archive *a, void *arg, la_int64_t n)
{
	arcio *io = arg;

	(void)a;
	if ((uint64_t)n > io->s->size - io->pos)
		n = (la_int64_t)(io->s->size - io->pos);
	io->pos += (uint64_t)n;
	return n;
}

int arcio_open(struct archive *a, arcio *io, pv_src *s)
{
	*io = (arcio){.s = s};
	archive_read_set_read_callback(a, io_read);
	archive_read_set_seek_callback(a, io_seek);
	archive_read_set_skip_callback(a, io_skip);
	archive_read_set_callback_data(a, io);
	return archive_read_open1(a);
}

void arcio_release(arcio *io)
{
	free(io->block);
	io->block = NULL;
}
