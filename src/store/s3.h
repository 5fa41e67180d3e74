/*
 * s3.h - a small S3 client: SigV4-signed requests through libcurl, with
 * connection reuse, retries with backoff, and expat-parsed XML answers.
 * Internal to src/: the S3 backend uses it, and imports from s3:// URLs.
 *
 * Credentials never leave this module: they are handed to libcurl for
 * signing and appear in no message, log line or error.
 */
#ifndef VDS_S3_H
#define VDS_S3_H

#include <curl/curl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "util.h"

/* Where a bucket is and how to reach it. */
typedef struct s3_config {
	char *endpoint; /* "http://127.0.0.1:8000", "https://s3.eu-west-1.amazonaws.com" */
	char *region;
	char *bucket;
	char *prefix; /* "" or "some/prefix/" */
	char *access_key, *secret_key, *session_token;
	bool path_style;
	bool insecure; /* skip TLS verification (explicit request only) */
	bool read_only; /* never start a store at an empty prefix */
	/* opening a store: a part listed (rolled up at PREFETCH_DELIM) while its
	 * format marker is read, for the operation that follows (borrowed; NULL: none) */
	const char *prefetch, *prefetch_delim;
} s3_config;

/* Frees what C owns. */
void s3_config_release(s3_config *c);

typedef struct s3_client s3_client;

/* Creates a client for a copy of CFG. Free with s3_client_free(). */
s3_client *s3_client_new(const s3_config *cfg);
/* Frees the client and closes its connections. */
void s3_client_free(s3_client *c);
/* The bucket name (for messages). */
const char *s3_bucket(const s3_client *c);
/* The key prefix inside the bucket ("" or "folder/"). */
const char *s3_prefix(const s3_client *c);
/* Total response body bytes received so far (for tests and benchmarks). */
uint64_t s3_bytes_received(const s3_client *c);

/* Receives response body bytes; non-zero aborts the transfer. */
typedef int (*s3_sink_fn)(const void *data, size_t len, void *ud);
/* Called before each attempt (also retries) so a sink can start over. */
typedef void (*s3_restart_fn)(void *ud);

/* One request. Zero-initialise, fill in, pass to s3_do(). */
typedef struct s3_req s3_req;
struct s3_req {
	const char *method; /* GET, PUT, HEAD, DELETE, POST */
	const char *key;    /* object key below the prefix; NULL: the bucket itself */
	const char *query;  /* canonical query ("a=1&b=%2F"), sorted, or NULL */
	/* request body: memory, or BODY_SIZE bytes of file BODY_FD at BODY_OFF */
	const void *body;
	size_t body_len;
	int body_fd; /* -1 (or 0 with body_size 0) when no file body */
	uint64_t body_off, body_size;
	const char *payload_sha; /* hex SHA-256 of the body; NULL: computed or unsigned */
	const char *const *headers; /* extra "Name: value" lines, NULL-terminated */
	uint64_t range_off, range_len; /* GET Range when range_len > 0 */
	/* response body: into OUT (memory) or to SINK; not kept if neither */
	strbuf *out;
	s3_sink_fn sink;
	s3_restart_fn restart;
	void *sink_ud;
	_Atomic uint64_t *counter; /* adds body bytes sent or received */
	atomic_int *cancel;
	bool allow_412; /* a 412 answer is a result, not an error */
	bool allow_501; /* a 501 answer is a result, not an error */
	bool allow_416; /* a 416 answer (range past the end) is a result */
	/* send the body's Content-MD5, and take a 2xx answer only if its ETag is
	 * that MD5 (else it is retried like a transient fault) */
	bool check_md5;
	void (*done)(struct s3_req *r, void *ud); /* called once it succeeded */
	void *done_ud;
	/* results */
	long status;
	uint64_t length;      /* Content-Length of the answer */
	uint64_t total;       /* the object's size, from Content-Range */
	int64_t last_modified; /* seconds since the epoch, 0 if not sent */
	char etag[80];        /* without quotes */
};

/*
 * Runs request R, retrying connection errors, timeouts, 429 and 5xx with
 * exponential backoff and jitter. Returns 0 for 2xx answers (and 412 / 501
 * when allowed), VDS_ENOTFOUND for 404, VDS_ECANCELED, or VDS_EIO with a
 * message naming the key and the server's error code.
 */
int s3_do(s3_client *c, s3_req *r);

/* Runs N requests with up to CONCURRENCY in flight; the first failure wins. */
int s3_do_all(s3_client *c, s3_req *reqs, size_t n, int concurrency);

/* ---- XML answers (s3_xml.c) ---------------------------------------------- */

/* One object of a listing. */
typedef struct s3_object {
	char *key; /* relative to the client's prefix */
	uint64_t size;
	int64_t mtime;
	char etag[80];
	char *upload_id; /* ListMultipartUploads */
} s3_object;

/* One page of ListObjectsV2 (or ListParts, ListMultipartUploads). */
typedef struct s3_listing {
	s3_object *obj;
	size_t nobj, capobj;
	char **prefixes; /* CommonPrefixes, relative to the client's prefix */
	size_t nprefix, capprefix;
	char *next_token; /* NextContinuationToken / next marker, or NULL */
	char *next_upload; /* NextUploadIdMarker, or NULL */
	bool truncated;
	char *upload_id; /* InitiateMultipartUpload: UploadId */
} s3_listing;

/* Parses an S3 XML document; keys lose the first STRIP bytes. */
int s3_xml_parse(const char *xml, size_t len, size_t strip, s3_listing *out);
/* Moves the objects and prefixes of FROM to the end of TO. */
void s3_listing_append(s3_listing *to, s3_listing *from);
/* Frees what a listing owns. */
void s3_listing_release(s3_listing *l);
/* Extracts Code and Message of an S3 error document into CODE/MSG. */
void s3_xml_error(const char *xml, size_t len, char *code, size_t codesz, char *msg,
		  size_t msgsz);
/* Parses an HTTP or ISO 8601 date into seconds since the epoch; -1 if malformed. */
int64_t s3_parse_date(const char *s);

/* ---- network helpers, shared with URL downloads (import_http.c) -------------- */

/* Initialises libcurl once per process (any thread, any number of times). */
void net_init(void);
/* Sets what every transfer shares: time-outs, no signals, progress callbacks on. */
void net_setup(CURL *h);
/* Attempts per request: $VDS_S3_ATTEMPTS, else 8. */
int net_attempts(void);
/* Seconds without a byte before a transfer is dropped: $VDS_S3_TIMEOUT, else 30. */
long net_stall_seconds(void);
/* True if a transfer that failed with E may succeed when tried again. */
bool net_retryable_curl(CURLcode e);
/* True if HTTP status S asks to try again later (429, 5xx but 501). */
bool net_retryable_status(long s);
/* Sleeps before retry ATTEMPT (exponential, with jitter); false if cancelled. */
bool net_backoff(int attempt, atomic_int *cancel);
/* net_backoff(), noted under KEY (a byte counter) as attempt ATTEMPT + 1 of MAX while it sleeps. */
bool net_backoff_noted(int attempt, int max, atomic_int *cancel, const void *key);

/* ---- helpers ---------------------------------------------------------------- */

/* Appends S percent-encoded for a URL path or query; '/' kept if KEEP_SLASH. */
void s3_uri_encode(strbuf *sb, const char *s, bool keep_slash);
/*
 * Lists every object below PREFIX (NULL: all) into OUT, in key order: the
 * first page, then the rest in parts listed at once (s3_list.c); more
 * than MAX_PAGES requests (0: any) is VDS_ECONFLICT.
 */
int s3_list_all(s3_client *c, const char *prefix, const char *delimiter, s3_listing *out,
		size_t max_pages);
/* Keys per listing page that VDS_TEST_LIST_PAGE asks for (tests only); 0: the server's. */
long s3_test_page_keys(void);
/* Called with each page of a listing (MORE: pages follow); a negative status stops it. */
typedef int (*s3_page_fn)(s3_listing *page, bool more, void *ud);
/* Lists every object below PREFIX page by page, calling FN with each (at most MAX_PAGES, 0: any). */
int s3_list_pages(s3_client *c, const char *prefix, const char *delimiter, size_t max_pages,
		  s3_page_fn fn, void *ud);

#endif
