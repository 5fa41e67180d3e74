/*
 * faultproxy - a fault-injecting HTTP/1.1 proxy for the S3 tests.
 *
 * Usage:
 *   faultproxy --listen-port-file FILE --upstream HOST:PORT [--seed N]
 *              [--drop P] [--error503 P] [--stall P] [--stall-ms MS]
 *              [--corrupt P] [--truncate-body P] [--huge-xml KIND] [--xml-mb N]
 *              [--only-after N] [--only-path TEXT] [--log FILE]
 *              [--rules FILE] [--latency-ms MS] [--rate KBPS]
 *
 * It listens on 127.0.0.1 on a port chosen by the system, writes that port
 * number (and a newline) to FILE (through FILE.tmp and a rename, so a reader
 * never sees a partial file) and serves until SIGTERM or SIGINT (exit 0).
 * Options take their value as the next argument or after '='.
 *
 * The client connects to the proxy as if it were the S3 server; the proxy
 * forwards the byte stream unchanged (Host and signatures included) to the
 * upstream server, one upstream connection per client connection, and follows
 * the HTTP/1.1 framing (Content-Length and chunked bodies, Expect:
 * 100-continue, interim 1xx responses, HEAD/204/304 responses without a body)
 * so that it can count requests on keep-alive connections.
 *
 * Faults are decided per request with a PRNG seeded by --seed (default 1),
 * only for requests numbered above --only-after (default 0; requests are
 * numbered from 1 in arrival order over all connections) and, with
 * --only-path TEXT, only for requests whose target contains TEXT. Each probability P
 * is in 0..1 (default 0); they are tried in this order: drop, error503, stall,
 * corrupt, truncate-body.
 *
 *   drop      close both connections abruptly, either before forwarding the
 *             request (drop-before), in the middle of its body (drop-request,
 *             only for requests with a body) or after forwarding part of the
 *             response (drop-response: part of the body, or part of the head
 *             when the response has no body). Half of the drops reset the
 *             connections (RST), the others close them (FIN).
 *   error503  the request is not forwarded: its body is read and discarded,
 *             then the proxy answers "503 Slow Down" with an S3 SlowDown XML
 *             error and keeps the connection. A request carrying "Expect:
 *             100-continue" is answered at once with "Connection: close".
 *   stall     part of the response is forwarded, then nothing for --stall-ms
 *             milliseconds (default 3000), then the rest. With --stall-ms 0
 *             the stall lasts until the client closes the connection.
 *   corrupt   a GET answered 200 or 206 with a Content-Length body gets one
 *             byte of its body flipped (all its bits), at a random position.
 *   truncate-body  a GET answered 200 or 206 with a Content-Length body is
 *             cut: the head and fewer body bytes than Content-Length are
 *             forwarded, then both connections are closed (FIN).
 *             Responses that do not qualify for corrupt or truncate-body are
 *             forwarded unchanged and logged as ok.
 *
 * --huge-xml KIND answers every bucket listing (a GET whose target holds
 * "list-type=2", within --only-after and --only-path) itself, without asking
 * the server: 200 and a chunked application/xml body that is
 *
 *   wide       a ListBucketResult of --xml-mb MiB (default 200) of entries
 *              under the listed prefix: CommonPrefixes when the request has a
 *              delimiter, else Contents
 *   long       a ListBucketResult of one Contents whose Key is --xml-mb MiB long
 *   deep       a ListBucketResult holding --xml-mb MiB of nested elements
 *   blank      a ListBucketResult holding --xml-mb MiB of white space
 *   laughs     a ListBucketResult whose DOCTYPE defines entities that expand
 *              to 10^9 characters ("billion laughs"), used in a Key
 *   malformed  a short ListBucketResult with mismatched tags
 *   garbage    a short body that is not XML at all
 *   endless    a page of 1000 entries that says it is truncated and names
 *              the same continuation token every time: a listing without end
 *
 * and closes the connection after it. Its log lines say xml-KIND.
 *
 * --rules FILE names a file of faults aimed at chosen requests, read at the
 * start and again whenever it changes (its modification time, size or inode
 * is looked at for every request), so that a test can change the faults
 * between commands while the proxy runs (write it through a rename). A
 * missing FILE holds no rules. One rule per line; blank lines and lines
 * starting with '#' are ignored; fields are separated by blanks:
 *
 *   hold METHOD TEXT MS [COUNT]       hold the request MS milliseconds, then
 *                                     forward it upstream (the client is not
 *                                     watched meanwhile: a request it gave up
 *                                     on still reaches the server)
 *   flip-request METHOD TEXT [COUNT]  flip one byte (all its bits) of the
 *                                     request body, at a random position,
 *                                     on its way upstream
 *   flip-response METHOD TEXT [COUNT] flip one byte of a 200 or 206 response
 *                                     body of known length (Content-Length)
 *   drop METHOD TEXT [COUNT]          close both connections (FIN) before
 *                                     forwarding the request
 *
 * A rule matches a request whose method is METHOD ('*': any) and whose
 * target (path and query) contains TEXT. COUNT is how many matching requests
 * it applies to (default 1; 0: every one); a rule's count survives a re-read
 * as long as its line is unchanged (the file is looked at only when a
 * request arrives: a line removed and written again before the next request
 * keeps its count; write "... 1" to start afresh). The first rule that matches and has
 * requests left applies, and the random faults below are not tried for that
 * request. A flip that finds no body to flip (a request without a body of
 * known length, a response that is not 200 or 206 or has no body) is logged
 * as ok and does not use up the rule's count. A bad rule is an error at
 * startup (exit 2); in a re-read it is skipped with a message on stderr.
 *
 * --latency-ms MS delays every request MS milliseconds before forwarding it
 * and every response MS milliseconds before passing it back (a round trip of
 * 2 x MS), each connection on its own, so that concurrent requests are not
 * serialised. --rate KBPS trickles request and response bodies: every body is
 * sent at no more than KBPS kilobytes (1000 bytes) per second, a few bytes
 * at a time.
 *
 * --log FILE appends one line per request: "N METHOD PATH -> FAULT", FAULT
 * being ok, drop-before, drop-request, drop-response, 503, stall, corrupt,
 * truncate or xml-KIND, or the rule applied: "hold MS", "flip-request",
 * "flip-response" or "drop" (corrupt, truncate and flip-response lines are
 * written once the response's head shows whether the fault applies). Headers
 * are never logged; signature and credential query parameters are redacted.
 *
 * Exit status: 0 after SIGTERM/SIGINT, 1 on a startup error, 2 on bad usage.
 */
#ifndef _GNU_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define BUF_SIZE (256 * 1024)   /* per direction and connection */
#define HEAD_MAX (64 * 1024)    /* longest request or response head */
#define TARGET_MAX 2048         /* request target kept for the log */
#define SPLIT_UNKNOWN 65536     /* fault position range in a body of unknown length */
#define DRAIN_MS 2000           /* how long a closing client may still send */
#define RULE_MAX 1024           /* longest line of a rules file */

enum fault { FAULT_OK, FAULT_DROP_BEFORE, FAULT_DROP_REQUEST, FAULT_DROP_RESPONSE, FAULT_503, FAULT_STALL,
             FAULT_CORRUPT, FAULT_TRUNCATE, FAULT_XML, FAULT_HOLD, FAULT_FLIP_REQUEST, FAULT_FLIP_RESPONSE,
             FAULT_DROP };
static const char *const fault_name[] = {
    "ok", "drop-before", "drop-request", "drop-response", "503", "stall", "corrupt", "truncate", "xml",
    "hold", "flip-request", "flip-response", "drop"
};

enum xml_kind { XML_NONE, XML_WIDE, XML_LONG, XML_DEEP, XML_BLANK, XML_LAUGHS, XML_MALFORMED, XML_GARBAGE,
                XML_ENDLESS };
static const char *const xml_kind_name[] = {
    "", "wide", "long", "deep", "blank", "laughs", "malformed", "garbage", "endless"
};

static const char slowdown_body[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code>"
    "<Message>Please reduce your request rate.</Message></Error>";

/* ---- options and shared state ---- */

static struct {
    const char *port_file, *log_file;
    struct sockaddr_storage up_addr;
    socklen_t up_len;
    uint64_t seed;
    double p_drop, p_503, p_stall, p_corrupt, p_truncate;
    long stall_ms;
    enum xml_kind xml;
    unsigned long long xml_mb;
    unsigned long long only_after;
    const char *only_path;
    const char *rules_file;
    long latency_ms;
    unsigned long long rate;     /* bytes per second, 0: no limit */
} opt = { .seed = 1, .stall_ms = 3000, .xml_mb = 200 };

/* One line of the rules file. */
struct rule {
    char line[RULE_MAX];         /* as written (trailing blanks cut): its identity */
    enum fault kind;             /* FAULT_HOLD, FAULT_FLIP_REQUEST, FAULT_FLIP_RESPONSE or FAULT_DROP */
    char method[16];
    char text[TARGET_MAX];
    long ms;
    unsigned long long count;    /* 0: every matching request */
    unsigned long long used;
};

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER; /* all below */
static pthread_cond_t g_idle = PTHREAD_COND_INITIALIZER;
static int g_threads;
static uint64_t g_rng;
static unsigned long long g_requests;
static FILE *g_log;
static struct rule *g_rules;
static size_t g_nrules;
static struct stat g_rules_st;   /* of the file as last read; st_ino 0: absent */

/* Written to by the signal handler and never drained: once readable, every
 * wait in every thread returns and the connections wind down. */
static int g_stop[2] = { -1, -1 };

/* splitmix64; callers hold g_lock */
static uint64_t rng_next(void)
{
    uint64_t z = (g_rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int rng_chance(double p)   /* g_lock held */
{
    return p > 0 && (double)(rng_next() >> 11) * (1.0 / 9007199254740992.0) < p;
}

static unsigned long long rng_below(unsigned long long n)
{
    pthread_mutex_lock(&g_lock);
    unsigned long long v = n ? rng_next() % n : 0;
    pthread_mutex_unlock(&g_lock);
    return v;
}

/* ---- rules (--rules) ---- */

/* Parse one line of the rules file into r: 1 a rule, 0 blank or comment,
 * -1 bad (why set). */
static int rule_parse(const char *line, struct rule *r, const char **why)
{
    char buf[RULE_MAX], *save = NULL, *f[6];
    int n = 0;
    size_t len = strlen(line);
    while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t' || line[len - 1] == '\r'))
        len--;
    memset(r, 0, sizeof *r);
    memcpy(r->line, line, len);
    r->line[len] = '\0';
    memcpy(buf, r->line, len + 1);
    for (char *t = strtok_r(buf, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
        if (n == 0 && t[0] == '#')
            return 0;
        if (n == 6) {
            *why = "too many fields";
            return -1;
        }
        f[n++] = t;
    }
    if (n == 0)
        return 0;
    static const struct { const char *name; enum fault kind; } kinds[] = {
        { "hold", FAULT_HOLD }, { "flip-request", FAULT_FLIP_REQUEST },
        { "flip-response", FAULT_FLIP_RESPONSE }, { "drop", FAULT_DROP },
    };
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
        if (strcmp(f[0], kinds[i].name) == 0)
            r->kind = kinds[i].kind;
    if (r->kind == FAULT_OK) {
        *why = "unknown rule (hold, flip-request, flip-response or drop)";
        return -1;
    }
    int fixed = r->kind == FAULT_HOLD ? 4 : 3;   /* fields before COUNT */
    if (n < fixed || n > fixed + 1) {
        *why = r->kind == FAULT_HOLD ? "want: hold METHOD TEXT MS [COUNT]" : "want: RULE METHOD TEXT [COUNT]";
        return -1;
    }
    if (strlen(f[1]) >= sizeof r->method || strlen(f[2]) >= sizeof r->text) {
        *why = "method or text too long";
        return -1;
    }
    strcpy(r->method, f[1]);
    strcpy(r->text, f[2]);
    r->count = 1;
    for (int i = 3; i < n; i++) {
        char *end;
        errno = 0;
        unsigned long long x = strtoull(f[i], &end, 10);
        if (errno || end == f[i] || *end || f[i][0] == '-' || (i == 3 && fixed == 4 && x > 1000000000)) {
            *why = i == 3 && fixed == 4 ? "bad MS" : "bad COUNT";
            return -1;
        }
        if (i == 3 && fixed == 4)
            r->ms = (long)x;
        else
            r->count = x;
    }
    return 1;
}

/* Read the rules file into a new array (*out, *count). A bad line is fatal
 * when fatal is set, else skipped with a message. 0 ok, -1 unreadable. */
static int rules_read(int fatal, struct rule **out, size_t *count)
{
    FILE *f = fopen(opt.rules_file, "r");
    *out = NULL;
    *count = 0;
    if (!f)
        return errno == ENOENT ? 0 : -1;
    char line[RULE_MAX + 2];
    size_t cap = 0;
    unsigned lineno = 0;
    while (fgets(line, sizeof line, f)) {
        size_t len = strlen(line);
        lineno++;
        int too_long = len > RULE_MAX && line[len - 1] != '\n';
        if (len > 0 && line[len - 1] == '\n')
            line[--len] = '\0';
        struct rule r;
        const char *why = "line too long";
        int got = too_long ? -1 : rule_parse(line, &r, &why);
        if (too_long)   /* skip the rest of the line */
            for (int c = 0; c != '\n' && c != EOF;)
                c = fgetc(f);
        if (got < 0) {
            fprintf(stderr, "faultproxy: %s:%u: %s\n", opt.rules_file, lineno, why);
            if (fatal)
                exit(2);
            continue;
        }
        if (got == 0)
            continue;
        if (*count == cap) {
            cap = cap ? 2 * cap : 8;
            struct rule *grown = realloc(*out, cap * sizeof **out);
            if (!grown) {
                fclose(f);
                free(*out);
                *out = NULL;
                *count = 0;
                return -1;
            }
            *out = grown;
        }
        (*out)[(*count)++] = r;
    }
    fclose(f);
    return 0;
}

/* Re-read the rules file if it changed, keeping the counts of unchanged
 * lines (the k-th copy of a line takes over the k-th copy's count).
 * g_lock held. */
static void rules_refresh(void)
{
    struct stat st;
    if (stat(opt.rules_file, &st) < 0)
        memset(&st, 0, sizeof st);
    if (st.st_ino == g_rules_st.st_ino && st.st_dev == g_rules_st.st_dev && st.st_size == g_rules_st.st_size
        && st.st_mtim.tv_sec == g_rules_st.st_mtim.tv_sec && st.st_mtim.tv_nsec == g_rules_st.st_mtim.tv_nsec)
        return;
    struct rule *fresh;
    size_t n;
    if (rules_read(0, &fresh, &n) < 0) {
        fprintf(stderr, "faultproxy: %s: %s\n", opt.rules_file, strerror(errno));
        return;             /* keep the old rules; try again next time */
    }
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;       /* copies of this line before it */
        for (size_t j = 0; j < i; j++)
            k += strcmp(fresh[j].line, fresh[i].line) == 0;
        for (size_t j = 0; j < g_nrules; j++)
            if (strcmp(g_rules[j].line, fresh[i].line) == 0 && k-- == 0) {
                fresh[i].used = g_rules[j].used;
                break;
            }
    }
    free(g_rules);
    g_rules = fresh;
    g_nrules = n;
    g_rules_st = st;
}

/* The first rule matching req with requests left, its count used up by one
 * (copied to *out); 0 if none. g_lock held. */
static int rules_match(const char *method, const char *target, struct rule *out)
{
    if (!opt.rules_file)
        return 0;
    rules_refresh();
    for (size_t i = 0; i < g_nrules; i++) {
        struct rule *r = &g_rules[i];
        if ((r->count == 0 || r->used < r->count) && (strcmp(r->method, "*") == 0 || strcmp(r->method, method) == 0)
            && strstr(target, r->text)) {
            r->used++;
            *out = *r;
            return 1;
        }
    }
    return 0;
}

/* Give back the count a rule used for a request it found nothing to do to. */
static void rules_unuse(const char *line)
{
    pthread_mutex_lock(&g_lock);
    for (size_t i = 0; i < g_nrules; i++)
        if (strcmp(g_rules[i].line, line) == 0 && g_rules[i].used > 0) {
            g_rules[i].used--;
            break;
        }
    pthread_mutex_unlock(&g_lock);
}

/* ---- socket I/O; every wait also watches g_stop ---- */

/* Wait for events on fd (ignored when fd < 0) for timeout_ms (-1: no limit).
 * 1 ready, 0 timeout, -1 the proxy is stopping. */
static int wait_fd(int fd, short events, int timeout_ms)
{
    struct pollfd p[2] = { { .fd = g_stop[0], .events = POLLIN }, { .fd = fd, .events = events } };
    for (;;) {
        int r = poll(p, 2, timeout_ms);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 || p[0].revents)
            return -1;
        return r > 0;
    }
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t r = send(fd, p, n, MSG_NOSIGNAL);
        if (r > 0) {
            p += r;
            n -= (size_t)r;
        } else if (r < 0 && errno == EINTR) {
            continue;
        } else if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (wait_fd(fd, POLLOUT, -1) < 0)
                return -1;
        } else {
            return -1;
        }
    }
    return 0;
}

/* Bytes read from a socket and not yet forwarded: d[off .. off+len). */
struct buf {
    char *d;
    size_t off, len;
};

static char *buf_data(struct buf *b) { return b->d + b->off; }

static void buf_consume(struct buf *b, size_t n)
{
    b->off += n;
    b->len -= n;
    if (b->len == 0)
        b->off = 0;
}

/* Read what fd has (waiting until it has something) into b.
 * >0 bytes read, 0 end of stream, -1 error, stop or full buffer. */
static ssize_t buf_fill(int fd, struct buf *b)
{
    if (b->off > 0 && BUF_SIZE - b->off - b->len < BUF_SIZE / 4) {
        memmove(b->d, b->d + b->off, b->len);
        b->off = 0;
    }
    size_t room = BUF_SIZE - b->off - b->len;
    if (room == 0)
        return -1;
    for (;;) {
        ssize_t r = recv(fd, b->d + b->off + b->len, room, 0);
        if (r >= 0) {
            b->len += (size_t)r;
            return r;
        }
        if (errno == EINTR)
            continue;
        if ((errno != EAGAIN && errno != EWOULDBLOCK) || wait_fd(fd, POLLIN, -1) < 0)
            return -1;
    }
}

static void set_socket_options(int fd)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    fcntl(fd, F_SETFD, FD_CLOEXEC);
}

/* ---- HTTP/1.1 message heads ---- */

struct head {
    size_t len;                 /* bytes, blank line included */
    char method[16];
    char target[TARGET_MAX];    /* truncated if longer */
    int status;                 /* responses only */
    int http10;
    long long clen;             /* Content-Length, -1 if none */
    int chunked, expect100, close, keepalive;
};

/* Does the comma-separated list v[0..n) hold token tok (any case)? */
static int has_token(const char *v, size_t n, const char *tok)
{
    size_t tl = strlen(tok), i = 0;
    while (i < n) {
        while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
            i++;
        size_t s = i;
        while (i < n && v[i] != ',' && v[i] != ';' && v[i] != ' ' && v[i] != '\t')
            i++;
        if (i - s == tl && strncasecmp(v + s, tok, tl) == 0)
            return 1;
        while (i < n && v[i] != ',')
            i++;
    }
    return 0;
}

static int parse_field(const char *line, size_t n, struct head *h)
{
    const char *colon = memchr(line, ':', n);
    if (!colon || colon == line)
        return -1;
    size_t nl = (size_t)(colon - line);
    const char *v = colon + 1, *e = line + n;
    while (v < e && (*v == ' ' || *v == '\t'))
        v++;
    while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    size_t vl = (size_t)(e - v);
#define NAME_IS(s) (nl == sizeof(s) - 1 && strncasecmp(line, s, nl) == 0)
    if (NAME_IS("content-length")) {
        long long x = 0;
        if (vl == 0 || vl > 18)
            return -1;
        for (size_t i = 0; i < vl; i++) {
            if (v[i] < '0' || v[i] > '9')
                return -1;
            x = x * 10 + (v[i] - '0');
        }
        if (h->clen >= 0 && h->clen != x)
            return -1;
        h->clen = x;
    } else if (NAME_IS("transfer-encoding")) {
        h->chunked |= has_token(v, vl, "chunked");
    } else if (NAME_IS("connection")) {
        h->close |= has_token(v, vl, "close");
        h->keepalive |= has_token(v, vl, "keep-alive");
    } else if (NAME_IS("expect")) {
        h->expect100 |= has_token(v, vl, "100-continue");
    }
#undef NAME_IS
    return 0;
}

static int parse_version(const char *p, size_t n, struct head *h)
{
    if (n != 8 || memcmp(p, "HTTP/1.", 7) != 0 || (p[7] != '0' && p[7] != '1'))
        return -1;
    h->http10 = p[7] == '0';
    return 0;
}

static int parse_first_line(const char *line, size_t n, int response, struct head *h)
{
    if (response) {
        if (n < 12 || parse_version(line, 8, h) < 0 || line[8] != ' ' || (n > 12 && line[12] != ' '))
            return -1;
        for (int i = 9; i < 12; i++) {
            if (line[i] < '0' || line[i] > '9')
                return -1;
            h->status = h->status * 10 + (line[i] - '0');
        }
        return 0;
    }
    const char *sp1 = memchr(line, ' ', n), *sp2 = line + n;
    while (sp2 > line && sp2[-1] != ' ')
        sp2--;
    if (!sp1 || sp2 - 1 <= sp1 || sp1 == line || (size_t)(sp1 - line) >= sizeof h->method
        || parse_version(sp2, (size_t)(line + n - sp2), h) < 0)
        return -1;
    memcpy(h->method, line, (size_t)(sp1 - line));
    size_t tl = (size_t)(sp2 - 1 - (sp1 + 1));
    if (tl >= sizeof h->target)
        tl = sizeof h->target - 1;
    memcpy(h->target, sp1 + 1, tl);
    return 0;
}

static int parse_head(const char *p, size_t n, int response, struct head *h)
{
    memset(h, 0, sizeof *h);
    h->clen = -1;
    h->len = n;
    const char *line = p, *end = p + n;
    for (int first = 1; line < end; first = 0) {
        const char *eol = line;
        while (eol + 1 < end && !(eol[0] == '\r' && eol[1] == '\n'))
            eol++;
        if (eol + 1 >= end)
            return -1;
        size_t ll = (size_t)(eol - line);
        if (first) {
            if (parse_first_line(line, ll, response, h) < 0)
                return -1;
        } else if (ll == 0) {
            break;
        } else if (line[0] != ' ' && line[0] != '\t' && parse_field(line, ll, h) < 0) {
            return -1;
        }
        line = eol + 2;
    }
    return 0;
}

/* Is a whole head in b? 1 yes (parsed into h), 0 not yet, -1 malformed. */
static int head_ready(struct buf *b, struct head *h, int response)
{
    if (!response)   /* stray line ends before a request line are allowed */
        while (b->len > 0 && (buf_data(b)[0] == '\r' || buf_data(b)[0] == '\n'))
            buf_consume(b, 1);
    const char *p = buf_data(b);
    for (size_t i = 0; i + 4 <= b->len; i++)
        if (memcmp(p + i, "\r\n\r\n", 4) == 0)
            return parse_head(p, i + 4, response, h) < 0 ? -1 : 1;
    return b->len >= HEAD_MAX ? -1 : 0;
}

/* 1 head read, 0 end of stream before any byte, -1 error. */
static int read_head(int fd, struct buf *b, struct head *h, int response)
{
    for (;;) {
        int r = head_ready(b, h, response);
        if (r != 0)
            return r;
        ssize_t n = buf_fill(fd, b);
        if (n <= 0)
            return n == 0 && b->len == 0 ? 0 : -1;
    }
}

/* ---- message bodies ---- */

enum { FR_NONE, FR_LENGTH, FR_CHUNKED, FR_CLOSE };
enum { CS_SIZE, CS_EXT, CS_SIZE_LF, CS_DATA, CS_DATA_CR, CS_DATA_LF, CS_TRAILER, CS_TRAILER_LINE, CS_END_LF };

/* Finds where a body ends in the byte stream that follows its head. */
struct framer {
    int kind;
    unsigned long long left;  /* FR_LENGTH: body bytes left; chunked: chunk bytes left */
    int state, digits;
};

static void fr_init(struct framer *f, int kind, long long clen)
{
    memset(f, 0, sizeof *f);
    f->kind = kind;
    if (kind == FR_LENGTH)
        f->left = (unsigned long long)clen;
}

/* A chunk-size line ended: the chunk's data follows, or the trailer. */
static int size_line_end(struct framer *f)
{
    if (f->digits == 0)
        return -1;
    f->state = f->left ? CS_DATA : CS_TRAILER;
    return 0;
}

/* How many of the n bytes at p belong to the body; *done is set when they
 * complete it. -1 if the chunked framing is malformed. */
static ssize_t fr_feed(struct framer *f, const char *p, size_t n, int *done)
{
    size_t i = 0;
    *done = 0;
    if (f->kind == FR_CLOSE)
        return (ssize_t)n;
    if (f->kind == FR_LENGTH) {
        i = f->left < n ? (size_t)f->left : n;
        f->left -= i;
        *done = f->left == 0;
        return (ssize_t)i;
    }
    while (i < n && !*done) {
        char c = p[i];
        if (f->state == CS_DATA) {
            size_t take = f->left < n - i ? (size_t)f->left : n - i;
            i += take;
            f->left -= take;
            if (f->left == 0)
                f->state = CS_DATA_CR;
            continue;
        }
        i++;
        switch (f->state) {
        case CS_SIZE:
            if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) {
                if (f->left >> 56)
                    return -1;
                f->left = f->left * 16 + (unsigned)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
                f->digits++;
            } else if (c == ';' || c == ' ' || c == '\t') {
                f->state = CS_EXT;
            } else if (c == '\r') {
                f->state = CS_SIZE_LF;
            } else if (c != '\n' || size_line_end(f) < 0) {
                return -1;
            }
            break;
        case CS_EXT:
            if (c == '\r')
                f->state = CS_SIZE_LF;
            else if (c == '\n' && size_line_end(f) < 0)
                return -1;
            break;
        case CS_SIZE_LF:
            if (c != '\n' || size_line_end(f) < 0)
                return -1;
            break;
        case CS_DATA_CR:
            if (c == '\r')
                f->state = CS_DATA_LF;
            else if (c == '\n')
                f->state = CS_SIZE, f->digits = 0;
            else
                return -1;
            break;
        case CS_DATA_LF:
            if (c != '\n')
                return -1;
            f->state = CS_SIZE;
            f->digits = 0;
            break;
        case CS_TRAILER:
            if (c == '\r')
                f->state = CS_END_LF;
            else if (c == '\n')
                *done = 1;
            else
                f->state = CS_TRAILER_LINE;
            break;
        case CS_TRAILER_LINE:
            if (c == '\n')
                f->state = CS_TRAILER;
            break;
        case CS_END_LF:
            if (c != '\n')
                return -1;
            *done = 1;
            break;
        }
    }
    return (ssize_t)i;
}

/* ---- one client connection ---- */

static void log_request(unsigned long long n, const struct head *req, const char *what);

struct conn {
    int c, u;                 /* client and upstream sockets, -1 when closed */
    struct buf cin, uin;      /* read from the client / from upstream */
    int rst;                  /* end both connections with a reset */
    int graceful;             /* let the client finish before closing */
    int drop_rst;             /* how this request's drop closes */
    /* fault at a byte position of the stream being written */
    enum fault fault;
    int armed;
    unsigned long long pos, sent;
    unsigned long long reqno; /* request whose log line waits for its response */
    struct rule rule;         /* the rule applied to the current request, if any */
    long hold_ms;             /* hold the current request this long */
    int pacing;               /* the stream being written is a body (--rate) */
    struct timespec pace_t0;  /* when that body started */
    unsigned long long pace_bytes;   /* and how much of it went out */
};

static long long ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000LL + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Sleep ms milliseconds: 0, or -1 if the proxy is stopping. */
static int pause_ms(long long ms)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long long left = ms; left > 0; left = ms - ms_since(&t0))
        if (wait_fd(-1, 0, left > INT_MAX ? INT_MAX : (int)left) < 0)
            return -1;
    return 0;
}

/* Start pacing a body (--rate), or stop when on is 0. */
static void pace_start(struct conn *k, int on)
{
    k->pacing = on && opt.rate > 0;
    k->pace_bytes = 0;
    clock_gettime(CLOCK_MONOTONIC, &k->pace_t0);
}

/* send_all, at no more than --rate while a body is being paced. */
static int send_out(struct conn *k, int fd, const char *p, size_t n)
{
    if (!k->pacing)
        return send_all(fd, p, n);
    size_t step = (size_t)(opt.rate / 100);   /* 10 ms worth */
    if (step == 0)
        step = 1;
    while (n > 0) {
        size_t take = n < step ? n : step;
        if (send_all(fd, p, take) < 0)
            return -1;
        p += take;
        n -= take;
        k->pace_bytes += take;
        long long due = (long long)(k->pace_bytes * 1000 / opt.rate) - ms_since(&k->pace_t0);
        if (due > 0 && pause_ms(due) < 0)
            return -1;
    }
    return 0;
}

/* Wait until the stall is over: 0 go on, -1 the client closed or stop. */
static int stall(struct conn *k)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int watch = k->c;
    for (;;) {
        int timeout = -1;
        if (opt.stall_ms > 0) {
            long long ms = ms_since(&t0);
            if (ms >= opt.stall_ms)
                return 0;
            timeout = (int)(opt.stall_ms - ms);
        }
        int r = wait_fd(watch, POLLIN, timeout);
        if (r < 0)
            return -1;
        if (r == 0)
            continue;
        char ch;
        ssize_t n = recv(k->c, &ch, 1, MSG_PEEK);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
            return -1;        /* the client gave up */
        if (n > 0)
            watch = -1;       /* it sent something: just wait out the stall */
    }
}

/* Write n bytes of the current stream to fd, injecting the armed fault when
 * the stream reaches its position. 0 ok, -1 the connection ends. */
static int emit(struct conn *k, int fd, const char *p, size_t n)
{
    if (k->armed && k->sent + n > k->pos) {
        size_t first = (size_t)(k->pos - k->sent);
        if (send_out(k, fd, p, first) < 0)
            return -1;
        k->sent += first;
        p += first;
        n -= first;
        k->armed = 0;
        if (k->fault == FAULT_TRUNCATE) {
            k->graceful = 1;  /* FIN after the cut body, no reset */
            return -1;
        }
        if (k->fault != FAULT_STALL) {
            k->rst = k->drop_rst;
            return -1;
        }
        if (stall(k) < 0)
            return -1;
    }
    if (send_out(k, fd, p, n) < 0)
        return -1;
    k->sent += n;
    return 0;
}

/* A body of unknown length ends here: keep an armed fault inside it. */
static void clamp_fault(struct conn *k, size_t n)
{
    if (k->armed && n > 0 && k->pos >= k->sent + n)
        k->pos = k->sent + n - 1;
}

static int request_has_body(const struct head *req)
{
    return req->chunked || req->clen > 0;
}

static void request_framer(struct framer *f, const struct head *req)
{
    fr_init(f, req->chunked ? FR_CHUNKED : req->clen > 0 ? FR_LENGTH : FR_NONE, req->clen);
}

/* Forward the request body from the client to upstream, relaying interim
 * responses meanwhile. A final response arriving before the body is complete
 * is left parsed in *resp with *early set. 0 ok, -1 the connection ends. */
static int forward_request_body(struct conn *k, struct framer *f, struct head *resp, int *early,
                                unsigned long long flip)
{
    int done = 0;
    unsigned long long body_at = 0;   /* body bytes forwarded so far */
    *early = 0;
    pace_start(k, 1);
    while (!done) {
        if (k->cin.len > 0) {
            ssize_t m = fr_feed(f, buf_data(&k->cin), k->cin.len, &done);
            if (m < 0)
                return -1;
            if (done)
                clamp_fault(k, (size_t)m);
            if (flip >= body_at && flip < body_at + (unsigned long long)m)
                buf_data(&k->cin)[flip - body_at] ^= (char)0xff;
            body_at += (unsigned long long)m;
            if (emit(k, k->u, buf_data(&k->cin), (size_t)m) < 0)
                return -1;
            buf_consume(&k->cin, (size_t)m);
            continue;
        }
        struct pollfd p[3] = {
            { .fd = g_stop[0], .events = POLLIN },
            { .fd = k->u, .events = POLLIN },
            { .fd = k->c, .events = POLLIN },
        };
        if (poll(p, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (p[0].revents)
            return -1;
        if (p[1].revents) {
            if (buf_fill(k->u, &k->uin) <= 0)
                return -1;
            int r;
            while ((r = head_ready(&k->uin, resp, 1)) == 1) {
                if (resp->status >= 200) {
                    *early = 1;
                    pace_start(k, 0);
                    return 0;
                }
                if (send_all(k->c, buf_data(&k->uin), resp->len) < 0)
                    return -1;
                buf_consume(&k->uin, resp->len);
            }
            if (r < 0)
                return -1;
        }
        if (p[2].revents && buf_fill(k->c, &k->cin) <= 0)
            return -1;
    }
    pace_start(k, 0);
    return 0;
}

/* Forward the response (its head already in *resp if have_head). */
static int forward_response(struct conn *k, const struct head *req, struct head *resp,
                            int have_head, enum fault fault, int *close_after)
{
    for (;; have_head = 0) {
        if (!have_head && read_head(k->u, &k->uin, resp, 1) <= 0)
            return -1;
        if (resp->status >= 200)
            break;
        if (send_all(k->c, buf_data(&k->uin), resp->len) < 0)   /* interim 1xx */
            return -1;
        buf_consume(&k->uin, resp->len);
    }
    struct framer f;
    if (strcmp(req->method, "HEAD") == 0 || resp->status == 204 || resp->status == 304)
        fr_init(&f, FR_NONE, 0);
    else if (resp->chunked)
        fr_init(&f, FR_CHUNKED, 0);
    else if (resp->clen >= 0)
        fr_init(&f, FR_LENGTH, resp->clen);
    else
        fr_init(&f, FR_CLOSE, 0);

    if (fault == FAULT_CORRUPT || fault == FAULT_TRUNCATE || fault == FAULT_FLIP_RESPONSE) {
        /* only a body of known length is flipped or cut; the random faults
         * take only a GET's */
        if ((fault != FAULT_FLIP_RESPONSE && strcmp(req->method, "GET") != 0)
            || (resp->status != 200 && resp->status != 206) || f.kind != FR_LENGTH || resp->clen <= 0) {
            if (fault == FAULT_FLIP_RESPONSE)
                rules_unuse(k->rule.line);
            fault = FAULT_OK;
        }
        if (g_log)
            log_request(k->reqno, req, fault_name[fault]);
    }
    unsigned long long flip = fault == FAULT_CORRUPT || fault == FAULT_FLIP_RESPONSE
                                  ? rng_below((unsigned long long)resp->clen) : ULLONG_MAX;
    unsigned long long body_at = 0;   /* body bytes forwarded so far */

    k->sent = 0;
    k->armed = fault == FAULT_DROP_RESPONSE || fault == FAULT_STALL || fault == FAULT_TRUNCATE;
    k->fault = fault;
    if (k->armed) {
        if (f.kind == FR_LENGTH && resp->clen > 0)
            k->pos = resp->len + rng_below((unsigned long long)resp->clen);
        else if (f.kind == FR_CHUNKED)
            k->pos = resp->len + rng_below(SPLIT_UNKNOWN);
        else
            k->pos = rng_below(resp->len);
    }
    if (opt.latency_ms > 0 && pause_ms(opt.latency_ms) < 0)
        return -1;
    if (emit(k, k->c, buf_data(&k->uin), resp->len) < 0)
        return -1;
    buf_consume(&k->uin, resp->len);

    int done = f.kind == FR_NONE || (f.kind == FR_LENGTH && resp->clen == 0);
    pace_start(k, !done);
    while (!done) {
        if (k->uin.len == 0) {
            ssize_t r = buf_fill(k->u, &k->uin);
            if (r == 0 && f.kind == FR_CLOSE)
                break;
            if (r <= 0)
                return -1;
        }
        ssize_t m = fr_feed(&f, buf_data(&k->uin), k->uin.len, &done);
        if (m < 0)
            return -1;
        if (done)
            clamp_fault(k, (size_t)m);
        if (flip >= body_at && flip < body_at + (unsigned long long)m)
            buf_data(&k->uin)[flip - body_at] ^= (char)0xff;
        body_at += (unsigned long long)m;
        if (emit(k, k->c, buf_data(&k->uin), (size_t)m) < 0)
            return -1;
        buf_consume(&k->uin, (size_t)m);
    }
    k->armed = 0;
    pace_start(k, 0);
    *close_after = resp->close || (resp->http10 && !resp->keepalive) || f.kind == FR_CLOSE;
    return 0;
}

static int upstream_connect(struct conn *k)
{
    int fd = socket(opt.up_addr.ss_family, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&opt.up_addr, opt.up_len) < 0) {
        fprintf(stderr, "faultproxy: upstream: %s\n", strerror(errno));
        close(fd);
        return -1;
    }
    set_socket_options(fd);
    k->u = fd;
    k->uin.off = k->uin.len = 0;
    return 0;
}

static int answer(struct conn *k, const char *status, const char *type, const char *body,
                  int head_only, int close_conn)
{
    char h[256];
    int n = snprintf(h, sizeof h, "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                     "Connection: %s\r\n\r\n", status, type, strlen(body),
                     close_conn ? "close" : "keep-alive");
    if (send_all(k->c, h, (size_t)n) < 0 || (!head_only && send_all(k->c, body, strlen(body)) < 0))
        return -1;
    if (close_conn) {
        k->graceful = 1;
        return -1;
    }
    return 0;
}

static int answer_503(struct conn *k, const struct head *req)
{
    int close_conn = req->close || req->http10;
    buf_consume(&k->cin, req->len);
    if (request_has_body(req) && req->expect100) {
        close_conn = 1;      /* answer before the body comes; never read it */
    } else {
        struct framer f;
        int done = !request_has_body(req);
        request_framer(&f, req);
        while (!done) {
            if (k->cin.len == 0 && buf_fill(k->c, &k->cin) <= 0)
                return -1;
            ssize_t m = fr_feed(&f, buf_data(&k->cin), k->cin.len, &done);
            if (m < 0)
                return -1;
            buf_consume(&k->cin, (size_t)m);
        }
    }
    return answer(k, "503 Slow Down", "application/xml", slowdown_body,
                  strcmp(req->method, "HEAD") == 0, close_conn);
}

static int proxy_request(struct conn *k, const struct head *req, enum fault fault)
{
    long long wait = (fault == FAULT_HOLD ? k->hold_ms : 0) + opt.latency_ms;
    if (wait > 0 && pause_ms(wait) < 0)
        return -1;
    /* an idle upstream connection that became readable was closed (or is confused) */
    if (k->u >= 0 && (k->uin.len > 0 || wait_fd(k->u, POLLIN, 0) != 0)) {
        close(k->u);
        k->u = -1;
    }
    if (k->u < 0 && upstream_connect(k) < 0)
        return answer(k, "502 Bad Gateway", "text/plain", "upstream unreachable\n",
                      strcmp(req->method, "HEAD") == 0, 1);
    if (send_all(k->u, buf_data(&k->cin), req->len) < 0)
        return -1;
    buf_consume(&k->cin, req->len);

    struct head resp;
    int early = 0, close_after = 0;
    if (request_has_body(req)) {
        struct framer f;
        request_framer(&f, req);
        k->sent = 0;
        k->fault = fault;
        k->armed = fault == FAULT_DROP_REQUEST;
        if (k->armed)
            k->pos = rng_below(req->chunked ? SPLIT_UNKNOWN : (unsigned long long)req->clen);
        unsigned long long flip = fault == FAULT_FLIP_REQUEST ? rng_below((unsigned long long)req->clen)
                                                              : ULLONG_MAX;
        if (forward_request_body(k, &f, &resp, &early, flip) < 0)
            return -1;
        k->armed = 0;
    }
    if (forward_response(k, req, &resp, early, fault, &close_after) < 0)
        return -1;
    if (early || close_after || req->close || req->http10) {
        k->graceful = 1;     /* the request body was cut short, or the server closes */
        return -1;
    }
    return 0;
}

/* ---- hostile listings (--huge-xml) ---- */

/* A chunked body being written to the client, a buffer at a time. */
struct xmlout {
    struct conn *k;
    char buf[65536];
    size_t len;
    int failed;
};

static void xo_flush(struct xmlout *o)
{
    char h[32];
    if (o->failed || o->len == 0)
        return;
    int n = snprintf(h, sizeof h, "%zx\r\n", o->len);
    if (send_all(o->k->c, h, (size_t)n) < 0 || send_all(o->k->c, o->buf, o->len) < 0
        || send_all(o->k->c, "\r\n", 2) < 0)
        o->failed = 1;
    o->len = 0;
}

static void xo_put(struct xmlout *o, const char *p, size_t n)
{
    while (n > 0 && !o->failed) {
        size_t room = sizeof o->buf - o->len, take = n < room ? n : room;
        memcpy(o->buf + o->len, p, take);
        o->len += take;
        p += take;
        n -= take;
        if (o->len == sizeof o->buf)
            xo_flush(o);
    }
}

static void xo_puts(struct xmlout *o, const char *s) { xo_put(o, s, strlen(s)); }

/* xo_repeat: S (of length N) COUNT times */
static void xo_repeat(struct xmlout *o, const char *s, size_t n, unsigned long long count)
{
    for (unsigned long long i = 0; i < count && !o->failed; i++)
        xo_put(o, s, n);
}

/* The value of query parameter NAME of TARGET, percent-decoded and escaped
 * for XML text, into out (cut at cap); returns whether it is there. */
static int query_param(const char *target, const char *name, char *out, size_t cap)
{
    const char *q = strchr(target, '?');
    size_t nl = strlen(name), o = 0;
    out[0] = '\0';
    while (q) {
        const char *p = q + 1, *e = strchr(p, '&');
        if (!e)
            e = p + strlen(p);
        if ((size_t)(e - p) >= nl && strncmp(p, name, nl) == 0 && (p[nl] == '=' || p + nl == e)) {
            for (p += nl + (p[nl] == '='); p < e && o + 8 < cap; p++) {
                int c = (unsigned char)*p;
                if (c == '%' && e - p >= 3) {
                    unsigned v;
                    if (sscanf(p + 1, "%2x", &v) == 1) {
                        c = (int)v;
                        p += 2;
                    }
                }
                const char *esc = c == '&' ? "&amp;" : c == '<' ? "&lt;" : c == '>' ? "&gt;" : NULL;
                if (esc) {
                    memcpy(out + o, esc, strlen(esc));
                    o += strlen(esc);
                } else {
                    out[o++] = (char)c;
                }
            }
            out[o] = '\0';
            return 1;
        }
        q = *e ? e : NULL;
    }
    return 0;
}

static int answer_xml(struct conn *k, const struct head *req)
{
    static const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\n"
                               "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    static const char decl[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    struct xmlout *o = calloc(1, sizeof *o);
    char prefix[TARGET_MAX * 2], delim[64], line[TARGET_MAX * 2 + 512];
    unsigned long long bytes = opt.xml_mb << 20;

    if (!o)
        return -1;
    o->k = k;
    buf_consume(&k->cin, req->len);   /* a GET: no body */
    query_param(req->target, "prefix", prefix, sizeof prefix);
    int has_delim = query_param(req->target, "delimiter", delim, sizeof delim);
    if (send_all(k->c, head, sizeof head - 1) < 0) {
        free(o);
        return -1;
    }
    if (opt.xml == XML_GARBAGE) {
        xo_puts(o, "this is not XML at all \x01\x02\xff <<< >>> &&&\n");
    } else if (opt.xml == XML_LAUGHS) {
        xo_puts(o, decl);
        xo_puts(o, "<!DOCTYPE ListBucketResult [<!ENTITY l0 \"ha\">");
        for (int i = 1; i <= 9; i++) {
            snprintf(line, sizeof line, "<!ENTITY l%d \"", i);
            xo_puts(o, line);
            for (int j = 0; j < 10; j++) {
                snprintf(line, sizeof line, "&l%d;", i - 1);
                xo_puts(o, line);
            }
            xo_puts(o, "\">");
        }
        xo_puts(o, "]>\n<ListBucketResult><Contents><Key>&l9;</Key><Size>1</Size></Contents>"
                   "</ListBucketResult>\n");
    } else {
        xo_puts(o, decl);
        snprintf(line, sizeof line,
                 "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>bucket</Name>"
                 "<Prefix>%s</Prefix><KeyCount>1000</KeyCount><MaxKeys>1000</MaxKeys>%s%s%s"
                 "<IsTruncated>%s</IsTruncated>%s", prefix, has_delim ? "<Delimiter>" : "",
                 has_delim ? delim : "", has_delim ? "</Delimiter>" : "",
                 opt.xml == XML_ENDLESS ? "true" : "false",
                 opt.xml == XML_ENDLESS ? "<NextContinuationToken>again</NextContinuationToken>" : "");
        xo_puts(o, line);
        if (opt.xml == XML_ENDLESS)
            bytes = 1;   /* 1000 entries below */
        switch (opt.xml) {
        case XML_WIDE:
        case XML_ENDLESS:
            for (unsigned long long i = 0, sent = 0;
                 (opt.xml == XML_ENDLESS ? i < 1000 : sent < bytes) && !o->failed; i++) {
                int n = has_delim
                    ? snprintf(line, sizeof line, "<CommonPrefixes><Prefix>%sw%012llu/</Prefix>"
                               "</CommonPrefixes>", prefix, i)
                    : snprintf(line, sizeof line, "<Contents><Key>%sw%012llu</Key><LastModified>"
                               "2024-01-01T00:00:00.000Z</LastModified><ETag>&quot;0&quot;</ETag>"
                               "<Size>1</Size><StorageClass>STANDARD</StorageClass></Contents>",
                               prefix, i);
                xo_put(o, line, (size_t)n);
                sent += (unsigned long long)n;
            }
            break;
        case XML_LONG:
            snprintf(line, sizeof line, "<Contents><Key>%s", prefix);
            xo_puts(o, line);
            xo_repeat(o, "kkkkkkkkkkkkkkkk", 16, bytes / 16);
            xo_puts(o, "</Key><LastModified>2024-01-01T00:00:00.000Z</LastModified><Size>1</Size>"
                       "</Contents>");
            break;
        case XML_DEEP:
            xo_repeat(o, "<a>", 3, bytes / 7);
            xo_repeat(o, "</a>", 4, bytes / 7);
            break;
        case XML_BLANK:
            xo_repeat(o, "                ", 16, bytes / 16);
            break;
        case XML_MALFORMED:
            xo_puts(o, "<Contents><Key>a</Key></Contents><Contents><Key>b</Size></Contents>");
            break;
        default:
            break;
        }
        xo_puts(o, "</ListBucketResult>\n");
    }
    xo_flush(o);
    int failed = o->failed || send_all(k->c, "0\r\n\r\n", 5) < 0;
    free(o);
    if (!failed)
        k->graceful = 1;
    return -1;              /* Connection: close */
}

/* Append s to the log line, escaping what is not printable ASCII. */
static size_t log_put(char *line, size_t at, size_t cap, const char *s, size_t n)
{
    for (size_t i = 0; i < n && at + 5 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= ' ' || c >= 0x7f || c == '\\')
            at += (size_t)snprintf(line + at, cap - at, "\\x%02x", c);
        else
            line[at++] = (char)c;
    }
    line[at] = '\0';
    return at;
}

static void log_request(unsigned long long n, const struct head *req, const char *what)
{
    static const char *const secret[] = { "X-Amz-Signature", "X-Amz-Credential", "X-Amz-Security-Token" };
    char line[3 * TARGET_MAX + 128];
    size_t at = (size_t)snprintf(line, sizeof line, "%llu ", n);
    at = log_put(line, at, sizeof line, req->method, strlen(req->method));
    line[at++] = ' ';
    const char *t = req->target, *q = strchr(t, '?');
    at = log_put(line, at, sizeof line, t, q ? (size_t)(q - t) : strlen(t));
    while (q) {          /* query parameters, secrets redacted */
        const char *s = q + 1, *amp = strchr(s, '&'), *e = amp ? amp : s + strlen(s);
        const char *eq = memchr(s, '=', (size_t)(e - s));
        at = log_put(line, at, sizeof line, q, 1);
        int hide = 0;
        for (size_t i = 0; eq && i < sizeof secret / sizeof *secret; i++)
            hide |= (size_t)(eq - s) == strlen(secret[i]) && strncasecmp(s, secret[i], strlen(secret[i])) == 0;
        if (hide) {
            at = log_put(line, at, sizeof line, s, (size_t)(eq - s));
            at = log_put(line, at, sizeof line, "=REDACTED", 9);
        } else {
            at = log_put(line, at, sizeof line, s, (size_t)(e - s));
        }
        q = amp;
    }
    pthread_mutex_lock(&g_lock);
    fprintf(g_log, "%s%s -> %s\n", line, strlen(req->target) == TARGET_MAX - 1 ? "..." : "", what);
    fflush(g_log);
    pthread_mutex_unlock(&g_lock);
}

/* 0 the connection goes on, -1 it ends. */
static int handle_request(struct conn *k, const struct head *req)
{
    int body = request_has_body(req), give_back = 0;
    enum fault fault = FAULT_OK;
    k->rule.line[0] = '\0';
    pthread_mutex_lock(&g_lock);
    unsigned long long n = ++g_requests;
    if (rules_match(req->method, req->target, &k->rule)) {
        fault = k->rule.kind;
        k->hold_ms = k->rule.ms;
        if (fault == FAULT_FLIP_REQUEST && (req->chunked || req->clen <= 0)) {
            give_back = 1;          /* nothing to flip */
            fault = FAULT_OK;
        }
    } else if (n > opt.only_after && (!opt.only_path || strstr(req->target, opt.only_path))) {
        if (opt.xml && strcmp(req->method, "GET") == 0 && strstr(req->target, "list-type=2")) {
            fault = FAULT_XML;
        } else if (rng_chance(opt.p_drop)) {
            static const enum fault where[] = { FAULT_DROP_BEFORE, FAULT_DROP_RESPONSE, FAULT_DROP_REQUEST };
            fault = where[rng_next() % (body ? 3 : 2)];
            k->drop_rst = (int)(rng_next() & 1);
        } else if (rng_chance(opt.p_503)) {
            fault = FAULT_503;
        } else if (rng_chance(opt.p_stall)) {
            fault = FAULT_STALL;
        } else if (rng_chance(opt.p_corrupt)) {
            fault = FAULT_CORRUPT;
        } else if (rng_chance(opt.p_truncate)) {
            fault = FAULT_TRUNCATE;
        }
    }
    pthread_mutex_unlock(&g_lock);
    if (give_back)
        rules_unuse(k->rule.line);
    k->reqno = n;
    if (g_log && fault == FAULT_XML) {
        char what[32];
        snprintf(what, sizeof what, "xml-%s", xml_kind_name[opt.xml]);
        log_request(n, req, what);
    } else if (g_log && fault == FAULT_HOLD) {
        char what[32];
        snprintf(what, sizeof what, "hold %ld", k->hold_ms);
        log_request(n, req, what);
    } else if (g_log && fault != FAULT_CORRUPT && fault != FAULT_TRUNCATE && fault != FAULT_FLIP_RESPONSE) {
        log_request(n, req, fault_name[fault]);   /* those: once the response is known */
    }
    if (fault == FAULT_XML)
        return answer_xml(k, req);

    if (fault == FAULT_DROP_BEFORE || fault == FAULT_DROP) {
        k->rst = fault == FAULT_DROP_BEFORE && k->drop_rst;
        return -1;
    }
    if (fault == FAULT_503)
        return answer_503(k, req);
    return proxy_request(k, req, fault);
}

static void conn_close(struct conn *k)
{
    struct linger lg = { 1, 0 };
    if (k->rst) {
        setsockopt(k->c, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        if (k->u >= 0)
            setsockopt(k->u, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    }
    if (k->u >= 0)
        close(k->u);
    if (k->graceful && !k->rst) {
        /* half-close and read what the client still sends, so that closing
         * with unread data does not reset the connection under the answer */
        shutdown(k->c, SHUT_WR);
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (;;) {
            long long ms = ms_since(&t0);
            if (ms >= DRAIN_MS || wait_fd(k->c, POLLIN, (int)(DRAIN_MS - ms)) <= 0)
                break;
            char sink[4096];
            ssize_t r = recv(k->c, sink, sizeof sink, 0);
            if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
                break;
        }
    }
    close(k->c);
}

static void *conn_main(void *arg)
{
    struct conn *k = arg;
    struct head req;
    while (read_head(k->c, &k->cin, &req, 0) == 1 && handle_request(k, &req) == 0)
        ;
    conn_close(k);
    free(k->cin.d);
    free(k->uin.d);
    free(k);
    pthread_mutex_lock(&g_lock);
    if (--g_threads == 0)
        pthread_cond_signal(&g_idle);
    pthread_mutex_unlock(&g_lock);
    return NULL;
}

static void start_conn(int fd)
{
    struct conn *k = calloc(1, sizeof *k);
    if (k) {
        k->c = fd;
        k->u = -1;
        k->cin.d = malloc(BUF_SIZE);
        k->uin.d = malloc(BUF_SIZE);
    }
    pthread_attr_t attr;
    pthread_t tid;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_mutex_lock(&g_lock);
    g_threads++;
    pthread_mutex_unlock(&g_lock);
    if (!k || !k->cin.d || !k->uin.d || pthread_create(&tid, &attr, conn_main, k) != 0) {
        fprintf(stderr, "faultproxy: cannot serve a connection\n");
        close(fd);
        if (k) {
            free(k->cin.d);
            free(k->uin.d);
        }
        free(k);
        pthread_mutex_lock(&g_lock);
        g_threads--;
        pthread_mutex_unlock(&g_lock);
    }
    pthread_attr_destroy(&attr);
}

/* ---- startup ---- */

static void on_signal(int sig)
{
    int saved = errno;
    (void)sig;
    if (write(g_stop[1], "x", 1) < 0) {
        /* the pipe is full: the proxy is stopping already */
    }
    errno = saved;
}

static void usage(int status)
{
    fprintf(status ? stderr : stdout,
            "usage: faultproxy --listen-port-file FILE --upstream HOST:PORT [--seed N]\n"
            "                  [--drop P] [--error503 P] [--stall P] [--stall-ms MS]\n"
            "                  [--corrupt P] [--truncate-body P] [--huge-xml KIND] [--xml-mb N]\n"
            "                  [--only-after N] [--only-path TEXT] [--log FILE]\n"
            "                  [--rules FILE] [--latency-ms MS] [--rate KBPS]\n"
            "KIND: wide, long, deep, blank, laughs, malformed, garbage or endless\n");
    exit(status);
}

static void bad_value(const char *name, const char *v)
{
    fprintf(stderr, "faultproxy: bad value '%s' for %s\n", v, name);
    exit(2);
}

static double parse_probability(const char *name, const char *v)
{
    char *end;
    errno = 0;
    double p = strtod(v, &end);
    if (errno || end == v || *end || !(p >= 0 && p <= 1))
        bad_value(name, v);
    return p;
}

static unsigned long long parse_count(const char *name, const char *v, unsigned long long max)
{
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (errno || end == v || *end || *v == '-' || x > max)
        bad_value(name, v);
    return x;
}

static void parse_upstream(const char *v)
{
    const char *colon = strrchr(v, ':');
    char host[256];
    if (!colon || colon == v || (size_t)(colon - v) >= sizeof host || !colon[1])
        bad_value("--upstream", v);
    const char *h = v;
    size_t hl = (size_t)(colon - v);
    if (h[0] == '[' && h[hl - 1] == ']') {
        h++;
        hl -= 2;
    }
    memcpy(host, h, hl);
    host[hl] = '\0';
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV }, *ai;
    int e = getaddrinfo(host, colon + 1, &hints, &ai);
    if (e) {
        fprintf(stderr, "faultproxy: --upstream %s: %s\n", v, gai_strerror(e));
        exit(2);
    }
    memcpy(&opt.up_addr, ai->ai_addr, ai->ai_addrlen);
    opt.up_len = ai->ai_addrlen;
    freeaddrinfo(ai);
}

static void parse_args(int argc, char **argv)
{
    const char *upstream = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL, *eq = strchr(a, '=');
        char name[32];
        size_t nl = eq ? (size_t)(eq - a) : strlen(a);
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
            usage(0);
        if (strncmp(a, "--", 2) != 0 || nl >= sizeof name) {
            fprintf(stderr, "faultproxy: unknown argument '%s'\n", a);
            usage(2);
        }
        memcpy(name, a, nl);
        name[nl] = '\0';
        if (eq)
            v = eq + 1;
        else if (i + 1 < argc)
            v = argv[++i];
        else {
            fprintf(stderr, "faultproxy: %s needs a value\n", name);
            usage(2);
        }
        if (strcmp(name, "--listen-port-file") == 0)
            opt.port_file = v;
        else if (strcmp(name, "--upstream") == 0)
            upstream = v;
        else if (strcmp(name, "--seed") == 0)
            opt.seed = parse_count(name, v, UINT64_MAX);
        else if (strcmp(name, "--drop") == 0)
            opt.p_drop = parse_probability(name, v);
        else if (strcmp(name, "--error503") == 0)
            opt.p_503 = parse_probability(name, v);
        else if (strcmp(name, "--stall") == 0)
            opt.p_stall = parse_probability(name, v);
        else if (strcmp(name, "--corrupt") == 0)
            opt.p_corrupt = parse_probability(name, v);
        else if (strcmp(name, "--truncate-body") == 0)
            opt.p_truncate = parse_probability(name, v);
        else if (strcmp(name, "--huge-xml") == 0) {
            opt.xml = XML_NONE;
            for (int x = XML_WIDE; x <= XML_ENDLESS; x++)
                if (strcmp(v, xml_kind_name[x]) == 0)
                    opt.xml = (enum xml_kind)x;
            if (opt.xml == XML_NONE)
                bad_value(name, v);
        } else if (strcmp(name, "--xml-mb") == 0)
            opt.xml_mb = parse_count(name, v, 65536);
        else if (strcmp(name, "--stall-ms") == 0)
            opt.stall_ms = (long)parse_count(name, v, 1000000000);
        else if (strcmp(name, "--only-after") == 0)
            opt.only_after = parse_count(name, v, ULLONG_MAX);
        else if (strcmp(name, "--only-path") == 0)
            opt.only_path = v;
        else if (strcmp(name, "--log") == 0)
            opt.log_file = v;
        else if (strcmp(name, "--rules") == 0)
            opt.rules_file = v;
        else if (strcmp(name, "--latency-ms") == 0)
            opt.latency_ms = (long)parse_count(name, v, 1000000000);
        else if (strcmp(name, "--rate") == 0) {
            opt.rate = parse_count(name, v, 1000000000) * 1000;
            if (opt.rate == 0)
                bad_value(name, v);
        }
        else {
            fprintf(stderr, "faultproxy: unknown option '%s'\n", name);
            usage(2);
        }
    }
    if (!opt.port_file || !upstream) {
        fprintf(stderr, "faultproxy: --listen-port-file and --upstream are required\n");
        usage(2);
    }
    parse_upstream(upstream);
}

static void die(const char *what)
{
    fprintf(stderr, "faultproxy: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void write_port_file(unsigned port)
{
    size_t n = strlen(opt.port_file) + 5;
    char *tmp = malloc(n);
    if (!tmp)
        die("out of memory");
    snprintf(tmp, n, "%s.tmp", opt.port_file);
    FILE *f = fopen(tmp, "w");
    if (!f)
        die(tmp);
    int bad = fprintf(f, "%u\n", port) < 0;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, opt.port_file) != 0)
        die(opt.port_file);
    free(tmp);
}

int main(int argc, char **argv)
{
    parse_args(argc, argv);
    g_rng = opt.seed;
    if (opt.rules_file) {   /* a bad rule is fatal at startup */
        struct rule *r;
        size_t n;
        if (rules_read(1, &r, &n) < 0)
            die(opt.rules_file);
        free(r);
    }

    if (pipe(g_stop) < 0)
        die("pipe");
    for (int i = 0; i < 2; i++) {
        fcntl(g_stop[i], F_SETFL, fcntl(g_stop[i], F_GETFL) | O_NONBLOCK);
        fcntl(g_stop[i], F_SETFD, FD_CLOEXEC);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);

    if (opt.log_file && !(g_log = fopen(opt.log_file, "a")))
        die(opt.log_file);

    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof sin;
    if (ls < 0 || bind(ls, (struct sockaddr *)&sin, sizeof sin) < 0 || listen(ls, 128) < 0
        || getsockname(ls, (struct sockaddr *)&sin, &sl) < 0)
        die("listen");
    fcntl(ls, F_SETFL, fcntl(ls, F_GETFL) | O_NONBLOCK);
    fcntl(ls, F_SETFD, FD_CLOEXEC);
    write_port_file(ntohs(sin.sin_port));

    for (;;) {
        int r = wait_fd(ls, POLLIN, -1);
        if (r < 0)
            break;
        int fd = accept(ls, NULL, NULL);
        if (fd >= 0) {
            set_socket_options(fd);
            start_conn(fd);
        } else if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
            wait_fd(-1, 0, 100);      /* out of resources: let connections end */
        }
    }

    close(ls);
    pthread_mutex_lock(&g_lock);
    while (g_threads > 0)
        pthread_cond_wait(&g_idle, &g_lock);
    pthread_mutex_unlock(&g_lock);
    if (g_log)
        fclose(g_log);
    close(g_stop[0]);
    close(g_stop[1]);
    return 0;
}
