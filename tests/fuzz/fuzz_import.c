/*
 * fuzz_import.c - the names of downloaded files (src/import_http.c): the
 * header callback on one header line as libcurl hands it over (not
 * NUL-terminated), the Content-Disposition reader (filename*= and
 * filename=) and the URL's last path segment, each percent-decoded.
 * src/import_http.c is compiled into this target as it is, to reach its
 * static helpers; no transfer is made.
 */
#include "../../src/import_http.c"

#include "fuzz.h"

/* A name a download may take: one plain path component. */
static void check_name(const char *name)
{
	if (!name)
		return;
	FUZZ_CHECK(*name && !strpbrk(name, "/\\"));
	FUZZ_CHECK(strcmp(name, ".") && strcmp(name, ".."));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = fuzz_bytes(data, size), *s = fuzz_str(data, size), *name;
	fetch f = {.range_start = -1};

	/* a header line, and what a download would be named after it */
	FUZZ_CHECK(on_header(line, 1, size, &f) == size);
	FUZZ_CHECK(memchr(f.disposition, '\0', sizeof(f.disposition)));
	FUZZ_CHECK(memchr(f.validator, '\0', sizeof(f.validator)));
	if (f.disposition[0]) {
		check_name(name = disposition_name(f.disposition));
		free(name);
	}
	f.resuming = true;
	FUZZ_CHECK(on_header(line, size, 1, &f) == size);
	/* the input as a Content-Disposition value and as a URL */
	check_name(name = disposition_name(s));
	free(name);
	check_name(name = url_name(s));
	free(name);
	free(s);
	free(line);
	return 0;
}
