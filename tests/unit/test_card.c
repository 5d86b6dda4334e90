/* test_card.c: MessageCards and Adaptive Cards from notifications, with buttons, shrunk to fit. */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "card.h"
#include "tap.h"
#include "util.h"

static struct buf out;
static struct card_fit fit;
/* What build() passes as card_build's ctx. */
static const struct card_ctx *build_ctx;

#define TARGET "https://connector.example.com/Connector/Action"
#define NID    "11111111-2222-4333-8444-555555555555"
#define EID    "0f8fad5b-d9cb-469f-a165-70867728950e"
#define SECRET "0123456789abcdef0123456789abcdef"
/* printf 'card-action\n%s\n%s\n%s' NID EID ack | openssl dgst -sha256 -hmac SECRET */
#define ACK_SIG "b5b74bcfde1b1e30b78962c158185970ddb2fb355dd4457a64c078989bbcd2eb"

/* A member or element down a dotted path ("attachments.0.content"); NULL if any step is missing. */
static struct json_object *
at(struct json_object *o, const char *path)
{
	char step[64];
	const char *p = path, *dot;
	size_t n;

	while (o != NULL && *p != '\0') {
		dot = strchr(p, '.');
		n = dot != NULL ? (size_t)(dot - p) : strlen(p);
		if (n >= sizeof(step))
			return NULL;
		memcpy(step, p, n);
		step[n] = '\0';
		if (json_object_is_type(o, json_type_array)) {
			if (strspn(step, "0123456789") != n)
				return NULL;
			o = json_object_array_get_idx(o, (size_t)atol(step));
		} else if (!json_object_object_get_ex(o, step, &o))
			return NULL;
		p = dot != NULL ? dot + 1 : p + n;
	}
	return o;
}

static const char *
str_at(struct json_object *o, const char *path)
{
	struct json_object *v = at(o, path);

	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static bool
has_member(struct json_object *o, const char *path, const char *key)
{
	struct json_object *v;

	o = at(o, path);
	return json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, key, &v);
}

static long
length_at(struct json_object *o, const char *path)
{
	struct json_object *v = at(o, path);

	return json_object_is_type(v, json_type_array) ? (long)json_object_array_length(v) : -1;
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = s != NULL ? strlen(s) : 0, m = strlen(suffix);

	return s != NULL && n >= m && strcmp(s + n - m, suffix) == 0;
}

static bool
starts_with(const char *s, const char *prefix)
{
	return s != NULL && strncmp(s, prefix, strlen(prefix)) == 0;
}

static const char *
kind_name(enum webhook_kind kind)
{
	return kind == WEBHOOK_WORKFLOW ? "workflow" : "connector";
}

/* A notification; a NULL member is left out. */
static struct json_object *
notification(const char *title, const char *text, const char *url, const char *severity)
{
	struct json_object *o = json_object_new_object();

	if (title != NULL)
		json_object_object_add(o, "title", json_object_new_string(title));
	if (text != NULL)
		json_object_object_add(o, "text", json_object_new_string(text));
	if (url != NULL)
		json_object_object_add(o, "url", json_object_new_string(url));
	if (severity != NULL)
		json_object_object_add(o, "severity", json_object_new_string(severity));
	return o;
}

/* Adds n facts "fact <i>" whose values are value_len copies of a letter that changes per fact. */
static void
add_facts(struct json_object *o, size_t n, size_t value_len)
{
	struct json_object *facts = json_object_new_array(), *f;
	char name[32], *value = xmalloc(value_len + 1);
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "fact %zu", i);
		memset(value, 'a' + (int)(i % 26), value_len);
		value[value_len] = '\0';
		f = json_object_new_object();
		json_object_object_add(f, "name", json_object_new_string(name));
		json_object_object_add(f, "value", json_object_new_string(value));
		json_object_array_add(facts, f);
	}
	json_object_object_add(o, "facts", facts);
	free(value);
}

/* unit repeated until the text holds at least len bytes, whole units only. */
static char *
repeated(const char *unit, size_t len)
{
	size_t u = strlen(unit), n = 0;
	char *s = xmalloc(len + u + 1);

	while (n < len) {
		memcpy(s + n, unit, u);
		n += u;
	}
	s[n] = '\0';
	return s;
}

/* Builds, and parses the output when it succeeded; NULL when card_build said false. */
static struct json_object *
build(struct json_object *n, enum webhook_kind kind, size_t max)
{
	memset(&fit, 0xff, sizeof(fit));
	if (!card_build(n, kind, max, build_ctx, &out, &fit))
		return NULL;
	return json_tokener_parse(out.data);
}

/* The card's text whatever the kind. */
static const char *
card_text(struct json_object *c, enum webhook_kind kind)
{
	return kind == WEBHOOK_CONNECTOR ? str_at(c, "text") :
	    str_at(c, "attachments.0.content.body.1.text");
}

static struct json_object *
card_facts(struct json_object *c, enum webhook_kind kind)
{
	struct json_object *body;
	size_t i;

	if (kind == WEBHOOK_CONNECTOR)
		return at(c, "sections.0.facts");
	body = at(c, "attachments.0.content.body");
	for (i = 0; body != NULL && i < json_object_array_length(body); i++)
		if (str_at(json_object_array_get_idx(body, i), "type") != NULL &&
		    strcmp(str_at(json_object_array_get_idx(body, i), "type"), "FactSet") == 0)
			return at(json_object_array_get_idx(body, i), "facts");
	return NULL;
}

/* The facts are fact 0 .. fact n-1, in order, under the kind's name key. */
static bool
facts_in_order(struct json_object *facts, enum webhook_kind kind, size_t n)
{
	const char *key = kind == WEBHOOK_CONNECTOR ? "name" : "title";
	char want[32];
	size_t i;

	if (facts == NULL || json_object_array_length(facts) != n)
		return false;
	for (i = 0; i < n; i++) {
		snprintf(want, sizeof(want), "fact %zu", i);
		if (str_at(json_object_array_get_idx(facts, i), key) == NULL ||
		    strcmp(str_at(json_object_array_get_idx(facts, i), key), want) != 0)
			return false;
	}
	return true;
}

static void
test_message_card(void)
{
	struct json_object *n, *c;

	n = notification("Deploy finished", "All *green*.", "https://ci.example.com/runs/42",
	    "warning");
	add_facts(n, 2, 3);
	json_object_object_add(n, "extra", json_object_new_string("ignored"));
	c = build(n, WEBHOOK_CONNECTOR, CARD_MAX_BYTES);
	ok(c != NULL, "connector: a full notification builds");
	ok(!fit.text_cut && fit.facts_dropped == 0, "  ...with nothing cut");
	is_str(str_at(c, "@type"), "MessageCard", "  @type is MessageCard");
	is_str(str_at(c, "@context"), "https://schema.org/extensions", "  @context");
	is_str(str_at(c, "summary"), "Deploy finished", "  summary is the title");
	is_str(str_at(c, "title"), "Deploy finished", "  title");
	is_str(str_at(c, "themeColor"), "FFB900", "  themeColor follows the severity");
	is_str(str_at(c, "text"), "All *green*.", "  text");
	is_int(length_at(c, "sections"), 1, "  one section");
	is_int(length_at(c, "sections.0.facts"), 2, "  ...with both facts");
	is_str(str_at(c, "sections.0.facts.1.name"), "fact 1", "  a fact keeps its name");
	is_str(str_at(c, "sections.0.facts.1.value"), "bbb", "  ...and its value");
	is_str(str_at(c, "potentialAction.0.@type"), "OpenUri", "  the action is OpenUri");
	is_str(str_at(c, "potentialAction.0.name"), "Open", "  ...named Open");
	is_str(str_at(c, "potentialAction.0.targets.0.os"), "default", "  ...for the default os");
	is_str(str_at(c, "potentialAction.0.targets.0.uri"), "https://ci.example.com/runs/42",
	    "  ...to the url");
	has_str(out.data, "\"uri\":\"https://ci.example.com/runs/42\"",
	    "  slashes are not escaped");
	ok(!has_member(c, "", "extra"), "  other members are ignored");
	ok(strchr(out.data, '\n') == NULL, "  the output is plain, on one line");
	json_object_put(c);
	json_object_put(n);

	n = notification("Only a title", "", NULL, NULL);
	json_object_object_add(n, "facts", json_object_new_array());
	c = build(n, WEBHOOK_CONNECTOR, CARD_MAX_BYTES);
	ok(c != NULL, "connector: a title alone builds");
	is_str(str_at(c, "themeColor"), "0076D7", "  no severity is info");
	ok(!has_member(c, "", "text"), "  an empty text is left out");
	ok(!has_member(c, "", "sections"), "  no facts, no sections");
	ok(!has_member(c, "", "potentialAction"), "  no url, no action");
	json_object_put(c);
	json_object_put(n);
}

static void
test_adaptive_card(void)
{
	struct json_object *n, *c, *v;

	n = notification("Build broke", "Tests failed on main.", "https://ci.example.com/b/7",
	    "critical");
	add_facts(n, 3, 2);
	c = build(n, WEBHOOK_WORKFLOW, CARD_MAX_BYTES);
	ok(c != NULL, "workflow: a full notification builds");
	ok(!fit.text_cut && fit.facts_dropped == 0, "  ...with nothing cut");
	is_str(str_at(c, "type"), "message", "  the envelope is a message");
	is_int(length_at(c, "attachments"), 1, "  ...with one attachment");
	is_str(str_at(c, "attachments.0.contentType"), "application/vnd.microsoft.card.adaptive",
	    "  contentType");
	ok(json_object_object_get_ex(at(c, "attachments.0"), "contentUrl", &v) && v == NULL,
	    "  contentUrl is present and null");
	has_str(out.data, "\"contentUrl\":null", "  ...as written");
	is_str(str_at(c, "attachments.0.content.$schema"),
	    "http://adaptivecards.io/schemas/adaptive-card.json", "  $schema");
	is_str(str_at(c, "attachments.0.content.type"), "AdaptiveCard", "  type AdaptiveCard");
	is_str(str_at(c, "attachments.0.content.version"), "1.4", "  version 1.4");
	is_str(str_at(c, "attachments.0.content.msteams.width"), "Full", "  full width");
	is_int(length_at(c, "attachments.0.content.body"), 3, "  title, text and facts blocks");
	is_str(str_at(c, "attachments.0.content.body.0.type"), "TextBlock", "  title block");
	is_str(str_at(c, "attachments.0.content.body.0.text"), "Build broke", "  ...the title");
	is_str(str_at(c, "attachments.0.content.body.0.weight"), "Bolder", "  ...bold");
	is_str(str_at(c, "attachments.0.content.body.0.size"), "Medium", "  ...medium");
	ok(json_object_get_boolean(at(c, "attachments.0.content.body.0.wrap")) &&
	    json_object_is_type(at(c, "attachments.0.content.body.0.wrap"), json_type_boolean),
	    "  ...wrapping");
	is_str(str_at(c, "attachments.0.content.body.0.color"), "Attention",
	    "  ...coloured by severity");
	is_str(str_at(c, "attachments.0.content.body.1.type"), "TextBlock", "  text block");
	is_str(str_at(c, "attachments.0.content.body.1.text"), "Tests failed on main.",
	    "  ...the text");
	ok(json_object_get_boolean(at(c, "attachments.0.content.body.1.wrap")), "  ...wrapping");
	is_str(str_at(c, "attachments.0.content.body.2.type"), "FactSet", "  fact set");
	ok(facts_in_order(at(c, "attachments.0.content.body.2.facts"), WEBHOOK_WORKFLOW, 3),
	    "  ...name becomes title, in order");
	is_str(str_at(c, "attachments.0.content.body.2.facts.2.value"), "cc", "  ...values kept");
	ok(!has_member(c, "attachments.0.content.body.2.facts.0", "name"), "  ...no name member");
	is_int(length_at(c, "attachments.0.content.actions"), 1, "  one action");
	is_str(str_at(c, "attachments.0.content.actions.0.type"), "Action.OpenUrl",
	    "  ...Action.OpenUrl");
	is_str(str_at(c, "attachments.0.content.actions.0.title"), "Open", "  ...titled Open");
	is_str(str_at(c, "attachments.0.content.actions.0.url"), "https://ci.example.com/b/7",
	    "  ...to the url");
	json_object_put(c);
	json_object_put(n);

	n = notification("Just this", "", NULL, "info");
	c = build(n, WEBHOOK_WORKFLOW, CARD_MAX_BYTES);
	ok(c != NULL, "workflow: a title alone builds");
	is_int(length_at(c, "attachments.0.content.body"), 1, "  no text block for an empty text");
	ok(!has_member(c, "attachments.0.content", "actions"), "  no url, no actions");
	json_object_put(c);
	json_object_put(n);
}

static void
test_severities(void)
{
	static const struct {
		const char *severity, *theme, *colour;
	} rows[] = {
		{ "info",     "0076D7", "Accent" },
		{ "success",  "2EB886", "Good" },
		{ "warning",  "FFB900", "Warning" },
		{ "critical", "D13438", "Attention" },
		{ "Critical", "0076D7", "Accent" },	/* unknown: info */
		{ "",         "0076D7", "Accent" },
		{ NULL,       "0076D7", "Accent" },
	};
	struct json_object *n, *c;
	char name[96];
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		n = notification("Severity", NULL, NULL, rows[i].severity);
		c = build(n, WEBHOOK_CONNECTOR, CARD_MAX_BYTES);
		snprintf(name, sizeof(name), "severity \"%s\": themeColor %s",
		    rows[i].severity ? rows[i].severity : "(none)", rows[i].theme);
		is_str(str_at(c, "themeColor"), rows[i].theme, name);
		json_object_put(c);
		c = build(n, WEBHOOK_WORKFLOW, CARD_MAX_BYTES);
		snprintf(name, sizeof(name), "severity \"%s\": color %s",
		    rows[i].severity ? rows[i].severity : "(none)", rows[i].colour);
		is_str(str_at(c, "attachments.0.content.body.0.color"), rows[i].colour, name);
		json_object_put(c);
		json_object_put(n);
	}
	n = notification("Severity", NULL, NULL, NULL);
	json_object_object_add(n, "severity", json_object_new_int(3));
	c = build(n, WEBHOOK_CONNECTOR, CARD_MAX_BYTES);
	is_str(str_at(c, "themeColor"), "0076D7", "a severity that is not a string is info");
	json_object_put(c);
	json_object_put(n);
}

static void
test_odd_members(void)
{
	struct json_object *n, *c, *facts, *f;
	char *text;

	n = json_tokener_parse("{\"title\":\"Odd\",\"text\":5,\"url\":[\"x\"],\"facts\":\"no\"}");
	c = build(n, WEBHOOK_CONNECTOR, CARD_MAX_BYTES);
	ok(c != NULL, "wrong-typed optional members do not stop the card");
	ok(!has_member(c, "", "text") && !has_member(c, "", "sections") &&
	    !has_member(c, "", "potentialAction"), "  ...they are left out");
	json_object_put(c);
	json_object_put(n);

	n = notification("Facts", NULL, NULL, NULL);
	facts = json_object_new_array();
	json_object_array_add(facts, json_object_new_string("not an object"));
	f = json_object_new_object();
	json_object_object_add(f, "name", json_object_new_string("fact 0"));
	json_object_object_add(f, "value", json_object_new_string(""));
	json_object_array_add(facts, f);
	f = json_object_new_object();
	json_object_object_add(f, "name", json_object_new_string("no value"));
	json_object_array_add(facts, f);
	f = json_object_new_object();
	json_object_object_add(f, "name", json_object_new_string("fact 1"));
	json_object_object_add(f, "value", json_object_new_int(1));
	json_object_array_add(facts, f);
	f = json_object_new_object();
	json_object_object_add(f, "name", json_object_new_string("fact 1"));
	json_object_object_add(f, "value", json_object_new_string("v"));
	json_object_array_add(facts, f);
	json_object_object_add(n, "facts", facts);
	c = build(n, WEBHOOK_CONNECTOR, CARD_MAX_BYTES);
	ok(facts_in_order(card_facts(c, WEBHOOK_CONNECTOR), WEBHOOK_CONNECTOR, 2),
	    "malformed facts are skipped, good ones kept in order");
	json_object_put(c);
	json_object_put(n);

	n = json_tokener_parse("{\"text\":\"no title\"}");
	ok(!card_build(n, WEBHOOK_CONNECTOR, CARD_MAX_BYTES, NULL, &out, &fit),
	    "no title: false");
	is_int((long)out.len, 0, "  ...and out is empty");
	json_object_put(n);
	n = json_tokener_parse("{\"title\":\"\"}");
	ok(!card_build(n, WEBHOOK_WORKFLOW, CARD_MAX_BYTES, NULL, &out, &fit),
	    "an empty title: false");
	json_object_put(n);
	n = json_tokener_parse("[\"title\"]");
	ok(!card_build(n, WEBHOOK_WORKFLOW, CARD_MAX_BYTES, NULL, &out, &fit),
	    "not an object: false");
	json_object_put(n);
	ok(!card_build(NULL, WEBHOOK_WORKFLOW, CARD_MAX_BYTES, NULL, &out, &fit),
	    "NULL: false");

	text = repeated("y", 100);
	n = notification("No fit pointer", text, NULL, NULL);
	ok(card_build(n, WEBHOOK_CONNECTOR, CARD_MAX_BYTES, NULL, &out, NULL), "fit may be NULL");
	ok(card_build(n, WEBHOOK_CONNECTOR, 200, NULL, &out, NULL) && out.len <= 200,
	    "  ...also when shrinking");
	free(text);
	json_object_put(n);
}

/* A long text cut to fit: valid UTF-8, ending with the marker, a prefix of the original. */
static void
test_cut_text(enum webhook_kind kind, const char *unit, size_t max_step, const char *what)
{
	struct json_object *n, *c;
	char *text = repeated(unit, 100 * 1024), name[128];
	const char *got;
	size_t kept;

	n = notification("Long text", text, "https://example.com/x", "success");
	add_facts(n, 3, 10);
	c = build(n, kind, CARD_MAX_BYTES);
	snprintf(name, sizeof(name), "%s: 100 KB of %s is cut to fit", kind_name(kind), what);
	ok(c != NULL, name);
	ok(out.len <= CARD_MAX_BYTES, "  ...within CARD_MAX_BYTES");
	/* The longest cut: one more character would have needed at most max_step bytes. */
	ok(out.len + max_step > CARD_MAX_BYTES, "  ...and as long as fits");
	ok(fit.text_cut && fit.facts_dropped == 0, "  ...reported as a cut text, no fact dropped");
	ok(utf8_valid(out.data, out.len), "  the output is valid UTF-8");
	got = card_text(c, kind);
	ok(ends_with(got, CARD_CUT_MARKER), "  the text ends with the marker");
	kept = got != NULL ? strlen(got) - strlen(CARD_CUT_MARKER) : 0;
	ok(got != NULL && strncmp(got, text, kept) == 0 && utf8_valid(got, kept),
	    "  ...after a whole-character prefix of the text");
	ok(facts_in_order(card_facts(c, kind), kind, 3), "  the facts are all there");
	json_object_put(c);
	json_object_put(n);
	free(text);
}

/* Many big facts: the text shrinks to the marker, facts go from the end, the text comes back. */
static void
test_drop_facts(enum webhook_kind kind)
{
	struct json_object *n, *c, *facts;
	char name[128];
	char *text;
	size_t kept;

	n = notification("Many facts", "A short text.", NULL, NULL);
	add_facts(n, 200, 500);
	c = build(n, kind, CARD_MAX_BYTES);
	snprintf(name, sizeof(name), "%s: 200 facts of 500 bytes are dropped to fit",
	    kind_name(kind));
	ok(c != NULL, name);
	ok(out.len <= CARD_MAX_BYTES, "  ...within CARD_MAX_BYTES");
	facts = card_facts(c, kind);
	kept = facts != NULL ? json_object_array_length(facts) : 0;
	ok(kept > 0 && kept < 200, "  ...keeping some");
	is_int((long)fit.facts_dropped, (long)(200 - kept), "  facts_dropped counts the rest");
	ok(facts_in_order(facts, kind, kept), "  the first facts are kept, in order");
	/* One more fact (about 530 serialised bytes) would not have fitted. */
	ok(out.len + 540 > CARD_MAX_BYTES, "  ...as many as fit");
	ok(!fit.text_cut, "  the short text is given back whole");
	is_str(card_text(c, kind), "A short text.", "  ...as it was");
	json_object_put(c);
	json_object_put(n);

	text = repeated("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 100 * 1024);
	n = notification("Many facts and a long text", text, "https://example.com/", "warning");
	add_facts(n, 200, 500);
	c = build(n, kind, CARD_MAX_BYTES);
	snprintf(name, sizeof(name), "%s: 200 facts and 100 KB of text fit",
	    kind_name(kind));
	ok(c != NULL && out.len <= CARD_MAX_BYTES, name);
	facts = card_facts(c, kind);
	kept = facts != NULL ? json_object_array_length(facts) : 0;
	ok(fit.text_cut && fit.facts_dropped == 200 - kept && kept > 0,
	    "  ...text cut and facts dropped, both reported");
	ok(facts_in_order(facts, kind, kept), "  ...the first facts kept, in order");
	ok(ends_with(card_text(c, kind), CARD_CUT_MARKER), "  ...the text ends with the marker");
	ok(out.len + 4 > CARD_MAX_BYTES, "  ...and the room left by the facts went to the text");
	ok(utf8_valid(out.data, out.len), "  ...valid UTF-8");
	json_object_put(c);
	json_object_put(n);
	free(text);
}

static void
test_too_small(void)
{
	struct json_object *n;
	char *title = repeated("T", 200);
	size_t need;

	n = notification(title, "some text", "https://example.com/", NULL);
	add_facts(n, 5, 20);
	ok(!card_build(n, WEBHOOK_CONNECTOR, 100, NULL, &out, &fit),
	    "connector: 100 bytes is too small");
	is_int((long)out.len, 0, "  ...out is empty");
	ok(!fit.text_cut && fit.facts_dropped == 0, "  ...fit says nothing was done");
	ok(!card_build(n, WEBHOOK_WORKFLOW, 100, NULL, &out, &fit),
	    "workflow: 100 bytes is too small");
	json_object_put(n);
	free(title);

	/* At the exact size of the smallest form it fits; one byte less it does not. */
	n = notification("Exact", NULL, "https://example.com/", NULL);
	ok(card_build(n, WEBHOOK_WORKFLOW, CARD_MAX_BYTES, NULL, &out, &fit), "a small card builds");
	need = out.len;
	ok(card_build(n, WEBHOOK_WORKFLOW, need, NULL, &out, &fit) && out.len == need,
	    "  ...with max_bytes at its exact size");
	ok(!card_build(n, WEBHOOK_WORKFLOW, need - 1, NULL, &out, &fit),
	    "  ...but not one byte less");
	json_object_put(n);

	/* With text the smallest form is the marker alone, with no facts. */
	n = notification("Exact", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", NULL, NULL);
	add_facts(n, 1, 1);
	ok(card_build(n, WEBHOOK_CONNECTOR, CARD_MAX_BYTES, NULL, &out, &fit),
	    "a card with text builds");
	need = out.len + strlen(CARD_CUT_MARKER) - 40 - strlen(",\"sections\":[{\"facts\":"
	    "[{\"name\":\"fact 0\",\"value\":\"a\"}]}]");
	ok(card_build(n, WEBHOOK_CONNECTOR, need, NULL, &out, &fit) && out.len == need &&
	    fit.text_cut && fit.facts_dropped == 1, "  ...down to the marker alone, no facts");
	ok(!card_build(n, WEBHOOK_CONNECTOR, need - 1, NULL, &out, &fit), "  ...and no smaller");
	json_object_put(n);
}

/* Text full of what JSON escapes: escaping makes it longer, and the cut must still fit. */
static void
test_escapes(enum webhook_kind kind)
{
	struct json_object *n, *c;
	char *text = repeated("\"\\\x01\n\t/<x>\x1f", 60 * 1024), name[128];

	n = notification("Escapes \"quoted\" \\ \x02", text, NULL, "critical");
	c = build(n, kind, CARD_MAX_BYTES);
	snprintf(name, sizeof(name), "%s: a text of escapes is cut to fit", kind_name(kind));
	ok(c != NULL && out.len <= CARD_MAX_BYTES, name);
	/* The largest escape, \u00XX, is six bytes. */
	ok(out.len + 6 > CARD_MAX_BYTES, "  ...as long as fits");
	ok(fit.text_cut && ends_with(card_text(c, kind), CARD_CUT_MARKER), "  ...with the marker");
	ok(starts_with(card_text(c, kind), "\"\\\x01\n\t/<x>\x1f\"\\"), "  ...the text intact");
	json_object_put(c);
	json_object_put(n);
	free(text);
}

/* Whatever max_bytes, a true answer is within it and parses; once true, larger stays true. */
static void
test_sweep(enum webhook_kind kind)
{
	struct json_object *n, *c;
	char *text = repeated("ab\xc3\xa9\"\xe2\x82\xac\n\xf0\x9f\x98\x80", 40 * 1024), name[128];
	size_t max, built = 0, refused = 0, over = 0, broken = 0, regressed = 0;
	bool seen_true = false;

	n = notification("Sweep", text, "https://example.com/s", "success");
	add_facts(n, 100, 300);
	for (max = 200; max <= 30000; max += 97) {
		memset(&fit, 0, sizeof(fit));
		if (!card_build(n, kind, max, NULL, &out, &fit)) {
			refused++;
			if (seen_true)
				regressed++;
			continue;
		}
		built++;
		seen_true = true;
		if (out.len > max)
			over++;
		c = json_tokener_parse(out.data);
		if (c == NULL || !utf8_valid(out.data, out.len) || fit.facts_dropped > 100)
			broken++;
		else if (fit.facts_dropped < 100 &&
		    !facts_in_order(card_facts(c, kind), kind, 100 - fit.facts_dropped))
			broken++;
		json_object_put(c);
	}
	snprintf(name, sizeof(name), "%s: sweep of max_bytes 200..30000 step 97",
	    kind_name(kind));
	if (!ok(built > 250 && refused > 0, name))
		printf("#   built %zu, refused %zu\n", built, refused);
	is_int((long)over, 0, "  no output is over max_bytes");
	is_int((long)broken, 0, "  every output parses, is UTF-8, keeps the first facts");
	is_int((long)regressed, 0, "  once it fits, larger limits fit too");
	json_object_put(n);
	free(text);
}


/* Url, then openUrl, a plain httpPost and one with an input: four buttons, the validated shape. */
static const char actions_json[] =
    "[{\"type\":\"openUrl\",\"name\":\"Runbook\",\"url\":\"https://wiki.example.com/rb\"},"
    "{\"type\":\"httpPost\",\"id\":\"ack\",\"name\":\"Acknowledge\",\"status\":\"Acknowledged\","
    "\"updateCard\":true},"
    "{\"type\":\"httpPost\",\"id\":\"note\",\"name\":\"Add a note\",\"input\":{\"title\":"
    "\"Your \\\"note\\\"\",\"multiline\":true,\"required\":true},\"status\":\"Noted\","
    "\"updateCard\":false,\"url\":\"https://ops.example.com/n\"}]";

static struct json_object *
with_actions(const char *title, const char *url, const char *actions)
{
	struct json_object *n = notification(title, "Something happened.", url, "critical");

	json_object_object_add(n, "actions", json_tokener_parse(actions));
	return n;
}

static const struct card_ctx full_ctx = {
	.action_target = TARGET, .notification_id = NID, .entity_id = EID, .secret = SECRET,
};

/* An HttpPOST at path: its target, content type, and a body that parses and is signed for id. */
static void
check_http_post(struct json_object *c, const char *path, const char *name, const char *id,
    bool input)
{
	char p[96], sig[65];
	struct json_object *body, *v;

	snprintf(p, sizeof(p), "%s.@type", path);
	is_str(str_at(c, p), "HttpPOST", "  an HttpPOST");
	snprintf(p, sizeof(p), "%s.name", path);
	is_str(str_at(c, p), name, "  ...named as the action");
	snprintf(p, sizeof(p), "%s.target", path);
	is_str(str_at(c, p), TARGET, "  ...posting to the Action endpoint");
	snprintf(p, sizeof(p), "%s.bodyContentType", path);
	is_str(str_at(c, p), "application/json", "  ...as JSON");
	snprintf(p, sizeof(p), "%s.body", path);
	body = str_at(c, p) != NULL ? json_tokener_parse(str_at(c, p)) : NULL;
	ok(json_object_is_type(body, json_type_object), "  the body is a JSON object");
	is_str(str_at(body, "notificationId"), NID, "  ...naming the notification");
	is_str(str_at(body, "entityId"), EID, "  ...the channel");
	is_str(str_at(body, "actionId"), id, "  ...and the button");
	card_action_sig(SECRET, NID, EID, id, sig);
	is_str(str_at(body, "sig"), sig, "  ...signed with card_action_sig");
	if (input)
		is_str(str_at(body, "input"), "{{input.value}}", "  ...with the input placeholder");
	else
		ok(!json_object_object_get_ex(body, "input", &v), "  ...and no input member");
	is_int(json_object_object_length(body), input ? 5 : 4, "  ...and nothing else");
	json_object_put(body);
}

static void
test_action_sig(void)
{
	char sig[65], other[65];

	memset(sig, 'x', sizeof(sig));
	card_action_sig(SECRET, NID, EID, "ack", sig);
	is_str(sig, ACK_SIG, "card_action_sig: the HMAC openssl computes");
	is_int((long)strlen(sig), 64, "  ...64 hex characters and a NUL");
	card_action_sig(SECRET, NID, EID, "ack2", other);
	ok(strcmp(sig, other) != 0, "  another action, another signature");
	card_action_sig(SECRET, NID, "0f8fad5b-d9cb-469f-a165-70867728950f", "ack", other);
	ok(strcmp(sig, other) != 0, "  another channel, another signature");
	card_action_sig("another secret", NID, EID, "ack", other);
	ok(strcmp(sig, other) != 0, "  another secret, another signature");
}

static void
test_actions_connector(void)
{
	struct json_object *n = with_actions("Disk full", "https://ci.example.com/d", actions_json);
	struct json_object *c;

	build_ctx = &full_ctx;
	c = build(n, WEBHOOK_CONNECTOR, CARD_MAX_BYTES);
	ok(c != NULL, "connector with actions: builds");
	is_int(length_at(c, "potentialAction"), 4, "  url and three actions: four buttons");
	is_str(str_at(c, "potentialAction.0.name"), "Open", "  url's Open comes first");
	is_str(str_at(c, "potentialAction.1.@type"), "OpenUri", "  openUrl is an OpenUri");
	is_str(str_at(c, "potentialAction.1.name"), "Runbook", "  ...named");
	is_str(str_at(c, "potentialAction.1.targets.0.os"), "default", "  ...for the default os");
	is_str(str_at(c, "potentialAction.1.targets.0.uri"), "https://wiki.example.com/rb",
	    "  ...to its url");
	printf("# httpPost without input\n");
	check_http_post(c, "potentialAction.2", "Acknowledge", "ack", false);
	has_str(out.data, ACK_SIG, "  ...the signature is the known one");
	ok(!has_member(c, "potentialAction.2", "status") &&
	    !has_member(c, "potentialAction.2", "updateCard"),
	    "  status and updateCard are for the Action handler, not the card");
	printf("# httpPost with input\n");
	is_str(str_at(c, "potentialAction.3.@type"), "ActionCard", "  an ActionCard");
	is_str(str_at(c, "potentialAction.3.name"), "Add a note", "  ...named as the action");
	is_int(length_at(c, "potentialAction.3.inputs"), 1, "  ...one input");
	is_str(str_at(c, "potentialAction.3.inputs.0.@type"), "TextInput", "  ...a TextInput");
	is_str(str_at(c, "potentialAction.3.inputs.0.id"), "input", "  ...with id input");
	is_str(str_at(c, "potentialAction.3.inputs.0.title"), "Your \"note\"", "  ...its title");
	ok(json_object_get_boolean(at(c, "potentialAction.3.inputs.0.isMultiline")) &&
	    json_object_is_type(at(c, "potentialAction.3.inputs.0.isMultiline"),
	    json_type_boolean), "  ...multiline");
	ok(json_object_get_boolean(at(c, "potentialAction.3.inputs.0.isRequired")),
	    "  ...required");
	is_int(length_at(c, "potentialAction.3.actions"), 1, "  ...one action inside");
	check_http_post(c, "potentialAction.3.actions.0", "Add a note", "note", true);
	ok(strstr(out.data, "ops.example.com") == NULL,
	    "  an httpPost's url is for Workflows only");
	json_object_put(c);

	json_object_object_del(n, "url");
	json_object_object_add(n, "actions", json_tokener_parse(
	    "[{\"type\":\"httpPost\",\"id\":\"x\",\"name\":\"X\",\"input\":{\"title\":\"T\"}}]"));
	c = build(n, WEBHOOK_CONNECTOR, CARD_MAX_BYTES);
	is_int(length_at(c, "potentialAction"), 1, "connector: one httpPost alone is one button");
	ok(json_object_is_type(at(c, "potentialAction.0.inputs.0.isMultiline"), json_type_boolean)
	    && !json_object_get_boolean(at(c, "potentialAction.0.inputs.0.isMultiline")) &&
	    !json_object_get_boolean(at(c, "potentialAction.0.inputs.0.isRequired")),
	    "  ...an input without multiline or required is single-line and optional");
	json_object_put(c);
	json_object_put(n);
	build_ctx = NULL;
}

static void
test_actions_workflow(void)
{
	struct json_object *n = with_actions("Disk full", "https://ci.example.com/d", actions_json);
	struct json_object *c;

	build_ctx = &full_ctx;
	c = build(n, WEBHOOK_WORKFLOW, CARD_MAX_BYTES);
	ok(c != NULL, "workflow with actions: builds");
	is_int(length_at(c, "attachments.0.content.actions"), 3,
	    "  Open, the openUrl, and the httpPost that has a url");
	is_str(str_at(c, "attachments.0.content.actions.0.title"), "Open", "  Open first");
	is_str(str_at(c, "attachments.0.content.actions.1.type"), "Action.OpenUrl",
	    "  openUrl is an Action.OpenUrl");
	is_str(str_at(c, "attachments.0.content.actions.1.title"), "Runbook", "  ...titled");
	is_str(str_at(c, "attachments.0.content.actions.1.url"), "https://wiki.example.com/rb",
	    "  ...to its url");
	is_str(str_at(c, "attachments.0.content.actions.2.type"), "Action.OpenUrl",
	    "  an httpPost with a url is a link");
	is_str(str_at(c, "attachments.0.content.actions.2.title"), "Add a note", "  ...titled");
	is_str(str_at(c, "attachments.0.content.actions.2.url"), "https://ops.example.com/n",
	    "  ...to its url");
	ok(strstr(out.data, "Acknowledge") == NULL, "  an httpPost without a url is left out");
	ok(strstr(out.data, "Action.Submit") == NULL && strstr(out.data, "HttpPOST") == NULL &&
	    strstr(out.data, TARGET) == NULL, "  nothing posts back: Workflows cannot");
	json_object_put(c);
	json_object_put(n);

	n = with_actions("Only posts", NULL, "[{\"type\":\"httpPost\",\"id\":\"a\",\"name\":\"A\"}]");
	c = build(n, WEBHOOK_WORKFLOW, CARD_MAX_BYTES);
	ok(c != NULL && !has_member(c, "attachments.0.content", "actions"),
	    "workflow: only httpPosts without urls: no actions member");
	json_object_put(c);
	json_object_put(n);
	build_ctx = NULL;
}

static void
test_actions_without_ctx(void)
{
	struct json_object *n = with_actions("Disk full", "https://ci.example.com/d", actions_json);
	struct json_object *c;
	struct card_ctx partial = full_ctx;

	build_ctx = NULL;
	c = build(n, WEBHOOK_CONNECTOR, CARD_MAX_BYTES);
	is_int(length_at(c, "potentialAction"), 2, "connector, NULL ctx: Open and the openUrl");
	ok(strstr(out.data, "HttpPOST") == NULL && strstr(out.data, "ActionCard") == NULL,
	    "  ...no httpPost button");
	json_object_put(c);
	c = build(n, WEBHOOK_WORKFLOW, CARD_MAX_BYTES);
	is_int(length_at(c, "attachments.0.content.actions"), 2,
	    "workflow, NULL ctx: Open and the openUrl, not the httpPost's link");
	json_object_put(c);

	partial.secret = NULL;
	build_ctx = &partial;
	ok(build(n, WEBHOOK_CONNECTOR, CARD_MAX_BYTES) == NULL && out.len == 0,
	    "connector: a ctx without a secret cannot sign: false");
	partial.secret = SECRET;
	partial.notification_id = NULL;
	ok(build(n, WEBHOOK_CONNECTOR, CARD_MAX_BYTES) == NULL,
	    "  ...nor without a notification id");
	c = build(n, WEBHOOK_WORKFLOW, CARD_MAX_BYTES);
	ok(c != NULL, "  a Workflows card signs nothing: it still builds");
	json_object_put(c);
	json_object_put(n);

	n = notification("No actions", NULL, NULL, NULL);
	c = build(n, WEBHOOK_CONNECTOR, CARD_MAX_BYTES);
	ok(c != NULL && !has_member(c, "", "potentialAction"),
	    "  ...nor does a card without httpPost actions");
	json_object_put(c);
	json_object_put(n);
	build_ctx = NULL;
}

static void
test_actions_done(void)
{
	struct json_object *n = with_actions("Disk full", "https://ci.example.com/d", actions_json);
	struct json_object *c;
	struct card_ctx done = full_ctx;
	long last;

	add_facts(n, 2, 3);
	done.done_message = "Acknowledged by Ann";
	build_ctx = &done;
	c = build(n, WEBHOOK_CONNECTOR, CARD_MAX_BYTES);
	ok(c != NULL, "connector, done_message: builds");
	is_int(length_at(c, "potentialAction"), 2, "  only Open and the openUrl remain");
	ok(strstr(out.data, "HttpPOST") == NULL && strstr(out.data, "ActionCard") == NULL,
	    "  ...no httpPost button");
	is_int(length_at(c, "sections"), 2, "  the facts section, then one more");
	ok(facts_in_order(at(c, "sections.0.facts"), WEBHOOK_CONNECTOR, 2), "  ...facts first");
	is_str(str_at(c, "sections.1.text"), "\xe2\x9c\x93 Acknowledged by Ann",
	    "  ...the message after a check mark");
	json_object_put(c);

	c = build(n, WEBHOOK_WORKFLOW, CARD_MAX_BYTES);
	ok(c != NULL, "workflow, done_message: builds");
	last = length_at(c, "attachments.0.content.body") - 1;
	{
		char p[64];

		snprintf(p, sizeof(p), "attachments.0.content.body.%ld.text", last);
		is_str(str_at(c, p), "\xe2\x9c\x93 Acknowledged by Ann", "  the last block is the message");
		snprintf(p, sizeof(p), "attachments.0.content.body.%ld.color", last);
		is_str(str_at(c, p), "Good", "  ...in green");
	}
	is_int(length_at(c, "attachments.0.content.actions"), 2, "  Open and the openUrl only");
	json_object_put(c);
	json_object_put(n);

	n = notification("No facts", NULL, NULL, NULL);
	c = build(n, WEBHOOK_CONNECTOR, CARD_MAX_BYTES);
	is_int(length_at(c, "sections"), 1, "connector, done_message, no facts: one section");
	is_str(str_at(c, "sections.0.text"), "\xe2\x9c\x93 Acknowledged by Ann", "  ...the message");
	ok(!has_member(c, "sections.0", "facts"), "  ...and no facts");
	json_object_put(c);
	json_object_put(n);
	build_ctx = NULL;
}

/* More buttons than Teams shows, or malformed ones: the first four usable are rendered. */
static void
test_actions_limits(void)
{
	struct json_object *n, *c;

	build_ctx = &full_ctx;
	n = with_actions("Many", "https://ci.example.com/d",
	    "[{\"type\":\"openUrl\",\"name\":\"1\",\"url\":\"https://a.example/1\"},"
	    "{\"type\":\"openUrl\",\"name\":\"2\",\"url\":\"https://a.example/2\"},"
	    "{\"type\":\"httpPost\",\"id\":\"p3\",\"name\":\"3\"},"
	    "{\"type\":\"openUrl\",\"name\":\"4\",\"url\":\"https://a.example/4\"},"
	    "{\"type\":\"openUrl\",\"name\":\"5\",\"url\":\"https://a.example/5\"}]");
	c = build(n, WEBHOOK_CONNECTOR, CARD_MAX_BYTES);
	is_int(length_at(c, "potentialAction"), 4, "connector: never more than four buttons");
	is_str(str_at(c, "potentialAction.3.name"), "3", "  ...the first ones, in order");
	json_object_put(c);
	c = build(n, WEBHOOK_WORKFLOW, CARD_MAX_BYTES);
	is_int(length_at(c, "attachments.0.content.actions"), 4, "workflow: four as well");
	is_str(str_at(c, "attachments.0.content.actions.3.title"), "4",
	    "  ...counting only rendered ones");
	json_object_put(c);
	json_object_put(n);

	n = with_actions("Odd", NULL,
	    "[\"button\",{\"type\":\"openUrl\",\"name\":\"no url\"},{\"type\":\"submit\","
	    "\"name\":\"s\"},{\"type\":\"httpPost\",\"name\":\"no id\"},{\"type\":5},"
	    "{\"type\":\"openUrl\",\"name\":\"\",\"url\":\"https://a.example/\"},"
	    "{\"type\":\"httpPost\",\"id\":\"i\",\"name\":\"bad input\",\"input\":\"text\"},"
	    "{\"type\":\"openUrl\",\"name\":\"good\",\"url\":\"https://a.example/g\"}]");
	c = build(n, WEBHOOK_CONNECTOR, CARD_MAX_BYTES);
	is_int(length_at(c, "potentialAction"), 2, "malformed actions are skipped");
	is_str(str_at(c, "potentialAction.0.@type"), "HttpPOST",
	    "  an input that is not an object is ignored, the button kept");
	is_str(str_at(c, "potentialAction.1.name"), "good", "  the good ones are kept");
	json_object_put(c);
	json_object_put(n);
	n = json_tokener_parse("{\"title\":\"t\",\"actions\":{\"type\":\"openUrl\"}}");
	c = build(n, WEBHOOK_CONNECTOR, CARD_MAX_BYTES);
	ok(c != NULL && !has_member(c, "", "potentialAction"), "actions not an array: no buttons");
	json_object_put(c);
	json_object_put(n);
	build_ctx = NULL;
}

/* Buttons are never dropped to fit: the text and facts shrink around them. */
static void
test_actions_shrink(enum webhook_kind kind)
{
	struct json_object *n, *c, *full;
	char *text = repeated("\xc3\xa9x", 100 * 1024), name[128];
	size_t max, built = 0, broken = 0, smallest = 0;
	long buttons;

	build_ctx = &full_ctx;
	n = with_actions("Shrink", "https://ci.example.com/d", actions_json);
	json_object_object_add(n, "text", json_object_new_string(text));
	add_facts(n, 60, 400);
	full = build(n, kind, CARD_MAX_BYTES);
	snprintf(name, sizeof(name), "%s: 100 KB of text, 60 facts and buttons fit",
	    kind_name(kind));
	ok(full != NULL && out.len <= CARD_MAX_BYTES && fit.text_cut, name);
	buttons = kind == WEBHOOK_CONNECTOR ? length_at(full, "potentialAction") :
	    length_at(full, "attachments.0.content.actions");
	is_int(buttons, kind == WEBHOOK_CONNECTOR ? 4 : 3, "  ...every button kept");
	json_object_put(full);
	for (max = 300; max <= CARD_MAX_BYTES; max += 331) {
		c = build(n, kind, max);
		if (c == NULL)
			continue;
		if (smallest == 0)
			smallest = max;
		built++;
		if (out.len > max || buttons != (kind == WEBHOOK_CONNECTOR ?
		    length_at(c, "potentialAction") : length_at(c, "attachments.0.content.actions")))
			broken++;
		json_object_put(c);
	}
	ok(built > 50 && smallest > 300, "  ...a sweep of limits builds some, refuses the smallest");
	is_int((long)broken, 0, "  ...and every card built has all its buttons, within the limit");
	json_object_put(n);
	free(text);
	build_ctx = NULL;
}

int
main(void)
{
	buf_init(&out);
	test_message_card();
	test_adaptive_card();
	test_severities();
	test_odd_members();
	test_cut_text(WEBHOOK_CONNECTOR, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 4,
	    "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
	test_cut_text(WEBHOOK_WORKFLOW, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 4,
	    "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
	test_cut_text(WEBHOOK_CONNECTOR, "\xf0\x9f\x98\x80" "a", 4, "emoji and ASCII");
	test_cut_text(WEBHOOK_WORKFLOW, "x", 1, "ASCII");
	test_escapes(WEBHOOK_CONNECTOR);
	test_escapes(WEBHOOK_WORKFLOW);
	test_drop_facts(WEBHOOK_CONNECTOR);
	test_drop_facts(WEBHOOK_WORKFLOW);
	test_too_small();
	test_sweep(WEBHOOK_CONNECTOR);
	test_sweep(WEBHOOK_WORKFLOW);
	test_action_sig();
	test_actions_connector();
	test_actions_workflow();
	test_actions_without_ctx();
	test_actions_done();
	test_actions_limits();
	test_actions_shrink(WEBHOOK_CONNECTOR);
	test_actions_shrink(WEBHOOK_WORKFLOW);
	buf_free(&out);
	return done_testing();
}
