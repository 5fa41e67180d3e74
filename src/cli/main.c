/*
 * main.c - entry point of vds: global options, then dispatch through the
 * command tables of each group (one cmd_*.c file per group).
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "util.h"

static const cli_cmd *const groups[] = {datasets_cmds, versions_cmds, lineage_cmds, diff_cmds,
					 tags_cmds, files_cmds, file_diff_cmds, run_cmds,
					 providers_cmds, cache_cmds, maintain_cmds, mount_cmds};

int cli_exit = -1;

static void usage(FILE *f)
{
	fputs("Usage: vds [--config FILE] [--debug] [COMMAND] [OPTIONS]\n"
	      "\n"
	      "Versioned datasets in the terminal. With no command, vds opens the browser\n"
	      "on the configured stores (creating a small demo dataset when they are empty).\n"
	      "\n"
	      "Commands:\n"
	      "  browse [REF]                       Open the terminal browser (at REF)\n",
	      f);
	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++)
		for (const cli_cmd *c = groups[g]; c->path; c++)
			fprintf(f, "  %-34s %s\n", c->path, c->summary);
	fputs("\nReferences: DATASET, DATASET:latest, DATASET:VERSION, DATASET:TAG.\n"
	      "Run 'vds COMMAND --help' for a command's options; see vds(1).\n",
	      f);
}

/* Number of words of PATH matched by ARGV (0 unless all match). */
static int match(const char *path, int argc, char **argv)
{
	int words = 0;
	const char *p = path;

	while (*p) {
		const char *sp = strchr(p, ' ');
		size_t n = sp ? (size_t)(sp - p) : strlen(p);

		if (words >= argc || strlen(argv[words]) != n || strncmp(argv[words], p, n))
			return 0;
		words++;
		p += n;
		while (*p == ' ')
			p++;
	}
	return words;
}

/* True if ARGV (the words typed) is a prefix of some command path: list them. */
static bool list_group(FILE *f, int argc, char **argv)
{
	bool any = false;

	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++)
		for (const cli_cmd *c = groups[g]; c->path; c++) {
			int words = 0;
			const char *p = c->path;
			bool ok = true;

			for (; words < argc && ok; words++) {
				size_t n = strlen(argv[words]);
				ok = !strncmp(p, argv[words], n) && (p[n] == ' ' || p[n] == '\0');
				if (!ok)
					break;
				p += n;
				while (*p == ' ')
					p++;
			}
			if (!ok || !*p)
				continue;
			if (!any) {
				fprintf(f, "Usage: vds");
				for (int i = 0; i < argc; i++)
					fprintf(f, " %s", argv[i]);
				fprintf(f, " COMMAND [OPTIONS]\n\nCommands:\n");
			}
			any = true;
			fprintf(f, "  %-34s %s\n", c->path, c->summary);
		}
	return any;
}

static int fail(int status)
{
	fprintf(stderr, "vds: %s\n", vds_errmsg());
	return vds_exit_code(status);
}

/* Prints the core's debug lines on stderr (--debug). */
static void debug_line(const char *line, void *ud)
{
	(void)ud;
	fprintf(stderr, "vds: debug: %s\n", line);
}

int main(int argc, char **argv)
{
	const char *config = NULL;
	vds_ctx *ctx = NULL;
	int first = 1, r;

	vds_no_core_dumps(); /* before any key is read */
	setlocale(LC_ALL, "");
	if (!strstr(setlocale(LC_CTYPE, NULL), "UTF-8") && !strstr(setlocale(LC_CTYPE, NULL), "utf8"))
		setlocale(LC_CTYPE, "C.UTF-8");
	while (first < argc && argv[first][0] == '-') {
		const char *a = argv[first];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(a, "--version")) {
			printf("vds %s\n", PACKAGE_VERSION);
			return 0;
		}
		if (!strcmp(a, "--debug")) {
			vds_set_debug(debug_line, NULL);
		} else if (!strncmp(a, "--config=", 9)) {
			config = a + 9;
		} else if (!strcmp(a, "--config")) {
			if (first + 1 >= argc) {
				fputs("vds: option '--config' needs a value\n", stderr);
				return 2;
			}
			config = argv[++first];
		} else {
			fprintf(stderr, "vds: unknown option '%s' (see 'vds --help')\n", a);
			return 2;
		}
		first++;
	}
	argc -= first;
	argv += first;

	if (argc > 0 && !strcmp(argv[0], "__complete")) /* hidden: for shell completions */
		return cmd_complete(config, argc, argv, groups, sizeof(groups) / sizeof(groups[0]));
	if (argc > 0 && !strcmp(argv[0], "browse")) {
		if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
			if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
				puts("Usage: vds browse [REF]\n\nOpen the terminal browser, at dataset, "
				     "version or tag REF if given.\nPress ? in the browser for its keys; "
				     "see vds(1).");
				return 0;
			}
			fputs("vds: usage: vds browse [REF]\n", stderr);
			return 2;
		}
		if ((r = vds_ctx_open(&ctx, config)) == 0) {
			vds_ctx_set_warn(ctx, cli_warn_later, NULL); /* the terminal is the browser's */
			r = vds_browse(ctx, argc == 2 ? argv[1] : NULL);
			cli_warn_flush();
		}
		vds_ctx_free(ctx);
		return r < 0 ? fail(r) : 0;
	}

	const cli_cmd *cmd = NULL;
	int words = 0;
	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]) && !cmd; g++)
		for (const cli_cmd *c = groups[g]; c->path; c++)
			if ((words = match(c->path, argc, argv)) > 0) {
				cmd = c;
				break;
			}
	if (!cmd && argc > 0) {
		bool help = !strcmp(argv[argc - 1], "--help") || !strcmp(argv[argc - 1], "-h");
		if (list_group(help ? stdout : stderr, help ? argc - 1 : argc, argv))
			return help ? 0 : 2;
		int known = 0; /* how many words name a group */
		for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++)
			for (const cli_cmd *c = groups[g]; c->path; c++)
				for (int n = known + 1; n <= argc; n++) {
					char *joined = NULL;
					size_t len = 0;
					FILE *f = open_memstream(&joined, &len);
					for (int i = 0; i < n; i++)
						fprintf(f, "%s%s", i ? " " : "", argv[i]);
					fclose(f);
					if (!strncmp(c->path, joined, len) && c->path[len] == ' ')
						known = n;
					free(joined);
				}
		char *word = vds_display_escape(argv[known < argc ? known : argc - 1]);
		fprintf(stderr, "vds: unknown command '%s' (see 'vds --help')\n", word);
		free(word);
		return 2;
	}
	for (int i = words; cmd && i < argc && strcmp(argv[i], "--"); i++) /* not the command's */
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { /* -h as everywhere */
			cli_print_help(cmd);
			return 0;
		}

	cli_args a = {0};
	if (cmd && (r = args_parse(&a, cmd->path, cmd->opts, argc - words, argv + words)) < 0) {
		args_release(&a);
		return fail(r);
	}
	if ((r = vds_ctx_open(&ctx, config)) == 0) {
		vds_ctx_set_warn(ctx, cli_warn, NULL);
		r = cmd ? cmd->run(ctx, &a) : cmd_home(ctx);
	}
	args_release(&a);
	/* a listing that skipped damaged records shows the rest, and says so */
	if (r == 0 && ctx && vds_ctx_skipped(ctx) && cli_exit < 0)
		cli_exit = vds_exit_code(VDS_ECORRUPT);
	vds_ctx_free(ctx);
	if (fflush(stdout) != 0 && r == 0) {
		perror("vds: cannot write output");
		return 1;
	}
	if (r < 0)
		return fail(r);
	return cli_exit >= 0 ? cli_exit : 0;
}
