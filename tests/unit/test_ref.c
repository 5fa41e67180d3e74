/* test_ref.c - references, tag names and version ids; resolution in a temporary store. */
#include "config.h"

#include "tap.h"

#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "vds.h"

/* ---- vds_ref_parse -------------------------------------------------- */

static void parse_ok(const char *ref, const char *want_ds, const char *want_name)
{
	char *ds = (char *)"unset", *name = (char *)"unset";
	int r = vds_ref_parse(ref, &ds, &name);

	is_int(r, 0, "ref_parse '%s' succeeds", ref);
	is_str(ds, want_ds, "ref_parse '%s': dataset", ref);
	is_str(name, want_name, "ref_parse '%s': name", ref);
	if (r == 0) {
		free(ds);
		free(name);
	}
}

static void parse_bad(const char *ref, const char *label, const char *want_msg)
{
	char *ds = (char *)"unset", *name = (char *)"unset";
	int r = vds_ref_parse(ref, &ds, &name);

	is_int(r, VDS_EINVAL, "ref_parse %s fails with VDS_EINVAL", label);
	is_str(vds_errmsg(), want_msg, "ref_parse %s: message", label);
	ok(ds == NULL && name == NULL, "ref_parse %s: outputs are NULL", label);
}

static void test_ref_parse(void)
{
	parse_ok("mydata", "mydata", NULL);
	parse_ok("ds0123456789abc", "ds0123456789abc", NULL);
	parse_ok("ds0123456789abc:a1b2c3d", "ds0123456789abc", "a1b2c3d");
	parse_ok("mydata:v1.0", "mydata", "v1.0");
	parse_ok("mydata:latest", "mydata", "latest");
	parse_ok("my data:t\xc3\xa9", "my data", "t\xc3\xa9");

	parse_bad("", "\"\"", "malformed reference '': no dataset");
	parse_bad(":x", "\":x\"", "malformed reference ':x': no dataset");
	parse_bad(":", "\":\"", "malformed reference ':': no dataset");
	parse_bad("ds:", "\"ds:\"",
		  "malformed reference 'ds:': expected DATASET[:VERSION|:TAG]");
	parse_bad("a:b:c", "\"a:b:c\"",
		  "malformed reference 'a:b:c': expected DATASET[:VERSION|:TAG]");
	parse_bad("a::", "\"a::\"",
		  "malformed reference 'a::': expected DATASET[:VERSION|:TAG]");
	parse_bad("a\x01" "b", "with \\x01 in the dataset",
		  "malformed reference 'a\\x01b': control characters");
	parse_bad("ds:t\ng", "with a newline in the name",
		  "malformed reference 'ds:t\\x0ag': control characters");
	parse_bad("ds:\x7f", "with DEL as the name",
		  "malformed reference 'ds:\\x7f': control characters");
	parse_bad("d\x1b[0m", "with an escape sequence",
		  "malformed reference 'd\\x1b[0m': control characters");
}

/* ---- vds_tag_name_check --------------------------------------------- */

static void tag_ok(const char *name, const char *label)
{
	is_int(vds_tag_name_check(name), 0, "tag name %s accepted", label);
}

static void tag_bad(const char *name, const char *label, const char *want_msg)
{
	is_int(vds_tag_name_check(name), VDS_EINVAL, "tag name %s refused", label);
	is_str(vds_errmsg(), want_msg, "tag name %s: message", label);
}

static void test_tag_names(void)
{
	char buf[200];

	tag_ok("v1", "'v1'");
	tag_ok("release-2024.01_rc", "'release-2024.01_rc'");
	tag_ok("a.b", "'a.b'");
	tag_ok("...", "'...'");
	tag_ok(".hidden", "'.hidden'");
	tag_ok("v-", "'v-' (dash not first)");
	tag_ok("latest2", "'latest2'");
	tag_ok("Latest", "'Latest'");
	tag_ok("a1b2c3d", "shaped like a version id");
	tag_ok("caf\xc3\xa9", "'caf\\xc3\\xa9' (2-byte UTF-8)");
	tag_ok("\xe2\x82\xac" "100", "with U+20AC (3-byte UTF-8)");
	tag_ok("\xed\x9f\xbf", "U+D7FF (just below the surrogates)");
	tag_ok("\xee\x80\x80", "U+E000 (just above the surrogates)");
	tag_ok("\xf0\x9f\x98\x80", "U+1F600 (4-byte UTF-8)");
	tag_ok("\xf4\x8f\xbf\xbf", "U+10FFFF (highest code point)");
	tag_ok("\xc2\xa0", "U+00A0 (lowest 2-byte after the C1 controls)");
	tag_ok("\xe0\xa0\x80", "U+0800 (lowest 3-byte)");
	tag_ok("\xf0\x90\x80\x80", "U+10000 (lowest 4-byte)");

	tag_bad("", "empty", "tag name may not be empty");
	tag_bad("latest", "'latest'", "'latest' is reserved and cannot be a tag name");
	tag_bad(".", "'.'", "tag name '.' is not allowed");
	tag_bad("..", "'..'", "tag name '..' is not allowed");
	tag_bad("-v1", "'-v1'", "tag name '-v1' may not start with '-'");
	tag_bad("-", "'-'", "tag name '-' may not start with '-'");
	tag_bad("a/b", "'a/b'", "tag name 'a/b' may not contain '/'");
	tag_bad("a:b", "'a:b'", "tag name 'a:b' may not contain ':'");
	tag_bad("a b", "'a b'", "tag name 'a b' may not contain ' '");
	tag_bad("a\\b", "'a\\\\b'", "tag name 'a\\x5cb' may not contain '\\'");
	tag_bad("a\tb", "with a tab", "tag name 'a\\x09b' contains control characters");
	tag_bad("a\nb", "with a newline", "tag name 'a\\x0ab' contains control characters");
	tag_bad("\x01", "'\\x01'", "tag name '\\x01' contains control characters");
	tag_bad("\xc2\x80", "U+0080 (a C1 control)", "tag name '\\xc2\\x80' contains control characters");
	tag_bad("a\xc2\x9b" "b", "U+009B (CSI)", "tag name 'a\\xc2\\x9bb' contains control characters");
	tag_bad("a\x1f", "with \\x1f", "tag name 'a\\x1f' contains control characters");
	tag_bad("a\x7f", "with DEL", "tag name 'a\\x7f' contains control characters");
	tag_bad("\xc0\xaf", "overlong 2-byte '/'", "tag name '\\xc0\\xaf' is not valid UTF-8");
	tag_bad("\xc1\xbf", "overlong 2-byte U+007F", "tag name '\\xc1\\xbf' is not valid UTF-8");
	tag_bad("\xe0\x80\xaf", "overlong 3-byte '/'", "tag name '\\xe0\\x80\\xaf' is not valid UTF-8");
	tag_bad("\xe0\x9f\xbf", "overlong 3-byte U+07FF",
		"tag name '\\xe0\\x9f\\xbf' is not valid UTF-8");
	tag_bad("\xf0\x80\x80\xaf", "overlong 4-byte '/'",
		"tag name '\\xf0\\x80\\x80\\xaf' is not valid UTF-8");
	tag_bad("\xf0\x8f\xbf\xbf", "overlong 4-byte U+FFFF",
		"tag name '\\xf0\\x8f\\xbf\\xbf' is not valid UTF-8");
	tag_bad("\xed\xa0\x80", "surrogate U+D800", "tag name '\\xed\\xa0\\x80' is not valid UTF-8");
	tag_bad("\xed\xbf\xbf", "surrogate U+DFFF", "tag name '\\xed\\xbf\\xbf' is not valid UTF-8");
	tag_bad("\xf4\x90\x80\x80", "above U+10FFFF",
		"tag name '\\xf4\\x90\\x80\\x80' is not valid UTF-8");
	tag_bad("\xf5\x80\x80\x80", "lead byte 0xf5", "tag name '\\xf5\\x80\\x80\\x80' is not valid UTF-8");
	tag_bad("a\xc3", "truncated 2-byte at the end", "tag name 'a\\xc3' is not valid UTF-8");
	tag_bad("\xe2\x82", "truncated 3-byte", "tag name '\\xe2\\x82' is not valid UTF-8");
	tag_bad("\xf0\x9f\x98", "truncated 4-byte", "tag name '\\xf0\\x9f\\x98' is not valid UTF-8");
	tag_bad("\xe2\x82x", "3-byte cut by ASCII", "tag name '\\xe2\\x82x' is not valid UTF-8");
	tag_bad("\x80", "lone continuation byte", "tag name '\\x80' is not valid UTF-8");
	tag_bad("a\xbf" "b", "continuation byte in the middle", "tag name 'a\\xbf" "b' is not valid UTF-8");
	tag_bad("\xff", "byte 0xff", "tag name '\\xff' is not valid UTF-8");
	tag_bad("\xfe", "byte 0xfe", "tag name '\\xfe' is not valid UTF-8");

	memset(buf, 'a', 128);
	buf[128] = '\0';
	tag_ok(buf, "of 128 bytes");
	buf[128] = 'a';
	buf[129] = '\0';
	tag_bad(buf, "of 129 bytes", "tag name is longer than 128 bytes");
	/* 126 bytes of ASCII and one 2-byte character: 128 bytes */
	memset(buf, 'b', 126);
	memcpy(buf + 126, "\xc3\xa9", 3);
	tag_ok(buf, "of 128 bytes ending in a 2-byte character");
	memset(buf, 'b', 127);
	memcpy(buf + 127, "\xc3\xa9", 3);
	tag_bad(buf, "of 129 bytes ending in a 2-byte character",
		"tag name is longer than 128 bytes");
}

/* ---- vds_is_version_id ---------------------------------------------- */

static void test_version_ids(void)
{
	ok(vds_is_version_id("a1b2c3d"), "'a1b2c3d' is a version id");
	ok(vds_is_version_id("0000000"), "'0000000' is a version id");
	ok(vds_is_version_id("zzzzzzz"), "'zzzzzzz' is a version id");
	ok(vds_is_version_id("latest7"), "'latest7' is a version id");
	ok(!vds_is_version_id(""), "'' is not a version id");
	ok(!vds_is_version_id("a1b2c3"), "6 characters is not a version id");
	ok(!vds_is_version_id("a1b2c3d4"), "8 characters is not a version id");
	ok(!vds_is_version_id("A1B2C3D"), "upper case is not a version id");
	ok(!vds_is_version_id("a1b2c3-"), "'-' is not a version id character");
	ok(!vds_is_version_id("a1b.c3d"), "'.' is not a version id character");
	ok(!vds_is_version_id("latest"), "'latest' is not a version id");
	ok(!vds_is_version_id("a1b2c3\xc3"), "a non-ASCII byte is not a version id character");
}

/* ---- resolution in a temporary store ------------------------------- */

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static char *make_tmp_home(void)
{
	const char *base = getenv("VDS_TEST_TMP");
	char *tmpl;

	if (!base || !*base)
		base = getenv("TMPDIR");
	if (!base || !*base)
		base = "/tmp";
	vds_mkdirs(base);
	tmpl = xasprintf("%s/unit-ref-XXXXXX", base);
	if (!mkdtemp(tmpl)) {
		free(tmpl);
		return NULL;
	}
	return tmpl;
}

static void resolve_ok(vds_ctx *ctx, const char *ref, bool need, const char *want_ds,
		       const char *want_ver, const char *want_tag, bool want_committed,
		       const char *label)
{
	vds_resolved res;
	int r = vds_ref_resolve(ctx, ref, need, &res);

	is_int(r, 0, "resolve %s succeeds", label);
	if (r < 0) {
		printf("#   message: %s\n", vds_errmsg());
		return;
	}
	is_str(res.dataset.id, want_ds, "resolve %s: dataset id", label);
	is_str(res.version, want_ver, "resolve %s: version", label);
	is_str(res.tag, want_tag, "resolve %s: tag", label);
	is_int(res.committed, want_committed, "resolve %s: committed", label);
	vds_resolved_release(&res);
}

static void resolve_bad(vds_ctx *ctx, const char *ref, bool need, int want_r,
			const char *want_msg, const char *label)
{
	vds_resolved res;
	int r = vds_ref_resolve(ctx, ref, need, &res);

	is_int(r, want_r, "resolve %s fails", label);
	is_str(vds_errmsg(), want_msg, "resolve %s: message", label);
	if (r == 0)
		vds_resolved_release(&res);
}

static void test_resolve(void)
{
	char *home = make_tmp_home(), *ref, *msg;
	vds_ctx *ctx = NULL;
	vds_dataset d = {0}, d2 = {0}, d3 = {0}, d4 = {0};
	char v1[VDS_VERID_LEN + 1] = "", v2[VDS_VERID_LEN + 1] = "", v3[VDS_VERID_LEN + 1] = "";
	char dv[VDS_VERID_LEN + 1] = "";
	int r;

	ok(home != NULL, "temporary VDS_HOME created");
	if (!home)
		return;
	setenv("VDS_HOME", home, 1);
	r = vds_ctx_open(&ctx, NULL);
	is_int(r, 0, "vds_ctx_open in a fresh VDS_HOME");
	if (r < 0) {
		printf("#   message: %s\n", vds_errmsg());
		goto out;
	}

	is_int(vds_dataset_create(ctx, "refs", "", NULL, &d), 0, "create dataset 'refs'");
	is_int(vds_version_create(ctx, d.id, "one", NULL, v1), 0, "create version 1");
	is_int(vds_version_commit(ctx, d.id, v1), 0, "commit version 1");
	is_int(vds_version_create(ctx, d.id, "two", v1, v2), 0, "create version 2");
	is_int(vds_version_commit(ctx, d.id, v2), 0, "commit version 2");
	is_int(vds_version_create(ctx, d.id, "draft", v2, v3), 0, "create draft version 3");
	is_int(vds_tag_set(ctx, d.id, v1, "stable"), 0, "tag version 1 'stable'");
	ok(strcmp(v1, v2) && strcmp(v2, v3) && strcmp(v1, v3), "version ids are distinct");

	/* DS alone: no version unless one is needed, then latest */
	resolve_ok(ctx, d.id, false, d.id, "", NULL, false, "DS without need_version");
	resolve_ok(ctx, d.id, true, d.id, v2, NULL, true, "DS with need_version");
	/* DS:latest is the newest committed version, not the newer draft */
	ref = xasprintf("%s:latest", d.id);
	resolve_ok(ctx, ref, false, d.id, v2, NULL, true, "DS:latest");
	resolve_ok(ctx, ref, true, d.id, v2, NULL, true, "DS:latest with need_version");
	free(ref);
	/* DS:VER */
	ref = xasprintf("%s:%s", d.id, v1);
	resolve_ok(ctx, ref, false, d.id, v1, NULL, true, "DS:VER (committed)");
	free(ref);
	ref = xasprintf("%s:%s", d.id, v3);
	resolve_ok(ctx, ref, true, d.id, v3, NULL, false, "DS:VER (draft)");
	free(ref);
	/* DS:TAG */
	ref = xasprintf("%s:stable", d.id);
	resolve_ok(ctx, ref, false, d.id, v1, "stable", true, "DS:TAG");
	free(ref);
	/* the dataset by its unique name */
	resolve_ok(ctx, "refs", false, d.id, "", NULL, false, "NAME");
	resolve_ok(ctx, "refs:latest", false, d.id, v2, NULL, true, "NAME:latest");
	ref = xasprintf("refs:%s", v1);
	resolve_ok(ctx, ref, false, d.id, v1, NULL, true, "NAME:VER");
	free(ref);
	resolve_ok(ctx, "refs:stable", false, d.id, v1, "stable", true, "NAME:TAG");

	/* moving a tag changes what it resolves to */
	is_int(vds_tag_set(ctx, d.id, v2, "stable"), 0, "move tag 'stable' to version 2");
	resolve_ok(ctx, "refs:stable", false, d.id, v2, "stable", true, "NAME:TAG after a move");

	/* a tag shaped like a version id that no version has resolves as a tag */
	{
		const char *vt = strcmp(v1, "zzzzzzz") && strcmp(v2, "zzzzzzz") && strcmp(v3, "zzzzzzz")
					 ? "zzzzzzz"
					 : "yyyyyyy";

		is_int(vds_tag_set(ctx, d.id, v1, vt), 0, "tag version 1 with a version-id-shaped name");
		ref = xasprintf("%s:%s", d.id, vt);
		resolve_ok(ctx, ref, false, d.id, v1, vt, true, "DS:TAG shaped like a version id");
		free(ref);
	}

	/* unknown tag or version */
	ref = xasprintf("%s:nope", d.id);
	msg = xasprintf("no version or tag 'nope' in dataset %s", d.id);
	resolve_bad(ctx, ref, false, VDS_ENOTFOUND, msg, "DS:unknown-tag");
	free(ref);
	free(msg);
	ref = xasprintf("%s:zzzzzz9", d.id);
	msg = xasprintf("no version or tag 'zzzzzz9' in dataset %s", d.id);
	resolve_bad(ctx, ref, false, VDS_ENOTFOUND, msg, "DS:unknown-version-id");
	free(ref);
	free(msg);

	/* a deleted tag no longer resolves */
	is_int(vds_tag_set(ctx, d.id, v1, "old"), 0, "tag version 1 'old'");
	is_int(vds_tag_delete(ctx, d.id, "old"), 0, "delete tag 'old'");
	ref = xasprintf("%s:old", d.id);
	msg = xasprintf("no version or tag 'old' in dataset %s", d.id);
	resolve_bad(ctx, ref, false, VDS_ENOTFOUND, msg, "DS:deleted-tag");
	free(ref);
	free(msg);

	/* tags refuse drafts and names of existing versions */
	is_int(vds_tag_set(ctx, d.id, v3, "wip"), VDS_ECONFLICT, "a draft cannot be tagged");
	is_int(vds_tag_set(ctx, d.id, v1, v2), VDS_EINVAL,
	       "a tag cannot take the id of another version");
	is_int(vds_tag_set(ctx, d.id, v1, "latest"), VDS_EINVAL, "a tag cannot be named 'latest'");

	/* a dataset with only drafts has no latest */
	is_int(vds_dataset_create(ctx, "drafts", NULL, NULL, &d2), 0, "create dataset 'drafts'");
	is_int(vds_version_create(ctx, d2.id, "wip", NULL, dv), 0, "create a draft in 'drafts'");
	ref = xasprintf("%s:latest", d2.id);
	msg = xasprintf("dataset %s has no committed version", d2.id);
	resolve_bad(ctx, ref, false, VDS_ENOTFOUND, msg, "DS:latest with only drafts");
	resolve_bad(ctx, d2.id, true, VDS_ENOTFOUND, msg, "DS with need_version and only drafts");
	free(ref);
	free(msg);
	resolve_ok(ctx, "drafts", false, d2.id, "", NULL, false, "drafts-only dataset without version");

	/* unknown and ambiguous datasets */
	resolve_bad(ctx, "nosuch", false, VDS_ENOTFOUND, "no such dataset 'nosuch'",
		    "unknown dataset name");
	resolve_bad(ctx, "ds0000000000000:latest", false, VDS_ENOTFOUND,
		    "no such dataset 'ds0000000000000'", "unknown dataset id");
	is_int(vds_dataset_create(ctx, "twin", NULL, NULL, &d3), 0, "create dataset 'twin'");
	is_int(vds_dataset_create(ctx, "twin", NULL, NULL, &d4), 0, "create another 'twin'");
	resolve_bad(ctx, "twin", false, VDS_EINVAL, "2 datasets are named 'twin': use an id",
		    "ambiguous dataset name");
	resolve_ok(ctx, d4.id, false, d4.id, "", NULL, false, "ambiguous name's dataset by id");
	/* malformed references fail before any lookup */
	resolve_bad(ctx, ":x", false, VDS_EINVAL, "malformed reference ':x': no dataset",
		    "':x'");
	resolve_bad(ctx, "refs:a:b", false, VDS_EINVAL,
		    "malformed reference 'refs:a:b': expected DATASET[:VERSION|:TAG]", "'refs:a:b'");

out:
	vds_dataset_release(&d);
	vds_dataset_release(&d2);
	vds_dataset_release(&d3);
	vds_dataset_release(&d4);
	vds_ctx_free(ctx);
	nftw(home, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(home);
}

int main(void)
{
	test_ref_parse();
	test_tag_names();
	test_version_ids();
	test_resolve();
	return done();
}
