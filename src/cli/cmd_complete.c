/*
 * cmd_complete.c - "vds __complete", the hidden command shell completions
 * call: "tables" prints the command and option tables the help is made
 * from (share/completions/generate.sh turns them into the zsh and fish
 * completions), "refs WORD" the datasets, versions and tags a reference
 * starting with WORD may name, "providers" the storage provider ids. The
 * last two read an existing configuration only: Tab never creates a store.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "util.h"

static const char *const kinds[] = {"str", "multi", "flag", "bool", "arg", "rest"};

/* Prints S with tabs and newlines as spaces. */
static void field(const char *s)
{
	for (; s && *s; s++)
		putchar(*s == '\t' || *s == '\n' ? ' ' : *s);
}

/* "command PATH SUMMARY" and "option PATH NAME KIND ARG REQUIRED HELP" lines, tab-separated. */
static void print_tables(const cli_cmd *const *groups, size_t ngroups)
{
	puts("global\t--config\tstr\tFILE\toptional\tconfiguration file");
	puts("global\t--debug\tflag\t\toptional\tone stderr line per request");
	puts("global\t--help\tflag\t\toptional\tshow the help");
	puts("global\t--version\tflag\t\toptional\tshow the version");
	puts("command\tbrowse\tOpen the terminal browser (at REF)");
	puts("option\tbrowse\tREF\targ\tDS:REF\toptional\tthe dataset, version or tag to open at");
	for (size_t g = 0; g < ngroups; g++)
		for (const cli_cmd *c = groups[g]; c->path; c++) {
			printf("command\t%s\t", c->path);
			field(c->summary);
			putchar('\n');
			for (const cli_opt *o = c->opts; o && o->name; o++) {
				printf("option\t%s\t%s%s\t%s\t", c->path,
				       o->kind == OPT_ARG || o->kind == OPT_REST ? "" : "--", o->name,
				       kinds[o->kind]);
				field(o->arg);
				printf("\t%s\t", o->required ? "required" : "optional");
				field(o->help);
				putchar('\n');
			}
		}
}

/* True if the configuration vds would open exists (CONFIG, else the default path). */
static bool config_exists(const char *config)
{
	const char *home = getenv("VDS_HOME"), *xdg = getenv("XDG_CONFIG_HOME");
	char *path;
	bool ok;

	if (config)
		return access(config, F_OK) == 0;
	if (home && *home)
		path = xasprintf("%s/config.json", home);
	else if (xdg && *xdg)
		path = xasprintf("%s/vds/config.json", xdg);
	else
		path = xasprintf("%s/.config/vds/config.json", getenv("HOME") ? getenv("HOME") : ".");
	ok = access(path, F_OK) == 0;
	free(path);
	return ok;
}

/* Prints what a reference starting with WORD may be: datasets, or DS:VERSION and DS:TAG. */
static int print_refs(vds_ctx *ctx, const char *word)
{
	const char *colon = strchr(word, ':');
	int r;

	if (!colon) {
		vds_dataset *v = NULL;
		size_t n = 0;
		if ((r = vds_dataset_list(ctx, &v, &n)) < 0)
			return r;
		for (size_t i = 0; i < n; i++) {
			size_t same = 0;
			for (size_t j = 0; j < n; j++)
				same += !strcmp(v[i].name, v[j].name);
			if (same == 1 && !strchr(v[i].name, ':') && !strchr(v[i].name, '\n'))
				printf("%s\n", v[i].name);
			printf("%s\n", v[i].id);
		}
		vds_dataset_list_free(v, n);
		return 0;
	}
	char *ds = xstrndup(word, (size_t)(colon - word));
	vds_dataset d = {0};
	vds_version *vv = NULL;
	vds_tag *t = NULL;
	size_t nv = 0, nt = 0;
	if ((r = vds_dataset_get(ctx, ds, &d)) == 0 && (r = vds_version_list(ctx, d.id, &vv, &nv)) == 0 &&
	    (r = vds_tag_list(ctx, d.id, &t, &nt)) == 0) {
		printf("%s:latest\n", ds);
		for (size_t i = 0; i < nv; i++)
			printf("%s:%s\n", ds, vv[i].id);
		for (size_t i = 0; i < nt; i++)
			if (!strchr(t[i].name, '\n'))
				printf("%s:%s\n", ds, t[i].name);
	}
	vds_tag_list_free(t, nt);
	vds_version_list_free(vv, nv);
	vds_dataset_release(&d);
	free(ds);
	return r;
}

int cmd_complete(const char *config, int argc, char **argv, const cli_cmd *const *groups,
		 size_t ngroups)
{
	vds_ctx *ctx = NULL;
	int r = 0;

	if (argc == 2 && !strcmp(argv[1], "tables")) {
		print_tables(groups, ngroups);
		return 0;
	}
	bool refs = argc == 3 && !strcmp(argv[1], "refs");
	if (!refs && !(argc == 2 && !strcmp(argv[1], "providers"))) {
		fputs("vds: usage: vds __complete tables|providers|refs WORD\n", stderr);
		return 2;
	}
	if (!config_exists(config) || vds_ctx_open(&ctx, config) < 0)
		return 0; /* nothing to offer */
	if (refs) {
		r = print_refs(ctx, argv[2]);
	} else {
		for (size_t i = 0; i < vds_provider_count(ctx); i++)
			printf("%s\n", vds_provider_at(ctx, i)->id);
	}
	vds_ctx_free(ctx);
	return r < 0 ? 1 : 0;
}
