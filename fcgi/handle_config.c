/* handle_config.c: the configuration page (Setup, Edit) and its Save and Remove endpoints. */
#include "app.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "auth.h"
#include "csrf.h"
#include "log.h"
#include "render.h"
#include "store.h"
#include "util.h"
#include "validate.h"

static void
send_error_page(struct request *req, struct response *resp, int status, const char *title,
    const char *detail)
{
	struct json_object *d = json_object_new_object();

	req_keep_json(req, d);
	json_object_object_add(d, "title", json_object_new_string(title));
	json_object_object_add(d, "detail", json_object_new_string(detail));
	send_page(req, resp, status, req->app->tpl_error, NULL, d);
}

/* The page data shared by Setup and Edit; `stored` is NULL on Setup. */
static void
send_setup_page(struct request *req, struct response *resp, const char *entity_id,
    const struct stored_config *stored)
{
	const struct config *cfg = req->app->cfg;
	struct json_object *d = json_object_new_object();
	char token[CSRF_TOKEN_LEN];

	req_keep_json(req, d);
	if (!csrf_make(cfg->csrf_secret, now_ms() / 1000, cfg->csrf_ttl, token)) {
		answer_internal(req, resp, "cannot make a CSRF token (no randomness?)");
		return;
	}
	json_object_object_add(d, "csrf_token", json_object_new_string(token));
	if (stored == NULL) {
		/* Setup: everything else is the same for every visitor, built at start-up. */
		send_page(req, resp, 200, req->app->tpl_setup, req->app->setup_shared, d);
		return;
	}
	json_object_object_add(d, "base_url", json_object_new_string(cfg->public_base_url));
	/* The page asks Teams for a sign-in token only when the server will ask for one. */
	if (cfg->sso_enabled)
		json_object_object_add(d, "sso_client_id",
		    json_object_new_string(cfg->sso_client_id));
	if (entity_id != NULL)
		json_object_object_add(d, "entity_id", json_object_new_string(entity_id));
	json_object_object_add(d, "config_name", json_object_new_string(stored->config_name));
	if (stored->disabled_reason != NULL)
		json_object_object_add(d, "disabled_reason",
		    json_object_new_string(stored->disabled_reason));
	json_object_object_add(d, "categories", page_categories(cfg, stored->events,
	    stored->nevents));
	send_page(req, resp, 200, req->app->tpl_setup, NULL, d);
}

void
handle_setup(struct request *req, struct response *resp)
{
	send_setup_page(req, resp, NULL, NULL);
}

void
handle_edit(struct request *req, struct response *resp)
{
	const char *given = req_query(req, "entityId");
	struct stored_config stored;
	char id[37], err[256];

	if (given == NULL || !uuid_parse(given, id)) {
		send_error_page(req, resp, 400, "This link is not valid",
		    "The address must end with ?entityId= and the connector's id (a UUID).");
		resp->problem_field = "entityId";
		return;
	}
	switch (store_config_get(req->store, req->arena, id, &stored, err, sizeof(err))) {
	case STORE_OK:
		send_setup_page(req, resp, id, &stored);
		return;
	case STORE_NOT_FOUND:
		send_error_page(req, resp, 404, "This connector is not configured",
		    "It may have been removed. Add the connector to the channel again.");
		return;
	case STORE_UNAVAILABLE:
		send_error_page(req, resp, 503, "Please try again shortly",
		    "The service cannot reach its database right now.");
		resp_header(resp, "Retry-After", req->app->retry_after);
		return;
	default:
		answer_internal(req, resp, err);
		return;
	}
}

/*
 * Save and Remove come from our own page only: the Origin must be ours (browsers set it and
 * pages cannot forge it) and the CSRF token must be one we signed and is still valid.
 */
static bool
check_page_request(struct request *req, struct response *resp)
{
	const struct config *cfg = req->app->cfg;
	const char *origin = req_env(req, "HTTP_ORIGIN");
	const char *token = req_env(req, "HTTP_X_CSRF_TOKEN");

	if (origin == NULL || strcmp(origin, cfg->public_base_url) != 0) {
		resp_problem(resp, req, 403, "bad-origin", "Cross-origin request refused", "Origin",
		    origin == NULL ? "the Origin header is missing" :
		    "the Origin header is not this service's origin");
		return false;
	}
	if (token == NULL || !csrf_check(cfg->csrf_secret, now_ms() / 1000, cfg->csrf_ttl, token)) {
		resp_problem(resp, req, 403, "bad-csrf-token", "Missing or invalid CSRF token",
		    "X-CSRF-Token", token == NULL ? "the X-CSRF-Token header is missing" :
		    "the X-CSRF-Token header is not valid or has expired; reload the page");
		return false;
	}
	return true;
}

/*
 * With sign-in on, Save and Remove carry the Teams SSO token of the user at the page: issued
 * by the user's tenant for our app (aud = sso_client_id). *claims names that user.
 */
static bool
check_signed_in(struct request *req, struct response *resp, struct jwt_claims *claims)
{
	static const char *const params[] = { "HTTP_AUTHORIZATION", NULL };
	const struct config *cfg = req->app->cfg;
	struct jwt_expect want = {
		.issuer = cfg->sso_issuer, .audience = cfg->sso_client_id, .appid = NULL,
		.user_claim = "oid", .skew = cfg->jwt_clock_skew, .now = (time_t)(now_ms() / 1000),
	};

	if (!cfg->sso_enabled)
		return true;
	return auth_require(req, resp, req->app->sso_keys, params, "Authorization", &want,
	    claims);
}

static void
invalid(struct request *req, struct response *resp, const struct field_error *fe)
{
	resp_problem(resp, req, 400, "invalid-field", "Invalid field", fe->field, "%s", fe->reason);
}

void
handle_save(struct request *req, struct response *resp)
{
	struct save_input in;
	struct field_error fe;
	struct json_object *o, *ev;
	struct jwt_claims who;
	char err[256];
	bool created = false;
	size_t i;

	if (!check_page_request(req, resp) || !check_signed_in(req, resp, &who))
		return;
	if (!validate_save(req->json, req->app->cfg, req->arena, &in, &fe)) {
		invalid(req, resp, &fe);
		return;
	}
	/* The configuration is saved in the name of the signed-in user, and no one else. */
	if (req->app->cfg->sso_enabled && !ascii_ieq(in.user_object_id, who.user)) {
		resp_problem(resp, req, 403, "wrong-user", "Signed in as another user",
		    "userObjectId", "userObjectId is not the signed-in user (the token's oid)");
		return;
	}
	switch (store_config_upsert(req->store, &in, &created, err, sizeof(err))) {
	case STORE_OK:
		break;
	case STORE_MISMATCH:
		resp_problem(resp, req, 403, "webhook-mismatch", "Webhook URL does not match",
		    "webhookUrl", "this configuration exists with another webhook URL; remove the "
		    "connector and add it again");
		return;
	case STORE_UNAVAILABLE:
		answer_unavailable(req, resp, err);
		return;
	default:
		answer_internal(req, resp, err);
		return;
	}
	log_line(LOG_INFO, created ? "configuration created" : "configuration updated",
	    "rid=%s entity=%s kind=%s events=%zu", req->request_id, in.entity_id,
	    webhook_kind_name(in.kind), in.nevents);
	o = json_object_new_object();
	json_object_object_add(o, "entityId", json_object_new_string(in.entity_id));
	json_object_object_add(o, "configName", json_object_new_string(in.config_name));
	ev = json_object_new_array();
	for (i = 0; i < in.nevents; i++)
		json_object_array_add(ev, json_object_new_string(in.events[i]));
	json_object_object_add(o, "events", ev);
	resp_json(resp, 200, o);
	json_object_put(o);
}

void
handle_remove(struct request *req, struct response *resp)
{
	struct remove_input in;
	struct field_error fe;
	struct jwt_claims who;
	char err[256];

	if (!check_page_request(req, resp) || !check_signed_in(req, resp, &who))
		return;
	if (!validate_remove(req->json, req->app->cfg, &in, &fe)) {
		invalid(req, resp, &fe);
		return;
	}
	switch (store_config_remove(req->store, in.entity_id, in.webhook_url, err, sizeof(err))) {
	case STORE_OK:
		log_line(LOG_INFO, "configuration removed", "rid=%s entity=%s", req->request_id,
		    in.entity_id);
		resp->status = 204;
		return;
	case STORE_NOT_FOUND:
		resp_problem(resp, req, 404, "not-found", "No such configuration", "entityId",
		    "there is no configuration with this entityId");
		return;
	case STORE_MISMATCH:
		resp_problem(resp, req, 403, "webhook-mismatch", "Webhook URL does not match",
		    "webhookUrl", "the webhook URL is not the one this configuration was saved with");
		return;
	case STORE_UNAVAILABLE:
		answer_unavailable(req, resp, err);
		return;
	default:
		answer_internal(req, resp, err);
		return;
	}
}
