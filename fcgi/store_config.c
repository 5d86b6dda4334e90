/* store_config.c: configurations: save (upsert), read for the Edit page, remove. */
#include "store_internal.h"

#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "arena.h"
#include "util.h"
#include "validate.h"

enum store_result
store_config_upsert(struct store *s, const struct save_input *in, bool *created, char *err,
    size_t errlen)
{
	struct buf events;
	const char *params[8];
	enum store_result res;
	PGresult *r;
	size_t i;

	/* Category ids are [a-z0-9_-]: an array literal needs no quoting. */
	buf_init(&events);
	buf_putc(&events, '{');
	for (i = 0; i < in->nevents; i++) {
		if (i > 0)
			buf_putc(&events, ',');
		buf_puts(&events, in->events[i]);
	}
	buf_putc(&events, '}');
	params[0] = in->entity_id;
	params[1] = in->config_name;
	params[2] = in->content_url;
	params[3] = in->webhook_url;
	params[4] = webhook_kind_name(in->kind);
	params[5] = in->app_type;
	params[6] = in->user_object_id;
	params[7] = events.data;
	r = store_exec(s, STMT_CONFIG_UPSERT, 8, params, &res, err, errlen);
	buf_free(&events);
	if (r == NULL)
		return res;
	if (PQntuples(r) == 0)
		res = STORE_MISMATCH;
	else
		*created = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	return res;
}

enum store_result
store_config_get(struct store *s, struct arena *a, const char *entity_id,
    struct stored_config *out, char *err, size_t errlen)
{
	const char *params[1] = { entity_id };
	enum store_result res;
	struct json_object *ev;
	PGresult *r;
	size_t i;

	memset(out, 0, sizeof(*out));
	if ((r = store_exec(s, STMT_CONFIG_GET, 1, params, &res, err, errlen)) == NULL)
		return res;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return STORE_NOT_FOUND;
	}
	out->config_name = arena_strdup(a, PQgetvalue(r, 0, 0));
	if (!PQgetisnull(r, 0, 2))
		out->disabled_reason = arena_strdup(a, PQgetvalue(r, 0, 2));
	ev = json_tokener_parse(PQgetvalue(r, 0, 1));
	PQclear(r);
	if (ev == NULL || !json_object_is_type(ev, json_type_array)) {
		json_object_put(ev);
		snprintf(err, errlen, "configuration %s: events are not an array", entity_id);
		return STORE_ERROR;
	}
	out->nevents = json_object_array_length(ev);
	out->events = arena_alloc(a, (out->nevents + 1) * sizeof(*out->events));
	for (i = 0; i < out->nevents; i++)
		out->events[i] = arena_strdup(a,
		    json_object_get_string(json_object_array_get_idx(ev, i)));
	json_object_put(ev);
	return STORE_OK;
}

enum store_result
store_config_remove(struct store *s, const char *entity_id, const char *webhook_url, char *err,
    size_t errlen)
{
	const char *params[2] = { entity_id, webhook_url };
	enum store_result res;
	PGresult *r;

	if ((r = store_exec(s, STMT_CONFIG_REMOVE, 2, params, &res, err, errlen)) == NULL)
		return res;
	if (strcmp(PQgetvalue(r, 0, 0), "0") == 0)
		res = STORE_NOT_FOUND;
	else if (strcmp(PQgetvalue(r, 0, 1), "0") == 0)
		res = STORE_MISMATCH;
	PQclear(r);
	return res;
}
