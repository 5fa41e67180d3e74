/* display.c - safe display of untrusted text: escaping and column widths. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "util.h"

/* Length of the valid UTF-8 sequence at S (printable), or 0. */
int vds_utf8_seq(const unsigned char *s, uint32_t *cp)
{
	int n = *s < 0x80 ? 1 : (*s & 0xe0) == 0xc0 ? 2 : (*s & 0xf0) == 0xe0 ? 3
			  : (*s & 0xf8) == 0xf0 ? 4 : 0;
	if (n == 0 || (n == 2 && *s < 0xc2) || (n == 4 && *s > 0xf4))
		return 0;
	uint32_t c = n == 1 ? *s : (uint32_t)(*s & (0x7f >> n));
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

bool vds_bidi_control(uint32_t cp)
{
	return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

char *vds_display_escape(const char *s)
{
	strbuf sb = STRBUF_INIT;
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	sb_grow(&sb, strlen((const char *)p));
	while (*p) {
		uint32_t cp;
		int n = vds_utf8_seq(p, &cp);

		if (n == 0 || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
			sb_addf(&sb, "\\x%02x", *p);
			p++;
		} else if (cp == '\\') {
			sb_adds(&sb, "\\\\");
			p++;
		} else if (vds_bidi_control(cp)) { /* would reorder what follows it on the line */
			for (int i = 0; i < n; i++)
				sb_addf(&sb, "\\x%02x", *p++);
		} else {
			sb_add(&sb, p, (size_t)n);
			p += n;
		}
	}
	return sb_detach(&sb, NULL);
}

size_t vds_display_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t w = 0;

	while (*p) {
		uint32_t cp;
		int n = vds_utf8_seq(p, &cp);

		if (n == 0) {
			w++;
			p++;
			continue;
		}
		int cw = wcwidth((wchar_t)cp);
		w += cw < 0 ? 1 : (size_t)cw;
		p += n;
	}
	return w;
}


void vds_format_size(unsigned long long bytes, bool compact, char buf[32])
{
	static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
	double v = (double)bytes;
	int u = 0;

	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, 32, compact ? "%lluB" : "%llu B", bytes);
	else if (!compact)
		snprintf(buf, 32, "%.1f %s", v, unit[u]);
	else
		snprintf(buf, 32, v < 10 ? "%.1f%c" : "%.0f%c", v, unit[u][0]);
}
