/* store.c: the database connection of one thread: lazy connect, reconnect after loss, ping. */
#include "store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct store *
store_new(const char *conninfo, long connect_timeout, const char *app_name)
{
	struct store *s = xcalloc(1, sizeof(*s));

	s->conninfo = xstrdup(conninfo);
	s->app_name = xstrdup(app_name);
	snprintf(s->timeout, sizeof(s->timeout), "%ld", connect_timeout);
	return s;
}

void
store_free(struct store *s)
{
	if (s == NULL)
		return;
	if (s->conn != NULL)
		PQfinish(s->conn);
	free(s->conninfo);
	free(s->app_name);
	free(s);
}

void
store_errmsg(const char *msg, char *err, size_t errlen)
{
	size_t n = strcspn(msg, "\n");

	if (n >= errlen)
		n = errlen - 1;
	memcpy(err, msg, n);
	err[n] = '\0';
}

PGconn *
store_conn(struct store *s, char *err, size_t errlen)
{
	/* The conninfo comes last so that its own connect_timeout, if any, wins. */
	const char *keys[] = { "connect_timeout", "application_name", "dbname", NULL };
	const char *vals[] = { s->timeout, s->app_name, s->conninfo, NULL };

	if (s->conn != NULL && PQstatus(s->conn) == CONNECTION_OK)
		return s->conn;
	if (s->conn != NULL)
		PQfinish(s->conn);
	s->prepared = 0;
	s->conn = PQconnectdbParams(keys, vals, 1);
	if (s->conn == NULL) {
		snprintf(err, errlen, "out of memory connecting to the database");
		return NULL;
	}
	if (PQstatus(s->conn) != CONNECTION_OK) {
		store_errmsg(PQerrorMessage(s->conn), err, errlen);
		PQfinish(s->conn);
		s->conn = NULL;
		return NULL;
	}
	return s->conn;
}

static const struct {
	const char *name;
	const char *sql;
} statements[STMT__MAX] = {
	[STMT_CONFIG_UPSERT] = { "config_upsert",
	    "INSERT INTO configurations AS c (entity_id, config_name, content_url, webhook_url,"
	    " webhook_kind, app_type, user_object_id, events, webhook_key)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text[],"
	    " encode(sha256(convert_to($4, 'UTF8')), 'hex'))"
	    " ON CONFLICT (entity_id) DO UPDATE SET config_name = EXCLUDED.config_name,"
	    " content_url = EXCLUDED.content_url, app_type = EXCLUDED.app_type,"
	    " user_object_id = EXCLUDED.user_object_id, events = EXCLUDED.events,"
	    " updated_at = now()"
	    " WHERE c.webhook_url = EXCLUDED.webhook_url"
	    " RETURNING (xmax = 0)" },
	[STMT_CONFIG_GET] = { "config_get",
	    "SELECT config_name, array_to_json(events)::text, disabled_reason"
	    " FROM configurations WHERE entity_id = $1" },
	[STMT_CONFIG_REMOVE] = { "config_remove",
	    "WITH target AS (SELECT entity_id, webhook_url = $2 AS matches FROM configurations"
	    "  WHERE entity_id = $1 FOR UPDATE),"
	    " gone AS (DELETE FROM configurations c USING target t"
	    "  WHERE c.entity_id = t.entity_id AND t.matches RETURNING 1)"
	    " SELECT (SELECT count(*) FROM target), (SELECT count(*) FROM gone)" },
	[STMT_CONFIG_EXISTS] = { "config_exists",
	    "SELECT 1 FROM configurations WHERE entity_id = $1" },
	/* One statement: the notification, its deliveries, or the first answer for the key. */
	[STMT_NOTIFY_INGEST] = { "notify_ingest",
	    "WITH targets AS (SELECT entity_id FROM configurations"
	    "  WHERE disabled_at IS NULL AND events @> ARRAY[$2::text]"
	    "  AND ($3::uuid IS NULL OR entity_id = $3::uuid)),"
	    " n AS (INSERT INTO notifications (idempotency_key, request_hash, event, entity_id,"
	    "  payload, deliveries)"
	    "  SELECT $1, $5, $2, $3::uuid, $4::jsonb, (SELECT count(*) FROM targets)"
	    "  ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, deliveries),"
	    " d AS (INSERT INTO deliveries (notification_id, entity_id)"
	    "  SELECT n.id, t.entity_id FROM n, targets t)"
	    " SELECT id, deliveries, true, $5 FROM n"
	    " UNION ALL"
	    " SELECT id, deliveries, false, request_hash FROM notifications"
	    "  WHERE idempotency_key = $1 AND NOT EXISTS (SELECT 1 FROM n)" },
	[STMT_CLAIM] = { "claim",
	    "SELECT delivery_id, attempt, entity_id, webhook_url, webhook_kind, payload::text,"
	    " notification_id"
	    " FROM claim_deliveries($1, $2, $3, $4::integer[], $5::integer[])" },
	/*
	 * Many attempts in one statement (one commit for a whole round of answers). The guard on
	 * leased_by and attempts: a lease that expired and moved on is not ours to end.
	 */
	[STMT_RECORD] = { "record",
	    "WITH r AS (SELECT * FROM unnest($1::bigint[], $2::integer[], $3::text[],"
	    "  $4::integer[], $5::text[], $6::integer[], $7::text[], $8::text[],"
	    "  $9::double precision[])"
	    "  AS t(id, attempt, outcome, status, excerpt, dur, error, state, delay)),"
	    " a AS (INSERT INTO delivery_attempts (delivery_id, attempt, outcome, http_status,"
	    "  body_excerpt, duration_ms, error, worker)"
	    "  SELECT r.id, r.attempt, r.outcome, r.status, r.excerpt, r.dur, r.error, $10 FROM r"
	    "  WHERE EXISTS (SELECT 1 FROM deliveries d WHERE d.id = r.id))"
	    " UPDATE deliveries d SET state = r.state,"
	    "  next_attempt_at = CASE WHEN r.state = 'pending'"
	    "   THEN now() + make_interval(secs => r.delay) ELSE d.next_attempt_at END,"
	    "  lease_until = NULL, leased_by = NULL, last_status = r.status, last_error = r.error,"
	    "  last_attempt_at = now(),"
	    "  delivered_at = CASE WHEN r.state = 'delivered' THEN now() ELSE d.delivered_at END"
	    " FROM r WHERE d.id = r.id AND d.leased_by = $10 AND d.attempts = r.attempt" },
	[STMT_DISABLE] = { "disable",
	    "WITH c AS (UPDATE configurations SET disabled_at = now(), disabled_reason = $2"
	    "  WHERE entity_id = $1 AND disabled_at IS NULL)"
	    " UPDATE deliveries SET state = 'cancelled', last_error = $2, lease_until = NULL,"
	    "  leased_by = NULL WHERE entity_id = $1 AND state = 'pending'" },
	[STMT_SENDS_CLEANUP] = { "sends_cleanup",
	    "DELETE FROM webhook_sends WHERE sent_at < now() - make_interval(secs => $1::integer)" },
	/* A click: recorded (and queued for forwarding) only if its card's rows still exist. */
	[STMT_ACTION_RECORD] = { "action_record",
	    "WITH n AS (SELECT id, payload FROM notifications WHERE id = $1::uuid),"
	    " c AS (SELECT entity_id FROM configurations WHERE entity_id = $2::uuid),"
	    " a AS (INSERT INTO card_actions (notification_id, entity_id, action_id, user_id,"
	    "  tenant_id, input)"
	    "  SELECT n.id, c.entity_id, $3, $4, NULLIF($5, ''), $6 FROM n, c RETURNING id),"
	    " cb AS (INSERT INTO action_callbacks (card_action_id)"
	    "  SELECT id FROM a WHERE $7::boolean)"
	    " SELECT a.id, n.payload::text FROM a, n" },
	/* The forwarded body is built here once, so every retry sends the same bytes. */
	[STMT_CALLBACK_CLAIM] = { "callback_claim",
	    "WITH due AS (SELECT card_action_id FROM action_callbacks"
	    "  WHERE state = 'pending' AND next_attempt_at <= now()"
	    "  AND (lease_until IS NULL OR lease_until < now())"
	    "  ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED)"
	    " UPDATE action_callbacks cb SET attempts = cb.attempts + 1, leased_by = $1,"
	    "  lease_until = now() + make_interval(secs => $3::integer)"
	    " FROM due, card_actions a, notifications n"
	    " WHERE cb.card_action_id = due.card_action_id AND a.id = cb.card_action_id"
	    "  AND n.id = a.notification_id"
	    " RETURNING cb.card_action_id, cb.attempts, json_build_object("
	    "  'type', 'card.action',"
	    "  'timestamp', to_char(a.created_at AT TIME ZONE 'UTC',"
	    "   'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'),"
	    "  'data', json_build_object('id', a.id, 'actionId', a.action_id,"
	    "   'notificationId', a.notification_id, 'idempotencyKey', n.idempotency_key,"
	    "   'event', n.event, 'entityId', a.entity_id,"
	    "   'user', json_build_object('id', a.user_id, 'tenantId', a.tenant_id),"
	    "   'input', a.input))::text" },
	[STMT_CALLBACK_RECORD] = { "callback_record",
	    "WITH r AS (SELECT * FROM unnest($1::uuid[], $2::integer[], $3::integer[], $4::text[],"
	    "  $5::text[], $6::double precision[]) AS t(id, attempt, status, error, state, delay))"
	    " UPDATE action_callbacks cb SET state = r.state,"
	    "  next_attempt_at = CASE WHEN r.state = 'pending'"
	    "   THEN now() + make_interval(secs => r.delay) ELSE cb.next_attempt_at END,"
	    "  lease_until = NULL, leased_by = NULL, last_status = r.status, last_error = r.error,"
	    "  last_attempt_at = now(),"
	    "  delivered_at = CASE WHEN r.state = 'delivered' THEN now() ELSE cb.delivered_at END"
	    " FROM r WHERE cb.card_action_id = r.id AND cb.leased_by = $7"
	    "  AND cb.attempts = r.attempt" },
};

PGresult *
store_exec(struct store *s, enum stmt id, int nparams, const char *const *params,
    enum store_result *res, char *err, size_t errlen)
{
	int attempt;

	for (attempt = 0; attempt < 2; attempt++) {
		PGconn *c = store_conn(s, err, errlen);
		PGresult *r;
		ExecStatusType st;

		if (c == NULL) {
			*res = STORE_UNAVAILABLE;
			return NULL;
		}
		if (!(s->prepared & (1u << id))) {
			r = PQprepare(c, statements[id].name, statements[id].sql, 0, NULL);
			if (PQresultStatus(r) != PGRES_COMMAND_OK) {
				store_errmsg(PQresultErrorMessage(r), err, errlen);
				PQclear(r);
				if (PQstatus(c) != CONNECTION_OK)
					continue;
				*res = STORE_ERROR;
				return NULL;
			}
			PQclear(r);
			s->prepared |= 1u << id;
		}
		r = PQexecPrepared(c, statements[id].name, nparams, params, NULL, NULL, 0);
		st = PQresultStatus(r);
		if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
			*res = STORE_OK;
			return r;
		}
		store_errmsg(PQresultErrorMessage(r), err, errlen);
		PQclear(r);
		if (PQstatus(c) != CONNECTION_OK)
			continue;	/* the connection died: once more on a new one */
		*res = STORE_ERROR;
		return NULL;
	}
	*res = STORE_UNAVAILABLE;
	return NULL;
}

bool
store_ping(struct store *s, char *err, size_t errlen)
{
	int attempt;

	/* A connection that died while idle only shows it on use: retry once on a fresh one. */
	for (attempt = 0; attempt < 2; attempt++) {
		PGconn *c = store_conn(s, err, errlen);
		PGresult *r;
		bool ok;

		if (c == NULL)
			return false;
		r = PQexec(c, "SELECT 1");
		ok = PQresultStatus(r) == PGRES_TUPLES_OK;
		if (!ok)
			store_errmsg(PQerrorMessage(c), err, errlen);
		PQclear(r);
		if (ok)
			return true;
		if (PQstatus(c) == CONNECTION_OK)
			return false;
	}
	return false;
}
