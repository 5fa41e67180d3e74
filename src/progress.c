/* progress.c - progress arithmetic shared by the CLI and the browser. */
#include "config.h"

#include <stdio.h>

#include "vds.h"

double vds_progress_rate(const vds_progress *p)
{
	return p->elapsed > 0 ? (double)p->bytes_done / p->elapsed : 0;
}

double vds_progress_eta(const vds_progress *p)
{
	double rate = vds_progress_rate(p);

	if (p->bytes_total == 0 || rate <= 0 || p->bytes_done > p->bytes_total)
		return -1;
	return (double)(p->bytes_total - p->bytes_done) / rate;
}

void vds_progress_retry_text(const vds_progress *p, char *buf, size_t len)
{
	buf[0] = '\0';
	if (p->retry_attempt > 0)
		snprintf(buf, len, "retrying in %.0f s, attempt %d of %d", p->retry_in < 1 ? 1 : p->retry_in,
			 p->retry_attempt, p->retry_attempts);
}
