/*
 * npy.c - NumPy .npy arrays: the header (a Python dict literal) parsed by
 * hand, never evaluated; the first values and their min, max and mean read
 * from the file's head. One request: the head holds header and first values.
 */
#include "config.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pv.h"
#include "util.h"

#define NPY_SHOWN 8 /* values listed */

/* Finds 'KEY': in the dict text D (LEN bytes); returns what follows, or NULL. */
static const char *dict_value(const char *d, size_t len, const char *key)
{
	size_t k = strlen(key);

	for (size_t i = 0; i + k + 2 < len; i++)
		if ((d[i] == '\'' || d[i] == '"') && !memcmp(d + i + 1, key, k) && d[i + 1 + k] == d[i]) {
			const char *v = d + i + k + 2;
			while (v < d + len && (*v == ' ' || *v == ':'))
				v++;
			return v < d + len ? v : NULL;
		}
	return NULL;
}

const char *pv_npy_parse(const unsigned char *buf, size_t len, pv_npy_hdr *h)
{
	size_t hlen, start;

	memset(h, 0, sizeof(*h));
	if (len < 10 || memcmp(buf, "\x93NUMPY", 6))
		return "not a .npy file";
	if (buf[6] == 1) {
		hlen = buf[8] | (size_t)buf[9] << 8;
		start = 10;
	} else if (buf[6] == 2 || buf[6] == 3) {
		if (len < 12)
			return "truncated .npy header";
		hlen = buf[8] | (size_t)buf[9] << 8 | (size_t)buf[10] << 16 | (size_t)buf[11] << 24;
		start = 12;
	} else {
		return "unknown .npy version";
	}
	if (hlen > len - start)
		return "truncated .npy header";
	const char *d = (const char *)buf + start, *end = d + hlen, *v;
	h->data_off = start + hlen;
	if (!(v = dict_value(d, hlen, "descr")))
		return "no descr in the .npy header";
	if (*v != '\'' && *v != '"')
		return "structured dtypes are not shown";
	char qc = *v++;
	size_t n = 0;
	while (v < end && *v != qc && n + 1 < sizeof(h->descr))
		h->descr[n++] = *v++;
	if (v >= end || *v != qc)
		return "bad descr in the .npy header";
	if (!(v = dict_value(d, hlen, "fortran_order")))
		return "no fortran_order in the .npy header";
	h->fortran = end - v >= 4 && !memcmp(v, "True", 4);
	if (!(v = dict_value(d, hlen, "shape")) || *v != '(')
		return "no shape in the .npy header";
	for (v++; v < end && *v != ')';) {
		if (*v == ' ' || *v == ',') {
			v++;
			continue;
		}
		if (!isdigit((unsigned char)*v))
			return "bad shape in the .npy header";
		if (h->ndim == 8)
			return "more than 8 dimensions";
		uint64_t x = 0;
		for (; v < end && isdigit((unsigned char)*v); v++) {
			if (x > (UINT64_MAX - 9) / 10)
				return "bad shape in the .npy header";
			x = x * 10 + (uint64_t)(*v - '0');
		}
		h->shape[h->ndim++] = x;
	}
	if (v >= end)
		return "bad shape in the .npy header";
	return NULL;
}

/* The element size and kind of DESCR ('b', 'i', 'u', 'f'), or 0. */
static size_t elem_of(const char *descr, char *kind, bool *big)
{
	if (strlen(descr) < 3 || !strchr("<>|=", descr[0]) || !strchr("biuf", descr[1]))
		return 0;
	*big = descr[0] == '>';
	*kind = descr[1];
	char *e;
	long sz = strtol(descr + 2, &e, 10);
	if (*e || (sz != 1 && sz != 2 && sz != 4 && sz != 8) || (*kind == 'b' && sz != 1))
		return 0;
	return (size_t)sz;
}

static const char *kind_name(char kind)
{
	return kind == 'b' ? "bool" : kind == 'i' ? "int" : kind == 'u' ? "uint" : "float";
}

/* Half-precision bits to a double. */
static double half(uint16_t b)
{
	int e = (b >> 10) & 0x1f, m = b & 0x3ff;
	double v = e == 0 ? ldexp(m, -24) : e == 31 ? (m ? NAN : INFINITY) : ldexp(m + 1024, e - 25);
	return b & 0x8000 ? -v : v;
}

static double value_at(const unsigned char *p, size_t sz, char kind, bool big)
{
	uint64_t u = 0;

	for (size_t i = 0; i < sz; i++)
		u |= (uint64_t)p[big ? i : sz - 1 - i] << (8 * (sz - 1 - i));
	switch (kind) {
	case 'f':
		if (sz == 2)
			return half((uint16_t)u);
		if (sz == 4) {
			uint32_t w = (uint32_t)u;
			float f;
			memcpy(&f, &w, 4);
			return f;
		}
		if (sz == 8) {
			double d;
			memcpy(&d, &u, 8);
			return d;
		}
		return 0;
	case 'i':
		if (sz < 8 && (u >> (8 * sz - 1)) & 1)
			u |= ~(uint64_t)0 << (8 * sz);
		return (double)(int64_t)u;
	default:
		return (double)u;
	}
}

bool pv_npy_render(ui_preview *p, const unsigned char *buf, size_t len, uint64_t size,
		   const char *indent)
{
	pv_npy_hdr h;
	const char *err = pv_npy_parse(buf, len, &h);

	if (err && !strcmp(err, "not a .npy file"))
		return false;
	if (err) {
		pv_addf(p, "%sdamaged .npy: %s", indent, err);
		return true;
	}
	strbuf sb = STRBUF_INIT;
	uint64_t count = 1;
	bool overflow = false;
	sb_addc(&sb, '(');
	for (size_t i = 0; i < h.ndim; i++) {
		sb_addf(&sb, "%s%llu", i ? ", " : "", (unsigned long long)h.shape[i]);
		if (h.shape[i] && count > UINT64_MAX / h.shape[i])
			overflow = true;
		count *= h.shape[i];
	}
	sb_adds(&sb, h.ndim == 1 ? ",)" : ")");
	char kind = 0;
	bool big = false;
	size_t sz = elem_of(h.descr, &kind, &big);
	if (!sz)
		pv_addf(p, "%sdtype: %s (values not shown)", indent, h.descr);
	else if (kind == 'b' || sz == 1)
		pv_addf(p, "%sdtype: %s (%s%s)", indent, h.descr, kind_name(kind), kind == 'b' ? "" : "8");
	else
		pv_addf(p, "%sdtype: %s (%s%zu, %s-endian)", indent, h.descr, kind_name(kind), sz * 8,
			big ? "big" : "little");
	pv_addf(p, "%sshape: %s, %s%llu elements", indent, sb.buf, overflow ? "over " : "",
		(unsigned long long)count);
	pv_addf(p, "%sorder: %s", indent, h.fortran ? "Fortran (column-major)" : "C (row-major)");
	sb_release(&sb);
	if (!sz || overflow)
		return true;
	if (h.data_off > size || count > (size - h.data_off) / sz) {
		pv_addf(p, "%sdamaged .npy: the data is shorter than its shape says", indent);
		return true;
	}
	size_t have = len > h.data_off ? (len - h.data_off) / sz : 0;
	if (have > count)
		have = count;
	if (!have)
		return true;
	double mn = INFINITY, mx = -INFINITY, sum = 0;
	strbuf vals = STRBUF_INIT;
	for (size_t i = 0; i < have; i++) {
		double v = value_at(buf + h.data_off + i * sz, sz, kind, big);
		if (i < NPY_SHOWN)
			sb_addf(&vals, "%s%.6g", i ? ", " : "", v);
		if (v < mn)
			mn = v;
		if (v > mx)
			mx = v;
		sum += v;
	}
	pv_addf(p, "%sfirst values: %s%s", indent, vals.buf, have > NPY_SHOWN ? ", ..." : "");
	pv_addf(p, "%s%s %zu: min %.6g, max %.6g, mean %.6g", indent,
		(uint64_t)have == count ? "all" : "first", have, mn, mx, sum / (double)have);
	sb_release(&vals);
	return true;
}

bool pv_npy(ui_preview *p, pv_src *s)
{
	pv_type(p, "application/x-npy", "NumPy array");
	pv_addf(p, "NumPy array (.npy version %u.%u)", s->head[6], s->headlen > 7 ? s->head[7] : 0);
	pv_npy_render(p, s->head, s->headlen, s->size, "");
	return true;
}
