/*
 * sources.c - the --source-path and --source-url options of "versions
 * create" and "files put", with --extract, --sha256 and
 * --storageProviderId, turned into the core's list of sources.
 */
#include "config.h"

#include <stdlib.h>

#include "cli.h"
#include "util.h"

int cli_sources(vds_ctx *ctx, const cli_args *a, vds_source **out, size_t *n)
{
	const char **paths, **urls, **sums;
	size_t np = arg_all(a, "source-path", &paths), nu = arg_all(a, "source-url", &urls);
	size_t ns = arg_all(a, "sha256", &sums);
	vds_source *v = xcalloc(np + nu + 1, sizeof(*v));
	int r = 0;

	if (!nu && (arg_flag(a, "extract") || ns || arg_str(a, "storageProviderId")))
		r = vds_err(VDS_EUSAGE, "--%s goes with --source-url",
			    arg_flag(a, "extract") ? "extract" : ns ? "sha256" : "storageProviderId");
	else if (ns && ns != nu)
		r = vds_err(VDS_EUSAGE, "give one --sha256 per --source-url (%zu URL%s, %zu digest%s)",
			    nu, nu == 1 ? "" : "s", ns, ns == 1 ? "" : "s");
	for (size_t i = 0; i < np; i++)
		v[i].location = paths[i];
	for (size_t i = 0; i < nu; i++) {
		vds_source *s = &v[np + i];
		s->location = urls[i];
		s->extract = arg_flag(a, "extract");
		s->sha256 = ns ? sums[i] : NULL;
		s->provider_id = arg_str(a, "storageProviderId");
		if (r == 0 && !vds_source_is_url(urls[i]))
			r = vds_err(VDS_EINVAL, "unsupported URL %s: use http://, https:// or s3://",
				    q(urls[i]));
	}
	/* everything is checked before a version is created or a byte downloaded */
	for (size_t i = 0; i < np + nu && r == 0; i++)
		r = vds_source_check_one(ctx, &v[i]);
	free(paths);
	free(urls);
	free(sums);
	if (r < 0) {
		free(v);
		return r;
	}
	*out = v;
	*n = np + nu;
	return 0;
}
