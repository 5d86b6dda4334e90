/* store.h: every database operation by name; the only door to PostgreSQL. */
#ifndef CONNECTOR_STORE_H
#define CONNECTOR_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct store;
struct arena;
struct save_input;

/* Outcomes every named operation reports; handlers map them to HTTP statuses. */
enum store_result {
	STORE_OK,
	STORE_NOT_FOUND,
	STORE_MISMATCH,		/* the webhook URL given is not the stored one */
	STORE_UNAVAILABLE,	/* no database connection: 503 and retry */
	STORE_ERROR,		/* the statement failed: a bug or a constraint; 500 */
};

struct stored_config {
	char        *config_name;
	const char **events;
	size_t       nevents;
	char        *disabled_reason;	/* NULL while active */
};

/* Connects lazily: creating a store never fails for a database that is down. */
struct store	*store_new(const char *conninfo, long connect_timeout, const char *app_name);
void		 store_free(struct store *);
/* Round trip to the database, reconnecting if the connection was lost. */
bool		 store_ping(struct store *, char *err, size_t errlen);

/*
 * Saves a configuration: inserts it, or updates it when the stored webhook URL is the one
 * given (STORE_MISMATCH otherwise, and nothing changes). *created says which.
 */
enum store_result store_config_upsert(struct store *, const struct save_input *, bool *created,
		    char *err, size_t errlen);
/* Reads what the Edit page shows (never the webhook URL or user); strings in the arena. */
enum store_result store_config_get(struct store *, struct arena *, const char *entity_id,
		    struct stored_config *, char *err, size_t errlen);
/* Deletes a configuration if webhook_url matches the stored one. */
enum store_result store_config_remove(struct store *, const char *entity_id,
		    const char *webhook_url, char *err, size_t errlen);

/* Migrations (numbered files in a directory); see migrate.h for the files themselves. */
struct migration_set;
/* Prints applied and pending migrations to out; false (with err) when they disagree. */
bool		 store_migrate_status(struct store *, const struct migration_set *, FILE *out,
		    char *err, size_t errlen);
/* Applies pending migrations in order, each in its own transaction, under an advisory lock. */
bool		 store_migrate_apply(struct store *, const struct migration_set *, FILE *out,
		    char *err, size_t errlen);

#endif
