/* cmd_maintain.c - vds fsck and vds gc: checking a store and reclaiming space. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "util.h"

/* Parses "90", "90s", "30m", "1h" or "2d" into seconds; -1 if malformed. */
static int64_t parse_duration(const char *s)
{
	char *end;
	long long v, unit = 1;

	if (*s < '0' || *s > '9') /* no sign, no space */
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno)
		return -1;
	switch (*end) {
	case '\0':
	case 's': break;
	case 'm': unit = 60; break;
	case 'h': unit = 3600; break;
	case 'd': unit = 86400; break;
	default: return -1;
	}
	if ((end[0] && end[1]) || v > INT64_MAX / unit)
		return -1;
	return v * unit;
}

static int gc(vds_ctx *ctx, cli_args *a)
{
	const char *g = arg_str(a, "grace");
	int64_t grace = g ? parse_duration(g) : 3600;
	bool dry = arg_flag(a, "dry-run");
	vds_gc_result res;
	char human[32];
	int r;

	if (grace < 0)
		return vds_err(VDS_EUSAGE, "--grace takes a duration such as 90s, 30m, 1h or 2d, not %s",
			       q(g));
	if ((r = vds_gc(ctx, arg_str(a, "storageProviderId"), grace, dry, &res)) < 0)
		return r;
	vds_format_size(res.bytes, false, human);
	printf("%s %llu object%s (%llu bytes, %s); %llu referenced, %llu unreferenced but written "
	       "or used less than %llds ago\n",
	       dry ? "Would free" : "Freed", (unsigned long long)res.objects,
	       res.objects == 1 ? "" : "s", (unsigned long long)res.bytes, human,
	       (unsigned long long)res.kept, (unsigned long long)res.young, (long long)grace);
	if (res.uploads)
		printf("%s %llu unfinished upload%s begun over %llds ago\n", dry ? "Would end" : "Ended",
		       (unsigned long long)res.uploads, res.uploads == 1 ? "" : "s", (long long)grace);
	if (res.packs)
		printf("%s %llu old record pack%s\n", dry ? "Would remove" : "Removed",
		       (unsigned long long)res.packs, res.packs == 1 ? "" : "s");
	return 0;
}

static void print_finding(const char *what, bool note, bool repaired, void *ud)
{
	(void)ud; /* findings come escaped from the core */
	printf("%s %s\n", repaired ? "repaired:" : note ? "note:    " : "problem: ", what);
}

/* fsck --read-data: every content object read again; exit 9 for any damage found. */
static int read_data(vds_ctx *ctx, cli_args *a, const vds_opts *o)
{
	vds_fsck_data_result res;
	char human[32];
	int r;

	if ((r = vds_fsck_read_data(ctx, arg_str(a, "storageProviderId"), arg_flag(a, "repair"), o,
				    print_finding, NULL, &res)) < 0)
		return r;
	vds_format_size(res.bytes, false, human);
	printf("Read %llu content object%s (%llu bytes, %s): %llu damaged, %llu removed\n",
	       (unsigned long long)res.objects, res.objects == 1 ? "" : "s",
	       (unsigned long long)res.bytes, human, (unsigned long long)res.damaged,
	       (unsigned long long)res.removed);
	if (res.damaged) /* removing an object does not bring its content back */
		return vds_err(VDS_ECORRUPT, "%llu content object%s damaged: see above",
			       (unsigned long long)res.damaged, res.damaged == 1 ? "" : "s");
	return 0;
}

static int fsck(vds_ctx *ctx, cli_args *a)
{
	vds_fsck_result res;
	vds_opts o;
	int r;

	if (arg_flag(a, "read-data") && (r = cli_opts(a, &o)) < 0)
		return r;
	if ((r = vds_fsck(ctx, arg_str(a, "storageProviderId"), arg_flag(a, "repair"), print_finding,
			  NULL, &res)) < 0)
		return r;
	printf("Checked %llu dataset%s, %llu version%s, %llu tag%s, %llu file%s: %llu problem%s, %llu "
	       "note%s, %llu repaired\n",
	       (unsigned long long)res.datasets, res.datasets == 1 ? "" : "s",
	       (unsigned long long)res.versions, res.versions == 1 ? "" : "s",
	       (unsigned long long)res.tags, res.tags == 1 ? "" : "s", (unsigned long long)res.files,
	       res.files == 1 ? "" : "s", (unsigned long long)res.problems,
	       res.problems == 1 ? "" : "s", (unsigned long long)res.notes, res.notes == 1 ? "" : "s",
	       (unsigned long long)res.repaired);
	/* leftovers are normal life: only damage fails the check */
	if (res.problems)
		r = vds_err(VDS_ECORRUPT, "%llu problem%s found: see above",
			    (unsigned long long)res.problems, res.problems == 1 ? "" : "s");
	if (arg_flag(a, "read-data")) {
		char saved[1024];
		snprintf(saved, sizeof(saved), "%s", r < 0 ? vds_errmsg() : "");
		int d = read_data(ctx, a, &o);
		if (r == 0 || (d < 0 && d != VDS_ECORRUPT)) /* the first problem's message stays */
			return d;
		return vds_err(r, "%s", saved);
	}
	return r;
}

static const cli_opt fsck_opts[] = {
	{"storageProviderId", OPT_STR, false, "SP", "only this provider (default: all)"},
	{"repair", OPT_BOOL, false, "", "remove leftovers older than an hour (never committed data)"},
	{"read-data", OPT_BOOL, false, "", "read every content object, check it against its name"},
	{"concurrency", OPT_STR, false, "N", "objects read at once with --read-data"},
	{0},
};

static const cli_opt gc_opts[] = {
	{"storageProviderId", OPT_STR, false, "SP", "only this provider (default: all)"},
	{"dry-run", OPT_BOOL, false, "", "count what would be freed, delete nothing"},
	{"grace", OPT_STR, false, "DURATION", "keep content written or reused this recently (1h)"},
	{0},
};

const cli_cmd maintain_cmds[] = {
	{"fsck", fsck, "Check every dataset, version, tag and draft of a store", fsck_opts},
	{"gc", gc, "Delete content that no version or draft references", gc_opts},
	{0},
};
