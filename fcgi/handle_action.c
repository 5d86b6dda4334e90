/* handle_action.c: POST /Connector/Action: a click on a card's httpPost button, sent by Teams. */
#include "app.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "auth.h"
#include "card.h"
#include "log.h"
#include "store.h"
#include "util.h"
#include "validate.h"

#define INPUT_MAX_CHARS 4000
#define STATUS_MAX_BYTES 200

/* What the card's button posts back (card.c writes it); every member checked. */
struct click {
	char        notification_id[37];
	char        entity_id[37];
	const char *action_id;
	const char *sig;
	const char *input;	/* NULL: the action has no input */
};

static const char *
member(struct json_object *o, const char *name, bool *present)
{
	struct json_object *v;

	*present = json_object_object_get_ex(o, name, &v);
	if (!*present || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool
action_id_valid(const char *s)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++)
		if (!((s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= 'a' && s[n] <= 'z') ||
		    (s[n] >= '0' && s[n] <= '9') || s[n] == '_' || s[n] == '-'))
			return false;
	return n >= 1 && n <= 64;
}

/* Parses the click; false with the field and reason. */
static bool
parse_click(struct json_object *o, struct click *c, const char **field, const char **why)
{
	static const char *const known[] = { "notificationId", "entityId", "actionId", "sig",
	    "input", NULL };
	const char *v;
	bool present;
	size_t i;

	json_object_object_foreach(o, key, val) {
		(void)val;
		for (i = 0; known[i] != NULL && strcmp(known[i], key) != 0; i++)
			;
		if (known[i] == NULL) {
			*field = "body";
			*why = "the body has a member this endpoint does not know";
			return false;
		}
	}
	*field = "notificationId";
	if ((v = member(o, "notificationId", &present)) == NULL || !uuid_parse(v, c->notification_id)) {
		*why = present ? "must be a UUID" : "is required";
		return false;
	}
	*field = "entityId";
	if ((v = member(o, "entityId", &present)) == NULL || !uuid_parse(v, c->entity_id)) {
		*why = present ? "must be a UUID" : "is required";
		return false;
	}
	*field = "actionId";
	if ((c->action_id = member(o, "actionId", &present)) == NULL ||
	    !action_id_valid(c->action_id)) {
		*why = present ? "must be 1-64 of A-Z a-z 0-9 _ -" : "is required";
		return false;
	}
	*field = "sig";
	if ((c->sig = member(o, "sig", &present)) == NULL || strlen(c->sig) != 64) {
		*why = present ? "must be 64 hexadecimal digits" : "is required";
		return false;
	}
	*field = "input";
	c->input = member(o, "input", &present);
	if (present) {
		struct json_object *raw;
		size_t len;

		json_object_object_get_ex(o, "input", &raw);
		if (c->input == NULL) {
			*why = "must be a string";
			return false;
		}
		len = (size_t)json_object_get_string_len(raw);
		if (len != strlen(c->input) || !utf8_valid(c->input, len)) {
			*why = "must be UTF-8 text without NUL";
			return false;
		}
		if (utf8_length(c->input, len) > INPUT_MAX_CHARS) {
			*why = "must be at most 4000 characters";
			return false;
		}
	}
	return true;
}

/* The httpPost action of that id in the notification payload, or NULL. */
static struct json_object *
find_action(struct json_object *payload, const char *action_id)
{
	struct json_object *actions, *a, *v;
	size_t i, n;

	if (payload == NULL || !json_object_object_get_ex(payload, "actions", &actions) ||
	    !json_object_is_type(actions, json_type_array))
		return NULL;
	n = json_object_array_length(actions);
	for (i = 0; i < n; i++) {
		a = json_object_array_get_idx(actions, i);
		if (json_object_object_get_ex(a, "id", &v) &&
		    json_object_is_type(v, json_type_string) &&
		    strcmp(json_object_get_string(v), action_id) == 0)
			return a;
	}
	return NULL;
}

/*
 * CARD-ACTION-STATUS: the action's status (validation stores one for every httpPost action,
 * "<name>: sent" when none was given); one line of printable text.
 */
static void
status_message(struct json_object *action, char *out, size_t outlen)
{
	struct json_object *v;
	size_t i;

	if (action != NULL && json_object_object_get_ex(action, "status", &v) &&
	    json_object_is_type(v, json_type_string))
		snprintf(out, outlen, "%s", json_object_get_string(v));
	else
		snprintf(out, outlen, "Done");
	/* A header value: no controls (validation refuses them; this holds if it ever did not). */
	for (i = 0; out[i] != '\0'; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			out[i] = ' ';
}

static bool
wants_update(struct json_object *action)
{
	struct json_object *v;

	return action != NULL && json_object_object_get_ex(action, "updateCard", &v) &&
	    json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
}

/*
 * The click's body as JSON. Teams pastes what the user typed into the body's "input" string
 * as is, so a quote or backslash typed breaks the JSON: such a body is read as the JSON we
 * wrote (everything before ,"input":") plus the raw text up to the final "}.
 */
static bool
parse_body(struct request *req, struct response *resp)
{
	static const char marker[] = ",\"input\":\"";
	const char *body = req->body, *at;
	size_t len = req->body_len, head;
	struct json_object *o;
	char err[256];
	char *prefix;

	if (!req_json_type_ok(req, resp))
		return false;
	if ((o = json_parse_body(body, len, err, sizeof(err))) != NULL) {
		req->json = o;
		req_keep_json(req, o);
		return true;
	}
	if (len >= 2 && body[len - 2] == '"' && body[len - 1] == '}' &&
	    (at = strstr(body, marker)) != NULL && (size_t)(at - body) + sizeof(marker) <= len &&
	    utf8_valid(body, len)) {
		head = (size_t)(at - body);
		prefix = arena_printf(req->arena, "%.*s}", (int)head, body);
		if ((o = json_parse_body(prefix, head + 1, err, sizeof(err))) != NULL) {
			size_t from = head + sizeof(marker) - 1, n = len - 2 - from;

			json_object_object_add(o, "input",
			    json_object_new_string_len(body + from, (int)n));
			req->json = o;
			req_keep_json(req, o);
			return true;
		}
	}
	resp_problem(resp, req, 400, "malformed-body", "Malformed request body", "body", "%s", err);
	return false;
}

void
handle_action(struct request *req, struct response *resp)
{
	static const char *const params[] = { "HTTP_AUTHORIZATION", "HTTP_ACTION_AUTHORIZATION",
	    NULL };
	const struct config *cfg = req->app->cfg;
	struct jwt_expect want = {
		.issuer = cfg->action_issuer, .audience = cfg->action_audience,
		.appid = cfg->action_app_id, .user_claim = "sub", .skew = cfg->jwt_clock_skew,
		.now = (time_t)(now_ms() / 1000),
	};
	struct json_object *payload = NULL, *action, *o;
	struct card_action rec;
	struct jwt_claims who;
	struct click click;
	char sig[65], id[37], err[256], status[STATUS_MAX_BYTES + 1];
	const char *field, *why;
	char *payload_text = NULL;
	bool forward = *cfg->action_callback_url != '\0';

	/* The token first: without one, nothing about the body is looked at or answered. */
	if (!auth_require(req, resp, req->app->action_keys, params, "Authorization", &want, &who))
		return;
	if (!parse_body(req, resp))
		return;
	if (!parse_click(req->json, &click, &field, &why)) {
		if (strcmp(field, "body") == 0)
			resp_problem(resp, req, 400, "invalid-field", "Invalid field", field, "%s",
			    why);
		else
			resp_problem(resp, req, 400, "invalid-field", "Invalid field", field,
			    "%s %s", field, why);
		return;
	}
	/* Only a body we rendered into a card for this channel carries a matching sig. */
	card_action_sig(cfg->csrf_secret, click.notification_id, click.entity_id, click.action_id,
	    sig);
	if (!ct_equal(sig, click.sig, 64)) {
		log_line(LOG_WARN, "card action refused: sig does not match", "rid=%s",
		    req->request_id);
		resp_problem(resp, req, 403, "forged-action", "Action not from our card", "sig",
		    "this action was not rendered by this service for this notification and channel");
		return;
	}
	rec.notification_id = click.notification_id;
	rec.entity_id = click.entity_id;
	rec.action_id = click.action_id;
	rec.user_id = who.user;
	rec.tenant_id = who.tid;
	rec.input = click.input;
	switch (store_action_record(req->store, &rec, forward, id, &payload_text, err,
	    sizeof(err))) {
	case STORE_OK:
		break;
	case STORE_NOT_FOUND:
		resp_problem(resp, req, 410, "card-gone", "Card no longer active", NULL,
		    "the notification or the channel's connector has been removed");
		return;
	case STORE_UNAVAILABLE:
		answer_unavailable(req, resp, err);
		return;
	default:
		answer_internal(req, resp, err);
		return;
	}
	payload = json_tokener_parse(payload_text);
	free(payload_text);
	req_keep_json(req, payload);
	action = find_action(payload, click.action_id);
	status_message(action, status, sizeof(status));
	log_line(LOG_INFO, "card action recorded", "rid=%s action=%s notification=%s entity=%s "
	    "forwarded=%s", req->request_id, id, click.notification_id, click.entity_id,
	    forward ? "yes" : "no");
	resp_header(resp, "CARD-ACTION-STATUS", arena_strdup(req->arena, status));
	if (wants_update(action)) {
		struct card_ctx ctx = {
			.action_target = NULL, .notification_id = click.notification_id,
			.entity_id = click.entity_id, .secret = cfg->csrf_secret,
			.done_message = status,
		};
		struct buf card;

		buf_init(&card);
		if (card_build(payload, WEBHOOK_CONNECTOR, CARD_MAX_BYTES, &ctx, &card, NULL)) {
			resp_header(resp, "CARD-UPDATE-IN-BODY", "true");
			resp->status = 200;
			resp->content_type = "application/json";
			buf_reset(&resp->body);
			buf_append(&resp->body, card.data, card.len);
			buf_free(&card);
			return;
		}
		buf_free(&card);
		log_line(LOG_WARN, "updated card not built; answering without it", "rid=%s",
		    req->request_id);
	}
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "status", json_object_new_string(status));
	json_object_object_add(o, "forwarded", json_object_new_boolean(forward));
	resp_json(resp, 200, o);
	json_object_put(o);
}
