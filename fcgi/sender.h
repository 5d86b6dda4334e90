/* sender.h: many HTTP POSTs at once to webhooks (libcurl multi); the only door to libcurl. */
#ifndef CONNECTOR_SENDER_H
#define CONNECTOR_SENDER_H

#include <stdbool.h>
#include <stddef.h>

#include "classify.h"

struct config;
struct sender;

/* What a finished request produced; excerpt is the first bytes of the body, cleaned. */
struct sent {
	void          *user;
	struct answer  answer;
	long           duration_ms;
	const char    *excerpt;		/* printable ASCII, at most 200 bytes */
	const char    *transport;	/* curl's message when no HTTP answer came, or NULL */
};

typedef void (*sent_fn)(const struct sent *, void *ctx);

struct sender	*sender_new(const struct config *);
void		 sender_free(struct sender *);
/* Starts a POST of body (copied) to url; user comes back with the result. */
bool		 sender_start(struct sender *, const char *url, const char *body, size_t len,
		    void *user);
/*
 * The same with extra header lines ("Name: value", NULL-terminated list, copied) and, when
 * trusted, no check of the address connected to (a target the operator configured, such as
 * the owning service's callback URL, may be on a private network).
 */
bool		 sender_post(struct sender *, const char *url, const char *body, size_t len,
		    const char *const *headers, bool trusted, void *user);
int		 sender_inflight(const struct sender *);
/*
 * Waits up to timeout_ms for network activity or for extra_fd (-1: none) to be readable,
 * then drives the transfers and calls done for each one that finished. *extra_ready says
 * whether extra_fd became readable.
 */
void		 sender_run(struct sender *, int extra_fd, int timeout_ms, bool *extra_ready,
		    sent_fn done, void *ctx);
/* Wakes a sender_run waiting in another thread or from a signal handler. */
void		 sender_wakeup(struct sender *);

/*
 * One GET, waiting for the answer (for operators' tools, not the delivery path): the body of a
 * 200 answer of at most max_bytes into out; false with a reason otherwise. Redirects are not
 * followed; allow_http permits http:// (loopback tests), else only https://.
 */
struct buf;
bool		 http_fetch(const char *url, bool allow_http, long timeout_s, size_t max_bytes,
		    struct buf *out, char *err, size_t errlen);

#endif
