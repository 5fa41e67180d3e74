/*
 * complete.c - local paths as people type them: ~ for the home folder, and
 * Tab completion as the shell does it (a single match whole, with a final
 * '/' for a folder; several, as far as they agree).
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ui.h"
#include "util.h"

char *path_expand(const char *s)
{
	const char *home = getenv("HOME");

	if (s[0] == '~' && (s[1] == '/' || s[1] == '\0') && home && *home)
		return xasprintf("%s%s", home, s + 1);
	return xstrdup(s);
}

char *path_abbrev(const char *s)
{
	const char *home = getenv("HOME");
	size_t n = home ? strlen(home) : 0;

	while (n > 1 && home[n - 1] == '/')
		n--;
	if (n > 1 && strncmp(s, home, n) == 0 && (s[n] == '/' || s[n] == '\0'))
		return xasprintf("~%s", s + n);
	return xstrdup(s);
}

bool path_complete(char *buf, size_t cap)
{
	char *full = path_expand(buf), *slash = strrchr(full, '/');
	const char *base = slash ? slash + 1 : full;
	char *dir = slash ? (slash == full ? xstrdup("/") : xstrndup(full, (size_t)(slash - full)))
			  : xstrdup(".");
	size_t blen = strlen(base), common = 0, matches = 0;
	char *best = NULL;
	bool best_dir = false;
	DIR *d = opendir(dir);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		if (strncmp(de->d_name, base, blen) != 0 || !strcmp(de->d_name, ".") ||
		    !strcmp(de->d_name, "..") || (de->d_name[0] == '.' && base[0] != '.'))
			continue;
		if (!best) {
			best = xstrdup(de->d_name);
			common = strlen(best);
			char *p = xasprintf("%s/%s", dir, de->d_name);
			struct stat st;
			best_dir = stat(p, &st) == 0 && S_ISDIR(st.st_mode);
			free(p);
		} else {
			size_t k = 0;
			while (k < common && best[k] == de->d_name[k])
				k++;
			common = k;
		}
		matches++;
	}
	if (d)
		closedir(d);
	bool changed = false;
	if (matches && common > blen) { /* what every match shares, typed on */
		size_t keep = strlen(buf) - blen;
		if (keep + common + 2 < cap) {
			memcpy(buf + keep, best, common);
			buf[keep + common] = '\0';
			changed = true;
		}
	}
	if (matches == 1 && best_dir && strlen(buf) + 2 < cap) {
		strcat(buf, "/");
		changed = true;
	}
	free(best);
	free(dir);
	free(full);
	return changed;
}
