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
