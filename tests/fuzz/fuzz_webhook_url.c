/* fuzz_webhook_url.c: fuzzes the webhook URL check (with and without extra hosts) and uuid_parse. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "harness.h"
#include "validate.h"

static struct config cfg, cfg_plain;
static bool loaded;

/* The host part of an accepted URL, lower-cased, into host (256 bytes). */
static void
host_of(const char *url, char *host)
{
	const char *h = url + (strncmp(url, "https://", 8) == 0 ? 8 : 7);
	size_t n = strcspn(h, ":/?#@"), i;

	FZ_CHECK(n > 0 && n < 256);
	for (i = 0; i < n; i++)
		host[i] = (char)(h[i] >= 'A' && h[i] <= 'Z' ? h[i] - 'A' + 'a' : h[i]);
	host[n] = '\0';
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && strcmp(s + n - m, suffix) == 0;
}

static void
check_url(const char *url, const struct config *c)
{
	enum webhook_kind kind = (enum webhook_kind)-1;
	const char *why = NULL, *p;
	char host[256];
	bool teams;

	if (!webhook_url_check(url, c, &kind, &why)) {
		FZ_CHECK(why != NULL && why[0] != '\0');
		return;
	}
	FZ_CHECK(kind == WEBHOOK_CONNECTOR || kind == WEBHOOK_WORKFLOW);
	FZ_CHECK(strlen(url) >= 1 && strlen(url) <= 2048);
	for (p = url; *p != '\0'; p++)
		FZ_CHECK((unsigned char)*p > 0x20 && (unsigned char)*p < 0x7f);
	FZ_CHECK(strchr(url, '#') == NULL);
	FZ_CHECK(strncmp(url, "https://", 8) == 0 || strncmp(url, "http://", 7) == 0);
	host_of(url, host);
	FZ_CHECK(host[0] != '.' && host[strlen(host) - 1] != '.' && strstr(host, "..") == NULL);
	/* No user info: nothing between the scheme and the path may be an '@'. */
	p = url + (strncmp(url, "https://", 8) == 0 ? 8 : 7);
	FZ_CHECK(memchr(p, '@', strcspn(p, "/?#")) == NULL);
	teams = ends_with(host, ".webhook.office.com") || strcmp(host, "outlook.office.com") == 0 ||
	    ends_with(host, ".logic.azure.com") || ends_with(host, ".api.powerplatform.com");
	if (teams) {
		FZ_CHECK(strncmp(url, "https://", 8) == 0);
		FZ_CHECK((kind == WEBHOOK_WORKFLOW) == (ends_with(host, ".logic.azure.com") ||
		    ends_with(host, ".api.powerplatform.com")));
	} else {
		size_t i;
		bool listed = false;

		/* Any other host only when configured, and plain http only where allowed. */
		for (i = 0; i < c->nextra_hosts; i++)
			if (strcmp(c->extra_hosts[i].host, host) == 0 &&
			    (strncmp(url, "https://", 8) == 0 || c->extra_hosts[i].http))
				listed = true;
		FZ_CHECK(listed);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fz_strndup0(data, size);
	char out[37];

	if (!loaded) {
		fz_load_config(&cfg, fz_config_text);
		fz_load_config(&cfg_plain, fz_config_plain_text);
		loaded = true;
	}
	check_url(s, &cfg_plain);
	check_url(s, &cfg);

	memset(out, 'x', sizeof(out));
	if (uuid_parse(s, out)) {
		char again[37];
		size_t i;

		FZ_CHECK(strlen(s) == 36 && out[36] == '\0' && strlen(out) == 36);
		for (i = 0; i < 36; i++)
			FZ_CHECK(out[i] == '-' || (out[i] >= '0' && out[i] <= '9') ||
			    (out[i] >= 'a' && out[i] <= 'f'));
		FZ_CHECK(uuid_parse(out, again) && strcmp(out, again) == 0);
		FZ_CHECK(strcasecmp(out, s) == 0);
	} else
		FZ_CHECK(!uuid_parse(s, NULL));
	free(s);
	return 0;
}
