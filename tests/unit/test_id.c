/* test_id.c - random ids, record stamps, time stamps and SHA-256 hex. */
#include "config.h"

#include "tap.h"

#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "vds.h"

static bool all_base36(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z')))
			return false;
	return true;
}

static bool all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- vds_random_base36 ----------------------------------------------- */

static void test_random(void)
{
	char buf[64];
	static char big[100001];
	bool seen[36] = {false}, in_alphabet;
	size_t nseen = 0;

	memset(buf, '#', sizeof(buf));
	vds_random_base36(buf, 13);
	is_int(strlen(buf), 13, "13 characters asked, 13 written");
	ok(all_base36(buf, 13), "13 characters are lowercase base36");
	is_int(buf[14], '#', "nothing written after the terminating NUL");

	memset(buf, '#', sizeof(buf));
	vds_random_base36(buf, 0);
	is_int(buf[0], '\0', "0 characters: just the NUL");
	is_int(buf[1], '#', "0 characters: nothing else written");

	memset(buf, '#', sizeof(buf));
	vds_random_base36(buf, 63);
	is_int(strlen(buf), 63, "63 characters asked, 63 written");

	vds_random_base36(big, 100000);
	is_int(strlen(big), 100000, "100000 characters asked, 100000 written");
	in_alphabet = all_base36(big, 100000);
	ok(in_alphabet, "100000 random characters are all in [0-9a-z]");
	for (size_t i = 0; i < 100000; i++) {
		int k = big[i] <= '9' ? big[i] - '0' : big[i] - 'a' + 10;

		if (k >= 0 && k < 36 && !seen[k]) {
			seen[k] = true;
			nseen++;
		}
	}
	is_int(nseen, 36, "all 36 base36 digits occur in 100000 random characters");

	/* 10000 ids of 13 characters have no duplicates */
	enum { N = 10000 };
	char **ids = xcalloc(N, sizeof(*ids));
	size_t dups = 0;

	for (size_t i = 0; i < N; i++) {
		ids[i] = xmalloc(14);
		vds_random_base36(ids[i], 13);
	}
	qsort(ids, N, sizeof(*ids), cmp_str);
	for (size_t i = 1; i < N; i++)
		if (!strcmp(ids[i - 1], ids[i]))
			dups++;
	is_int(dups, 0, "10000 random 13-character ids have no duplicates");
	for (size_t i = 0; i < N; i++)
		free(ids[i]);
	free(ids);
}

/* ---- vds_stamp ------------------------------------------------------- */

static void test_stamp(void)
{
	enum { N = 10000 };
	char (*s)[26] = xcalloc(N, sizeof(*s));
	size_t bad_form = 0, not_increasing = 0;
	int64_t before = vds_now_us(), first, last;

	for (size_t i = 0; i < N; i++)
		vds_stamp(s[i]);
	for (size_t i = 0; i < N; i++) {
		if (strlen(s[i]) != 25 || !all_hex(s[i], 16) || s[i][16] != '-' ||
		    !all_base36(s[i] + 17, 8))
			bad_form++;
		if (i && strncmp(s[i - 1], s[i], 16) >= 0)
			not_increasing++;
	}
	is_int(bad_form, 0, "10000 stamps have the form 16 hex, '-', 8 base36");
	is_int(not_increasing, 0, "10000 stamps made in a row strictly increase");
	first = (int64_t)strtoull(s[0], NULL, 16);
	last = (int64_t)strtoull(s[N - 1], NULL, 16);
	ok(first >= before, "the first stamp is not before the clock at the start");
	ok(last - first >= N - 1, "N stamps span at least N-1 microseconds");
	ok(last <= vds_now_us() + N, "stamps stay near the clock");
	is_int(strlen(s[0]), 25, "a stamp is 25 characters");
	free(s);
}

/* ---- ISO times ------------------------------------------------------- */

static void iso_is(int64_t us, const char *want)
{
	char buf[40];

	memset(buf, '#', sizeof(buf));
	vds_iso_time(us, buf);
	is_str(buf, want, "vds_iso_time(%lld)", (long long)us);
	is_int(vds_parse_time(want), us, "vds_parse_time('%s')", want);
}

static void parse_bad(const char *s, const char *label)
{
	is_int(vds_parse_time(s), -1, "vds_parse_time %s is -1", label);
}

static void test_time(void)
{
	char buf[40], fmt[32];
	int64_t now = vds_now_us();
	size_t bad = 0;

	iso_is(0, "1970-01-01T00:00:00.000000Z");
	iso_is(1, "1970-01-01T00:00:00.000001Z");
	iso_is(999999, "1970-01-01T00:00:00.999999Z");
	iso_is(1000000, "1970-01-01T00:00:01.000000Z");
	iso_is(1700000000123456LL, "2023-11-14T22:13:20.123456Z");
	iso_is(951782400000000LL, "2000-02-29T00:00:00.000000Z");
	iso_is(4102444799999999LL, "2099-12-31T23:59:59.999999Z");
	iso_is(253402300799999999LL, "9999-12-31T23:59:59.999999Z");

	vds_iso_time(now, buf);
	is_int(vds_parse_time(buf), now, "vds_parse_time(vds_iso_time(now)) round trip");
	for (int64_t us = 1; us < 4102444800000000LL; us = us * 3 + 7) {
		vds_iso_time(us, buf);
		if (vds_parse_time(buf) != us) {
			printf("# round trip failed for %lld: '%s'\n", (long long)us, buf);
			bad++;
		}
	}
	is_int(bad, 0, "iso time round trip over a range of values");

	vds_format_time(1700000000123456LL, fmt);
	is_str(fmt, "2023-11-14 22:13:20", "vds_format_time");

	parse_bad(NULL, "of NULL");
	parse_bad("", "of ''");
	parse_bad("garbage", "of 'garbage'");
	parse_bad("2023-11-14", "of a date only");
	parse_bad("2023-11-14T22:13:20Z", "without microseconds");
	parse_bad("2023-11-14T22:13:20.123456", "without 'Z'");
	parse_bad("2023-11-14T22:13:20.123456Zx", "with trailing text");
	parse_bad("2023-11-14T22:13:20.123456Z ", "with a trailing space");
	parse_bad("2023-11-14 22:13:20.123456Z", "with ' ' instead of 'T'");
	parse_bad("2023/11/14T22:13:20.123456Z", "with '/' separators");
	parse_bad("2023-11-14T22:13:20,123456Z", "with ',' before the fraction");
	parse_bad("2023-11-14T22:13:20.1234567Z", "with 7 fraction digits");
	parse_bad("2023-11-14T22:13:20.5Z", "with 1 fraction digit");
	parse_bad("2023-11-14T22:13:20.12345Z", "with 5 fraction digits");
	parse_bad("2023-1-14T22:13:20.123456Z", "with a 1-digit month");
	parse_bad("23-11-14T22:13:20.123456Z", "with a 2-digit year");
	parse_bad(" 2023-11-14T22:13:20.123456Z", "with a leading space");
	parse_bad("2023-11-14T22:13:20.-12345Z", "with a negative fraction");
	parse_bad("2023-+1-14T22:13:20.123456Z", "with a signed month");
	parse_bad("2023-13-14T22:13:20.123456Z", "with month 13");
	parse_bad("2023-11-32T22:13:20.123456Z", "with day 32");
	parse_bad("2023-11-14T24:13:20.123456Z", "with hour 24");
	parse_bad("2023-11-14T22:60:20.123456Z", "with minute 60");
}

/* ---- SHA-256 hex ----------------------------------------------------- */

static void test_sha_hex(void)
{
	unsigned char sha[32], back[32];
	char hex[65], bad[65];
	static const char want[] =
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
	static const char empty[] =
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
	static const unsigned char empty_bytes[4] = {0xe3, 0xb0, 0xc4, 0x42};

	for (int i = 0; i < 32; i++)
		sha[i] = (unsigned char)i;
	memset(hex, '#', sizeof(hex));
	vds_sha256_hex(sha, hex);
	is_str(hex, want, "vds_sha256_hex of 00..1f");
	memset(back, 0xee, sizeof(back));
	is_int(vds_sha256_parse(hex, back), 0, "vds_sha256_parse of its output");
	ok(!memcmp(sha, back, 32), "hex round trip gives the same bytes");

	memset(sha, 0xff, sizeof(sha));
	vds_sha256_hex(sha, hex);
	is_str(hex, "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	       "vds_sha256_hex of all 0xff");
	is_int(vds_sha256_parse(empty, back), 0, "parse the SHA-256 of the empty string");
	ok(!memcmp(back, empty_bytes, 4) && back[31] == 0x55, "parsed bytes are right");
	vds_sha256_hex(back, hex);
	is_str(hex, empty, "and they format back to the same hex");

	unsigned seed = 12345;
	size_t bad_rt = 0;

	for (int k = 0; k < 100; k++) {
		for (int i = 0; i < 32; i++) {
			seed = seed * 1103515245u + 12345u;
			sha[i] = (unsigned char)(seed >> 16);
		}
		vds_sha256_hex(sha, hex);
		if (strlen(hex) != 64 || !all_hex(hex, 64) || vds_sha256_parse(hex, back) < 0 ||
		    memcmp(sha, back, 32))
			bad_rt++;
	}
	is_int(bad_rt, 0, "100 pseudo-random hashes round trip through hex");

	is_int(vds_sha256_parse("", back), -1, "parse '' fails");
	is_int(vds_sha256_parse("0001020304", back), -1, "parse of 10 characters fails");
	memcpy(bad, want, 65);
	bad[63] = '\0';
	is_int(vds_sha256_parse(bad, back), -1, "parse of 63 characters fails");
	memcpy(bad, want, 65);
	bad[10] = 'g';
	is_int(vds_sha256_parse(bad, back), -1, "parse with a 'g' fails");
	memcpy(bad, want, 65);
	bad[11] = 'A';
	is_int(vds_sha256_parse(bad, back), -1, "parse with upper case 'A' fails");
	memcpy(bad, want, 65);
	bad[0] = ' ';
	is_int(vds_sha256_parse(bad, back), -1, "parse with a leading space fails");
	memcpy(bad, want, 65);
	bad[63] = '-';
	is_int(vds_sha256_parse(bad, back), -1, "parse with '-' in the last place fails");
	memcpy(bad, want, 65);
	bad[32] = 'x';
	is_int(vds_sha256_parse(bad, back), -1, "parse with 'x' in the middle fails");
}

/* ---- ids made by the store ------------------------------------------ */

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void test_store_ids(void)
{
	const char *base = getenv("VDS_TEST_TMP");
	char *home;
	vds_ctx *ctx = NULL;
	size_t bad_ds = 0, bad_ver = 0;
	int r;

	if (!base || !*base)
		base = getenv("TMPDIR");
	if (!base || !*base)
		base = "/tmp";
	vds_mkdirs(base);
	home = xasprintf("%s/unit-id-XXXXXX", base);
	ok(mkdtemp(home) != NULL, "temporary VDS_HOME created");
	setenv("VDS_HOME", home, 1);
	r = vds_ctx_open(&ctx, NULL);
	is_int(r, 0, "vds_ctx_open in a fresh VDS_HOME");
	if (r < 0) {
		printf("#   message: %s\n", vds_errmsg());
		free(home);
		return;
	}
	const vds_provider *p = vds_provider_default(ctx);
	ok(p && strlen(p->id) == 15 && !strncmp(p->id, "sp", 2) && all_base36(p->id + 2, 13),
	   "default provider id is 'sp' + 13 base36");

	for (int i = 0; i < 20; i++) {
		vds_dataset d;
		char ver[VDS_VERID_LEN + 1];

		if (vds_dataset_create(ctx, "ids", NULL, NULL, &d) < 0) {
			bad_ds++;
			continue;
		}
		if (strlen(d.id) != 15 || strncmp(d.id, "ds", 2) || !all_base36(d.id + 2, 13)) {
			printf("# bad dataset id '%s'\n", d.id);
			bad_ds++;
		}
		for (int k = 0; k < 3; k++) {
			memset(ver, '#', sizeof(ver));
			if (vds_version_create(ctx, d.id, NULL, NULL, ver) < 0 || strlen(ver) != 7 ||
			    !all_base36(ver, 7) || !vds_is_version_id(ver)) {
				printf("# bad version id '%.8s'\n", ver);
				bad_ver++;
			}
		}
		vds_dataset_release(&d);
	}
	is_int(bad_ds, 0, "20 dataset ids have the form 'ds' + 13 base36");
	is_int(bad_ver, 0, "60 version ids have the form of 7 base36");
	vds_ctx_free(ctx);
	nftw(home, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(home);
}

int main(void)
{
	test_random();
	test_stamp();
	test_time();
	test_sha_hex();
	test_store_ids();
	return done();
}
