/*
 * fuzz_ref.c - references and tag names: vds_ref_parse(),
 * vds_tag_name_check(), vds_is_version_id() and the key form of tag names,
 * on the input as one string.
 */
#include "config.h"

#include "fuzz.h"
#include "core.h"

/* Checks what the tag name rules promise of an accepted NAME. */
static void accepted_tag(const char *name)
{
	strbuf key = STRBUF_INIT;
	size_t n = strlen(name);

	FUZZ_CHECK(n > 0 && n <= VDS_TAG_MAX);
	FUZZ_CHECK(!strpbrk(name, "/: \\"));
	FUZZ_CHECK(strcmp(name, "latest") && strcmp(name, ".") && strcmp(name, ".."));
	FUZZ_CHECK(name[0] != '-');
	/* the key of a tag is one safe key component */
	tag_key_name(&key, name);
	FUZZ_CHECK(key.len >= n && !strchr(key.buf, '/') && key.buf[0] != '.');
	for (const char *p = key.buf; *p; p++)
		FUZZ_CHECK((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			   (*p >= '0' && *p <= '9') || strchr("_-.%", *p));
	sb_release(&key);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size), *ds = (char *)"unset", *name = (char *)"unset";

	if (vds_ref_parse(s, &ds, &name) == 0) {
		size_t dl = strlen(ds);

		/* DATASET[:NAME] splits the reference without losing a byte */
		FUZZ_CHECK(dl > 0 && !strchr(ds, ':'));
		FUZZ_CHECK(!strncmp(s, ds, dl));
		if (name) {
			FUZZ_CHECK(*name && !strchr(name, ':'));
			FUZZ_CHECK(s[dl] == ':' && !strcmp(s + dl + 1, name));
		} else {
			FUZZ_CHECK(s[dl] == '\0');
		}
		if (name && vds_tag_name_check(name) == 0)
			accepted_tag(name);
		(void)vds_is_version_id(ds);
		free(ds);
		free(name);
	} else {
		FUZZ_CHECK(!ds && !name);
		FUZZ_CHECK(*vds_errmsg());
	}
	if (vds_tag_name_check(s) == 0)
		accepted_tag(s);
	if (vds_is_version_id(s)) {
		FUZZ_CHECK(strlen(s) == VDS_VERID_LEN);
		FUZZ_CHECK(strspn(s, "0123456789abcdefghijklmnopqrstuvwxyz") == VDS_VERID_LEN);
	}
	free(s);
	return 0;
}
