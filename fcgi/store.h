/* store.h: every database operation by name; the only door to PostgreSQL. */
#ifndef CONNECTOR_STORE_H
#define CONNECTOR_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct store;
struct arena;
struct buf;
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

/* STORE_OK when the configuration exists (active or not), else STORE_NOT_FOUND. */
enum store_result store_config_exists(struct store *, const char *entity_id, char *err,
		    size_t errlen);

/*
 * Records a notification and one delivery per active configuration subscribed to event (only
 * entity_id's when given), in one statement. When the idempotency key was used before, nothing
 * is created and the first answer comes back: *created false, *same_request whether the
 * request hash matches the first one.
 */
enum store_result store_notify_ingest(struct store *, const char *idempotency_key,
		    const char *event, const char *entity_id, const char *payload_json,
		    const char *request_hash, char id_out[37], long *deliveries, bool *created,
		    bool *same_request, char *err, size_t errlen);

/* A delivery leased to this worker, with what it takes to send it (malloc'd strings). */
struct claimed {
	long long  id;
	int        attempt;	/* 1 for the first */
	char       entity_id[37];
	char       notification_id[37];	/* signs the card's httpPost buttons for this delivery */
	char      *webhook_url;	/* secret */
	int        workflow;	/* 1: Workflows webhook, 0: connector */
	char      *payload;	/* notification payload JSON */
};

/* Leases up to batch due deliveries within every webhook's rate limits. */
enum store_result store_claim(struct store *, const char *worker, long batch, long lease_seconds,
		    const int *limits, const int *windows, size_t nlimits, struct claimed **out,
		    size_t *n, char *err, size_t errlen);
void		 store_claimed_free(struct claimed *, size_t);

/* One attempt's result, and the delivery's new state. */
struct attempt_record {
	long long   id;
	int         attempt;
	const char *outcome;	/* delivered, retry, throttled, gone, failed */
	long        http_status;
	const char *excerpt;	/* may be NULL */
	long        duration_ms;
	const char *error;	/* may be NULL */
	const char *state;	/* delivered, pending, failed, dead, cancelled */
	double      delay;	/* seconds until the next attempt when pending */
};
/* Records n attempts of one worker in one statement and one commit. */
enum store_result store_record(struct store *, const struct attempt_record *, size_t n,
		    const char *worker, char *err, size_t errlen);
/* Disables a configuration whose webhook is gone and ends its pending deliveries. */
enum store_result store_disable(struct store *, const char *entity_id, const char *reason,
		    char *err, size_t errlen);
/* Forgets sends older than any rate window. */
enum store_result store_sends_cleanup(struct store *, long older_than_seconds, char *err,
		    size_t errlen);

/* A verified click on a card button, as POST /Connector/Action received it. */
struct card_action {
	const char *notification_id;
	const char *entity_id;
	const char *action_id;
	const char *user_id;	/* the token's sub */
	const char *tenant_id;	/* "" when the token has none */
	const char *input;	/* NULL: the action has no input */
};
/*
 * Records a click, and queues it for forwarding when forward is true. STORE_NOT_FOUND when the
 * notification or the configuration no longer exists (nothing recorded). On STORE_OK, id_out
 * is the new action's id and *payload the notification payload JSON (malloc'd).
 */
enum store_result store_action_record(struct store *, const struct card_action *, bool forward,
		    char id_out[37], char **payload, char *err, size_t errlen);

/* A click leased to this worker for forwarding (malloc'd body). */
struct claimed_callback {
	char   id[37];		/* card_actions.id: the webhook-id */
	int    attempt;
	char  *body;		/* the JSON to forward, the same bytes on every attempt */
};
enum store_result store_callbacks_claim(struct store *, const char *worker, long batch,
		    long lease_seconds, struct claimed_callback **out, size_t *n, char *err,
		    size_t errlen);
void		 store_claimed_callbacks_free(struct claimed_callback *, size_t);

/* One forwarding attempt's result. */
struct callback_record {
	const char *id;
	int         attempt;
	long        http_status;
	const char *error;	/* may be NULL */
	const char *state;	/* delivered, pending, failed, dead */
	double      delay;	/* seconds until the next attempt when pending */
};
enum store_result store_callbacks_record(struct store *, const struct callback_record *,
		    size_t n, const char *worker, char *err, size_t errlen);

/* LISTEN on the deliveries channel; the socket to poll; pending notifications consumed. */
bool		 store_listen(struct store *, char *err, size_t errlen);
int		 store_socket(struct store *);
/* Reads what arrived on the socket: the number of notifications, or -1 if the link is down. */
int		 store_consume_notifies(struct store *);

/* Prometheus text for /metrics (deliveries by state and outcome, latency, queue). */
enum store_result store_metrics(struct store *, struct buf *out, char *err, size_t errlen);

/* connectorctl deliveries: a table by state (webhook URLs redacted to scheme://host/...). */
enum store_result store_deliveries_list(struct store *, const char *state, long limit, FILE *out,
		    char *err, size_t errlen);
enum replay_what { REPLAY_ID, REPLAY_DEAD, REPLAY_SINCE };
/* Puts deliveries back to pending, due now; *count says how many. */
enum store_result store_deliveries_replay(struct store *, enum replay_what, const char *arg,
		    long *count, char *err, size_t errlen);

/* Migrations (numbered files in a directory); see migrate.h for the files themselves. */
struct migration_set;
/* Prints applied and pending migrations to out; false (with err) when they disagree. */
bool		 store_migrate_status(struct store *, const struct migration_set *, FILE *out,
		    char *err, size_t errlen);
/* Applies pending migrations in order, each in its own transaction, under an advisory lock. */
bool		 store_migrate_apply(struct store *, const struct migration_set *, FILE *out,
		    char *err, size_t errlen);

#endif
