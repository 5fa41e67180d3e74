/* cmd_cache.c - vds cache status|prune|limit: the local cache of remote content. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "util.h"

/* Parses "500M", "10G", "1T" or a byte count; -1 if malformed. */
static int64_t parse_size(const char *s)
{
	char *end;
	unsigned long long v;
	int shift = 0;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	switch (*end) {
	case '\0': break;
	case 'K': case 'k': shift = 10; break;
	case 'M': case 'm': shift = 20; break;
	case 'G': case 'g': shift = 30; break;
	case 'T': case 't': shift = 40; break;
	default: return -1;
	}
	if (*end && end[1] && !(end[1] == 'i' && end[2] == 'B' && !end[3]) &&
	    !(end[1] == 'B' && !end[2]))
		return -1;
	if (v > (unsigned long long)(INT64_MAX >> shift))
		return -1;
	return (int64_t)(v << shift);
}

static int size_arg(cli_args *a, int64_t *out)
{
	const char *m = arg_str(a, "max-size");

	*out = -1;
	if (m && (*out = parse_size(m)) < 0)
		return vds_err(VDS_EUSAGE, "--max-size takes a size such as 500M, 10G or 1T, not %s",
			       q(m));
	return 0;
}

static void print_info(vds_ctx *ctx, const vds_cache_info *in, bool json)
{
	char used[32], limit[32];

	if (json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "path", vds_cache_dir(ctx));
		cJSON_AddNumberToObject(j, "objects", (double)in->objects);
		cJSON_AddNumberToObject(j, "size", (double)in->bytes);
		cJSON_AddNumberToObject(j, "maxSize", (double)in->max_bytes);
		json_print(j);
		return;
	}
	vds_format_size(in->bytes, false, used);
	vds_format_size(in->max_bytes, false, limit);
	table *t = table_new(2, "Path", vds_cache_dir(ctx));
	char objects[32], size[64], max[64];
	snprintf(objects, sizeof(objects), "%llu", (unsigned long long)in->objects);
	snprintf(size, sizeof(size), "%llu (%s)", (unsigned long long)in->bytes, used);
	snprintf(max, sizeof(max), "%llu (%s)", (unsigned long long)in->max_bytes, limit);
	table_row(t, "Objects", objects);
	table_row(t, "Size", size);
	table_row(t, "Max Size", max);
	table_print(t);
}

static int cache_status(vds_ctx *ctx, cli_args *a)
{
	vds_cache_info in;
	int r = vds_cache_status(ctx, &in);

	if (r == 0)
		print_info(ctx, &in, arg_flag(a, "json"));
	return r;
}

static int cache_prune(vds_ctx *ctx, cli_args *a)
{
	vds_cache_info in;
	int64_t max;
	char human[32];
	int r;

	if ((r = size_arg(a, &max)) < 0 || (r = vds_cache_prune(ctx, max, &in)) < 0)
		return r;
	vds_format_size(in.removed_bytes, false, human);
	printf("Removed %llu cached object%s (%llu bytes, %s); %llu remain\n",
	       (unsigned long long)in.removed, in.removed == 1 ? "" : "s",
	       (unsigned long long)in.removed_bytes, human, (unsigned long long)in.objects);
	return 0;
}

static int cache_limit(vds_ctx *ctx, cli_args *a)
{
	int64_t max;
	char human[32];
	int r;

	if ((r = size_arg(a, &max)) < 0 || (r = vds_cache_set_limit(ctx, (uint64_t)max)) < 0)
		return r;
	vds_format_size((uint64_t)max, false, human);
	printf("Cache limit set to %lld bytes (%s)\n", (long long)max, human);
	return 0;
}

static const cli_opt status_opts[] = {
	{"json", OPT_BOOL, false, "", "print JSON"},
	{0},
};
static const cli_opt prune_opts[] = {
	{"max-size", OPT_STR, false, "SIZE", "prune down to SIZE (default: the configured limit)"},
	{0},
};
static const cli_opt limit_opts[] = {
	{"max-size", OPT_STR, true, "SIZE", "the cache's size limit, e.g. 10G"},
	{0},
};

const cli_cmd cache_cmds[] = {
	{"cache status", cache_status, "Show the local cache of remote content", status_opts},
	{"cache prune", cache_prune, "Remove least recently used cached content", prune_opts},
	{"cache limit", cache_limit, "Set the cache's size limit (applied after downloads)",
	 limit_opts},
	{0},
};
