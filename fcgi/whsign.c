/* whsign.c: Standard Webhooks signatures, so owners verify forwarded clicks with stock libraries. */
#include "whsign.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sha256.h"
#include "util.h"

bool
whsign(const char *secret, const char *id, int64_t timestamp, const char *body, size_t len,
    char out[WHSIGN_MAX])
{
	unsigned char key[b64_decoded_max(128)], mac[32];
	size_t klen, slen;
	struct buf msg;

	out[0] = '\0';
	if (strncmp(secret, "whsec_", 6) != 0 || (slen = strlen(secret + 6)) > 128 ||
	    !b64_decode(secret + 6, slen, false, key, &klen) || klen == 0)
		return false;
	buf_init(&msg);
	buf_printf(&msg, "%s.%" PRId64 ".", id, timestamp);
	buf_append(&msg, body, len);
	hmac_sha256(key, klen, msg.data, msg.len, mac);
	buf_free(&msg);
	memcpy(out, "v1,", 3);
	b64_encode(mac, sizeof(mac), false, out + 3);
	return true;
}
