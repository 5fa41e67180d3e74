/* error.c - the core's error idiom: a status code plus a thread-local message. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

static _Thread_local char errbuf[1024];

const char *vds_errmsg(void)
{
	return errbuf[0] ? errbuf : "unknown error";
}

int vds_err(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
	va_end(ap);
	return code;
}

int vds_err_errno(int err, const char *what, const char *name)
{
	int code = VDS_EIO;

	if (err == ENOENT)
		code = VDS_ENOTFOUND;
	else if (err == ENOSPC || err == EDQUOT)
		code = VDS_ENOSPC;
	return vds_err(code, "cannot %s %s: %s", what, q(name), strerror(err));
}

static vds_debug_fn debug_fn;
static void *debug_ud;

void vds_set_debug(vds_debug_fn fn, void *ud)
{
	debug_fn = fn;
	debug_ud = ud;
}

void vds_debug(const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (!debug_fn)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	debug_fn(line, debug_ud);
}

int vds_exit_code(int status)
{
	switch (status) {
	case VDS_OK: return 0;
	case VDS_EUSAGE: return 2;
	case VDS_ENOTFOUND: return 3;
	case VDS_EINVAL: return 4;
	case VDS_ECOMMITTED: return 5;
	case VDS_ECONFLICT: return 6;
	case VDS_EIO: return 7;
	case VDS_ENOSPC: return 8;
	case VDS_ECORRUPT: return 9;
	case VDS_ECANCELED: return 130;
	default: return 1;
	}
}

void sb_add_quoted(strbuf *sb, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	sb_addc(sb, '\'');
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		uint32_t cp;
		int n = vds_utf8_seq(p, &cp);

		if (n == 0 || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || cp == '\\' ||
		    cp == '\'' || vds_bidi_control(cp)) { /* the rest of a character follows as bytes */
			sb_adds(sb, "\\x");
			sb_addc(sb, hex[*p >> 4]);
			sb_addc(sb, hex[*p & 15]);
			p++;
		} else {
			sb_add(sb, p, (size_t)n);
			p += n;
		}
	}
	sb_addc(sb, '\'');
}

const char *q(const char *s)
{
	static _Thread_local char ring[4][512];
	static _Thread_local int next;
	strbuf sb = STRBUF_INIT;
	char *out = ring[next++ & 3];

	sb_add_quoted(&sb, s ? s : "");
	if (sb.len >= 512) {
		size_t cut = 506;
		while (cut && ((unsigned char)sb.buf[cut] & 0xc0) == 0x80)
			cut--; /* not inside a character */
		memcpy(out, sb.buf, cut);
		memcpy(out + cut, "...'", 5);
	} else {
		memcpy(out, sb.buf, sb.len + 1);
	}
	sb_release(&sb);
	return out;
}
