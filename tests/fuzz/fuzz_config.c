/*
 * fuzz_config.c - the configuration reader: the input is written as
 * config.json (mode 0600) in a private folder under $TMPDIR and opened with
 * vds_ctx_open(); then the providers are looked at through vds.h.
 *
 * Nothing else is touched: a context opens a provider's backend only when
 * it is first used (ctx_backend_at()), which this target never asks for, so
 * no S3 server named in a configuration is contacted and no local store is
 * created. An S3 provider's settings are resolved as for an s3:// import
 * (import_s3_config(): endpoint, region, credentials), which reads only
 * the environment and a credentials file: VDS_HOME, HOME and
 * AWS_SHARED_CREDENTIALS_FILE point into the private folder, where a
 * credentials file with two profiles is written, and the other AWS_*
 * variables are unset.
 */
#include "config.h"

#include <fcntl.h>
#include <unistd.h>

#include "fuzz.h"
#include "import.h"
#include "core.h"

static char *tmp, *cfg, *creds;

static void cleanup(void)
{
	unlink(cfg);
	unlink(creds);
	rmdir(tmp);
	free(cfg);
	free(creds);
	free(tmp);
}

static void setup(void)
{
	const char *t = getenv("TMPDIR");

	tmp = xasprintf("%s/vds-fuzz-config-XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(tmp)) {
		perror(tmp);
		abort();
	}
	cfg = xasprintf("%s/config.json", tmp);
	creds = xasprintf("%s/credentials", tmp);
	atexit(cleanup);
	setenv("VDS_HOME", tmp, 1);
	setenv("HOME", tmp, 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", creds, 1);
	static const char *const unset[] = {"AWS_PROFILE", "AWS_ACCESS_KEY_ID",
		"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION",
		"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "XDG_CONFIG_HOME", "XDG_DATA_HOME",
		"XDG_CACHE_HOME"};
	for (size_t i = 0; i < ARRAY_SIZE(unset); i++)
		unsetenv(unset[i]);
	int fd = open(creds, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	static const char text[] = "[default]\naws_access_key_id = AKDEFAULT\n"
				   "aws_secret_access_key=secretdefault\n\n"
				   "# a comment\n[fuzz]\n  aws_access_key_id\t= AKFUZZ \r\n"
				   "aws_secret_access_key = secretfuzz\naws_session_token = token\n";
	FUZZ_CHECK(fd >= 0 && write(fd, text, sizeof(text) - 1) == sizeof(text) - 1);
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vds_ctx *ctx;
	int fd;

	if (!tmp)
		setup();
	fd = open(cfg, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FUZZ_CHECK(fd >= 0);
	FUZZ_CHECK(write(fd, data, size) == (ssize_t)size);
	close(fd);
	if (vds_ctx_open(&ctx, cfg) < 0) {
		FUZZ_CHECK(*vds_errmsg());
		return 0;
	}
	FUZZ_CHECK(!strcmp(vds_ctx_config_path(ctx), cfg));
	/* the cache limit: as given when it fits 64 bits, the largest one above */
	cJSON *j = cJSON_ParseWithLength((const char *)data, size);
	const cJSON *cm = cJSON_GetObjectItemCaseSensitive(j, "cacheMaxSize");
	if (cJSON_IsNumber(cm) && cm->valuedouble >= 0)
		FUZZ_CHECK(ctx->cache_max == (cm->valuedouble < 18446744073709551616.0
						      ? (uint64_t)cm->valuedouble
						      : UINT64_MAX));
	cJSON_Delete(j);
	FUZZ_CHECK(vds_cache_dir(ctx) && *vds_cache_dir(ctx));
	size_t n = vds_provider_count(ctx);
	for (size_t i = 0; i < n; i++) {
		const vds_provider *p = vds_provider_at(ctx, i), *found;

		FUZZ_CHECK(p && p->name && p->type && *p->type && p->path);
		FUZZ_CHECK(is_object_id(p->id, "sp"));
		FUZZ_CHECK(vds_provider_find(ctx, p->id, &found) == 0);
		FUZZ_CHECK(!strcmp(found->id, p->id));
		FUZZ_CHECK(!ctx->be[i]); /* nothing was opened */
		if (!strcmp(p->type, "s3")) {
			char *path = s3_settings_path(&p->s3);
			FUZZ_CHECK(!strcmp(path, p->path) && !strncmp(path, "s3://", 5));
			free(path);
			(void)provider_read_only(p);
			/* the place and keys of its bucket, as an s3:// import finds them */
			s3_config c;
			if (import_s3_config(ctx, p->id, "bucket", &c) == 0) {
				FUZZ_CHECK(c.endpoint && c.region && !strcmp(c.bucket, "bucket"));
				FUZZ_CHECK(!c.access_key == !c.secret_key);
				s3_config_release(&c);
			} else {
				FUZZ_CHECK(*vds_errmsg());
			}
		}
	}
	FUZZ_CHECK(vds_provider_at(ctx, n) == NULL);
	FUZZ_CHECK((vds_provider_default(ctx) != NULL) == (n > 0));
	vds_ctx_free(ctx);
	return 0;
}
