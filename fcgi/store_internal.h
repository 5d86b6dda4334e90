/* store_internal.h: what the store's own files share (the connection); never included elsewhere. */
#ifndef CONNECTOR_STORE_INTERNAL_H
#define CONNECTOR_STORE_INTERNAL_H

#include <libpq-fe.h>

#include "store.h"

struct store {
	char      *conninfo;
	char       timeout[16];
	char      *app_name;
	PGconn    *conn;
	unsigned   prepared;	/* bit i: statement i is prepared on this connection */
};

/* The prepared statements, by index; their SQL lives in store.c. */
enum stmt {
	STMT_CONFIG_UPSERT,
	STMT_CONFIG_GET,
	STMT_CONFIG_REMOVE,
	STMT_CONFIG_EXISTS,
	STMT_NOTIFY_INGEST,
	STMT_CLAIM,
	STMT_RECORD,
	STMT_DISABLE,
	STMT_SENDS_CLEANUP,
	STMT_ACTION_RECORD,
	STMT_CALLBACK_CLAIM,
	STMT_CALLBACK_RECORD,
	STMT__MAX
};

/*
 * Runs a prepared statement (preparing it on first use on this connection). A connection
 * found dead is replaced and the statement tried once more, so a database restart costs no
 * request. Returns the result (caller clears) or NULL with *res set to UNAVAILABLE/ERROR.
 */
PGresult *store_exec(struct store *, enum stmt, int nparams, const char *const *params,
	    enum store_result *res, char *err, size_t errlen);

/* Appends an element of a PostgreSQL array literal: NULL, or quoted with " and \ escaped. */
struct buf;
void	 array_text(struct buf *, const char *);

/* A connection that is up, or NULL with a message. */
PGconn	*store_conn(struct store *, char *err, size_t errlen);
/* The first line of libpq's last message, for logs and operators (never holds a password). */
void	 store_errmsg(const char *msg, char *err, size_t errlen);

#endif
