/*
 * recsum.c - the checksum every record of format 2 carries: a JSON record
 * starts with {"sum":"<64 hex digits>", a change record with the line
 * "vds-changes 2 <64 hex digits>"; the digits are the SHA-256 of the whole
 * record with them read as zeros, so a writer fills them in last and a
 * reader checks them before it parses anything.
 */
#include "config.h"

#include <openssl/evp.h>
#include <string.h>

#include "recsum.h"
#include "util.h"

size_t recsum_offset(const char *text, size_t len)
{
	size_t off;

	if (len > strlen(RECSUM_JSON_PREFIX) &&
	    !memcmp(text, RECSUM_JSON_PREFIX, strlen(RECSUM_JSON_PREFIX)))
		off = strlen(RECSUM_JSON_PREFIX);
	else if (len > strlen(RECSUM_CHANGES_PREFIX) &&
		 !memcmp(text, RECSUM_CHANGES_PREFIX, strlen(RECSUM_CHANGES_PREFIX)))
		off = strlen(RECSUM_CHANGES_PREFIX);
	else
		return 0;
	return off + RECSUM_DIGITS < len ? off : 0;
}

void recsum_hex(const char *text, size_t len, size_t off, char hex[65])
{
	static const char zeros[RECSUM_DIGITS + 1] =
		"0000000000000000000000000000000000000000000000000000000000000000";
	unsigned char sha[32];
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	EVP_DigestInit_ex(c, EVP_sha256(), NULL);
	EVP_DigestUpdate(c, text, off);
	EVP_DigestUpdate(c, zeros, RECSUM_DIGITS);
	EVP_DigestUpdate(c, text + off + RECSUM_DIGITS, len - off - RECSUM_DIGITS);
	EVP_DigestFinal_ex(c, sha, NULL);
	EVP_MD_CTX_free(c);
	vds_sha256_hex(sha, hex);
}

int recsum_ok(const char *text, size_t len)
{
	size_t off = recsum_offset(text, len);
	char hex[65];

	if (!off)
		return 0;
	recsum_hex(text, len, off, hex);
	return !memcmp(hex, text + off, RECSUM_DIGITS);
}
