/*
 * fuzz_s3xml.c - S3's XML answers: s3_xml_parse() (listings, parts,
 * uploads, upload ids, DeleteObjects errors), s3_listing_append(),
 * s3_xml_error() and s3_parse_date(), on the input as a server's answer.
 */
#include "config.h"

#include "fuzz.h"
#include "store/s3.h"

static void check_listing(const s3_listing *l)
{
	FUZZ_CHECK(l->nobj <= l->capobj && l->nprefix <= l->capprefix);
	for (size_t i = 0; i < l->nobj; i++) {
		FUZZ_CHECK(l->obj[i].key);
		FUZZ_CHECK(memchr(l->obj[i].etag, '\0', sizeof(l->obj[i].etag)));
		FUZZ_CHECK(!strchr(l->obj[i].etag, '"'));
	}
	for (size_t i = 0; i < l->nprefix; i++)
		FUZZ_CHECK(l->prefixes[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *xml = fuzz_bytes(data, size), *s = fuzz_str(data, size);
	s3_listing l = {0}, all = {0};
	char code[64], msg[256];
	size_t nobj = 0, nprefix = 0;

	/* keys lose the client's prefix: none, or "store/" as in the tests */
	for (size_t strip = 0; strip <= 6; strip += 6) {
		if (s3_xml_parse(xml, size, strip, &l) == 0) {
			check_listing(&l);
			nobj += l.nobj;
			nprefix += l.nprefix;
			s3_listing_append(&all, &l);
			FUZZ_CHECK(l.nobj == 0 && l.nprefix == 0);
			FUZZ_CHECK(all.nobj == nobj && all.nprefix == nprefix);
			check_listing(&all);
		} else {
			FUZZ_CHECK(*vds_errmsg());
		}
		s3_listing_release(&l);
	}
	s3_listing_release(&all);
	s3_xml_error(xml, size, code, sizeof(code), msg, sizeof(msg));
	FUZZ_CHECK(memchr(code, '\0', sizeof(code)) && memchr(msg, '\0', sizeof(msg)));
	for (const char *p = code; *p; p++)
		FUZZ_CHECK((unsigned char)*p >= 0x20);
	for (const char *p = msg; *p; p++)
		FUZZ_CHECK((unsigned char)*p >= 0x20);
	(void)s3_parse_date(s);
	free(s);
	free(xml);
	return 0;
}
