/* test_classify.c: Teams' answers read as delivery outcomes, and the retry schedule. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "tap.h"
#include "util.h"

#define TEAMS_FAILED(status) \
	"Webhook message delivery failed with error: Microsoft Teams endpoint returned " \
	"HTTP error " status " with ContextId tcid=0,server=msgapi-production-eus-azsc2-4-170," \
	"cv=deadbeef.0.."

static const char *
outcome_name(enum outcome o)
{
	switch (o) {
	case OUTCOME_DELIVERED:
		return "delivered";
	case OUTCOME_RETRY:
		return "retry";
	case OUTCOME_THROTTLED:
		return "throttled";
	case OUTCOME_GONE:
		return "gone";
	case OUTCOME_FAILED:
		return "failed";
	}
	return "?";
}

struct row {
	enum webhook_kind  kind;
	long               status;
	const char        *body;
	int                transport_error;
	bool               address_refused;
	enum outcome       want;
	long               embedded;
	const char        *reason;	/* the reason must contain this */
};

#define C WEBHOOK_CONNECTOR
#define W WEBHOOK_WORKFLOW
#define DLV OUTCOME_DELIVERED
#define RTY OUTCOME_RETRY
#define THR OUTCOME_THROTTLED
#define GON OUTCOME_GONE
#define FLD OUTCOME_FAILED

static const struct row rows[] = {
	/* kind, status, body, transport error, address refused, outcome, embedded, reason */
	/* connector webhooks */
	{ C, 200, "1", 0, false, DLV, 0, "HTTP 200" },
	{ C, 200, " 1\r\n", 0, false, DLV, 0, "HTTP 200" },
	{ C, 200, "1\n", 0, false, DLV, 0, "HTTP 200" },
	{ C, 200, "11", 0, false, RTY, 0, "unexpected body: 11" },
	{ C, 200, "", 0, false, RTY, 0, "HTTP 200 with unexpected body" },
	{ C, 200, NULL, 0, false, RTY, 0, "HTTP 200 with unexpected body" },
	{ C, 200, "ok", 0, false, RTY, 0, "HTTP 200 with unexpected body: ok" },
	{ C, 200, TEAMS_FAILED("429"), 0, false, THR, 429, "HTTP 200 with Teams error 429" },
	{ C, 200, TEAMS_FAILED("500"), 0, false, RTY, 500, "HTTP 200 with Teams error 500" },
	{ C, 200, TEAMS_FAILED("503"), 0, false, RTY, 503, "Teams error 503" },
	{ C, 200, TEAMS_FAILED("404"), 0, false, GON, 404, "Teams error 404" },
	{ C, 200, TEAMS_FAILED("410"), 0, false, GON, 410, "Teams error 410" },
	{ C, 200, TEAMS_FAILED("400"), 0, false, FLD, 400, "Teams error 400" },
	{ C, 200, TEAMS_FAILED("412"), 0, false, FLD, 412, "Teams error 412" },
	{ C, 200, TEAMS_FAILED("413"), 0, false, FLD, 413, "Teams error 413" },
	{ C, 200, TEAMS_FAILED("408"), 0, false, RTY, 408, "Teams error 408" },
	{ C, 200, TEAMS_FAILED("302"), 0, false, RTY, 302, "Teams error 302" },
	{ C, 200, TEAMS_FAILED("42"), 0, false, RTY, 0, "unexpected body: Webhook" },
	{ C, 429, "", 0, false, THR, 0, "HTTP 429" },
	{ C, 500, "", 0, false, RTY, 0, "HTTP 500" },
	{ C, 502, "<html>", 0, false, RTY, 0, "HTTP 502" },
	{ C, 599, "", 0, false, RTY, 0, "HTTP 599" },
	{ C, 404, "", 0, false, GON, 0, "HTTP 404" },
	{ C, 410, "", 0, false, GON, 0, "HTTP 410" },
	{ C, 408, "", 0, false, RTY, 0, "HTTP 408" },
	{ C, 400, TEAMS_FAILED("429"), 0, false, FLD, 0, "HTTP 400" },
	{ C, 401, "", 0, false, FLD, 0, "HTTP 401" },
	{ C, 413, "", 0, false, FLD, 0, "HTTP 413" },
	{ C, 202, "", 0, false, RTY, 0, "HTTP 202, not an answer Teams gives" },
	{ C, 204, "", 0, false, RTY, 0, "HTTP 204" },
	{ C, 301, "", 0, false, FLD, 0, "HTTP 301 (redirects are not followed)" },
	{ C, 302, "", 0, false, FLD, 0, "redirects" },
	{ C, 101, "", 0, false, FLD, 0, "HTTP 101" },
	{ C, 600, "", 0, false, FLD, 0, "HTTP 600" },
	{ C, 0, NULL, 28, false, RTY, 0, "timeout or connection error" },
	{ C, 0, NULL, 0, false, RTY, 0, "timeout or connection error" },
	{ C, 200, "1", 7, false, RTY, 0, "timeout or connection error (code 7)" },
	{ C, 0, NULL, 7, true, FLD, 0, "address not allowed" },
	{ C, 0, NULL, 0, true, FLD, 0, "address not allowed" },
	/* Workflows */
	{ W, 202, "", 0, false, DLV, 0, "HTTP 202" },
	{ W, 202, NULL, 0, false, DLV, 0, "HTTP 202" },
	{ W, 200, "", 0, false, DLV, 0, "HTTP 200" },
	{ W, 200, TEAMS_FAILED("429"), 0, false, DLV, 0, "HTTP 200" },
	{ W, 202, "{\"anything\":1}", 0, false, DLV, 0, "HTTP 202" },
	{ W, 429, "", 0, false, THR, 0, "HTTP 429" },
	{ W, 500, "", 0, false, RTY, 0, "HTTP 500" },
	{ W, 503, "", 0, false, RTY, 0, "HTTP 503" },
	{ W, 408, "", 0, false, RTY, 0, "HTTP 408" },
	{ W, 404, "", 0, false, GON, 0, "HTTP 404" },
	{ W, 410, "", 0, false, GON, 0, "HTTP 410" },
	{ W, 400, "", 0, false, FLD, 0, "HTTP 400" },
	{ W, 401, "", 0, false, FLD, 0, "HTTP 401" },
	{ W, 403, "", 0, false, FLD, 0, "HTTP 403" },
	{ W, 201, "", 0, false, RTY, 0, "HTTP 201, not an answer Teams gives" },
	{ W, 204, "", 0, false, RTY, 0, "HTTP 204" },
	{ W, 307, "", 0, false, FLD, 0, "HTTP 307 (redirects are not followed)" },
	{ W, 0, NULL, 35, false, RTY, 0, "timeout or connection error (code 35)" },
	{ W, 0, NULL, 0, true, FLD, 0, "address not allowed" },
};

static void
test_rows(void)
{
	struct answer a;
	struct verdict v;
	char name[200];
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];

		memset(&a, 0, sizeof(a));
		a.http_status = r->status;
		a.body = r->body;
		a.body_len = r->body != NULL ? strlen(r->body) : 0;
		a.retry_after = -1;
		a.transport_error = r->transport_error;
		a.address_refused = r->address_refused;
		memset(&v, 0x5a, sizeof(v));
		classify_answer(r->kind, &a, &v);
		snprintf(name, sizeof(name), "%s %ld%s%s%s: %s",
		    r->kind == C ? "connector" : "workflow", r->status,
		    r->transport_error ? " transport error" : "",
		    r->address_refused ? " refused" : "",
		    r->body != NULL && r->body[0] != '\0' ? " with a body" : "",
		    outcome_name(r->want));
		if (!is_int(v.outcome, r->want, name))
			printf("#   reason \"%.*s\"\n", (int)sizeof(v.reason) - 1, v.reason);
		is_int(v.embedded_status, r->embedded, "  embedded status");
		has_str(memchr(v.reason, '\0', sizeof(v.reason)) ? v.reason : NULL, r->reason,
		    "  reason");
	}
}

/* A body that is not NUL-terminated, in a block of exactly its size so overreads show. */
static long
embedded_exact(const char *text, size_t len)
{
	char *copy = xmalloc(len);
	long status;

	memcpy(copy, text, len);
	status = embedded_http_error(copy, len);
	free(copy);
	return status;
}

static void
test_embedded(void)
{
	is_int(embedded_http_error(TEAMS_FAILED("429"), strlen(TEAMS_FAILED("429"))), 429,
	    "embedded: the Teams text gives 429");
	is_int(embedded_exact("HTTP error 503", 14), 503,
	    "embedded: at the very end, unterminated");
	is_int(embedded_exact("HTTP error 503", 13), 0, "embedded: a length that cuts the digits");
	is_int(embedded_exact("HTTP error 50", 13), 0, "embedded: two digits at the end");
	is_int(embedded_exact("HTTP error ", 11), 0, "embedded: no digits at the end");
	is_int(embedded_exact("HTTP err", 8), 0, "embedded: shorter than the prefix");
	is_int(embedded_exact("", 0), 0, "embedded: empty");
	is_int(embedded_http_error(NULL, 10), 0, "embedded: NULL body");
	is_int(embedded_http_error("HTTP error 42 then", 18), 0,
	    "embedded: \"HTTP error 42\" is none");
	is_int(embedded_http_error("HTTP error 4290", 15), 0,
	    "embedded: four digits are not a status");
	is_int(embedded_http_error("HTTP error 429.", 15), 429, "embedded: a dot after is fine");
	is_int(embedded_http_error("HTTP error 429x", 15), 429, "embedded: a letter after is fine");
	is_int(embedded_http_error("HTTP error 099", 14), 0, "embedded: below 100 is none");
	is_int(embedded_http_error("HTTP error 600", 14), 0, "embedded: above 599 is none");
	is_int(embedded_http_error("HTTP error 100", 14), 100, "embedded: 100 is the lowest");
	is_int(embedded_http_error("HTTP error 599", 14), 599, "embedded: 599 is the highest");
	is_int(embedded_http_error("http error 429", 14), 0, "embedded: the case must match");
	is_int(embedded_http_error("HTTP error  429", 15), 0, "embedded: one space only");
	is_int(embedded_http_error("HTTP error 4290, HTTP error 503", 31), 503,
	    "embedded: a bad match is skipped for a later good one");
	is_int(embedded_http_error("HTTP error 404 and HTTP error 503", 33), 404,
	    "embedded: the first good match wins");
	is_int(embedded_http_error("x\0HTTP error 410", 16), 410,
	    "embedded: a NUL before does not end the search");
	is_int(embedded_http_error("HTTP error 410", 12), 0, "embedded: len is respected");
	is_int(embedded_http_error("HHTTP error 410", 15), 410,
	    "embedded: found after a false start");
}

static void
test_reason_hygiene(void)
{
	struct answer a;
	struct verdict v;
	char body[400];
	size_t i, n;
	bool clean = true;

	/* Control characters, non-ASCII and a long tail: the reason keeps a short clean excerpt. */
	strcpy(body, "  <html>\r\n\x1b[31mError\xc3\xa9\t\tsecret-token=");
	n = strlen(body);
	for (i = n; i < sizeof(body) - 1; i++)
		body[i] = (char)('a' + i % 26);
	memset(&a, 0, sizeof(a));
	a.http_status = 200;
	a.body = body;
	a.body_len = sizeof(body) - 1;
	a.retry_after = -1;
	classify_answer(C, &a, &v);
	is_int(v.outcome, OUTCOME_RETRY, "an odd 200 body retries");
	has_str(v.reason, "HTTP 200 with unexpected body: <html> [31mError secret-token=",
	    "  the excerpt has runs of other bytes as one space");
	for (i = 0; v.reason[i] != '\0'; i++)
		if ((unsigned char)v.reason[i] < 0x20 || (unsigned char)v.reason[i] >= 0x7f)
			clean = false;
	ok(clean, "  the reason is printable ASCII");
	ok(strlen(v.reason) <= strlen("HTTP 200 with unexpected body: ") + 60,
	    "  the excerpt is at most 60 characters");
	ok(strlen(v.reason) == strlen("HTTP 200 with unexpected body: ") + 60 &&
	    strcmp(v.reason + strlen(v.reason) - 3, "...") == 0, "  ...ending with ... when cut");

	memset(&a, 0, sizeof(a));
	a.http_status = 200;
	a.body = "\r\n\xff\xfe\t";
	a.body_len = 5;
	a.retry_after = -1;
	classify_answer(C, &a, &v);
	is_str(v.reason, "HTTP 200 with unexpected body",
	    "a body of nothing printable: no excerpt");

	/* Exactly 60 printable characters are kept whole. */
	memset(body, 'z', 60);
	memset(&a, 0, sizeof(a));
	a.http_status = 200;
	a.body = body;
	a.body_len = 60;
	a.retry_after = -1;
	classify_answer(C, &a, &v);
	ok(strlen(v.reason) == strlen("HTTP 200 with unexpected body: ") + 60 &&
	    strchr(v.reason, '.') == NULL, "60 printable characters are kept whole");
}

static void
test_retry_delay(void)
{
	const struct retry_policy p = { 5, 3600, 60, 8 };
	const struct retry_policy huge = { 1, LONG_MAX, 60, INT_MAX };
	const double almost_one = 0.9999999;
	long d;
	int i;
	bool within = true;

	/* jitter 0.5 is the middle: exactly base * 2^(attempts-1). */
	is_int(retry_delay(&p, OUTCOME_RETRY, 1, -1, 0.5), 5, "delay: first retry is the base");
	is_int(retry_delay(&p, OUTCOME_RETRY, 2, -1, 0.5), 10, "delay: then doubles");
	is_int(retry_delay(&p, OUTCOME_RETRY, 3, -1, 0.5), 20, "delay: and doubles again");
	is_int(retry_delay(&p, OUTCOME_RETRY, 7, -1, 0.5), 320, "delay: 5 * 2^6 at attempt 7");
	is_int(retry_delay(&p, OUTCOME_RETRY, 0, -1, 0.5), 5,
	    "delay: attempt 0 counts as the first");
	is_int(retry_delay(&(struct retry_policy){ 5, 100, 60, 50 }, OUTCOME_RETRY, 10, -1, 0.5),
	    100, "delay: capped at max_seconds");
	is_int(retry_delay(&(struct retry_policy){ 5, 100, 60, 50 }, OUTCOME_RETRY, 10, -1, 0.0),
	    80, "delay: jitter 0 is 20% below, even at the cap");
	is_int(retry_delay(&(struct retry_policy){ 5, 100, 60, 50 }, OUTCOME_RETRY, 10, -1,
	    almost_one), 120, "delay: jitter near 1 is 20% above");
	is_int(retry_delay(&(struct retry_policy){ 500, 100, 60, 50 }, OUTCOME_RETRY, 1, -1, 0.5),
	    100, "delay: a base above the cap is capped");
	is_int(retry_delay(&p, OUTCOME_RETRY, 1, -1, 0.0), 4, "delay: base 5 with jitter 0 is 4");
	is_int(retry_delay(&p, OUTCOME_RETRY, 1, -1, almost_one), 6,
	    "delay: base 5 with jitter near 1 is 6");
	for (i = 0; i <= 1000; i++) {
		d = retry_delay(&p, OUTCOME_RETRY, 4, -1, i / 1000.0 * almost_one);
		if (d < 32 || d > 48)
			within = false;
	}
	ok(within, "delay: every jitter stays within +-20% of 40");
	is_int(retry_delay(&p, OUTCOME_RETRY, 1, -1, -3.0), 4,
	    "delay: negative jitter counts as 0");
	is_int(retry_delay(&p, OUTCOME_RETRY, 1, -1, 7.0), 6, "delay: jitter above 1 counts as 1");

	is_int(retry_delay(&p, OUTCOME_RETRY, 1, 120, 0.5), 120, "delay: Retry-After is honoured");
	is_int(retry_delay(&p, OUTCOME_RETRY, 3, 2, 0.5), 20,
	    "delay: a shorter Retry-After is not");
	is_int(retry_delay(&p, OUTCOME_RETRY, 1, 0, 0.5), 5,
	    "delay: Retry-After 0 changes nothing");
	is_int(retry_delay(&p, OUTCOME_RETRY, 1, 10L * 86400, 0.5), 86400,
	    "delay: Retry-After is capped at a day");
	is_int(retry_delay(&p, OUTCOME_THROTTLED, 1, -1, 0.5), 60, "delay: a throttle waits 60 s");
	is_int(retry_delay(&p, OUTCOME_THROTTLED, 1, 30, 0.5), 60,
	    "delay: ...even when Retry-After says less");
	is_int(retry_delay(&p, OUTCOME_THROTTLED, 1, 300, 0.5), 300,
	    "delay: ...and Retry-After when it says more");
	is_int(retry_delay(&p, OUTCOME_THROTTLED, 6, -1, 0.5), 160,
	    "delay: ...and the backoff when it is longer");
	is_int(retry_delay(&(struct retry_policy){ 0, 0, 0, 5 }, OUTCOME_RETRY, 1, -1, 0.0), 1,
	    "delay: never below 1 s");

	is_int(retry_delay(&p, OUTCOME_RETRY, 7, -1, 0.5), 320,
	    "delay: attempt 7 of 8 still retries");
	is_int(retry_delay(&p, OUTCOME_RETRY, 8, -1, 0.5), -1, "delay: attempts exhausted");
	is_int(retry_delay(&p, OUTCOME_THROTTLED, 9, 10, 0.5), -1, "delay: beyond exhausted too");
	is_int(retry_delay(&p, OUTCOME_FAILED, 1, -1, 0.5), -1, "delay: FAILED is not retried");
	is_int(retry_delay(&p, OUTCOME_GONE, 1, 30, 0.5), -1, "delay: GONE is not retried");
	is_int(retry_delay(&p, OUTCOME_DELIVERED, 1, -1, 0.5), -1,
	    "delay: DELIVERED is not retried");
	is_int(retry_delay(NULL, OUTCOME_RETRY, 1, -1, 0.5), -1, "delay: no policy, no retry");

	is_int(retry_delay(&p, OUTCOME_RETRY, 7, -1, 0.5), 320, "delay: no overflow at 7");
	is_int(retry_delay(&(struct retry_policy){ 5, 3600, 60, INT_MAX }, OUTCOME_RETRY,
	    INT_MAX - 1, -1, 0.5), 3600, "delay: a huge attempt count stays at the cap");
	is_int(retry_delay(&(struct retry_policy){ 5, 3600, 60, INT_MAX }, OUTCOME_RETRY,
	    100, -1, almost_one), 4320, "delay: attempt 100 is the cap plus jitter");
	d = retry_delay(&huge, OUTCOME_RETRY, INT_MAX - 1, -1, almost_one);
	is_int(d, LONG_MAX, "delay: an unbounded cap saturates instead of overflowing");
	d = retry_delay(&huge, OUTCOME_RETRY, 200, -1, 0.0);
	ok(d > LONG_MAX / 2 && d < LONG_MAX, "delay: ...and jitter 0 stays positive");
}

int
main(void)
{
	test_rows();
	test_embedded();
	test_reason_hygiene();
	test_retry_delay();
	return done_testing();
}
