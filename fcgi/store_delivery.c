/* store_delivery.c: notifications, the outbox (claim, record, disable), metrics, replay. */
#include "store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

enum store_result
store_config_exists(struct store *s, const char *entity_id, char *err, size_t errlen)
{
	const char *params[1] = { entity_id };
	enum store_result res;
	PGresult *r;

	if ((r = store_exec(s, STMT_CONFIG_EXISTS, 1, params, &res, err, errlen)) == NULL)
		return res;
	res = PQntuples(r) > 0 ? STORE_OK : STORE_NOT_FOUND;
	PQclear(r);
	return res;
}

enum store_result
store_notify_ingest(struct store *s, const char *key, const char *event, const char *entity_id,
    const char *payload_json, const char *request_hash, char id_out[37], long *deliveries,
    bool *created, bool *same_request, char *err, size_t errlen)
{
	const char *params[5] = { key, event, entity_id, payload_json, request_hash };
	enum store_result res;
	int attempt;

	/* Empty only when a concurrent insert of the same key committed after our snapshot. */
	for (attempt = 0; attempt < 3; attempt++) {
		PGresult *r = store_exec(s, STMT_NOTIFY_INGEST, 5, params, &res, err, errlen);

		if (r == NULL)
			return res;
		if (PQntuples(r) == 0) {
			PQclear(r);
			continue;
		}
		snprintf(id_out, 37, "%s", PQgetvalue(r, 0, 0));
		*deliveries = strtol(PQgetvalue(r, 0, 1), NULL, 10);
		*created = strcmp(PQgetvalue(r, 0, 2), "t") == 0;
		*same_request = strcmp(PQgetvalue(r, 0, 3), request_hash) == 0;
		PQclear(r);
		return STORE_OK;
	}
	snprintf(err, errlen, "idempotency key raced three times");
	return STORE_ERROR;
}

/* An int[] literal such as {4,60,100}. */
static void
int_array(struct buf *b, const int *v, size_t n)
{
	size_t i;

	buf_reset(b);
	buf_putc(b, '{');
	for (i = 0; i < n; i++)
		buf_printf(b, "%s%d", i ? "," : "", v[i]);
	buf_putc(b, '}');
}

enum store_result
store_claim(struct store *s, const char *worker, long batch, long lease_seconds,
    const int *limits, const int *windows, size_t nlimits, struct claimed **out, size_t *n,
    char *err, size_t errlen)
{
	char batch_s[24], lease_s[24];
	struct buf lim, win;
	const char *params[5];
	enum store_result res;
	PGresult *r;
	int i, rows;

	*out = NULL;
	*n = 0;
	buf_init(&lim);
	buf_init(&win);
	int_array(&lim, limits, nlimits);
	int_array(&win, windows, nlimits);
	snprintf(batch_s, sizeof(batch_s), "%ld", batch);
	snprintf(lease_s, sizeof(lease_s), "%ld", lease_seconds);
	params[0] = worker;
	params[1] = batch_s;
	params[2] = lease_s;
	params[3] = lim.data;
	params[4] = win.data;
	r = store_exec(s, STMT_CLAIM, 5, params, &res, err, errlen);
	buf_free(&lim);
	buf_free(&win);
	if (r == NULL)
		return res;
	rows = PQntuples(r);
	if (rows > 0)
		*out = xcalloc((size_t)rows, sizeof(**out));
	for (i = 0; i < rows; i++) {
		struct claimed *c = &(*out)[i];

		c->id = strtoll(PQgetvalue(r, i, 0), NULL, 10);
		c->attempt = (int)strtol(PQgetvalue(r, i, 1), NULL, 10);
		snprintf(c->entity_id, sizeof(c->entity_id), "%s", PQgetvalue(r, i, 2));
		c->webhook_url = xstrdup(PQgetvalue(r, i, 3));
		c->workflow = strcmp(PQgetvalue(r, i, 4), "workflow") == 0;
		c->payload = xstrdup(PQgetvalue(r, i, 5));
		snprintf(c->notification_id, sizeof(c->notification_id), "%s",
		    PQgetvalue(r, i, 6));
	}
	*n = (size_t)rows;
	PQclear(r);
	return STORE_OK;
}

void
store_claimed_free(struct claimed *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(c[i].webhook_url);
		free(c[i].payload);
	}
	free(c);
}

void
array_text(struct buf *b, const char *v)
{
	if (v == NULL) {
		buf_puts(b, "NULL");
		return;
	}
	buf_putc(b, '"');
	for (; *v != '\0'; v++) {
		if (*v == '"' || *v == '\\')
			buf_putc(b, '\\');
		buf_putc(b, *v);
	}
	buf_putc(b, '"');
}

enum store_result
store_record(struct store *s, const struct attempt_record *a, size_t n, const char *worker,
    char *err, size_t errlen)
{
	struct buf col[9];
	const char *params[10];
	enum store_result res;
	PGresult *r;
	size_t i, k;

	if (n == 0)
		return STORE_OK;
	for (k = 0; k < 9; k++) {
		buf_init(&col[k]);
		buf_putc(&col[k], '{');
	}
	for (i = 0; i < n; i++) {
		const char *sep = i ? "," : "";

		buf_printf(&col[0], "%s%lld", sep, a[i].id);
		buf_printf(&col[1], "%s%d", sep, a[i].attempt);
		buf_puts(&col[2], sep);
		array_text(&col[2], a[i].outcome);
		buf_printf(&col[3], "%s%ld", sep, a[i].http_status);
		buf_puts(&col[4], sep);
		array_text(&col[4], a[i].excerpt);
		buf_printf(&col[5], "%s%ld", sep, a[i].duration_ms);
		buf_puts(&col[6], sep);
		array_text(&col[6], a[i].error);
		buf_puts(&col[7], sep);
		array_text(&col[7], a[i].state);
		buf_printf(&col[8], "%s%.3f", sep, a[i].delay);
	}
	for (k = 0; k < 9; k++) {
		buf_putc(&col[k], '}');
		params[k] = col[k].data;
	}
	params[9] = worker;
	r = store_exec(s, STMT_RECORD, 10, params, &res, err, errlen);
	for (k = 0; k < 9; k++)
		buf_free(&col[k]);
	if (r == NULL)
		return res;
	PQclear(r);
	return STORE_OK;
}

enum store_result
store_disable(struct store *s, const char *entity_id, const char *reason, char *err,
    size_t errlen)
{
	const char *params[2] = { entity_id, reason };
	enum store_result res;
	PGresult *r;

	if ((r = store_exec(s, STMT_DISABLE, 2, params, &res, err, errlen)) == NULL)
		return res;
	PQclear(r);
	return STORE_OK;
}

enum store_result
store_sends_cleanup(struct store *s, long older, char *err, size_t errlen)
{
	char secs[24];
	const char *params[1] = { secs };
	enum store_result res;
	PGresult *r;

	snprintf(secs, sizeof(secs), "%ld", older);
	if ((r = store_exec(s, STMT_SENDS_CLEANUP, 1, params, &res, err, errlen)) == NULL)
		return res;
	PQclear(r);
	return STORE_OK;
}

bool
store_listen(struct store *s, char *err, size_t errlen)
{
	PGconn *c = store_conn(s, err, errlen);
	PGresult *r;
	bool ok;

	if (c == NULL)
		return false;
	r = PQexec(c, "LISTEN deliveries");
	ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		store_errmsg(PQresultErrorMessage(r), err, errlen);
	PQclear(r);
	return ok;
}

int
store_socket(struct store *s)
{
	return s->conn != NULL ? PQsocket(s->conn) : -1;
}

int
store_consume_notifies(struct store *s)
{
	PGnotify *n;
	int count = 0;

	if (s->conn == NULL || PQconsumeInput(s->conn) == 0 || PQstatus(s->conn) != CONNECTION_OK)
		return -1;
	while ((n = PQnotifies(s->conn)) != NULL) {
		count++;
		PQfreemem(n);
	}
	return count;
}

/* Runs a query for metrics or operators; NULL with err on failure. */
static PGresult *
query(struct store *s, const char *sql, int nparams, const char *const *params,
    enum store_result *res, char *err, size_t errlen)
{
	PGconn *c = store_conn(s, err, errlen);
	PGresult *r;

	if (c == NULL) {
		*res = STORE_UNAVAILABLE;
		return NULL;
	}
	r = PQexecParams(c, sql, nparams, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK) {
		store_errmsg(PQresultErrorMessage(r), err, errlen);
		*res = PQstatus(c) == CONNECTION_OK ? STORE_ERROR : STORE_UNAVAILABLE;
		PQclear(r);
		return NULL;
	}
	*res = STORE_OK;
	return r;
}

enum store_result
store_metrics(struct store *s, struct buf *out, char *err, size_t errlen)
{
	static const char *const states[] = { "pending", "delivered", "failed", "dead",
	    "cancelled" };
	static const int buckets[] = { 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000 };
	enum store_result res;
	PGresult *r;
	size_t i;
	int row, j;

	r = query(s, "SELECT state, count(*) FROM deliveries GROUP BY state", 0, NULL, &res, err,
	    errlen);
	if (r == NULL)
		return res;
	buf_puts(out, "# HELP connector_deliveries Deliveries by state.\n"
	    "# TYPE connector_deliveries gauge\n");
	for (i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		const char *v = "0";

		for (row = 0; row < PQntuples(r); row++)
			if (strcmp(PQgetvalue(r, row, 0), states[i]) == 0)
				v = PQgetvalue(r, row, 1);
		buf_printf(out, "connector_deliveries{state=\"%s\"} %s\n", states[i], v);
	}
	PQclear(r);

	r = query(s, "SELECT outcome, count(*), coalesce(sum(duration_ms), 0),"
	    " count(*) FILTER (WHERE duration_ms <= 50), count(*) FILTER (WHERE duration_ms <= 100),"
	    " count(*) FILTER (WHERE duration_ms <= 250), count(*) FILTER (WHERE duration_ms <= 500),"
	    " count(*) FILTER (WHERE duration_ms <= 1000), count(*) FILTER (WHERE duration_ms <= 2500),"
	    " count(*) FILTER (WHERE duration_ms <= 5000), count(*) FILTER (WHERE duration_ms <= 10000),"
	    " count(*) FILTER (WHERE duration_ms <= 30000)"
	    " FROM delivery_attempts GROUP BY outcome ORDER BY outcome", 0, NULL, &res, err, errlen);
	if (r == NULL)
		return res;
	buf_puts(out, "# HELP connector_delivery_attempts_total Attempts by outcome.\n"
	    "# TYPE connector_delivery_attempts_total counter\n");
	for (row = 0; row < PQntuples(r); row++)
		buf_printf(out, "connector_delivery_attempts_total{outcome=\"%s\"} %s\n",
		    PQgetvalue(r, row, 0), PQgetvalue(r, row, 1));
	buf_puts(out, "# HELP connector_delivery_attempt_duration_seconds Time to Teams' answer.\n"
	    "# TYPE connector_delivery_attempt_duration_seconds histogram\n");
	{
		long long cum[9] = { 0 }, count = 0, sum_ms = 0;

		for (row = 0; row < PQntuples(r); row++) {
			count += strtoll(PQgetvalue(r, row, 1), NULL, 10);
			sum_ms += strtoll(PQgetvalue(r, row, 2), NULL, 10);
			for (j = 0; j < 9; j++)
				cum[j] += strtoll(PQgetvalue(r, row, 3 + j), NULL, 10);
		}
		for (j = 0; j < 9; j++)
			buf_printf(out, "connector_delivery_attempt_duration_seconds_bucket"
			    "{le=\"%g\"} %lld\n", buckets[j] / 1000.0, cum[j]);
		buf_printf(out, "connector_delivery_attempt_duration_seconds_bucket{le=\"+Inf\"} "
		    "%lld\n", count);
		buf_printf(out, "connector_delivery_attempt_duration_seconds_sum %.3f\n",
		    sum_ms / 1000.0);
		buf_printf(out, "connector_delivery_attempt_duration_seconds_count %lld\n", count);
	}
	PQclear(r);

	r = query(s, "SELECT count(*) FILTER (WHERE next_attempt_at <= now()),"
	    " coalesce(extract(epoch FROM now() - min(created_at)), 0)"
	    " FROM deliveries WHERE state = 'pending'", 0, NULL, &res, err, errlen);
	if (r == NULL)
		return res;
	buf_printf(out, "# HELP connector_queue_due Pending deliveries due now.\n"
	    "# TYPE connector_queue_due gauge\nconnector_queue_due %s\n"
	    "# HELP connector_oldest_pending_age_seconds Age of the oldest pending delivery.\n"
	    "# TYPE connector_oldest_pending_age_seconds gauge\n"
	    "connector_oldest_pending_age_seconds %.3f\n", PQgetvalue(r, 0, 0),
	    strtod(PQgetvalue(r, 0, 1), NULL));
	PQclear(r);

	/* Card button clicks, and their forwarding to the owning service. */
	r = query(s, "SELECT (SELECT count(*) FROM card_actions),"
	    " count(*) FILTER (WHERE state = 'pending'), count(*) FILTER (WHERE state = 'delivered'),"
	    " count(*) FILTER (WHERE state = 'failed'), count(*) FILTER (WHERE state = 'dead')"
	    " FROM action_callbacks", 0, NULL, &res, err, errlen);
	if (r == NULL)
		return res;
	buf_printf(out, "# HELP connector_card_actions_total Verified clicks on card buttons.\n"
	    "# TYPE connector_card_actions_total counter\nconnector_card_actions_total %s\n"
	    "# HELP connector_action_callbacks Clicks forwarded to the owning service, by state.\n"
	    "# TYPE connector_action_callbacks gauge\n", PQgetvalue(r, 0, 0));
	for (j = 1; j <= 4; j++)
		buf_printf(out, "connector_action_callbacks{state=\"%s\"} %s\n", states[j - 1],
		    PQgetvalue(r, 0, j));
	PQclear(r);
	return STORE_OK;
}

enum store_result
store_deliveries_list(struct store *s, const char *state, long limit, FILE *out, char *err,
    size_t errlen)
{
	char lim[24];
	const char *params[2] = { state, lim };
	enum store_result res;
	PGresult *r;
	int i;

	snprintf(lim, sizeof(lim), "%ld", limit);
	/* Only scheme and host of a webhook URL: the rest is the secret. */
	r = query(s, "SELECT d.id, d.state, d.attempts, coalesce(d.last_status::text, '-'),"
	    " to_char(d.next_attempt_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
	    " d.entity_id, c.webhook_kind,"
	    " substring(c.webhook_url FROM '^[a-z]+://[^/]+') || '/...',"
	    " coalesce(d.last_error, '')"
	    " FROM deliveries d JOIN configurations c ON c.entity_id = d.entity_id"
	    " WHERE ($1::text IS NULL OR d.state = $1) ORDER BY d.id DESC LIMIT $2::integer",
	    2, params, &res, err, errlen);
	if (r == NULL)
		return res;
	fprintf(out, "%-8s %-10s %-8s %-6s %-21s %-36s %-9s %-40s %s\n", "id", "state",
	    "attempts", "status", "next_attempt", "entity", "kind", "webhook", "last_error");
	for (i = 0; i < PQntuples(r); i++)
		fprintf(out, "%-8s %-10s %-8s %-6s %-21s %-36s %-9s %-40s %s\n",
		    PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
		    PQgetvalue(r, i, 3), PQgetvalue(r, i, 4), PQgetvalue(r, i, 5),
		    PQgetvalue(r, i, 6), PQgetvalue(r, i, 7), PQgetvalue(r, i, 8));
	PQclear(r);
	return STORE_OK;
}

enum store_result
store_deliveries_replay(struct store *s, enum replay_what what, const char *arg, long *count,
    char *err, size_t errlen)
{
	static const char *const sql[] = {
		[REPLAY_ID] = "UPDATE deliveries d SET state = 'pending', next_attempt_at = now(),"
		    " attempts = 0, lease_until = NULL, leased_by = NULL"
		    " FROM configurations c WHERE c.entity_id = d.entity_id"
		    " AND c.disabled_at IS NULL AND d.id = $1::bigint AND d.state <> 'pending'",
		[REPLAY_DEAD] = "UPDATE deliveries d SET state = 'pending', next_attempt_at = now(),"
		    " attempts = 0, lease_until = NULL, leased_by = NULL"
		    " FROM configurations c WHERE c.entity_id = d.entity_id"
		    " AND c.disabled_at IS NULL AND d.state = 'dead' AND $1::text IS NULL",
		[REPLAY_SINCE] = "UPDATE deliveries d SET state = 'pending', next_attempt_at = now(),"
		    " attempts = 0, lease_until = NULL, leased_by = NULL"
		    " FROM configurations c WHERE c.entity_id = d.entity_id"
		    " AND c.disabled_at IS NULL AND d.state IN ('failed', 'dead')"
		    " AND d.created_at >= $1::timestamptz",
	};
	const char *params[1] = { arg };
	enum store_result res;
	PGresult *r;

	if ((r = query(s, sql[what], 1, params, &res, err, errlen)) == NULL)
		return res;
	*count = strtol(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	if (*count > 0)
		PQclear(PQexec(s->conn, "NOTIFY deliveries"));
	return STORE_OK;
}
