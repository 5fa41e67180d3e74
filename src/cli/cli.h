/*
 * cli.h - the command-line front end: the command table, option parsing
 * and output helpers shared by the cmd_*.c files (one per command group).
 */
#ifndef VDS_CLI_H
#define VDS_CLI_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "vds.h"

/* OPT_REST: the words after "--" (its arg is shown in help, e.g. "COMMAND"). */
enum opt_kind { OPT_STR, OPT_MULTI, OPT_BOOL, OPT_TRUEFALSE, OPT_ARG /* a word without -- */,
		OPT_REST };

/* One --option a command accepts. */
typedef struct cli_opt {
	const char *name; /* without the leading "--" */
	enum opt_kind kind;
	bool required;
	const char *arg;  /* placeholder in help, e.g. "DS:VER" */
	const char *help;
} cli_opt;

/* Parsed options of one command line. */
typedef struct cli_args {
	const char *cmd;        /* "datasets versions list" */
	const cli_opt *spec;
	const char **name;      /* option name per given value */
	const char **value;
	size_t n;
	char **rest;            /* the words after "--" (OPT_REST commands only) */
	size_t nrest;
} cli_args;

/* Runs a command; returns a vds status. */
typedef int (*cli_run_fn)(vds_ctx *ctx, cli_args *a);

/* One command: its words, handler, summary and options. */
typedef struct cli_cmd {
	const char *path;
	cli_run_fn run;
	const char *summary;
	const cli_opt *opts;
} cli_cmd;

/* Command tables of each group, each ended by an entry with path NULL. */
extern const cli_cmd datasets_cmds[], versions_cmds[], tags_cmds[], files_cmds[],
	providers_cmds[], cache_cmds[], diff_cmds[], file_diff_cmds[], maintain_cmds[];
extern const cli_cmd mount_cmds[];
/* vds run, and vds datasets versions lineage (cmd_run.c, cmd_lineage.c). */
extern const cli_cmd run_cmds[], lineage_cmds[];

/* vds __complete ARGV: tables, refs and provider ids for shell completions (cmd_complete.c). */
int cmd_complete(const char *config, int argc, char **argv, const cli_cmd *const *groups,
		 size_t ngroups);

/* Set by a command whose exit status is not a vds status (vds run: the command's); else -1. */
extern int cli_exit;

/* Parses ARGV against SPEC; VDS_EUSAGE with a message on bad input. */
int args_parse(cli_args *a, const char *cmd, const cli_opt *spec, int argc, char **argv);
/* Frees what A owns. */
void args_release(cli_args *a);
/* Last value of option NAME, or NULL. */
const char *arg_str(const cli_args *a, const char *name);
/* Every value of NAME in order; returns the count (array freed by caller). */
size_t arg_all(const cli_args *a, const char *name, const char ***out);
/* True if boolean option NAME was given. */
bool arg_flag(const cli_args *a, const char *name);
/* 1 for "true", 0 for "false", -1 if absent. */
int arg_bool(const cli_args *a, const char *name);

/* Prints the help of a command to stdout. */
void cli_print_help(const cli_cmd *c);

/* A table printed with boxes like Gradient's. */
typedef struct table table;
/* Starts a table with NCOLS columns named by the variadic strings. */
table *table_new(int ncols, ...);
/* Adds a row of NCOLS cells (copied; untrusted text is escaped). */
void table_row(table *t, ...);
/* Prints the table to stdout and frees it. */
void table_print(table *t);

/* Prints a +---+ rule for column widths W. */
void table_rule(const size_t *w, int n);
/* Prints one row of already escaped cells padded to widths W. */
void table_cells(const size_t *w, int n, char *const *c);

/*
 * Writes JSON text S to stdout with DEL, C1 and bidirectional controls as
 * \u escapes and each byte that is not UTF-8 as \udcXX (a lone surrogate).
 */
void json_out(const char *s);
/* Prints J to stdout, pretty, and deletes it. */
void json_print(cJSON *j);
/* Progress bar on stderr when it is a terminal (a vds_progress_fn). */
void cli_progress(const vds_progress *p, void *ud);
/* Prints a warning on stderr (a vds_warn_fn). */
void cli_warn(const char *msg, void *ud);
/* Keeps a warning for cli_warn_flush() (a vds_warn_fn for while the browser runs). */
void cli_warn_later(const char *msg, void *ud);
/* Prints the warnings kept by cli_warn_later() on stderr. */
void cli_warn_flush(void);
/* Fills O with the CLI's progress bar, warnings and --concurrency. */
int cli_opts(const cli_args *a, vds_opts *o);
/*
 * Gathers --source-path and --source-url (with --extract, --sha256 and
 * --storageProviderId) into *OUT (malloc'd, strings borrowed from A),
 * checking each; *N may be 0.
 */
int cli_sources(vds_ctx *ctx, const cli_args *a, vds_source **out, size_t *n);
/* The options cli_sources() reads, after --source-path. */
#define SOURCE_URL_OPTS                                                                          \
	{"source-url", OPT_MULTI, false, "URL", "download http(s):// or s3://BUCKET/PREFIX/ too"},  \
	{"extract", OPT_BOOL, false, "", "unpack downloaded tar and zip archives"},                  \
	{"sha256", OPT_MULTI, false, "HEX", "SHA-256 each download must have (one per URL)"},        \
	{"storageProviderId", OPT_STR, false, "SP", "reach s3:// URLs with this provider's keys"}

/* The lineage of a version as JSON (cmd_lineage.c). */
cJSON *lineage_json(const vds_lineage *l);
/* Prints the lineage of a version as a table, its inputs' datasets named. */
void lineage_table(vds_ctx *ctx, const vds_lineage *l);

/* Resolves --id to a dataset only ("DS"); refuses DS:VER. */
int need_dataset(vds_ctx *ctx, const char *ref, vds_dataset *out);

/* Resolves --id to a version; EXPLICIT demands the DS:VERSION form. */
int need_version(vds_ctx *ctx, const char *ref, bool explicit_version, vds_resolved *out);

/* The no-argument entry: seed the demo, then browse (or, off a terminal, print an overview). */
int cmd_home(vds_ctx *ctx);
/* The terminal browser (ui/browse.c). */
int vds_browse(vds_ctx *ctx, const char *ref);

#endif
