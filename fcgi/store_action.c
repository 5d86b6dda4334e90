/* store_action.c: card button clicks: recording them and the outbox that forwards them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"
#include "util.h"

enum store_result
store_action_record(struct store *s, const struct card_action *a, bool forward, char id_out[37],
    char **payload, char *err, size_t errlen)
{
	const char *params[7] = { a->notification_id, a->entity_id, a->action_id, a->user_id,
	    a->tenant_id, a->input, forward ? "true" : "false" };
	enum store_result res;
	PGresult *r;

	*payload = NULL;
	id_out[0] = '\0';
	if ((r = store_exec(s, STMT_ACTION_RECORD, 7, params, &res, err, errlen)) == NULL)
		return res;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return STORE_NOT_FOUND;
	}
	snprintf(id_out, 37, "%s", PQgetvalue(r, 0, 0));
	*payload = xstrdup(PQgetvalue(r, 0, 1));
	PQclear(r);
	return STORE_OK;
}

enum store_result
store_callbacks_claim(struct store *s, const char *worker, long batch, long lease_seconds,
    struct claimed_callback **out, size_t *n, char *err, size_t errlen)
{
	char batch_s[24], lease_s[24];
	const char *params[3] = { worker, batch_s, lease_s };
	enum store_result res;
	PGresult *r;
	int i, rows;

	*out = NULL;
	*n = 0;
	snprintf(batch_s, sizeof(batch_s), "%ld", batch);
	snprintf(lease_s, sizeof(lease_s), "%ld", lease_seconds);
	if ((r = store_exec(s, STMT_CALLBACK_CLAIM, 3, params, &res, err, errlen)) == NULL)
		return res;
	rows = PQntuples(r);
	if (rows > 0)
		*out = xcalloc((size_t)rows, sizeof(**out));
	for (i = 0; i < rows; i++) {
		struct claimed_callback *c = &(*out)[i];

		snprintf(c->id, sizeof(c->id), "%s", PQgetvalue(r, i, 0));
		c->attempt = (int)strtol(PQgetvalue(r, i, 1), NULL, 10);
		c->body = xstrdup(PQgetvalue(r, i, 2));
	}
	*n = (size_t)rows;
	PQclear(r);
	return STORE_OK;
}

void
store_claimed_callbacks_free(struct claimed_callback *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(c[i].body);
	free(c);
}

enum store_result
store_callbacks_record(struct store *s, const struct callback_record *a, size_t n,
    const char *worker, char *err, size_t errlen)
{
	struct buf col[6];
	const char *params[7];
	enum store_result res;
	PGresult *r;
	size_t i, k;

	if (n == 0)
		return STORE_OK;
	for (k = 0; k < 6; k++) {
		buf_init(&col[k]);
		buf_putc(&col[k], '{');
	}
	for (i = 0; i < n; i++) {
		const char *sep = i ? "," : "";

		buf_puts(&col[0], sep);
		array_text(&col[0], a[i].id);
		buf_printf(&col[1], "%s%d", sep, a[i].attempt);
		buf_printf(&col[2], "%s%ld", sep, a[i].http_status);
		buf_puts(&col[3], sep);
		array_text(&col[3], a[i].error);
		buf_puts(&col[4], sep);
		array_text(&col[4], a[i].state);
		buf_printf(&col[5], "%s%.3f", sep, a[i].delay);
	}
	for (k = 0; k < 6; k++) {
		buf_putc(&col[k], '}');
		params[k] = col[k].data;
	}
	params[6] = worker;
	r = store_exec(s, STMT_CALLBACK_RECORD, 7, params, &res, err, errlen);
	for (k = 0; k < 6; k++)
		buf_free(&col[k]);
	if (r == NULL)
		return res;
	PQclear(r);
	return STORE_OK;
}
