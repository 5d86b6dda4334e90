/* http.c: request checking, routing and problem answers, independent of FastCGI. */
#include "http.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#define PROBLEM_TYPE_BASE "urn:teams-connector:problem:"
#define JSON_MAX_DEPTH    16

const char *
req_env(const struct request *req, const char *name)
{
	size_t n = strlen(name);
	char *const *e;

	if (req->env == NULL)
		return NULL;
	for (e = req->env; *e != NULL; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

const char *
req_query(const struct request *req, const char *name)
{
	size_t i;

	for (i = 0; i < req->nparams; i++)
		if (strcmp(req->params[i].name, name) == 0)
			return req->params[i].value;
	return NULL;
}

void
resp_init(struct response *r)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->body);
	r->status = 200;
}

void
resp_reset(struct response *r)
{
	struct buf keep = r->body;

	/* Keep a modest buffer between requests; give back anything a big answer grew. */
	if (keep.cap > 256 * 1024)
		buf_free(&keep);
	memset(r, 0, sizeof(*r));
	r->body = keep;
	buf_reset(&r->body);
	r->status = 200;
}

void
resp_free(struct response *r)
{
	buf_free(&r->body);
}

void
resp_header(struct response *r, const char *name, const char *value)
{
	size_t i;

	for (i = 0; i < r->nheaders; i++)
		if (ascii_ieq(r->headers[i].name, name)) {
			r->headers[i].value = value;
			return;
		}
	if (r->nheaders == MAX_HEADERS)
		fatal("response: more than %d headers", MAX_HEADERS);
	r->headers[r->nheaders].name = name;
	r->headers[r->nheaders].value = value;
	r->nheaders++;
}

const char *
resp_get_header(const struct response *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nheaders; i++)
		if (ascii_ieq(r->headers[i].name, name))
			return r->headers[i].value;
	return NULL;
}

void
resp_json(struct response *r, int status, struct json_object *obj)
{
	size_t len;
	const char *s = json_object_to_json_string_length(obj,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);

	r->status = status;
	r->content_type = "application/json";
	buf_reset(&r->body);
	buf_append(&r->body, s, len);
}

const char *
http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default:  return "Unknown";
	}
}

void
resp_problem(struct response *r, const struct request *req, int status, const char *slug,
    const char *title, const char *field, const char *fmt, ...)
{
	struct json_object *o = json_object_new_object();
	char detail[512];
	va_list ap;
	size_t len;
	const char *s;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	json_object_object_add(o, "type",
	    json_object_new_string(req != NULL ? arena_printf(req->arena, "%s%s",
	    PROBLEM_TYPE_BASE, slug) : PROBLEM_TYPE_BASE "unknown"));
	json_object_object_add(o, "title", json_object_new_string(title));
	json_object_object_add(o, "status", json_object_new_int(status));
	json_object_object_add(o, "detail", json_object_new_string(detail));
	if (field != NULL)
		json_object_object_add(o, "field", json_object_new_string(field));
	if (req != NULL && req->request_id[0] != '\0')
		json_object_object_add(o, "requestId", json_object_new_string(req->request_id));
	s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	r->status = status;
	r->content_type = "application/problem+json";
	r->problem_field = field != NULL && req != NULL ? arena_strdup(req->arena, field) : NULL;
	buf_reset(&r->body);
	buf_append(&r->body, s, len);
	json_object_put(o);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes one form-encoded component; NULL on a bad escape, a NUL or invalid UTF-8. */
static char *
form_decode(struct arena *a, const char *s, size_t n)
{
	char *out = arena_alloc(a, n + 1);
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '+')
			out[o++] = ' ';
		else if (s[i] == '%') {
			int hi, lo;

			if (i + 2 >= n)
				return NULL;	/* a cut escape */
			hi = hexval((unsigned char)s[i + 1]);
			lo = hexval((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return NULL;
			out[o++] = (char)(hi * 16 + lo);
			i += 2;
		} else
			out[o++] = s[i];
	}
	out[o] = '\0';
	return utf8_valid(out, o) ? out : NULL;
}

bool
query_parse(struct arena *a, const char *query, struct query_param *params, size_t *n)
{
	const char *p = query, *amp, *eq;

	*n = 0;
	if (query == NULL)
		return true;
	while (*p != '\0') {
		size_t len;

		amp = strchr(p, '&');
		len = amp != NULL ? (size_t)(amp - p) : strlen(p);
		if (len > 0) {
			if (*n == MAX_QUERY_PARAMS)
				return false;
			eq = memchr(p, '=', len);
			if (eq == p)
				return false;	/* no name */
			params[*n].name = form_decode(a, p, eq != NULL ? (size_t)(eq - p) : len);
			params[*n].value = eq != NULL ?
			    form_decode(a, eq + 1, len - (size_t)(eq + 1 - p)) : arena_strdup(a, "");
			if (params[*n].name == NULL || params[*n].value == NULL)
				return false;
			(*n)++;
		}
		if (amp == NULL)
			break;
		p = amp + 1;
	}
	return true;
}

bool
media_type_is_json(const char *ct)
{
	const char *p;

	if (ct == NULL)
		return false;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (!ascii_nieq(ct, "application/json", 16))
		return false;
	p = ct + 16;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0')
		return true;
	if (*p != ';')
		return false;
	p++;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!ascii_nieq(p, "charset", 7))
		return false;
	p += 7;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p++ != '=')
		return false;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '"') {
		if (!ascii_nieq(p, "\"utf-8\"", 7))
			return false;
		p += 7;
	} else {
		if (!ascii_nieq(p, "utf-8", 5))
			return false;
		p += 5;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	return *p == '\0';
}

/* json-c reads NaN and Infinity even in strict mode; JSON has neither. */
static bool
json_finite(struct json_object *o)
{
	size_t i, n;

	switch (json_object_get_type(o)) {
	case json_type_double:
		return isfinite(json_object_get_double(o));
	case json_type_array:
		n = json_object_array_length(o);
		for (i = 0; i < n; i++)
			if (!json_finite(json_object_array_get_idx(o, i)))
				return false;
		return true;
	case json_type_object: {
		json_object_object_foreach(o, key, val) {
			(void)key;
			if (!json_finite(val))
				return false;
		}
		return true;
	}
	default:
		return true;
	}
}

struct json_object *
json_parse_body(const char *body, size_t len, char *err, size_t errlen)
{
	struct json_tokener *tok;
	struct json_object *obj;
	enum json_tokener_error jerr;
	size_t end;

	if (len == 0) {
		snprintf(err, errlen, "the request body is empty");
		return NULL;
	}
	if (!utf8_valid(body, len)) {
		snprintf(err, errlen, "the request body is not valid UTF-8");
		return NULL;
	}
	if (len > (size_t)INT32_MAX) {
		snprintf(err, errlen, "the request body is too large");
		return NULL;
	}
	if ((tok = json_tokener_new_ex(JSON_MAX_DEPTH)) == NULL)
		fatal("json_tokener_new_ex");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, body, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (jerr == json_tokener_continue) {
		snprintf(err, errlen, "malformed JSON: the body ends before the value does");
		goto fail;
	}
	if (jerr != json_tokener_success || obj == NULL) {
		snprintf(err, errlen, "malformed JSON at byte %zu: %s", end,
		    json_tokener_error_desc(jerr));
		goto fail;
	}
	while (end < len && (body[end] == ' ' || body[end] == '\t' || body[end] == '\n' ||
	    body[end] == '\r'))
		end++;
	if (end != len) {
		snprintf(err, errlen, "malformed JSON at byte %zu: data after the value", end);
		goto fail;
	}
	if (!json_object_is_type(obj, json_type_object)) {
		snprintf(err, errlen, "the request body must be a JSON object");
		goto fail;
	}
	if (!json_finite(obj)) {
		snprintf(err, errlen, "malformed JSON: NaN and Infinity are not JSON numbers");
		goto fail;
	}
	json_tokener_free(tok);
	return obj;
fail:
	json_object_put(obj);
	json_tokener_free(tok);
	return NULL;
}

static void
put_json(void *p)
{
	json_object_put(p);
}

void
req_keep_json(struct request *req, struct json_object *o)
{
	arena_defer(req->arena, put_json, o);
}

static void
method_not_allowed(const struct route *routes, size_t nroutes, struct request *req,
    struct response *resp)
{
	struct buf allow;
	size_t i;
	bool get = false;

	buf_init(&allow);
	for (i = 0; i < nroutes; i++) {
		if (strcmp(routes[i].path, req->path) != 0)
			continue;
		if (allow.len > 0)
			buf_puts(&allow, ", ");
		buf_puts(&allow, routes[i].method);
		if (strcmp(routes[i].method, "GET") == 0)
			get = true;
	}
	if (get)
		buf_puts(&allow, ", HEAD");
	resp_header(resp, "Allow", arena_strdup(req->arena, allow.data));
	resp_problem(resp, req, 405, "method-not-allowed", "Method not allowed", NULL,
	    "%s is not allowed here; allowed: %s", req->method, allow.data);
	buf_free(&allow);
}

static bool
method_valid(const char *m)
{
	size_t n = 0;

	for (; *m != '\0'; m++, n++)
		if (!(*m >= 'A' && *m <= 'Z'))
			return false;
	return n > 0 && n <= 16;
}

bool
req_json_type_ok(struct request *req, struct response *resp)
{
	if (media_type_is_json(req_env(req, "CONTENT_TYPE")))
		return true;
	resp_problem(resp, req, 415, "unsupported-media-type", "Unsupported media type",
	    "Content-Type", "send the body as application/json (UTF-8)");
	return false;
}

bool
req_parse_json(struct request *req, struct response *resp)
{
	char err[256];

	if (!req_json_type_ok(req, resp))
		return false;
	if ((req->json = json_parse_body(req->body, req->body_len, err, sizeof(err))) == NULL) {
		resp_problem(resp, req, 400, "malformed-body", "Malformed request body", "body",
		    "%s", err);
		return false;
	}
	req_keep_json(req, req->json);
	return true;
}

void
http_dispatch(const struct route *routes, size_t nroutes, struct request *req,
    struct response *resp)
{
	const struct route *rt = NULL;
	const char *method;
	size_t i;
	bool path_known = false;

	resp_header(resp, "X-Content-Type-Options", "nosniff");
	resp_header(resp, "Referrer-Policy", "strict-origin-when-cross-origin");
	resp_header(resp, "Cache-Control", "no-store");
	if (req->request_id[0] != '\0')
		resp_header(resp, "X-Request-Id", req->request_id);

	if (req->method == NULL || !method_valid(req->method) || req->path == NULL ||
	    req->path[0] != '/') {
		resp_problem(resp, req, 400, "bad-request", "Bad request", NULL,
		    "the request line is malformed");
		return;
	}
	req->head = strcmp(req->method, "HEAD") == 0;
	method = req->head ? "GET" : req->method;
	for (i = 0; i < nroutes; i++) {
		if (strcmp(routes[i].path, req->path) != 0)
			continue;
		path_known = true;
		if (strcmp(routes[i].method, method) == 0) {
			rt = &routes[i];
			break;
		}
	}
	if (!path_known) {
		resp_problem(resp, req, 404, "not-found", "Not found", NULL,
		    "there is nothing at this path");
		return;
	}
	if (rt == NULL) {
		method_not_allowed(routes, nroutes, req, resp);
		return;
	}
	if (!query_parse(req->arena, req->query, req->params, &req->nparams)) {
		resp_problem(resp, req, 400, "bad-query", "Malformed query string", "query",
		    "the query string has a bad percent-escape, invalid UTF-8, or more than %d "
		    "parameters", MAX_QUERY_PARAMS);
		return;
	}
	if (req->body_too_large) {
		resp_problem(resp, req, 413, "body-too-large", "Request body too large", "body",
		    "the request body is larger than this service accepts");
		return;
	}
	if (rt->body == BODY_JSON) {
		if (!req_parse_json(req, resp))
			return;
	} else if (rt->body == BODY_JSON_LATE) {
		/* The handler parses it (req_parse_json) after checks that must come first. */
	} else if (req->body_len > 0) {
		resp_problem(resp, req, 400, "unexpected-body", "Unexpected request body",
		    "body", "%s %s takes no request body", rt->method, rt->path);
		return;
	}
	rt->handler(req, resp);
}
