/* output.c - JSON output, progress bar, warnings and small formatting helpers. */
#include "config.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "util.h"

void json_out(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		uint32_t cp;
		int n = vds_utf8_seq(p, &cp);

		if (n == 0) { /* a byte that is not UTF-8: a lone surrogate keeps it recoverable */
			printf("\\udc%02x", *p++);
		} else if (cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || vds_bidi_control(cp)) {
			printf("\\u%04x", (unsigned)cp);
			p += n;
		} else {
			fwrite(p, 1, (size_t)n, stdout);
			p += n;
		}
	}
}

void json_print(cJSON *j)
{
	char *s = cJSON_Print(j);

	json_out(s);
	putchar('\n');
	cJSON_free(s);
	cJSON_Delete(j);
}

void cli_progress(const vds_progress *p, void *ud)
{
	char done[32], total[32], rate[32], eta[32] = "";
	char *cur;
	(void)ud;

	if (!isatty(STDERR_FILENO))
		return;
	if (p->done) {
		fputs("\r\033[K", stderr);
		return;
	}
	vds_format_size(p->bytes_done, false, done);
	vds_format_size(p->bytes_total, false, total);
	vds_format_size((unsigned long long)vds_progress_rate(p), false, rate);
	double e = vds_progress_eta(p);
	if (e >= 0)
		snprintf(eta, sizeof(eta), "  ETA %d:%02d", (int)e / 60, (int)e % 60);
	cur = vds_display_escape(p->current ? p->current : "");
	if (strlen(cur) > 30)
		memmove(cur + 3, cur + strlen(cur) - 27, 28), memcpy(cur, "...", 3);
	char retry[64];
	vds_progress_retry_text(p, retry, sizeof(retry));
	if (*retry) /* waiting, not stalled */
		fprintf(stderr, "\r\033[K%llu/%llu files  %s/%s  %s  %s",
			(unsigned long long)p->files_done, (unsigned long long)p->files_total, done,
			total, retry, cur);
	else
		fprintf(stderr, "\r\033[K%llu/%llu files  %s/%s  %s/s%s  %s",
			(unsigned long long)p->files_done, (unsigned long long)p->files_total, done,
			total, rate, eta, cur);
	free(cur);
	fflush(stderr);
}

void cli_warn(const char *msg, void *ud)
{
	(void)ud;
	if (isatty(STDERR_FILENO))
		fputs("\r\033[K", stderr);
	fprintf(stderr, "vds: warning: %s\n", msg);
}

/* Warnings that arrive while the browser owns the terminal, printed after it. */
static strbuf later = STRBUF_INIT;

void cli_warn_later(const char *msg, void *ud)
{
	(void)ud;
	sb_addf(&later, "vds: warning: %s\n", msg);
}

void cli_warn_flush(void)
{
	if (later.len)
		fputs(later.buf, stderr);
	sb_release(&later);
}

static atomic_int interrupted;

/* The first Ctrl-C cancels cleanly; a second one kills. */
static void on_sigint(int sig)
{
	(void)sig;
	atomic_store(&interrupted, 1);
	signal(SIGINT, SIG_DFL);
}

int cli_opts(const cli_args *a, vds_opts *o)
{
	const char *c = arg_str(a, "concurrency");
	char *end;

	*o = (vds_opts){.progress = cli_progress, .warn = cli_warn, .cancel = &interrupted};
	signal(SIGINT, on_sigint);
	if (c) {
		long v = strtol(c, &end, 10);
		if (*end || end == c || v < 1 || v > 64)
			return vds_err(VDS_EUSAGE, "--concurrency takes a number from 1 to 64, not %s", q(c));
		o->concurrency = (int)v;
	}
	return 0;
}

int need_dataset(vds_ctx *ctx, const char *ref, vds_dataset *out)
{
	if (strchr(ref, ':'))
		return vds_err(VDS_EINVAL, "expected a dataset id, not the reference %s", q(ref));
	return vds_dataset_get(ctx, ref, out);
}

int need_version(vds_ctx *ctx, const char *ref, bool explicit_version, vds_resolved *out)
{
	if (explicit_version && !strchr(ref, ':'))
		return vds_err(VDS_EINVAL, "expected a version reference DATASET:VERSION, not %s",
			       q(ref));
	return vds_ref_resolve(ctx, ref, true, out);
}
