/* backend.c - helpers every backend shares. */
#include "config.h"

#include <cjson/cJSON.h>
#include <string.h>

#include "backend.h"
#include "util.h"

void vds_content_key(const unsigned char sha[32], char key[80])
{
	char hex[65];

	vds_sha256_hex(sha, hex);
	memcpy(key, "objects/", 8);
	key[8] = hex[0];
	key[9] = hex[1];
	key[10] = '/';
	memcpy(key + 11, hex + 2, 63);
}

int vds_format_check(const char *text, size_t len, const char *where)
{
	cJSON *j = cJSON_ParseWithLength(text, len);
	cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "version");
	bool ok = cJSON_IsNumber(v) && v->valueint == 1;

	cJSON_Delete(j);
	if (!ok)
		return vds_err(VDS_ECORRUPT, "store %s has an unknown format version", q(where));
	return 0;
}
