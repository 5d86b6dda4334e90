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

/* A connection that is up, or NULL with a message. */
PGconn	*store_conn(struct store *, char *err, size_t errlen);
/* The first line of libpq's last message, for logs and operators (never holds a password). */
void	 store_errmsg(const char *msg, char *err, size_t errlen);

#endif
