/* test_validate.c: ids, webhook URLs, the Save/Remove bodies and notification actions, field by field. */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "arena.h"
#include "config.h"
#include "tap.h"
#include "util.h"
#include "validate.h"

/* Categories in a known order; one extra host pinned to a port with http, one https on any port. */
static const char conf_text[] =
    "database_url = host=/tmp dbname=connector\n"
    "public_base_url = https://connector.example.com\n"
    "csrf_secret = 0123456789abcdef0123456789abcdef\n"
    "event_categories = deployments:Deployments, incidents:Incidents, builds:Builds\n"
    "webhook_extra_hosts = http://127.0.0.1:8081, sink.test\n";

/* The same service as deployed, with Teams hosts only. */
static const char conf_plain_text[] =
    "database_url = host=/tmp dbname=connector\n"
    "public_base_url = https://connector.example.com\n"
    "csrf_secret = 0123456789abcdef0123456789abcdef\n";

#define ENTITY_UPPER "0F8FAD5B-D9CB-469F-A165-70867728950E"
#define ENTITY       "0f8fad5b-d9cb-469f-a165-70867728950e"
#define USER_UPPER   "7C9E6679-7425-40DE-944B-E07FC1F90AE7"
#define USER         "7c9e6679-7425-40de-944b-e07fc1f90ae7"
#define EDIT_URL     "https://connector.example.com/Connector/Edit?entityId="

static const char good_save[] =
    "{\"entityId\":\"" ENTITY_UPPER "\","
    "\"configName\":\"Release notes\","
    "\"contentUrl\":\"" EDIT_URL ENTITY "\","
    "\"webhookUrl\":\"https://contoso.webhook.office.com/webhookb2/abc\","
    "\"appType\":\"teams\","
    "\"userObjectId\":\"" USER_UPPER "\","
    "\"events\":[\"incidents\",\"deployments\"]}";

static struct config cfg, cfg_plain;
static struct arena arena;
static struct save_input saved;
static struct field_error fe;

static void
load_config(struct config *c, const char *text)
{
	char err[256] = "";

	config_init(c);
	if (!config_load_text(c, text, "test.conf", NULL, err, sizeof(err))) {
		printf("Bail out! test configuration refused: %s\n", err);
		exit(1);
	}
}

/* Checks a URL against cfg; kind and why are reset first so stale values cannot pass. */
static bool
url_ok(const struct config *c, const char *url, enum webhook_kind *kind, const char **why)
{
	*kind = (enum webhook_kind)-1;
	*why = "";
	return webhook_url_check(url, c, kind, why);
}

static void
accept_url(const char *url, enum webhook_kind want, const char *name)
{
	enum webhook_kind kind;
	const char *why;

	if (!ok(url_ok(&cfg, url, &kind, &why), name))
		printf("#   refused: %s\n", why);
	is_str(webhook_kind_name(kind), webhook_kind_name(want), "  ...as the right kind");
}

static void
refuse_url_in(const struct config *c, const char *url, const char *reason, const char *name)
{
	enum webhook_kind kind;
	const char *why;

	ok(!url_ok(c, url, &kind, &why), name);
	has_str(why, reason, "  ...saying why");
}

static void
refuse_url(const char *url, const char *reason, const char *name)
{
	refuse_url_in(&cfg, url, reason, name);
}

/* The good Save body with one member replaced (value NULL: removed); validated into saved/fe. */
static bool
save_with(const char *field, struct json_object *value)
{
	/* Kept until the next call: saved's strings point into it, as into a request's body. */
	static struct json_object *body;
	bool r;

	json_object_put(body);
	body = json_tokener_parse(good_save);

	if (field != NULL) {
		if (value == NULL)
			json_object_object_del(body, field);
		else
			json_object_object_add(body, field, value);
	}
	arena_reset(&arena);
	memset(&fe, 0, sizeof(fe));
	r = validate_save(body, &cfg, &arena, &saved, &fe);
	return r;
}

/* One bad field: refused, reported under that field, with a reason that names it. */
static void
save_refused(const char *field, struct json_object *value, const char *reason, const char *name)
{
	ok(!save_with(field, value), name);
	is_str(fe.field, field, "  ...naming the field");
	has_str(fe.reason, field, "  ...in the reason");
	if (reason != NULL)
		has_str(fe.reason, reason, "  ...saying what is wrong");
}

static struct json_object *
str(const char *s)
{
	return json_object_new_string(s);
}

/* A JSON value from text, for arrays and objects. */
static struct json_object *
jv(const char *text)
{
	return json_tokener_parse(text);
}

/* count copies of piece, as a JSON string. */
static struct json_object *
repeated(const char *piece, int count)
{
	size_t n = strlen(piece);
	char *s = malloc(n * (size_t)count + 1);
	struct json_object *o;
	int i;

	for (i = 0; i < count; i++)
		memcpy(s + n * (size_t)i, piece, n);
	s[n * (size_t)count] = '\0';
	o = json_object_new_string(s);
	free(s);
	return o;
}

/* A Remove body from JSON text; validated into rin/fe. */
static bool
remove_body(const char *text, struct remove_input *rin)
{
	/* Kept until the next call: rin's strings point into it. */
	static struct json_object *body;

	json_object_put(body);
	body = json_tokener_parse(text);
	memset(&fe, 0, sizeof(fe));
	return validate_remove(body, &cfg, rin, &fe);
}

static void
test_uuid(void)
{
	char out[37];

	ok(uuid_parse(ENTITY, out), "a lower-case UUID parses");
	is_str(out, ENTITY, "  ...and comes out the same");
	memset(out, 'z', sizeof(out));
	ok(uuid_parse(ENTITY_UPPER, out), "an upper-case UUID parses");
	is_str(out, ENTITY, "  ...and comes out lower-cased");
	ok(uuid_parse("0f8FAD5b-d9cb-469F-a165-70867728950e", out), "mixed case parses");
	is_str(out, ENTITY, "  ...lower-cased too");
	ok(uuid_parse(ENTITY, NULL), "no output buffer is fine");
	ok(!uuid_parse("0f8fad5b-d9cb-469f-a165-70867728950", out), "35 characters are refused");
	ok(!uuid_parse("0f8fad5b-d9cb-469f-a165-70867728950e0", out), "37 characters are refused");
	ok(!uuid_parse("", out), "an empty string is refused");
	ok(!uuid_parse(NULL, out), "NULL is refused");
	ok(!uuid_parse("0f8fad5bd-9cb-469f-a165-70867728950e", out), "a misplaced dash is refused");
	ok(!uuid_parse("0f8fad5b-d9cb-469f-a165-7086772895-0e", out), "an extra dash is refused");
	ok(!uuid_parse("0f8fad5b0d9cb0469f0a165070867728950e", out), "no dashes is refused");
	ok(!uuid_parse("0f8fad5g-d9cb-469f-a165-70867728950e", out), "a non-hex letter is refused");
	ok(!uuid_parse("{f8fad5b-d9cb-469f-a165-70867728950e", out), "a brace is refused");
	ok(!uuid_parse(" f8fad5b-d9cb-469f-a165-70867728950e", out), "a space is refused");
}

static void
test_webhook_urls(void)
{
	char *long_url;
	size_t n;

	accept_url("https://contoso.webhook.office.com/webhookb2/x", WEBHOOK_CONNECTOR,
	    "a *.webhook.office.com URL is accepted");
	accept_url("https://outlook.office.com/webhook/x", WEBHOOK_CONNECTOR,
	    "an outlook.office.com URL is accepted");
	accept_url("https://prod-12.westus.logic.azure.com:443/workflows/abc/triggers/manual/"
	    "paths/invoke?api-version=2016-06-01&sig=x", WEBHOOK_WORKFLOW,
	    "a *.logic.azure.com URL with :443 is accepted");
	accept_url("https://x.api.powerplatform.com/powerautomate/automations/direct/workflows/abc/"
	    "triggers/manual/paths/invoke?api-version=1", WEBHOOK_WORKFLOW,
	    "a *.api.powerplatform.com URL is accepted");
	accept_url("https://Contoso.WEBHOOK.Office.com/webhookb2/x", WEBHOOK_CONNECTOR,
	    "host case does not matter");
	accept_url("http://127.0.0.1:8081/webhookb2/x", WEBHOOK_CONNECTOR,
	    "the configured http extra host is accepted");
	accept_url("http://127.0.0.1:8081/workflows/x", WEBHOOK_WORKFLOW,
	    "  ...and /workflows/ there means Workflows");
	accept_url("https://127.0.0.1:8081/webhookb2/x", WEBHOOK_CONNECTOR,
	    "  ...https to it is fine too");
	accept_url("https://sink.test:9443/workflows/x", WEBHOOK_WORKFLOW,
	    "a bare extra host takes https on any port");

	refuse_url("http://contoso.webhook.office.com/webhookb2/x", "https",
	    "http on a Teams host is refused");
	refuse_url("ftp://contoso.webhook.office.com/webhookb2/x", "https",
	    "another scheme is refused");
	refuse_url("https://webhook.office.com/webhookb2/x", "webhook.office.com",
	    "webhook.office.com without a subdomain is refused");
	refuse_url("https://evilwebhook.office.com/webhookb2/x", "webhook.office.com",
	    "evilwebhook.office.com (not a subdomain) is refused");
	refuse_url("https://x.webhook.office.com.evil.com/webhookb2/x", "webhook.office.com",
	    "a Teams host as a prefix of another is refused");
	refuse_url("https://logic.azure.com/workflows/x", "logic.azure.com",
	    "logic.azure.com without a subdomain is refused");
	refuse_url("https://evil-outlook.office.com/webhook/x", "webhook URL",
	    "only outlook.office.com itself is accepted");
	refuse_url("https://user:pw@contoso.webhook.office.com/webhookb2/x", "user name",
	    "user info is refused");
	refuse_url("https://contoso.webhook.office.com@evil.example/webhookb2/x", "user name",
	    "a Teams host as user info is refused");
	refuse_url("https://contoso.webhook.office.com/webhookb2/x#frag", "fragment",
	    "a fragment is refused");
	refuse_url("https://contoso.webhook.office.com", "path", "no path is refused");
	refuse_url("https://contoso.webhook.office.com?x=1", "path", "a query without a path is refused");
	refuse_url("https://contoso.webhook.office.com/web hook", "spaces", "a space is refused");
	refuse_url("https://contoso.webhook.office.com/x\ty", "control", "a tab is refused");
	refuse_url("https://contoso.webhook.office.com/x\x7fy", "control", "DEL is refused");
	refuse_url("https://contoso.webhook.office.com/caf\xc3\xa9", "non-ASCII",
	    "non-ASCII is refused");
	refuse_url("", "2048", "an empty URL is refused");
	refuse_url("https://contoso.webhook.office.com:0/x", "port", "port 0 is refused");
	refuse_url("https://contoso.webhook.office.com:65536/x", "port", "port 65536 is refused");
	refuse_url("https://contoso.webhook.office.com:123456/x", "port", "a six-digit port is refused");
	refuse_url("https://contoso.webhook.office.com:/x", "port", "an empty port is refused");
	refuse_url("https://contoso.webhook.office.com:44x/x", "path", "junk after the port is refused");
	refuse_url("https:///webhookb2/x", "host", "an empty host is refused");
	refuse_url("https://a..webhook.office.com/x", "host", "\"..\" in the host is refused");
	refuse_url("https://.webhook.office.com/x", "host", "a leading dot is refused");
	refuse_url("https://contoso.webhook.office.com./x", "host", "a trailing dot is refused");
	refuse_url("https://con_toso.webhook.office.com/x", "host", "an underscore is refused");
	refuse_url("http://127.0.0.1:9999/webhookb2/x", "webhook URL",
	    "the extra host on another port is refused when the entry names one");
	refuse_url("http://127.0.0.1/webhookb2/x", "webhook URL",
	    "  ...and so is no port at all");
	refuse_url("http://sink.test/webhookb2/x", "https",
	    "http to an extra host whose entry did not say http:// is refused");
	refuse_url("https://sink.test.evil.example/x", "webhook URL",
	    "an extra host is matched whole");

	refuse_url_in(&cfg_plain, "https://contoso.webhook.office.com:8443/webhookb2/x",
	    "standard https port", "a Teams host on another port is refused");
	refuse_url_in(&cfg_plain, "http://127.0.0.1:8081/webhookb2/x", "webhook URL",
	    "without extra hosts, a local sink is refused");

	/* the length limit, at and just past it */
	n = 2048;
	long_url = malloc(n + 2);
	memset(long_url, 'a', n + 1);
	memcpy(long_url, "https://contoso.webhook.office.com/", 35);
	long_url[n] = '\0';
	accept_url(long_url, WEBHOOK_CONNECTOR, "a 2048-character URL is accepted");
	long_url[n] = 'a';
	long_url[n + 1] = '\0';
	refuse_url(long_url, "2048", "a 2049-character URL is refused");
	free(long_url);
}

static void
test_save(void)
{
	struct json_object *ev;
	char *cu;

	cu = content_url_for(&arena, &cfg, ENTITY);
	is_str(cu, EDIT_URL ENTITY, "content_url_for builds the Edit URL");

	ok(save_with(NULL, NULL), "a valid Save body passes");
	is_str(saved.entity_id, ENTITY, "  entityId lower-cased");
	is_str(saved.config_name, "Release notes", "  configName");
	is_str(saved.content_url, EDIT_URL ENTITY, "  contentUrl");
	is_str(saved.webhook_url, "https://contoso.webhook.office.com/webhookb2/abc", "  webhookUrl");
	is_int(saved.kind, WEBHOOK_CONNECTOR, "  kind from the host");
	is_str(saved.app_type, "teams", "  appType");
	is_str(saved.user_object_id, USER, "  userObjectId lower-cased");
	is_int((long)saved.nevents, 2, "  two events");
	ok(saved.events[0] == cfg.categories[1].id && saved.events[1] == cfg.categories[0].id,
	    "  events point at the configuration's own ids, in body order");

	ok(save_with("webhookUrl", str("https://prod-1.westus.logic.azure.com/workflows/a")) &&
	    saved.kind == WEBHOOK_WORKFLOW, "a Workflows URL gives the workflow kind");
	ok(save_with("appType", str("mail")), "appType mail is accepted");
	ok(save_with("appType", str("groups")), "appType groups is accepted");
	ok(save_with("events", jv("[\"builds\",\"incidents\",\"deployments\"]")) &&
	    saved.nevents == 3, "every category at once is accepted");

	/* each field missing, or null */
	save_refused("entityId", NULL, "required", "a missing entityId is refused");
	save_refused("configName", NULL, "required", "a missing configName is refused");
	save_refused("contentUrl", NULL, "required", "a missing contentUrl is refused");
	save_refused("webhookUrl", NULL, "required", "a missing webhookUrl is refused");
	save_refused("appType", NULL, "required", "a missing appType is refused");
	save_refused("userObjectId", NULL, "required", "a missing userObjectId is refused");
	save_refused("events", NULL, "required", "a missing events is refused");
	save_refused("configName", json_object_new_null(), "required", "a null configName is refused");
	save_refused("events", json_object_new_null(), "required", "a null events is refused");

	/* wrong types */
	save_refused("entityId", json_object_new_int(5), "string", "a number entityId is refused");
	save_refused("configName", json_object_new_boolean(1), "string",
	    "a boolean configName is refused");
	save_refused("contentUrl", jv("[]"), "string", "an array contentUrl is refused");
	save_refused("webhookUrl", jv("{}"), "string", "an object webhookUrl is refused");
	save_refused("appType", json_object_new_int(1), "string", "a number appType is refused");
	save_refused("userObjectId", json_object_new_double(1.5), "string",
	    "a number userObjectId is refused");
	save_refused("events", str("deployments"), "array", "a string events is refused");
	save_refused("events", jv("{\"deployments\":true}"), "array", "an object events is refused");

	/* configName */
	save_refused("configName", repeated("a", 101), "100", "101 characters are refused");
	ok(save_with("configName", repeated("a", 100)), "100 characters are accepted");
	save_refused("configName", str("a\xc2\x85" "b"), "control", "a C1 control (NEL) is refused");
	save_refused("configName", str("\xc2\xa0\xe3\x80\x80 "), "blank",
	    "a name of Unicode spaces only is blank");
	ok(save_with("configName", str("\xc2\xa0x")), "a name with a letter after a space is fine");
	ok(save_with("configName", repeated("\xc3\xa9", 100)),
	    "100 two-byte characters (200 bytes) are accepted");
	save_refused("configName", repeated("\xc3\xa9", 101), "100",
	    "101 two-byte characters are refused");
	save_refused("configName", str(""), "empty", "an empty configName is refused");
	save_refused("configName", str("   "), "blank", "a blank configName is refused");
	save_refused("configName", str("a\nb"), "control", "a newline is refused");
	save_refused("configName", str("a\x7f"), "control", "DEL is refused");
	save_refused("configName", json_object_new_string_len("ab\0cd", 5), "NUL",
	    "an embedded NUL is refused");
	ok(save_with("configName", str("  padded name ")), "inner and outer spaces are kept");
	is_str(saved.config_name, "  padded name ", "  ...as given");

	/* contentUrl must be exactly our Edit URL for this entity */
	save_refused("contentUrl", str(EDIT_URL "7c9e6679-7425-40de-944b-e07fc1f90ae7"),
	    "Edit URL", "a contentUrl for another entity is refused");
	save_refused("contentUrl", str("https://evil.example/Connector/Edit?entityId=" ENTITY),
	    "https://connector.example.com", "a contentUrl on another origin is refused");
	save_refused("contentUrl", str("http://connector.example.com/Connector/Edit?entityId="
	    ENTITY), NULL, "a contentUrl over http is refused");
	save_refused("contentUrl", str(EDIT_URL ENTITY "&x=1"), NULL,
	    "a contentUrl with more after it is refused");
	/* entityId is lower-cased before comparing, so only the lower-case URL matches */
	save_refused("contentUrl", str(EDIT_URL ENTITY_UPPER), NULL,
	    "a contentUrl with the upper-case id is refused");
	{
		struct json_object *body = json_tokener_parse(good_save);

		json_object_object_add(body, "entityId", str(ENTITY));
		arena_reset(&arena);
		ok(validate_save(body, &cfg, &arena, &saved, &fe), "a lower-case entityId matches too");
		json_object_put(body);
	}

	/* webhookUrl, appType, ids */
	save_refused("webhookUrl", str("https://evil.example/webhookb2/x"), "Teams",
	    "a foreign webhookUrl is refused");
	save_refused("webhookUrl", str("http://contoso.webhook.office.com/x"), "https",
	    "an http webhookUrl is refused");
	save_refused("appType", str("outlook"), "mail, groups, teams", "an unknown appType is refused");
	save_refused("appType", str("Teams"), NULL, "appType is case-sensitive");
	save_refused("entityId", str("not-a-uuid"), "UUID", "a bad entityId is refused");
	save_refused("userObjectId", str("0f8fad5b-d9cb-469f-a165-70867728950"), "GUID",
	    "a bad userObjectId is refused");
	save_refused("userObjectId", str("0f8fad5b-d9cb-469f-a165-70867728950z"), "GUID",
	    "a non-hex userObjectId is refused");

	/* events */
	save_refused("events", jv("[]"), "at least one", "empty events are refused");
	save_refused("events", jv("[\"deployments\",\"nope\"]"), "events[1]",
	    "an unknown category is refused, with its index");
	save_refused("events", jv("[\"Deployments\"]"), "events[0]", "category ids are case-sensitive");
	save_refused("events", jv("[\"incidents\",\"incidents\"]"), "twice",
	    "a repeated category is refused");
	save_refused("events", jv("[\"deployments\",1]"), "only strings",
	    "a non-string item is refused");
	save_refused("events", jv("[null]"), "only strings", "a null item is refused");
	save_refused("events", jv("[\"deployments\",\"incidents\",\"builds\",\"deployments\"]"),
	    "more categories", "more items than categories are refused");
	ev = json_object_new_array();
	json_object_array_add(ev, json_object_new_string_len("deploy\0x", 8));
	save_refused("events", ev, "events[0]", "an id with an embedded NUL is refused");
	ev = json_object_new_array();
	json_object_array_add(ev, json_object_new_string_len("deployments\0x", 13));
	save_refused("events", ev, "events[0]",
	    "a known id followed by NUL and more is refused");

	/* fields we do not know */
	ok(!save_with("colour", str("red")), "an unknown field is refused");
	is_str(fe.field, "colour", "  ...under its own name");
	has_str(fe.reason, "colour", "  ...naming it in the reason");
	ok(!save_with("a\nvery-long-field-name-that-goes-on-and-on-and-on-forever", str("x")),
	    "a long unknown field with a newline is refused");
	ok(strchr(fe.reason, '\n') == NULL && strstr(fe.reason, "forever") == NULL,
	    "  ...reported cut, without the control character");
}

static void
test_remove(void)
{
	struct remove_input rin;

	ok(remove_body("{\"entityId\":\"" ENTITY_UPPER "\","
	    "\"webhookUrl\":\"https://contoso.webhook.office.com/webhookb2/abc\"}", &rin),
	    "a valid Remove body passes");
	is_str(rin.entity_id, ENTITY, "  entityId lower-cased");
	is_str(rin.webhook_url, "https://contoso.webhook.office.com/webhookb2/abc", "  webhookUrl");

	ok(!remove_body("{\"webhookUrl\":\"https://contoso.webhook.office.com/webhookb2/abc\"}",
	    &rin), "Remove without entityId is refused");
	is_str(fe.field, "entityId", "  ...naming entityId");
	ok(!remove_body("{\"entityId\":\"" ENTITY "\"}", &rin), "Remove without webhookUrl is refused");
	is_str(fe.field, "webhookUrl", "  ...naming webhookUrl");
	ok(!remove_body("{}", &rin), "an empty Remove body is refused");
	is_str(fe.field, "entityId", "  ...naming the first field");
	ok(!remove_body("{\"entityId\":\"" ENTITY "x\","
	    "\"webhookUrl\":\"https://contoso.webhook.office.com/webhookb2/abc\"}", &rin),
	    "Remove with a bad UUID is refused");
	is_str(fe.field, "entityId", "  ...naming entityId");
	has_str(fe.reason, "entityId", "  ...in the reason");
	ok(!remove_body("{\"entityId\":\"" ENTITY "\","
	    "\"webhookUrl\":\"https://evilwebhook.office.com/webhookb2/abc\"}", &rin),
	    "Remove with a foreign webhook is refused");
	is_str(fe.field, "webhookUrl", "  ...naming webhookUrl");
	has_str(fe.reason, "webhookUrl", "  ...in the reason");
	ok(!remove_body("{\"entityId\":\"" ENTITY "\",\"webhookUrl\":5}", &rin),
	    "Remove with a number webhookUrl is refused");
	is_str(fe.field, "webhookUrl", "  ...naming webhookUrl");
	ok(!remove_body("{\"entityId\":\"" ENTITY "\","
	    "\"webhookUrl\":\"https://contoso.webhook.office.com/webhookb2/abc\",\"events\":[]}",
	    &rin), "Remove with a field it does not take is refused");
	is_str(fe.field, "events", "  ...under its own name");
	has_str(fe.reason, "events", "  ...naming it");
}


/* A notification with this actions member (raw JSON, NULL: none) and maybe a url. */
static bool
notify_actions(const char *actions, bool with_url, struct notify_input *in)
{
	struct json_object *body = json_tokener_parse("{\"event\":\"incidents\",\"title\":\"Disk "
	    "full\",\"idempotencyKey\":\"k-1\"}");
	bool r;

	if (with_url)
		json_object_object_add(body, "url", json_object_new_string("https://ci.example/1"));
	if (actions != NULL)
		json_object_object_add(body, "actions", json_tokener_parse(actions));
	memset(&fe, 0, sizeof(fe));
	memset(in, 0xa5, sizeof(*in));
	r = validate_notification(body, &cfg, in, &fe);
	json_object_put(body);
	return r;
}

/* Refused under field, with a reason naming it and saying what is wrong. */
static void
actions_refused(const char *actions, bool with_url, const char *field, const char *reason,
    const char *name)
{
	struct notify_input in;

	if (!ok(!notify_actions(actions, with_url, &in), name))
		json_object_put(in.payload);
	is_str(fe.field, field, "  ...naming the field");
	has_str(fe.reason, reason, "  ...saying what is wrong");
}

static const char *
pstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) ?
	    json_object_get_string(v) : NULL;
}

static void
test_actions_valid(void)
{
	struct notify_input in;
	struct json_object *a, *x, *v;

	ok(notify_actions("[{\"type\":\"openUrl\",\"name\":\"Runbook\",\"url\":"
	    "\"https://wiki.example/rb\"},{\"type\":\"httpPost\",\"id\":\"ack_1-A\",\"name\":"
	    "\"Acknowledge\"},{\"type\":\"httpPost\",\"id\":\"note\",\"name\":\"Note\",\"input\":"
	    "{\"title\":\"Your note\",\"multiline\":true},\"status\":\"Noted \xe2\x9c\x93\","
	    "\"updateCard\":true,\"url\":\"http://ops.example/n\"}]", true, &in),
	    "actions: openUrl and two httpPosts, with url: four buttons pass");
	ok(json_object_object_get_ex(in.payload, "actions", &a) &&
	    json_object_array_length(a) == 3, "  the payload keeps the three actions");
	x = json_object_array_get_idx(a, 0);
	is_str(pstr(x, "type"), "openUrl", "  openUrl: type");
	is_str(pstr(x, "name"), "Runbook", "  ...name");
	is_str(pstr(x, "url"), "https://wiki.example/rb", "  ...url");
	is_int(json_object_object_length(x), 3, "  ...and nothing else");
	x = json_object_array_get_idx(a, 1);
	is_str(pstr(x, "id"), "ack_1-A", "  httpPost: id");
	is_str(pstr(x, "status"), "Acknowledge: sent", "  ...status defaults from the name");
	ok(json_object_object_get_ex(x, "updateCard", &v) &&
	    json_object_is_type(v, json_type_boolean) && !json_object_get_boolean(v),
	    "  ...updateCard defaults to false");
	ok(!json_object_object_get_ex(x, "input", &v) && !json_object_object_get_ex(x, "url", &v),
	    "  ...no input or url when not given");
	x = json_object_array_get_idx(a, 2);
	is_str(pstr(x, "status"), "Noted \xe2\x9c\x93", "  a given status is kept");
	ok(json_object_object_get_ex(x, "updateCard", &v) && json_object_get_boolean(v),
	    "  ...updateCard true kept");
	is_str(pstr(x, "url"), "http://ops.example/n", "  ...the url for Workflows");
	ok(json_object_object_get_ex(x, "input", &v), "  ...the input");
	is_str(pstr(v, "title"), "Your note", "  ...its title");
	ok(json_object_object_get_ex(v, "required", &x) && json_object_is_type(x, json_type_boolean)
	    && !json_object_get_boolean(x), "  ...required defaults to false");
	ok(json_object_object_get_ex(v, "multiline", &x) && json_object_get_boolean(x),
	    "  ...multiline kept");
	json_object_put(in.payload);

	ok(notify_actions("[{\"type\":\"openUrl\",\"name\":\"1\",\"url\":\"https://a.example/1\"},"
	    "{\"type\":\"openUrl\",\"name\":\"2\",\"url\":\"https://a.example/2\"},"
	    "{\"type\":\"openUrl\",\"name\":\"3\",\"url\":\"https://a.example/3\"},"
	    "{\"type\":\"openUrl\",\"name\":\"4\",\"url\":\"https://a.example/4\"}]", false, &in),
	    "four actions without url pass");
	json_object_put(in.payload);
	ok(notify_actions("[]", true, &in), "an empty actions array passes");
	ok(!json_object_object_get_ex(in.payload, "actions", &v), "  ...and is left out");
	json_object_put(in.payload);
	ok(notify_actions("null", true, &in), "actions null passes");
	ok(!json_object_object_get_ex(in.payload, "actions", &v), "  ...and is left out");
	json_object_put(in.payload);
	ok(notify_actions("[{\"type\":\"httpPost\",\"id\":\"a\",\"name\":\"A\",\"input\":null,"
	    "\"status\":null,\"updateCard\":null,\"url\":null}]", false, &in),
	    "null optional members of an action are absent");
	json_object_put(in.payload);
}

static void
test_actions_refused(void)
{
	static const char four[] =
	    "[{\"type\":\"openUrl\",\"name\":\"1\",\"url\":\"https://a.example/1\"},"
	    "{\"type\":\"openUrl\",\"name\":\"2\",\"url\":\"https://a.example/2\"},"
	    "{\"type\":\"httpPost\",\"id\":\"a\",\"name\":\"3\"},"
	    "{\"type\":\"openUrl\",\"name\":\"4\",\"url\":\"https://a.example/4\"}";
	char body[8192], long_name[128], long_url[2100];

	snprintf(body, sizeof(body), "%s]", four);
	actions_refused(body, true, "actions", "at most 3 entries when url is given",
	    "four actions and a url are five buttons: refused");
	snprintf(body, sizeof(body), "%s,{\"type\":\"httpPost\",\"id\":\"b\",\"name\":\"5\"}]",
	    four);
	actions_refused(body, false, "actions", "at most 4 entries",
	    "five actions: refused");
	actions_refused("{\"type\":\"openUrl\"}", false, "actions", "array",
	    "actions not an array: refused");
	actions_refused("[\"open\"]", false, "actions[0]", "must be an object",
	    "an action that is not an object: refused");
	actions_refused("[{\"name\":\"x\",\"url\":\"https://a.example/\"}]", false,
	    "actions[0].type", "is required", "an action without type: refused");
	actions_refused("[{\"type\":\"submit\",\"name\":\"x\"}]", false, "actions[0].type",
	    "openUrl or httpPost", "an unknown type: refused");
	actions_refused("[{\"type\":7}]", false, "actions[0].type", "must be a string",
	    "a type that is not a string: refused");

	/* Unknown members, as the top level refuses them. */
	actions_refused("[{\"type\":\"openUrl\",\"name\":\"x\",\"url\":\"https://a.example/\"},"
	    "{\"type\":\"openUrl\",\"name\":\"x\",\"url\":\"https://a.example/\",\"id\":\"i\"}]",
	    false, "actions[1].id", "unknown field \"id\"", "openUrl with an id: refused");
	has_str(fe.reason, "openUrl takes type, name, url", "  ...saying what it takes");
	actions_refused("[{\"type\":\"httpPost\",\"id\":\"a\",\"name\":\"x\",\"style\":\"good\"}]",
	    false, "actions[0].style", "unknown field \"style\"", "httpPost with style: refused");
	actions_refused("[{\"type\":\"httpPost\",\"id\":\"a\",\"name\":\"x\",\"input\":{\"title\":"
	    "\"t\",\"placeholder\":\"p\"}}]", false, "actions[0].input.placeholder",
	    "unknown field \"placeholder\"", "an input with a placeholder: refused");
	{
		/* 39 bytes, then a 2-byte character the 40-byte cut must not split. */
		actions_refused("[{\"type\":\"openUrl\",\"name\":\"x\",\"url\":\"https://a.example/\","
		    "\"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\xc3\xa9tail\\n\":1}]", false,
		    "actions[0].kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk", "unknown field",
		    "a long unknown member is refused");
		ok(utf8_valid(fe.reason, strlen(fe.reason)) && strchr(fe.reason, '\n') == NULL,
		    "  ...reported cut, valid UTF-8, without the control character");
	}

	/* Names and texts. */
	actions_refused("[{\"type\":\"openUrl\",\"url\":\"https://a.example/\"}]", false,
	    "actions[0].name", "is required", "openUrl without a name: refused");
	actions_refused("[{\"type\":\"openUrl\",\"name\":\"\",\"url\":\"https://a.example/\"}]",
	    false, "actions[0].name", "must not be empty", "an empty name: refused");
	actions_refused("[{\"type\":\"openUrl\",\"name\":\" \xc2\xa0\",\"url\":"
	    "\"https://a.example/\"}]", false, "actions[0].name", "blank", "a blank name: refused");
	actions_refused("[{\"type\":\"openUrl\",\"name\":\"a\\nb\",\"url\":\"https://a.example/\"}]",
	    false, "actions[0].name", "control characters", "a name with a newline: refused");
	actions_refused("[{\"type\":\"openUrl\",\"name\":\"a\\u0000b\",\"url\":"
	    "\"https://a.example/\"}]", false, "actions[0].name", "NUL", "a NUL in a name: refused");
	memset(long_name, 'n', 101);
	long_name[101] = '\0';
	snprintf(body, sizeof(body), "[{\"type\":\"httpPost\",\"id\":\"a\",\"name\":\"%s\"}]",
	    long_name);
	actions_refused(body, false, "actions[0].name", "at most 100 characters",
	    "a name of 101 characters: refused");
	long_name[100] = '\0';
	snprintf(body, sizeof(body), "[{\"type\":\"httpPost\",\"id\":\"a\",\"name\":\"%s\"}]",
	    long_name);
	{
		struct notify_input in;

		ok(notify_actions(body, false, &in), "  ...100 pass");
		json_object_put(in.payload);
	}
	actions_refused("[{\"type\":\"httpPost\",\"id\":\"a\",\"name\":\"x\",\"status\":\"\"}]",
	    false, "actions[0].status", "must not be empty", "an empty status: refused");
	memset(long_url, 's', 201);
	long_url[201] = '\0';
	snprintf(body, sizeof(body), "[{\"type\":\"httpPost\",\"id\":\"a\",\"name\":\"x\","
	    "\"status\":\"%s\"}]", long_url);
	actions_refused(body, false, "actions[0].status", "at most 200",
	    "a status of 201 characters: refused");

	/* URLs: the same checks as the notification's url. */
	actions_refused("[{\"type\":\"openUrl\",\"name\":\"x\"}]", false, "actions[0].url",
	    "is required", "openUrl without a url: refused");
	actions_refused("[{\"type\":\"openUrl\",\"name\":\"x\",\"url\":\"ftp://a.example/\"}]",
	    false, "actions[0].url", "http or https", "an ftp url: refused");
	actions_refused("[{\"type\":\"openUrl\",\"name\":\"x\",\"url\":\"javascript:alert(1)\"}]",
	    false, "actions[0].url", "http or https", "a javascript: url: refused");
	actions_refused("[{\"type\":\"openUrl\",\"name\":\"x\",\"url\":\"https://a.example/a b\"}]",
	    false, "actions[0].url", "without spaces", "a url with a space: refused");
	actions_refused("[{\"type\":\"openUrl\",\"name\":\"x\",\"url\":\"https:///path\"}]",
	    false, "actions[0].url", "http or https", "a url without a host: refused");
	memcpy(long_url, "https://a.example/", 18);
	memset(long_url + 18, 'p', 2031);
	long_url[2049] = '\0';
	snprintf(body, sizeof(body), "[{\"type\":\"openUrl\",\"name\":\"x\",\"url\":\"%s\"}]",
	    long_url);
	actions_refused(body, false, "actions[0].url", "at most 2048",
	    "a url of 2049 characters: refused");
	actions_refused("[{\"type\":\"httpPost\",\"id\":\"a\",\"name\":\"x\",\"url\":\"mailto:a@b\"}]",
	    false, "actions[0].url", "http or https", "an httpPost with a mailto url: refused");

	/* Ids. */
	actions_refused("[{\"type\":\"httpPost\",\"name\":\"x\"}]", false, "actions[0].id",
	    "is required", "httpPost without an id: refused");
	actions_refused("[{\"type\":\"httpPost\",\"id\":\"a b\",\"name\":\"x\"}]", false,
	    "actions[0].id", "A-Z a-z 0-9 _ -", "an id with a space: refused");
	actions_refused("[{\"type\":\"httpPost\",\"id\":\"a.b\",\"name\":\"x\"}]", false,
	    "actions[0].id", "A-Z a-z 0-9 _ -", "an id with a dot: refused");
	memset(long_name, 'i', 65);
	long_name[65] = '\0';
	snprintf(body, sizeof(body), "[{\"type\":\"httpPost\",\"id\":\"%s\",\"name\":\"x\"}]",
	    long_name);
	actions_refused(body, false, "actions[0].id", "at most 64", "an id of 65: refused");
	actions_refused("[{\"type\":\"httpPost\",\"id\":\"same\",\"name\":\"x\"},"
	    "{\"type\":\"openUrl\",\"name\":\"y\",\"url\":\"https://a.example/\"},"
	    "{\"type\":\"httpPost\",\"id\":\"same\",\"name\":\"z\"}]", false, "actions[2].id",
	    "already the id of actions[0]", "a repeated id: refused");
	{
		struct notify_input in;

		ok(notify_actions("[{\"type\":\"httpPost\",\"id\":\"Same\",\"name\":\"x\"},"
		    "{\"type\":\"httpPost\",\"id\":\"same\",\"name\":\"z\"}]", false, &in),
		    "  ...ids differing in case are different");
		json_object_put(in.payload);
	}

	/* Input, booleans. */
	actions_refused("[{\"type\":\"httpPost\",\"id\":\"a\",\"name\":\"x\",\"input\":\"note\"}]",
	    false, "actions[0].input", "must be an object", "an input that is a string: refused");
	actions_refused("[{\"type\":\"httpPost\",\"id\":\"a\",\"name\":\"x\",\"input\":{}}]",
	    false, "actions[0].input.title", "is required", "an input without a title: refused");
	actions_refused("[{\"type\":\"httpPost\",\"id\":\"a\",\"name\":\"x\",\"input\":"
	    "{\"title\":\"t\",\"multiline\":\"yes\"}}]", false, "actions[0].input.multiline",
	    "true or false", "multiline not a boolean: refused");
	actions_refused("[{\"type\":\"httpPost\",\"id\":\"a\",\"name\":\"x\",\"input\":"
	    "{\"title\":\"t\",\"required\":1}}]", false, "actions[0].input.required",
	    "true or false", "required a number: refused");
	actions_refused("[{\"type\":\"httpPost\",\"id\":\"a\",\"name\":\"x\",\"updateCard\":"
	    "\"true\"}]", false, "actions[0].updateCard", "true or false",
	    "updateCard a string: refused");
	actions_refused("[{\"type\":\"openUrl\",\"name\":\"x\",\"url\":\"https://a.example/\"},"
	    "{\"type\":\"httpPost\",\"id\":\"a\",\"name\":\"x\",\"input\":{\"title\":\"\\t\"}}]",
	    false, "actions[1].input.title", "control characters",
	    "an input title that is a tab: refused, with the index");
}

int
main(void)
{
	load_config(&cfg, conf_text);
	load_config(&cfg_plain, conf_plain_text);
	arena_init(&arena);

	test_uuid();
	test_webhook_urls();
	test_save();
	test_remove();
	test_actions_valid();
	test_actions_refused();

	/* Extra hosts must not relax the rules for Teams' own hosts. */
	refuse_url("https://contoso.webhook.office.com:8443/webhookb2/x", "standard https port",
	    "a Teams host on another port is refused even with extra hosts configured");
	refuse_url("https://a.logic.azure.com:1/workflows/x", "standard https port",
	    "a Workflows host on another port is refused even with extra hosts configured");
	accept_url("https://contoso.webhook.office.com:443/webhookb2/x", WEBHOOK_CONNECTOR,
	    "port 443 spelled out is fine");
	{
		struct json_object *body = json_tokener_parse(good_save);
		char key[64];

		memset(key, 'a', 39);
		strcpy(key + 39, "\xc3\xa9tail");
		json_object_object_add(body, key, json_object_new_int(1));
		arena_reset(&arena);
		ok(!validate_save(body, &cfg, &arena, &saved, &fe), "a long unknown key is refused");
		ok(utf8_valid(fe.reason, strlen(fe.reason)),
		    "  ...and the reason, cut, is still valid UTF-8");
		json_object_put(body);
	}

	arena_free(&arena);
	config_free(&cfg);
	config_free(&cfg_plain);
	return done_testing();
}
