/* backend.c - helpers every backend shares. */
#include "config.h"

#include <string.h>

#include "backend.h"

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
