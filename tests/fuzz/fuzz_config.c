/* fuzz_config.c: fuzzes the configuration reader with arbitrary text and environment overrides. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "harness.h"
#include "netcheck.h"
#include "util.h"
#include "validate.h"

/* Input: the file's text, then NUL-separated "NAME=value" environment entries. */
#define MAX_ENV 16

static bool
id_valid(const char *id)
{
	size_t n = strlen(id);

	return n >= 1 && n <= 32 && id[0] >= 'a' && id[0] <= 'z' &&
	    strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

/* Every key that start-up accepted is within the bounds the service relies on. */
static void
check_loaded(const struct config *c)
{
	size_t i, j;

	FZ_CHECK(c->database_url != NULL && c->database_url[0] != '\0');
	FZ_CHECK(c->public_base_url != NULL);
	FZ_CHECK(strncmp(c->public_base_url, "http://", 7) == 0 ||
	    strncmp(c->public_base_url, "https://", 8) == 0);
	FZ_CHECK(c->csrf_secret != NULL && strlen(c->csrf_secret) >= 32 &&
	    strlen(c->csrf_secret) <= 1024);
	FZ_CHECK(c->max_body_bytes >= 256 && c->max_body_bytes <= 16777216);
	FZ_CHECK(c->threads >= 1 && c->threads <= 64);
	FZ_CHECK(c->csrf_ttl >= 60 && c->csrf_ttl <= 604800);
	FZ_CHECK(c->log_level >= LOG_DEBUG && c->log_level <= LOG_ERROR);
	FZ_CHECK(c->retry_base >= 1 && c->retry_max >= 1 && c->max_attempts >= 1 &&
	    c->max_attempts <= 100);
	FZ_CHECK(c->log_file != NULL && c->templates_dir != NULL && c->migrations_dir != NULL);
	FZ_CHECK(c->app_version != NULL && c->accent_color != NULL && strlen(c->accent_color) == 7);
	FZ_CHECK(c->ncategories >= 1 && c->ncategories <= 32);
	for (i = 0; i < c->ncategories; i++) {
		FZ_CHECK(id_valid(c->categories[i].id));
		FZ_CHECK(c->categories[i].label[0] != '\0');
		for (j = 0; j < i; j++)
			FZ_CHECK(strcmp(c->categories[i].id, c->categories[j].id) != 0);
	}
	for (i = 0; i < c->nextra_hosts; i++) {
		FZ_CHECK(c->extra_hosts[i].host[0] != '\0');
		FZ_CHECK(c->extra_hosts[i].port >= 0 && c->extra_hosts[i].port <= 65535);
	}
	for (i = 0; i < c->napi_keys; i++)
		FZ_CHECK(strlen(c->api_key_hashes[i]) == 64);
	FZ_CHECK(c->nrates <= MAX_RATE_LIMITS);
	for (i = 0; i < c->nrates; i++)
		FZ_CHECK(c->rate_limits[i] >= 1 && c->rate_windows[i] >= 1 &&
		    c->rate_windows[i] <= 7 * 86400);
	for (i = 0; i < c->nallowed_addrs; i++) {
		const struct addr_range *r = &c->allowed_addrs[i];

		FZ_CHECK((r->family == AF_INET && r->prefix >= 0 && r->prefix <= 32) ||
		    (r->family == AF_INET6 && r->prefix >= 0 && r->prefix <= 128));
	}
}

/* The loaded configuration in use: the address guard and the URL check read its lists. */
static void
use_loaded(const struct config *c)
{
	static const char *const v4[] = { "127.0.0.1", "10.1.2.3", "8.8.8.8", "169.254.169.254" };
	static const char *const v6[] = { "::1", "fd00::1", "2606:4700::1111", "::ffff:10.0.0.1" };
	static const char *const urls[] = { "https://contoso.webhook.office.com/webhookb2/x",
	    "http://127.0.0.1:8081/webhookb2/x", "https://sink.test/workflows/y",
	    "http://localhost/x" };
	struct sockaddr_in a4;
	struct sockaddr_in6 a6;
	enum webhook_kind kind;
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(v4) / sizeof(v4[0]); i++) {
		memset(&a4, 0, sizeof(a4));
		a4.sin_family = AF_INET;
		inet_pton(AF_INET, v4[i], &a4.sin_addr);
		(void)address_allowed((struct sockaddr *)&a4, sizeof(a4), c);
	}
	for (i = 0; i < sizeof(v6) / sizeof(v6[0]); i++) {
		memset(&a6, 0, sizeof(a6));
		a6.sin6_family = AF_INET6;
		inet_pton(AF_INET6, v6[i], &a6.sin6_addr);
		(void)address_allowed((struct sockaddr *)&a6, sizeof(a6), c);
	}
	for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++)
		(void)webhook_url_check(urls[i], c, &kind, &why);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_input in;
	struct config c;
	char *text, *env[MAX_ENV + 1];
	char err[512];
	size_t nenv = 0, i;
	bool ok;

	fz_input_init(&in, data, size);
	text = fz_take_field(&in);
	while (in.left > 0 && nenv < MAX_ENV)
		env[nenv++] = fz_take_field(&in);
	env[nenv] = NULL;

	config_init(&c);
	err[0] = '\0';
	ok = config_load_text(&c, text, "fuzz.conf", nenv > 0 ? env : NULL, err, sizeof(err));
	if (ok) {
		check_loaded(&c);
		use_loaded(&c);
	} else
		FZ_CHECK(err[0] != '\0' && fz_terminated(err, sizeof(err)));
	/* A refused file may have set some keys already: freeing must still release them all. */
	config_free(&c);

	for (i = 0; i < nenv; i++)
		free(env[i]);
	free(text);
	return 0;
}
