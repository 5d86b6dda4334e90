/* fuzz_request.c: fuzzes request checking and routing (http_dispatch) and the request parsers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "arena.h"
#include "harness.h"
#include "http.h"
#include "log.h"
#include "util.h"

/*
 * Input: one flag byte, then method NUL uri NUL query NUL content-type NUL body (the body may
 * hold NULs). Flags: 0x01 no method, 0x02 no uri, 0x04 no query, 0x08 no content type,
 * 0x10 the body was too large, 0x20 no request id. '@' is a request with everything.
 */
#define F_NO_METHOD 0x01
#define F_NO_URI    0x02
#define F_NO_QUERY  0x04
#define F_NO_CTYPE  0x08
#define F_TOO_LARGE 0x10
#define F_NO_RID    0x20

/* max_body_bytes by default; flag 0x10 takes the 413 path for any body. */
#define BODY_LIMIT 65536

static int handled;

/* What every handler may rely on once http_dispatch lets a request through. */
static void
check_request(struct request *req, enum body_kind body)
{
	size_t i;

	FZ_CHECK(req->nparams <= MAX_QUERY_PARAMS);
	for (i = 0; i < req->nparams; i++) {
		FZ_CHECK(req->params[i].name != NULL && req->params[i].value != NULL);
		FZ_CHECK(req->params[i].name[0] != '\0');
		FZ_CHECK(utf8_valid(req->params[i].name, strlen(req->params[i].name)));
		FZ_CHECK(utf8_valid(req->params[i].value, strlen(req->params[i].value)));
	}
	if (body == BODY_JSON)
		FZ_CHECK(req->json != NULL && json_object_is_type(req->json, json_type_object));
	else
		FZ_CHECK(req->json == NULL && req->body_len == 0);
	FZ_CHECK(!req->body_too_large);
}

/* Handlers do little, like the real ones before they reach the database. */
static void
answer(struct request *req, struct response *resp, enum body_kind body)
{
	struct json_object *o = json_object_new_object();
	const char *q = req->nparams > 0 ? req->params[0].value : "";

	check_request(req, body);
	handled++;
	json_object_object_add(o, "params", json_object_new_int((int)req->nparams));
	json_object_object_add(o, "first", json_object_new_string(q));
	if (req_query(req, "entityId") != NULL)
		json_object_object_add(o, "entityId",
		    json_object_new_string(req_query(req, "entityId")));
	if (req->json != NULL)
		json_object_object_add(o, "members",
		    json_object_new_int(json_object_object_length(req->json)));
	resp_json(resp, 200, o);
	json_object_put(o);
}

static void
page(struct request *req, struct response *resp)
{
	answer(req, resp, BODY_NONE);
}

static void
api(struct request *req, struct response *resp)
{
	answer(req, resp, BODY_JSON);
}

/* The service's own table, so the fuzzer walks the paths and methods clients really use. */
static const struct route routes[] = {
	{ "GET",  "/healthz",			BODY_NONE, page },
	{ "GET",  "/readyz",			BODY_NONE, page },
	{ "GET",  "/Connector/Setup",		BODY_NONE, page },
	{ "GET",  "/Connector/Edit",		BODY_NONE, page },
	{ "POST", "/Connector/Save",		BODY_JSON, api },
	{ "POST", "/Connector/Remove",		BODY_JSON, api },
	{ "POST", "/api/v1/notifications",	BODY_JSON, api },
	{ "GET",  "/metrics",			BODY_NONE, page },
};

static void
check_response(const struct response *resp, const struct request *req, int handled_before)
{
	struct json_object *o, *v;

	FZ_CHECK(resp->body.data != NULL);
	FZ_CHECK(strlen(resp->body.data) == resp->body.len);
	FZ_CHECK(utf8_valid(resp->body.data, resp->body.len));
	FZ_CHECK(resp->nheaders <= MAX_HEADERS);
	FZ_CHECK(resp_get_header(resp, "X-Content-Type-Options") != NULL);
	FZ_CHECK((resp->status == 200) == (handled == handled_before + 1));
	o = json_tokener_parse(resp->body.data);
	FZ_CHECK(o != NULL && json_object_is_type(o, json_type_object));
	switch (resp->status) {
	case 200:
		FZ_CHECK(strcmp(resp->content_type, "application/json") == 0);
		break;
	case 400: case 404: case 405: case 413: case 415:
		FZ_CHECK(strcmp(resp->content_type, "application/problem+json") == 0);
		FZ_CHECK(json_object_object_get_ex(o, "status", &v) &&
		    json_object_get_int(v) == resp->status);
		FZ_CHECK(json_object_object_get_ex(o, "type", &v) &&
		    strncmp(json_object_get_string(v), "urn:teams-connector:problem:", 28) == 0);
		if (req->request_id[0] != '\0')
			FZ_CHECK(json_object_object_get_ex(o, "requestId", &v));
		if (resp->status == 405)
			FZ_CHECK(resp_get_header(resp, "Allow") != NULL);
		break;
	default:
		FZ_CHECK(!"an unexpected status");
	}
	json_object_put(o);
}

/* log_value as the server calls it on each request line, with the server's buffer sizes. */
static void
check_log_value(const char *s, size_t outlen)
{
	char *out = malloc(outlen);
	const char *p;

	if (out == NULL)
		abort();
	log_value(s, out, outlen);
	FZ_CHECK(fz_terminated(out, outlen));
	for (p = out; *p != '\0'; p++)
		FZ_CHECK(*p >= 0x20 && *p < 0x7f);
	free(out);
}

/* The parsers alone, on the same fields. */
static void
direct(struct arena *a, const char *query, const char *ctype, const char *body, size_t len)
{
	struct query_param params[MAX_QUERY_PARAMS];
	struct json_object *o;
	char err[256];
	size_t n = 0, i;

	if (query_parse(a, query, params, &n)) {
		FZ_CHECK(n <= MAX_QUERY_PARAMS);
		for (i = 0; i < n; i++)
			FZ_CHECK(utf8_valid(params[i].value, strlen(params[i].value)));
	}
	(void)media_type_is_json(ctype);
	err[0] = '\0';
	o = json_parse_body(body, len, err, sizeof(err));
	if (o != NULL)
		FZ_CHECK(json_object_is_type(o, json_type_object));
	else
		FZ_CHECK(err[0] != '\0' && fz_terminated(err, sizeof(err)));
	json_object_put(o);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_input in;
	struct arena a;
	struct request req;
	struct response resp;
	char *method, *uri, *query, *ctype, *body, *env[2] = { NULL, NULL };
	const char *q;
	size_t body_len;
	unsigned flags;
	int before;

	fz_input_init(&in, data, size);
	flags = (unsigned)fz_take_uint(&in, 1);
	method = fz_take_field(&in);
	uri = fz_take_field(&in);
	query = fz_take_field(&in);
	ctype = fz_take_field(&in);
	/* The server hands over the body NUL-terminated, with its length. */
	body = fz_take_rest_exact(&in, &body_len);
	body = realloc(body, body_len + 1);
	if (body == NULL)
		abort();
	body[body_len] = '\0';

	arena_init(&a);
	resp_init(&resp);
	memset(&req, 0, sizeof(req));
	req.arena = &a;
	if (!(flags & F_NO_CTYPE)) {
		env[0] = arena_printf(&a, "CONTENT_TYPE=%s", ctype);
		req.env = env;
	}
	req.method = flags & F_NO_METHOD ? NULL : method;
	/* As the server does: the path is the URI up to '?'. */
	if (!(flags & F_NO_URI))
		req.path = (q = strchr(uri, '?')) != NULL ?
		    arena_strndup(&a, uri, (size_t)(q - uri)) : uri;
	req.query = flags & F_NO_QUERY ? NULL : query;
	if ((flags & F_TOO_LARGE) || body_len > BODY_LIMIT) {
		req.body_too_large = true;
		req.body = "";
		req.body_len = 0;
	} else {
		req.body = body;
		req.body_len = body_len;
	}
	if (!(flags & F_NO_RID))
		strcpy(req.request_id, "fuzz-request-0001");

	before = handled;
	http_dispatch(routes, sizeof(routes) / sizeof(routes[0]), &req, &resp);
	check_response(&resp, &req, before);
	check_log_value(req.method != NULL ? req.method : "-", 32);
	check_log_value(req.path != NULL ? req.path : "-", 256);
	if (resp.problem_field != NULL)
		check_log_value(resp.problem_field, 64);

	direct(&a, flags & F_NO_QUERY ? NULL : query, flags & F_NO_CTYPE ? NULL : ctype, body,
	    body_len);

	arena_free(&a);
	resp_free(&resp);
	free(method);
	free(uri);
	free(query);
	free(ctype);
	free(body);
	return 0;
}
