/* fuzz_classify.c: fuzzes how a webhook's answer is read, and the retry delay that follows. */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "harness.h"

/*
 * Input: 2 bytes HTTP status (offset so 0 and negatives come up), 4 bytes Retry-After,
 * 1 byte transport error, 1 byte flags (1: address refused, 2: no body), 4 bytes attempts,
 * 8 bytes jitter (raw double), 4 x 4 bytes retry policy, then the answer body.
 */

static void
check_verdict(const struct verdict *v, const struct answer *a, enum webhook_kind kind)
{
	const char *p;

	FZ_CHECK(v->outcome >= OUTCOME_DELIVERED && v->outcome <= OUTCOME_FAILED);
	FZ_CHECK(v->embedded_status == 0 ||
	    (v->embedded_status >= 100 && v->embedded_status <= 599));
	/* The reason goes to last_error and the log: short, printable, one line. */
	FZ_CHECK(fz_terminated(v->reason, sizeof(v->reason)) && v->reason[0] != '\0');
	for (p = v->reason; *p != '\0'; p++)
		FZ_CHECK(*p >= 0x20 && *p < 0x7f);
	if (a->address_refused) {
		FZ_CHECK(v->outcome == OUTCOME_FAILED);
		return;
	}
	if (a->transport_error != 0 || a->http_status <= 0) {
		FZ_CHECK(v->outcome == OUTCOME_RETRY);
		return;
	}
	if (v->outcome == OUTCOME_DELIVERED)
		FZ_CHECK(a->http_status == 200 || (kind == WEBHOOK_WORKFLOW && a->http_status == 202));
	if (a->http_status == 429)
		FZ_CHECK(v->outcome == OUTCOME_THROTTLED);
	if (a->http_status == 404 || a->http_status == 410)
		FZ_CHECK(v->outcome == OUTCOME_GONE);
	if (a->http_status >= 500 && a->http_status <= 599)
		FZ_CHECK(v->outcome == OUTCOME_RETRY);
	if (a->http_status >= 300 && a->http_status <= 399)
		FZ_CHECK(v->outcome == OUTCOME_FAILED);
	if (kind == WEBHOOK_WORKFLOW && (a->http_status == 200 || a->http_status == 202))
		FZ_CHECK(v->outcome == OUTCOME_DELIVERED);
	if (kind == WEBHOOK_CONNECTOR && a->http_status == 200 && a->body != NULL &&
	    a->body_len == 1 && a->body[0] == '1')
		FZ_CHECK(v->outcome == OUTCOME_DELIVERED);
}

static void
check_embedded(const char *body, size_t len)
{
	long status = embedded_http_error(body, len);
	char want[16];
	size_t i, n;
	bool found = false;

	FZ_CHECK(status == 0 || (status >= 100 && status <= 599));
	if (status == 0)
		return;
	/* It was really there, within len, as exactly three digits. */
	n = (size_t)snprintf(want, sizeof(want), "HTTP error %ld", status);
	for (i = 0; !found && len >= n && i <= len - n; i++)
		if (memcmp(body + i, want, n) == 0 &&
		    (i + n == len || body[i + n] < '0' || body[i + n] > '9'))
			found = true;
	FZ_CHECK(found);
}

static void
check_delay(const struct retry_policy *pol, enum outcome o, int attempts, long retry_after,
    double jitter)
{
	long d = retry_delay(pol, o, attempts, retry_after, jitter);
	long cap = pol->max_seconds > 0 ? pol->max_seconds : 1;
	long double high;

	if ((o != OUTCOME_RETRY && o != OUTCOME_THROTTLED) || attempts >= pol->max_attempts) {
		FZ_CHECK(d == -1);
		return;
	}
	FZ_CHECK(d >= 1);
	if (retry_after >= 0)
		FZ_CHECK(d >= (retry_after < 86400 ? retry_after : 86400));
	if (o == OUTCOME_THROTTLED)
		FZ_CHECK(d >= pol->throttle_min);
	/* Never more than the cap with +20% jitter, unless Retry-After or the throttle ask for it. */
	high = (long double)cap * 1.2L + 1.0L;
	if (retry_after >= 0 && (long double)(retry_after < 86400 ? retry_after : 86400) > high)
		high = retry_after < 86400 ? retry_after : 86400;
	if (o == OUTCOME_THROTTLED && (long double)pol->throttle_min > high)
		high = pol->throttle_min;
	FZ_CHECK((long double)d <= high);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_input in;
	struct answer a;
	struct verdict v;
	struct retry_policy pol;
	char *body;
	size_t len;
	unsigned flags;
	int attempts;
	double jitter;
	int k;

	fz_input_init(&in, data, size);
	memset(&a, 0, sizeof(a));
	a.http_status = (long)fz_take_uint(&in, 2) - 100;
	a.retry_after = (long)(int32_t)fz_take_uint(&in, 4);
	a.transport_error = (int)fz_take_uint(&in, 1);
	flags = (unsigned)fz_take_uint(&in, 1);
	a.address_refused = flags & 1;
	attempts = (int)(int32_t)fz_take_uint(&in, 4);
	jitter = fz_take_double(&in);
	pol.base_seconds = (long)(int32_t)fz_take_uint(&in, 4);
	pol.max_seconds = (long)(int32_t)fz_take_uint(&in, 4);
	pol.throttle_min = (long)(int32_t)fz_take_uint(&in, 4);
	pol.max_attempts = (int)(int32_t)fz_take_uint(&in, 4);
	/* Exactly the body's bytes: the classifier must not look for a NUL after them. */
	body = fz_take_rest_exact(&in, &len);
	a.body = flags & 2 ? NULL : body;
	a.body_len = len;

	for (k = WEBHOOK_CONNECTOR; k <= WEBHOOK_WORKFLOW; k++) {
		classify_answer((enum webhook_kind)k, &a, &v);
		check_verdict(&v, &a, (enum webhook_kind)k);
		/* The outcome decides the delay, as in the worker. */
		check_delay(&pol, v.outcome, attempts, a.retry_after, jitter);
	}
	check_delay(&pol, OUTCOME_RETRY, attempts, a.retry_after, jitter);
	check_delay(&pol, OUTCOME_THROTTLED, attempts, a.retry_after, jitter);
	/* The policy as the configuration bounds it, which the worker always has. */
	pol.base_seconds = 1 + labs(pol.base_seconds % 3600);
	pol.max_seconds = 1 + labs(pol.max_seconds % 86400);
	pol.throttle_min = 1 + labs(pol.throttle_min % 86400);
	pol.max_attempts = 1 + abs(pol.max_attempts % 100);
	check_delay(&pol, OUTCOME_RETRY, attempts, a.retry_after, jitter);
	check_delay(&pol, OUTCOME_THROTTLED, attempts, a.retry_after, jitter);

	check_embedded(body, len);
	free(body);
	/* The whole input too, in a buffer of exactly its size: a status may sit at the very end. */
	body = malloc(size > 0 ? size : 1);
	if (body == NULL)
		abort();
	memcpy(body, data, size);
	check_embedded(body, size);
	free(body);
	return 0;
}
