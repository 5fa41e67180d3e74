/*
 * test_loads.c - the reader pool without a terminal: loads run with a
 * context of their own and come back in order through the pipe, foreground
 * before background, a queued load cancelled never runs, a running one sees
 * its flag, errors and warnings are copied, parts a load posts come before
 * it (none once it is cancelled), and freeing the pool frees what was never
 * taken.
 */
#include "config.h"

#include "tap.h"

#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "vds.h"

/* What a load does and saw; the test owns it. */
typedef struct probe {
	int order;          /* the how-manieth load to run */
	atomic_int go;      /* set by the test: the load may return */
	atomic_int started;
	atomic_int saw_cancel;
	bool wait;          /* waits for GO (or its cancel flag) */
	bool fail;
	bool has_ctx;
} probe;

static atomic_int runs;

static void sleep_ms(int ms)
{
	nanosleep(&(struct timespec){ms / 1000, (ms % 1000) * 1000000L}, NULL);
}

static int run_probe(vds_ctx *ctx, void *arg, const vds_opts *o)
{
	probe *p = arg;

	p->has_ctx = ctx != NULL;
	p->order = atomic_fetch_add(&runs, 1) + 1;
	atomic_store(&p->started, 1);
	for (int i = 0; p->wait && i < 1000 && !atomic_load(&p->go); i++) {
		if (atomic_load(o->cancel)) {
			atomic_store(&p->saw_cancel, 1);
			return vds_err(VDS_ECANCELED, "cancelled");
		}
		sleep_ms(5);
	}
	return p->fail ? vds_err(VDS_ENOTFOUND, "no such thing '%s'", "x") : 0;
}

/* A load that posts PARTS parts (each an int), waiting for GO before the last. */
typedef struct poster {
	int parts;
	atomic_int go, posted, refused;
} poster;

static int freed;
static void free_probe(void *arg)
{
	(void)arg;
	freed++;
}

/* Frees a part a poster posted, counted. */
static void free_part(void *arg)
{
	free(arg);
	freed++;
}

static int run_poster(vds_ctx *ctx, void *arg, const vds_opts *o)
{
	poster *p = arg;

	(void)ctx;
	for (int i = 0; i < p->parts; i++) {
		for (int w = 0; i == p->parts - 1 && w < 1000 && !atomic_load(&p->go); w++)
			sleep_ms(5);
		int *part = malloc(sizeof(*part));
		*part = i + 1;
		if (!vds_loads_post(part, free_part)) {
			atomic_store(&p->refused, 1);
			return vds_err(VDS_ECANCELED, "cancelled");
		}
		atomic_fetch_add(&p->posted, 1);
	}
	return atomic_load(o->cancel) ? vds_err(VDS_ECANCELED, "cancelled") : 0;
}

/* Waits up to 5 s for a finished load and takes it. */
static bool take(vds_loads *q, vds_load_done *d)
{
	struct pollfd fd = {vds_loads_fd(q), POLLIN, 0};

	for (int i = 0; i < 500; i++) {
		if (vds_loads_take(q, d))
			return true;
		poll(&fd, 1, 10);
	}
	return false;
}

int main(void)
{
	const char *base = getenv("VDS_TEST_TMP");
	char dir[4096];

	snprintf(dir, sizeof(dir), "%s/test_loads.XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(dir)) {
		printf("Bail out! cannot create a temporary folder\n");
		return 1;
	}
	setenv("VDS_HOME", dir, 1);
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("VDS_TEST_LOAD_DELAY_MS");
	char cfg[4200];
	snprintf(cfg, sizeof(cfg), "%s/config.json", dir);

	/* one reader: the order is the queue's */
	vds_loads *q = vds_loads_new(cfg, 1);
	probe block = {.wait = true}, bg = {0}, fg = {0}, gone = {0}, bad = {.fail = true};
	vds_load_done d;
	unsigned id_block = vds_loads_submit(q, run_probe, &block, free_probe, false);
	for (int i = 0; i < 1000 && !atomic_load(&block.started); i++)
		sleep_ms(5);
	ok(atomic_load(&block.started), "a load runs on a reader");
	unsigned id_bg = vds_loads_submit(q, run_probe, &bg, NULL, true);
	unsigned id_fg = vds_loads_submit(q, run_probe, &fg, NULL, false);
	unsigned id_gone = vds_loads_submit(q, run_probe, &gone, free_probe, false);
	is_int(vds_loads_pending(q), 4, "four loads pending: one running, three queued");
	vds_loads_cancel(q, id_gone);
	ok(take(q, &d), "a queued load cancelled finishes at once");
	is_int(d.id, id_gone, "... that one");
	is_int(d.status, VDS_ECANCELED, "... as cancelled");
	is_str(d.error, "cancelled before it started", "... saying so");
	ok(!atomic_load(&gone.started), "... and it never ran");
	vds_load_done_release(&d);
	atomic_store(&block.go, 1);
	ok(take(q, &d) && d.id == id_block && d.status == 0, "the running load finishes");
	ok(block.has_ctx, "... it had a context");
	vds_load_done_release(&d);
	ok(take(q, &d) && d.id == id_fg, "the foreground load ran next, though queued after the background one");
	vds_load_done_release(&d);
	ok(take(q, &d) && d.id == id_bg, "then the background one");
	is_int(fg.order, 2, "... in that order");
	is_int(bg.order, 3, "... in that order");
	vds_load_done_release(&d);

	/* errors, and a running load cancelled */
	unsigned id_bad = vds_loads_submit(q, run_probe, &bad, NULL, false);
	ok(take(q, &d) && d.id == id_bad, "a failing load comes back");
	is_int(d.status, VDS_ENOTFOUND, "... with its status");
	is_str(d.error, "no such thing 'x'", "... and its message, copied from its thread");
	vds_load_done_release(&d);
	probe slow = {.wait = true};
	unsigned id_slow = vds_loads_submit(q, run_probe, &slow, NULL, false);
	for (int i = 0; i < 1000 && !atomic_load(&slow.started); i++)
		sleep_ms(5);
	vds_loads_cancel(q, id_slow);
	ok(take(q, &d) && d.id == id_slow, "a running load cancelled comes back");
	ok(atomic_load(&slow.saw_cancel), "... having seen its flag");
	is_int(d.status, VDS_ECANCELED, "... as cancelled");
	vds_load_done_release(&d);
	is_int(vds_loads_pending(q), 0, "nothing pending");
	ok(!vds_loads_take(q, &d), "nothing to take");

	/* parts: each comes back before its load, as a part, with the load's id */
	poster post = {.parts = 3};
	atomic_store(&post.go, 1);
	unsigned id_post = vds_loads_submit(q, run_poster, &post, NULL, false);
	for (int i = 1; i <= 3; i++) {
		ok(take(q, &d) && d.id == id_post && d.part && d.status == 0 && *(int *)d.arg == i,
		   "a part comes back in order, marked as a part, with its load's id");
		free(d.arg);
		vds_load_done_release(&d);
	}
	ok(take(q, &d) && d.id == id_post && !d.part && d.arg == &post, "then the load itself");
	vds_load_done_release(&d);
	ok(!vds_loads_post(malloc(1), free), "posting outside a load: refused (and freed)");
	poster stop = {.parts = 3};
	unsigned id_stop = vds_loads_submit(q, run_poster, &stop, NULL, false);
	for (int i = 0; i < 1000 && atomic_load(&stop.posted) < 2; i++)
		sleep_ms(5);
	vds_loads_cancel(q, id_stop);
	atomic_store(&stop.go, 1);
	freed = 0;
	for (int i = 0; i < 2; i++) {
		ok(take(q, &d) && d.part, "a part posted before the cancel comes back");
		free(d.arg);
		vds_load_done_release(&d);
	}
	ok(take(q, &d) && d.id == id_stop && !d.part && d.status == VDS_ECANCELED,
	   "then the load, cancelled");
	vds_load_done_release(&d);
	ok(atomic_load(&stop.refused) && freed == 1, "... its part after the cancel refused and freed");

	/* freeing the pool with loads not taken */
	probe left = {0}, queued = {.wait = true}, running = {.wait = true};
	freed = 0;
	vds_loads_submit(q, run_probe, &running, free_probe, false);
	for (int i = 0; i < 1000 && !atomic_load(&running.started); i++)
		sleep_ms(5);
	vds_loads_submit(q, run_probe, &queued, free_probe, false);
	vds_loads_submit(q, run_probe, &left, free_probe, true);
	vds_loads_free(q);
	ok(atomic_load(&running.saw_cancel), "freeing the pool cancels the running load");
	is_int(freed, 3, "... and frees the argument of every load not taken");

	char cmd[4300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return done();
}
