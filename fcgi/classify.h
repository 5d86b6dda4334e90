/* classify.h: what a Teams webhook's answer means for a delivery, and when to try again; pure. */
#ifndef CONNECTOR_CLASSIFY_H
#define CONNECTOR_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>

#include "validate.h"

enum outcome {
	OUTCOME_DELIVERED,	/* Teams took the card */
	OUTCOME_RETRY,		/* transient: 5xx, timeout, connection error, unknown 200 body */
	OUTCOME_THROTTLED,	/* 429 (real, or inside a connector's 200 body): retry, slowly */
	OUTCOME_GONE,		/* 410/404: the webhook was removed; disable the configuration */
	OUTCOME_FAILED,		/* permanent: other 4xx, refused address; never retried */
};

struct answer {
	long        http_status;	/* 0 when no HTTP answer came (transport error) */
	const char *body;		/* may be NULL; need not be NUL-terminated within body_len */
	size_t      body_len;
	long        retry_after;	/* seconds from a Retry-After header, -1 if none */
	int         transport_error;	/* 0, or a non-zero code when the request failed in transport */
	bool        address_refused;	/* the resolved address was not allowed (SSRF guard) */
};

struct verdict {
	enum outcome outcome;
	long         embedded_status;	/* "HTTP error NNN" found in a connector's 200 body, or 0 */
	char         reason[160];	/* short, for last_error: never holds the URL */
};

/*
 * Connector webhooks: 200 with body "1" is delivered; 200 with another body is a failure whose
 * embedded "HTTP error NNN" decides (429 throttled, 5xx and 408 retry, 404/410 gone, other 4xx
 * failed; none found, or 1xx-3xx: retry). Workflows: 200 and 202 are delivered. Both: 429
 * throttled, 5xx, 408 and transport errors retry, an unexpected 2xx retries, 404/410 gone,
 * other 4xx, 3xx (never followed), 1xx and 600+ failed; a refused address fails.
 */
void	classify_answer(enum webhook_kind, const struct answer *, struct verdict *);

/* The status NNN (100-599, exactly three digits) of the first "HTTP error NNN" in a text, or 0. */
long	embedded_http_error(const char *body, size_t len);

struct retry_policy {
	long base_seconds;	/* first retry delay */
	long max_seconds;	/* cap of the exponential delay */
	long throttle_min;	/* at least this after a throttle (60) */
	int  max_attempts;	/* after this many attempts, dead */
};

/*
 * Delay before the next attempt after `attempts` attempts (1 = the first failed), with
 * +-20% jitter from `jitter` (a uniform value in [0,1)), at least Retry-After when given,
 * and at least throttle_min after a throttle. Returns -1 when no attempt is left.
 */
long	retry_delay(const struct retry_policy *, enum outcome, int attempts, long retry_after,
	    double jitter);

#endif
