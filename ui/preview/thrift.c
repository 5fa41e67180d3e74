/* thrift.c - Thrift's compact protocol read within a byte range (Parquet's metadata). */
#include "config.h"

#include <stdlib.h>

#include "thrift.h"
#include "util.h"

uint64_t tin_varint(tin *t)
{
	uint64_t v = 0;

	for (int shift = 0; shift < 64; shift += 7) {
		if (t->p >= t->end) {
			t->bad = true;
			return 0;
		}
		unsigned char b = *t->p++;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
	}
	t->bad = true;
	return 0;
}

int64_t tin_zigzag(tin *t)
{
	uint64_t v = tin_varint(t);

	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* Reads a field header: false at STOP (or when damaged). */
bool tin_field(tin *t, int *id, int *type)
{
	if (t->p >= t->end) {
		t->bad = true;
		return false;
	}
	unsigned char b = *t->p++;
	*type = b & 0x0f;
	if (*type == T_STOP)
		return false;
	/* field ids are 16-bit: a delta or an id beyond that is damage */
	int64_t id2 = b >> 4 ? (int64_t)*id + (b >> 4) : tin_zigzag(t);
	if (id2 < INT16_MIN || id2 > INT16_MAX)
		t->bad = true;
	else
		*id = (int)id2;
	return !t->bad;
}

/* Reads a list header: its element count and type. */
uint64_t tin_list(tin *t, int *etype)
{
	if (t->p >= t->end) {
		t->bad = true;
		return 0;
	}
	unsigned char b = *t->p++;
	uint64_t n = b >> 4;
	*etype = b & 0x0f;
	if (n == 15)
		n = tin_varint(t);
	if (n > (uint64_t)(t->end - t->p)) /* every element takes a byte at least */
		t->bad = true;
	return t->bad ? 0 : n;
}

static void tin_skip_struct(tin *t, int depth)
{
	int id = 0, type;

	if (depth > TIN_DEPTH) {
		t->bad = true;
		return;
	}
	while (!t->bad && tin_field(t, &id, &type))
		tin_skip(t, type, depth + 1);
}

void tin_skip(tin *t, int type, int depth)
{
	int et;
	uint64_t n;

	if (t->bad)
		return;
	switch (type) {
	case T_TRUE:
	case T_FALSE: break;
	case T_BYTE:
		if (t->p >= t->end)
			t->bad = true;
		else
			t->p++;
		break;
	case T_I16:
	case T_I32:
	case T_I64: tin_varint(t); break;
	case T_DOUBLE:
		if (t->end - t->p < 8)
			t->bad = true;
		else
			t->p += 8;
		break;
	case T_BINARY:
		n = tin_varint(t);
		if (n > (uint64_t)(t->end - t->p))
			t->bad = true;
		else
			t->p += n;
		break;
	case T_LIST:
	case T_SET:
		n = tin_list(t, &et);
		for (uint64_t i = 0; i < n && !t->bad; i++)
			tin_skip(t, et == T_TRUE || et == T_FALSE ? T_BYTE : et, depth + 1);
		break;
	case T_MAP:
		n = tin_varint(t);
		if (n) {
			if (t->p >= t->end || n > (uint64_t)(t->end - t->p)) {
				t->bad = true;
				break;
			}
			unsigned char kv = *t->p++;
			for (uint64_t i = 0; i < n && !t->bad; i++) {
				tin_skip(t, kv >> 4, depth + 1);
				tin_skip(t, kv & 0x0f, depth + 1);
			}
		}
		break;
	case T_STRUCT: tin_skip_struct(t, depth); break;
	default: t->bad = true;
	}
}

char *tin_binary(tin *t)
{
	uint64_t n = tin_varint(t);

	if (t->bad || n > (uint64_t)(t->end - t->p)) {
		t->bad = true;
		return xstrdup("");
	}
	char *s = xstrndup((const char *)t->p, (size_t)n);
	t->p += n;
	return s;
}

