/*
 * backend_s3_put.c - putting content into an S3 bucket. A file is hashed
 * first; content the bucket has is only refreshed (for gc's grace), never
 * sent again. Small files go up in one PUT that the server checks against
 * the SHA-256 and the Content-MD5; large ones in parallel parts, streamed
 * from the file, each checked by its Content-MD5 and its ETag, and the
 * completed object by its size and multipart ETag. An upload interrupted by
 * a cancel or a crash is found again by its key and only its missing parts
 * are sent; one that failed is aborted.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backend_s3.h"
#include "cache.h"

/* The query naming part N of upload ID, or the upload itself (N = 0). */
static char *upload_query(const char *id, uint64_t n)
{
	strbuf sb = STRBUF_INIT;

	if (n)
		sb_addf(&sb, "partNumber=%llu&", (unsigned long long)n);
	sb_adds(&sb, "uploadId=");
	s3_uri_encode(&sb, id, false);
	return sb_detach(&sb, NULL);
}

/* Finds an unfinished upload of KEY; *ID is NULL if there is none. */
static int find_upload(s3_backend *sb, const char *key, char **id)
{
	strbuf q = STRBUF_INIT, full = STRBUF_INIT, body = STRBUF_INIT;
	s3_listing l = {0};
	int64_t newest = -1;
	int r;

	*id = NULL;
	sb_adds(&full, s3_prefix(sb->c));
	sb_adds(&full, key);
	sb_adds(&q, "prefix=");
	s3_uri_encode(&q, full.buf, false);
	sb_adds(&q, "&uploads=");
	s3_req rq = {.method = "GET", .query = q.buf, .out = &body};
	if ((r = s3_do(sb->c, &rq)) == 0 &&
	    (r = s3_xml_parse(body.buf ? body.buf : "", body.len, strlen(s3_prefix(sb->c)), &l)) == 0)
		for (size_t i = 0; i < l.nobj; i++)
			if (!strcmp(l.obj[i].key, key) && l.obj[i].upload_id && l.obj[i].mtime > newest) {
				newest = l.obj[i].mtime;
				free(*id);
				*id = xstrdup(l.obj[i].upload_id);
			}
	s3_listing_release(&l);
	sb_release(&q);
	sb_release(&full);
	sb_release(&body);
	return r;
}

/* Lists the parts upload ID of KEY has received. */
static int list_parts(s3_backend *sb, const char *key, const char *id, s3_listing *out)
{
	strbuf body = STRBUF_INIT, q = STRBUF_INIT;
	char *marker = NULL;
	int r;

	for (;;) {
		sb_reset(&q);
		if (marker)
			sb_addf(&q, "part-number-marker=%s&", marker);
		char *uq = upload_query(id, 0);
		sb_adds(&q, uq);
		free(uq);
		s3_req rq = {.method = "GET", .key = key, .query = q.buf, .out = &body};
		s3_listing page = {0};
		if ((r = s3_do(sb->c, &rq)) < 0 ||
		    (r = s3_xml_parse(body.buf ? body.buf : "", body.len, 0, &page)) < 0) {
			s3_listing_release(&page);
			break;
		}
		s3_listing_append(out, &page);
		free(marker);
		marker = page.truncated && page.next_token ? xstrdup(page.next_token) : NULL;
		s3_listing_release(&page);
		if (!marker)
			break;
	}
	free(marker);
	sb_release(&body);
	sb_release(&q);
	return r;
}

/* True if the part the server holds is exactly bytes OFF..OFF+LEN of FD. */
static bool part_matches(int fd, uint64_t off, uint64_t len, const s3_object *part)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	char *buf = xmalloc(1 << 20), hex[33];
	unsigned char d[16];
	uint64_t done = 0;

	if (part->size != len) {
		EVP_MD_CTX_free(md);
		free(buf);
		return false;
	}
	EVP_DigestInit_ex(md, EVP_md5(), NULL);
	while (done < len) {
		size_t want = len - done < (1 << 20) ? (size_t)(len - done) : (1 << 20);
		ssize_t n = pread(fd, buf, want, (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		EVP_DigestUpdate(md, buf, (size_t)n);
		done += (uint64_t)n;
	}
	EVP_DigestFinal_ex(md, d, NULL);
	EVP_MD_CTX_free(md);
	free(buf);
	for (int i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	return done == len && !strcmp(hex, part->etag);
}

/* The ETag S3 gives an object completed from parts with hex MD5s ETAGS[0..N):
 * the MD5 of their binary MD5s, "-", N. False if a part's ETag is no MD5. */
static bool multipart_etag(char (*etags)[80], uint64_t n, char *out, size_t outsz)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char d[16];
	bool ok = true;

	EVP_DigestInit_ex(md, EVP_md5(), NULL);
	for (uint64_t i = 0; i < n && ok; i++) {
		unsigned char part[16];
		ok = strlen(etags[i]) == 32;
		for (int k = 0; k < 16 && ok; k++) {
			unsigned v = 0;
			ok = isxdigit((unsigned char)etags[i][2 * k]) &&
			     isxdigit((unsigned char)etags[i][2 * k + 1]) &&
			     sscanf(etags[i] + 2 * k, "%2x", &v) == 1;
			part[k] = (unsigned char)v;
		}
		if (ok)
			EVP_DigestUpdate(md, part, 16);
	}
	EVP_DigestFinal_ex(md, d, NULL);
	EVP_MD_CTX_free(md);
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, outsz - 2 * (size_t)i, "%02x", d[i]);
	snprintf(out + 32, outsz - 32, "-%llu", (unsigned long long)n);
	return ok;
}

/*
 * Confirms that the object KEY completed from parts is what was sent: SIZE
 * bytes and the multipart ETag of the parts' MD5s (a HEAD: radosgw answers
 * the completion with an empty ETag). An object that is not is removed, and
 * *REDO set: the upload is to be made again.
 */
static int confirm_complete(s3_backend *sb, const char *key, uint64_t size, char (*etags)[80],
			    uint64_t n, bool *redo)
{
	char want[48];
	s3_req rq = {.method = "HEAD", .key = key};
	int r;

	if (!multipart_etag(etags, n, want, sizeof(want)))
		return vds_err(VDS_EIO, "bucket %s sent a part ETag of %s that is no MD5",
			       q(s3_bucket(sb->c)), q(key));
	if ((r = s3_do(sb->c, &rq)) < 0)
		return r;
	if (rq.length == size && !strcmp(rq.etag, want))
		return 0;
	vds_debug("s3: %s holds %llu bytes with ETag %s, not %llu bytes with ETag %s: removed", key,
		  (unsigned long long)rq.length, rq.etag, (unsigned long long)size, want);
	s3_req del = {.method = "DELETE", .key = key};
	if ((r = s3_do(sb->c, &del)) < 0)
		return r;
	*redo = true;
	return vds_err(VDS_EIO, "bucket %s completed %s as %llu bytes with ETag %s, not the %llu "
				   "bytes with ETag %s that were sent",
		       q(s3_bucket(sb->c)), q(key), (unsigned long long)rq.length,
		       *rq.etag ? rq.etag : "(none)", (unsigned long long)size, want);
}

static int complete(s3_backend *sb, const char *key, const char *id, char (*etags)[80], uint64_t n)
{
	strbuf xml = STRBUF_INIT, body = STRBUF_INIT;
	char *uq = upload_query(id, 0), code[64], msg[256];
	int r;

	sb_adds(&xml, "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">");
	for (uint64_t i = 0; i < n; i++)
		sb_addf(&xml, "<Part><PartNumber>%llu</PartNumber><ETag>\"%s\"</ETag></Part>",
			(unsigned long long)(i + 1), etags[i]);
	sb_adds(&xml, "</CompleteMultipartUpload>");
	const char *const hdr[] = {"Content-Type: application/xml", NULL};
	s3_req rq = {.method = "POST", .key = key, .query = uq, .body = xml.buf, .body_len = xml.len,
		     .headers = hdr, .out = &body};
	if ((r = s3_do(sb->c, &rq)) == 0) { /* S3 may answer 200 and fail in the body */
		s3_xml_error(body.buf ? body.buf : "", body.len, code, sizeof(code), msg, sizeof(msg));
		if (*code)
			r = vds_err(VDS_EIO, "cannot complete the upload of %s to bucket %s: %s %s",
				    q(key), q(s3_bucket(sb->c)), code, msg);
	}
	free(uq);
	sb_release(&xml);
	sb_release(&body);
	return r;
}

/*
 * Aborts upload ID of KEY, keeping the error message that led here. A part
 * the server was still writing can bring an aborted upload back (S3 says to
 * abort again): so the upload is looked for afterwards, and aborted again
 * while its parts are still listed, three times at most.
 */
static void abort_upload(s3_backend *sb, const char *key, const char *id)
{
	char *uq = upload_query(id, 0);
	char saved[1024];

	snprintf(saved, sizeof(saved), "%s", vds_errmsg());
	for (int i = 0; i < 3; i++) {
		s3_req del = {.method = "DELETE", .key = key, .query = uq};
		strbuf body = STRBUF_INIT;
		s3_req parts = {.method = "GET", .key = key, .query = uq, .out = &body};

		if (i)
			usleep(200000 * i);
		s3_do(sb->c, &del);
		int r = s3_do(sb->c, &parts); /* 404 NoSuchUpload: gone */
		sb_release(&body);
		if (r < 0)
			break;
	}
	vds_err(0, "%s", saved);
	free(uq);
}

/*
 * Uploads SIZE bytes of FD as KEY in parts. With RESUME, an unfinished
 * upload of KEY is taken over (an interrupted run's, or another process's
 * putting the same content right now: its parts are the same bytes).
 */
static int upload_parts(s3_backend *sb, const char *key, int fd, uint64_t size, bool resume,
			bool *redo, _Atomic uint64_t *counter, atomic_int *cancel)
{
	uint64_t ps = PART_SIZE, n;
	s3_listing have = {0};
	char *id = NULL;
	int r;

	while ((size + ps - 1) / ps > MAX_PARTS)
		ps *= 2;
	n = (size + ps - 1) / ps;
	if (resume && (r = find_upload(sb, key, &id)) < 0)
		return r;
	bool adopted = id != NULL;
	if (id && list_parts(sb, key, id, &have) < 0) {
		free(id); /* not resumable after all: start afresh */
		id = NULL;
		s3_listing_release(&have);
	}
	if (!id) {
		strbuf body = STRBUF_INIT;
		s3_listing l = {0};
		s3_req rq = {.method = "POST", .key = key, .query = "uploads=", .out = &body};
		if ((r = s3_do(sb->c, &rq)) == 0 &&
		    (r = s3_xml_parse(body.buf ? body.buf : "", body.len, 0, &l)) == 0 && !l.upload_id)
			r = vds_err(VDS_EIO, "bucket %s started no upload for %s", q(s3_bucket(sb->c)),
				    q(key));
		id = l.upload_id;
		l.upload_id = NULL;
		s3_listing_release(&l);
		sb_release(&body);
		if (r < 0) {
			free(id);
			return r;
		}
	}
	char(*etags)[80] = xcalloc(n, sizeof(*etags));
	s3_req *reqs = xcalloc(n, sizeof(*reqs));
	char **queries = xcalloc(n, sizeof(*queries));
	size_t *which = xcalloc(n, sizeof(*which)), nreq = 0;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t off = i * ps, len = size - off < ps ? size - off : ps;
		const s3_object *got = NULL;
		char num[24];

		snprintf(num, sizeof(num), "%llu", (unsigned long long)(i + 1));
		for (size_t k = 0; k < have.nobj && !got; k++)
			if (!strcmp(have.obj[k].key, num))
				got = &have.obj[k];
		if (got && part_matches(fd, off, len, got)) { /* arrived before: keep it */
			snprintf(etags[i], sizeof(etags[i]), "%s", got->etag);
			if (counter)
				atomic_fetch_add(counter, len);
			continue;
		}
		queries[nreq] = upload_query(id, i + 1);
		which[nreq] = i;
		reqs[nreq] = (s3_req){.method = "PUT", .key = key, .query = queries[nreq], .body_fd = fd,
				      .body_off = off, .body_size = len, .check_md5 = true,
				      .counter = counter, .cancel = cancel};
		nreq++;
	}
	atomic_fetch_add(&sb->big, 1);
	r = s3_do_all(sb->c, reqs, nreq, s3b_part_concurrency(sb));
	atomic_fetch_sub(&sb->big, 1);
	for (size_t k = 0; k < nreq && r == 0; k++) {
		if (!reqs[k].etag[0])
			r = vds_err(VDS_EIO, "bucket %s sent no ETag for a part of %s",
				    q(s3_bucket(sb->c)), q(key));
		snprintf(etags[which[k]], sizeof(etags[0]), "%s", reqs[k].etag);
	}
	if (r == 0)
		r = complete(sb, key, id, etags, n);
	if (r == 0)
		r = confirm_complete(sb, key, size, etags, n, redo);
	/* a cancel keeps the parts for the rerun; another's upload is theirs to end;
	 * a completed one is gone */
	if (r < 0 && r != VDS_ECANCELED && !*redo && !adopted)
		abort_upload(sb, key, id);
	for (size_t k = 0; k < nreq; k++)
		free(queries[k]);
	free(queries);
	free(which);
	free(reqs);
	free(etags);
	free(id);
	s3_listing_release(&have);
	return r;
}

/* Uploads KEY in parts; copes with another process completing it first. */
static int multipart(s3_backend *sb, const char *key, int fd, uint64_t size,
		     _Atomic uint64_t *counter, atomic_int *cancel)
{
	bool redo = false;
	int r = upload_parts(sb, key, fd, size, true, &redo, counter, cancel);

	/* the upload taken over was completed (or ended) by its owner meanwhile */
	if (r == VDS_ENOTFOUND && sb->base.ops->stat(&sb->base, key, NULL) == 0)
		return 0;
	/* start one of our own; a completed object that was not what was sent
	 * (removed) is sent again, a few times */
	for (int again = 0; r == VDS_ENOTFOUND || (redo && again < 3); again++) {
		redo = false;
		r = upload_parts(sb, key, fd, size, false, &redo, counter, cancel);
	}
	return r;
}

/* One content this process puts: who uploads it, and how that ended. */
struct claim {
	unsigned char sha[32];
	int state; /* CLAIM_RUNNING, CLAIM_STORED, CLAIM_FAILED; 0: free slot */
};
enum { CLAIM_RUNNING = 1, CLAIM_STORED, CLAIM_FAILED };

static struct claim *claim_slot(s3_backend *sb, const unsigned char sha[32])
{
	size_t mask = sb->capclaims - 1, i;
	uint64_t h;

	memcpy(&h, sha, sizeof(h));
	for (i = (size_t)h & mask; sb->claims[i].state && memcmp(sb->claims[i].sha, sha, 32);
	     i = (i + 1) & mask)
		;
	return &sb->claims[i];
}

/*
 * Claims content SHA for this thread to upload: true if it is ours to
 * send; false if another thread of this process stored it meanwhile.
 */
static bool claim(s3_backend *sb, const unsigned char sha[32])
{
	bool mine = true;

	pthread_mutex_lock(&sb->lock);
	if (2 * (sb->nclaims + 1) > sb->capclaims) { /* grow, keeping the load under half */
		struct claim *old = sb->claims;
		size_t oldcap = sb->capclaims;
		sb->capclaims = oldcap ? oldcap * 2 : 1024;
		sb->claims = xcalloc(sb->capclaims, sizeof(*sb->claims));
		for (size_t i = 0; i < oldcap; i++)
			if (old[i].state)
				*claim_slot(sb, old[i].sha) = old[i];
		free(old);
	}
	struct claim *c = claim_slot(sb, sha);
	while (c->state == CLAIM_RUNNING) {
		pthread_cond_wait(&sb->claimed, &sb->lock);
		c = claim_slot(sb, sha);
	}
	if (c->state == CLAIM_STORED) {
		mine = false;
	} else {
		if (!c->state)
			sb->nclaims++;
		memcpy(c->sha, sha, 32);
		c->state = CLAIM_RUNNING;
	}
	pthread_mutex_unlock(&sb->lock);
	return mine;
}

bool s3b_stored_here(s3_backend *sb, const unsigned char sha[32])
{
	bool stored = false;

	pthread_mutex_lock(&sb->lock);
	if (sb->capclaims)
		stored = claim_slot(sb, sha)->state == CLAIM_STORED;
	pthread_mutex_unlock(&sb->lock);
	return stored;
}

/* Ends this thread's claim on SHA; OK tells whether the content is stored. */
static void unclaim(s3_backend *sb, const unsigned char sha[32], bool ok)
{
	pthread_mutex_lock(&sb->lock);
	claim_slot(sb, sha)->state = ok ? CLAIM_STORED : CLAIM_FAILED;
	pthread_cond_broadcast(&sb->claimed);
	pthread_mutex_unlock(&sb->lock);
}

static int put_claimed(s3_backend *sb, const char *key, int fd, uint64_t size,
		       const unsigned char sha[32], bool *stored, _Atomic uint64_t *counter,
		       atomic_int *cancel);

/* Puts the SIZE bytes of FD, whose hash is SHA, unless this put or the bucket has them. */
static int put_hashed(s3_backend *sb, int fd, uint64_t size, const unsigned char sha[32],
		      bool *stored, _Atomic uint64_t *counter, atomic_int *cancel)
{
	char key[80];
	int r;

	vds_content_key(sha, key);
	if (!claim(sb, sha)) { /* another file of this put had it: sent once */
		if (counter)
			atomic_fetch_add(counter, size);
		return 0;
	}
	r = put_claimed(sb, key, fd, size, sha, stored, counter, cancel);
	unclaim(sb, sha, r == 0);
	return r;
}

int s3b_put_content(vds_backend *b, int fd, unsigned char sha[32], bool *stored,
		    _Atomic uint64_t *counter, atomic_int *cancel)
{
	struct stat st;
	int r;

	*stored = false;
	if (fstat(fd, &st) < 0)
		return vds_err(VDS_EIO, "%s", strerror(errno));
	if ((r = s3b_hash_fd(fd, (uint64_t)st.st_size, sha, cancel)) < 0)
		return r;
	return put_hashed((s3_backend *)b, fd, (uint64_t)st.st_size, sha, stored, counter, cancel);
}

int s3b_spool(vds_backend *b, int *fd, char **path)
{
	return cache_tmp(((s3_backend *)b)->cache_dir, fd, path);
}

int s3b_put_spooled(vds_backend *b, char *path, int fd, const unsigned char sha[32],
		    bool *stored, _Atomic uint64_t *counter, atomic_int *cancel)
{
	s3_backend *sb = (s3_backend *)b;
	struct stat st;
	char key[80], *cached = NULL;
	int r;

	*stored = false;
	if (fstat(fd, &st) < 0)
		r = vds_err(VDS_EIO, "%s", strerror(errno));
	else
		r = put_hashed(sb, fd, (uint64_t)st.st_size, sha, stored, counter, cancel);
	/* the spooled copy is checked content: it stays as the cached copy unless huge */
	vds_content_key(sha, key);
	if (r == 0 && (uint64_t)st.st_size <= sb->cache_max / 16 &&
	    cache_commit(sb->cache_dir, path, key, &cached) == 0)
		atomic_fetch_add(&sb->cached, (uint64_t)st.st_size);
	else
		unlink(path);
	free(cached);
	free(path);
	return r;
}

/* Puts content KEY (SHA) from FD unless the bucket has it. */
static int put_claimed(s3_backend *sb, const char *key, int fd, uint64_t size,
		       const unsigned char sha[32], bool *stored, _Atomic uint64_t *counter,
		       atomic_int *cancel)
{
	vds_backend *b = &sb->base;
	char hex[65];
	int r;

	/* a listing a moment ago answers without a request; else one HEAD */
	known k;
	int listed = s3b_index_find(sb, key, &k);
	r = listed < 0 ? b->ops->stat(b, key, NULL) : listed ? 0 : VDS_ENOTFOUND;
	if (r == 0 && (r = b->ops->touch(b, key)) == 0) { /* present: refresh, send nothing */
		if (counter)
			atomic_fetch_add(counter, size);
		return 0;
	}
	if (r != VDS_ENOTFOUND) /* a touch that found nothing: gc took it, send it */
		return r;
	if (size > PART_SIZE) {
		r = multipart(sb, key, fd, size, counter, cancel);
	} else {
		vds_sha256_hex(sha, hex);
		s3_req rq = {.method = "PUT", .key = key, .body_fd = fd, .body_size = size,
			     .payload_sha = hex, .check_md5 = true, .counter = counter,
			     .cancel = cancel};
		r = s3_do(sb->c, &rq);
	}
	*stored = r == 0;
	return r;
}

int s3b_abort_stale(vds_backend *b, int64_t older_than, bool dry_run, uint64_t *n)
{
	s3_backend *sb = (s3_backend *)b;
	strbuf q = STRBUF_INIT, body = STRBUF_INIT;
	char *key_marker = NULL, *id_marker = NULL;
	int64_t now = (int64_t)time(NULL);
	int r;

	do { /* a page of unfinished uploads at a time */
		s3_listing l = {0};
		sb_reset(&q);
		if (key_marker) {
			sb_adds(&q, "key-marker=");
			s3_uri_encode(&q, key_marker, false);
			sb_addc(&q, '&');
		}
		sb_adds(&q, "prefix=");
		s3_uri_encode(&q, s3_prefix(sb->c), false);
		s3_uri_encode(&q, "objects/", false);
		if (id_marker) {
			sb_adds(&q, "&upload-id-marker=");
			s3_uri_encode(&q, id_marker, false);
		}
		sb_adds(&q, "&uploads=");
		s3_req rq = {.method = "GET", .query = q.buf, .out = &body};
		if ((r = s3_do(sb->c, &rq)) == 0 &&
		    (r = s3_xml_parse(body.buf ? body.buf : "", body.len, strlen(s3_prefix(sb->c)),
				      &l)) == 0)
			for (size_t i = 0; i < l.nobj && r == 0; i++) {
				const s3_object *u = &l.obj[i];
				if (!u->upload_id || u->mtime <= 0 || now - u->mtime < older_than)
					continue;
				if (!dry_run) {
					char *uq = upload_query(u->upload_id, 0);
					s3_req del = {.method = "DELETE", .key = u->key, .query = uq};
					r = s3_do(sb->c, &del);
					free(uq);
				}
				if (r == 0)
					(*n)++;
			}
		free(key_marker);
		free(id_marker);
		key_marker = id_marker = NULL;
		if (r == 0 && l.truncated && l.next_token) {
			key_marker = l.next_token;
			id_marker = l.next_upload;
			l.next_token = l.next_upload = NULL;
		}
		s3_listing_release(&l);
	} while (key_marker);
	sb_release(&q);
	sb_release(&body);
	return r;
}
