/*
 * driver.c - runs a fuzz target without libFuzzer: every file named on the
 * command line, and every file in the folders named there (in name order),
 * is read into a buffer of exactly its size and given to
 * LLVMFuzzerTestOneInput() once. "make check" replays the seeds and past
 * crashes this way (tests/fuzz/regress.sh); under the sanitizer build a
 * crash or leak fails it.
 *
 *   replay_NAME [-v] FILE|DIR...     -v names each input before it runs
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static bool verbose;
static unsigned long count;

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	uint8_t *buf;

	if (!f || fstat(fileno(f), &st) < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		if (f)
			fclose(f);
		return 1;
	}
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf || fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
		fprintf(stderr, "replay: %s: cannot read it\n", path);
		free(buf);
		fclose(f);
		return 1;
	}
	fclose(f);
	if (verbose)
		fprintf(stderr, "replay: %s (%lld bytes)\n", path, (long long)st.st_size);
	LLVMFuzzerTestOneInput(buf, (size_t)st.st_size);
	free(buf);
	count++;
	return 0;
}

static int run_dir(const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort), bad = 0;

	if (n < 0) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	for (int i = 0; i < n; i++) {
		char *path = malloc(strlen(dir) + strlen(names[i]->d_name) + 2);
		struct stat st;

		if (!path)
			abort();
		sprintf(path, "%s/%s", dir, names[i]->d_name);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			bad |= run_file(path);
		free(path);
		free(names[i]);
	}
	free(names);
	return bad;
}

int main(int argc, char **argv)
{
	int bad = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;

		if (!strcmp(argv[i], "-v")) {
			verbose = true;
		} else if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			bad = 1;
		} else {
			bad |= S_ISDIR(st.st_mode) ? run_dir(argv[i]) : run_file(argv[i]);
		}
	}
	printf("%lu inputs\n", count);
	return bad;
}
