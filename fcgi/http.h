/* http.h: the request/response interface handlers see; no FastCGI, no sockets, testable alone. */
#ifndef CONNECTOR_HTTP_H
#define CONNECTOR_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "util.h"

struct json_object;
struct app;
struct store;

#define MAX_QUERY_PARAMS 32
#define MAX_HEADERS      16

struct query_param {
	const char *name;
	const char *value;
};

struct request {
	struct arena        *arena;
	const struct app    *app;		/* shared, read-only after start-up */
	struct store        *store;		/* this thread's database connection */
	char *const         *env;		/* CGI parameters, "NAME=value" */

	const char          *method;
	const char          *path;
	const char          *query;		/* raw, without '?' */
	struct query_param   params[MAX_QUERY_PARAMS];
	size_t               nparams;

	const char          *body;		/* as received, NUL-terminated */
	size_t               body_len;
	bool                 body_too_large;	/* more than max_body_bytes arrived */
	struct json_object  *json;		/* the parsed body for JSON routes */

	char                 request_id[33];
	bool                 head;		/* HEAD: answer as GET, without the body */
};

struct response {
	int                  status;
	const char          *content_type;
	struct {
		const char *name;
		const char *value;
	}                    headers[MAX_HEADERS];
	size_t               nheaders;
	struct buf           body;
	const char          *problem_field;	/* for the log line: which input failed */
};

typedef void (*handler_fn)(struct request *, struct response *);

/* BODY_JSON_LATE: a JSON body the handler parses itself, after checks that must come first. */
enum body_kind { BODY_NONE, BODY_JSON, BODY_JSON_LATE };

struct route {
	const char     *method;
	const char     *path;
	enum body_kind  body;
	handler_fn      handler;
};

/* A CGI parameter by name, or NULL. */
const char *req_env(const struct request *, const char *name);
/* A decoded query parameter by name (the first), or NULL. */
const char *req_query(const struct request *, const char *name);

/* The body is declared application/json; false with a 415 in resp otherwise. */
bool	 req_json_type_ok(struct request *, struct response *);
/* Checks the media type and parses the body into req->json; false with resp filled. */
bool	 req_parse_json(struct request *, struct response *);

/* Releases a json-c object with the request (when its arena is reset). */
void	 req_keep_json(struct request *, struct json_object *);

void	 resp_init(struct response *);
void	 resp_reset(struct response *);
void	 resp_free(struct response *);
void	 resp_header(struct response *, const char *name, const char *value);
const char *resp_get_header(const struct response *, const char *name);
/* Serialises a json-c object as the body with the given status. */
void	 resp_json(struct response *, int status, struct json_object *);
/*
 * An RFC 9457 problem: type derived from slug, title, status, detail, and the offending
 * input ("field") when there is one. detail must not carry secrets.
 */
void	 resp_problem(struct response *, const struct request *, int status, const char *slug,
	    const char *title, const char *field, const char *fmt, ...)
	    __attribute__((format(printf, 7, 8)));

const char *http_reason(int status);

/*
 * Pure parsers, exposed for tests and fuzzers.
 * query_parse: application/x-www-form-urlencoded into params (decoded, arena copies); false
 *   on a bad escape, invalid UTF-8, a NUL, or more than MAX_QUERY_PARAMS.
 * media_type_is_json: application/json, optionally with charset=utf-8, any case and spacing.
 * json_parse_body: strict JSON, depth-limited, one object and nothing after it; on failure
 *   a message in err.
 */
bool	 query_parse(struct arena *, const char *query, struct query_param *, size_t *n);
bool	 media_type_is_json(const char *content_type);
struct json_object *json_parse_body(const char *body, size_t len, char *err, size_t errlen);

/*
 * The one place a request is checked before any handler runs: route, method, query, body
 * size, content type, UTF-8 and JSON. Fills resp in every case.
 */
void	 http_dispatch(const struct route *routes, size_t nroutes, struct request *,
	    struct response *);

#endif
