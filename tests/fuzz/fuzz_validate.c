/* fuzz_validate.c: fuzzes the Save, Remove and notification body checks on one parsed object. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "arena.h"
#include "card.h"
#include "config.h"
#include "harness.h"
#include "http.h"
#include "util.h"
#include "validate.h"

static struct config cfg;
static bool loaded;

static bool
is_lower_uuid(const char *s)
{
	char again[37];
	size_t i;

	if (!uuid_parse(s, again) || strcmp(s, again) != 0)
		return false;
	for (i = 0; i < 36; i++)
		if (s[i] >= 'A' && s[i] <= 'F')
			return false;
	return true;
}

static bool
has_c0_or_c1(const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f || (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
			return true;
	return false;
}

/* A refusal names a field and gives a reason that fits its buffer. */
static void
check_refusal(const struct field_error *fe)
{
	FZ_CHECK(fe->field != NULL);
	/* Only a client's unknown member name may be empty ({"": 1}). */
	FZ_CHECK(fe->field[0] != '\0' || fe->field == fe->name);
	FZ_CHECK(fz_terminated(fe->reason, sizeof(fe->reason)) && fe->reason[0] != '\0');
	FZ_CHECK(fz_terminated(fe->name, sizeof(fe->name)));
	FZ_CHECK(utf8_valid(fe->reason, strlen(fe->reason)));
}

static void
check_save(struct json_object *body, struct arena *a)
{
	struct save_input in;
	struct field_error fe;
	enum webhook_kind kind;
	const char *why;
	size_t i, j;

	memset(&fe, 0, sizeof(fe));
	if (!validate_save(body, &cfg, a, &in, &fe)) {
		check_refusal(&fe);
		return;
	}
	FZ_CHECK(is_lower_uuid(in.entity_id));
	FZ_CHECK(is_lower_uuid(in.user_object_id));
	FZ_CHECK(utf8_length(in.config_name, strlen(in.config_name)) >= 1);
	FZ_CHECK(utf8_length(in.config_name, strlen(in.config_name)) <= 100);
	FZ_CHECK(!has_c0_or_c1(in.config_name));
	FZ_CHECK(strcmp(in.content_url, content_url_for(a, &cfg, in.entity_id)) == 0);
	FZ_CHECK(strlen(in.webhook_url) <= 2048);
	FZ_CHECK(webhook_url_check(in.webhook_url, &cfg, &kind, &why) && kind == in.kind);
	FZ_CHECK(strcmp(in.app_type, "mail") == 0 || strcmp(in.app_type, "groups") == 0 ||
	    strcmp(in.app_type, "teams") == 0);
	FZ_CHECK(in.nevents >= 1 && in.nevents <= cfg.ncategories);
	for (i = 0; i < in.nevents; i++) {
		bool known = false;

		for (j = 0; j < cfg.ncategories; j++)
			if (in.events[i] == cfg.categories[j].id)
				known = true;
		FZ_CHECK(known);
		for (j = 0; j < i; j++)
			FZ_CHECK(in.events[j] != in.events[i]);
	}
}

static void
check_remove(struct json_object *body)
{
	struct remove_input in;
	struct field_error fe;
	enum webhook_kind kind;
	const char *why;

	memset(&fe, 0, sizeof(fe));
	if (!validate_remove(body, &cfg, &in, &fe)) {
		check_refusal(&fe);
		return;
	}
	FZ_CHECK(is_lower_uuid(in.entity_id));
	FZ_CHECK(webhook_url_check(in.webhook_url, &cfg, &kind, &why));
}

static size_t
chars(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	FZ_CHECK(json_object_is_type(v, json_type_string));
	return utf8_length(json_object_get_string(v), (size_t)json_object_get_string_len(v));
}

/* As the worker signs httpPost buttons, for the fit check below. */
static const struct card_ctx ctx = {
	.action_target = "https://connector.example.com/Connector/Action",
	.notification_id = "11111111-2222-4333-8444-555555555555",
	.entity_id = "0f8fad5b-d9cb-469f-a165-70867728950e",
	.secret = "0123456789abcdef0123456789abcdef",
};

static bool
is_bool(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_boolean);
}

/* Stored actions are the normalised shape: buttons within Teams' 4, ids unique and plain. */
static void
check_actions(struct json_object *p)
{
	struct json_object *actions, *a, *type, *input, *v, *w;
	size_t i, j, n;

	if (!json_object_object_get_ex(p, "actions", &actions))
		return;
	FZ_CHECK(json_object_is_type(actions, json_type_array));
	n = json_object_array_length(actions);
	FZ_CHECK(n >= 1 && n + (json_object_object_get_ex(p, "url", &v) ? 1 : 0) <=
	    NOTIFY_MAX_BUTTONS);
	for (i = 0; i < n; i++) {
		a = json_object_array_get_idx(actions, i);
		FZ_CHECK(json_object_object_get_ex(a, "type", &type));
		FZ_CHECK(chars(a, "name") >= 1 && chars(a, "name") <= ACTION_NAME_MAX);
		FZ_CHECK(!has_c0_or_c1(json_object_get_string(json_object_object_get(a, "name"))));
		if (strcmp(json_object_get_string(type), "openUrl") == 0) {
			FZ_CHECK(json_object_object_length(a) == 3);
			FZ_CHECK(chars(a, "url") >= 1 && chars(a, "url") <= 2048);
			continue;
		}
		FZ_CHECK(strcmp(json_object_get_string(type), "httpPost") == 0);
		FZ_CHECK(chars(a, "id") >= 1 && chars(a, "id") <= ACTION_ID_MAX);
		v = json_object_object_get(a, "id");
		FZ_CHECK(strspn(json_object_get_string(v), "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == strlen(json_object_get_string(v)));
		for (j = 0; j < i; j++)
			if (json_object_object_get_ex(json_object_array_get_idx(actions, j), "id", &w))
				FZ_CHECK(strcmp(json_object_get_string(w),
				    json_object_get_string(v)) != 0);
		FZ_CHECK(chars(a, "status") >= 1 && chars(a, "status") <= ACTION_TEXT_MAX);
		FZ_CHECK(is_bool(a, "updateCard"));
		FZ_CHECK(chars(a, "url") <= 2048);
		if (json_object_object_get_ex(a, "input", &input)) {
			FZ_CHECK(chars(input, "title") >= 1 &&
			    chars(input, "title") <= ACTION_TEXT_MAX);
			FZ_CHECK(is_bool(input, "multiline") && is_bool(input, "required"));
		}
	}
}

static void
check_notification(struct json_object *body)
{
	static const char key_chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._:-";
	struct notify_input in;
	struct field_error fe;
	struct json_object *p, *v;
	const char *sev;
	struct buf out;
	size_t i, n;

	memset(&fe, 0, sizeof(fe));
	if (!validate_notification(body, &cfg, &in, &fe)) {
		check_refusal(&fe);
		FZ_CHECK(in.payload == NULL);
		return;
	}
	p = in.payload;
	FZ_CHECK(p != NULL && json_object_is_type(p, json_type_object));
	FZ_CHECK(chars(p, "title") >= 1 && chars(p, "title") <= 256);
	FZ_CHECK(chars(p, "text") <= 20000);
	FZ_CHECK(chars(p, "url") <= 2048);
	FZ_CHECK(json_object_object_get_ex(p, "severity", &v));
	sev = json_object_get_string(v);
	FZ_CHECK(strcmp(sev, "info") == 0 || strcmp(sev, "success") == 0 ||
	    strcmp(sev, "warning") == 0 || strcmp(sev, "critical") == 0);
	if (json_object_object_get_ex(p, "facts", &v)) {
		FZ_CHECK(json_object_is_type(v, json_type_array));
		n = json_object_array_length(v);
		FZ_CHECK(n >= 1 && n <= 100);
		for (i = 0; i < n; i++) {
			struct json_object *f = json_object_array_get_idx(v, i);

			FZ_CHECK(chars(f, "name") >= 1 && chars(f, "name") <= 200);
			FZ_CHECK(chars(f, "value") <= 2000);
		}
	}
	n = strlen(in.idempotency_key);
	FZ_CHECK(n >= 1 && n <= 200 && strspn(in.idempotency_key, key_chars) == n);
	FZ_CHECK(in.entity_id[0] == '\0' || is_lower_uuid(in.entity_id));
	FZ_CHECK(in.event != NULL);

	check_actions(p);

	/* A validated payload is what the worker turns into a card: it must always fit. */
	buf_init(&out);
	FZ_CHECK(card_build(p, WEBHOOK_CONNECTOR, CARD_MAX_BYTES, &ctx, &out, NULL));
	FZ_CHECK(out.len <= CARD_MAX_BYTES);
	FZ_CHECK(card_build(p, WEBHOOK_WORKFLOW, CARD_MAX_BYTES, &ctx, &out, NULL));
	FZ_CHECK(out.len <= CARD_MAX_BYTES);
	buf_free(&out);
	json_object_put(in.payload);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object *body;
	struct arena a;
	char err[256];

	if (!loaded) {
		fz_load_config(&cfg, fz_config_text);
		loaded = true;
	}
	if ((body = json_parse_body((const char *)data, size, err, sizeof(err))) == NULL)
		return 0;
	arena_init(&a);
	check_save(body, &a);
	check_remove(body);
	check_notification(body);
	arena_free(&a);
	json_object_put(body);
	return 0;
}
