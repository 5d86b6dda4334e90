/* worker.c: drains the outbox: claims due deliveries, posts cards, records every attempt. */
#include "worker.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "card.h"
#include "classify.h"
#include "config.h"
#include "log.h"
#include "sender.h"
#include "store.h"
#include "util.h"
#include "validate.h"
#include "whsign.h"

#define CLAIM_MAX       100
#define CLEANUP_EVERY_S 600

static volatile sig_atomic_t stop_requested;
static struct sender *signal_sender;

static void
on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
	if (signal_sender != NULL)
		sender_wakeup(signal_sender);	/* curl_multi_wakeup only writes to a pipe */
}

/* An attempt's result waiting to be written with the others of its round. */
struct pending {
	struct attempt_record rec;
	char                  entity_id[37];
	bool                  gone;
	char                  excerpt[201];
	char                  error[200];
};

/* A forwarded click's result waiting to be written with the others of its round. */
struct cb_pending {
	struct callback_record rec;
	char                   id[37];
	char                   error[200];
};

struct job {
	long long id;
	int       attempt;
	char      entity_id[37];
	int       workflow;
	bool      callback;	/* a click forwarded to the owning service, id in cb_id */
	char      cb_id[37];
};

struct worker {
	const struct config *cfg;
	struct store        *store;
	struct sender       *sender;
	struct retry_policy  policy;
	char                 name[128];
	struct pending      *todo;	/* results not yet written (the database may be away) */
	size_t               ntodo, captodo;
	struct cb_pending   *cbtodo;
	size_t               ncbtodo, capcbtodo;
	long                 delivered, failed;
};

static const char *
outcome_name(enum outcome o)
{
	switch (o) {
	case OUTCOME_DELIVERED: return "delivered";
	case OUTCOME_RETRY: return "retry";
	case OUTCOME_THROTTLED: return "throttled";
	case OUTCOME_GONE: return "gone";
	default: return "failed";
	}
}

static struct pending *
new_pending(struct worker *w)
{
	struct pending *p;

	if (w->ntodo == w->captodo) {
		w->captodo = w->captodo ? w->captodo * 2 : 64;
		w->todo = xrealloc(w->todo, w->captodo * sizeof(*w->todo));
	}
	p = &w->todo[w->ntodo++];
	memset(p, 0, sizeof(*p));
	return p;
}

static void
log_store_error(enum store_result res, const char *what, const char *err)
{
	char v[256];

	log_line(res == STORE_UNAVAILABLE ? LOG_WARN : LOG_ERROR, what, "error=%s",
	    log_value(err, v, sizeof(v)));
}

/*
 * Writes every pending result in one statement; then disables the configurations whose
 * webhook is gone. Keeps them all when the database is away. If the statement itself fails,
 * writes them one by one so that one bad row cannot hold back the rest.
 */
static void
flush_callbacks(struct worker *w)
{
	struct callback_record *recs;
	enum store_result res;
	char err[256];
	size_t i;

	if (w->ncbtodo == 0)
		return;
	recs = xcalloc(w->ncbtodo, sizeof(*recs));
	for (i = 0; i < w->ncbtodo; i++) {
		recs[i] = w->cbtodo[i].rec;
		recs[i].id = w->cbtodo[i].id;
		recs[i].error = w->cbtodo[i].error[0] ? w->cbtodo[i].error : NULL;
	}
	res = store_callbacks_record(w->store, recs, w->ncbtodo, w->name, err, sizeof(err));
	free(recs);
	if (res == STORE_UNAVAILABLE) {
		log_store_error(res, "cannot record callbacks yet", err);
		return;
	}
	if (res != STORE_OK)
		log_store_error(res, "callbacks not recorded; their leases will expire", err);
	w->ncbtodo = 0;
}

static void
flush(struct worker *w)
{
	struct attempt_record *recs;
	enum store_result res;
	char err[256];
	size_t i;

	flush_callbacks(w);
	if (w->ntodo == 0)
		return;
	recs = xcalloc(w->ntodo, sizeof(*recs));
	for (i = 0; i < w->ntodo; i++) {
		recs[i] = w->todo[i].rec;
		recs[i].excerpt = w->todo[i].excerpt;
		recs[i].error = w->todo[i].error[0] ? w->todo[i].error : NULL;
	}
	res = store_record(w->store, recs, w->ntodo, w->name, err, sizeof(err));
	if (res == STORE_UNAVAILABLE) {
		log_store_error(res, "cannot record attempts yet", err);
		free(recs);
		return;
	}
	if (res != STORE_OK) {
		log_store_error(res, "cannot record a round of attempts; one by one", err);
		for (i = 0; i < w->ntodo; i++)
			if ((res = store_record(w->store, &recs[i], 1, w->name, err,
			    sizeof(err))) != STORE_OK)
				log_store_error(res, "attempt not recorded", err);
	}
	for (i = 0; i < w->ntodo; i++)
		if (w->todo[i].gone && (res = store_disable(w->store, w->todo[i].entity_id,
		    w->todo[i].error, err, sizeof(err))) != STORE_OK)
			log_store_error(res, "cannot disable a configuration", err);
	free(recs);
	w->ntodo = 0;
}

/* A result for a delivery that was claimed but never sent (bad card, URL no longer allowed). */
static void
record_unsent(struct worker *w, const struct job *j, const char *why)
{
	struct pending *p = new_pending(w);

	p->rec.id = j->id;
	p->rec.attempt = j->attempt;
	p->rec.outcome = "failed";
	p->rec.state = "failed";
	snprintf(p->error, sizeof(p->error), "%s", why);
	log_line(LOG_WARN, "delivery not sent", "delivery=%lld reason=\"%s\"", j->id, why);
	w->failed++;
}

/*
 * The owning service's answer to a forwarded click: 2xx accepted; 408, 429, 5xx and no answer
 * are worth another try; any other 4xx says the request itself is refused.
 */
static void
on_callback_sent(struct worker *w, const struct sent *r, struct job *j)
{
	struct cb_pending *p;
	long status = r->answer.http_status, delay;
	enum outcome o;

	if (w->ncbtodo == w->capcbtodo) {
		w->capcbtodo = w->capcbtodo ? w->capcbtodo * 2 : 16;
		w->cbtodo = xrealloc(w->cbtodo, w->capcbtodo * sizeof(*w->cbtodo));
	}
	p = &w->cbtodo[w->ncbtodo++];
	memset(p, 0, sizeof(*p));
	snprintf(p->id, sizeof(p->id), "%s", j->cb_id);
	p->rec.attempt = j->attempt;
	p->rec.http_status = status;
	if (status >= 200 && status < 300)
		o = OUTCOME_DELIVERED;
	else if (status == 429)
		o = OUTCOME_THROTTLED;
	else if (status == 0 || status == 408 || status >= 500)
		o = OUTCOME_RETRY;
	else
		o = OUTCOME_FAILED;
	if (r->transport != NULL)
		snprintf(p->error, sizeof(p->error), "no answer: %s", r->transport);
	else if (o != OUTCOME_DELIVERED)
		snprintf(p->error, sizeof(p->error), "HTTP %ld", status);
	if (o == OUTCOME_DELIVERED) {
		p->rec.state = "delivered";
	} else if (o == OUTCOME_FAILED) {
		p->rec.state = "failed";
	} else {
		delay = retry_delay(&w->policy, o, j->attempt, r->answer.retry_after,
		    (double)random() / ((double)RAND_MAX + 1.0));
		p->rec.state = delay < 0 ? "dead" : "pending";
		p->rec.delay = delay < 0 ? 0 : (double)delay;
	}
	log_line(o == OUTCOME_DELIVERED ? LOG_DEBUG : LOG_INFO, "callback attempt",
	    "action=%s attempt=%d status=%ld state=%s dur_ms=%ld", j->cb_id, j->attempt, status,
	    p->rec.state, r->duration_ms);
	free(j);
}

static void
on_sent(const struct sent *r, void *ctx)
{
	struct worker *w = ctx;
	struct job *j = r->user;
	struct pending *p;
	struct verdict v;
	long delay;

	if (j->callback) {
		on_callback_sent(w, r, j);
		return;
	}
	p = new_pending(w);

	classify_answer(j->workflow ? WEBHOOK_WORKFLOW : WEBHOOK_CONNECTOR, &r->answer, &v);
	p->rec.id = j->id;
	p->rec.attempt = j->attempt;
	p->rec.outcome = outcome_name(v.outcome);
	p->rec.http_status = r->answer.http_status;
	p->rec.duration_ms = r->duration_ms;
	snprintf(p->excerpt, sizeof(p->excerpt), "%s", r->excerpt ? r->excerpt : "");
	if (r->transport != NULL)
		snprintf(p->error, sizeof(p->error), "%s: %s", v.reason, r->transport);
	else if (v.outcome != OUTCOME_DELIVERED)
		snprintf(p->error, sizeof(p->error), "%s", v.reason);
	switch (v.outcome) {
	case OUTCOME_DELIVERED:
		p->rec.state = "delivered";
		w->delivered++;
		break;
	case OUTCOME_GONE:
		p->rec.state = "cancelled";
		p->gone = true;
		snprintf(p->error, sizeof(p->error), "webhook gone: %s", v.reason);
		snprintf(p->entity_id, sizeof(p->entity_id), "%s", j->entity_id);
		w->failed++;
		break;
	case OUTCOME_FAILED:
		p->rec.state = "failed";
		w->failed++;
		break;
	default:
		delay = retry_delay(&w->policy, v.outcome, j->attempt, r->answer.retry_after,
		    (double)random() / ((double)RAND_MAX + 1.0));
		if (delay < 0) {
			p->rec.state = "dead";
			w->failed++;
		} else {
			p->rec.state = "pending";
			p->rec.delay = (double)delay;
		}
		break;
	}
	log_line(v.outcome == OUTCOME_DELIVERED ? LOG_DEBUG : LOG_INFO, "attempt",
	    "delivery=%lld attempt=%d outcome=%s status=%ld state=%s dur_ms=%ld", j->id,
	    j->attempt, p->rec.outcome, r->answer.http_status, p->rec.state, r->duration_ms);
	free(j);
}

/*
 * Claims clicks to forward to the owning service and starts each, signed the Standard
 * Webhooks way (a fresh timestamp and signature per attempt, the same id and body).
 */
static bool
claim_callbacks(struct worker *w, long room)
{
	const struct config *cfg = w->cfg;
	struct claimed_callback *c;
	char err[256], v[256];
	enum store_result res;
	size_t n, i;

	if (*cfg->action_callback_url == '\0' || room <= 0)
		return false;
	res = store_callbacks_claim(w->store, w->name, room, cfg->lease_seconds, &c, &n, err,
	    sizeof(err));
	if (res != STORE_OK) {
		log_line(res == STORE_UNAVAILABLE ? LOG_WARN : LOG_ERROR, "cannot claim callbacks",
		    "error=%s", log_value(err, v, sizeof(v)));
		return false;
	}
	for (i = 0; i < n; i++) {
		struct job *j = xcalloc(1, sizeof(*j));
		char id_h[64], ts_h[64], sig[WHSIGN_MAX], sig_h[80];
		const char *headers[4] = { id_h, ts_h, sig_h, NULL };
		int64_t ts = now_ms() / 1000;

		j->callback = true;
		j->attempt = c[i].attempt;
		snprintf(j->cb_id, sizeof(j->cb_id), "%s", c[i].id);
		snprintf(id_h, sizeof(id_h), "webhook-id: %s", c[i].id);
		snprintf(ts_h, sizeof(ts_h), "webhook-timestamp: %lld", (long long)ts);
		if (!whsign(cfg->action_callback_secret, c[i].id, ts, c[i].body, strlen(c[i].body),
		    sig)) {
			log_line(LOG_ERROR, "callback not signed: bad action_callback_secret", NULL);
			free(j);
			continue;	/* its lease expires; config checks make this unreachable */
		}
		snprintf(sig_h, sizeof(sig_h), "webhook-signature: %s", sig);
		if (!sender_post(w->sender, cfg->action_callback_url, c[i].body, strlen(c[i].body),
		    headers, true, j)) {
			log_line(LOG_WARN, "cannot start a callback request", "action=%s", j->cb_id);
			free(j);
		}
	}
	store_claimed_callbacks_free(c, n);
	return n == (size_t)room;
}

/* Claims what fits in flight and starts each request; true when it got all it asked for. */
static bool
claim_and_send(struct worker *w)
{
	const struct config *cfg = w->cfg;
	long room = cfg->worker_concurrency - sender_inflight(w->sender);
	struct claimed *c;
	struct card_ctx ctx;
	struct buf card, target;
	char err[256], v[256];
	enum store_result res;
	bool more_clicks;
	size_t n, i;

	if (room <= 0)
		return false;
	if (room > CLAIM_MAX)
		room = CLAIM_MAX;
	/* Clicks are few and a person waits on them downstream: they go first. */
	more_clicks = claim_callbacks(w, room / 4 > 0 ? room / 4 : 1);
	room = cfg->worker_concurrency - sender_inflight(w->sender);
	if (room <= 0)
		return false;
	if (room > CLAIM_MAX)
		room = CLAIM_MAX;
	res = store_claim(w->store, w->name, room, cfg->lease_seconds, cfg->rate_limits,
	    cfg->rate_windows, cfg->nrates, &c, &n, err, sizeof(err));
	if (res != STORE_OK) {
		log_line(res == STORE_UNAVAILABLE ? LOG_WARN : LOG_ERROR, "cannot claim deliveries",
		    "error=%s", log_value(err, v, sizeof(v)));
		return false;
	}
	buf_init(&card);
	/* httpPost buttons post to this service's Action endpoint, signed for each delivery. */
	buf_init(&target);
	buf_printf(&target, "%s/Connector/Action", cfg->public_base_url);
	memset(&ctx, 0, sizeof(ctx));
	ctx.action_target = target.data;
	ctx.secret = cfg->csrf_secret;
	for (i = 0; i < n; i++) {
		struct job *j = xcalloc(1, sizeof(*j));
		struct json_object *payload = json_tokener_parse(c[i].payload);
		enum webhook_kind kind;
		const char *why;

		j->id = c[i].id;
		j->attempt = c[i].attempt;
		j->workflow = c[i].workflow;
		snprintf(j->entity_id, sizeof(j->entity_id), "%s", c[i].entity_id);
		ctx.notification_id = c[i].notification_id;
		ctx.entity_id = c[i].entity_id;
		/* The allow-list may have changed since the URL was saved: check it again. */
		if (!webhook_url_check(c[i].webhook_url, cfg, &kind, &why)) {
			record_unsent(w, j, "webhook URL no longer allowed");
			free(j);
		} else if (payload == NULL || !card_build(payload, j->workflow ? WEBHOOK_WORKFLOW :
		    WEBHOOK_CONNECTOR, CARD_MAX_BYTES, &ctx, &card, NULL)) {
			record_unsent(w, j, "card cannot be built");
			free(j);
		} else if (!sender_start(w->sender, c[i].webhook_url, card.data, card.len, j)) {
			record_unsent(w, j, "cannot start the request");
			free(j);
		}
		json_object_put(payload);
	}
	buf_free(&card);
	buf_free(&target);
	store_claimed_free(c, n);
	return more_clicks || n == (size_t)room;
}

static void
make_name(char *out, size_t len)
{
	char host[64];

	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "unknown");
	host[sizeof(host) - 1] = '\0';
	snprintf(out, len, "%s:%ld", host, (long)getpid());
}

int
worker_run(const struct config *cfg)
{
	struct worker w;
	struct sigaction sa;
	int64_t last_claim = 0, last_cleanup = 0, last_listen_try = 0;
	bool listening = false, due = true;
	char err[256], v[256];
	long max_window = 0;
	size_t i;

	memset(&w, 0, sizeof(w));
	w.cfg = cfg;
	w.policy.base_seconds = cfg->retry_base;
	w.policy.max_seconds = cfg->retry_max;
	w.policy.throttle_min = cfg->retry_throttle;
	w.policy.max_attempts = (int)cfg->max_attempts;
	make_name(w.name, sizeof(w.name));
	srandom((unsigned)(now_ms() ^ getpid()));
	for (i = 0; i < cfg->nrates; i++)
		if (cfg->rate_windows[i] > max_window)
			max_window = cfg->rate_windows[i];
	w.store = store_new(cfg->database_url, cfg->db_connect_timeout, "connector-worker");
	w.sender = sender_new(cfg);
	signal_sender = w.sender;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	log_line(LOG_INFO, "worker started", "worker=%s concurrency=%ld", w.name,
	    cfg->worker_concurrency);

	while (!stop_requested || sender_inflight(w.sender) > 0) {
		int64_t now = mono_us() / 1000;
		bool db_ready = false;
		int timeout;

		if (!listening && now - last_listen_try >= 1000) {
			last_listen_try = now;
			listening = store_listen(w.store, err, sizeof(err));
			if (!listening)
				log_line(LOG_WARN, "database unavailable", "error=%s",
				    log_value(err, v, sizeof(v)));
			else
				due = true;
		}
		flush(&w);
		if (!stop_requested && listening && w.ntodo == 0 && w.ncbtodo == 0 &&
		    (due || now - last_claim >= cfg->worker_poll_ms)) {
			/* A full claim means more is probably waiting. */
			due = claim_and_send(&w);
			last_claim = now;
		}
		if (listening && now - last_cleanup >= CLEANUP_EVERY_S * 1000) {
			last_cleanup = now;
			store_sends_cleanup(w.store, max_window + 60, err, sizeof(err));
		}
		timeout = due ? 0 : (int)cfg->worker_poll_ms;
		if (timeout > 200 && sender_inflight(w.sender) > 0)
			timeout = 200;
		sender_run(w.sender, listening ? store_socket(w.store) : -1, timeout, &db_ready,
		    on_sent, &w);
		if (db_ready || listening) {
			int got = store_consume_notifies(w.store);

			if (got < 0)
				listening = false;	/* the connection dropped: LISTEN again */
			else if (got > 0)
				due = true;
		}
	}
	flush(&w);
	log_line(LOG_INFO, "worker stopped", "worker=%s delivered=%ld failed=%ld unrecorded=%zu",
	    w.name, w.delivered, w.failed, w.ntodo);
	signal_sender = NULL;
	sender_free(w.sender);
	store_free(w.store);
	free(w.todo);
	free(w.cbtodo);
	return 0;
}
