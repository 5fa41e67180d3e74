/*
 * load.c - the preview's entry point: reads a file's head in one request,
 * checks its SHA-256 when that was the whole file, lets libmagic (and a few
 * signatures) choose the kind, and says what was not checked.
 */
#include "config.h"

#include <magic.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "pv.h"
#include "util.h"

static magic_t cookie; /* one preview renders at a time (ui/reads.c), so one cookie */

static const char *mime_of(const unsigned char *buf, size_t len)
{
	if (!cookie) {
		cookie = magic_open(MAGIC_MIME);
		if (cookie && magic_load(cookie, NULL) != 0) {
			magic_close(cookie);
			cookie = NULL;
		}
	}
	const char *r = cookie ? magic_buffer(cookie, buf, len) : NULL;
	return r ? r : "application/octet-stream";
}

static bool mime_is(const char *mime, const char *const *list)
{
	for (; *list; list++)
		if (!strncmp(mime, *list, strlen(*list)) &&
		    (mime[strlen(*list)] == ';' || mime[strlen(*list)] == '\0'))
			return true;
	return false;
}

static const char *const compressed[] = {"application/gzip", "application/x-gzip", "application/zstd",
					 "application/x-xz", "application/x-bzip2", NULL};
static const char *const archives[] = {"application/x-tar", "application/zip",
				       "application/x-7z-compressed", "application/x-cpio", NULL};

void pv_render(ui_preview *p, pv_src *s)
{
	const unsigned char *h = s->head;
	size_t n = s->headlen;
	const char *mime = mime_of(h, n);
	char *m = xstrdup(mime);
	bool zip = n >= 4 && !memcmp(h, "PK\3\4", 4);

	if (n >= 6 && !memcmp(h, "\x93NUMPY", 6) && pv_npy(p, s))
		goto out;
	if (zip && pv_ends(s->name, ".npz") && pv_npz(p, s))
		goto out;
	if (pv_safetensors(p, s) || (n >= 8 && !memcmp(h, "\x89HDF\r\n\x1a\n", 8) && pv_hdf5(p, s)) ||
	    (n >= 4 && !memcmp(h, "PAR1", 4) && pv_parquet(p, s)) || pv_pickle(p, s))
		goto out;
	if (!strncmp(m, "image/", 6) && pv_image(p, s, m))
		goto out;
	if (mime_is(m, compressed) && pv_compressed(p, s, m))
		goto out;
	if (mime_is(m, archives) && pv_archive(p, s, m))
		goto out;
	if (pv_text(p, s, m))
		goto out;
	preview_render(p, s->name, h, n, s->size);
out:
	free(m);
}

/* Puts LINE before the lines P has. */
static void add_first(ui_preview *p, char *line)
{
	pv_add(p, line);
	memmove(p->lines + 1, p->lines, (p->nlines - 1) * sizeof(*p->lines));
	p->lines[0] = line;
	p->gfx_line++;
}

void preview_load(ui_preview *p, pv_src *s, const unsigned char sha[32])
{
	size_t want = s->size < PV_HEAD ? (size_t)s->size : PV_HEAD, got = 0;
	unsigned char *head = xmalloc(want + 1);

	memset(p, 0, sizeof(*p));
	s->requests = 0;
	s->bytes = want;
	if (want) {
		s->requests = 1;
		int r = s->read(s->arg, 0, head, want, &got);
		if (r < 0 || got != want) {
			const char *e = r < 0 ? vds_errmsg() : "it ended early";
			pv_type(p, "?", "unreadable");
			pv_add(p, xstrdup(strstr(e, "missing") ? "content missing from the store"
							      : "content could not be read"));
			pv_add(p, xstrdup(e));
			free(head);
			return;
		}
	}
	if (want == s->size) {
		unsigned char md[32];
		EVP_Digest(head, want, md, NULL, EVP_sha256(), NULL);
		if (memcmp(md, sha, 32)) {
			char hex[65];
			vds_sha256_hex(md, hex);
			pv_type(p, "?", "damaged");
			pv_add(p, xstrdup("content does not match its SHA-256"));
			pv_addf(p, "the store's object hashes to %s", hex);
			free(head);
			return;
		}
	}
	s->head = head;
	s->headlen = want;
	s->sha = sha;
	s->checked = false;
	if (!want)
		preview_render(p, s->name, head, 0, 0);
	else
		pv_render(p, s);
	p->requests = s->requests;
	if (want < s->size && !s->checked) {
		char total[32], read[32];
		pv_size(s->size, total);
		pv_size(s->bytes, read);
		add_first(p, xasprintf("unchecked: %s read in %u request%s, of a %s file", read,
				       s->requests, s->requests == 1 ? "" : "s", total));
	}
	s->head = NULL;
	s->headlen = 0;
	free(head);
}
