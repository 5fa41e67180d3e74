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

#include <stdlib.h>
#include <string.h>

#include "manifest.h"
#include "core.h"
#include "store/recsum.h"

#define READ_TRIES 3 /* a record damaged in transit is read again */

int record_check(vds_backend *b, const char *key, const char *text, size_t len)
{
	size_t off = recsum_offset(text, len);

	if (!off) {
		if (b->legacy)
			return 0; /* a format 1 record, from before the store was upgraded */
		return vds_err(VDS_ECORRUPT, "record %s is damaged: it carries no checksum", q(key));
	}
	if (!recsum_ok(text, len))
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

	recsum_hex(sb->buf, sb->len, off, hex);
	memcpy(sb->buf + off, hex, RECSUM_DIGITS);
}

char *record_json_text(const cJSON *j, size_t *len)
{
	char *text = cJSON_Print(j);
	strbuf sb = STRBUF_INIT;

	sb_addf(&sb, "%s%064d\"", RECSUM_JSON_PREFIX, 0);
	/* cJSON's text starts with "{": the members follow the sum */
	if (cJSON_GetArraySize(j) > 0)
		sb_addf(&sb, ",%s", text + 1);
	else
		sb_adds(&sb, "}");
	sb_addc(&sb, '\n');
	cJSON_free(text);
	seal_sum(&sb, strlen(RECSUM_JSON_PREFIX));
	return sb_detach(&sb, len);
}

char *record_changes_text(const char *text, size_t len, size_t *outlen)
{
	const char *nl = memchr(text, '\n', len);
	size_t body = nl ? (size_t)(nl + 1 - text) : len;
	strbuf sb = STRBUF_INIT;

	sb_addf(&sb, "%s%064d\n", RECSUM_CHANGES_PREFIX, 0);
	sb_add(&sb, text + body, len - body);
	seal_sum(&sb, strlen(RECSUM_CHANGES_PREFIX));
	return sb_detach(&sb, outlen);
}

void record_changes_plain(char *text, size_t *len)
{
	size_t first = strlen(RECSUM_CHANGES_PREFIX) + RECSUM_DIGITS + 1;

	if (*len < first || memcmp(text, RECSUM_CHANGES_PREFIX, strlen(RECSUM_CHANGES_PREFIX)) != 0)
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
