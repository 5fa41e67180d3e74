/* common.c - what the preview kinds share: ranged reads that count, lines, sizes. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "pv.h"
#include "util.h"

static _Thread_local const char *pv_err = "";

int pv_read(pv_src *s, uint64_t off, void *buf, size_t len)
{
	size_t got = 0;

	if (off > s->size || len > s->size - off) {
		pv_err = "the file is shorter than its structure says";
		return -1;
	}
	if (off + len <= s->headlen) {
		memcpy(buf, s->head + off, len);
		return 0;
	}
	s->requests++;
	s->bytes += len;
	if (s->read(s->arg, off, buf, len, &got) < 0) {
		pv_err = vds_errmsg();
		return -1;
	}
	if (got != len) {
		pv_err = "the content ended early";
		return -1;
	}
	return 0;
}

const char *pv_error(void)
{
	return pv_err;
}

void pv_add(ui_preview *p, char *line)
{
	p->lines = xrealloc(p->lines, (p->nlines + 1) * sizeof(*p->lines));
	p->lines[p->nlines++] = line;
}

void pv_addf(ui_preview *p, const char *fmt, ...)
{
	va_list ap;
	char tmp[256];

	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof(tmp)) {
		pv_add(p, xstrdup(tmp));
		return;
	}
	va_start(ap, fmt);
	char *big = xmalloc((size_t)n + 1);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	pv_add(p, big);
}

void pv_type(ui_preview *p, const char *mime, const char *describe)
{
	free(p->mime);
	free(p->describe);
	p->mime = xstrdup(mime);
	p->describe = xstrdup(describe);
}

bool pv_ends(const char *name, const char *suffix)
{
	size_t n = strlen(name), m = strlen(suffix);

	return n >= m && !strcasecmp(name + n - m, suffix);
}

void pv_size(uint64_t n, char out[32])
{
	vds_format_size(n, true, out);
}

void pv_csv_cell(strbuf *sb, const char *cell)
{
	sb_addc(sb, '"');
	for (; *cell; cell++) {
		if (*cell == '"')
			sb_addc(sb, '"');
		sb_addc(sb, *cell == '\n' ? ' ' : *cell);
	}
	sb_addc(sb, '"');
}

bool pv_check_whole(ui_preview *p, pv_src *s, const unsigned char *rest, size_t len)
{
	unsigned char md[32];
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	if (!s->sha || !c || s->headlen + (uint64_t)len != s->size) {
		EVP_MD_CTX_free(c);
		return true; /* nothing to check against: said unchecked */
	}
	EVP_DigestInit_ex(c, EVP_sha256(), NULL);
	EVP_DigestUpdate(c, s->head, s->headlen);
	EVP_DigestUpdate(c, rest, len);
	EVP_DigestFinal_ex(c, md, NULL);
	EVP_MD_CTX_free(c);
	s->checked = true;
	if (!memcmp(md, s->sha, 32))
		return true;
	char hex[65];
	vds_sha256_hex(md, hex);
	pv_add(p, xstrdup("content does not match its SHA-256"));
	pv_addf(p, "the store's object hashes to %s", hex);
	return false;
}

void pv_pixels_release(pv_pixels *px)
{
	free(px->px);
	memset(px, 0, sizeof(*px));
}
