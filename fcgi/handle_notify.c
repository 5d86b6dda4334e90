/* handle_notify.c: POST /api/v1/notifications (fan-out into the outbox) and GET /metrics. */
#include "app.h"

#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "log.h"
#include "notify.h"
#include "sha256.h"
#include "store.h"
#include "util.h"
#include "validate.h"

/* The key's SHA-256 against every configured hash, each compared in constant time. */
static bool
api_key_valid(const struct config *cfg, const char *authorization)
{
	char hash[65];
	bool found = false;
	size_t i;

	if (authorization == NULL || !ascii_nieq(authorization, "Bearer ", 7))
		return false;
	authorization += 7;
	while (*authorization == ' ')
		authorization++;
	if (*authorization == '\0' || strlen(authorization) > 512)
		return false;
	sha256_hex(authorization, strlen(authorization), hash);
	for (i = 0; i < cfg->napi_keys; i++)
		found |= ct_equal(hash, cfg->api_key_hashes[i], 64);
	return found;
}

void
handle_notify(struct request *req, struct response *resp)
{
	const struct config *cfg = req->app->cfg;
	struct notify_input in;
	struct field_error fe;
	struct json_object *o;
	char id[37], err[256];
	long deliveries = 0;

	if (!api_key_valid(cfg, req_env(req, "HTTP_AUTHORIZATION"))) {
		resp_header(resp, "WWW-Authenticate", "Bearer");
		resp_problem(resp, req, 401, "unauthorized", "Missing or invalid API key",
		    "Authorization", "send Authorization: Bearer <api key>");
		return;
	}
	if (!validate_notification(req->json, cfg, &in, &fe)) {
		resp_problem(resp, req, 400, "invalid-field", "Invalid field", fe.field, "%s",
		    fe.reason);
		return;
	}
	req_keep_json(req, in.payload);
	switch (notify_submit(req->store, cfg, &in, id, &deliveries, err, sizeof(err))) {
	case NOTIFY_CREATED:
		log_line(LOG_INFO, "notification accepted", "rid=%s notification=%s event=%s "
		    "deliveries=%ld", req->request_id, id, in.event, deliveries);
		break;
	case NOTIFY_REPLAYED:
		resp_header(resp, "Idempotent-Replayed", "true");
		break;
	case NOTIFY_TOO_LARGE:
		resp_problem(resp, req, 422, "card-too-large", "Card too large", "title",
		    "the card cannot be made to fit in Teams' 28 KB limit");
		return;
	case NOTIFY_UNKNOWN_ENTITY:
		resp_problem(resp, req, 404, "not-found", "No such configuration", "entityId",
		    "there is no configuration with this entityId");
		return;
	case NOTIFY_KEY_REUSED:
		resp_problem(resp, req, 409, "idempotency-key-reused", "Idempotency key reused",
		    "idempotencyKey", "this idempotencyKey was used with a different notification");
		return;
	case NOTIFY_UNAVAILABLE:
		answer_unavailable(req, resp, err);
		return;
	default:
		answer_internal(req, resp, err);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "notificationId", json_object_new_string(id));
	json_object_object_add(o, "deliveries", json_object_new_int64(deliveries));
	resp_json(resp, 202, o);
	json_object_put(o);
}

void
handle_metrics(struct request *req, struct response *resp)
{
	char err[256];
	enum store_result res;

	buf_reset(&resp->body);
	res = store_metrics(req->store, &resp->body, err, sizeof(err));
	if (res == STORE_UNAVAILABLE) {
		answer_unavailable(req, resp, err);
		return;
	}
	if (res != STORE_OK) {
		answer_internal(req, resp, err);
		return;
	}
	resp->status = 200;
	resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
}
