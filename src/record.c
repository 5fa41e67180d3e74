/*
 * record.c - metadata records with checksums.
 *
 * Every record of format 2 carries the SHA-256 of its own bytes at a fixed
 * place: a JSON record starts with {"sum":"<64 hex digits>", a change
 * record with the line "vds-changes 2 <64 hex digits>". The digits are the
 * hash of the whole record with those 64 digits read as zeros, so a writer
 * fills them in last and a reader checks them before it parses anything.
 * A record that fails the check is read again (it may have been damaged in
 * transit) and is damaged if it still fails.
 */
#include "config.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"
#include "core.h"

#define SUM_DIGITS 64
#define JSON_PREFIX "{\"sum\":\""
#define CHANGES_PREFIX "vds-changes 2 "
#define READ_TRIES 3 /* a record damaged in transit is read again */

/* Where the 64 checksum digits of record TEXT start, or 0 if it has none. */
static size_t sum_offset(const char *text, size_t len)
{
	size_t off;

	if (len > strlen(JSON_PREFIX) && !memcmp(text, JSON_PREFIX, strlen(JSON_PREFIX)))
		off = strlen(JSON_PREFIX);
	else if (len > strlen(CHANGES_PREFIX) && !memcmp(text, CHANGES_PREFIX, strlen(CHANGES_PREFIX)))
		off = strlen(CHANGES_PREFIX);
	else
		return 0;
	return off + SUM_DIGITS < len ? off : 0;
}

/* The checksum of TEXT with the digits at OFF read as zeros, in hex. */
static void sum_hex(const char *text, size_t len, size_t off, char hex[65])
{
	static const char zeros[SUM_DIGITS + 1] =
		"0000000000000000000000000000000000000000000000000000000000000000";
	unsigned char sha[32];
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	EVP_DigestInit_ex(c, EVP_sha256(), NULL);
	EVP_DigestUpdate(c, text, off);
	EVP_DigestUpdate(c, zeros, SUM_DIGITS);
	EVP_DigestUpdate(c, text + off + SUM_DIGITS, len - off - SUM_DIGITS);
	EVP_DigestFinal_ex(c, sha, NULL);
	EVP_MD_CTX_free(c);
	vds_sha256_hex(sha, hex);
}

int record_check(vds_backend *b, const char *key, const char *text, size_t len)
{
	size_t off = sum_offset(text, len);
	char hex[65];

	if (!off) {
		if (b->legacy)
			return 0; /* a format 1 record, from before the store was upgraded */
		return vds_err(VDS_ECORRUPT, "record %s is damaged: it carries no checksum", q(key));
	}
	sum_hex(text, len, off, hex);
	if (memcmp(hex, text + off, SUM_DIGITS) != 0)
		return vds_err(VDS_ECORRUPT, "record %s is damaged: its checksum does not match", q(key));
	return 0;
}

int record_read(vds_backend *b, const char *key, char **out, size_t *len)
{
	int r = 0;

	for (int i = 0; i < READ_TRIES; i++) {
		if ((r = b->ops->read(b, key, out, len)) < 0)
			return r;
		if ((r = record_check(b, key, *out, *len)) == 0)
			return 0;
		free(*out);
		*out = NULL;
	}
	return r;
}

/* Fills in the checksum digits of record SB at OFF. */
static void seal_sum(strbuf *sb, size_t off)
{
	char hex[65];

	sum_hex(sb->buf, sb->len, off, hex);
	memcpy(sb->buf + off, hex, SUM_DIGITS);
}

char *record_json_text(const cJSON *j, size_t *len)
{
	char *text = cJSON_Print(j);
	strbuf sb = STRBUF_INIT;

	sb_addf(&sb, "%s%064d\"", JSON_PREFIX, 0);
	/* cJSON's text starts with "{": the members follow the sum */
	if (cJSON_GetArraySize(j) > 0)
		sb_addf(&sb, ",%s", text + 1);
	else
		sb_adds(&sb, "}");
	sb_addc(&sb, '\n');
	cJSON_free(text);
	seal_sum(&sb, strlen(JSON_PREFIX));
	return sb_detach(&sb, len);
}

char *record_changes_text(const char *text, size_t len, size_t *outlen)
{
	const char *nl = memchr(text, '\n', len);
	size_t body = nl ? (size_t)(nl + 1 - text) : len;
	strbuf sb = STRBUF_INIT;

	sb_addf(&sb, "%s%064d\n", CHANGES_PREFIX, 0);
	sb_add(&sb, text + body, len - body);
	seal_sum(&sb, strlen(CHANGES_PREFIX));
	return sb_detach(&sb, outlen);
}

void record_changes_plain(char *text, size_t *len)
{
	size_t first = strlen(CHANGES_PREFIX) + SUM_DIGITS + 1;

	if (*len < first || memcmp(text, CHANGES_PREFIX, strlen(CHANGES_PREFIX)) != 0)
		return;
	memcpy(text, CHANGES_HEADER, strlen(CHANGES_HEADER));
	memmove(text + strlen(CHANGES_HEADER), text + first, *len - first + 1);
	*len -= first - strlen(CHANGES_HEADER);
}

int json_read(vds_backend *b, const char *key, cJSON **out)
{
	char *text;
	size_t len;
	int r = record_read(b, key, &text, &len);

	*out = NULL;
	if (r < 0)
		return r;
	/* nothing may follow the object (cJSON wants the terminating NUL inside the length) */
	*out = memchr(text, '\0', len) ? NULL : cJSON_ParseWithLengthOpts(text, len + 1, NULL, true);
	free(text);
	if (!*out || !cJSON_IsObject(*out)) {
		cJSON_Delete(*out);
		*out = NULL;
		return vds_err(VDS_ECORRUPT, "corrupt metadata in %s", q(key));
	}
	return 0;
}

int json_write(vds_backend *b, const char *key, const cJSON *j)
{
	size_t len;
	char *text = record_json_text(j, &len);
	int r = b->ops->write(b, key, text, len);

	free(text);
	return r;
}
