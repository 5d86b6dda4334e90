/* fcgi_server.c: accept loop, request reading and response writing over libfcgi. */
#include "fcgi_server.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "app.h"
#include "log.h"
#include "store.h"

/* The FastCGI listening socket is standard input (FCGI_LISTENSOCK_FILENO). */
#define LISTEN_FD 0

struct worker {
	const struct app *app;
	struct store     *store;
	struct arena      arena;
	struct response   resp;
	struct buf        body;
	struct buf        head;	/* the response's headers, kept between requests */
	FCGX_Request      fcgi;
	pthread_t         tid;
	long              id;
};

static pthread_mutex_t accept_lock = PTHREAD_MUTEX_INITIALIZER;
static int wake_fds[2] = { -1, -1 };
static atomic_bool stopping;

int
fcgi_stdin_is_socket(void)
{
	return !FCGX_IsCGI();
}

/* A client-supplied request id is kept only if it is short and plain; else we make one. */
static void
set_request_id(struct request *req, const char *given)
{
	unsigned char raw[8];
	size_t n;

	if (given != NULL && (n = strlen(given)) >= 8 && n < sizeof(req->request_id) &&
	    strspn(given, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == n) {
		memcpy(req->request_id, given, n + 1);
		return;
	}
	if (!random_bytes(raw, sizeof(raw)))
		memset(raw, 0, sizeof(raw));
	hex_encode(raw, sizeof(raw), req->request_id);
}

/* Reads at most limit+1 bytes of the body and discards the rest, so the web server can finish. */
static void
read_body(struct worker *w, struct request *req, long limit)
{
	const char *cl = FCGX_GetParam("CONTENT_LENGTH", w->fcgi.envp);
	char chunk[8192];
	long declared = -1;
	int n;

	buf_reset(&w->body);
	buf_append(&w->body, "", 0);
	if (cl != NULL && *cl != '\0' && !parse_long(cl, 0, 0x7fffffffL, &declared))
		declared = -1;
	if (declared > limit)
		req->body_too_large = true;
	while ((n = FCGX_GetStr(chunk, (int)sizeof(chunk), w->fcgi.in)) > 0) {
		if (req->body_too_large)
			continue;
		if ((long)w->body.len + n > limit) {
			req->body_too_large = true;
			continue;
		}
		buf_append(&w->body, chunk, (size_t)n);
	}
	if (req->body_too_large)
		buf_reset(&w->body);
	req->body = w->body.data;
	req->body_len = w->body.len;
}

/* Header values come from our own code, but a CR or LF would split the header: drop them. */
static void
put_header(struct buf *out, const char *name, const char *value)
{
	size_t n;

	buf_puts(out, name);
	buf_puts(out, ": ");
	/* Whole runs at a time: the page CSP alone is some 300 bytes. */
	while (*value != '\0') {
		n = strcspn(value, "\r\n");
		buf_append(out, value, n);
		value += n;
		if (*value != '\0')
			value++;
	}
	buf_puts(out, "\r\n");
}

static void
write_response(struct worker *w, const struct request *req)
{
	const struct response *r = &w->resp;
	struct buf *head = &w->head;
	char num[32];
	size_t i;

	buf_reset(head);
	snprintf(num, sizeof(num), "%d %s", r->status, http_reason(r->status));
	put_header(head, "Status", num);
	if (r->content_type != NULL)
		put_header(head, "Content-Type", r->content_type);
	if (r->status != 204 && r->status != 304) {
		snprintf(num, sizeof(num), "%lu", (unsigned long)r->body.len);
		put_header(head, "Content-Length", num);
	}
	for (i = 0; i < r->nheaders; i++)
		put_header(head, r->headers[i].name, r->headers[i].value);
	buf_puts(head, "\r\n");
	FCGX_PutStr(head->data, (int)head->len, w->fcgi.out);
	if (!req->head && r->body.len > 0 && r->status != 204 && r->status != 304)
		FCGX_PutStr(r->body.data, (int)r->body.len, w->fcgi.out);
	buf_free(head);
}

static void
handle(struct worker *w)
{
	struct request req;
	const char *uri, *q;
	char mbuf[32], pbuf[256], fbuf[64];
	int64_t t0 = mono_us(), dt;

	memset(&req, 0, sizeof(req));
	req.arena = &w->arena;
	req.app = w->app;
	req.store = w->store;
	req.env = w->fcgi.envp;
	set_request_id(&req, FCGX_GetParam("HTTP_X_REQUEST_ID", w->fcgi.envp));
	req.method = FCGX_GetParam("REQUEST_METHOD", w->fcgi.envp);
	uri = FCGX_GetParam("REQUEST_URI", w->fcgi.envp);
	if (uri == NULL)
		uri = FCGX_GetParam("DOCUMENT_URI", w->fcgi.envp);
	if (uri != NULL)
		req.path = (q = strchr(uri, '?')) != NULL ?
		    arena_strndup(&w->arena, uri, (size_t)(q - uri)) : uri;
	req.query = FCGX_GetParam("QUERY_STRING", w->fcgi.envp);
	read_body(w, &req, w->app->cfg->max_body_bytes);

	http_dispatch(app_routes, app_nroutes, &req, &w->resp);
	write_response(w, &req);

	dt = mono_us() - t0;
	log_line(w->resp.status >= 500 ? LOG_ERROR : LOG_INFO, "request",
	    "rid=%s method=%s path=%s status=%d dur_ms=%ld.%03ld bytes=%lu%s%s",
	    req.request_id, log_value(req.method != NULL ? req.method : "-", mbuf, sizeof(mbuf)),
	    log_value(req.path != NULL ? req.path : "-", pbuf, sizeof(pbuf)), w->resp.status,
	    (long)(dt / 1000), (long)(dt % 1000), (unsigned long)w->resp.body.len,
	    w->resp.problem_field != NULL ? " field=" : "",
	    w->resp.problem_field != NULL ?
	    log_value(w->resp.problem_field, fbuf, sizeof(fbuf)) : "");
	arena_reset(&w->arena);
	resp_reset(&w->resp);
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct pollfd pfd[2];
	int rc;

	for (;;) {
		pthread_mutex_lock(&accept_lock);
		if (atomic_load(&stopping)) {
			pthread_mutex_unlock(&accept_lock);
			break;
		}
		/*
		 * Take a waiting connection first (the socket is non-blocking) and wait on poll only
		 * when there is none: under load that saves a poll(2) per request. The poll also
		 * watches the wake pipe, so SIGTERM never waits on accept().
		 */
		rc = FCGX_Accept_r(&w->fcgi);
		if (rc == -EAGAIN || rc == -EWOULDBLOCK) {
			pfd[0].fd = LISTEN_FD;
			pfd[0].events = POLLIN;
			pfd[1].fd = wake_fds[0];
			pfd[1].events = POLLIN;
			if (poll(pfd, 2, -1) < 0) {
				pthread_mutex_unlock(&accept_lock);
				if (errno == EINTR)
					continue;
				log_line(LOG_ERROR, "poll failed", "errno=%d", errno);
				break;
			}
			pthread_mutex_unlock(&accept_lock);
			if (pfd[1].revents != 0)
				break;
			continue;
		}
		pthread_mutex_unlock(&accept_lock);
		if (rc < 0) {
			/* Another process took the connection first, or the client went away. */
			if (rc == -EINTR || rc == -ECONNABORTED)
				continue;
			log_line(LOG_ERROR, "accept failed", "thread=%ld rc=%d", w->id, rc);
			usleep(100000);
			continue;
		}
		handle(w);
		FCGX_Finish_r(&w->fcgi);
	}
	return NULL;
}

int
fcgi_serve(const struct app *app, long threads)
{
	struct worker *workers;
	sigset_t sigs;
	int flags, sig;
	long i;

	if (FCGX_Init() != 0) {
		log_line(LOG_ERROR, "FCGX_Init failed", NULL);
		return 1;
	}
	flags = fcntl(LISTEN_FD, F_GETFL);
	if (flags < 0 || fcntl(LISTEN_FD, F_SETFL, flags | O_NONBLOCK) < 0) {
		log_line(LOG_ERROR, "cannot make the listening socket non-blocking", "errno=%d",
		    errno);
		return 1;
	}
	if (pipe2(wake_fds, O_CLOEXEC) != 0) {
		log_line(LOG_ERROR, "pipe failed", "errno=%d", errno);
		return 1;
	}
	/* Only this thread takes the signals; workers inherit the mask. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	workers = xcalloc((size_t)threads, sizeof(*workers));
	for (i = 0; i < threads; i++) {
		struct worker *w = &workers[i];

		w->app = app;
		w->id = i;
		w->store = store_new(app->cfg->database_url, app->cfg->db_connect_timeout,
		    "connector-fcgi");
		arena_init(&w->arena);
		resp_init(&w->resp);
		buf_init(&w->body);
		buf_init(&w->head);
		FCGX_InitRequest(&w->fcgi, LISTEN_FD, 0);
		if (pthread_create(&w->tid, NULL, worker_main, w) != 0)
			fatal("pthread_create");
	}
	log_line(LOG_INFO, "started", "pid=%ld threads=%ld", (long)getpid(), threads);

	for (;;) {
		if (sigwait(&sigs, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			/* Key files rotate; the configuration itself needs a restart. */
			app_reload_keys(app);
			continue;
		}
		break;
	}
	log_line(LOG_INFO, "stopping", "signal=%d", sig);
	atomic_store(&stopping, true);
	FCGX_ShutdownPending();
	while (write(wake_fds[1], "x", 1) < 0 && errno == EINTR)
		;
	for (i = 0; i < threads; i++) {
		pthread_join(workers[i].tid, NULL);
		store_free(workers[i].store);
		arena_free(&workers[i].arena);
		resp_free(&workers[i].resp);
		buf_free(&workers[i].body);
		buf_free(&workers[i].head);
		FCGX_Free(&workers[i].fcgi, 1);
	}
	free(workers);
	log_line(LOG_INFO, "stopped", "pid=%ld", (long)getpid());
	return 0;
}
