/* test_http.c: request checking and routing, driven without a web server. */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "http.h"
#include "tap.h"

static int handled;

static void
echo(struct request *req, struct response *resp)
{
	struct json_object *o = json_object_new_object();

	handled++;
	json_object_object_add(o, "q", json_object_new_string(req_query(req, "q") ?
	    req_query(req, "q") : ""));
	resp_json(resp, 200, o);
	json_object_put(o);
}

static const struct route routes[] = {
	{ "GET",  "/thing", BODY_NONE, echo },
	{ "POST", "/thing", BODY_JSON, echo },
	{ "POST", "/only-post", BODY_JSON, echo },
};

/* Runs one request through the dispatcher; returns the status. */
static int
run(struct arena *a, struct response *resp, const char *method, const char *path,
    const char *query, const char *ctype, const char *body, int too_large)
{
	/* Static: response headers point into the request after run() returns. */
	static struct request req;
	static char ct[128];
	static char *env[] = { ct, NULL };

	memset(&req, 0, sizeof(req));
	snprintf(ct, sizeof(ct), "CONTENT_TYPE=%s", ctype ? ctype : "");
	req.arena = a;
	req.env = ctype ? env : NULL;
	req.method = method;
	req.path = path;
	req.query = query;
	req.body = body ? body : "";
	req.body_len = body ? strlen(body) : 0;
	req.body_too_large = too_large;
	strcpy(req.request_id, "test-request-1");
	arena_reset(a);
	resp_reset(resp);
	http_dispatch(routes, sizeof(routes) / sizeof(routes[0]), &req, resp);
	return resp->status;
}

static const char *
problem_member(struct response *resp, const char *key)
{
	static char out[512];
	struct json_object *o = json_tokener_parse(resp->body.data), *v;

	out[0] = '\0';
	if (o != NULL && json_object_object_get_ex(o, key, &v))
		snprintf(out, sizeof(out), "%s", json_object_get_string(v));
	json_object_put(o);
	return out;
}

int
main(void)
{
	struct arena a;
	struct response resp;
	struct query_param p[MAX_QUERY_PARAMS];
	struct json_object *o;
	char err[256], many[40 * 4 + 1];
	size_t n, i;

	arena_init(&a);
	resp_init(&resp);

	/* query strings */
	ok(query_parse(&a, "a=1&b=x%20y+z&c&&d=%C3%A9", p, &n), "a query parses");
	is_int((long)n, 4, "  four parameters (empty pieces skipped)");
	is_str(p[1].value, "x y z", "  %20 and + decode to spaces");
	is_str(p[2].value, "", "  a bare name has an empty value");
	is_str(p[3].value, "\xc3\xa9", "  UTF-8 escapes decode");
	ok(!query_parse(&a, "a=%zz", p, &n), "a bad escape is refused");
	ok(!query_parse(&a, "a=%4", p, &n), "a cut escape is refused");
	ok(!query_parse(&a, "a=%00", p, &n), "an escaped NUL is refused");
	ok(!query_parse(&a, "a=%ff", p, &n), "escaped invalid UTF-8 is refused");
	ok(!query_parse(&a, "=x", p, &n), "a parameter without a name is refused");
	for (i = 0; i < 40; i++)
		memcpy(many + 4 * i, "a=1&", 4);
	many[sizeof(many) - 1] = '\0';
	ok(!query_parse(&a, many, p, &n), "more than MAX_QUERY_PARAMS is refused");
	ok(query_parse(&a, NULL, p, &n) && n == 0, "no query is fine");

	/* media types */
	ok(media_type_is_json("application/json"), "application/json is JSON");
	ok(media_type_is_json("Application/JSON; charset=UTF-8"), "case and charset=utf-8 are fine");
	ok(media_type_is_json("application/json;charset=\"utf-8\""), "a quoted charset is fine");
	ok(!media_type_is_json("application/json; charset=latin1"), "another charset is refused");
	ok(!media_type_is_json("application/jsonx"), "a longer type is refused");
	ok(!media_type_is_json("text/plain"), "text/plain is refused");
	ok(!media_type_is_json(NULL), "no content type is refused");

	/* JSON bodies */
	o = json_parse_body("{\"a\":[1,2,{\"b\":null}]}  \n", 24, err, sizeof(err));
	ok(o != NULL, "an object parses");
	json_object_put(o);
	ok(json_parse_body("", 0, err, sizeof(err)) == NULL, "an empty body is refused");
	has_str(err, "empty", "  ...saying it is empty");
	ok(json_parse_body("{\"a\":1", 6, err, sizeof(err)) == NULL, "a cut object is refused");
	ok(json_parse_body("{\"a\":1} x", 9, err, sizeof(err)) == NULL, "trailing data is refused");
	has_str(err, "at byte 8", "  ...saying where");
	ok(json_parse_body("[1]", 3, err, sizeof(err)) == NULL, "an array is refused");
	has_str(err, "JSON object", "  ...asking for an object");
	ok(json_parse_body("{\"a\":\"\xc3\"}", 8, err, sizeof(err)) == NULL,
	    "invalid UTF-8 is refused");
	has_str(err, "UTF-8", "  ...naming UTF-8");
	ok(json_parse_body("{\"a\":'x'}", 9, err, sizeof(err)) == NULL,
	    "a single-quoted string is refused");
	ok(json_parse_body("{\"a\":NaN}", 9, err, sizeof(err)) == NULL, "NaN is refused");
	{
		char deep[200];

		memset(deep, '[', 100);
		memset(deep + 100, ']', 100);
		deep[0] = '{';
		ok(json_parse_body(deep, 200, err, sizeof(err)) == NULL,
		    "nesting deeper than the limit is refused");
	}

	/* routing */
	is_int(run(&a, &resp, "GET", "/thing", "q=hi", NULL, NULL, 0), 200, "a GET route answers");
	has_str(resp.body.data, "\"q\":\"hi\"", "  ...with the decoded query");
	is_str(resp_get_header(&resp, "X-Content-Type-Options"), "nosniff", "  ...and nosniff");
	is_str(resp_get_header(&resp, "X-Request-Id"), "test-request-1", "  ...and the request id");
	is_int(run(&a, &resp, "HEAD", "/thing", NULL, NULL, NULL, 0), 200, "HEAD runs the GET route");
	is_int(run(&a, &resp, "GET", "/nothing", NULL, NULL, NULL, 0), 404, "an unknown path is 404");
	is_str(resp.content_type, "application/problem+json", "  ...as a problem");
	is_str(problem_member(&resp, "status"), "404", "  ...whose status member is 404");
	is_str(problem_member(&resp, "type"), "urn:teams-connector:problem:not-found",
	    "  ...with a type");
	is_str(problem_member(&resp, "requestId"), "test-request-1", "  ...and the request id");
	is_int(run(&a, &resp, "DELETE", "/thing", NULL, NULL, NULL, 0), 405,
	    "a wrong method is 405");
	is_str(resp_get_header(&resp, "Allow"), "GET, POST, HEAD", "  ...with Allow");
	is_int(run(&a, &resp, "GET", "/only-post", NULL, NULL, NULL, 0), 405,
	    "GET on a POST route is 405");
	is_str(resp_get_header(&resp, "Allow"), "POST", "  ...allowing POST only");
	is_int(run(&a, &resp, "get", "/thing", NULL, NULL, NULL, 0), 400,
	    "a lower-case method is malformed");
	is_int(run(&a, &resp, "GET", "thing", NULL, NULL, NULL, 0), 400, "a relative path is 400");
	is_int(run(&a, &resp, "GET", "/thing", "q=%zz", NULL, NULL, 0), 400, "a bad query is 400");
	is_str(problem_member(&resp, "field"), "query", "  ...naming the query");
	is_int(run(&a, &resp, "GET", "/thing", NULL, NULL, "x", 0), 400, "a body on GET is 400");
	is_int(run(&a, &resp, "POST", "/thing", NULL, "application/json", "{\"q\":1}", 0), 200,
	    "a JSON POST reaches the handler");
	is_int(run(&a, &resp, "POST", "/thing", NULL, "text/plain", "{}", 0), 415,
	    "a wrong content type is 415");
	is_str(problem_member(&resp, "field"), "Content-Type", "  ...naming Content-Type");
	is_int(run(&a, &resp, "POST", "/thing", NULL, NULL, "{}", 0), 415,
	    "a missing content type is 415");
	is_int(run(&a, &resp, "POST", "/thing", NULL, "application/json", "", 1), 413,
	    "an oversize body is 413");
	is_str(problem_member(&resp, "field"), "body", "  ...naming the body");
	is_int(run(&a, &resp, "POST", "/thing", NULL, "application/json", "{\"a\":", 0), 400,
	    "malformed JSON is 400");
	has_str(problem_member(&resp, "detail"), "malformed JSON", "  ...saying why");
	handled = 0;
	run(&a, &resp, "POST", "/thing", NULL, "application/json", "nope", 0);
	is_int(handled, 0, "no handler runs for a refused request");

	arena_free(&a);
	resp_free(&resp);
	return done_testing();
}
