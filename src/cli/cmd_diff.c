/* cmd_diff.c - vds datasets versions diff|verify and vds datasets files diff. */
#include "config.h"

#include <magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "util.h"

#define TEXT_DIFF_MAX (16 << 20) /* larger files are compared by size and hash */

/* Opens the trees of references A and B; names go to NA and NB ("DS:VER"). */
static int open_pair(vds_ctx *ctx, const char *a, const char *b, vds_tree **ta, vds_tree **tb,
		     vds_resolved *ra, vds_resolved *rb)
{
	int r;

	*ta = *tb = NULL;
	if ((r = vds_ref_resolve(ctx, a, true, ra)) < 0)
		return r;
	if ((r = vds_ref_resolve(ctx, b, true, rb)) < 0) {
		vds_resolved_release(ra);
		return r;
	}
	if ((r = vds_tree_open(ctx, ra->dataset.id, ra->version, ta)) < 0 ||
	    (r = vds_tree_open(ctx, rb->dataset.id, rb->version, tb)) < 0) {
		vds_tree_free(*ta);
		vds_resolved_release(ra);
		vds_resolved_release(rb);
	}
	return r;
}

typedef struct diff_out {
	bool json, stat, first;
} diff_out;

static const char *change_name(enum vds_change c)
{
	return c == VDS_ADDED ? "added" : c == VDS_REMOVED ? "removed" : c == VDS_MODIFIED ? "modified"
											 : "renamed";
}

static void print_change(const vds_diff_item *d, void *ud)
{
	diff_out *o = ud;

	if (o->stat)
		return;
	if (o->json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "change", change_name(d->change));
		if (d->change == VDS_RENAMED) {
			cJSON_AddStringToObject(j, "from", d->a->path);
			cJSON_AddStringToObject(j, "to", d->b->path);
			cJSON_AddNumberToObject(j, "size", (double)d->b->size);
		} else {
			cJSON_AddStringToObject(j, "path", (d->b ? d->b : d->a)->path);
			if (d->a)
				cJSON_AddNumberToObject(j, "sizeBefore", (double)d->a->size);
			if (d->b)
				cJSON_AddNumberToObject(j, "sizeAfter", (double)d->b->size);
		}
		char *s = cJSON_PrintUnformatted(j);
		fputs(o->first ? "    " : ",\n    ", stdout);
		json_out(s);
		o->first = false;
		cJSON_free(s);
		cJSON_Delete(j);
		return;
	}
	char *pa = d->a ? vds_display_escape(d->a->path) : NULL;
	char *pb = d->b ? vds_display_escape(d->b->path) : NULL;
	switch (d->change) {
	case VDS_ADDED: printf("A  %s  (%llu bytes)\n", pb, (unsigned long long)d->b->size); break;
	case VDS_REMOVED: printf("D  %s  (%llu bytes)\n", pa, (unsigned long long)d->a->size); break;
	case VDS_MODIFIED:
		printf("M  %s  (%llu -> %llu bytes)\n", pb, (unsigned long long)d->a->size,
		       (unsigned long long)d->b->size);
		break;
	case VDS_RENAMED: printf("R  %s -> %s\n", pa, pb); break;
	}
	free(pa);
	free(pb);
}

static int v_diff(vds_ctx *ctx, cli_args *a)
{
	vds_tree *ta, *tb;
	vds_resolved ra, rb;
	vds_diff_stats st;
	diff_out o = {arg_flag(a, "json"), arg_flag(a, "stat"), true};
	int r = open_pair(ctx, arg_str(a, "id"), arg_str(a, "to"), &ta, &tb, &ra, &rb);

	if (r < 0)
		return r;
	if (o.json)
		printf("{\n  \"from\": \"%s:%s\",\n  \"to\": \"%s:%s\",\n  \"changes\": [\n", ra.dataset.id,
		       ra.version, rb.dataset.id, rb.version);
	r = vds_diff(ta, tb, print_change, &o, &st);
	uint64_t total = st.added + st.removed + st.modified + st.renamed;
	if (r == 0 && o.json) {
		printf("%s  ],\n  \"summary\": {\"added\": %llu, \"removed\": %llu, \"modified\": %llu, "
		       "\"renamed\": %llu, \"bytesAdded\": %llu, \"bytesRemoved\": %llu}\n}\n",
		       o.first ? "" : "\n", (unsigned long long)st.added, (unsigned long long)st.removed,
		       (unsigned long long)st.modified, (unsigned long long)st.renamed,
		       (unsigned long long)st.bytes_added, (unsigned long long)st.bytes_removed);
	} else if (r == 0 && total == 0) {
		printf("No differences between %s:%s and %s:%s\n", ra.dataset.id, ra.version,
		       rb.dataset.id, rb.version);
	} else if (r == 0) {
		printf("%llu change%s: %llu added, %llu removed, %llu modified, %llu renamed "
		       "(+%llu bytes, -%llu bytes)\n",
		       (unsigned long long)total, total == 1 ? "" : "s", (unsigned long long)st.added,
		       (unsigned long long)st.removed, (unsigned long long)st.modified,
		       (unsigned long long)st.renamed, (unsigned long long)st.bytes_added,
		       (unsigned long long)st.bytes_removed);
	}
	vds_tree_free(ta);
	vds_tree_free(tb);
	vds_resolved_release(&ra);
	vds_resolved_release(&rb);
	return r;
}

static void print_bad(const char *path, const char *why, void *ud)
{
	char *p = vds_display_escape(path);
	(void)ud;
	printf("BAD  %s: %s\n", p, why);
	free(p);
}

static int v_verify(vds_ctx *ctx, cli_args *a)
{
	vds_resolved res;
	vds_opts o;
	uint64_t checked = 0, failed = 0;
	int r;

	if ((r = cli_opts(a, &o)) < 0 || (r = need_version(ctx, arg_str(a, "id"), false, &res)) < 0)
		return r;
	r = vds_verify(ctx, res.dataset.id, res.version, &o, print_bad, NULL, &checked, &failed);
	if (r == 0)
		printf("Verified %llu file%s of %s:%s: all intact\n", (unsigned long long)checked,
		       checked == 1 ? "" : "s", res.dataset.id, res.version);
	vds_resolved_release(&res);
	return r;
}

/* Reads the whole content of E (at most TEXT_DIFF_MAX bytes) into *OUT. */
static int read_all(vds_ctx *ctx, const char *ds, const vds_entry *e, char **out)
{
	size_t got;
	*out = xmalloc(e->size + 1);
	int r = vds_content_read(ctx, ds, e->sha256, 0, *out, e->size, &got);
	if (r == 0 && got != e->size)
		r = vds_err(VDS_ECORRUPT, "content of %s is truncated", q(e->path));
	return r;
}

/* Prints one line of diff's output, escaped (its own no-newline marker as it is). */
static void print_diff_line(const char *line, void *ud)
{
	char *esc = strcmp(line, "\\ No newline at end of file") ? vds_display_escape(line)
								: xstrdup(line);
	(void)ud;
	puts(esc);
	free(esc);
}

/* libmagic's answer for DATA, copied (its own buffer is reused by the next call). */
static char *magic_text(magic_t m, int flags, const char *data, size_t len)
{
	magic_setflags(m, flags);
	const char *r = magic_buffer(m, data, len);
	return xstrdup(r ? r : "unknown");
}

/* True if DATA reads as text: empty, or not of a binary encoding. */
static bool is_text(magic_t m, const char *data, size_t len)
{
	if (len == 0)
		return true;
	char *enc = magic_text(m, MAGIC_MIME_ENCODING, data, len);
	bool text = !strstr(enc, "binary");
	free(enc);
	return text;
}

static int f_diff(vds_ctx *ctx, cli_args *a)
{
	vds_tree *ta, *tb;
	vds_resolved ra, rb;
	vds_entry ea, eb;
	char *path = NULL, *da = NULL, *db = NULL;
	int r = open_pair(ctx, arg_str(a, "id"), arg_str(a, "to"), &ta, &tb, &ra, &rb);

	if (r < 0)
		return r;
	if ((r = vds_path_normalize(arg_str(a, "path"), &path)) < 0)
		goto out;
	bool in_a = vds_tree_lookup(ta, path, &ea) == 0, in_b = vds_tree_lookup(tb, path, &eb) == 0;
	if (!in_a && !in_b) {
		r = vds_err(VDS_ENOTFOUND, "no file %s in %s:%s or %s:%s", q(path), ra.dataset.id,
			    ra.version, rb.dataset.id, rb.version);
		goto out;
	}
	vds_entry empty = {.path = path, .type = VDS_FILE};
	if (!in_a)
		ea = empty;
	if (!in_b)
		eb = empty;
	ea.path = eb.path = path;
	if (in_a && in_b && !memcmp(ea.sha256, eb.sha256, 32)) {
		if (ea.mode == eb.mode)
			printf("%s is the same in both (%llu bytes)\n", q(path), (unsigned long long)ea.size);
		else
			printf("%s has the same content in both (%llu bytes); its mode changed from %o to %o\n",
			       q(path), (unsigned long long)ea.size, (unsigned)ea.mode, (unsigned)eb.mode);
		goto out;
	}
	/* each side is read only if small enough to be looked at */
	if ((in_a && ea.size <= TEXT_DIFF_MAX && (r = read_all(ctx, ra.dataset.id, &ea, &da)) < 0) ||
	    (in_b && eb.size <= TEXT_DIFF_MAX && (r = read_all(ctx, rb.dataset.id, &eb, &db)) < 0))
		goto out;
	if (!da)
		da = xstrdup("");
	if (!db)
		db = xstrdup("");
	magic_t m = magic_open(MAGIC_NONE);
	if (m)
		magic_load(m, NULL);
	bool text = m && ea.size <= TEXT_DIFF_MAX && eb.size <= TEXT_DIFF_MAX &&
		    is_text(m, da, ea.size) && is_text(m, db, eb.size);
	if (text) {
		char *la = xasprintf("%s:%s/%s", ra.dataset.id, ra.version, path);
		char *lb = xasprintf("%s:%s/%s", rb.dataset.id, rb.version, path);
		bool any;
		fflush(stdout);
		r = vds_text_diff(la, da, ea.size, lb, db, eb.size, print_diff_line, NULL, &any);
		if (r == 0 && !any) /* an empty file on one side only */
			printf("%s is empty in %s:%s and absent from %s:%s\n", q(path),
			       in_a ? ra.dataset.id : rb.dataset.id, in_a ? ra.version : rb.version,
			       in_a ? rb.dataset.id : ra.dataset.id, in_a ? rb.version : ra.version);
		free(la);
		free(lb);
	} else {
		char ha[65], hb[65], sa[32], sb[32];
		vds_sha256_hex(ea.sha256, ha);
		vds_sha256_hex(eb.sha256, hb);
		snprintf(sa, sizeof(sa), "%llu", (unsigned long long)ea.size);
		snprintf(sb, sizeof(sb), "%llu", (unsigned long long)eb.size);
		char *ida = xasprintf("%s:%s", ra.dataset.id, ra.version);
		char *idb = xasprintf("%s:%s", rb.dataset.id, rb.version);
		table *t = table_new(3, "", ida, idb);
		table_row(t, "Size", in_a ? sa : "-", in_b ? sb : "-");
		table_row(t, "SHA-256", in_a ? ha : "-", in_b ? hb : "-");
		char *ta_ = in_a && m && ea.size <= TEXT_DIFF_MAX ? magic_text(m, MAGIC_NONE, da, ea.size)
								 : xstrdup("-");
		char *tb_ = in_b && m && eb.size <= TEXT_DIFF_MAX ? magic_text(m, MAGIC_NONE, db, eb.size)
								 : xstrdup("-");
		table_row(t, "Type", ta_, tb_);
		table_print(t);
		free(ta_);
		free(tb_);
		free(ida);
		free(idb);
	}
	if (m)
		magic_close(m);
out:
	free(da);
	free(db);
	free(path);
	vds_tree_free(ta);
	vds_tree_free(tb);
	vds_resolved_release(&ra);
	vds_resolved_release(&rb);
	return r;
}

static const cli_opt diff_opts[] = {
	{"id", OPT_STR, true, "DS:REF", "the version to compare from"},
	{"to", OPT_STR, true, "DS:REF", "the version to compare to (any dataset)"},
	{"stat", OPT_BOOL, false, "", "only the summary line"},
	{"json", OPT_BOOL, false, "", "print JSON"},
	{0},
};
static const cli_opt verify_opts[] = {
	{"id", OPT_STR, true, "DS:REF", "version reference"},
	{"concurrency", OPT_STR, false, "N", "parallel file workers"},
	{0},
};
static const cli_opt fdiff_opts[] = {
	{"id", OPT_STR, true, "DS:REF", "the version to compare from"},
	{"to", OPT_STR, true, "DS:REF", "the version to compare to (any dataset)"},
	{"path", OPT_STR, true, "P", "the file to compare"},
	{0},
};

const cli_cmd diff_cmds[] = {
	{"datasets versions diff", v_diff, "Show what changed between two versions (from file lists alone)",
	 diff_opts},
	{"datasets versions verify", v_verify, "Re-read every file of a version and check its SHA-256",
	 verify_opts},
	{0},
};

const cli_cmd file_diff_cmds[] = {
	{"datasets files diff", f_diff, "Compare one file between two versions", fdiff_opts},
	{0},
};
