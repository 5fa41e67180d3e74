/*
 * import_http.c - downloading an http:// or https:// URL into a spool file
 * with libcurl: redirects followed (http and https only), TLS verified, a
 * dropped connection resumed with Range (guarded by If-Range) or started
 * over, retries with backoff, and the file name taken from
 * Content-Disposition or the URL.
 */
#include "config.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "import.h"

/* One download across its attempts. */
typedef struct fetch {
	spool *s;
	CURL *h;
	int status;           /* spool_write failure, kept for the caller */
	long code;            /* HTTP status of the answer being received */
	bool body_started;    /* the first byte of this attempt's body arrived */
	bool resuming;        /* this attempt asked for a range */
	char validator[256];  /* ETag, else Last-Modified, of the first answer */
	char disposition[1024];
	int64_t mtime;
	int64_t range_start;  /* first byte of a 206 answer (Content-Range), -1 if none */
	uint64_t expected;    /* the whole file's size, once known; 0 unknown */
	bool announced;       /* its size was added to the progress total */
} fetch;

/* Percent-decodes S (a name from a URL or an RFC 5987 value); malloc'd. */
static char *pct_decode(const char *s, size_t len)
{
	char *out = xmalloc(len + 1), *o = out;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '%' && i + 2 < len && isxdigit((unsigned char)s[i + 1]) &&
		    isxdigit((unsigned char)s[i + 2])) {
			char hex[3] = {s[i + 1], s[i + 2], '\0'};
			*o++ = (char)strtol(hex, NULL, 16);
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

/* The last component of NAME, or NULL if nothing usable is left. */
static char *base_name(char *name)
{
	char *b = name;

	for (char *c = name; *c; c++)
		if (*c == '/' || *c == '\\')
			b = c + 1;
	if (!*b || !strcmp(b, ".") || !strcmp(b, ".."))
		return NULL;
	return xstrdup(b);
}

/* The file name a Content-Disposition value gives (filename* first), or NULL. */
static char *disposition_name(const char *v)
{
	const char *star = strcasestr(v, "filename*=");
	char *raw = NULL, *name;

	if (star) { /* RFC 5987: charset'language'percent-encoded */
		const char *val = star + 10, *q2 = strchr(val, '\'');
		q2 = q2 ? strchr(q2 + 1, '\'') : NULL;
		if (q2)
			raw = pct_decode(q2 + 1, strcspn(q2 + 1, "; \t"));
	}
	const char *plain = strcasestr(v, "filename=");
	if (!raw && plain) {
		const char *val = plain + 9;
		if (*val == '"') {
			const char *end = strchr(val + 1, '"');
			raw = end ? xstrndup(val + 1, (size_t)(end - val - 1)) : NULL;
		} else {
			raw = xstrndup(val, strcspn(val, "; \t"));
		}
	}
	if (!raw)
		return NULL;
	name = base_name(raw);
	free(raw);
	return name;
}

/* The last segment of URL's path, decoded, or NULL. */
static char *url_name(const char *url)
{
	const char *host = strstr(url, "://");
	const char *path = host ? strchr(host + 3, '/') : NULL;
	char *dec, *name;

	if (!path)
		return NULL;
	size_t len = strcspn(path, "?#");
	const char *last = path;
	for (size_t i = 0; i < len; i++)
		if (path[i] == '/')
			last = path + i + 1;
	dec = pct_decode(last, len - (size_t)(last - path));
	name = base_name(dec);
	free(dec);
	return name;
}

/* Copies header value V (LEN bytes, trailing white space dropped) into OUT. */
static void header_value(const char *v, size_t len, char *out, size_t size)
{
	while (len && (v[len - 1] == '\r' || v[len - 1] == '\n' || v[len - 1] == ' '))
		len--;
	while (len && (*v == ' ' || *v == '\t'))
		v++, len--;
	snprintf(out, size, "%.*s", (int)len, v);
}

static size_t on_header(char *data, size_t size, size_t n, void *ud)
{
	fetch *f = ud;
	size_t len = size * n;
	char val[1024];

	if (len > 5 && !strncmp(data, "HTTP/", 5)) { /* a new answer: a redirect's is forgotten */
		f->disposition[0] = '\0';
		f->range_start = -1;
		return len;
	}
	const char *colon = memchr(data, ':', len);
	if (!colon)
		return len;
	size_t nlen = (size_t)(colon - data);
	header_value(colon + 1, len - nlen - 1, val, sizeof(val));
	unsigned long long start;
	if (nlen == 13 && !strncasecmp(data, "Content-Range", 13) &&
	    sscanf(val, "bytes %llu-", &start) == 1)
		f->range_start = (int64_t)start;
	else if (nlen == 19 && !strncasecmp(data, "Content-Disposition", 19))
		snprintf(f->disposition, sizeof(f->disposition), "%s", val);
	else if (!f->resuming && nlen == 4 && !strncasecmp(data, "ETag", 4) && val[0] != 'W')
		snprintf(f->validator, sizeof(f->validator), "%.255s", val);
	else if (!f->resuming && nlen == 13 && !strncasecmp(data, "Last-Modified", 13)) {
		f->mtime = s3_parse_date(val);
		if (!f->validator[0])
			snprintf(f->validator, sizeof(f->validator), "%.255s", val);
	}
	return len;
}

/* On the first byte of an answer's body: checks its status and learns its size. */
static bool body_start(fetch *f)
{
	curl_off_t cl = -1;

	f->body_started = true;
	curl_easy_getinfo(f->h, CURLINFO_RESPONSE_CODE, &f->code);
	curl_easy_getinfo(f->h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
	if (f->code == 200) { /* the whole file (again): start over */
		if (f->s->size)
			spool_reset(f->s);
		f->expected = cl >= 0 ? (uint64_t)cl : 0;
	} else if (f->code == 206) {
		if (f->range_start != (int64_t)f->s->size) {
			f->status = vds_err(VDS_EIO, "the server sent bytes from %lld, not from %llu",
					    (long long)f->range_start,
					    (unsigned long long)f->s->size);
			return false;
		}
		if (cl >= 0 && !f->expected)
			f->expected = f->s->size + (uint64_t)cl;
	} else {
		return false;
	}
	if (f->expected && !f->announced && f->s->p) {
		atomic_fetch_add(&f->s->p->bytes_total, f->expected);
		f->announced = true;
	}
	return true;
}

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
	fetch *f = ud;
	size_t len = size * n;

	if (!f->body_started && !body_start(f) && f->status < 0)
		return 0;
	if (f->code != 200 && f->code != 206) /* an error page: its status says it all */
		return len;
	if ((f->status = spool_write(f->s, data, len)) < 0)
		return 0;
	return len;
}

static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	atomic_int *cancel = ud;

	(void)dt, (void)dn, (void)ut, (void)un;
	return cancel && atomic_load(cancel);
}

/* Sets up handle H for URL with fetch F. */
static void setup(CURL *h, const char *url, fetch *f, atomic_int *cancel)
{
	net_setup(h);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, f);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, cancel);
	/* compressed answers would change the bytes, and so the hash */
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, NULL);
}

/* One attempt; returns the curl result and fills F->code. */
static CURLcode attempt(fetch *f, struct curl_slist **hl)
{
	char range[64], ifrange[300];

	curl_slist_free_all(*hl);
	*hl = NULL;
	f->body_started = false;
	f->code = 0;
	f->resuming = f->s->size > 0;
	curl_easy_setopt(f->h, CURLOPT_RANGE, NULL);
	if (f->resuming) { /* continue where the dropped connection stopped */
		snprintf(range, sizeof(range), "%llu-", (unsigned long long)f->s->size);
		curl_easy_setopt(f->h, CURLOPT_RANGE, range);
		if (f->validator[0]) { /* and only if it is still the same file */
			snprintf(ifrange, sizeof(ifrange), "If-Range: %s", f->validator);
			*hl = curl_slist_append(*hl, ifrange);
		}
	}
	curl_easy_setopt(f->h, CURLOPT_HTTPHEADER, *hl);
	CURLcode e = curl_easy_perform(f->h);
	if (!f->body_started && e == CURLE_OK) { /* an empty body calls no write */
		curl_easy_getinfo(f->h, CURLINFO_RESPONSE_CODE, &f->code);
		if (f->code == 200 && f->resuming)
			spool_reset(f->s);
	}
	return e;
}

/* The message of an HTTP error answer: its status line's words. */
static const char *status_text(long code)
{
	switch (code) {
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 410: return "Gone";
	case 416: return "Range Not Satisfiable";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "HTTP error";
	}
}

int http_fetch(const char *url, spool *s, char **name, int64_t *mtime, atomic_int *cancel)
{
	fetch f = {.s = s};
	struct curl_slist *hl = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	int max = net_attempts(), fresh = 0, r = 0;
	CURLcode e = CURLE_OK;

	net_init();
	f.h = curl_easy_init();
	if (!f.h)
		return vds_err(VDS_ERR, "cannot start a download");
	setup(f.h, url, &f, cancel);
	curl_easy_setopt(f.h, CURLOPT_ERRORBUFFER, errbuf);
	for (int n = 1;; n++) {
		uint64_t before = s->size;
		errbuf[0] = '\0';
		e = attempt(&f, &hl);
		if (f.status < 0) {
			r = f.status;
			break;
		}
		if (e == CURLE_ABORTED_BY_CALLBACK && cancel && atomic_load(cancel)) {
			r = vds_err(VDS_ECANCELED, "cancelled");
			break;
		}
		if (e == CURLE_OK && f.code == 416 && f.resuming) { /* it shrank: start over */
			spool_reset(s);
			f.validator[0] = '\0';
			f.expected = 0;
		} else if (e == CURLE_OK && (f.code == 200 || f.code == 206)) {
			if (!f.expected || s->size == f.expected)
				break;
			e = CURLE_PARTIAL_FILE; /* the server closed early */
		} else if (e == CURLE_OK && !net_retryable_status(f.code)) {
			r = vds_err(f.code == 404 || f.code == 410 ? VDS_ENOTFOUND : VDS_EIO, "%ld %s",
				    f.code, status_text(f.code));
			break;
		}
		bool progressed = s->size > before;
		if (e != CURLE_OK && e != CURLE_PARTIAL_FILE &&
		    (!net_retryable_curl(e) || e == CURLE_SSL_CONNECT_ERROR)) {
			r = vds_err(VDS_EIO, "%s", errbuf[0] ? errbuf : curl_easy_strerror(e));
			break;
		}
		/* a connection that delivered bytes before dropping earns a fresh budget */
		if (progressed && ++fresh < 100)
			n = 1;
		if (n >= max || !net_backoff(n, cancel)) {
			if (cancel && atomic_load(cancel))
				r = vds_err(VDS_ECANCELED, "cancelled");
			else if (e == CURLE_OK)
				r = vds_err(VDS_EIO, "%ld %s (after %d attempts)", f.code,
					    status_text(f.code), n);
			else if (f.expected)
				r = vds_err(VDS_EIO, "got %llu of %llu bytes (%s)",
					    (unsigned long long)s->size,
					    (unsigned long long)f.expected,
					    errbuf[0] ? errbuf : curl_easy_strerror(e));
			else
				r = vds_err(VDS_EIO, "%s (after %d attempts)",
					    errbuf[0] ? errbuf : curl_easy_strerror(e), n);
			break;
		}
	}
	if (r == 0) {
		char *eff = NULL;
		curl_easy_getinfo(f.h, CURLINFO_EFFECTIVE_URL, &eff);
		*name = f.disposition[0] ? disposition_name(f.disposition) : NULL;
		if (!*name)
			*name = url_name(eff ? eff : url);
		if (!*name)
			*name = url_name(url);
		if (!*name)
			*name = xstrdup("download");
		*mtime = f.mtime > 0 ? f.mtime : (int64_t)time(NULL); /* else: when it arrived */
	}
	curl_slist_free_all(hl);
	curl_easy_cleanup(f.h);
	return r;
}
