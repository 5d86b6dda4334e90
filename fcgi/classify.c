/* classify.c: reads a Teams webhook's answer as a delivery outcome, and spaces out the retries. */
#include "classify.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define EMBEDDED_PREFIX     "HTTP error "
#define EXCERPT_MAX         60
/* A Retry-After beyond a day is more likely a mistake than a wish; a day is already long. */
#define RETRY_AFTER_MAX     86400L

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * Only exactly three digits count, followed by a non-digit or the end: "HTTP error 4290" is
 * not a status, and Teams always writes the status as three digits.
 */
long
embedded_http_error(const char *body, size_t len)
{
	const size_t plen = sizeof(EMBEDDED_PREFIX) - 1;
	const char *d;
	long status;
	size_t i;

	if (body == NULL)
		return 0;
	for (i = 0; len >= plen + 3 && i <= len - plen - 3; i++) {
		if (body[i] != 'H' || memcmp(body + i, EMBEDDED_PREFIX, plen) != 0)
			continue;
		d = body + i + plen;
		if (!is_digit(d[0]) || !is_digit(d[1]) || !is_digit(d[2]))
			continue;
		if (i + plen + 3 < len && is_digit(d[3]))
			continue;
		status = (d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0');
		if (status >= 100 && status <= 599)
			return status;
	}
	return 0;
}

static void
verdict_set(struct verdict *v, enum outcome outcome, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
verdict_set(struct verdict *v, enum outcome outcome, const char *fmt, ...)
{
	va_list ap;

	v->outcome = outcome;
	va_start(ap, fmt);
	vsnprintf(v->reason, sizeof(v->reason), fmt, ap);
	va_end(ap);
}

/* A connector's success is the body "1"; Teams sometimes adds a line break. */
static bool
body_is_one(const char *body, size_t len)
{
	size_t start = 0, end = len;

	if (body == NULL)
		return false;
	while (start < end && is_space(body[start]))
		start++;
	while (end > start && is_space(body[end - 1]))
		end--;
	return end - start == 1 && body[start] == '1';
}

/*
 * Up to EXCERPT_MAX printable ASCII characters of a body, with each run of anything else as
 * one space and "..." when more was left: enough for an operator, never a log-forging line.
 */
static void
body_excerpt(const char *body, size_t len, char *out /* EXCERPT_MAX + 1 */)
{
	size_t i, n = 0;
	bool gap = false;
	unsigned char c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)body[i];
		if (c <= 0x20 || c >= 0x7f) {
			gap = n > 0;
			continue;
		}
		if (n + (gap ? 2 : 1) > EXCERPT_MAX) {
			memcpy(out + EXCERPT_MAX - 3, "...", 3);
			n = EXCERPT_MAX;
			break;
		}
		if (gap)
			out[n++] = ' ';
		out[n++] = (char)c;
		gap = false;
	}
	out[n] = '\0';
}

/* What an error status means, whether Teams answered with it or wrote it in a 200 body. */
static enum outcome
error_status_outcome(long status)
{
	if (status == 429)
		return OUTCOME_THROTTLED;
	if (status == 404 || status == 410)
		return OUTCOME_GONE;
	/* A timeout on Teams' side is as transient as a 5xx. */
	if (status == 408 || (status >= 500 && status <= 599))
		return OUTCOME_RETRY;
	return OUTCOME_FAILED;
}

/* Teams answers a connector 200 even when it failed, and says why in the body. */
static void
connector_200(const struct answer *a, struct verdict *v)
{
	char excerpt[EXCERPT_MAX + 1];
	size_t len = a->body != NULL ? a->body_len : 0;

	if (body_is_one(a->body, len)) {
		verdict_set(v, OUTCOME_DELIVERED, "HTTP 200");
		return;
	}
	v->embedded_status = embedded_http_error(a->body, len);
	if (v->embedded_status >= 400) {
		verdict_set(v, error_status_outcome(v->embedded_status),
		    "HTTP 200 with Teams error %ld", v->embedded_status);
		return;
	}
	if (v->embedded_status != 0) {
		/* Not an error status: we cannot read it, so treat it like an unknown body. */
		verdict_set(v, OUTCOME_RETRY, "HTTP 200 with Teams error %ld", v->embedded_status);
		return;
	}
	body_excerpt(a->body, len, excerpt);
	if (excerpt[0] == '\0')
		verdict_set(v, OUTCOME_RETRY, "HTTP 200 with unexpected body");
	else
		verdict_set(v, OUTCOME_RETRY, "HTTP 200 with unexpected body: %s", excerpt);
}

void
classify_answer(enum webhook_kind kind, const struct answer *a, struct verdict *v)
{
	long status = a->http_status;

	memset(v, 0, sizeof(*v));
	/* Checked first: the guard refusing the address also makes the transfer fail. */
	if (a->address_refused) {
		verdict_set(v, OUTCOME_FAILED, "address not allowed");
		return;
	}
	if (a->transport_error != 0) {
		verdict_set(v, OUTCOME_RETRY, "timeout or connection error (code %d)",
		    a->transport_error);
		return;
	}
	if (status <= 0) {
		verdict_set(v, OUTCOME_RETRY, "timeout or connection error");
		return;
	}
	if (kind == WEBHOOK_CONNECTOR && status == 200) {
		connector_200(a, v);
		return;
	}
	if (kind == WEBHOOK_WORKFLOW && (status == 200 || status == 202)) {
		verdict_set(v, OUTCOME_DELIVERED, "HTTP %ld", status);
		return;
	}
	if (status >= 200 && status <= 299) {
		/* Some other success: not what Teams answers, so it proves nothing; try again. */
		verdict_set(v, OUTCOME_RETRY, "HTTP %ld, not an answer Teams gives", status);
		return;
	}
	if (status >= 300 && status <= 399) {
		verdict_set(v, OUTCOME_FAILED, "HTTP %ld (redirects are not followed)", status);
		return;
	}
	if (status < 400 || status > 599) {
		verdict_set(v, OUTCOME_FAILED, "HTTP %ld (not a valid final status)", status);
		return;
	}
	verdict_set(v, error_status_outcome(status), "HTTP %ld", status);
}

long
retry_delay(const struct retry_policy *policy, enum outcome outcome, int attempts,
    long retry_after, double jitter)
{
	long base, cap, delay;
	double jittered;
	int i;

	if (policy == NULL || (outcome != OUTCOME_RETRY && outcome != OUTCOME_THROTTLED) ||
	    attempts >= policy->max_attempts)
		return -1;
	base = policy->base_seconds > 0 ? policy->base_seconds : 1;
	cap = policy->max_seconds > 0 ? policy->max_seconds : 1;
	delay = base < cap ? base : cap;
	/* Doubling stops at the cap: a huge attempt count costs a few steps, never overflows. */
	for (i = 1; i < attempts && delay < cap; i++)
		delay = delay > cap / 2 ? cap : delay * 2;

	/* Written so that NaN lands on 0 too. */
	if (!(jitter >= 0.0))
		jitter = 0.0;
	if (jitter > 1.0)
		jitter = 1.0;
	jittered = (double)delay * (0.8 + 0.4 * jitter) + 0.5;
	delay = jittered >= (double)LONG_MAX ? LONG_MAX : (long)jittered;

	if (retry_after >= 0) {
		if (retry_after > RETRY_AFTER_MAX)
			retry_after = RETRY_AFTER_MAX;
		if (delay < retry_after)
			delay = retry_after;
	}
	if (outcome == OUTCOME_THROTTLED && delay < policy->throttle_min)
		delay = policy->throttle_min;
	return delay < 1 ? 1 : delay;
}
