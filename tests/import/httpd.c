/*
 * httpd - a small HTTP/1.1 file server for the import tests.
 *
 * Usage:
 *   httpd --root DIR --port-file FILE [--log FILE]
 *
 * It listens on 127.0.0.1 on a port chosen by the system, writes that port
 * number (and a newline) to FILE (through FILE.tmp and a rename, so a reader
 * never sees a partial file) and serves until SIGTERM or SIGINT (exit 0).
 * Options take their value as the next argument or after '='.
 *
 * One thread per connection; connections are kept alive unless the request
 * says "Connection: close" or is HTTP/1.0. Only GET and HEAD are served
 * (others get 405). NAME below is one URL-decoded file name in DIR: a name
 * that is empty, ".", holds a '/' or "..", or is not a regular file (symbolic
 * links are not followed) gets 404, so nothing outside DIR is ever served.
 *
 *   /files/NAME       the file: 200 with Content-Length, Accept-Ranges: bytes,
 *                     ETag "SIZE-MTIME" (quotes included), Last-Modified and
 *                     Content-Type: application/octet-stream. "Range:
 *                     bytes=N-", "bytes=N-M" and "bytes=-N" give 206 with
 *                     Content-Range; an unsatisfiable range gives 416 with
 *                     "Content-Range: bytes *" followed by "/SIZE"; a
 *                     malformed range or a list of ranges is ignored. With
 *                     If-Range, the range is honoured only when its value
 *                     equals the ETag or the Last-Modified date, else the
 *                     whole file is sent (200).
 *   /redirect/NAME    302 to "/files/NAME" (a relative Location).
 *   /redirect2/NAME   301 to "http://127.0.0.1:PORT/redirect/NAME" (two hops).
 *   /loop             302 to "/loop", forever.
 *   /download?id=NAME[&as=VALUE][&star=1]
 *                     DIR/NAME served as by /files/, plus "Content-Disposition:
 *                     attachment; filename="VALUE"" (VALUE URL-decoded, '+'
 *                     being a space; default NAME) put verbatim between the
 *                     quotes, hostile or not; a VALUE holding CR or LF gets
 *                     400. star=1 adds "; filename*=UTF-8''ENCODED" (RFC 6266,
 *                     VALUE percent-encoded).
 *   /status/CODE      that status (200..599) with a short text body.
 *   /droponce/NAME    the first GET of each NAME without a Range header sends
 *                     the 200 head with the full Content-Length and the first
 *                     half of the body (size / 2 bytes), waits until the client
 *                     has acknowledged them, then resets the connection
 *                     (SO_LINGER 0). Every other request for NAME (HEAD,
 *                     ranged, or any later one) is answered as by /files/. An
 *                     empty file is always sent whole.
 *   /truncate/NAME    every GET sends the head promising the whole answer
 *                     (the file or the range) but only half of its body, then
 *                     closes the connection (FIN). 416 and HEAD are complete.
 *   /norange/NAME     like /droponce/ (the first GET without Range is cut in
 *                     half and reset) but Range is never honoured: always 200
 *                     with the whole file, and no Accept-Ranges header.
 *   anything else     404.
 *
 * --log FILE appends one line per request, written at once:
 * "METHOD TARGET RANGE STATUS", RANGE being the Range header's value or "-",
 * e.g. "GET /droponce/big.bin bytes=524288- 206". Unparsable requests are
 * logged with "-" for what is missing.
 *
 * Exit status: 0 after SIGTERM/SIGINT, 1 on a startup error, 2 on bad usage.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define HEAD_MAX (16 * 1024) /* longest request head */
#define TARGET_MAX 8192      /* longest request target */
#define VALUE_MAX 1024       /* longest Range / If-Range value kept */
#define OUT_MAX (64 * 1024)  /* longest response head */
#define IDLE_SECONDS 60      /* a silent connection is closed after this */
#define DRAIN_MS 10000       /* how long to wait for the client to take a cut body */

/* How a connection goes on after a response. */
enum conn_end { END_KEEP, END_CLOSE, END_RESET };

/* How a file route answers. */
enum serve_mode { SERVE_FILES, SERVE_DROPONCE, SERVE_TRUNCATE, SERVE_NORANGE };

/* One client connection: what was read of it, and the response head being built. */
struct conn {
	int fd;
	enum conn_end end;
	size_t len; /* bytes in buf */
	char buf[HEAD_MAX];
	size_t out_len;    /* bytes in out */
	char out[OUT_MAX]; /* the response head being built */
};

/* The parts of a request head that the routes look at. */
struct request {
	int bad; /* status to answer at once (400, 431, 501), or 0 */
	char method[16];
	char target[TARGET_MAX];
	char range[VALUE_MAX];
	char if_range[VALUE_MAX];
	int has_range, has_if_range;
	int close;     /* Connection: close, or HTTP/1.0 */
	int head_only; /* HEAD */
};

/* A route and NAME that has had its one cut response. */
struct seen {
	struct seen *next;
	char key[];
};

static const char *g_root_path, *g_port_file, *g_log_file;
static int g_root = -1; /* the --root directory */
static int g_log = -1;  /* the --log file, O_APPEND */
static unsigned g_port;
static int g_stop[2] = {-1, -1}; /* self-pipe written by the signal handler */
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER; /* g_seen and log writes */
static struct seen *g_seen;

/* Print "httpd: WHAT: strerror" and exit 1. */
static void die(const char *what)
{
	fprintf(stderr, "httpd: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Print a usage error and exit 2. */
static void usage(const char *msg)
{
	fprintf(stderr, "httpd: %s\nusage: httpd --root DIR --port-file FILE [--log FILE]\n", msg);
	exit(2);
}

/* The reason phrase of an HTTP status. */
static const char *reason(int status)
{
	static const struct {
		int status;
		const char *text;
	} phrases[] = {
	    {200, "OK"},
	    {201, "Created"},
	    {202, "Accepted"},
	    {204, "No Content"},
	    {206, "Partial Content"},
	    {301, "Moved Permanently"},
	    {302, "Found"},
	    {303, "See Other"},
	    {304, "Not Modified"},
	    {307, "Temporary Redirect"},
	    {308, "Permanent Redirect"},
	    {400, "Bad Request"},
	    {401, "Unauthorized"},
	    {403, "Forbidden"},
	    {404, "Not Found"},
	    {405, "Method Not Allowed"},
	    {408, "Request Timeout"},
	    {410, "Gone"},
	    {416, "Range Not Satisfiable"},
	    {429, "Too Many Requests"},
	    {431, "Request Header Fields Too Large"},
	    {500, "Internal Server Error"},
	    {501, "Not Implemented"},
	    {502, "Bad Gateway"},
	    {503, "Service Unavailable"},
	    {504, "Gateway Timeout"},
	};

	for (size_t i = 0; i < sizeof phrases / sizeof phrases[0]; i++) {
		if (phrases[i].status == status)
			return phrases[i].text;
	}
	return "Status";
}

/* ---- socket I/O ---- */

/* Send all of p[0..n); 0 done, -1 the connection failed. */
static int send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t r = send(fd, p, n, MSG_NOSIGNAL);
		if (r > 0) {
			p += r;
			n -= (size_t)r;
		} else if (r < 0 && errno == EINTR) {
			continue;
		} else {
			return -1;
		}
	}
	return 0;
}

/* Send n bytes of file fd from offset off; 0 done, -1 failed (or the file shrank). */
static int send_file(int sock, int fd, off_t off, long long n)
{
	while (n > 0) {
		size_t chunk = n > (1 << 20) ? (size_t)1 << 20 : (size_t)n;
		ssize_t r = sendfile(sock, fd, &off, chunk);
		if (r > 0)
			n -= r;
		else if (r < 0 && errno == EINTR)
			continue;
		else
			return -1;
	}
	return 0;
}

/* Wait (up to DRAIN_MS) until the client has acknowledged everything sent on fd. */
static void wait_acked(int fd)
{
	struct timespec ms = {0, 1000000};

	for (int i = 0; i < DRAIN_MS; i++) {
		int n = 0;
		if (ioctl(fd, SIOCOUTQ, &n) < 0 || n <= 0)
			return;
		nanosleep(&ms, NULL);
	}
}

/* Close the connection as c->end says: FIN after what was sent, or a reset. */
static void conn_close(struct conn *c)
{
	if (c->end == END_RESET) {
		struct linger lg = {.l_onoff = 1, .l_linger = 0};
		wait_acked(c->fd);
		setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	} else if (c->end == END_CLOSE) {
		wait_acked(c->fd);
		shutdown(c->fd, SHUT_WR);
	}
	close(c->fd);
}

/* ---- the response head ---- */

/* Append formatted text to the response head (silently cut when too long). */
__attribute__((format(printf, 2, 3))) static void out_add(struct conn *c, const char *fmt, ...)
{
	va_list ap;
	size_t room = sizeof c->out - c->out_len;

	va_start(ap, fmt);
	int n = vsnprintf(c->out + c->out_len, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	c->out_len += (size_t)n < room ? (size_t)n : room - 1;
}

/* Start a response head: status line, and Connection: close when the connection ends. */
static void out_start(struct conn *c, const struct request *rq, int status)
{
	c->out_len = 0;
	if (rq->close && c->end == END_KEEP)
		c->end = END_CLOSE;
	out_add(c, "HTTP/1.1 %d %s\r\n", status, reason(status));
	if (c->end != END_KEEP)
		out_add(c, "Connection: close\r\n");
}

/* End the head and send it; -1 when the connection failed. */
static int out_send(struct conn *c)
{
	out_add(c, "\r\n");
	return send_all(c->fd, c->out, c->out_len);
}

/* Append "METHOD TARGET RANGE STATUS" to the log. */
static void log_request(const struct request *rq, int status)
{
	if (g_log < 0)
		return;
	size_t n = strlen(rq->method) + strlen(rq->target) + strlen(rq->range) + 32;
	char *line = malloc(n);
	if (!line)
		return;
	int len =
	    snprintf(line, n, "%s %s %s %d\n", rq->method[0] ? rq->method : "-",
	             rq->target[0] ? rq->target : "-", rq->has_range ? rq->range : "-", status);
	pthread_mutex_lock(&g_lock);
	if (len > 0 && write(g_log, line, (size_t)len) < 0)
		perror("httpd: log");
	pthread_mutex_unlock(&g_lock);
	free(line);
}

/* Answer status with a short text body and optional extra header lines. */
static void respond_text(struct conn *c, const struct request *rq, int status, const char *extra)
{
	char body[128];
	int has_body = status != 204 && status != 304;
	int n = snprintf(body, sizeof body, "%d %s\n", status, reason(status));

	log_request(rq, status);
	out_start(c, rq, status);
	if (extra)
		out_add(c, "%s", extra);
	if (has_body)
		out_add(c, "Content-Type: text/plain\r\nContent-Length: %d\r\n", n);
	if (out_send(c) < 0 || (has_body && !rq->head_only && send_all(c->fd, body, (size_t)n) < 0))
		c->end = END_CLOSE;
}

/* ---- request parsing ---- */

/* Index just past the blank line that ends the head in b[0..n), or 0 if none yet. */
static size_t head_end(const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (b[i] != '\n')
			continue;
		if (i + 1 < n && b[i + 1] == '\n')
			return i + 2;
		if (i + 2 < n && b[i + 1] == '\r' && b[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* Does the comma-separated list v hold token tok (any case)? */
static int has_token(const char *v, const char *tok)
{
	size_t tl = strlen(tok);

	while (*v) {
		while (*v == ' ' || *v == '\t' || *v == ',')
			v++;
		size_t n = strcspn(v, ",");
		size_t m = n;
		while (m > 0 && (v[m - 1] == ' ' || v[m - 1] == '\t'))
			m--;
		if (m == tl && strncasecmp(v, tok, tl) == 0)
			return 1;
		v += n;
	}
	return 0;
}

/* Copy src into dst[0..size), cutting it when too long. */
static void copy_cut(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src);
}

/* Parse the head h (NUL-terminated, its blank line included) into rq; *clen gets the
 * Content-Length of a request body (0 if none). */
static void parse_head(char *h, struct request *rq, long long *clen)
{
	char *save = NULL;
	char *line = strtok_r(h, "\n", &save);
	int http10 = 0, keepalive = 0;

	*clen = 0;
	if (!line) {
		rq->bad = 400;
		return;
	}
	line[strcspn(line, "\r")] = '\0';
	char *sp1 = strchr(line, ' ');
	char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	if (!sp1 || !sp2 || sp1 == line || sp2 == sp1 + 1 || strchr(sp2 + 1, ' ')) {
		rq->bad = 400;
		return;
	}
	*sp1 = *sp2 = '\0';
	copy_cut(rq->method, sizeof rq->method, line);
	if (strlen(sp1 + 1) >= sizeof rq->target)
		rq->bad = 400;
	copy_cut(rq->target, sizeof rq->target, sp1 + 1);
	if (strcmp(sp2 + 1, "HTTP/1.0") == 0)
		http10 = 1;
	else if (strcmp(sp2 + 1, "HTTP/1.1") != 0)
		rq->bad = 400;

	while ((line = strtok_r(NULL, "\n", &save))) {
		line[strcspn(line, "\r")] = '\0';
		if (!*line)
			break;
		char *colon = strchr(line, ':');
		if (!colon || colon == line) {
			rq->bad = 400;
			continue;
		}
		*colon = '\0';
		char *v = colon + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		size_t vl = strlen(v);
		while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
			v[--vl] = '\0';
		if (strcasecmp(line, "Range") == 0) {
			rq->has_range = 1;
			copy_cut(rq->range, sizeof rq->range, v);
		} else if (strcasecmp(line, "If-Range") == 0) {
			rq->has_if_range = 1;
			copy_cut(rq->if_range, sizeof rq->if_range, v);
		} else if (strcasecmp(line, "Connection") == 0) {
			if (has_token(v, "close"))
				rq->close = 1;
			if (has_token(v, "keep-alive"))
				keepalive = 1;
		} else if (strcasecmp(line, "Content-Length") == 0) {
			char *end;
			errno = 0;
			*clen = strtoll(v, &end, 10);
			if (errno || end == v || *end || *clen < 0)
				rq->bad = 400;
		} else if (strcasecmp(line, "Transfer-Encoding") == 0) {
			if (!rq->bad)
				rq->bad = 501;
		}
	}
	if (http10 && !keepalive)
		rq->close = 1;
	if (rq->bad)
		rq->close = 1;
	rq->head_only = strcmp(rq->method, "HEAD") == 0;
}

/* Read the next request head from c into rq, and skip its body.
 * 1 a request (rq->bad may be set), 0 the connection ended or failed. */
static int read_request(struct conn *c, struct request *rq)
{
	size_t hl;

	memset(rq, 0, sizeof *rq);
	for (;;) {
		size_t skip = 0;
		while (skip < c->len && (c->buf[skip] == '\r' || c->buf[skip] == '\n'))
			skip++;
		memmove(c->buf, c->buf + skip, c->len - skip);
		c->len -= skip;
		if ((hl = head_end(c->buf, c->len)) > 0)
			break;
		if (c->len == sizeof c->buf) {
			rq->bad = 431;
			rq->close = 1;
			return 1;
		}
		ssize_t r = recv(c->fd, c->buf + c->len, sizeof c->buf - c->len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return 0;
		c->len += (size_t)r;
	}

	char *h = malloc(hl + 1);
	long long clen = 0;
	if (!h)
		return 0;
	memcpy(h, c->buf, hl);
	h[hl] = '\0';
	if (strlen(h) != hl) {
		rq->bad = 400;
		rq->close = 1;
	} else {
		parse_head(h, rq, &clen);
	}
	free(h);
	memmove(c->buf, c->buf + hl, c->len - hl);
	c->len -= hl;
	if (rq->bad)
		return 1;

	/* a GET or HEAD should have no body; skip one if it comes anyway */
	size_t take = clen < (long long)c->len ? (size_t)clen : c->len;
	memmove(c->buf, c->buf + take, c->len - take);
	c->len -= take;
	clen -= (long long)take;
	while (clen > 0) {
		char junk[8192];
		size_t want = clen < (long long)sizeof junk ? (size_t)clen : sizeof junk;
		ssize_t r = recv(c->fd, junk, want, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return 0;
		clen -= r;
	}
	return 1;
}

/* ---- names and URLs ---- */

/* The value of hex digit ch, or -1. */
static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* URL-decode s[0..n) into out[0..size) ('+' is a space when plus is set).
 * 0 done, -1 a bad escape, a decoded NUL or too long. */
static int url_decode(const char *s, size_t n, char *out, size_t size, int plus)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		int ch = (unsigned char)s[i];
		if (ch == '%') {
			int hi = i + 1 < n ? hexval(s[i + 1]) : -1;
			int lo = i + 2 < n ? hexval(s[i + 2]) : -1;
			if (hi < 0 || lo < 0)
				return -1;
			ch = hi * 16 + lo;
			i += 2;
		} else if (ch == '+' && plus) {
			ch = ' ';
		}
		if (ch == 0 || o + 1 >= size)
			return -1;
		out[o++] = (char)ch;
	}
	out[o] = '\0';
	return 0;
}

/* Is name a plain file name: not empty, not ".", no '/' and no ".."? */
static int name_ok(const char *name)
{
	return name[0] && strcmp(name, ".") != 0 && !strchr(name, '/') && !strstr(name, "..");
}

/* Does the path start with prefix and have something after it? Returns that rest or NULL. */
static const char *after(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(path, prefix, n) == 0 && path[n] ? path + n : NULL;
}

/* Append to the head the RFC 8187 percent-encoded form of v. */
static void out_add_encoded(struct conn *c, const char *v)
{
	static const char keep[] = "!#$&+-.^_`|~";

	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr(keep, *p))
			out_add(c, "%c", *p);
		else
			out_add(c, "%%%02X", *p);
	}
}

/* ---- answers ---- */

/* Is this the first cut for key? Records it; 1 first time, 0 seen before. */
static int first_cut(const char *route, const char *name)
{
	size_t n = strlen(route) + strlen(name) + 2;
	int first = 1;

	pthread_mutex_lock(&g_lock);
	for (struct seen *s = g_seen; s; s = s->next) {
		if (strncmp(s->key, route, strlen(route)) == 0 && s->key[strlen(route)] == ' ' &&
		    strcmp(s->key + strlen(route) + 1, name) == 0) {
			first = 0;
			break;
		}
	}
	if (first) {
		struct seen *s = malloc(sizeof *s + n);
		if (s) {
			snprintf(s->key, n, "%s %s", route, name);
			s->next = g_seen;
			g_seen = s;
		}
	}
	pthread_mutex_unlock(&g_lock);
	return first;
}

/* Parse an unsigned decimal at *p (advanced past it); -1 if none or too big. */
static long long parse_num(const char **p)
{
	long long v = 0;
	const char *s = *p;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (LLONG_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	*p = s;
	return v;
}

/* Parse a Range value for a file of size bytes.
 * 1 satisfiable (*first, *last set), 0 unsatisfiable, -1 to be ignored. */
static int parse_range(const char *v, long long size, long long *first, long long *last)
{
	long long a, b = -1;

	if (strncasecmp(v, "bytes=", 6) != 0 || strchr(v, ','))
		return -1;
	v += 6;
	while (*v == ' ')
		v++;
	if (*v == '-') {
		v++;
		if ((b = parse_num(&v)) < 0 || *v)
			return -1;
		if (b == 0 || size == 0)
			return 0;
		*first = b < size ? size - b : 0;
		*last = size - 1;
		return 1;
	}
	if ((a = parse_num(&v)) < 0 || *v++ != '-')
		return -1;
	if (*v && (b = parse_num(&v)) < 0)
		return -1;
	if (*v || (b >= 0 && b < a))
		return -1;
	if (a >= size)
		return 0;
	*first = a;
	*last = b >= 0 && b < size ? b : size - 1;
	return 1;
}

/* Answer with file name of DIR as mode says; disp (or NULL) names the attachment. */
static void serve_file(struct conn *c, const struct request *rq, const char *route,
                       const char *name, enum serve_mode mode, const char *disp, int star)
{
	struct stat st;
	int fd = -1;

	if (name_ok(name))
		fd = openat(g_root, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
		close(fd);
		fd = -1;
	}
	if (fd < 0) {
		respond_text(c, rq, 404, NULL);
		return;
	}

	long long size = st.st_size;
	char etag[64], lastmod[64];
	struct tm tm;
	snprintf(etag, sizeof etag, "\"%lld-%lld\"", size, (long long)st.st_mtime);
	gmtime_r(&st.st_mtime, &tm);
	strftime(lastmod, sizeof lastmod, "%a, %d %b %Y %H:%M:%S GMT", &tm);

	int cut = 0;
	if ((mode == SERVE_DROPONCE || mode == SERVE_NORANGE) && !rq->has_range && !rq->head_only &&
	    size > 0)
		cut = first_cut(route, name);

	int status = 200;
	long long first = 0, last = size - 1;
	if (mode != SERVE_NORANGE && rq->has_range &&
	    (!rq->has_if_range || strcmp(rq->if_range, etag) == 0 ||
	     strcmp(rq->if_range, lastmod) == 0)) {
		int r = parse_range(rq->range, size, &first, &last);
		if (r == 0) {
			char cr[64];
			snprintf(cr, sizeof cr, "Content-Range: bytes */%lld\r\n", size);
			close(fd);
			respond_text(c, rq, 416, cr);
			return;
		}
		if (r > 0)
			status = 206;
		else
			first = 0, last = size - 1;
	}

	long long len = last - first + 1;
	long long body = len;
	if (cut) {
		body = size / 2;
		c->end = END_RESET;
	} else if (mode == SERVE_TRUNCATE && !rq->head_only) {
		body = len / 2;
		c->end = END_CLOSE;
	}

	log_request(rq, status);
	out_start(c, rq, status);
	out_add(c, "Content-Type: application/octet-stream\r\nContent-Length: %lld\r\n", len);
	if (mode != SERVE_NORANGE)
		out_add(c, "Accept-Ranges: bytes\r\n");
	out_add(c, "ETag: %s\r\nLast-Modified: %s\r\n", etag, lastmod);
	if (status == 206)
		out_add(c, "Content-Range: bytes %lld-%lld/%lld\r\n", first, last, size);
	if (disp) {
		out_add(c, "Content-Disposition: attachment; filename=\"%s\"", disp);
		if (star) {
			out_add(c, "; filename*=UTF-8''");
			out_add_encoded(c, disp);
		}
		out_add(c, "\r\n");
	}
	if (out_send(c) < 0 || (!rq->head_only && send_file(c->fd, fd, first, body) < 0))
		c->end = c->end == END_KEEP ? END_CLOSE : c->end;
	close(fd);
}

/* Answer a redirect: Location is a, then b. */
static void redirect(struct conn *c, const struct request *rq, int status, const char *a,
                     const char *b)
{
	size_t n = strlen(a) + strlen(b) + 32;
	char *extra = malloc(n);

	if (!extra) {
		c->end = END_CLOSE;
		return;
	}
	snprintf(extra, n, "Location: %s%s\r\n", a, b);
	respond_text(c, rq, status, extra);
	free(extra);
}

/* Answer /download?QUERY. */
static void download(struct conn *c, const struct request *rq, const char *query)
{
	char id[TARGET_MAX], as[TARGET_MAX], val[TARGET_MAX];
	int has_id = 0, has_as = 0, star = 0;

	while (query && *query) {
		size_t n = strcspn(query, "&");
		const char *eq = memchr(query, '=', n);
		size_t kl = eq ? (size_t)(eq - query) : n;
		const char *v = eq ? eq + 1 : query + n;
		size_t vl = eq ? n - kl - 1 : 0;
		if (url_decode(v, vl, val, sizeof val, 1) < 0) {
			respond_text(c, rq, 400, NULL);
			return;
		}
		if (kl == 2 && strncmp(query, "id", 2) == 0) {
			copy_cut(id, sizeof id, val);
			has_id = 1;
		} else if (kl == 2 && strncmp(query, "as", 2) == 0) {
			copy_cut(as, sizeof as, val);
			has_as = 1;
		} else if (kl == 4 && strncmp(query, "star", 4) == 0) {
			star = strcmp(val, "1") == 0;
		}
		query += n;
		if (*query == '&')
			query++;
	}
	if (!has_id) {
		respond_text(c, rq, 404, NULL);
		return;
	}
	if (has_as && strpbrk(as, "\r\n")) {
		respond_text(c, rq, 400, NULL);
		return;
	}
	serve_file(c, rq, "download", id, SERVE_FILES, has_as ? as : id, star);
}

/* Answer one parsed request. */
static void handle(struct conn *c, const struct request *rq)
{
	static const struct {
		const char *prefix, *route;
		enum serve_mode mode;
	} files[] = {
	    {"/files/", "files", SERVE_FILES},
	    {"/droponce/", "droponce", SERVE_DROPONCE},
	    {"/truncate/", "truncate", SERVE_TRUNCATE},
	    {"/norange/", "norange", SERVE_NORANGE},
	};
	char path[TARGET_MAX], name[TARGET_MAX];
	const char *rest, *query;

	if (rq->bad) {
		c->end = END_CLOSE;
		respond_text(c, rq, rq->bad, NULL);
		return;
	}
	if (strcmp(rq->method, "GET") != 0 && strcmp(rq->method, "HEAD") != 0) {
		respond_text(c, rq, 405, "Allow: GET, HEAD\r\n");
		return;
	}
	copy_cut(path, sizeof path, rq->target);
	query = strchr(path, '?');
	if (query)
		path[query++ - path] = '\0';

	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		if (!(rest = after(path, files[i].prefix)))
			continue;
		if (url_decode(rest, strlen(rest), name, sizeof name, 0) < 0)
			respond_text(c, rq, 404, NULL);
		else
			serve_file(c, rq, files[i].route, name, files[i].mode, NULL, 0);
		return;
	}
	if ((rest = after(path, "/redirect/"))) {
		redirect(c, rq, 302, "/files/", rest);
	} else if ((rest = after(path, "/redirect2/"))) {
		char base[64];
		snprintf(base, sizeof base, "http://127.0.0.1:%u/redirect/", g_port);
		redirect(c, rq, 301, base, rest);
	} else if (strcmp(path, "/loop") == 0) {
		redirect(c, rq, 302, "/loop", "");
	} else if (strcmp(path, "/download") == 0) {
		download(c, rq, query);
	} else if ((rest = after(path, "/status/"))) {
		const char *p = rest;
		long long code = parse_num(&p);
		if (*p || code < 200 || code > 599)
			respond_text(c, rq, 404, NULL);
		else
			respond_text(c, rq, (int)code, NULL);
	} else {
		respond_text(c, rq, 404, NULL);
	}
}

/* ---- connections and main ---- */

/* Serve one connection until it ends. */
static void *conn_main(void *arg)
{
	struct conn *c = arg;
	struct request *rq = malloc(sizeof *rq);

	while (rq && c->end == END_KEEP && read_request(c, rq))
		handle(c, rq);
	free(rq);
	conn_close(c);
	free(c);
	return NULL;
}

/* Start a thread serving the accepted socket fd. */
static void start_conn(int fd)
{
	struct timeval tv = {.tv_sec = IDLE_SECONDS};
	int one = 1;
	pthread_attr_t attr;
	pthread_t t;
	struct conn *c = malloc(sizeof *c);

	if (!c) {
		close(fd);
		return;
	}
	c->fd = fd;
	c->end = END_KEEP;
	c->len = 0;
	c->out_len = 0;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, conn_main, c) != 0) {
		close(fd);
		free(c);
	}
	pthread_attr_destroy(&attr);
}

/* SIGTERM / SIGINT: wake the accept loop. */
static void on_signal(int sig)
{
	int saved = errno;
	char ch = (char)sig;

	if (write(g_stop[1], &ch, 1) < 0) {
		/* the pipe is full: the loop is waking already */
	}
	errno = saved;
}

/* Read the command line into the g_ options. */
static void parse_args(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = NULL;
		const char *eq = strchr(a, '=');
		size_t n = eq ? (size_t)(eq - a) : strlen(a);
		const char **dst;

		if (n == 6 && strncmp(a, "--root", n) == 0)
			dst = &g_root_path;
		else if (n == 11 && strncmp(a, "--port-file", n) == 0)
			dst = &g_port_file;
		else if (n == 5 && strncmp(a, "--log", n) == 0)
			dst = &g_log_file;
		else
			usage("unknown option");
		if (eq)
			v = eq + 1;
		else if (i + 1 < argc)
			v = argv[++i];
		else
			usage("missing option value");
		*dst = v;
	}
	if (!g_root_path || !g_port_file)
		usage("--root and --port-file are required");
}

/* Write the port and a newline to the port file, through FILE.tmp and a rename. */
static void write_port_file(unsigned port)
{
	size_t n = strlen(g_port_file) + 5;
	char *tmp = malloc(n);
	FILE *f;

	if (!tmp)
		die("malloc");
	snprintf(tmp, n, "%s.tmp", g_port_file);
	if (!(f = fopen(tmp, "w")))
		die(tmp);
	int bad = fprintf(f, "%u\n", port) < 0;
	bad |= fclose(f) != 0;
	if (bad || rename(tmp, g_port_file) != 0)
		die(g_port_file);
	free(tmp);
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	struct sockaddr_in sin;
	socklen_t sl = sizeof sin;
	int one = 1;

	parse_args(argc, argv);
	if ((g_root = open(g_root_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		die(g_root_path);
	if (g_log_file &&
	    (g_log = open(g_log_file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) < 0)
		die(g_log_file);
	if (pipe2(g_stop, O_CLOEXEC | O_NONBLOCK) < 0)
		die("pipe");

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (ls >= 0)
		setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (ls < 0 || bind(ls, (struct sockaddr *)&sin, sizeof sin) < 0 || listen(ls, 128) < 0 ||
	    getsockname(ls, (struct sockaddr *)&sin, &sl) < 0)
		die("listen");
	g_port = ntohs(sin.sin_port);
	write_port_file(g_port);

	for (;;) {
		struct pollfd p[2] = {{.fd = g_stop[0], .events = POLLIN},
		                      {.fd = ls, .events = POLLIN}};
		int r = poll(p, 2, -1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || p[0].revents)
			break;
		int fd = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0) {
			start_conn(fd);
		} else if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		           errno == ENOMEM) {
			poll(NULL, 0, 100); /* out of resources: let connections end */
		}
	}
	/* connection threads are cut off as they are; the log is written unbuffered */
	close(ls);
	return 0;
}
