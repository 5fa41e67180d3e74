/* util.c - allocation, growable strings, ids, time and file helpers. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static void oom(void)
{
	fputs("vds: out of memory\n", stderr);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom();
	return p;
}

char *xstrdup(const char *s)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		oom();
	return d;
}

char *xstrndup(const char *s, size_t n)
{
	char *d = strndup(s, n);

	if (!d)
		oom();
	return d;
}

char *xasprintf(const char *fmt, ...)
{
	strbuf sb = STRBUF_INIT;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	sb_grow(&sb, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(sb.buf, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return sb.buf;
}

void sb_grow(strbuf *sb, size_t n)
{
	if (sb->len + n + 1 <= sb->cap)
		return;
	size_t cap = sb->cap ? sb->cap : 64;
	while (cap < sb->len + n + 1)
		cap *= 2;
	sb->buf = xrealloc(sb->buf, cap);
	sb->cap = cap;
	sb->buf[sb->len] = '\0';
}

void sb_add(strbuf *sb, const void *data, size_t len)
{
	sb_grow(sb, len);
	memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void sb_adds(strbuf *sb, const char *s)
{
	sb_add(sb, s, strlen(s));
}

void sb_addc(strbuf *sb, char c)
{
	sb_add(sb, &c, 1);
}

void sb_addf(strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	sb_grow(sb, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

void sb_reset(strbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

void sb_release(strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}

char *sb_detach(strbuf *sb, size_t *len)
{
	char *b;

	sb_grow(sb, 0);
	b = sb->buf;
	if (len)
		*len = sb->len;
	sb->buf = NULL;
	sb->len = sb->cap = 0;
	return b;
}

void vds_random_base36(char *out, size_t n)
{
	static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	unsigned char r[64];
	size_t i = 0;

	while (i < n) {
		ssize_t got = getrandom(r, sizeof(r), 0);

		if (got <= 0) {
			if (got < 0 && errno == EINTR)
				continue;
			fputs("vds: no randomness available\n", stderr);
			abort();
		}
		for (ssize_t k = 0; k < got && i < n; k++)
			if (r[k] < 252) /* 252 = 7 * 36: no modulo bias */
				out[i++] = digits[r[k] % 36];
	}
	out[n] = '\0';
}

int64_t vds_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void vds_stamp(char out[26])
{
	static _Thread_local int64_t last;
	int64_t now = vds_now_us();

	if (now <= last) /* strictly increasing within a thread */
		now = last + 1;
	last = now;
	snprintf(out, 18, "%016llx-", (unsigned long long)now);
	vds_random_base36(out + 17, 8);
}

int64_t vds_stamp_time(const char *name)
{
	uint64_t t = 0;

	for (int i = 0; i < 16; i++) {
		char c = name[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return -1;
		t = t * 16 + (uint64_t)(c <= '9' ? c - '0' : c - 'a' + 10);
	}
	return name[16] == '-' && t < (uint64_t)INT64_MAX ? (int64_t)t : -1;
}

void vds_stamp_after(const char *name, char out[26])
{
	int64_t after = vds_stamp_time(name);

	vds_stamp(out);
	if (after >= 0 && vds_stamp_time(out) <= after) { /* its clock is ahead of ours */
		snprintf(out, 18, "%016llx-", (unsigned long long)(after + 1));
		vds_random_base36(out + 17, 8);
	}
}

void vds_iso_time(int64_t us, char buf[40])
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;
	char tmp[128];

	gmtime_r(&t, &tm);
	snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (int)((us % 1000000 + 1000000) % 1000000));
	memcpy(buf, tmp, 39);
	buf[39] = '\0';
}

void vds_format_time(int64_t us, char buf[32])
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, 32, "%Y-%m-%d %H:%M:%S", &tm);
}

int64_t vds_parse_time(const char *s)
{
	static const char form[] = "dddd-dd-ddTdd:dd:dd.ddddddZ";
	struct tm tm = {0}, back;
	int v[7], k = 0;

	if (!s || strlen(s) != sizeof(form) - 1)
		return -1;
	for (size_t i = 0; form[i]; i++)
		if (form[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != form[i])
			return -1;
	for (const char *p = s; k < 7; k++) { /* the seven digit runs */
		v[k] = 0;
		while (*p >= '0' && *p <= '9')
			v[k] = v[k] * 10 + (*p++ - '0');
		p++;
	}
	tm.tm_year = v[0] - 1900;
	tm.tm_mon = v[1] - 1;
	tm.tm_mday = v[2];
	tm.tm_hour = v[3];
	tm.tm_min = v[4];
	tm.tm_sec = v[5];
	time_t t = timegm(&tm);
	/* out-of-range fields roll over: refuse anything that does not come back */
	if (!gmtime_r(&t, &back) || back.tm_year != v[0] - 1900 || back.tm_mon != v[1] - 1 ||
	    back.tm_mday != v[2] || back.tm_hour != v[3] || back.tm_min != v[4] || back.tm_sec != v[5])
		return -1;
	return (int64_t)t * 1000000 + v[6];
}

void vds_sha256_hex(const unsigned char sha[32], char hex[65])
{
	static const char digits[] = "0123456789abcdef";

	for (int i = 0; i < 32; i++) {
		hex[2 * i] = digits[sha[i] >> 4];
		hex[2 * i + 1] = digits[sha[i] & 15];
	}
	hex[64] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int vds_sha256_parse(const char *hex, unsigned char sha[32])
{
	for (int i = 0; i < 32; i++) {
		int hi = hexval(hex[2 * i]), lo = hi < 0 ? -1 : hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		sha[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

int vds_read_file(const char *path, char **out, size_t *len)
{
	strbuf sb = STRBUF_INIT;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	struct stat st;

	if (fd < 0)
		return vds_err_errno(errno, "open", path);
	if (fstat(fd, &st) == 0 && st.st_size > 0)
		sb_grow(&sb, (size_t)st.st_size + 1);
	for (;;) {
		sb_grow(&sb, sb.cap - sb.len > 4096 ? 0 : 65536);
		ssize_t n = read(fd, sb.buf + sb.len, sb.cap - sb.len - 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			close(fd);
			sb_release(&sb);
			return vds_err_errno(e, "read", path);
		}
		if (n == 0)
			break;
		sb.len += (size_t)n;
	}
	close(fd);
	sb.buf[sb.len] = '\0';
	*out = sb_detach(&sb, len);
	return 0;
}

void vds_no_core_dumps(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_CORE, &rl) == 0) {
		rl.rlim_cur = 0; /* the hard limit stays: a command run by vds run may raise it */
		setrlimit(RLIMIT_CORE, &rl);
	}
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

mode_t vds_umask(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	unsigned um;
	mode_t m;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Umask: %o", &um) == 1) {
			fclose(f);
			return (mode_t)(um & 0777);
		}
	if (f)
		fclose(f);
	m = umask(022);
	umask(m);
	return m;
}

int vds_mkdirs(const char *path)
{
	char *p = xstrdup(path);

	for (char *s = p + 1;; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;

			*s = '\0';
			if (mkdir(p, 0755) < 0 && errno != EEXIST) {
				int r = vds_err_errno(errno, "create directory", p);

				free(p);
				return r;
			}
			*s = c;
			if (!c)
				break;
		}
	}
	free(p);
	return 0;
}

int vds_ncpu(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : (int)n;
}

void wake_open(wake_pipe *w)
{
	int fds[2];

	w->rd = w->wr = -1;
	if (pipe(fds) < 0)
		return;
	for (int i = 0; i < 2; i++) {
		fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
		fcntl(fds[i], F_SETFD, FD_CLOEXEC);
	}
	w->rd = fds[0];
	w->wr = fds[1];
}

void wake_poke(const wake_pipe *w)
{
	char c = 1;
	ssize_t r = write(w->wr, &c, 1);

	(void)r;
}

void wake_drain(const wake_pipe *w)
{
	char buf[256];

	while (read(w->rd, buf, sizeof(buf)) > 0)
		;
}

void wake_close(wake_pipe *w)
{
	if (w->rd >= 0) {
		close(w->rd);
		close(w->wr);
	}
	w->rd = w->wr = -1;
}

int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}
