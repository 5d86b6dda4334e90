/* config.c: a table of keys, each with its type, default and bounds; one reader for file and env. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util.h"

#ifndef MIGRATIONS_DIR
#define MIGRATIONS_DIR "sql/migrations"
#endif
#ifndef TEMPLATES_DIR
#define TEMPLATES_DIR "templates"
#endif
#ifndef ICONS_DIR
#define ICONS_DIR "conf/icons"
#endif

enum key_type { K_STRING, K_LONG, K_LOGLEVEL, K_ORIGIN, K_PATH, K_SECRET, K_CATEGORIES, K_HOSTS,
    K_KEYHASHES, K_RATES, K_ADDRS, K_GUID, K_TEXT, K_HTTPS, K_SEMVER, K_COLOR, K_BOOL, K_URL,
    K_WHSEC };

struct key {
	const char    *name;
	enum key_type  type;
	size_t         off;
	const char    *def;		/* NULL: required */
	long           min, max;
};

#define OFF(f) offsetof(struct config, f)

static const struct key keys[] = {
	{ "database_url",	K_STRING,   OFF(database_url),	     NULL,	0, 0 },
	{ "public_base_url",	K_ORIGIN,   OFF(public_base_url),    NULL,	0, 0 },
	{ "max_body_bytes",	K_LONG,     OFF(max_body_bytes),     "65536",	256, 16777216 },
	{ "threads",		K_LONG,     OFF(threads),	     "2",	1, 64 },
	{ "processes",		K_LONG,     OFF(processes),	     "1",	1, 64 },
	{ "db_connect_timeout",	K_LONG,     OFF(db_connect_timeout), "3",	1, 60 },
	{ "retry_after",	K_LONG,     OFF(retry_after),	     "5",	1, 3600 },
	{ "log_level",		K_LOGLEVEL, OFF(log_level),	     "info",	0, 0 },
	{ "log_file",		K_PATH,     OFF(log_file),	     "",	0, 0 },
	{ "migrations_dir",	K_PATH,     OFF(migrations_dir),     MIGRATIONS_DIR, 0, 0 },
	{ "templates_dir",	K_PATH,     OFF(templates_dir),      TEMPLATES_DIR, 0, 0 },
	{ "csrf_secret",	K_SECRET,   OFF(csrf_secret),	     NULL,	32, 1024 },
	{ "csrf_ttl",		K_LONG,     OFF(csrf_ttl),	     "43200",	60, 604800 },
	{ "event_categories",	K_CATEGORIES, 0, "deployments:Deployments, incidents:Incidents, builds:Builds", 0, 0 },
	{ "webhook_extra_hosts", K_HOSTS,   0,			     "",	0, 0 },
	{ "api_key_hashes",	K_KEYHASHES, 0,			     "",	0, 0 },
	{ "worker_concurrency",	K_LONG,     OFF(worker_concurrency), "64",	1, 1024 },
	{ "worker_poll_ms",	K_LONG,     OFF(worker_poll_ms),     "1000",	10, 60000 },
	{ "lease_seconds",	K_LONG,     OFF(lease_seconds),      "60",	2, 3600 },
	{ "send_connect_timeout", K_LONG,   OFF(send_connect_timeout), "5",	1, 60 },
	{ "send_timeout",	K_LONG,     OFF(send_timeout),	     "15",	1, 300 },
	{ "retry_base",		K_LONG,     OFF(retry_base),	     "5",	1, 3600 },
	{ "retry_max",		K_LONG,     OFF(retry_max),	     "3600",	1, 86400 },
	{ "retry_throttle",	K_LONG,     OFF(retry_throttle),     "60",	1, 86400 },
	{ "max_attempts",	K_LONG,     OFF(max_attempts),	     "10",	1, 100 },
	{ "rate_limits",	K_RATES,    0,	"4/1s, 60/30s, 100/1h, 150/2h, 1800/1d", 0, 0 },
	{ "webhook_allowed_addresses", K_ADDRS, 0,		     "",	0, 0 },
	/* Card actions (POST /Connector/Action) and their forwarding to the owning service. */
	{ "action_jwks_file",	K_PATH,     OFF(action_jwks_file),   "",	0, 0 },
	{ "action_issuer",	K_STRING,   OFF(action_issuer),	     "https://substrate.office.com/sts/", 0, 0 },
	{ "action_app_id",	K_STRING,   OFF(action_app_id),      "48af08dc-f6d2-435f-b2a7-069abd99c086", 0, 0 },
	{ "action_audience",	K_URL,      OFF(action_audience),    "",	0, 2048 },
	{ "action_callback_url", K_URL,     OFF(action_callback_url), "",	0, 2048 },
	{ "action_callback_secret", K_WHSEC, OFF(action_callback_secret), "", 0, 0 },
	{ "jwt_clock_skew",	K_LONG,     OFF(jwt_clock_skew),     "120",	0, 600 },
	/* Signed-in configuration: Teams SSO tokens on Save and Remove. */
	{ "sso_enabled",	K_BOOL,     OFF(sso_enabled),	     "false",	0, 0 },
	{ "sso_client_id",	K_GUID,     OFF(sso_client_id),      "",	0, 0 },
	{ "sso_jwks_file",	K_PATH,     OFF(sso_jwks_file),      "",	0, 0 },
	{ "sso_issuer",		K_STRING,   OFF(sso_issuer),	     "https://login.microsoftonline.com/{tenantid}/v2.0", 0, 0 },
	/* The app package: "" (not set) passes here; connectorctl package then names it. */
	{ "app_id",		K_GUID,     OFF(app_id),	     "",	0, 0 },
	{ "connector_id",	K_GUID,     OFF(connector_id),	     "",	0, 0 },
	{ "app_name_short",	K_TEXT,     OFF(app_name_short),     "",	1, 30 },
	{ "app_name_full",	K_TEXT,     OFF(app_name_full),      "",	1, 100 },
	{ "app_description_short", K_TEXT,  OFF(app_description_short), "",	1, 80 },
	{ "app_description_full", K_TEXT,   OFF(app_description_full), "",	1, 4000 },
	{ "developer_name",	K_TEXT,     OFF(developer_name),     "",	1, 32 },
	{ "developer_website_url", K_HTTPS, OFF(developer_website_url), "",	0, 2048 },
	{ "developer_privacy_url", K_HTTPS, OFF(developer_privacy_url), "",	0, 2048 },
	{ "developer_terms_url", K_HTTPS,   OFF(developer_terms_url), "",	0, 2048 },
	{ "app_version",	K_SEMVER,   OFF(app_version),	     "1.0.0",	0, 0 },
	{ "accent_color",	K_COLOR,    OFF(accent_color),	     "#4F6BED",	0, 0 },
	{ "icon_color",		K_PATH,     OFF(icon_color),	     ICONS_DIR "/color.png", 0, 0 },
	{ "icon_outline",	K_PATH,     OFF(icon_outline),	     ICONS_DIR "/outline.png", 0, 0 },
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static const char *const level_names[] = { "debug", "info", "warn", "error" };

const char *
log_level_name(enum log_level l)
{
	return level_names[l];
}

static void
free_categories(struct config *c)
{
	size_t i;

	for (i = 0; i < c->ncategories; i++) {
		free(c->categories[i].id);
		free(c->categories[i].label);
	}
	free(c->categories);
	c->categories = NULL;
	c->ncategories = 0;
}

static void
free_hosts(struct config *c)
{
	size_t i;

	for (i = 0; i < c->nextra_hosts; i++)
		free(c->extra_hosts[i].host);
	free(c->extra_hosts);
	c->extra_hosts = NULL;
	c->nextra_hosts = 0;
}

/* Splits a comma-separated list into trimmed, non-empty items (a malloc'd copy to free). */
static char *
next_item(char **cursor)
{
	char *s = *cursor, *e, *comma;

	if (s == NULL)
		return NULL;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0') {
		*cursor = NULL;
		return NULL;
	}
	comma = strchr(s, ',');
	if (comma != NULL) {
		*comma = '\0';
		*cursor = comma + 1;
	} else
		*cursor = NULL;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	return s;
}

static bool
category_id_valid(const char *id)
{
	size_t n = strlen(id), i;

	if (n < 1 || n > 32 || !(id[0] >= 'a' && id[0] <= 'z'))
		return false;
	for (i = 1; i < n; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= '0' && id[i] <= '9') ||
		    id[i] == '_' || id[i] == '-'))
			return false;
	return true;
}

static bool
set_categories(struct config *c, const char *v, const char **why)
{
	char *copy = xstrdup(v), *cursor = copy, *item;
	size_t i;

	free_categories(c);
	while ((item = next_item(&cursor)) != NULL) {
		char *colon = strchr(item, ':'), *label;

		if (*item == '\0')
			continue;
		if (colon == NULL) {
			*why = "items are id:Label (for example deployments:Deployments)";
			goto fail;
		}
		*colon = '\0';
		label = colon + 1;
		while (*label == ' ')
			label++;
		if (!category_id_valid(item)) {
			*why = "ids are 1-32 of a-z, 0-9, _ and -, starting with a letter";
			goto fail;
		}
		if (*label == '\0' || utf8_length(label, strlen(label)) > 60) {
			*why = "labels are 1-60 characters";
			goto fail;
		}
		for (i = 0; i < c->ncategories; i++)
			if (strcmp(c->categories[i].id, item) == 0) {
				*why = "names an id twice";
				goto fail;
			}
		if (c->ncategories == 32) {
			*why = "has more than 32 categories";
			goto fail;
		}
		c->categories = xrealloc(c->categories, (c->ncategories + 1) * sizeof(*c->categories));
		c->categories[c->ncategories].id = xstrdup(item);
		c->categories[c->ncategories].label = xstrdup(label);
		c->ncategories++;
	}
	if (c->ncategories == 0) {
		*why = "must name at least one category";
		goto fail;
	}
	free(copy);
	return true;
fail:
	free(copy);
	free_categories(c);
	return false;
}

static bool
set_hosts(struct config *c, const char *v, const char **why)
{
	char *copy = xstrdup(v), *cursor = copy, *item;

	free_hosts(c);
	while ((item = next_item(&cursor)) != NULL) {
		struct extra_host h = { NULL, 0, 0 };
		char *colon, *p;

		if (strncmp(item, "http://", 7) == 0) {
			h.http = 1;
			item += 7;
		} else if (strncmp(item, "https://", 8) == 0)
			item += 8;
		if ((colon = strchr(item, ':')) != NULL) {
			*colon = '\0';
			if (!parse_long(colon + 1, 1, 65535, &h.port)) {
				*why = "has an entry with a bad port";
				goto fail;
			}
		}
		if (*item == '\0') {
			*why = "has an entry without a host";
			goto fail;
		}
		for (p = item; *p != '\0'; p++) {
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
			if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' ||
			    *p == '-')) {
				*why = "entries are [http://]host[:port] (no path)";
				goto fail;
			}
		}
		h.host = xstrdup(item);
		c->extra_hosts = xrealloc(c->extra_hosts, (c->nextra_hosts + 1) * sizeof(h));
		c->extra_hosts[c->nextra_hosts++] = h;
	}
	free(copy);
	return true;
fail:
	free(copy);
	free_hosts(c);
	return false;
}

static bool
set_key_hashes(struct config *c, const char *v, const char **why)
{
	char *copy = xstrdup(v), *cursor = copy, *item;

	free(c->api_key_hashes);
	c->api_key_hashes = NULL;
	c->napi_keys = 0;
	while ((item = next_item(&cursor)) != NULL) {
		size_t i;

		if (strlen(item) != 64 || strspn(item, "0123456789abcdef") != 64) {
			*why = "entries are SHA-256 hashes (64 lower-case hex digits) of the keys, "
			    "as printed by: printf %s KEY | sha256sum";
			free(copy);
			return false;
		}
		c->api_key_hashes = xrealloc(c->api_key_hashes, (c->napi_keys + 1) * 65);
		for (i = 0; i < 65; i++)
			c->api_key_hashes[c->napi_keys][i] = item[i];
		c->napi_keys++;
	}
	free(copy);
	return true;
}

static bool
set_rates(struct config *c, const char *v, const char **why)
{
	char *copy = xstrdup(v), *cursor = copy, *item;

	c->nrates = 0;
	while ((item = next_item(&cursor)) != NULL) {
		char *slash = strchr(item, '/'), *unit;
		long count, span, mult;

		*why = "entries are COUNT/SPAN with SPAN in s, m, h or d (for example 60/30s)";
		if (slash == NULL || c->nrates == MAX_RATE_LIMITS)
			goto fail;
		*slash = '\0';
		unit = slash + 1 + strspn(slash + 1, "0123456789");
		switch (*unit) {
		case 's': mult = 1; break;
		case 'm': mult = 60; break;
		case 'h': mult = 3600; break;
		case 'd': mult = 86400; break;
		default: goto fail;
		}
		if (unit[1] != '\0')
			goto fail;
		*unit = '\0';
		if (!parse_long(item, 1, 1000000, &count) || !parse_long(slash + 1, 1, 1000000, &span) ||
		    span * mult > 7 * 86400)
			goto fail;
		c->rate_limits[c->nrates] = (int)count;
		c->rate_windows[c->nrates] = (int)(span * mult);
		c->nrates++;
	}
	free(copy);
	return true;
fail:
	free(copy);
	return false;
}

static bool
set_addrs(struct config *c, const char *v, const char **why)
{
	char *copy = xstrdup(v), *cursor = copy, *item;

	free(c->allowed_addrs);
	c->allowed_addrs = NULL;
	c->nallowed_addrs = 0;
	while ((item = next_item(&cursor)) != NULL) {
		struct addr_range r;
		char *slash = strchr(item, '/');
		long prefix = -1;

		memset(&r, 0, sizeof(r));
		if (slash != NULL) {
			*slash = '\0';
			if (!parse_long(slash + 1, 0, 128, &prefix))
				goto fail;
		}
		if (inet_pton(AF_INET, item, r.addr) == 1) {
			r.family = AF_INET;
			if (prefix > 32)
				goto fail;
			r.prefix = prefix < 0 ? 32 : (int)prefix;
		} else if (inet_pton(AF_INET6, item, r.addr) == 1) {
			r.family = AF_INET6;
			r.prefix = prefix < 0 ? 128 : (int)prefix;
		} else
			goto fail;
		c->allowed_addrs = xrealloc(c->allowed_addrs, (c->nallowed_addrs + 1) * sizeof(r));
		c->allowed_addrs[c->nallowed_addrs++] = r;
	}
	free(copy);
	return true;
fail:
	*why = "entries are IP addresses or CIDR ranges (127.0.0.1, 10.0.0.0/8, ::1)";
	free(copy);
	return false;
}

/* Keys whose field is a malloc'd string. */
static bool
key_is_string(enum key_type t)
{
	return t == K_STRING || t == K_ORIGIN || t == K_PATH || t == K_SECRET || t == K_GUID ||
	    t == K_TEXT || t == K_HTTPS || t == K_SEMVER || t == K_COLOR || t == K_URL ||
	    t == K_WHSEC;
}

void
config_init(struct config *c)
{
	memset(c, 0, sizeof(*c));
}

void
config_free(struct config *c)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (key_is_string(keys[i].type)) {
			char **p = (char **)((char *)c + keys[i].off);

			free(*p);
			*p = NULL;
		}
	free_categories(c);
	free_hosts(c);
	free(c->api_key_hashes);
	c->api_key_hashes = NULL;
	c->napi_keys = 0;
	free(c->allowed_addrs);
	c->allowed_addrs = NULL;
	c->nallowed_addrs = 0;
}

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* A Standard Webhooks signing secret: whsec_ + base64 of 24..64 bytes. */
static bool
valid_whsec(const char *v)
{
	unsigned char raw[b64_decoded_max(128)];
	size_t len, n;

	if (strncmp(v, "whsec_", 6) != 0)
		return false;
	len = strlen(v + 6);
	return len <= 128 && b64_decode(v + 6, len, false, raw, &n) && n >= 24 && n <= 64;
}

/* scheme://host[:port] with nothing after: the Origin browsers send must equal it. */
static bool
valid_origin(const char *v, const char **why)
{
	const char *h, *p;

	if (strncmp(v, "https://", 8) == 0)
		h = v + 8;
	else if (strncmp(v, "http://", 7) == 0)
		h = v + 7;
	else {
		*why = "must start with http:// or https://";
		return false;
	}
	if (*h == '\0' || *h == ':') {
		*why = "has no host";
		return false;
	}
	for (p = h; *p != '\0' && *p != ':'; p++)
		if (!(isalnum((unsigned char)*p) || *p == '-' || *p == '.')) {
			*why = "must be scheme://host[:port] with no path, query or trailing slash";
			return false;
		}
	if (*p == ':') {
		long port;

		if (!parse_long(p + 1, 1, 65535, &port) || p[1] == '0' || p[1] == '-') {
			*why = "has an invalid port";
			return false;
		}
	}
	return true;
}

/* 8-4-4-4-12 hexadecimal digits, as the manifest schema's guid pattern. */
static bool
valid_guid(const char *v)
{
	static const int group[] = { 8, 4, 4, 4, 12 };
	size_t i;
	int j;

	for (i = 0; i < sizeof(group) / sizeof(group[0]); i++) {
		for (j = 0; j < group[i]; j++, v++)
			if (!isxdigit((unsigned char)*v))
				return false;
		if (*v != (i + 1 < sizeof(group) / sizeof(group[0]) ? '-' : '\0'))
			return false;
		v++;
	}
	return true;
}

/*
 * https://host[:port][/path][?query][#fragment]: a link Teams shows on the app's page; with
 * allow_http, http:// too (a callback on the operator's own network).
 */
static bool
valid_url(const char *v, long maxlen, bool allow_http, const char **why)
{
	const char *h, *p;

	if (ascii_nieq(v, "http://", 7) && !allow_http) {
		*why = "must be an https:// URL (plain http:// is refused)";
		return false;
	}
	if (!ascii_nieq(v, "https://", 8) && !ascii_nieq(v, "http://", 7)) {
		*why = allow_http ? "must be an http:// or https:// URL (https://host/path)" :
		    "must be an https:// URL (https://host/path)";
		return false;
	}
	if ((long)strlen(v) > maxlen) {
		*why = "must be at most 2048 characters";
		return false;
	}
	h = strstr(v, "://") + 3;
	for (p = h; isalnum((unsigned char)*p) || *p == '-' || *p == '.'; p++)
		;
	if (p == h) {
		*why = "has no host (https://host/path)";
		return false;
	}
	if (*p == ':') {
		const char *port = ++p;

		while (isdigit((unsigned char)*p))
			p++;
		if (p == port || p - port > 5) {
			*why = "has an invalid port";
			return false;
		}
	}
	if (*p != '\0' && *p != '/' && *p != '?' && *p != '#') {
		*why = "must be https://host[:port] followed by a path, query or nothing";
		return false;
	}
	for (; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f ||
		    strchr("\"<>\\^`{|}", *p) != NULL) {
			*why = "must not contain spaces, non-ASCII characters, quotes, <, >, \\, ^, `, "
			    "{, | or } (percent-encode them)";
			return false;
		}
	return true;
}

/* MAJOR.MINOR.PATCH without leading zeros, as the manifest schema's version pattern. */
static bool
valid_semver(const char *v)
{
	int part;

	for (part = 0; part < 3; part++) {
		size_t n = strspn(v, "0123456789");

		if (n == 0 || n > 9 || (n > 1 && v[0] == '0'))
			return false;
		v += n;
		if (*v != (part < 2 ? '.' : '\0'))
			return false;
		v++;
	}
	return true;
}

static bool
valid_color(const char *v)
{
	return v[0] == '#' && strlen(v) == 7 && strspn(v + 1, "0123456789abcdefABCDEF") == 6;
}

/* Text shown in Teams: min..max characters (code points), no control characters. */
static bool
valid_text(const char *v, long min, long max, const char **why)
{
	static char msg[96];	/* only written during single-threaded start-up */
	size_t n = utf8_length(v, strlen(v));
	const char *p;

	for (p = v; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			*why = "must not contain control characters";
			return false;
		}
	if ((long)n < min || (long)n > max) {
		snprintf(msg, sizeof(msg), "must be %ld to %ld characters (it has %zu)", min, max, n);
		*why = msg;
		return false;
	}
	return true;
}

/* Converts one raw value into the field; false with a reason. */
static bool
set_value(struct config *c, const struct key *k, const char *v, const char **why)
{
	void *field = (char *)c + k->off;
	long n;
	size_t i;

	switch (k->type) {
	case K_CATEGORIES:
		return set_categories(c, v, why);
	case K_KEYHASHES:
		return set_key_hashes(c, v, why);
	case K_RATES:
		return set_rates(c, v, why);
	case K_ADDRS:
		return set_addrs(c, v, why);
	case K_HOSTS:
		return set_hosts(c, v, why);
	case K_SECRET:
		if (strlen(v) < (size_t)k->min || strlen(v) > (size_t)k->max) {
			*why = "must be 32 to 1024 characters (for example: openssl rand -hex 32)";
			return false;
		}
		free(*(char **)field);
		*(char **)field = xstrdup(v);
		return true;
	case K_GUID:
	case K_TEXT:
	case K_HTTPS:
		/* Optional keys: an empty value leaves them unset. */
		if (*v != '\0') {
			if (k->type == K_GUID && !valid_guid(v)) {
				*why = "must be a GUID: 8-4-4-4-12 hexadecimal digits, for example "
				    "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
				return false;
			}
			if (k->type == K_TEXT && !valid_text(v, k->min, k->max, why))
				return false;
			if (k->type == K_HTTPS && !valid_url(v, k->max, false, why))
				return false;
		}
		free(*(char **)field);
		*(char **)field = xstrdup(v);
		return true;
	case K_BOOL:
		if (strcmp(v, "true") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "on") == 0)
			*(bool *)field = true;
		else if (strcmp(v, "false") == 0 || strcmp(v, "no") == 0 || strcmp(v, "off") == 0)
			*(bool *)field = false;
		else {
			*why = "must be true or false";
			return false;
		}
		return true;
	case K_URL:
		if (*v != '\0' && !valid_url(v, k->max, true, why))
			return false;
		free(*(char **)field);
		*(char **)field = xstrdup(v);
		return true;
	case K_WHSEC:
		if (*v != '\0' && !valid_whsec(v)) {
			*why = "must be whsec_ followed by the base64 of 24 to 64 random bytes "
			    "(for example: echo whsec_$(openssl rand -base64 32))";
			return false;
		}
		free(*(char **)field);
		*(char **)field = xstrdup(v);
		return true;
	case K_SEMVER:
	case K_COLOR:
		if (k->type == K_SEMVER && !valid_semver(v)) {
			*why = "must be a version MAJOR.MINOR.PATCH of plain numbers, for example 1.0.0";
			return false;
		}
		if (k->type == K_COLOR && !valid_color(v)) {
			*why = "must be a colour #RRGGBB, for example #4F6BED";
			return false;
		}
		free(*(char **)field);
		*(char **)field = xstrdup(v);
		return true;
	case K_STRING:
	case K_PATH:
	case K_ORIGIN:
		if (k->type == K_ORIGIN && !valid_origin(v, why))
			return false;
		if (k->type == K_STRING && *v == '\0') {
			*why = "must not be empty";
			return false;
		}
		free(*(char **)field);
		*(char **)field = xstrdup(v);
		return true;
	case K_LONG:
		if (!parse_long(v, k->min, k->max, &n)) {
			static char msg[96];	/* only written during single-threaded start-up */

			snprintf(msg, sizeof(msg), "must be a whole number from %ld to %ld",
			    k->min, k->max);
			*why = msg;
			return false;
		}
		*(long *)field = n;
		return true;
	case K_LOGLEVEL:
		for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
			if (strcmp(v, level_names[i]) == 0) {
				*(enum log_level *)field = (enum log_level)i;
				return true;
			}
		*why = "must be one of debug, info, warn, error";
		return false;
	}
	*why = "unknown type";
	return false;
}

static const struct key *
find_key(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (strlen(keys[i].name) == len && strncmp(keys[i].name, name, len) == 0)
			return &keys[i];
	return NULL;
}

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* Keys that only make sense with others. */
static bool
check_together(struct config *c, char *err, size_t errlen)
{
	if ((*c->action_callback_url == '\0') != (*c->action_callback_secret == '\0')) {
		seterr(err, errlen, "keys 'action_callback_url' and 'action_callback_secret' go "
		    "together: set both or neither");
		return false;
	}
	if (c->sso_enabled && (*c->sso_client_id == '\0' || *c->sso_jwks_file == '\0')) {
		seterr(err, errlen, "key 'sso_enabled' is true: keys 'sso_client_id' and "
		    "'sso_jwks_file' are then required");
		return false;
	}
	if (c->public_base_url != NULL && *c->action_audience == '\0') {
		free(c->action_audience);
		c->action_audience = xstrdup(c->public_base_url);
	}
	return true;
}

bool
config_load_text(struct config *c, const char *text, const char *name, char *const *envp,
    char *err, size_t errlen)
{
	bool seen[NKEYS] = { false };
	char *copy = xstrdup(text), *line, *next;
	const char *why;
	size_t i, lineno = 0;
	bool ok = false;

	if (!utf8_valid(text, strlen(text))) {
		seterr(err, errlen, "%s: not valid UTF-8", name);
		goto out;
	}
	for (line = copy; line != NULL; line = next) {
		char *eq, *key, *val;
		const struct key *k;

		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		line = trim(line);
		if (*line == '\0' || *line == '#')
			continue;
		if ((eq = strchr(line, '=')) == NULL) {
			seterr(err, errlen, "%s:%zu: expected \"key = value\"", name, lineno);
			goto out;
		}
		*eq = '\0';
		key = trim(line);
		val = trim(eq + 1);
		if ((k = find_key(key, strlen(key))) == NULL) {
			seterr(err, errlen, "%s:%zu: unknown key '%s'", name, lineno, key);
			goto out;
		}
		if (seen[k - keys]) {
			seterr(err, errlen, "%s:%zu: key '%s' given twice", name, lineno, key);
			goto out;
		}
		seen[k - keys] = true;
		if (!set_value(c, k, val, &why)) {
			seterr(err, errlen, "%s:%zu: key '%s' %s", name, lineno, key, why);
			goto out;
		}
	}
	for (; envp != NULL && *envp != NULL; envp++) {
		const char *e = *envp, *eqp;
		char lower[64];
		const struct key *k;
		size_t n;

		if (strncmp(e, CONFIG_ENV_PREFIX, strlen(CONFIG_ENV_PREFIX)) != 0 ||
		    (eqp = strchr(e, '=')) == NULL)
			continue;
		e += strlen(CONFIG_ENV_PREFIX);
		n = (size_t)(eqp - e);
		if (n >= sizeof(lower))
			continue;
		for (i = 0; i < n; i++)
			lower[i] = (char)tolower((unsigned char)e[i]);
		lower[n] = '\0';
		if ((k = find_key(lower, n)) == NULL)
			continue;	/* CONNECTOR_CONFIG and friends are not keys */
		if (!utf8_valid(eqp + 1, strlen(eqp + 1))) {
			seterr(err, errlen, "environment %s%.*s: key '%s' is not valid UTF-8",
			    CONFIG_ENV_PREFIX, (int)n, e, k->name);
			goto out;
		}
		seen[k - keys] = true;
		if (!set_value(c, k, eqp + 1, &why)) {
			seterr(err, errlen, "environment %s%.*s: key '%s' %s", CONFIG_ENV_PREFIX,
			    (int)n, e, k->name, why);
			goto out;
		}
	}
	for (i = 0; i < NKEYS; i++) {
		if (seen[i])
			continue;
		if (keys[i].def == NULL) {
			seterr(err, errlen, "%s: required key '%s' is missing", name, keys[i].name);
			goto out;
		}
		if (!set_value(c, &keys[i], keys[i].def, &why)) {
			seterr(err, errlen, "default for key '%s' %s", keys[i].name, why);
			goto out;
		}
	}
	if (!check_together(c, err, errlen))
		goto out;
	ok = true;
out:
	free(copy);
	return ok;
}

bool
config_load_file(struct config *c, const char *path, char *const *envp, char *err, size_t errlen)
{
	FILE *f;
	struct buf b;
	char chunk[4096];
	size_t n;
	bool ok;

	if ((f = fopen(path, "r")) == NULL) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		return false;
	}
	buf_init(&b);
	buf_append(&b, "", 0);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		buf_append(&b, chunk, n);
		if (b.len > 1024 * 1024) {
			fclose(f);
			buf_free(&b);
			seterr(err, errlen, "%s: larger than 1 MiB", path);
			return false;
		}
	}
	if (ferror(f) || memchr(b.data, '\0', b.len) != NULL) {
		fclose(f);
		buf_free(&b);
		seterr(err, errlen, "%s: unreadable or binary", path);
		return false;
	}
	fclose(f);
	ok = config_load_text(c, b.data, path, envp, err, errlen);
	buf_free(&b);
	return ok;
}
