/* sender.c: libcurl multi transfers with timeouts, connection reuse and the connect-time SSRF guard. */
#include "sender.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "config.h"
#include "netcheck.h"
#include "util.h"

#define EXCERPT_MAX 200
#define BODY_KEEP   2048

struct transfer {
	CURL              *easy;
	struct curl_slist *headers;
	char              *body;
	struct buf         answer;
	long               retry_after;
	bool               refused;
	bool               trusted;	/* the operator named this target: no address check */
	int64_t            started_us;
	void              *user;
	const struct config *cfg;
	struct transfer   *next;
};

struct sender {
	const struct config *cfg;
	CURLM               *multi;
	int                  inflight;
	struct transfer     *all;
};

struct sender *
sender_new(const struct config *cfg)
{
	struct sender *s = xcalloc(1, sizeof(*s));

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatal("curl_global_init");
	s->cfg = cfg;
	if ((s->multi = curl_multi_init()) == NULL)
		fatal("curl_multi_init");
	curl_multi_setopt(s->multi, CURLMOPT_MAXCONNECTS, (long)cfg->worker_concurrency * 2);
	/* HTTP/2 multiplexing where Teams offers it; one connection serves many posts. */
	curl_multi_setopt(s->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
	return s;
}

static void
transfer_free(struct transfer *t)
{
	curl_slist_free_all(t->headers);
	curl_easy_cleanup(t->easy);
	free(t->body);
	buf_free(&t->answer);
	free(t);
}

void
sender_free(struct sender *s)
{
	struct transfer *t, *next;

	if (s == NULL)
		return;
	for (t = s->all; t != NULL; t = next) {
		next = t->next;
		curl_multi_remove_handle(s->multi, t->easy);
		transfer_free(t);
	}
	curl_multi_cleanup(s->multi);
	curl_global_cleanup();
	free(s);
}

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct transfer *t = arg;
	size_t len = size * n;

	if (t->answer.len < BODY_KEEP)
		buf_append(&t->answer, p, len < BODY_KEEP - t->answer.len ? len : BODY_KEEP - t->answer.len);
	return len;
}

static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct transfer *t = arg;
	size_t len = size * n;
	char v[32];
	long secs;

	/* Only delay-seconds; an HTTP-date Retry-After falls back to our own backoff. */
	if (len > 12 && len < 12 + sizeof(v) && ascii_nieq(p, "Retry-After:", 12)) {
		size_t i = 12, o = 0;

		while (i < len && p[i] == ' ')
			i++;
		while (i < len && p[i] >= '0' && p[i] <= '9' && o < sizeof(v) - 1)
			v[o++] = p[i++];
		v[o] = '\0';
		if (o > 0 && parse_long(v, 0, 86400 * 7, &secs))
			t->retry_after = secs;
	}
	return len;
}

/* Connect-time check of the address DNS gave: a name that resolves inward is refused. */
static curl_socket_t
on_open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *addr)
{
	struct transfer *t = arg;

	if (purpose != CURLSOCKTYPE_IPCXN ||
	    (!t->trusted && !address_allowed(&addr->addr, addr->addrlen, t->cfg))) {
		t->refused = true;
		return CURL_SOCKET_BAD;
	}
	return socket(addr->family, addr->socktype, addr->protocol);
}

bool
sender_start(struct sender *s, const char *url, const char *body, size_t len, void *user)
{
	return sender_post(s, url, body, len, NULL, false, user);
}

bool
sender_post(struct sender *s, const char *url, const char *body, size_t len,
    const char *const *headers, bool trusted, void *user)
{
	struct transfer *t = xcalloc(1, sizeof(*t));
	CURL *e;

	if ((e = curl_easy_init()) == NULL) {
		free(t);
		return false;
	}
	t->easy = e;
	t->cfg = s->cfg;
	t->user = user;
	t->retry_after = -1;
	buf_init(&t->answer);
	buf_append(&t->answer, "", 0);
	t->body = xmalloc(len + 1);
	memcpy(t->body, body, len);
	t->body[len] = '\0';
	t->headers = curl_slist_append(NULL, "Content-Type: application/json");
	t->headers = curl_slist_append(t->headers, "Expect:");
	for (; headers != NULL && *headers != NULL; headers++)
		t->headers = curl_slist_append(t->headers, *headers);
	t->trusted = trusted;
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https,http");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_POST, 1L);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->body);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
	curl_easy_setopt(e, CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, s->cfg->send_connect_timeout);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, s->cfg->send_timeout);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, t);
	curl_easy_setopt(e, CURLOPT_PRIVATE, t);
	if (curl_multi_add_handle(s->multi, e) != CURLM_OK) {
		transfer_free(t);
		return false;
	}
	t->started_us = mono_us();
	t->next = s->all;
	s->all = t;
	s->inflight++;
	return true;
}

int
sender_inflight(const struct sender *s)
{
	return s->inflight;
}

void
sender_wakeup(struct sender *s)
{
	curl_multi_wakeup(s->multi);
}

static void
unlink_transfer(struct sender *s, struct transfer *t)
{
	struct transfer **pp;

	for (pp = &s->all; *pp != NULL; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			return;
		}
}

/* Printable ASCII only, for a log- and database-safe excerpt. */
static void
make_excerpt(const struct buf *b, char *out, size_t outlen)
{
	size_t i, o = 0;

	for (i = 0; i < b->len && o + 1 < outlen && o < EXCERPT_MAX; i++) {
		unsigned char c = (unsigned char)b->data[i];

		out[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : ' ';
	}
	out[o] = '\0';
}

void
sender_run(struct sender *s, int extra_fd, int timeout_ms, bool *extra_ready, sent_fn done,
    void *ctx)
{
	struct curl_waitfd extra;
	CURLMsg *msg;
	int running, left, nextra = 0;

	*extra_ready = false;
	if (extra_fd >= 0) {
		extra.fd = extra_fd;
		extra.events = CURL_WAIT_POLLIN;
		extra.revents = 0;
		nextra = 1;
	}
	curl_multi_poll(s->multi, nextra ? &extra : NULL, (unsigned)nextra, timeout_ms, NULL);
	if (nextra && extra.revents != 0)
		*extra_ready = true;
	curl_multi_perform(s->multi, &running);
	while ((msg = curl_multi_info_read(s->multi, &left)) != NULL) {
		struct transfer *t;
		struct sent r;
		char excerpt[EXCERPT_MAX + 1];
		long status = 0;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
		curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
		memset(&r, 0, sizeof(r));
		r.user = t->user;
		r.duration_ms = (long)((mono_us() - t->started_us) / 1000);
		r.answer.retry_after = t->retry_after;
		r.answer.address_refused = t->refused;
		if (msg->data.result != CURLE_OK) {
			r.answer.transport_error = (int)msg->data.result;
			r.transport = t->refused ? "address not allowed" :
			    curl_easy_strerror(msg->data.result);
			status = 0;
		}
		r.answer.http_status = status;
		r.answer.body = t->answer.data;
		r.answer.body_len = t->answer.len;
		make_excerpt(&t->answer, excerpt, sizeof(excerpt));
		r.excerpt = excerpt;
		curl_multi_remove_handle(s->multi, t->easy);
		s->inflight--;
		done(&r, ctx);
		unlink_transfer(s, t);
		transfer_free(t);
	}
}

/* Keeps at most max bytes of a fetched body; more makes the transfer fail. */
struct fetch_sink {
	struct buf *out;
	size_t      max;
	bool        too_big;
};

static size_t
on_fetch_body(char *p, size_t size, size_t n, void *arg)
{
	struct fetch_sink *f = arg;

	if (f->out->len + size * n > f->max) {
		f->too_big = true;
		return 0;
	}
	buf_append(f->out, p, size * n);
	return size * n;
}

bool
http_fetch(const char *url, bool allow_http, long timeout_s, size_t max_bytes, struct buf *out,
    char *err, size_t errlen)
{
	struct fetch_sink sink = { out, max_bytes, false };
	long status = 0;
	CURLcode rc;
	CURL *e;

	buf_reset(out);
	if (strncmp(url, "https://", 8) != 0 && !(allow_http && strncmp(url, "http://", 7) == 0)) {
		snprintf(err, errlen, "the URL must start with https://");
		return false;
	}
	if ((e = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "cannot start libcurl");
		return false;
	}
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, allow_http ? "https,http" : "https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, timeout_s);
	curl_easy_setopt(e, CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_fetch_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &sink);
	rc = curl_easy_perform(e);
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(e);
	if (sink.too_big) {
		snprintf(err, errlen, "the answer is larger than %zu bytes", max_bytes);
		return false;
	}
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "%s", curl_easy_strerror(rc));
		return false;
	}
	if (status != 200) {
		snprintf(err, errlen, "the server answered HTTP %ld", status);
		return false;
	}
	buf_append(out, "", 0);
	return true;
}
