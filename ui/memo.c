/*
 * memo.c - what the browser has read of each dataset (its versions and
 * tags), kept until the next refresh, so that moving between datasets
 * reads a remote store once and then answers at once. Reader threads fill
 * it (reads.c); a refresh (the refresh key, or a job ending) forgets it all
 * once the new dataset list is there.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "util.h"

void memo_clear(ui *u)
{
	for (size_t i = 0; i < u->nmemo; i++) {
		vds_version_list_free(u->memo[i].versions, u->memo[i].nversions);
		vds_tag_list_free(u->memo[i].tags, u->memo[i].ntags);
		free(u->memo[i].verr);
		free(u->memo[i].terr);
		free(u->memo[i].warning);
	}
	free(u->memo);
	u->memo = NULL;
	u->nmemo = 0;
	u->memo_gen++; /* loads started before are not kept */
}

ui_memo *memo_entry(ui *u, const char *ds)
{
	for (size_t i = 0; i < u->nmemo; i++)
		if (!strcmp(u->memo[i].ds, ds))
			return &u->memo[i];
	u->memo = xrealloc(u->memo, (u->nmemo + 1) * sizeof(*u->memo));
	ui_memo *m = &u->memo[u->nmemo++];
	memset(m, 0, sizeof(*m));
	snprintf(m->ds, sizeof(m->ds), "%s", ds);
	return m;
}

int memo_versions(ui *u, const char *ds, vds_version **v, size_t *n)
{
	ui_memo *m = memo_entry(u, ds);

	*v = m->versions;
	*n = m->nversions;
	return m->have_versions ? 1 : m->verr ? vds_err(VDS_EIO, "%s", m->verr) : 0;
}

int memo_tags(ui *u, const char *ds, vds_tag **t, size_t *n)
{
	ui_memo *m = memo_entry(u, ds);

	*t = m->tags;
	*n = m->ntags;
	return m->have_tags ? 1 : m->terr ? vds_err(VDS_EIO, "%s", m->terr) : 0;
}
