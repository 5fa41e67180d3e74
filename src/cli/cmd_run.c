/*
 * cmd_run.c - vds run: a command with datasets as inputs and outputs, from
 * the command line or a job spec file (JSON), through vds_run().
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "util.h"

/* A job gathered from a spec file and the command line; strings borrowed or owned by SPEC. */
typedef struct job {
	vds_run_binding *in, *out;
	size_t nin, nout;
	char **command;
	size_t ncommand;
	const char *message, *workdir;
	cJSON *spec;
} gathered;

/* Adds NAME=REF to V, replacing a binding of the same name (the command line wins). */
static void bind(vds_run_binding **v, size_t *n, const char *name, const char *ref)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*v)[i].name, name)) {
			(*v)[i].ref = ref;
			return;
		}
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = (vds_run_binding){name, ref};
}

static int spec_bindings(const char *file, const cJSON *obj, const char *key, vds_run_binding **v,
			 size_t *n)
{
	const cJSON *it;

	if (!obj)
		return 0;
	if (!cJSON_IsObject(obj))
		return vds_err(VDS_EINVAL, "job spec %s: \"%s\" must be an object of names", q(file), key);
	cJSON_ArrayForEach(it, obj) {
		if (!cJSON_IsString(it) || !it->valuestring)
			return vds_err(VDS_EINVAL, "job spec %s: %s %s must be a string", q(file), key,
				       q(it->string));
		for (size_t i = 0; i < *n; i++)
			if (!strcmp((*v)[i].name, it->string))
				return vds_err(VDS_EINVAL, "job spec %s: %s %s is named twice", q(file),
					       key, q(it->string));
		bind(v, n, it->string, it->valuestring);
	}
	return 0;
}

static int spec_string(const char *file, const cJSON *j, const char *key, const char **out)
{
	if (!j)
		return 0;
	if (!cJSON_IsString(j) || !j->valuestring)
		return vds_err(VDS_EINVAL, "job spec %s: \"%s\" must be a string", q(file), key);
	*out = j->valuestring;
	return 0;
}

/* Reads job spec FILE into J: {"inputs", "outputs", "command", "message", "workdir"}. */
static int read_spec(const char *file, gathered *J)
{
	static const char *const keys[] = {"inputs", "outputs", "command", "message", "workdir"};
	const cJSON *it, *cmd;
	char *text;
	size_t len;
	int r;

	if ((r = vds_read_file(file, &text, &len)) < 0)
		return r == VDS_ENOTFOUND ? vds_err(r, "no such job spec %s", q(file)) : r;
	J->spec = cJSON_ParseWithLength(text, len);
	free(text);
	if (!cJSON_IsObject(J->spec))
		return vds_err(VDS_EINVAL, "job spec %s is not a JSON object", q(file));
	cJSON_ArrayForEach(it, J->spec) {
		size_t k = 0;
		while (k < ARRAY_SIZE(keys) && strcmp(keys[k], it->string))
			k++;
		if (k == ARRAY_SIZE(keys))
			return vds_err(VDS_EINVAL, "job spec %s: unknown key %s", q(file), q(it->string));
	}
	if ((r = spec_bindings(file, cJSON_GetObjectItemCaseSensitive(J->spec, "inputs"), "input",
			       &J->in, &J->nin)) < 0 ||
	    (r = spec_bindings(file, cJSON_GetObjectItemCaseSensitive(J->spec, "outputs"), "output",
			       &J->out, &J->nout)) < 0 ||
	    (r = spec_string(file, cJSON_GetObjectItemCaseSensitive(J->spec, "message"), "message",
			     &J->message)) < 0 ||
	    (r = spec_string(file, cJSON_GetObjectItemCaseSensitive(J->spec, "workdir"), "workdir",
			     &J->workdir)) < 0)
		return r;
	if (!(cmd = cJSON_GetObjectItemCaseSensitive(J->spec, "command")))
		return 0;
	if (!cJSON_IsArray(cmd) || cJSON_GetArraySize(cmd) == 0)
		return vds_err(VDS_EINVAL, "job spec %s: \"command\" must be a list of strings, not empty",
			       q(file));
	J->command = xcalloc((size_t)cJSON_GetArraySize(cmd) + 1, sizeof(*J->command));
	cJSON_ArrayForEach(it, cmd) {
		if (!cJSON_IsString(it) || !it->valuestring)
			return vds_err(VDS_EINVAL, "job spec %s: \"command\" must be a list of strings",
				       q(file));
		J->command[J->ncommand++] = it->valuestring;
	}
	return 0;
}

/* Adds every --input or --output NAME=REF of A to V. */
static int cli_bindings(const cli_args *a, const char *opt, const char *form, vds_run_binding **v,
			size_t *n, char ***names, size_t *nnames)
{
	const char **vals;
	size_t k = arg_all(a, opt, &vals);
	int r = 0;

	for (size_t i = 0; i < k && r == 0; i++) {
		const char *eq = strchr(vals[i], '=');
		if (!eq || eq == vals[i] || !eq[1]) {
			r = vds_err(VDS_EUSAGE, "--%s takes %s, not %s", opt, form, q(vals[i]));
			break;
		}
		*names = xrealloc(*names, (*nnames + 1) * sizeof(**names));
		char *name = (*names)[(*nnames)++] = xstrndup(vals[i], (size_t)(eq - vals[i]));
		for (size_t m = 0; m < i && r == 0; m++)
			if (!strncmp(vals[m], vals[i], (size_t)(eq - vals[i]) + 1))
				r = vds_err(VDS_EUSAGE, "--%s %s is given twice", opt, q(name));
		bind(v, n, name, eq + 1);
	}
	free(vals);
	return r;
}

/* Says a line of vds's own on stderr (the command's output is its own). */
static void say(const char *line, void *ud)
{
	(void)ud;
	if (isatty(STDERR_FILENO))
		fputs("\r\033[K", stderr); /* over a progress bar */
	fprintf(stderr, "vds: %s\n", line);
}

static int run_job(vds_ctx *ctx, cli_args *a)
{
	gathered J = {0};
	char **names = NULL;
	size_t nnames = 0;
	vds_opts o;
	vds_run_result res = {0};
	int r;

	if ((r = cli_opts(a, &o)) < 0)
		return r;
	if (arg_str(a, "spec") && (r = read_spec(arg_str(a, "spec"), &J)) < 0)
		goto out;
	if ((r = cli_bindings(a, "input", "NAME=DS:REF", &J.in, &J.nin, &names, &nnames)) < 0 ||
	    (r = cli_bindings(a, "output", "NAME=DS", &J.out, &J.nout, &names, &nnames)) < 0)
		goto out;
	if (a->nrest) {
		free(J.command);
		J.command = xcalloc(a->nrest + 1, sizeof(*J.command));
		for (size_t i = 0; i < a->nrest; i++)
			J.command[i] = a->rest[i];
		J.ncommand = a->nrest;
	}
	if (!J.ncommand) {
		r = vds_err(VDS_EUSAGE, "no command to run: give it after '--', or in a --spec file");
		goto out;
	}
	if (arg_str(a, "message"))
		J.message = arg_str(a, "message");
	if (arg_str(a, "workdir"))
		J.workdir = arg_str(a, "workdir");
	vds_run_job job = {J.in, J.nin, J.out, J.nout, J.command, J.ncommand, J.message, J.workdir,
			   arg_flag(a, "no-mount"), say, NULL};
	r = vds_run(ctx, &job, &o, &res);
	for (size_t i = 0; i < res.ncommitted; i++)
		printf("Committed dataset version: %s\n", res.committed[i]);
	fflush(stdout);
	if (r < 0 || res.status != 0 || res.signal) {
		char *dir = res.workdir ? vds_display_escape(res.workdir) : NULL;
		if (r < 0)
			fprintf(stderr, "vds: %s\n", vds_errmsg());
		else if (res.signal)
			fprintf(stderr,
				"vds: interrupted by signal %d (%s): the command ended with exit status "
				"%d; nothing was committed\n",
				res.signal, strsignal(res.signal), res.status);
		else
			fprintf(stderr, "vds: the command failed (exit status %d): nothing was committed\n",
				res.status);
		if (res.kept)
			fprintf(stderr, "vds: outputs are kept in %s\n", dir);
		free(dir);
		/* the command's status; 128+N after signal N; else vds's own */
		cli_exit = res.status > 0 ? res.status : res.signal ? 128 + res.signal
					       : vds_exit_code(r);
		r = 0;
	}
out:
	vds_run_result_release(&res);
	for (size_t i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	free(J.in);
	free(J.out);
	free(J.command);
	cJSON_Delete(J.spec);
	return r;
}

static const cli_opt run_opts[] = {
	{"input", OPT_MULTI, false, "NAME=DS:REF", "a committed version, read-only at $VDS_INPUTS/NAME"},
	{"output", OPT_MULTI, false, "NAME=DS", "what the command writes to $VDS_OUTPUTS/NAME: a new version"},
	{"message", OPT_STR, false, "TEXT", "message of the versions committed"},
	{"workdir", OPT_STR, false, "DIR", "work folder (default: a new one under $TMPDIR)"},
	{"spec", OPT_STR, false, "FILE", "job spec (JSON): inputs, outputs, command, message, workdir"},
	{"no-mount", OPT_BOOL, false, "", "copy the inputs read-only instead of mounting them"},
	{"concurrency", OPT_STR, false, "N", "parallel file workers"},
	{"command", OPT_REST, false, "COMMAND [ARGS...]", "the command to run (instead of the spec's)"},
	{0},
};

const cli_cmd run_cmds[] = {
	{"run", run_job, "Run a command on datasets: inputs read-only, outputs committed", run_opts},
	{0},
};
