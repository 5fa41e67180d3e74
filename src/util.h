/*
 * util.h - small helpers of the core: allocation, growable strings,
 * error reporting, ids and time. Internal to src/.
 */
#ifndef VDS_UTIL_H
#define VDS_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vds.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Allocation that aborts with a message when memory runs out. */
void *xmalloc(size_t n);
/* Zeroed allocation of N elements of SIZE bytes; aborts on failure. */
void *xcalloc(size_t n, size_t size);
/* Resizes P to N bytes; aborts on failure. */
void *xrealloc(void *p, size_t n);
/* Duplicates S (NULL stays NULL). */
char *xstrdup(const char *s);
/* Copies the first N bytes of S (fewer if S is shorter) into a new string. */
char *xstrndup(const char *s, size_t n);
/* Returns a newly allocated formatted string. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable byte string, always NUL-terminated. */
typedef struct strbuf {
	char *buf;
	size_t len, cap;
} strbuf;

#define STRBUF_INIT {NULL, 0, 0}
/* Makes room for N more bytes. */
void sb_grow(strbuf *sb, size_t n);
/* Appends LEN bytes of DATA. */
void sb_add(strbuf *sb, const void *data, size_t len);
/* Appends a C string. */
void sb_adds(strbuf *sb, const char *s);
/* Appends one character. */
void sb_addc(strbuf *sb, char c);
/* Appends formatted text. */
void sb_addf(strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Empties SB, keeping its memory. */
void sb_reset(strbuf *sb);
/* Frees SB's memory. */
void sb_release(strbuf *sb);
/* Hands SB's buffer to the caller (never NULL) and resets SB. */
char *sb_detach(strbuf *sb, size_t *len);

/* Records an error message for the calling thread and returns CODE. */
/* The cancel flag of the load the calling reader thread runs (loads.c), or NULL. */
atomic_int *loads_cancel_flag(void);
int vds_err(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Maps errno after a failed system call to a status, recording a message. */
int vds_err_errno(int err, const char *what, const char *name);
/* Appends a quoted, escaped form of untrusted S (for messages). */
void sb_add_quoted(strbuf *sb, const char *s);
/* A quoted, escaped copy of untrusted S in a thread-local ring of buffers. */
const char *q(const char *s);

/* Sends a debug line to the hook set with vds_set_debug(), if any. */
void vds_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Fills OUT with N random base36 characters and a NUL. */
void vds_random_base36(char *out, size_t n);
/* A record stamp: 16 hex digits of microseconds, '-', 8 random chars. */
void vds_stamp(char out[26]);
/* A new stamp greater than the stamp that NAME starts with (another writer's). */
void vds_stamp_after(const char *name, char out[26]);
/* The time in microseconds of the stamp NAME starts with, or -1 if it has none. */
int64_t vds_stamp_time(const char *name);
/* Parses "YYYY-MM-DDTHH:MM:SS.uuuuuuZ" into microseconds; -1 if malformed. */
int64_t vds_parse_time(const char *s);
/* Formats microseconds as "YYYY-MM-DDTHH:MM:SS.uuuuuuZ". */
void vds_iso_time(int64_t us, char buf[40]);

/* Parses 64 hex characters into 32 bytes; returns 0 or -1. */
int vds_sha256_parse(const char *hex, unsigned char sha[32]);
/* True if S starts with PREFIX. */
bool starts_with(const char *s, const char *prefix);
/* Writes LEN bytes of DATA to FD, again after EINTR; -1 with errno on failure. */
int write_all(int fd, const void *data, size_t len);
/* Reads a whole file into memory; VDS_ENOTFOUND if absent. */
int vds_read_file(const char *path, char **out, size_t *len);
/* Creates directory PATH and its parents (mode 0755). */
int vds_mkdirs(const char *path);
/* The process's umask, read without changing it (a umask() round trip if /proc cannot say). */
mode_t vds_umask(void);
/* Turns core dumps of this process off (a process may hold keys): core size 0, not dumpable. */
void vds_no_core_dumps(void);
/* Number of online processors, at least 1. */
int vds_ncpu(void);

/* ---- wake-up pipes: worker threads tell the front end's poll() ---- */
typedef struct wake_pipe {
	int rd, wr; /* both -1 when no pipe could be made */
} wake_pipe;
/* Opens W: non-blocking, closed on exec (both ends -1 if that fails). */
void wake_open(wake_pipe *w);
/* Writes a byte to W; a full pipe already says "something changed". */
void wake_poke(const wake_pipe *w);
/* Reads W empty. */
void wake_drain(const wake_pipe *w);
/* Closes both ends of W. */
void wake_close(wake_pipe *w);

#endif
