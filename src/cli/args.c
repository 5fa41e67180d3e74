/* args.c - "--flag value" and "--flag=value" parsing against a command's option table. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "util.h"

static const cli_opt *find_opt(const cli_opt *spec, const char *name, size_t len)
{
	for (const cli_opt *o = spec; o && o->name; o++)
		if (strlen(o->name) == len && !strncmp(o->name, name, len))
			return o;
	return NULL;
}

/* The OPT_REST entry of SPEC, or NULL: whether the command takes words after "--". */
static const cli_opt *find_rest(const cli_opt *spec)
{
	for (const cli_opt *o = spec; o && o->name; o++)
		if (o->kind == OPT_REST)
			return o;
	return NULL;
}

static void push(cli_args *a, const char *name, const char *value)
{
	a->name = xrealloc(a->name, (a->n + 1) * sizeof(*a->name));
	a->value = xrealloc(a->value, (a->n + 1) * sizeof(*a->value));
	a->name[a->n] = name;
	a->value[a->n++] = value;
}

int args_parse(cli_args *a, const char *cmd, const cli_opt *spec, int argc, char **argv)
{
	memset(a, 0, sizeof(*a));
	a->cmd = cmd;
	a->spec = spec;
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i];

		if (!strcmp(arg, "--") && find_rest(spec)) {
			a->rest = argv + i + 1;
			a->nrest = (size_t)(argc - i - 1);
			break;
		}
		if (strncmp(arg, "--", 2) != 0 || !arg[2]) {
			const cli_opt *w = spec;
			while (w && w->name && (w->kind != OPT_ARG || arg_str(a, w->name)))
				w++;
			if (!w || !w->name)
				return vds_err(VDS_EUSAGE, "unexpected argument %s for 'vds %s'", q(arg),
					       cmd);
			push(a, w->name, arg);
			continue;
		}
		const char *eq = strchr(arg + 2, '=');
		size_t len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
		const cli_opt *o = find_opt(spec, arg + 2, len);

		if (!o || o->kind == OPT_ARG || o->kind == OPT_REST)
			return vds_err(VDS_EUSAGE, "unknown option %s for 'vds %s' (see 'vds %s --help')",
				       q(arg), cmd, cmd);
		const char *value;
		if (o->kind == OPT_BOOL) {
			if (eq)
				return vds_err(VDS_EUSAGE, "option '--%s' takes no value", o->name);
			value = "true";
		} else if (eq) {
			value = eq + 1;
		} else if (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0) {
			value = argv[++i]; /* "--opt=--x" passes a value that starts with "--" */
		} else {
			return vds_err(VDS_EUSAGE, "option '--%s' needs a value", o->name);
		}
		if (o->kind == OPT_TRUEFALSE && strcmp(value, "true") && strcmp(value, "false"))
			return vds_err(VDS_EUSAGE, "option '--%s' takes true or false, not %s", o->name,
				       q(value));
		if ((o->kind == OPT_STR || o->kind == OPT_TRUEFALSE) && arg_str(a, o->name))
			return vds_err(VDS_EUSAGE, "option '--%s' given more than once", o->name);
		push(a, o->name, value);
	}
	for (const cli_opt *o = spec; o && o->name; o++)
		if (o->required && !arg_str(a, o->name))
			return o->kind == OPT_ARG
				       ? vds_err(VDS_EUSAGE, "missing %s for 'vds %s'", o->arg, cmd)
				       : vds_err(VDS_EUSAGE, "missing option '--%s' for 'vds %s'",
						 o->name, cmd);
	return 0;
}

void args_release(cli_args *a)
{
	free(a->name);
	free(a->value);
	memset(a, 0, sizeof(*a));
}

const char *arg_str(const cli_args *a, const char *name)
{
	for (size_t i = a->n; i-- > 0;)
		if (!strcmp(a->name[i], name))
			return a->value[i];
	return NULL;
}

size_t arg_all(const cli_args *a, const char *name, const char ***out)
{
	size_t n = 0;

	*out = xcalloc(a->n + 1, sizeof(**out));
	for (size_t i = 0; i < a->n; i++)
		if (!strcmp(a->name[i], name))
			(*out)[n++] = a->value[i];
	return n;
}

bool arg_flag(const cli_args *a, const char *name)
{
	return arg_str(a, name) != NULL;
}

int arg_bool(const cli_args *a, const char *name)
{
	const char *v = arg_str(a, name);

	return v ? !strcmp(v, "true") : -1;
}

void cli_print_help(const cli_cmd *c)
{
	printf("Usage: vds %s", c->path);
	for (const cli_opt *o = c->opts; o && o->name; o++) {
		if (o->kind == OPT_ARG) {
			printf(" %s%s%s", o->required ? "" : "[", o->arg, o->required ? "" : "]");
			continue;
		}
		if (o->kind == OPT_REST) {
			printf(" [-- %s]", o->arg);
			continue;
		}
		printf(" %s--%s%s%s%s", o->required ? "" : "[", o->name, o->kind == OPT_BOOL ? "" : " ",
		       o->kind == OPT_BOOL ? "" : o->arg, o->required ? "" : "]");
		if (o->kind == OPT_MULTI)
			printf("...");
	}
	printf("\n\n%s\n", c->summary);
	if (c->opts && c->opts->name) {
		printf("\nOptions:\n");
		for (const cli_opt *o = c->opts; o->name; o++) {
			char left[64];
			if (o->kind == OPT_ARG)
				snprintf(left, sizeof(left), "%s", o->arg);
			else if (o->kind == OPT_REST)
				snprintf(left, sizeof(left), "-- %s", o->arg);
			else
				snprintf(left, sizeof(left), "--%s%s%s", o->name,
					 o->kind == OPT_BOOL ? "" : " ", o->kind == OPT_BOOL ? "" : o->arg);
			printf("  %-28s %s\n", left, o->help);
		}
	}
}
