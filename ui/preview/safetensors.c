/*
 * safetensors.c - .safetensors files: an 8-byte little-endian length, then
 * a JSON header naming each tensor's dtype, shape and byte offsets, and
 * __metadata__. At most two requests: the head, and the rest of a header
 * longer than the head (headers are capped at 16 MiB).
 */
#include "config.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "pv.h"
#include "util.h"

#define ST_HEADER_MAX (16u << 20)

void pv_safetensors_render(ui_preview *p, const char *json, size_t len, uint64_t size)
{
	cJSON *j = cJSON_ParseWithLength(json, len), *t;
	size_t n = 0;

	if (!cJSON_IsObject(j)) {
		pv_add(p, xstrdup("damaged .safetensors: the header is not a JSON object"));
		cJSON_Delete(j);
		return;
	}
	cJSON_ArrayForEach(t, j) n += strcmp(t->string, "__metadata__") != 0;
	pv_addf(p, "%zu tensor%s:", n, n == 1 ? "" : "s");
	cJSON_ArrayForEach(t, j)
	{
		if (!strcmp(t->string, "__metadata__"))
			continue;
		cJSON *dt = cJSON_GetObjectItemCaseSensitive(t, "dtype");
		cJSON *sh = cJSON_GetObjectItemCaseSensitive(t, "shape");
		cJSON *off = cJSON_GetObjectItemCaseSensitive(t, "data_offsets"), *d;
		strbuf sb = STRBUF_INIT;
		sb_addf(&sb, "  %s  %s  (", t->string, cJSON_IsString(dt) ? dt->valuestring : "?");
		bool first = true, bad = !cJSON_IsArray(sh) || !cJSON_IsString(dt);
		cJSON_ArrayForEach(d, sh)
		{
			if (!cJSON_IsNumber(d) || d->valuedouble < 0 || d->valuedouble > 1e18)
				bad = true;
			else
				sb_addf(&sb, "%s%llu", first ? "" : ", ", (unsigned long long)d->valuedouble);
			first = false;
		}
		sb_adds(&sb, cJSON_GetArraySize(sh) == 1 ? ",)" : ")");
		double a = -1, b = -1;
		if (cJSON_GetArraySize(off) == 2 && cJSON_IsNumber(cJSON_GetArrayItem(off, 0)) &&
		    cJSON_IsNumber(cJSON_GetArrayItem(off, 1))) {
			a = cJSON_GetArrayItem(off, 0)->valuedouble;
			b = cJSON_GetArrayItem(off, 1)->valuedouble;
		}
		if (a < 0 || b < a || b > (double)size)
			bad = true;
		else {
			char sz[32];
			pv_size((uint64_t)(b - a), sz);
			sb_addf(&sb, "  %s", sz);
		}
		if (bad)
			sb_adds(&sb, "  (damaged entry)");
		pv_add(p, sb_detach(&sb, NULL));
	}
	cJSON *meta = cJSON_GetObjectItemCaseSensitive(j, "__metadata__"), *m;
	if (cJSON_IsObject(meta)) {
		pv_add(p, xstrdup("__metadata__:"));
		cJSON_ArrayForEach(m, meta)
		{
			if (cJSON_IsString(m))
				pv_addf(p, "  %s: %s", m->string, m->valuestring);
			else {
				char *v = cJSON_PrintUnformatted(m);
				pv_addf(p, "  %s: %s", m->string, v ? v : "?");
				cJSON_free(v);
			}
		}
	}
	cJSON_Delete(j);
}

bool pv_safetensors(ui_preview *p, pv_src *s)
{
	const unsigned char *h = s->head;
	bool named = pv_ends(s->name, ".safetensors");

	if (s->headlen < 9 || (!named && h[8] != '{'))
		return false;
	uint64_t n = 0;
	for (int i = 7; i >= 0; i--)
		n = n << 8 | h[i];
	if (!named && (n > s->size - 8 || n < 2))
		return false;
	pv_type(p, "application/x-safetensors", "safetensors");
	pv_add(p, xstrdup("safetensors"));
	if (n > s->size - 8 || n > ST_HEADER_MAX || h[8] != '{') {
		pv_add(p, xstrdup("damaged .safetensors: the header length is wrong"));
		return true;
	}
	char *json = xmalloc((size_t)n);
	if (pv_read(s, 8, json, (size_t)n) < 0)
		pv_addf(p, "damaged .safetensors: %s", pv_error());
	else
		pv_safetensors_render(p, json, (size_t)n, s->size - 8 - n);
	free(json);
	return true;
}
