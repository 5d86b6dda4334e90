/* minimal_upsert.c: the least a libfcgi + libpq program can do to save a configuration: the ceiling bench/run measures Save against. */
/*
 * usage: minimal_upsert CONNINFO THREADS ERROR-LOG
 * Reads the JSON body Save gets, upserts the same columns of configurations with one prepared
 * statement (one connection per thread, autocommit, as connector-fcgi), answers 200 with a
 * small JSON. No Origin, CSRF or field checks and no request log: what is left is the floor.
 * THREADS threads each take requests with FCGX_Accept_r, the model connector-fcgi uses.
 * spawn-fcgi puts the children's stderr on /dev/null, so errors go to ERROR-LOG.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <json-c/json.h>
#include <libpq-fe.h>

#define BODY_MAX 65536

static const char *conninfo;
static FILE *errlog;
static pthread_mutex_t accept_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static const char upsert_sql[] =
    "INSERT INTO configurations (entity_id, config_name, content_url, webhook_url, webhook_kind,"
    " app_type, user_object_id, events, webhook_key)"
    " VALUES ($1, $2, $3, $4, 'connector', $5, $6, $7::text[],"
    " encode(sha256(convert_to($4, 'UTF8')), 'hex'))"
    " ON CONFLICT (entity_id) DO UPDATE SET config_name = EXCLUDED.config_name,"
    " content_url = EXCLUDED.content_url, webhook_url = EXCLUDED.webhook_url,"
    " app_type = EXCLUDED.app_type, user_object_id = EXCLUDED.user_object_id,"
    " events = EXCLUDED.events, webhook_key = EXCLUDED.webhook_key, updated_at = now()";

static void
log_error(const char *what, const char *detail)
{
	pthread_mutex_lock(&log_lock);
	fprintf(errlog, "minimal_upsert: %s: %s\n", what, detail != NULL ? detail : "");
	fflush(errlog);
	pthread_mutex_unlock(&log_lock);
}

/* A connection with the statement prepared, or NULL; reconnects after a loss. */
static PGconn *
connection(PGconn **c)
{
	PGresult *r;

	if (*c != NULL && PQstatus(*c) == CONNECTION_OK)
		return *c;
	if (*c != NULL)
		PQfinish(*c);
	*c = PQconnectdb(conninfo);
	if (PQstatus(*c) != CONNECTION_OK) {
		log_error("connect", PQerrorMessage(*c));
		PQfinish(*c);
		*c = NULL;
		return NULL;
	}
	r = PQprepare(*c, "upsert", upsert_sql, 0, NULL);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		log_error("prepare", PQresultErrorMessage(r));
		PQclear(r);
		PQfinish(*c);
		*c = NULL;
		return NULL;
	}
	PQclear(r);
	return *c;
}

static void
answer(FCGX_Request *req, int status, const char *json)
{
	char head[160];
	int n = snprintf(head, sizeof(head),
	    "Status: %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n",
	    status, status == 200 ? "OK" : status == 400 ? "Bad Request" : "Internal Server Error",
	    (int)strlen(json));

	FCGX_PutStr(head, n, req->out);
	FCGX_PutStr(json, (int)strlen(json), req->out);
}

static const char *
member(struct json_object *o, const char *name)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, name, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static void
handle(FCGX_Request *req, PGconn **conn, char *body)
{
	struct json_object *o, *ev, *out;
	const char *p[7];
	char events[512];
	size_t len = 0, i, n;
	int got, k;
	PGconn *c;
	PGresult *r;

	while (len < BODY_MAX && (got = FCGX_GetStr(body + len, (int)(BODY_MAX - len), req->in)) > 0)
		len += (size_t)got;
	body[len] = '\0';
	o = json_tokener_parse(body);
	p[0] = member(o, "entityId");
	p[1] = member(o, "configName");
	p[2] = member(o, "contentUrl");
	p[3] = member(o, "webhookUrl");
	p[4] = member(o, "appType");
	p[5] = member(o, "userObjectId");
	if (o == NULL || !json_object_object_get_ex(o, "events", &ev) ||
	    !json_object_is_type(ev, json_type_array)) {
		json_object_put(o);
		answer(req, 400, "{\"error\":\"bad body\"}");
		return;
	}
	for (k = 0; k < 6; k++)
		if (p[k] == NULL) {
			json_object_put(o);
			answer(req, 400, "{\"error\":\"bad body\"}");
			return;
		}
	/* A text[] literal; the bench sends plain category ids, which need no quoting. */
	n = json_object_array_length(ev);
	events[0] = '{';
	len = 1;
	for (i = 0; i < n && len < sizeof(events) - 2; i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(ev, i));

		len += (size_t)snprintf(events + len, sizeof(events) - len, "%s%s",
		    i > 0 ? "," : "", s != NULL ? s : "");
	}
	if (len > sizeof(events) - 2)
		len = sizeof(events) - 2;
	events[len++] = '}';
	events[len] = '\0';
	p[6] = events;

	if ((c = connection(conn)) == NULL) {
		json_object_put(o);
		answer(req, 500, "{\"error\":\"no database\"}");
		return;
	}
	r = PQexecPrepared(c, "upsert", 7, p, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		log_error("upsert", PQresultErrorMessage(r));
		PQclear(r);
		json_object_put(o);
		answer(req, 500, "{\"error\":\"upsert failed\"}");
		return;
	}
	PQclear(r);
	/* About what Save answers: the id, the name and the events, never the webhook URL. */
	out = json_object_new_object();
	json_object_object_add(out, "entityId", json_object_new_string(p[0]));
	json_object_object_add(out, "configName", json_object_new_string(p[1]));
	json_object_object_add(out, "events", json_object_get(ev));
	answer(req, 200, json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN));
	json_object_put(out);
	json_object_put(o);
}

static void *
serve(void *unused)
{
	FCGX_Request req;
	PGconn *conn = NULL;
	char *body = malloc(BODY_MAX + 1);
	int rc;

	(void)unused;
	if (body == NULL)
		abort();
	/* Connect before the first request, as a warm connector-fcgi thread would be. */
	connection(&conn);
	FCGX_InitRequest(&req, 0, 0);
	for (;;) {
		pthread_mutex_lock(&accept_lock);
		rc = FCGX_Accept_r(&req);
		pthread_mutex_unlock(&accept_lock);
		if (rc < 0) {
			usleep(1000);	/* never spin on a broken socket */
			continue;
		}
		handle(&req, &conn, body);
		FCGX_Finish_r(&req);
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	sigset_t sigs;
	pthread_t tid;
	int i, threads, sig;

	if (argc != 4 || (threads = atoi(argv[2])) < 1) {
		fprintf(stderr, "usage: minimal_upsert CONNINFO THREADS ERROR-LOG\n");
		return 2;
	}
	conninfo = argv[1];
	if ((errlog = fopen(argv[3], "a")) == NULL) {
		perror(argv[3]);
		return 1;
	}
	if (FCGX_Init() != 0)
		return 1;
	/* Threads blocked in accept never see SIGTERM: this thread waits for it instead. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	for (i = 0; i < threads; i++)
		if (pthread_create(&tid, NULL, serve, NULL) != 0)
			return 1;
	sigwait(&sigs, &sig);
	return 0;
}
