/* test_progress.c - progress rate and estimate, exit codes. */
#include "config.h"

#include "tap.h"

#include <string.h>

#include "vds.h"
#include "../../src/retry.h"

static vds_progress prog(uint64_t done, uint64_t total, double elapsed)
{
	vds_progress p;

	memset(&p, 0, sizeof(p));
	p.bytes_done = done;
	p.bytes_total = total;
	p.elapsed = elapsed;
	return p;
}

/* Exact comparison of doubles, printing both on failure. */
static void is_dbl(double got, double want, const char *what)
{
	ok(got == want, "%s is %g", what, want);
	if (got != want)
		printf("#   got:  %.17g\n#   want: %.17g\n", got, want);
}

static void test_rate(void)
{
	vds_progress p;

	p = prog(0, 0, 0);
	is_dbl(vds_progress_rate(&p), 0, "rate with nothing done and no time");
	p = prog(1000, 2000, 0);
	is_dbl(vds_progress_rate(&p), 0, "rate with zero elapsed time");
	p = prog(1000, 2000, -1);
	is_dbl(vds_progress_rate(&p), 0, "rate with negative elapsed time");
	p = prog(0, 2000, 5);
	is_dbl(vds_progress_rate(&p), 0, "rate with nothing done after 5 s");
	p = prog(1000, 2000, 2);
	is_dbl(vds_progress_rate(&p), 500, "rate of 1000 bytes in 2 s");
	p = prog(3000, 0, 0.5);
	is_dbl(vds_progress_rate(&p), 6000, "rate of 3000 bytes in 0.5 s (total unknown)");
	p = prog(1048576, 1048576, 4);
	is_dbl(vds_progress_rate(&p), 262144, "rate of 1 MiB in 4 s");
	p = prog(5000, 1000, 10);
	is_dbl(vds_progress_rate(&p), 500, "rate when done exceeds total");
	p = prog(10ULL << 30, 20ULL << 30, 8);
	is_dbl(vds_progress_rate(&p), 1342177280.0, "rate of 10 GiB in 8 s");

	/* files do not count towards the byte rate */
	p = prog(100, 200, 1);
	p.files_done = 7;
	p.files_total = 9;
	p.current = "a/b";
	is_dbl(vds_progress_rate(&p), 100, "rate ignores file counts");
}

static void test_eta(void)
{
	vds_progress p;

	p = prog(0, 1000, 0);
	is_dbl(vds_progress_eta(&p), -1, "eta with zero elapsed time");
	p = prog(500, 1000, 0);
	is_dbl(vds_progress_eta(&p), -1, "eta with bytes done but zero elapsed time");
	p = prog(0, 1000, 3);
	is_dbl(vds_progress_eta(&p), -1, "eta with nothing done (rate 0)");
	p = prog(0, 0, 3);
	is_dbl(vds_progress_eta(&p), -1, "eta with zero total");
	p = prog(500, 0, 3);
	is_dbl(vds_progress_eta(&p), -1, "eta with zero total and bytes done");
	p = prog(1001, 1000, 1);
	is_dbl(vds_progress_eta(&p), -1, "eta when done > total");
	p = prog(1000, 1000, 4);
	is_dbl(vds_progress_eta(&p), 0, "eta when done == total");
	p = prog(1000, 3000, 2);
	is_dbl(vds_progress_eta(&p), 4, "eta: 2000 bytes left at 500 B/s");
	p = prog(250, 1000, 1);
	is_dbl(vds_progress_eta(&p), 3, "eta: 750 bytes left at 250 B/s");
	p = prog(100, 1100, 0.5);
	is_dbl(vds_progress_eta(&p), 5, "eta: 1000 bytes left at 200 B/s");
	p = prog(1, 1000001, 1);
	is_dbl(vds_progress_eta(&p), 1000000, "eta: 1000000 bytes left at 1 B/s");
	p = prog(3, 4, 1.5);
	is_dbl(vds_progress_eta(&p), 0.5, "eta: 1 byte left at 2 B/s");
	p = prog(1000, 2000, -2);
	is_dbl(vds_progress_eta(&p), -1, "eta with negative elapsed time");
	p = prog(1ULL << 40, 1ULL << 41, 1024);
	is_dbl(vds_progress_eta(&p), 1024, "eta: 1 TiB left at 1 GiB/s");
}

static void test_exit_codes(void)
{
	static const struct {
		int status, code;
		const char *name;
	} codes[] = {
		{VDS_OK, 0, "VDS_OK"},
		{VDS_ERR, 1, "VDS_ERR"},
		{VDS_EUSAGE, 2, "VDS_EUSAGE"},
		{VDS_ENOTFOUND, 3, "VDS_ENOTFOUND"},
		{VDS_EINVAL, 4, "VDS_EINVAL"},
		{VDS_ECOMMITTED, 5, "VDS_ECOMMITTED"},
		{VDS_ECONFLICT, 6, "VDS_ECONFLICT"},
		{VDS_EIO, 7, "VDS_EIO"},
		{VDS_ENOSPC, 8, "VDS_ENOSPC"},
		{VDS_ECORRUPT, 9, "VDS_ECORRUPT"},
		{VDS_ECANCELED, 130, "VDS_ECANCELED"},
		{-11, 1, "-11 (unknown)"},
		{-100, 1, "-100 (unknown)"},
		{1, 1, "1 (unknown)"},
		{130, 1, "130 (unknown)"},
	};

	is_int(VDS_OK, 0, "VDS_OK is 0");
	is_int(VDS_ERR, -1, "VDS_ERR is -1");
	is_int(VDS_EUSAGE, -2, "VDS_EUSAGE is -2");
	is_int(VDS_ENOTFOUND, -3, "VDS_ENOTFOUND is -3");
	is_int(VDS_EINVAL, -4, "VDS_EINVAL is -4");
	is_int(VDS_ECOMMITTED, -5, "VDS_ECOMMITTED is -5");
	is_int(VDS_ECONFLICT, -6, "VDS_ECONFLICT is -6");
	is_int(VDS_EIO, -7, "VDS_EIO is -7");
	is_int(VDS_ENOSPC, -8, "VDS_ENOSPC is -8");
	is_int(VDS_ECORRUPT, -9, "VDS_ECORRUPT is -9");
	is_int(VDS_ECANCELED, -10, "VDS_ECANCELED is -10");
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		is_int(vds_exit_code(codes[i].status), codes[i].code, "vds_exit_code(%s) is %d",
		       codes[i].name, codes[i].code);
}

/* A transfer that waits to retry says so through its pool's progress. */
static void test_retry(void)
{
	static int counter, other;
	vds_progress p = {0};
	char buf[64];
	int attempt = 0, max = 0;
	double in = -1;

	vds_progress_retry_text(&p, buf, sizeof(buf));
	is_str(buf, "", "no retry: no text");
	ok(!retry_get(&counter, &attempt, &max, &in), "no note yet");
	retry_note(&counter, 3, 8, vds_now_us() + 2000000);
	ok(retry_get(&counter, &attempt, &max, &in), "a note under its counter");
	is_int(attempt, 3, "the attempt it makes next");
	is_int(max, 8, "of how many");
	ok(in > 1.5 && in <= 2.0, "in about 2 s (%.3f)", in);
	ok(!retry_get(&other, &attempt, &max, &in), "another counter has none");
	p = (vds_progress){.retry_attempt = attempt, .retry_attempts = max, .retry_in = 2.0};
	vds_progress_retry_text(&p, buf, sizeof(buf));
	is_str(buf, "retrying in 2 s, attempt 3 of 8", "the text");
	p.retry_in = 0.2;
	vds_progress_retry_text(&p, buf, sizeof(buf));
	is_str(buf, "retrying in 1 s, attempt 3 of 8", "under a second says 1 s");
	retry_clear(&counter);
	ok(!retry_get(&counter, &attempt, &max, &in), "cleared when the attempt is made");
	retry_set_key(&other);
	ok(retry_key() == &other, "the thread's key");
}

int main(void)
{
	test_rate();
	test_eta();
	test_exit_codes();
	test_retry();
	return done();
}
