/* manifest.c - manifest line format, tree index over it, draft materialisation. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "manifest.h"

#define PATH_MAXLEN 4095
#define NAME_MAXLEN 255

struct vds_tree {
	char *data;
	size_t len;
	int owned; /* 0 borrowed, 1 malloc'd, 2 mmap'ed */
	uint64_t n;
	size_t *off; /* start of each entry line */
	uint64_t total;
	strbuf path; /* decoded path of the last entry read */
};

int path_check(const char *path)
{
	size_t len = strlen(path);
	const char *c = path;

	if (len == 0)
		return vds_err(VDS_EINVAL, "empty path");
	if (len > PATH_MAXLEN)
		return vds_err(VDS_EINVAL, "path longer than %d bytes: %s", PATH_MAXLEN, q(path));
	if (path[0] == '/')
		return vds_err(VDS_EINVAL, "absolute path %s", q(path));
	for (;;) {
		const char *slash = strchr(c, '/');
		size_t n = slash ? (size_t)(slash - c) : strlen(c);

		if (n == 0)
			return vds_err(VDS_EINVAL, "empty component in path %s", q(path));
		if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return vds_err(VDS_EINVAL, "path %s contains '.' or '..'", q(path));
		if (n > NAME_MAXLEN)
			return vds_err(VDS_EINVAL, "path component longer than %d bytes in %s",
				       NAME_MAXLEN, q(path));
		if (!slash)
			return 0;
		c = slash + 1;
	}
}

int vds_path_normalize(const char *in, char **out)
{
	strbuf sb = STRBUF_INIT;
	const char *p = in;

	while (*p) {
		while (*p == '/')
			p++;
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n == 0)
			break;
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) {
			sb_release(&sb);
			return vds_err(VDS_EINVAL, "path %s may not contain '.' or '..'", q(in));
		}
		if (sb.len)
			sb_addc(&sb, '/');
		sb_add(&sb, p, n);
		p += n;
	}
	*out = sb_detach(&sb, NULL);
	if (**out && path_check(*out) < 0) {
		free(*out);
		*out = NULL;
		return VDS_EINVAL;
	}
	return 0;
}

void path_escape(strbuf *sb, const char *path)
{
	static const char hex[] = "0123456789abcdef";

	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == '\\') {
			char e[4] = {'\\', 'x', hex[*p >> 4], hex[*p & 15]};
			sb_add(sb, e, 4);
		} else {
			sb_addc(sb, (char)*p);
		}
	}
}

void manifest_add_entry(strbuf *sb, const vds_entry *e)
{
	char hex[65];

	vds_sha256_hex(e->sha256, hex);
	sb_addf(sb, "%c %s %llu %o %lld ", e->type, hex, (unsigned long long)e->size,
		(unsigned)e->mode, (long long)e->mtime);
	path_escape(sb, e->path);
	sb_addc(sb, '\n');
}

void manifest_add_delete(strbuf *sb, const char *path)
{
	sb_adds(sb, "D ");
	path_escape(sb, path);
	sb_addc(sb, '\n');
}

static int hexdig(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Next decoded byte of escaped text [*p, end), or -1 at the end. */
static int next_byte(const char **p, const char *end)
{
	if (*p >= end)
		return -1;
	if (**p == '\\' && end - *p >= 4 && (*p)[1] == 'x') {
		int v = hexdig((*p)[2]) << 4 | hexdig((*p)[3]);
		*p += 4;
		return v;
	}
	return (unsigned char)*(*p)++;
}

/* Decodes escaped path [s, s+n) into SB; -1 on a malformed escape. */
static int unescape(const char *s, size_t n, strbuf *sb)
{
	const char *end = s + n;

	sb_reset(sb);
	while (s < end) {
		if (*s == '\\') {
			if (end - s < 4 || s[1] != 'x' || hexdig(s[2]) < 0 || hexdig(s[3]) < 0)
				return -1;
			int v = hexdig(s[2]) << 4 | hexdig(s[3]);
			if (v == 0)
				return -1;
			sb_addc(sb, (char)v);
			s += 4;
		} else {
			if ((unsigned char)*s < 0x20)
				return -1;
			sb_addc(sb, *s++);
		}
	}
	return 0;
}

/* Compares escaped A with raw B of length BN, bytewise after decoding. */
static int cmp_esc_raw(const char *a, size_t an, const char *b, size_t bn)
{
	const char *ae = a + an;
	size_t i = 0;

	for (;;) {
		int x = next_byte(&a, ae);
		int y = i < bn ? (unsigned char)b[i++] : -1;

		if (x != y)
			return x < y ? -1 : 1;
		if (x < 0)
			return 0;
	}
}

/*
 * Parses one F/L line [p, end) (no newline) into E; the decoded path goes
 * into PATH. Returns 0, -2 if its mode is above 07777, or -1 if the line is
 * otherwise malformed or unsafe.
 */
static int parse_entry(const char *p, const char *end, vds_entry *e, strbuf *path,
		       const char **path_at)
{
	char *q_;

	if (end - p < 2 + 64 + 1 || (p[0] != 'F' && p[0] != 'L') || p[1] != ' ')
		return -1;
	e->type = p[0];
	if (vds_sha256_parse(p + 2, e->sha256) < 0 || p[66] != ' ')
		return -1;
	p += 67;
	if (*p < '0' || *p > '9')
		return -1;
	errno = 0;
	e->size = strtoull(p, &q_, 10);
	if (errno || *q_ != ' ')
		return -1;
	p = q_ + 1;
	if (*p < '0' || *p > '7')
		return -1;
	errno = 0;
	unsigned long mode = strtoul(p, &q_, 8);
	if (*q_ != ' ')
		return -1;
	if (errno || mode > 07777)
		return -2;
	e->mode = (uint32_t)mode;
	p = q_ + 1;
	if (*p != '-' && (*p < '0' || *p > '9')) /* strtoll() would skip white space, even '\n' */
		return -1;
	errno = 0;
	e->mtime = strtoll(p, &q_, 10);
	if (errno || q_ == p || *q_ != ' ')
		return -1;
	p = q_ + 1;
	if (p >= end)
		return -1;
	if (path_at)
		*path_at = p;
	if (unescape(p, (size_t)(end - p), path) < 0 || path_check(path->buf) < 0)
		return -1;
	e->path = path->buf;
	e->nfiles = 1;
	return 0;
}

/* What a parse_entry() failure STATUS means, for messages. */
static const char *entry_problem(int status)
{
	return status == -2 ? "mode above 7777" : "malformed or unsafe entry";
}

/* Where the path of line [p, end) starts (after five fields). */
static const char *line_path(const char *p, const char *end)
{
	if (*p == 'D')
		return p + 2;
	for (int spaces = 0; p < end; p++)
		if (*p == ' ' && ++spaces == 5)
			return p + 1;
	return end;
}

static int corrupt(const char *what, uint64_t line, const char *why)
{
	return vds_err(VDS_ECORRUPT, "corrupt file list of %s: line %llu: %s", what,
		       (unsigned long long)line, why);
}

/* Lengths of earlier paths that are string prefixes of the latest one. */
typedef struct lens {
	size_t *v, n, cap;
} lens;

/*
 * Checks that path Q (after PREV, in sorted order; N paths before it) is
 * not below an earlier file: no earlier path P has Q = P + "/" + ... .
 * FILES keeps the earlier paths that are prefixes of PREV and could still
 * be; sorting puts every P/... right after P and P's siblings "P-", "P.".
 */
static bool below_no_file(lens *files, const char *prev, const char *q, uint64_t n)
{
	size_t common = 0, k = 0;

	if (n)
		while (prev[common] && prev[common] == q[common])
			common++;
	else
		files->n = 0;
	for (size_t i = 0; i < files->n; i++) {
		size_t l = files->v[i];
		if (l > common || (unsigned char)q[l] > '/')
			continue; /* no longer a prefix, or every P/... is behind us */
		if (q[l] == '/')
			return false;
		files->v[k++] = l;
	}
	files->n = k;
	if (files->n == files->cap) {
		files->cap = files->cap ? files->cap * 2 : 16;
		files->v = xrealloc(files->v, files->cap * sizeof(*files->v));
	}
	files->v[files->n++] = strlen(q);
	return true;
}

int tree_from_text(char *data, size_t len, int owned, const char *what, vds_tree **out)
{
	vds_tree *t = xcalloc(1, sizeof(*t));
	size_t hl = strlen(MANIFEST_HEADER), cap = 0;
	strbuf scratch = STRBUF_INIT, prev = STRBUF_INIT;
	lens files = {0};
	int r = 0;

	t->data = data;
	t->len = len;
	t->owned = owned;
	if (len < hl || memcmp(data, MANIFEST_HEADER, hl) != 0) {
		r = corrupt(what, 1, "bad header");
		goto fail;
	}
	for (size_t pos = hl; pos < len;) {
		char *nl = memchr(data + pos, '\n', len - pos);
		vds_entry e;

		if (!nl) {
			r = corrupt(what, t->n + 2, "truncated");
			goto fail;
		}
		if ((r = parse_entry(data + pos, nl, &e, &scratch, NULL)) < 0) {
			r = corrupt(what, t->n + 2, entry_problem(r));
			goto fail;
		}
		if (t->n && strcmp(prev.buf, scratch.buf) >= 0) {
			r = corrupt(what, t->n + 2, "entries out of order");
			goto fail;
		}
		if (!below_no_file(&files, prev.buf, scratch.buf, t->n)) {
			r = corrupt(what, t->n + 2, "a path below a file");
			goto fail;
		}
		strbuf tmp = prev;
		prev = scratch;
		scratch = tmp;
		if (t->n == cap) {
			cap = cap ? cap * 2 : 1024;
			t->off = xrealloc(t->off, cap * sizeof(*t->off));
		}
		t->off[t->n++] = pos;
		t->total += e.size;
		pos = (size_t)(nl - data) + 1;
	}
	sb_release(&scratch);
	sb_release(&prev);
	free(files.v);
	*out = t;
	return 0;
fail:
	sb_release(&scratch);
	sb_release(&prev);
	free(files.v);
	t->owned = 0; /* the caller keeps DATA on failure */
	vds_tree_free(t);
	return r;
}

int tree_from_file(const char *path, const char *what, vds_tree **out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *data;
	int r;

	if (fd < 0)
		return vds_err_errno(errno, "open file list", path);
	if (fstat(fd, &st) < 0 || st.st_size == 0) {
		close(fd);
		return corrupt(what, 1, "empty");
	}
	data = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (data == MAP_FAILED)
		return vds_err_errno(errno, "map", path);
	r = tree_from_text(data, (size_t)st.st_size, 2, what, out);
	if (r < 0)
		munmap(data, (size_t)st.st_size);
	return r;
}

bool tree_hash_matches(const vds_tree *t, const unsigned char sha[32])
{
	unsigned char got[32];

	EVP_Digest(t->data, t->len, got, NULL, EVP_sha256(), NULL);
	return memcmp(got, sha, 32) == 0;
}

void vds_tree_free(vds_tree *t)
{
	if (!t)
		return;
	if (t->owned == 1)
		free(t->data);
	else if (t->owned == 2)
		munmap(t->data, t->len);
	free(t->off);
	sb_release(&t->path);
	free(t);
}

uint64_t vds_tree_count(const vds_tree *t)
{
	return t->n;
}

uint64_t vds_tree_size(const vds_tree *t)
{
	return t->total;
}

static const char *line_end(const vds_tree *t, uint64_t i)
{
	return i + 1 < t->n ? t->data + t->off[i + 1] - 1 : t->data + t->len - 1;
}

int vds_tree_at(vds_tree *t, uint64_t i, vds_entry *e)
{
	if (i >= t->n)
		return vds_err(VDS_ENOTFOUND, "entry %llu out of range", (unsigned long long)i);
	if (parse_entry(t->data + t->off[i], line_end(t, i), e, &t->path, NULL) < 0)
		return corrupt("version", i + 2, "malformed entry");
	return 0;
}

/* First entry whose path is not below KEY (length KN). */
static uint64_t lower_bound(const vds_tree *t, const char *key, size_t kn)
{
	uint64_t lo = 0, hi = t->n;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		const char *e = line_end(t, mid), *p = line_path(t->data + t->off[mid], e);

		if (cmp_esc_raw(p, (size_t)(e - p), key, kn) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int vds_tree_lookup(vds_tree *t, const char *path, vds_entry *e)
{
	size_t n = strlen(path);
	uint64_t i = lower_bound(t, path, n);

	if (i < t->n) {
		const char *end = line_end(t, i), *p = line_path(t->data + t->off[i], end);
		if (cmp_esc_raw(p, (size_t)(end - p), path, n) == 0)
			return vds_tree_at(t, i, e);
	}
	return vds_err(VDS_ENOTFOUND, "no such file %s", q(path));
}

int tree_find(vds_tree *t, const char *path, uint64_t *index)
{
	size_t n = strlen(path);
	uint64_t i = lower_bound(t, path, n);

	if (i < t->n) {
		const char *end = line_end(t, i), *p = line_path(t->data + t->off[i], end);
		if (cmp_esc_raw(p, (size_t)(end - p), path, n) == 0) {
			*index = i;
			return 0;
		}
	}
	return VDS_ENOTFOUND;
}

void vds_tree_range(vds_tree *t, const char *path, uint64_t *first, uint64_t *end)
{
	size_t n = strlen(path);

	if (n == 0) {
		*first = 0;
		*end = t->n;
		return;
	}
	char *key = xmalloc(n + 2);
	memcpy(key, path, n);
	key[n] = '/';
	key[n + 1] = '\0';
	*first = lower_bound(t, key, n + 1);
	key[n] = '/' + 1;
	*end = lower_bound(t, key, n + 1);
	free(key);
}

static int cmp_listing(const void *a, const void *b)
{
	return strcmp(((const vds_entry *)a)->path, ((const vds_entry *)b)->path);
}

int vds_tree_list(vds_tree *t, const char *path, vds_listing *out)
{
	uint64_t first, end;
	size_t plen = strlen(path), cap = 0;
	vds_entry e;

	out->v = NULL;
	out->n = 0;
	vds_tree_range(t, path, &first, &end);
	if (first == end && plen) {
		if (vds_tree_lookup(t, path, &e) == 0)
			return vds_err(VDS_EINVAL, "%s is a file, not a folder", q(path));
		return vds_err(VDS_ENOTFOUND, "no such folder %s", q(path));
	}
	for (uint64_t i = first; i < end; i++) {
		int r = vds_tree_at(t, i, &e);

		if (r < 0) {
			vds_listing_release(out);
			return r;
		}
		const char *rest = e.path + (plen ? plen + 1 : 0);
		const char *slash = strchr(rest, '/');
		size_t nlen = slash ? (size_t)(slash - rest) : strlen(rest);
		vds_entry *last = out->n ? &out->v[out->n - 1] : NULL;

		if (slash && last && last->type == VDS_DIR && strlen(last->path) == nlen &&
		    !memcmp(last->path, rest, nlen)) {
			last->size += e.size;
			last->nfiles++;
			if (e.mtime > last->mtime)
				last->mtime = e.mtime;
			continue;
		}
		if (out->n == cap) {
			cap = cap ? cap * 2 : 64;
			out->v = xrealloc(out->v, cap * sizeof(*out->v));
		}
		vds_entry *c = &out->v[out->n++];
		*c = e;
		char *name = xmalloc(nlen + 1);
		memcpy(name, rest, nlen);
		name[nlen] = '\0';
		c->path = name;
		if (slash) {
			c->type = VDS_DIR;
			c->mode = 040755;
			memset(c->sha256, 0, sizeof(c->sha256));
		}
	}
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), cmp_listing);
	return 0;
}

void vds_listing_release(vds_listing *l)
{
	for (size_t i = 0; i < l->n; i++)
		free((char *)l->v[i].path);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* ---- materialisation of drafts ------------------------------------------ */

enum { DEL_BOTH, DEL_BELOW, DEL_EXACT }; /* what a delete removes: the path and below, ... */

typedef struct op {
	char *path; /* decoded */
	const char *line;
	size_t linelen;
	uint64_t seq; /* order of application, from 1 */
	int kind;     /* deletes only */
} op;

typedef struct oplist {
	op *v;
	size_t n, cap;
} oplist;

static void op_push(oplist *l, char *path, const char *line, size_t linelen, uint64_t seq,
		    int kind)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 1024;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = (op){path, line, linelen, seq, kind};
}

static int cmp_op(const void *a, const void *b)
{
	const op *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	if (c)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Reads the lines of one file list into ADDS and DELS. */
static int scan_list(const char *data, size_t len, const char *header, bool allow_delete,
		     uint64_t *seq, oplist *adds, oplist *dels, const char *what)
{
	size_t hl = strlen(header);
	strbuf path = STRBUF_INIT;
	uint64_t lineno = 1;

	if (len < hl || memcmp(data, header, hl) != 0)
		return corrupt(what, 1, "bad header");
	for (size_t pos = hl; pos < len; lineno++) {
		const char *p = data + pos, *nl = memchr(p, '\n', len - pos);
		vds_entry e;

		if (!nl) {
			sb_release(&path);
			return corrupt(what, lineno + 1, "truncated");
		}
		if (*p == 'D' && allow_delete) {
			if (nl - p < 3 || p[1] != ' ' || unescape(p + 2, (size_t)(nl - p - 2), &path) < 0 ||
			    path_check(path.buf) < 0) {
				sb_release(&path);
				return corrupt(what, lineno + 1, "malformed delete");
			}
			op_push(dels, xstrdup(path.buf), p, (size_t)(nl - p), ++*seq, DEL_BOTH);
		} else {
			int bad = parse_entry(p, nl, &e, &path, NULL);
			if (bad < 0) {
				sb_release(&path);
				return corrupt(what, lineno + 1, entry_problem(bad));
			}
			op_push(adds, xstrdup(path.buf), p, (size_t)(nl - p), ++*seq, 0);
		}
		pos = (size_t)(nl - data) + 1;
	}
	sb_release(&path);
	return 0;
}

/* Newest sequence number of a delete of kind KIND (or DEL_BOTH) at PATH[0..n), or 0. */
static uint64_t delete_seq(const oplist *dels, const char *path, size_t n, int kind)
{
	size_t lo = 0, hi = dels->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strncmp(dels->v[mid].path, path, n);

		if (c == 0 && dels->v[mid].path[n] != '\0')
			c = 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	uint64_t best = 0;
	for (; lo < dels->n && !strncmp(dels->v[lo].path, path, n) && dels->v[lo].path[n] == '\0';
	     lo++)
		if ((dels->v[lo].kind == kind || dels->v[lo].kind == DEL_BOTH) && dels->v[lo].seq > best)
			best = dels->v[lo].seq;
	return best;
}

static bool is_below(const char *path, const char *dir, size_t dn)
{
	return !strncmp(path, dir, dn) && path[dn] == '/';
}

/* Index of the first op in sorted L whose path is "PATH/..." or after. */
static size_t first_below(const oplist *l, const char *path)
{
	size_t n = strlen(path), lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strncmp(l->v[mid].path, path, n);

		if (c == 0)
			c = (unsigned char)l->v[mid].path[n] < '/' ? -1 : (l->v[mid].path[n] == '/' ? 0 : 1);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * A path that is both a file and a folder: adding the file removes what was
 * below it before, and adding below it removes the file added before. These
 * implied deletes are only made where such a clash exists.
 */
static void implied_deletes(const oplist *adds, oplist *dels)
{
	for (size_t i = 0, end; i < adds->n; i = end) {
		const char *path = adds->v[i].path;
		size_t n = strlen(path), j;

		for (end = i + 1; end < adds->n && !strcmp(adds->v[end].path, path); end++)
			;
		j = first_below(adds, path);
		if (j >= adds->n || !is_below(adds->v[j].path, path, n))
			continue;
		for (size_t k = i; k < end; k++)
			op_push(dels, xstrdup(path), NULL, 0, adds->v[k].seq, DEL_BELOW);
		for (size_t k = j; k < adds->n && is_below(adds->v[k].path, path, n); k++)
			op_push(dels, xstrdup(path), NULL, 0, adds->v[k].seq, DEL_EXACT);
	}
}

/* True if a delete newer than add A removes it. */
static bool removed(const oplist *dels, const op *a)
{
	for (const char *s = a->path;; s++) {
		if (*s == '/' && delete_seq(dels, a->path, (size_t)(s - a->path), DEL_BELOW) > a->seq)
			return true;
		if (!*s)
			return delete_seq(dels, a->path, (size_t)(s - a->path), DEL_EXACT) > a->seq;
	}
}

int manifest_materialize(const char *base, size_t base_len, char *const *changes,
			 const size_t *change_lens, size_t nchanges, const char *what,
			 char **out, size_t *out_len)
{
	oplist adds = {0}, dels = {0};
	uint64_t seq = 0;
	strbuf sb = STRBUF_INIT;
	int r = 0;

	if (base && (r = scan_list(base, base_len, MANIFEST_HEADER, false, &seq, &adds, &dels, what)) < 0)
		goto done;
	for (size_t i = 0; i < nchanges; i++)
		if ((r = scan_list(changes[i], change_lens[i], CHANGES_HEADER, true, &seq, &adds, &dels,
				   what)) < 0)
			goto done;
	if (adds.n)
		qsort(adds.v, adds.n, sizeof(op), cmp_op);
	implied_deletes(&adds, &dels);
	if (dels.n)
		qsort(dels.v, dels.n, sizeof(op), cmp_op);
	sb_adds(&sb, MANIFEST_HEADER);
	/* the newest add of each path, unless a newer delete removes it */
	for (size_t i = 0; i < adds.n; i++) {
		op *a = &adds.v[i];

		if (i + 1 < adds.n && !strcmp(a->path, adds.v[i + 1].path))
			continue;
		if (dels.n && removed(&dels, a))
			continue;
		sb_add(&sb, a->line, a->linelen);
		sb_addc(&sb, '\n');
	}
	*out = sb_detach(&sb, out_len);
done:
	for (size_t i = 0; i < adds.n; i++)
		free(adds.v[i].path);
	for (size_t i = 0; i < dels.n; i++)
		free(dels.v[i].path);
	free(adds.v);
	free(dels.v);
	sb_release(&sb);
	return r;
}
