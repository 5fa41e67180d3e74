/*
 * cmd_home.c - what plain "vds" does: make sure the embedded local store
 * exists, seed the demo dataset when it is empty, and show what is there.
 */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "util.h"

/* Finds the demo files: $VDS_DATADIR, the installed data, or beside the binary. */
static char *demo_dir(void)
{
	const char *env = getenv("VDS_DATADIR");
	char exe[PATH_MAX], *p;
	struct stat st;
	ssize_t n;

	if (env && *env) {
		p = malloc(strlen(env) + 8);
		sprintf(p, "%s/demo", env);
		return p;
	}
	if (stat(PKGDATADIR "/demo", &st) == 0)
		return strdup(PKGDATADIR "/demo");
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 32);
	if (n > 0) {
		exe[n] = '\0';
		if ((p = strrchr(exe, '/')))
			strcpy(p, "/share/demo");
		if (stat(exe, &st) == 0)
			return strdup(exe);
	}
	return NULL;
}

int cmd_home(vds_ctx *ctx)
{
	const vds_provider *p = vds_provider_default(ctx);
	char id[VDS_DSID_LEN + 1] = "", *dir = demo_dir();
	vds_dataset *v;
	size_t n;
	int r = 0;

	if (dir) {
		/* one demo even when several first runs race: seed under a lock */
		char *lock = malloc(strlen(vds_ctx_config_path(ctx)) + 8);
		sprintf(lock, "%s.lock", vds_ctx_config_path(ctx));
		int fd = open(lock, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (fd >= 0)
			flock(fd, LOCK_EX);
		r = vds_demo_seed(ctx, dir, id);
		if (fd >= 0)
			close(fd);
		free(lock);
	}
	free(dir);
	if (r < 0)
		return r;
	const char *script = getenv("VDS_UI_SCRIPT");
	if ((script && *script) || (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))) {
		vds_ctx_set_warn(ctx, cli_warn_later, NULL); /* the terminal is the browser's */
		r = vds_browse(ctx, NULL);
		cli_warn_flush();
		return r;
	}
	if (*id)
		printf("Created demo dataset: %s\n", id);
	if ((r = vds_dataset_list(ctx, &v, &n)) < 0)
		return r;
	printf("vds %s: %zu dataset%s on %zu storage provider%s (default: %s at %s)\n\n",
	       PACKAGE_VERSION, n, n == 1 ? "" : "s", vds_provider_count(ctx),
	       vds_provider_count(ctx) == 1 ? "" : "s", p ? p->id : "none", p ? p->path : "-");
	table *t = table_new(3, "Name", "ID", "Storage Provider");
	for (size_t i = 0; i < n; i++)
		table_row(t, v[i].name, v[i].id, v[i].provider_id);
	table_print(t);
	if (n)
		printf("\nTry: vds datasets versions list --id %s\n"
		       "     vds datasets files list --id %s:latest --recursive\n"
		       "     vds --help\n",
		       v[0].id, v[0].id);
	vds_dataset_list_free(v, n);
	return 0;
}
