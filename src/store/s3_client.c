/*
 * s3_client.c - SigV4-signed S3 requests over libcurl.
 *
 * libcurl signs (CURLOPT_AWS_SIGV4); we send x-amz-content-sha256 ourselves
 * and give it canonical (sorted, fully encoded) query strings. Easy handles
 * are kept in a stack so their connections are reused by whichever thread
 * asks next. Connection errors, timeouts, 429 and 5xx are retried with
 * exponential backoff and jitter; every attempt starts the body over.
 * A body that arrived damaged (the server's BadDigest or
 * XAmzContentSHA256Mismatch, or an ETag that is not the MD5 sent with
 * check_md5) is retried the same way.
 */
#include "config.h"

#include <errno.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "retry.h"
#include "s3.h"

#define MAX_ATTEMPTS_DEFAULT 8
#define BACKOFF_BASE_MS 100
#define BACKOFF_CAP_MS 5000
#define STALL_SECONDS_DEFAULT 30

struct s3_client {
	s3_config cfg;
	char *sigv4; /* "aws:amz:REGION:s3" */
	char *base;  /* URL up to the bucket, with a trailing '/' */
	pthread_mutex_t lock; /* guards the handle stack */
	CURL **idle;
	size_t nidle, capidle;
	int max_attempts;
	_Atomic uint64_t received;
};

void s3_config_release(s3_config *c)
{
	free(c->endpoint);
	free(c->region);
	free(c->bucket);
	free(c->prefix);
	free(c->access_key);
	free(c->secret_key);
	free(c->session_token);
	memset(c, 0, sizeof(*c));
}

static long env_long(const char *name, long def, long min, long max)
{
	const char *v = getenv(name);
	char *end;

	if (!v || !*v)
		return def;
	long n = strtol(v, &end, 10);
	return *end || n < min || n > max ? def : n;
}

void s3_uri_encode(strbuf *sb, const char *s, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '.' || *p == '_' || *p == '~' || (keep_slash && *p == '/')) {
			sb_addc(sb, (char)*p);
		} else {
			sb_addc(sb, '%');
			sb_addc(sb, hex[*p >> 4]);
			sb_addc(sb, hex[*p & 15]);
		}
	}
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

void net_init(void)
{
	pthread_once(&curl_once, curl_init);
}

s3_client *s3_client_new(const s3_config *cfg)
{
	s3_client *c = xcalloc(1, sizeof(*c));
	const char *ep = cfg->endpoint;
	strbuf sb = STRBUF_INIT;

	pthread_once(&curl_once, curl_init);
	c->cfg.endpoint = xstrdup(cfg->endpoint);
	c->cfg.region = xstrdup(cfg->region);
	c->cfg.bucket = xstrdup(cfg->bucket);
	c->cfg.prefix = xstrdup(cfg->prefix ? cfg->prefix : "");
	c->cfg.access_key = xstrdup(cfg->access_key ? cfg->access_key : "");
	c->cfg.secret_key = xstrdup(cfg->secret_key ? cfg->secret_key : "");
	c->cfg.session_token = xstrdup(cfg->session_token ? cfg->session_token : "");
	c->cfg.path_style = cfg->path_style;
	c->cfg.insecure = cfg->insecure;
	c->sigv4 = xasprintf("aws:amz:%s:s3", cfg->region);
	size_t eplen = strlen(ep);
	while (eplen && ep[eplen - 1] == '/')
		eplen--;
	if (c->cfg.path_style) {
		sb_add(&sb, ep, eplen);
		sb_addc(&sb, '/');
		s3_uri_encode(&sb, cfg->bucket, false);
		sb_addc(&sb, '/');
	} else { /* virtual-hosted style: the bucket is part of the host name */
		const char *host = strstr(ep, "://");
		host = host ? host + 3 : ep;
		sb_add(&sb, ep, (size_t)(host - ep));
		sb_adds(&sb, cfg->bucket);
		sb_addc(&sb, '.');
		sb_add(&sb, host, eplen - (size_t)(host - ep));
		sb_addc(&sb, '/');
	}
	c->base = sb_detach(&sb, NULL);
	pthread_mutex_init(&c->lock, NULL);
	c->max_attempts = net_attempts();
	return c;
}

void s3_client_free(s3_client *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nidle; i++)
		curl_easy_cleanup(c->idle[i]);
	free(c->idle);
	pthread_mutex_destroy(&c->lock);
	free(c->sigv4);
	free(c->base);
	s3_config_release(&c->cfg);
	free(c);
}

const char *s3_bucket(const s3_client *c)
{
	return c->cfg.bucket;
}

const char *s3_prefix(const s3_client *c)
{
	return c->cfg.prefix;
}

uint64_t s3_bytes_received(const s3_client *c)
{
	return atomic_load(&((s3_client *)c)->received);
}

static CURL *handle_get(s3_client *c)
{
	CURL *h = NULL;

	pthread_mutex_lock(&c->lock);
	if (c->nidle)
		h = c->idle[--c->nidle];
	pthread_mutex_unlock(&c->lock);
	if (!h && !(h = curl_easy_init())) {
		fprintf(stderr, "vds: out of memory\n");
		abort();
	}
	return h;
}

static void handle_put(s3_client *c, CURL *h)
{
	curl_easy_reset(h); /* keeps the live connection */
	pthread_mutex_lock(&c->lock);
	if (c->nidle == c->capidle) {
		c->capidle = c->capidle ? c->capidle * 2 : 16;
		c->idle = xrealloc(c->idle, c->capidle * sizeof(*c->idle));
	}
	c->idle[c->nidle++] = h;
	pthread_mutex_unlock(&c->lock);
}

/* The state of one attempt, shared with curl's callbacks. */
/* Largest XML answer read into memory (a page of 1,000 keys is about 300 KiB). */
#define XML_MAX (64 << 20)

typedef struct xfer {
	s3_client *c;
	s3_req *r;
	CURL *h;
	uint64_t pos;     /* request body bytes handed to curl */
	uint64_t counted; /* bytes this attempt added to the request's counter */
	strbuf err;   /* body of an error answer */
	int sink_status;
	int read_errno;
	bool cancelled;
} xfer;

/* Adds N transferred bytes to the request's progress counter. */
static void count(xfer *x, size_t n)
{
	x->counted += n;
	if (x->r->counter)
		atomic_fetch_add(x->r->counter, (uint64_t)n);
}

/* Takes back what this attempt counted (it starts over). */
static void uncount(xfer *x)
{
	if (x->r->counter)
		atomic_fetch_sub(x->r->counter, x->counted);
	x->counted = 0;
}

static size_t on_read(char *buf, size_t size, size_t nitems, void *ud)
{
	xfer *x = ud;
	s3_req *r = x->r;
	size_t want = size * nitems;
	uint64_t total = r->body ? r->body_len : r->body_size;

	if (x->pos >= total)
		return 0;
	if (want > total - x->pos)
		want = (size_t)(total - x->pos);
	if (r->body) {
		memcpy(buf, (const char *)r->body + x->pos, want);
	} else {
		ssize_t n;
		do
			n = pread(r->body_fd, buf, want, (off_t)(r->body_off + x->pos));
		while (n < 0 && errno == EINTR);
		if (n <= 0) {
			x->read_errno = n < 0 ? errno : EIO;
			return CURL_READFUNC_ABORT;
		}
		want = (size_t)n;
	}
	x->pos += want;
	count(x, want);
	return want;
}

static int on_seek(void *ud, curl_off_t off, int origin)
{
	xfer *x = ud;

	if (origin != SEEK_SET || off < 0)
		return CURL_SEEKFUNC_CANTSEEK;
	uncount(x); /* the bytes go again: count them once */
	x->pos = (uint64_t)off;
	count(x, (size_t)off);
	return CURL_SEEKFUNC_OK;
}

static size_t on_write(char *data, size_t size, size_t nmemb, void *ud)
{
	xfer *x = ud;
	s3_req *r = x->r;
	size_t len = size * nmemb;
	long status = 0;

	curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &status);
	atomic_fetch_add(&x->c->received, (uint64_t)len);
	if (status < 200 || status >= 300) {
		if (x->err.len < 65536)
			sb_add(&x->err, data, len);
		return len;
	}
	if (r->out && r->query && r->out->len + len > XML_MAX) { /* no listing is that long */
		x->sink_status = vds_err(VDS_EIO, "the answer to a request in bucket %s is over %d MiB",
					 q(x->c->cfg.bucket), XML_MAX >> 20);
		return 0;
	}
	if (r->out)
		sb_add(r->out, data, len);
	if (r->sink && (x->sink_status = r->sink(data, len, r->sink_ud)) != 0)
		return 0; /* aborts the transfer */
	count(x, len);
	return len;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *ud)
{
	xfer *x = ud;
	size_t len = size * nmemb;
	char line[256];

	if (len >= sizeof(line))
		return len;
	memcpy(line, data, len);
	line[len] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	char *colon = strchr(line, ':');
	if (!colon)
		return len;
	*colon = '\0';
	char *v = colon + 1;
	while (*v == ' ')
		v++;
	if (!strcasecmp(line, "etag")) {
		if (*v == '"')
			v++;
		snprintf(x->r->etag, sizeof(x->r->etag), "%s", v);
		x->r->etag[strcspn(x->r->etag, "\"")] = '\0';
	} else if (!strcasecmp(line, "content-range")) {
		const char *slash = strchr(v, '/');
		if (slash)
			x->r->total = strtoull(slash + 1, NULL, 10);
	} else if (!strcasecmp(line, "last-modified")) {
		int64_t t = s3_parse_date(v);
		x->r->last_modified = t > 0 ? t : 0;
	}
	return len;
}

static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	xfer *x = ud;

	(void)dt, (void)dn, (void)ut, (void)un;
	if (x->r->cancel && atomic_load(x->r->cancel)) {
		x->cancelled = true;
		return 1;
	}
	return 0;
}

/* The request's URL: base, encoded prefix and key, query. */
static char *request_url(s3_client *c, const s3_req *r)
{
	strbuf sb = STRBUF_INIT;

	sb_adds(&sb, c->base);
	if (r->key) {
		s3_uri_encode(&sb, c->cfg.prefix, true);
		s3_uri_encode(&sb, r->key, true);
	}
	if (r->query) {
		sb_addc(&sb, '?');
		sb_adds(&sb, r->query);
	}
	return sb_detach(&sb, NULL);
}

static void hex32(const unsigned char *sha, char out[65])
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 0; i < 32; i++) {
		out[2 * i] = hex[sha[i] >> 4];
		out[2 * i + 1] = hex[sha[i] & 15];
	}
	out[64] = '\0';
}

static struct curl_slist *request_headers(s3_client *c, const s3_req *r)
{
	struct curl_slist *hl = NULL;
	char line[160];

	if (r->payload_sha) {
		snprintf(line, sizeof(line), "x-amz-content-sha256: %s", r->payload_sha);
	} else if (r->body || !r->body_size) { /* memory or empty body: sign it */
		unsigned char sha[32];
		char hex[65];
		EVP_Digest(r->body ? r->body : "", r->body ? r->body_len : 0, sha, NULL, EVP_sha256(),
			   NULL);
		hex32(sha, hex);
		snprintf(line, sizeof(line), "x-amz-content-sha256: %s", hex);
	} else {
		snprintf(line, sizeof(line), "x-amz-content-sha256: UNSIGNED-PAYLOAD");
	}
	hl = curl_slist_append(hl, line);
	if (*c->cfg.session_token) {
		char *tok = xasprintf("x-amz-security-token: %s", c->cfg.session_token);
		hl = curl_slist_append(hl, tok);
		free(tok);
	}
	if (r->range_len) {
		snprintf(line, sizeof(line), "Range: bytes=%llu-%llu", (unsigned long long)r->range_off,
			 (unsigned long long)(r->range_off + r->range_len - 1));
		hl = curl_slist_append(hl, line);
	}
	for (const char *const *h = r->headers; h && *h; h++)
		hl = curl_slist_append(hl, *h);
	return hl;
}

static void setup(s3_client *c, xfer *x, const char *url, struct curl_slist *hl)
{
	CURL *h = x->h;
	s3_req *r = x->r;
	uint64_t body = r->body ? r->body_len : r->body_size;

	curl_easy_setopt(h, CURLOPT_URL, url);
	net_setup(h);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
	if (*c->cfg.access_key) { /* else anonymous: public buckets answer unsigned requests */
		curl_easy_setopt(h, CURLOPT_AWS_SIGV4, c->sigv4);
		curl_easy_setopt(h, CURLOPT_USERNAME, c->cfg.access_key);
		curl_easy_setopt(h, CURLOPT_PASSWORD, c->cfg.secret_key);
	}
	/* an empty "Expect:" would be signed (and refused): just do not wait for 100 */
	curl_easy_setopt(h, CURLOPT_EXPECT_100_TIMEOUT_MS, 0L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, c->cfg.insecure ? 0L : 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, c->cfg.insecure ? 0L : 2L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, x);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
	curl_easy_setopt(h, CURLOPT_READDATA, x);
	curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, on_seek);
	curl_easy_setopt(h, CURLOPT_SEEKDATA, x);
	if (!strcmp(r->method, "HEAD")) {
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	} else if (!strcmp(r->method, "PUT")) {
		curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)body);
	} else if (!strcmp(r->method, "POST")) {
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body);
	} else if (strcmp(r->method, "GET")) {
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, r->method);
	}
}

int net_attempts(void)
{
	return (int)env_long("VDS_S3_ATTEMPTS", MAX_ATTEMPTS_DEFAULT, 1, 100);
}

long net_stall_seconds(void)
{
	return env_long("VDS_S3_TIMEOUT", STALL_SECONDS_DEFAULT, 1, 86400);
}

void net_setup(CURL *h)
{
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "vds/" PACKAGE_VERSION);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, net_stall_seconds());
	curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L); /* the transfer callback cancels */
}

bool net_retryable_curl(CURLcode e)
{
	switch (e) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_WEIRD_SERVER_REPLY:
		return true;
	default:
		return false;
	}
}

bool net_retryable_status(long s)
{
	return s == 429 || s == 500 || s == 502 || s == 503 || s == 504;
}

static bool sleep_ms(long ms, atomic_int *cancel);

/* Milliseconds to wait before retry ATTEMPT: exponential, with jitter. */
static long backoff_ms(int attempt)
{
	long cap = BACKOFF_BASE_MS << (attempt < 10 ? attempt : 10);
	unsigned seed = (unsigned)time(NULL) ^ (unsigned)(uintptr_t)&cap ^ (unsigned)attempt;

	if (cap > BACKOFF_CAP_MS)
		cap = BACKOFF_CAP_MS;
	return cap / 2 + rand_r(&seed) % (cap / 2 + 1); /* jitter: half to all of the cap */
}

bool net_backoff_noted(int attempt, int max, atomic_int *cancel, const void *key)
{
	long ms = backoff_ms(attempt);

	if (!key)
		key = retry_key(); /* the pool this thread works for */
	retry_note(key, attempt + 1, max, vds_now_us() + ms * 1000);
	bool go_on = sleep_ms(ms, cancel);
	retry_clear(key);
	return go_on;
}

bool net_backoff(int attempt, atomic_int *cancel)
{
	return sleep_ms(backoff_ms(attempt), cancel);
}

/* Sleeps MS milliseconds in steps, false as soon as CANCEL is set. */
static bool sleep_ms(long ms, atomic_int *cancel)
{
	for (long slept = 0; slept < ms; slept += 50) {
		if (cancel && atomic_load(cancel))
			return false;
		struct timespec ts = {0, 50 * 1000000L};
		nanosleep(&ts, NULL);
	}
	return true;
}

/* The MD5 of R's body, as hex (33 bytes) and base64 (25 bytes); 0, or -1 (errno set). */
static int body_md5(const s3_req *r, char *hex, char *b64)
{
	unsigned char d[16];
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int rc = 0;

	EVP_DigestInit_ex(md, EVP_md5(), NULL);
	if (r->body) {
		EVP_DigestUpdate(md, r->body, r->body_len);
	} else if (r->body_size) {
		char *buf = xmalloc(1 << 20);
		for (uint64_t done = 0; done < r->body_size && rc == 0;) {
			size_t want = r->body_size - done < (1 << 20) ? (size_t)(r->body_size - done)
								      : (1 << 20);
			ssize_t n = pread(r->body_fd, buf, want, (off_t)(r->body_off + done));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				errno = n < 0 ? errno : EIO;
				rc = -1;
				break;
			}
			EVP_DigestUpdate(md, buf, (size_t)n);
			done += (uint64_t)n;
		}
		free(buf);
	}
	EVP_DigestFinal_ex(md, d, NULL);
	EVP_MD_CTX_free(md);
	for (int i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	EVP_EncodeBlock((unsigned char *)b64, d, 16);
	return rc;
}

/* What to call the object in messages: "KEY in bucket 'B'". */
static char *what(s3_client *c, const s3_req *r)
{
	strbuf sb = STRBUF_INIT;

	if (r->key) {
		sb_add_quoted(&sb, r->key);
		sb_adds(&sb, " in ");
	}
	sb_adds(&sb, "bucket ");
	sb_add_quoted(&sb, c->cfg.bucket);
	return sb_detach(&sb, NULL);
}

int s3_do(s3_client *c, s3_req *r)
{
	char *url = request_url(c, r);
	struct curl_slist *hl = request_headers(c, r);
	xfer x = {.c = c, .r = r};
	char md5[33] = "", md5b64[32];
	int rc = 0;

	if (!r->cancel)
		r->cancel = loads_cancel_flag(); /* a reader's load: cut short when it is cancelled */

	if (r->check_md5) {
		if (body_md5(r, md5, md5b64) < 0) {
			char *w = what(c, r);
			rc = vds_err(VDS_EIO, "cannot read the body of %s: %s", w, strerror(errno));
			free(w);
			curl_slist_free_all(hl);
			free(url);
			return rc;
		}
		char *line = xasprintf("Content-MD5: %s", md5b64);
		hl = curl_slist_append(hl, line);
		free(line);
	}
	x.h = handle_get(c);
	for (int attempt = 1;; attempt++) {
		struct timespec t0, t1;
		char code[64] = "", msg[256] = "";

		uncount(&x);
		x.pos = 0;
		x.read_errno = 0;
		x.sink_status = 0;
		sb_reset(&x.err);
		if (r->out)
			sb_reset(r->out);
		if (r->restart)
			r->restart(r->sink_ud);
		r->status = 0;
		r->etag[0] = '\0';
		r->last_modified = 0;
		r->total = 0;
		curl_easy_reset(x.h);
		setup(c, &x, url, hl);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		CURLcode e = curl_easy_perform(x.h);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		curl_easy_getinfo(x.h, CURLINFO_RESPONSE_CODE, &r->status);
		curl_off_t cl = -1;
		curl_easy_getinfo(x.h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
		r->length = cl > 0 ? (uint64_t)cl : 0;
		curl_off_t up = 0, down = 0;
		curl_easy_getinfo(x.h, CURLINFO_SIZE_UPLOAD_T, &up);
		curl_easy_getinfo(x.h, CURLINFO_SIZE_DOWNLOAD_T, &down);
		vds_debug("s3: %s %s -> %ld%s%s (%.1f ms, sent %lld, received %lld, attempt %d)",
			  r->method, url, r->status, e ? ", " : "", e ? curl_easy_strerror(e) : "",
			  (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6,
			  (long long)up, (long long)down, attempt);
		if (x.cancelled || (r->cancel && atomic_load(r->cancel))) {
			rc = vds_err(VDS_ECANCELED, "cancelled");
			break;
		}
		if (e == CURLE_WRITE_ERROR && x.sink_status) {
			rc = x.sink_status; /* the sink recorded its own message */
			break;
		}
		if (e == CURLE_ABORTED_BY_CALLBACK && x.read_errno) {
			char *w = what(c, r);
			rc = vds_err(VDS_EIO, "cannot read the body of %s: %s", w, strerror(x.read_errno));
			free(w);
			break;
		}
		if (e != CURLE_OK) {
			if (net_retryable_curl(e) && attempt < c->max_attempts &&
			    net_backoff_noted(attempt, c->max_attempts, r->cancel, r->counter))
				continue;
			char *w = what(c, r);
			rc = vds_err(VDS_EIO, "%s %s at %s failed after %d attempt%s: %s", r->method, w,
				     c->cfg.endpoint, attempt, attempt == 1 ? "" : "s",
				     curl_easy_strerror(e));
			free(w);
			break;
		}
		if (r->status >= 200 && r->status < 300 && *md5 && strcmp(r->etag, md5)) {
			/* what the server stored is not what was sent: send it again */
			if (attempt < c->max_attempts &&
			    net_backoff_noted(attempt, c->max_attempts, r->cancel, r->counter))
				continue;
			char *w = what(c, r);
			rc = vds_err(VDS_EIO,
				     "%s %s failed after %d attempt%s: the server's ETag %s is not the "
				     "MD5 of what was sent (%s)",
				     r->method, w, attempt, attempt == 1 ? "" : "s",
				     *r->etag ? r->etag : "(none)", md5);
			free(w);
			break;
		}
		if ((r->status >= 200 && r->status < 300) || (r->status == 412 && r->allow_412) ||
		    (r->status == 501 && r->allow_501) || (r->status == 416 && r->allow_416))
			break;
		if (r->status == 404) {
			s3_xml_error(x.err.buf ? x.err.buf : "", x.err.len, code, sizeof(code), msg,
				     sizeof(msg));
			char *w = what(c, r);
			if (!strcmp(code, "NoSuchBucket"))
				rc = vds_err(VDS_ENOTFOUND, "no such bucket %s at %s", q(c->cfg.bucket),
					     c->cfg.endpoint);
			else
				rc = vds_err(VDS_ENOTFOUND, "no object %s", w);
			free(w);
			break;
		}
		s3_xml_error(x.err.buf ? x.err.buf : "", x.err.len, code, sizeof(code), msg,
			     sizeof(msg));
		/* a body damaged on its way: the server refused it, send it again */
		bool damaged = r->status == 400 && (!strcmp(code, "BadDigest") ||
						    !strcmp(code, "XAmzContentSHA256Mismatch"));
		if ((net_retryable_status(r->status) || damaged) && attempt < c->max_attempts &&
		    net_backoff_noted(attempt, c->max_attempts, r->cancel, r->counter))
			continue;
		char *w = what(c, r);
		/* a bucket over its quota is full, like a disk */
		int kind = !strcmp(code, "QuotaExceeded") || r->status == 507 ? VDS_ENOSPC : VDS_EIO;
		rc = vds_err(kind, "%s %s: HTTP %ld%s%s%s%s", r->method, w, r->status, *code ? " " : "",
			     code, *msg ? ": " : "", msg);
		free(w);
		break;
	}
	handle_put(c, x.h);
	if (rc == 0 && r->done)
		r->done(r, r->done_ud);
	sb_release(&x.err);
	curl_slist_free_all(hl);
	free(url);
	return rc;
}

typedef struct batch {
	s3_client *c;
	s3_req *reqs;
	size_t n;
	atomic_size_t next;
	atomic_int failed;
	pthread_mutex_t lock;
	int status;
	char msg[1024];
} batch;

static void *batch_worker(void *ud)
{
	batch *b = ud;
	size_t i;

	while (!atomic_load(&b->failed) && (i = atomic_fetch_add(&b->next, 1)) < b->n) {
		int r = s3_do(b->c, &b->reqs[i]);
		if (r < 0) {
			pthread_mutex_lock(&b->lock);
			if (!b->status) {
				b->status = r;
				snprintf(b->msg, sizeof(b->msg), "%s", vds_errmsg());
			}
			pthread_mutex_unlock(&b->lock);
			atomic_store(&b->failed, 1);
		}
	}
	return NULL;
}

int s3_do_all(s3_client *c, s3_req *reqs, size_t n, int concurrency)
{
	batch b = {.c = c, .reqs = reqs, .n = n};
	size_t nt = concurrency < 1 ? 1 : (size_t)concurrency;
	pthread_t *t;
	size_t started = 0;

	if (nt > n)
		nt = n;
	if (nt <= 1) {
		for (size_t i = 0; i < n; i++) {
			int r = s3_do(c, &reqs[i]);
			if (r < 0)
				return r;
		}
		return 0;
	}
	pthread_mutex_init(&b.lock, NULL);
	t = xcalloc(nt, sizeof(*t));
	for (; started < nt; started++)
		if (pthread_create(&t[started], NULL, batch_worker, &b) != 0)
			break;
	if (!started)
		batch_worker(&b);
	for (size_t i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	free(t);
	pthread_mutex_destroy(&b.lock);
	if (b.status)
		return vds_err(b.status, "%s", b.msg);
	return 0;
}

/* VDS_TEST_LIST_PAGE=N: listings ask for pages of N keys (max-keys), for the tests; 0: the server's. */
long s3_test_page_keys(void)
{
	const char *s = getenv("VDS_TEST_LIST_PAGE");
	long n = s ? strtol(s, NULL, 10) : 0;

	return n > 0 && n < 1000 ? n : 0;
}

int s3_list_pages(s3_client *c, const char *prefix, const char *delimiter, size_t max_pages,
		  s3_page_fn fn, void *ud)
{
	strbuf body = STRBUF_INIT, query = STRBUF_INIT, full = STRBUF_INIT;
	size_t strip = strlen(c->cfg.prefix);
	long page_keys = s3_test_page_keys();
	char *token = NULL;
	int r = 0;

	sb_adds(&full, c->cfg.prefix);
	sb_adds(&full, prefix ? prefix : "");
	for (size_t page = 0;; page++) {
		if (max_pages && page >= max_pages) {
			r = VDS_ECONFLICT; /* too many: the caller takes another way */
			break;
		}
		sb_reset(&query);
		if (token) {
			sb_adds(&query, "continuation-token=");
			s3_uri_encode(&query, token, false);
			sb_addc(&query, '&');
		}
		if (delimiter) {
			sb_adds(&query, "delimiter=");
			s3_uri_encode(&query, delimiter, false);
			sb_addc(&query, '&');
		}
		sb_adds(&query, "list-type=2&");
		if (page_keys)
			sb_addf(&query, "max-keys=%ld&", page_keys);
		sb_adds(&query, "prefix=");
		s3_uri_encode(&query, full.buf, false);
		s3_req rq = {.method = "GET", .query = query.buf, .out = &body};
		if ((r = s3_do(c, &rq)) < 0)
			break;
		s3_listing page_l = {0};
		if ((r = s3_xml_parse(body.buf ? body.buf : "", body.len, strip, &page_l)) < 0) {
			s3_listing_release(&page_l);
			break;
		}
		bool more = page_l.truncated && page_l.next_token;
		if (more && token && !strcmp(token, page_l.next_token)) {
			s3_listing_release(&page_l);
			r = vds_err(VDS_EIO, "the listing of bucket %s repeats itself (the same "
					     "continuation token twice)",
				    q(c->cfg.bucket));
			break;
		}
		free(token);
		token = page_l.next_token;
		page_l.next_token = NULL;
		r = fn(&page_l, more, ud);
		s3_listing_release(&page_l);
		if (r < 0 || !more)
			break;
	}
	free(token);
	sb_release(&body);
	sb_release(&query);
	sb_release(&full);
	return r;
}
