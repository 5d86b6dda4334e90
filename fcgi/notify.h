/* notify.h: accepting a notification, the same for the API and connectorctl send. */
#ifndef CONNECTOR_NOTIFY_H
#define CONNECTOR_NOTIFY_H

#include <stddef.h>

struct config;
struct notify_input;
struct store;

enum notify_status {
	NOTIFY_CREATED,
	NOTIFY_REPLAYED,		/* the key was used before with the same request */
	NOTIFY_TOO_LARGE,		/* no card can be made to fit */
	NOTIFY_UNKNOWN_ENTITY,
	NOTIFY_KEY_REUSED,		/* the key was used before with another request */
	NOTIFY_UNAVAILABLE,		/* the database cannot be reached */
	NOTIFY_ERROR,
};

/*
 * Checks that both card formats fit (with actions as the worker renders them for cfg), then records the notification and its deliveries
 * (or finds the first answer for its idempotency key). id and deliveries are set for
 * NOTIFY_CREATED and NOTIFY_REPLAYED; err explains the last two statuses.
 */
enum notify_status notify_submit(struct store *, const struct config *,
		    const struct notify_input *, char id[37], long *deliveries, char *err,
		    size_t errlen);

#endif
