/* csrf.h: stateless CSRF tokens for the configuration page: expiry, nonce and an HMAC over both. */
#ifndef CONNECTOR_CSRF_H
#define CONNECTOR_CSRF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CSRF_TOKEN_LEN 128	/* "<expiry>.<32 hex>.<64 hex>" and the NUL fit with room */

/* Makes a token valid until now + ttl seconds. */
bool	csrf_make(const char *secret, int64_t now, long ttl, char out[CSRF_TOKEN_LEN]);
/* True when the token was made with secret and has not expired (nor lies too far ahead). */
bool	csrf_check(const char *secret, int64_t now, long ttl, const char *token);

#endif
