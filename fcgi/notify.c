/* notify.c: card fit, request hash and the ingest statement, shared by the API and connectorctl. */
#include "notify.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "card.h"
#include "config.h"
#include "sha256.h"
#include "store.h"
#include "util.h"
#include "validate.h"

/*
 * Both formats as the worker will build them. The ids are not known yet, but a uuid's text is
 * always 36 characters and the signature 64, so stand-ins of that length measure the same.
 */
static bool
cards_fit(const struct config *cfg, struct json_object *payload)
{
	static const char nil_uuid[] = "00000000-0000-0000-0000-000000000000";
	struct card_ctx ctx;
	struct buf b, target;
	bool ok;

	buf_init(&b);
	buf_init(&target);
	buf_printf(&target, "%s/Connector/Action", cfg->public_base_url);
	memset(&ctx, 0, sizeof(ctx));
	ctx.action_target = target.data;
	ctx.notification_id = nil_uuid;
	ctx.entity_id = nil_uuid;
	ctx.secret = cfg->csrf_secret;
	ok = card_build(payload, WEBHOOK_CONNECTOR, CARD_MAX_BYTES, &ctx, &b, NULL) &&
	    card_build(payload, WEBHOOK_WORKFLOW, CARD_MAX_BYTES, &ctx, &b, NULL);
	buf_free(&target);
	buf_free(&b);
	return ok;
}

static enum notify_status
from_store(enum store_result r)
{
	return r == STORE_UNAVAILABLE ? NOTIFY_UNAVAILABLE : NOTIFY_ERROR;
}

enum notify_status
notify_submit(struct store *st, const struct config *cfg, const struct notify_input *in,
    char id[37], long *deliveries, char *err, size_t errlen)
{
	struct buf canon;
	const char *payload;
	char hash[65];
	bool created = false, same = false;
	enum store_result r;

	err[0] = '\0';
	if (!cards_fit(cfg, in->payload))
		return NOTIFY_TOO_LARGE;
	if (in->entity_id[0] != '\0') {
		r = store_config_exists(st, in->entity_id, err, errlen);
		if (r == STORE_NOT_FOUND)
			return NOTIFY_UNKNOWN_ENTITY;
		if (r != STORE_OK)
			return from_store(r);
	}
	payload = json_object_to_json_string_ext(in->payload, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	/* The same key must come with the same request: hash what it asks for. */
	buf_init(&canon);
	buf_printf(&canon, "%s\n%s\n%s", in->event, in->entity_id, payload);
	sha256_hex(canon.data, canon.len, hash);
	buf_free(&canon);
	r = store_notify_ingest(st, in->idempotency_key, in->event,
	    in->entity_id[0] ? in->entity_id : NULL, payload, hash, id, deliveries, &created, &same,
	    err, errlen);
	if (r != STORE_OK)
		return from_store(r);
	if (!created && !same)
		return NOTIFY_KEY_REUSED;
	return created ? NOTIFY_CREATED : NOTIFY_REPLAYED;
}
