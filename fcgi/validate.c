/* validate.c: every field of Save and Remove checked here, once, before any handler logic. */
#include "validate.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "arena.h"
#include "config.h"
#include "util.h"

#define WEBHOOK_URL_MAX 2048

static int
is_hex(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool
uuid_parse(const char *s, char *out)
{
	size_t i;

	if (s == NULL || strlen(s) != 36)
		return false;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!is_hex((unsigned char)s[i]))
			return false;
	}
	if (out != NULL) {
		for (i = 0; i < 36; i++)
			out[i] = (s[i] >= 'A' && s[i] <= 'F') ? (char)(s[i] - 'A' + 'a') : s[i];
		out[36] = '\0';
	}
	return true;
}

const char *
webhook_kind_name(enum webhook_kind k)
{
	return k == WEBHOOK_WORKFLOW ? "workflow" : "connector";
}

/* host ends with suffix (which starts with a dot) and has a real label before it. */
static bool
host_under(const char *host, const char *suffix)
{
	size_t h = strlen(host), s = strlen(suffix);

	return h > s && strcmp(host + h - s, suffix) == 0 && host[h - s - 1] != '.';
}

bool
webhook_url_check(const char *url, const struct config *cfg, enum webhook_kind *kind,
    const char **why)
{
	const char *p, *host_start, *host_end, *path;
	char host[256];
	long port = 0;
	bool https, allowed_http = false;
	size_t i, n = strlen(url);

	if (n == 0 || n > WEBHOOK_URL_MAX) {
		*why = "must be a URL of at most 2048 characters";
		return false;
	}
	for (i = 0; i < n; i++)
		if ((unsigned char)url[i] <= 0x20 || (unsigned char)url[i] >= 0x7f) {
			*why = "must not contain spaces, control or non-ASCII characters";
			return false;
		}
	if (strncmp(url, "https://", 8) == 0) {
		https = true;
		host_start = url + 8;
	} else if (strncmp(url, "http://", 7) == 0) {
		https = false;
		host_start = url + 7;
	} else {
		*why = "must be an https URL";
		return false;
	}
	host_end = host_start + strcspn(host_start, ":/?#@");
	if (*host_end == '@' || memchr(host_start, '@', strcspn(host_start, "/?#")) != NULL) {
		*why = "must not carry a user name or password";
		return false;
	}
	if (host_end == host_start || (size_t)(host_end - host_start) >= sizeof(host)) {
		*why = "has no valid host";
		return false;
	}
	for (p = host_start, i = 0; p < host_end; p++, i++) {
		char c = *p;

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) {
			*why = "has no valid host";
			return false;
		}
		host[i] = c;
	}
	host[i] = '\0';
	if (host[0] == '.' || host[i - 1] == '.' || strstr(host, "..") != NULL) {
		*why = "has no valid host";
		return false;
	}
	p = host_end;
	if (*p == ':') {
		char digits[8];
		size_t d = strspn(p + 1, "0123456789");

		if (d == 0 || d > 5) {
			*why = "has an invalid port";
			return false;
		}
		memcpy(digits, p + 1, d);
		digits[d] = '\0';
		if (!parse_long(digits, 1, 65535, &port)) {
			*why = "has an invalid port";
			return false;
		}
		p += 1 + d;
	}
	if (*p != '/') {
		*why = "must have a path (a webhook URL is never just a host)";
		return false;
	}
	path = p;
	if (strchr(path, '#') != NULL) {
		*why = "must not have a fragment";
		return false;
	}

	if (host_under(host, ".logic.azure.com") || host_under(host, ".api.powerplatform.com") ||
	    host_under(host, ".webhook.office.com") || strcmp(host, "outlook.office.com") == 0) {
		*kind = (host_under(host, ".logic.azure.com") ||
		    host_under(host, ".api.powerplatform.com")) ? WEBHOOK_WORKFLOW : WEBHOOK_CONNECTOR;
		if (port != 0 && port != 443) {
			*why = "must use the standard https port";
			return false;
		}
	} else {
		bool found = false;

		for (i = 0; i < cfg->nextra_hosts; i++) {
			const struct extra_host *h = &cfg->extra_hosts[i];

			if (strcmp(h->host, host) == 0 && (h->port == 0 || h->port == port)) {
				found = true;
				allowed_http = h->http;
				break;
			}
		}
		if (!found) {
			*why = "must be a Teams connector (*.webhook.office.com) or Workflows "
			    "(*.logic.azure.com, *.api.powerplatform.com) webhook URL";
			return false;
		}
		*kind = strncmp(path, "/workflows/", 11) == 0 ? WEBHOOK_WORKFLOW : WEBHOOK_CONNECTOR;
	}
	if (!https && !allowed_http) {
		*why = "must be an https URL";
		return false;
	}
	return true;
}

char *
content_url_for(struct arena *a, const struct config *cfg, const char *entity_id)
{
	return arena_printf(a, "%s/Connector/Edit?entityId=%s", cfg->public_base_url, entity_id);
}

static bool
fail(struct field_error *e, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool
fail(struct field_error *e, const char *field, const char *fmt, ...)
{
	va_list ap;

	e->field = field;
	va_start(ap, fmt);
	vsnprintf(e->reason, sizeof(e->reason), fmt, ap);
	va_end(ap);
	return false;
}

/* Like fail, for a field named by a path the caller built (copied: it may be on the stack). */
static bool
fail_at(struct field_error *e, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool
fail_at(struct field_error *e, const char *path, const char *fmt, ...)
{
	va_list ap;

	snprintf(e->name, sizeof(e->name), "%s", path);
	e->field = e->name;
	va_start(ap, fmt);
	vsnprintf(e->reason, sizeof(e->reason), fmt, ap);
	va_end(ap);
	return false;
}

/* C0, DEL and C1 controls (U+0080-U+009F, which UTF-8 spells C2 80 to C2 9F). */
static bool
has_control(const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f || (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
			return true;
	return false;
}

/* Only spaces: ASCII space and tab, and the Unicode spaces a paste can bring (valid UTF-8). */
static bool
is_blank(const char *s)
{
	static const char *const spaces[] = { "\xc2\xa0", "\xe1\x9a\x80", "\xe2\x80\x80",
	    "\xe2\x80\x81", "\xe2\x80\x82", "\xe2\x80\x83", "\xe2\x80\x84", "\xe2\x80\x85",
	    "\xe2\x80\x86", "\xe2\x80\x87", "\xe2\x80\x88", "\xe2\x80\x89", "\xe2\x80\x8a",
	    "\xe2\x80\x8b", "\xe2\x80\xaf", "\xe2\x81\x9f", "\xe3\x80\x80", "\xef\xbb\xbf",
	    NULL };

	while (*s != '\0') {
		const char *const *sp;
		size_t n = 0;

		if (*s == ' ' || *s == '\t') {
			s++;
			continue;
		}
		for (sp = spaces; *sp != NULL; sp++)
			if (strncmp(s, *sp, strlen(*sp)) == 0)
				n = strlen(*sp);
		if (n == 0)
			return false;
		s += n;
	}
	return true;
}

/* A required string member: present, a string, no NUL inside, and 1..max characters. */
static bool
get_string(struct json_object *body, const char *field, size_t max, const char **out,
    struct field_error *e)
{
	struct json_object *v;
	size_t len;

	if (!json_object_object_get_ex(body, field, &v) || json_object_is_type(v, json_type_null))
		return fail(e, field, "%s is required", field);
	if (!json_object_is_type(v, json_type_string))
		return fail(e, field, "%s must be a string", field);
	*out = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	if (strlen(*out) != len)
		return fail(e, field, "%s must not contain NUL characters", field);
	if (len == 0)
		return fail(e, field, "%s must not be empty", field);
	if (utf8_length(*out, len) > max)
		return fail(e, field, "%s must be at most %zu characters", field, max);
	return true;
}

/*
 * A member name from the client, fit to report: cut at 40 bytes (backing off to a character
 * boundary) and with control characters replaced, since it is echoed but never trusted.
 */
static void
client_name(const char *key, char out[41])
{
	size_t n = strlen(key);

	if (n > 40) {
		n = 40;
		while (n > 0 && ((unsigned char)key[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(out, key, n);
	out[n] = '\0';
	for (char *r = out; *r != '\0'; r++)
		if ((unsigned char)*r < 0x20)
			*r = '?';
}

/* The first member of body not in known (NULL-terminated), or NULL when there is none. */
static const char *
unknown_member(struct json_object *body, const char *const *known)
{
	json_object_object_foreach(body, key, val) {
		const char *const *k;
		bool found = false;

		(void)val;
		for (k = known; *k != NULL; k++)
			if (strcmp(*k, key) == 0)
				found = true;
		if (!found)
			return key;
	}
	return NULL;
}

static bool
only_known_fields(struct json_object *body, const char *const *known, struct field_error *e)
{
	const char *key = unknown_member(body, known);

	if (key == NULL)
		return true;
	client_name(key, e->name);
	e->field = e->name;
	snprintf(e->reason, sizeof(e->reason), "unknown field \"%s\"", e->name);
	return false;
}

bool
validate_save(struct json_object *body, const struct config *cfg, struct arena *a,
    struct save_input *in, struct field_error *e)
{
	static const char *const known[] = { "entityId", "configName", "contentUrl", "webhookUrl",
	    "appType", "userObjectId", "events", NULL };
	struct json_object *ev;
	const char *s, *why;
	size_t i, j, n;

	memset(in, 0, sizeof(*in));
	if (!get_string(body, "entityId", 36, &s, e))
		return false;
	if (!uuid_parse(s, in->entity_id))
		return fail(e, "entityId", "entityId must be a UUID (8-4-4-4-12 hex digits)");

	if (!get_string(body, "configName", 100, &in->config_name, e))
		return false;
	if (has_control(in->config_name))
		return fail(e, "configName", "configName must not contain control characters");
	if (is_blank(in->config_name))
		return fail(e, "configName", "configName must not be blank");

	if (!get_string(body, "contentUrl", 2048, &in->content_url, e))
		return false;
	if (strcmp(in->content_url, content_url_for(a, cfg, in->entity_id)) != 0)
		return fail(e, "contentUrl", "contentUrl must be this service's Edit URL for the "
		    "entity: %s/Connector/Edit?entityId=<entityId>", cfg->public_base_url);

	if (!get_string(body, "webhookUrl", 2048, &in->webhook_url, e))
		return false;
	if (!webhook_url_check(in->webhook_url, cfg, &in->kind, &why))
		return fail(e, "webhookUrl", "webhookUrl %s", why);

	if (!get_string(body, "appType", 16, &in->app_type, e))
		return false;
	if (strcmp(in->app_type, "mail") != 0 && strcmp(in->app_type, "groups") != 0 &&
	    strcmp(in->app_type, "teams") != 0)
		return fail(e, "appType", "appType must be one of mail, groups, teams");

	if (!get_string(body, "userObjectId", 36, &s, e))
		return false;
	if (!uuid_parse(s, in->user_object_id))
		return fail(e, "userObjectId", "userObjectId must be a GUID (8-4-4-4-12 hex digits)");

	if (!json_object_object_get_ex(body, "events", &ev) || json_object_is_type(ev, json_type_null))
		return fail(e, "events", "events is required");
	if (!json_object_is_type(ev, json_type_array))
		return fail(e, "events", "events must be an array of category ids");
	n = json_object_array_length(ev);
	if (n == 0)
		return fail(e, "events", "events must name at least one category");
	if (n > cfg->ncategories)
		return fail(e, "events", "events names more categories than there are");
	for (i = 0; i < n; i++) {
		struct json_object *item = json_object_array_get_idx(ev, i);
		const char *id;
		bool known_cat = false;

		if (!json_object_is_type(item, json_type_string))
			return fail(e, "events", "events must contain only strings");
		id = json_object_get_string(item);
		for (j = 0; j < cfg->ncategories; j++)
			if (strcmp(cfg->categories[j].id, id) == 0 &&
			    strlen(id) == (size_t)json_object_get_string_len(item)) {
				known_cat = true;
				in->events[in->nevents] = cfg->categories[j].id;
			}
		if (!known_cat)
			return fail(e, "events", "events[%zu] is not a known category", i);
		for (j = 0; j < in->nevents; j++)
			if (in->events[j] == in->events[in->nevents])
				return fail(e, "events", "events names %s twice", in->events[j]);
		in->nevents++;
	}
	return only_known_fields(body, known, e);
}

bool
validate_remove(struct json_object *body, const struct config *cfg, struct remove_input *in,
    struct field_error *e)
{
	static const char *const known[] = { "entityId", "webhookUrl", NULL };
	enum webhook_kind kind;
	const char *s, *why;

	memset(in, 0, sizeof(*in));
	if (!get_string(body, "entityId", 36, &s, e))
		return false;
	if (!uuid_parse(s, in->entity_id))
		return fail(e, "entityId", "entityId must be a UUID (8-4-4-4-12 hex digits)");
	if (!get_string(body, "webhookUrl", 2048, &in->webhook_url, e))
		return false;
	if (!webhook_url_check(in->webhook_url, cfg, &kind, &why))
		return fail(e, "webhookUrl", "webhookUrl %s", why);
	return only_known_fields(body, known, e);
}

/* An optional string member: absent or null is fine (*out NULL); otherwise 0..max characters. */
static bool
get_optional_string(struct json_object *body, const char *field, size_t max, const char **out,
    struct field_error *e)
{
	struct json_object *v;

	*out = NULL;
	if (!json_object_object_get_ex(body, field, &v) || json_object_is_type(v, json_type_null))
		return true;
	if (!json_object_is_type(v, json_type_string))
		return fail(e, field, "%s must be a string", field);
	*out = json_object_get_string(v);
	if (strlen(*out) != (size_t)json_object_get_string_len(v))
		return fail(e, field, "%s must not contain NUL characters", field);
	if (utf8_length(*out, strlen(*out)) > max)
		return fail(e, field, "%s must be at most %zu characters", field, max);
	return true;
}

static bool
link_url_valid(const char *u)
{
	const char *h;
	size_t i, n = strlen(u);

	if (strncmp(u, "https://", 8) == 0)
		h = u + 8;
	else if (strncmp(u, "http://", 7) == 0)
		h = u + 7;
	else
		return false;
	if (*h == '\0' || *h == '/' || *h == ':' || *h == '@')
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)u[i] <= 0x20 || (unsigned char)u[i] >= 0x7f)
			return false;
	return true;
}

/* What a member of an action is checked as. */
enum member_kind {
	MEMBER_LABEL,	/* text a reader sees: no control characters, not blank */
	MEMBER_URL,	/* an http or https link, as the notification's url */
	MEMBER_ID,	/* 1-64 of A-Z a-z 0-9 _ - */
};

/*
 * A string member of an action (or of its input) named in errors as <path>.<key>: *out NULL
 * when absent or null and optional; otherwise a string of 1..max characters, no NUL, and what
 * its kind asks.
 */
static bool
action_string(struct json_object *o, const char *path, const char *key, bool required,
    size_t max, enum member_kind kind, const char **out, struct field_error *e)
{
	struct json_object *v;
	char field[72];
	size_t len;

	snprintf(field, sizeof(field), "%s.%s", path, key);
	*out = NULL;
	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return required ? fail_at(e, field, "%s is required", field) : true;
	if (!json_object_is_type(v, json_type_string))
		return fail_at(e, field, "%s must be a string", field);
	*out = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	if (strlen(*out) != len)
		return fail_at(e, field, "%s must not contain NUL characters", field);
	if (len == 0)
		return fail_at(e, field, "%s must not be empty", field);
	if (utf8_length(*out, len) > max)
		return fail_at(e, field, "%s must be at most %zu characters", field, max);
	switch (kind) {
	case MEMBER_LABEL:
		if (has_control(*out))
			return fail_at(e, field, "%s must not contain control characters", field);
		if (is_blank(*out))
			return fail_at(e, field, "%s must not be blank", field);
		break;
	case MEMBER_URL:
		if (!link_url_valid(*out))
			return fail_at(e, field, "%s must be an http or https URL without spaces",
			    field);
		break;
	case MEMBER_ID:
		if (strspn(*out, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
		    != len)
			return fail_at(e, field, "%s may hold only A-Z a-z 0-9 _ -", field);
		break;
	}
	return true;
}

/* A boolean member named <path>.<key>: def when absent or null. */
static bool
action_bool(struct json_object *o, const char *path, const char *key, bool def, bool *out,
    struct field_error *e)
{
	struct json_object *v;
	char field[72];

	*out = def;
	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return true;
	if (!json_object_is_type(v, json_type_boolean)) {
		snprintf(field, sizeof(field), "%s.%s", path, key);
		return fail_at(e, field, "%s must be true or false", field);
	}
	*out = json_object_get_boolean(v);
	return true;
}

/* Refuses a member of an action object that its type does not take, naming what it takes. */
static bool
only_known_members(struct json_object *o, const char *path, const char *const *known,
    const char *takes, struct field_error *e)
{
	const char *key = unknown_member(o, known);
	char name[41], field[72];

	if (key == NULL)
		return true;
	client_name(key, name);
	snprintf(field, sizeof(field), "%s.%s", path, name);
	return fail_at(e, field, "%s has an unknown field \"%s\" (%s)", path, name, takes);
}

static struct json_object *
add_new_string(struct json_object *o, const char *key, const char *value)
{
	json_object_object_add(o, key, json_object_new_string(value));
	return o;
}

/* {type "openUrl", name, url}, checked, into out. */
static bool
open_url_action(struct json_object *a, const char *path, struct json_object *out,
    struct field_error *e)
{
	static const char *const known[] = { "type", "name", "url", NULL };
	const char *name, *url;

	if (!only_known_members(a, path, known, "openUrl takes type, name, url", e) ||
	    !action_string(a, path, "name", true, ACTION_NAME_MAX, MEMBER_LABEL, &name, e) ||
	    !action_string(a, path, "url", true, WEBHOOK_URL_MAX, MEMBER_URL, &url, e))
		return false;
	add_new_string(out, "name", name);
	add_new_string(out, "url", url);
	return true;
}

/* {type "httpPost", id, name, input?, status?, updateCard?, url?}, checked, into out. */
static bool
http_post_action(struct json_object *a, const char *path, struct json_object *out,
    struct field_error *e)
{
	static const char *const known[] = { "type", "id", "name", "input", "status",
	    "updateCard", "url", NULL };
	static const char *const input_known[] = { "title", "multiline", "required", NULL };
	const char *id, *name, *status, *url, *title;
	struct json_object *input, *oi;
	char input_path[32];
	bool update, multiline, required;

	if (!only_known_members(a, path, known, "httpPost takes type, id, name, input, status, "
	    "updateCard, url", e) ||
	    !action_string(a, path, "id", true, ACTION_ID_MAX, MEMBER_ID, &id, e) ||
	    !action_string(a, path, "name", true, ACTION_NAME_MAX, MEMBER_LABEL, &name, e) ||
	    !action_string(a, path, "status", false, ACTION_TEXT_MAX, MEMBER_LABEL, &status, e) ||
	    !action_bool(a, path, "updateCard", false, &update, e) ||
	    !action_string(a, path, "url", false, WEBHOOK_URL_MAX, MEMBER_URL, &url, e))
		return false;
	add_new_string(out, "id", id);
	add_new_string(out, "name", name);
	if (json_object_object_get_ex(a, "input", &input) &&
	    !json_object_is_type(input, json_type_null)) {
		snprintf(input_path, sizeof(input_path), "%s.input", path);
		if (!json_object_is_type(input, json_type_object))
			return fail_at(e, input_path, "%s must be an object {title, multiline, "
			    "required}", input_path);
		if (!only_known_members(input, input_path, input_known, "input takes title, "
		    "multiline, required", e) ||
		    !action_string(input, input_path, "title", true, ACTION_TEXT_MAX, MEMBER_LABEL,
		    &title, e) ||
		    !action_bool(input, input_path, "multiline", false, &multiline, e) ||
		    !action_bool(input, input_path, "required", false, &required, e))
			return false;
		oi = add_new_string(json_object_new_object(), "title", title);
		json_object_object_add(oi, "multiline", json_object_new_boolean(multiline));
		json_object_object_add(oi, "required", json_object_new_boolean(required));
		json_object_object_add(out, "input", oi);
	}
	/* The message Teams shows after the click; the Action handler reads it from here. */
	if (status != NULL)
		add_new_string(out, "status", status);
	else {
		struct buf b;

		buf_init(&b);
		buf_printf(&b, "%s: sent", name);
		add_new_string(out, "status", b.data);
		buf_free(&b);
	}
	json_object_object_add(out, "updateCard", json_object_new_boolean(update));
	if (url != NULL)
		add_new_string(out, "url", url);
	return true;
}

/*
 * actions: checked and normalised into *out (NULL when absent, null or empty). Every action
 * is a button, and the notification's url is one more: together they must fit the 4 Teams
 * shows, since a fifth would be silently hidden from the reader.
 */
static bool
validate_actions(struct json_object *body, bool url_given, struct json_object **out,
    struct field_error *e)
{
	struct json_object *actions, *list;
	size_t i, j, n, max = NOTIFY_MAX_BUTTONS - (url_given ? 1 : 0);

	*out = NULL;
	if (!json_object_object_get_ex(body, "actions", &actions) ||
	    json_object_is_type(actions, json_type_null))
		return true;
	if (!json_object_is_type(actions, json_type_array))
		return fail(e, "actions", "actions must be an array of {type, ...}");
	n = json_object_array_length(actions);
	if (n > max)
		return url_given ? fail(e, "actions", "actions may have at most %zu entries when "
		    "url is given: Teams shows %d buttons and url is one of them", max,
		    NOTIFY_MAX_BUTTONS) :
		    fail(e, "actions", "actions may have at most %zu entries: Teams shows no more "
		    "buttons", max);
	if (n == 0)
		return true;
	list = json_object_new_array();
	for (i = 0; i < n; i++) {
		struct json_object *a = json_object_array_get_idx(actions, i), *oa, *id;
		const char *type;
		char path[16], field[24];
		bool good;

		snprintf(path, sizeof(path), "actions[%zu]", i);
		if (!json_object_is_type(a, json_type_object)) {
			json_object_put(list);
			return fail_at(e, path, "%s must be an object {type, ...}", path);
		}
		if (!action_string(a, path, "type", true, 16, MEMBER_LABEL, &type, e)) {
			json_object_put(list);
			return false;
		}
		oa = add_new_string(json_object_new_object(), "type", type);
		json_object_array_add(list, oa);
		if (strcmp(type, "openUrl") == 0)
			good = open_url_action(a, path, oa, e);
		else if (strcmp(type, "httpPost") == 0)
			good = http_post_action(a, path, oa, e);
		else {
			snprintf(field, sizeof(field), "%s.type", path);
			good = fail_at(e, field, "%s must be openUrl or httpPost", field);
		}
		if (!good) {
			json_object_put(list);
			return false;
		}
		/* Ids tell the Action handler which button was clicked: one button, one id. */
		if (!json_object_object_get_ex(oa, "id", &id))
			continue;
		for (j = 0; j < i; j++) {
			struct json_object *prev = json_object_array_get_idx(list, j), *pid;

			if (json_object_object_get_ex(prev, "id", &pid) &&
			    strcmp(json_object_get_string(pid), json_object_get_string(id)) == 0) {
				json_object_put(list);
				snprintf(field, sizeof(field), "%s.id", path);
				return fail_at(e, field, "%s is already the id of actions[%zu]: ids "
				    "must be unique", field, j);
			}
		}
	}
	*out = list;
	return true;
}

bool
validate_notification(struct json_object *body, const struct config *cfg,
    struct notify_input *in, struct field_error *e)
{
	static const char *const known[] = { "event", "title", "text", "facts", "url",
	    "actions", "severity", "idempotencyKey", "entityId", NULL };
	static const char *const severities[] = { "info", "success", "warning", "critical", NULL };
	const char *title, *text, *url, *severity, *id, *const *sv;
	struct json_object *facts = NULL, *out_facts = NULL, *out_actions = NULL;
	size_t i, n, j;
	bool known_event = false;

	memset(in, 0, sizeof(*in));
	if (!get_string(body, "event", 32, &in->event, e))
		return false;
	for (j = 0; j < cfg->ncategories; j++)
		if (strcmp(cfg->categories[j].id, in->event) == 0)
			known_event = true;
	if (!known_event)
		return fail(e, "event", "event must be one of the configured event categories");
	if (!get_string(body, "title", 256, &title, e))
		return false;
	if (!get_optional_string(body, "text", 20000, &text, e))
		return false;
	if (!get_optional_string(body, "url", 2048, &url, e))
		return false;
	if (url != NULL && *url != '\0' && !link_url_valid(url))
		return fail(e, "url", "url must be an http or https URL without spaces");
	if (!get_optional_string(body, "severity", 16, &severity, e))
		return false;
	if (severity == NULL)
		severity = "info";
	for (sv = severities; *sv != NULL && strcmp(*sv, severity) != 0; sv++)
		;
	if (*sv == NULL)
		return fail(e, "severity", "severity must be one of info, success, warning, critical");
	if (!get_string(body, "idempotencyKey", 200, &in->idempotency_key, e))
		return false;
	if (strspn(in->idempotency_key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._:-") != strlen(in->idempotency_key))
		return fail(e, "idempotencyKey", "idempotencyKey may hold only A-Z a-z 0-9 . _ : -");
	if (!get_optional_string(body, "entityId", 36, &id, e))
		return false;
	if (id != NULL && !uuid_parse(id, in->entity_id))
		return fail(e, "entityId", "entityId must be a UUID (8-4-4-4-12 hex digits)");

	if (json_object_object_get_ex(body, "facts", &facts) &&
	    !json_object_is_type(facts, json_type_null)) {
		if (!json_object_is_type(facts, json_type_array))
			return fail(e, "facts", "facts must be an array of {name, value}");
		n = json_object_array_length(facts);
		if (n > 100)
			return fail(e, "facts", "facts must have at most 100 items");
		out_facts = json_object_new_array();
		for (i = 0; i < n; i++) {
			struct json_object *f = json_object_array_get_idx(facts, i), *of;
			const char *name, *value;

			if (!json_object_is_type(f, json_type_object)) {
				json_object_put(out_facts);
				return fail(e, "facts", "facts[%zu] must be an object {name, value}", i);
			}
			json_object_object_foreach(f, fk, fv) {
				(void)fv;
				if (strcmp(fk, "name") != 0 && strcmp(fk, "value") != 0) {
					json_object_put(out_facts);
					return fail(e, "facts", "facts[%zu] has a member other than name "
					    "and value", i);
				}
			}
			if (!get_string(f, "name", 200, &name, e) ||
			    !get_optional_string(f, "value", 2000, &value, e)) {
				json_object_put(out_facts);
				snprintf(e->reason, sizeof(e->reason), "facts[%zu]: name must be 1-200 "
				    "characters and value a string of at most 2000", i);
				e->field = "facts";
				return false;
			}
			of = json_object_new_object();
			json_object_object_add(of, "name", json_object_new_string(name));
			json_object_object_add(of, "value", json_object_new_string(value ? value : ""));
			json_object_array_add(out_facts, of);
		}
	}
	if (!validate_actions(body, url != NULL && *url != '\0', &out_actions, e) ||
	    !only_known_fields(body, known, e)) {
		json_object_put(out_facts);
		json_object_put(out_actions);
		return false;
	}
	in->payload = json_object_new_object();
	json_object_object_add(in->payload, "title", json_object_new_string(title));
	if (text != NULL && *text != '\0')
		json_object_object_add(in->payload, "text", json_object_new_string(text));
	if (out_facts != NULL && json_object_array_length(out_facts) > 0)
		json_object_object_add(in->payload, "facts", out_facts);
	else
		json_object_put(out_facts);
	if (url != NULL && *url != '\0')
		json_object_object_add(in->payload, "url", json_object_new_string(url));
	if (out_actions != NULL)
		json_object_object_add(in->payload, "actions", out_actions);
	json_object_object_add(in->payload, "severity", json_object_new_string(severity));
	return true;
}
