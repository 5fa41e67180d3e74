/*
 * jobs_view.c - the Jobs view (b): queued, running, finished and failed
 * jobs with their progress, results and errors; K (or x, Delete) cancels
 * the selected one. The newest job comes first, and every job since the
 * browser started stays listed. Also the one-line summary under the status line.
 * Titles are named at each draw (job_names.c).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "util.h"

static const char *state_name(vds_job_state s)
{
	switch (s) {
	case VDS_JOB_QUEUED: return "queued";
	case VDS_JOB_RUNNING: return "running";
	case VDS_JOB_DONE: return "done";
	case VDS_JOB_FAILED: return "failed";
	default: return "cancelled";
	}
}

/* Progress as "37% 120/300 files 1.2G/3.4G 80M/s ETA 0:12". */
static void progress_text(const vds_progress *p, char *buf, size_t len)
{
	char done[32], total[32], rate[32], eta[32] = "";
	double e = vds_progress_eta(p);
	int pct = p->bytes_total ? (int)(p->bytes_done * 100 / p->bytes_total)
				 : p->files_total ? (int)(p->files_done * 100 / p->files_total) : 0;

	vds_format_size(p->bytes_done, true, done);
	vds_format_size(p->bytes_total, true, total);
	vds_format_size((unsigned long long)vds_progress_rate(p), true, rate);
	if (e >= 0)
		snprintf(eta, sizeof(eta), " ETA %d:%02d", (int)e / 60, (int)e % 60);
	char retry[64];
	vds_progress_retry_text(p, retry, sizeof(retry));
	if (*retry) /* waiting to retry, not stalled */
		snprintf(buf, len, "%d%% %llu/%llu files %s/%s %s", pct, (unsigned long long)p->files_done,
			 (unsigned long long)p->files_total, done, total, retry);
	else
		snprintf(buf, len, "%d%% %llu/%llu files %s/%s %s/s%s", pct,
			 (unsigned long long)p->files_done, (unsigned long long)p->files_total, done,
			 total, rate, eta);
}

bool jobs_summary(ui *u, char *buf, size_t len)
{
	vds_job_info *v;
	size_t n = vds_jobs_snapshot(u->jobs, &v), queued = 0, running = 0;
	const vds_job_info *run = NULL, *last = NULL;
	bool error = false;
	char title[1200];

	for (size_t i = 0; i < n; i++) {
		queued += v[i].state == VDS_JOB_QUEUED;
		if (v[i].state == VDS_JOB_RUNNING) {
			running++;
			run = run ? run : &v[i];
		}
		if (v[i].state > VDS_JOB_RUNNING && (!last || v[i].ended_us >= last->ended_us))
			last = &v[i];
	}
	if (run) {
		char prog[160];
		progress_text(&run->progress, prog, sizeof(prog));
		job_title(u, run, title, sizeof(title));
		snprintf(buf, len, "job #%u %s: %s%s%s", run->id, title, prog,
			 running > 1 ? " (+ more running)" : "", queued ? " (+ queued)" : "");
	} else if (queued) {
		snprintf(buf, len, "jobs: %zu queued", queued);
	} else if (last) {
		error = last->state == VDS_JOB_FAILED;
		job_title(u, last, title, sizeof(title));
		snprintf(buf, len, "job #%u %s %s: %s", last->id, title, state_name(last->state),
			 last->state == VDS_JOB_FAILED && last->error ? last->error
			 : last->result && *last->result ? last->result
			 : last->error ? last->error : "");
	} else {
		snprintf(buf, len, "jobs: none");
	}
	vds_jobs_snapshot_free(v, n);
	return error;
}

/* The job on row R of the view (newest first) in a snapshot of N (oldest first). */
static size_t row_job(size_t r, size_t n)
{
	return n - 1 - r;
}

void jobs_view_key(ui *u, int key)
{
	vds_job_info *v;
	size_t n = vds_jobs_snapshot(u->jobs, &v);
	enum ui_action a = keys_action(key);

	if (key == 27 || key == 'q' || a == ACT_JOBS) {
		u->jobs_view = false;
	} else if (key == 'K' || key == 'x' || key == KEY_DC) {
		const vds_job_info *j = u->jobs_cursor < n ? &v[row_job(u->jobs_cursor, n)] : NULL;
		if (j && j->state > VDS_JOB_RUNNING) {
			ui_message(u, false, "job #%u has already ended", j->id);
		} else if (j) {
			vds_jobs_cancel(u->jobs, j->id);
			ui_message(u, false, "cancelling job #%u", j->id);
		}
	} else if (a == ACT_UP || a == ACT_PREVIEW_UP) {
		if (u->jobs_cursor > 0)
			u->jobs_cursor--;
	} else if (a == ACT_DOWN) {
		if (u->jobs_cursor + 1 < n)
			u->jobs_cursor++;
	} else if (a == ACT_HOME) {
		u->jobs_cursor = 0;
	} else if (a == ACT_END) {
		u->jobs_cursor = n ? n - 1 : 0;
	}
	vds_jobs_snapshot_free(v, n);
}

void jobs_view_draw(ui *u)
{
	vds_job_info *v;
	size_t n = vds_jobs_snapshot(u->jobs, &v);
	int h = LINES - 2, w = COLS, list = h - 8;
	WINDOW *win = ui_overlay(h, w, "Jobs (K: cancel the selected job, Esc: close)");
	char line[1600], prog[160], title[1200];

	if (u->jobs_cursor >= n)
		u->jobs_cursor = n ? n - 1 : 0;
	size_t top = u->jobs_cursor >= (size_t)list ? u->jobs_cursor - (size_t)list + 1 : 0;
	if (n == 0)
		draw_text(win, 1, 2, w - 4, "(no jobs yet: c, v, u, i, x, C, t, T, S and D start them)",
			  draw_attr(COL_DIM));
	for (int y = 1; y <= list && top + (size_t)(y - 1) < n; y++) {
		const vds_job_info *j = &v[row_job(top + (size_t)(y - 1), n)];
		attr_t a = top + (size_t)(y - 1) == u->jobs_cursor ? draw_attr(COL_SELECT) : A_NORMAL;
		if (j->state == VDS_JOB_RUNNING)
			progress_text(&j->progress, prog, sizeof(prog));
		job_title(u, j, title, sizeof(title));
		snprintf(line, sizeof(line), "#%-3u %-9s %s  %s", j->id, state_name(j->state), title,
			 j->state == VDS_JOB_RUNNING ? prog
			 : j->state == VDS_JOB_QUEUED ? ""
			 : j->error && j->state != VDS_JOB_DONE ? j->error
						     : j->result ? j->result : "");
		draw_text(win, y, 1, w - 2, line,
			  j->state == VDS_JOB_FAILED && !(a & A_REVERSE) ? a | draw_attr(COL_ERROR) : a);
	}
	if (n) { /* details of the selected job */
		const vds_job_info *j = &v[row_job(u->jobs_cursor, n)];
		int y = h - 6;
		wattrset(win, draw_attr(COL_DIM));
		mvwhline(win, y++, 1, ACS_HLINE, w - 2);
		wattrset(win, A_NORMAL);
		job_title(u, j, title, sizeof(title));
		snprintf(line, sizeof(line), "#%u %s: %s", j->id, title, state_name(j->state));
		draw_text(win, y++, 2, w - 4, line, A_BOLD);
		if (j->state == VDS_JOB_RUNNING) {
			progress_text(&j->progress, prog, sizeof(prog));
			draw_text(win, y++, 2, w - 4, prog, A_NORMAL);
			snprintf(line, sizeof(line), "now: %s", j->progress.current ? j->progress.current : "");
			draw_text(win, y++, 2, w - 4, line, A_NORMAL);
		} else {
			if (j->result && *j->result)
				draw_text(win, y++, 2, w - 4, j->result, A_NORMAL);
			if (j->error && j->state != VDS_JOB_DONE)
				draw_text(win, y++, 2, w - 4, j->error, draw_attr(COL_ERROR));
		}
	}
	wnoutrefresh(win);
	delwin(win);
	vds_jobs_snapshot_free(v, n);
}
