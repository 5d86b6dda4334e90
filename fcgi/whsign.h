/* whsign.h: Standard Webhooks signatures (webhook-id, webhook-timestamp, webhook-signature). */
#ifndef CONNECTOR_WHSIGN_H
#define CONNECTOR_WHSIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "v1," + base64 of 32 bytes + NUL. */
#define WHSIGN_MAX 48

/*
 * Signs "<id>.<timestamp>.<body>" with HMAC-SHA256 keyed by the base64 part of a
 * "whsec_<base64>" secret, writing "v1,<base64 MAC>" to out. False when the secret is not one.
 */
bool	whsign(const char *secret, const char *id, int64_t timestamp, const char *body,
	    size_t len, char out[WHSIGN_MAX]);

#endif
