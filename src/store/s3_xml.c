/*
 * s3_xml.c - reading S3's XML answers with expat: object listings, parts
 * and multipart uploads, upload ids and error documents. Elements are
 * matched by name within their parent, never by searching the text.
 */
#include "config.h"

#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "s3.h"

typedef struct parse_state {
	s3_listing *l;
	size_t strip;
	int depth;
	XML_Parser parser; /* to stop it */
	char parent[48], elem[48]; /* names at depth-1 and depth */
	strbuf text;
	s3_object cur;
	bool in_item;
	char *code, *msg; /* error documents */
	size_t codesz, msgsz;
	bool failed;
} parse_state;

static bool is_item(const char *name)
{
	return !strcmp(name, "Contents") || !strcmp(name, "Part") || !strcmp(name, "Upload") ||
	       !strcmp(name, "Error"); /* DeleteObjects: a key not deleted */
}

/* Deepest nesting of elements accepted (S3 answers go three levels deep). */
#define XML_DEPTH_MAX 16

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
	parse_state *s = ud;

	(void)attrs;
	if (++s->depth > XML_DEPTH_MAX) { /* else expat's stack grows with the answer */
		s->failed = true;
		XML_StopParser(s->parser, XML_FALSE);
		return;
	}
	snprintf(s->parent, sizeof(s->parent), "%s", s->elem);
	snprintf(s->elem, sizeof(s->elem), "%s", name);
	sb_reset(&s->text);
	if (s->l && s->depth == 2 && is_item(name)) { /* s3_xml_error() has no listing */
		memset(&s->cur, 0, sizeof(s->cur));
		s->in_item = true;
	}
}

static void XMLCALL on_text(void *ud, const XML_Char *t, int len)
{
	parse_state *s = ud;

	if (s->text.len < 1 << 20)
		sb_add(&s->text, t, (size_t)len);
}

static char *strip_key(parse_state *s, const char *k)
{
	return xstrdup(strlen(k) >= s->strip ? k + s->strip : k);
}

/* A field of a Contents, Part or Upload item. */
static void item_field(parse_state *s, const char *name, const char *v)
{
	if (!strcmp(name, "Key")) {
		free(s->cur.key);
		s->cur.key = strip_key(s, v);
	} else if (!strcmp(name, "PartNumber")) {
		free(s->cur.key);
		s->cur.key = xstrdup(v);
	} else if (!strcmp(name, "Size")) {
		s->cur.size = strtoull(v, NULL, 10);
	} else if (!strcmp(name, "LastModified") || !strcmp(name, "Initiated")) {
		s->cur.mtime = s3_parse_date(v);
	} else if (!strcmp(name, "ETag")) {
		snprintf(s->cur.etag, sizeof(s->cur.etag), "%s", v[0] == '"' ? v + 1 : v);
		s->cur.etag[strcspn(s->cur.etag, "\"")] = '\0';
	} else if (!strcmp(name, "UploadId")) {
		free(s->cur.upload_id);
		s->cur.upload_id = xstrdup(v);
	}
}

static void push_item(parse_state *s)
{
	s3_listing *l = s->l;

	if (!s->cur.key) {
		s->failed = true;
		free(s->cur.upload_id);
		return;
	}
	if (l->nobj == l->capobj) {
		l->capobj = l->capobj ? l->capobj * 2 : 256;
		l->obj = xrealloc(l->obj, l->capobj * sizeof(*l->obj));
	}
	l->obj[l->nobj++] = s->cur;
	memset(&s->cur, 0, sizeof(s->cur));
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
	parse_state *s = ud;
	const char *v = s->text.buf ? s->text.buf : "";
	s3_listing *l = s->l;

	if (s->in_item && s->depth == 3) {
		item_field(s, name, v);
	} else if (s->in_item && s->depth == 2) {
		push_item(s);
		s->in_item = false;
	} else if (l && s->depth == 3 && !strcmp(name, "Prefix") && !strcmp(s->parent, "CommonPrefixes")) {
		if (l->nprefix == l->capprefix) {
			l->capprefix = l->capprefix ? l->capprefix * 2 : 64;
			l->prefixes = xrealloc(l->prefixes, l->capprefix * sizeof(char *));
		}
		l->prefixes[l->nprefix++] = strip_key(s, v);
	} else if (l && s->depth == 2) {
		if (!strcmp(name, "IsTruncated")) {
			l->truncated = !strcmp(v, "true");
		} else if (!strcmp(name, "NextContinuationToken") ||
			   !strcmp(name, "NextPartNumberMarker") || !strcmp(name, "NextKeyMarker")) {
			free(l->next_token);
			l->next_token = *v ? xstrdup(v) : NULL;
		} else if (!strcmp(name, "NextUploadIdMarker")) {
			free(l->next_upload);
			l->next_upload = *v ? xstrdup(v) : NULL;
		} else if (!strcmp(name, "UploadId")) {
			free(l->upload_id);
			l->upload_id = xstrdup(v);
		}
	}
	if (s->code && s->depth == 2 && !strcmp(name, "Code"))
		snprintf(s->code, s->codesz, "%s", v);
	if (s->msg && s->depth == 2 && !strcmp(name, "Message"))
		snprintf(s->msg, s->msgsz, "%s", v);
	sb_reset(&s->text);
	s->depth--;
	snprintf(s->elem, sizeof(s->elem), "%s", s->depth >= 1 ? s->parent : "");
}

static bool run_parser(parse_state *s, const char *xml, size_t len)
{
	XML_Parser p = XML_ParserCreate("UTF-8");
	bool ok;

	if (!p)
		return false;
	s->parser = p;
	XML_SetUserData(p, s);
	XML_SetElementHandler(p, on_start, on_end);
	XML_SetCharacterDataHandler(p, on_text);
	ok = XML_Parse(p, xml, (int)len, 1) == XML_STATUS_OK && !s->failed;
	XML_ParserFree(p);
	free(s->cur.key);
	free(s->cur.upload_id);
	sb_release(&s->text);
	return ok;
}

int s3_xml_parse(const char *xml, size_t len, size_t strip, s3_listing *out)
{
	parse_state s = {.l = out, .strip = strip};

	if (len > INT32_MAX || !run_parser(&s, xml, len))
		return vds_err(VDS_EIO, "the S3 server sent a malformed XML answer");
	return 0;
}

void s3_listing_release(s3_listing *l)
{
	for (size_t i = 0; i < l->nobj; i++) {
		free(l->obj[i].key);
		free(l->obj[i].upload_id);
	}
	free(l->obj);
	for (size_t i = 0; i < l->nprefix; i++)
		free(l->prefixes[i]);
	free(l->prefixes);
	free(l->next_token);
	free(l->next_upload);
	free(l->upload_id);
	memset(l, 0, sizeof(*l));
}

void s3_listing_append(s3_listing *to, s3_listing *from)
{
	if (from->nobj && to->nobj + from->nobj > to->capobj) {
		to->capobj = (to->nobj + from->nobj) * 2;
		to->obj = xrealloc(to->obj, to->capobj * sizeof(*to->obj));
	}
	if (from->nobj)
		memcpy(to->obj + to->nobj, from->obj, from->nobj * sizeof(*from->obj));
	to->nobj += from->nobj;
	from->nobj = 0;
	if (from->nprefix && to->nprefix + from->nprefix > to->capprefix) {
		to->capprefix = (to->nprefix + from->nprefix) * 2;
		to->prefixes = xrealloc(to->prefixes, to->capprefix * sizeof(char *));
	}
	if (from->nprefix)
		memcpy(to->prefixes + to->nprefix, from->prefixes, from->nprefix * sizeof(char *));
	to->nprefix += from->nprefix;
	from->nprefix = 0;
}

void s3_xml_error(const char *xml, size_t len, char *code, size_t codesz, char *msg,
		  size_t msgsz)
{
	parse_state s = {.code = code, .codesz = codesz, .msg = msg, .msgsz = msgsz};

	code[0] = msg[0] = '\0';
	if (len && len < INT32_MAX)
		run_parser(&s, xml, len);
	/* the message is the server's text: keep it printable */
	for (char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	for (char *p = code; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
}

int64_t s3_parse_date(const char *s)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	struct tm tm = {0};
	char mon[4] = "";

	/* ISO 8601, as in listings: 2026-11-24T17:16:00.000Z */
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
		   &tm.tm_min, &tm.tm_sec) == 6) {
		tm.tm_mon--;
	} else if (sscanf(s, "%*3s, %2d %3s %4d %2d:%2d:%2d", &tm.tm_mday, mon, &tm.tm_year,
			  &tm.tm_hour, &tm.tm_min, &tm.tm_sec) == 6 && strlen(mon) == 3 &&
		   strstr(months, mon)) {
		/* RFC 7231, as in Last-Modified (English names, whatever the locale) */
		tm.tm_mon = (int)(strstr(months, mon) - months) / 3;
	} else {
		return -1;
	}
	tm.tm_year -= 1900;
	return (int64_t)timegm(&tm);
}
