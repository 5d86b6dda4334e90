/* store.h: every database operation by name; the only door to PostgreSQL. */
#ifndef CONNECTOR_STORE_H
#define CONNECTOR_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct store;

/* Connects lazily: creating a store never fails for a database that is down. */
struct store	*store_new(const char *conninfo, long connect_timeout, const char *app_name);
void		 store_free(struct store *);
/* Round trip to the database, reconnecting if the connection was lost. */
bool		 store_ping(struct store *, char *err, size_t errlen);

/* Migrations (numbered files in a directory); see migrate.h for the files themselves. */
struct migration_set;
/* Prints applied and pending migrations to out; false (with err) when they disagree. */
bool		 store_migrate_status(struct store *, const struct migration_set *, FILE *out,
		    char *err, size_t errlen);
/* Applies pending migrations in order, each in its own transaction, under an advisory lock. */
bool		 store_migrate_apply(struct store *, const struct migration_set *, FILE *out,
		    char *err, size_t errlen);

#endif
