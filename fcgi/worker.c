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

/* An attempt whose result could not be written yet (the database was away). */
struct unrecorded {
	struct attempt_record rec;
	char                  entity_id[37];
	bool                  gone;
	char                  excerpt[201];
	char                  error[200];
	struct unrecorded    *next;
};

struct job {
	long long id;
	int       attempt;
	char      entity_id[37];
	int       workflow;
};

struct worker {
	const struct config *cfg;
	struct store        *store;
	struct sender       *sender;
	struct retry_policy  policy;
	char                 name[128];
	struct unrecorded   *backlog;
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

/* Writes one attempt, and disables the configuration when its webhook is gone. */
static bool
write_record(struct worker *w, struct unrecorded *u)
{
	char err[256], v[256];
	enum store_result res;

	res = store_record(w->store, &u->rec, err, sizeof(err));
	if (res == STORE_OK && u->gone)
		res = store_disable(w->store, u->entity_id, u->rec.error, err, sizeof(err));
	if (res == STORE_OK)
		return true;
	log_line(res == STORE_UNAVAILABLE ? LOG_WARN : LOG_ERROR, "cannot record attempt",
	    "delivery=%lld error=%s", u->rec.id, log_value(err, v, sizeof(v)));
	return res != STORE_UNAVAILABLE;	/* a statement error will not heal: drop it */
}

static void
record(struct worker *w, struct unrecorded *u)
{
	u->rec.excerpt = u->excerpt;
	u->rec.error = u->error[0] ? u->error : NULL;
	if (w->backlog == NULL && write_record(w, u)) {
		free(u);
		return;
	}
	u->next = w->backlog;
	w->backlog = u;
}

static void
flush_backlog(struct worker *w)
{
	while (w->backlog != NULL) {
		struct unrecorded *u = w->backlog;

		if (!write_record(w, u))
			return;
		w->backlog = u->next;
		free(u);
	}
}

/* A result for a delivery that was claimed but never sent (bad card, URL no longer allowed). */
static void
record_unsent(struct worker *w, const struct job *j, const char *why)
{
	struct unrecorded *u = xcalloc(1, sizeof(*u));

	u->rec.id = j->id;
	u->rec.attempt = j->attempt;
	u->rec.outcome = "failed";
	u->rec.worker = w->name;
	u->rec.state = "failed";
	snprintf(u->error, sizeof(u->error), "%s", why);
	log_line(LOG_WARN, "delivery not sent", "delivery=%lld reason=\"%s\"", j->id, why);
	w->failed++;
	record(w, u);
}

static void
on_sent(const struct sent *r, void *ctx)
{
	struct worker *w = ctx;
	struct job *j = r->user;
	struct unrecorded *u = xcalloc(1, sizeof(*u));
	struct verdict v;
	long delay;

	classify_answer(j->workflow ? WEBHOOK_WORKFLOW : WEBHOOK_CONNECTOR, &r->answer, &v);
	u->rec.id = j->id;
	u->rec.attempt = j->attempt;
	u->rec.outcome = outcome_name(v.outcome);
	u->rec.http_status = r->answer.http_status;
	u->rec.duration_ms = r->duration_ms;
	u->rec.worker = w->name;
	snprintf(u->excerpt, sizeof(u->excerpt), "%s", r->excerpt ? r->excerpt : "");
	if (r->transport != NULL)
		snprintf(u->error, sizeof(u->error), "%s: %s", v.reason, r->transport);
	else if (v.outcome != OUTCOME_DELIVERED)
		snprintf(u->error, sizeof(u->error), "%s", v.reason);
	switch (v.outcome) {
	case OUTCOME_DELIVERED:
		u->rec.state = "delivered";
		w->delivered++;
		break;
	case OUTCOME_GONE:
		u->rec.state = "cancelled";
		u->gone = true;
		snprintf(u->error, sizeof(u->error), "webhook gone: %s", v.reason);
		snprintf(u->entity_id, sizeof(u->entity_id), "%s", j->entity_id);
		w->failed++;
		break;
	case OUTCOME_FAILED:
		u->rec.state = "failed";
		w->failed++;
		break;
	default:
		delay = retry_delay(&w->policy, v.outcome, j->attempt, r->answer.retry_after,
		    (double)random() / ((double)RAND_MAX + 1.0));
		if (delay < 0) {
			u->rec.state = "dead";
			w->failed++;
		} else {
			u->rec.state = "pending";
			u->rec.delay = (double)delay;
		}
		break;
	}
	log_line(v.outcome == OUTCOME_DELIVERED ? LOG_DEBUG : LOG_INFO, "attempt",
	    "delivery=%lld attempt=%d outcome=%s status=%ld state=%s dur_ms=%ld", j->id,
	    j->attempt, u->rec.outcome, r->answer.http_status, u->rec.state, r->duration_ms);
	free(j);
	record(w, u);
}

/* Claims what fits in flight and starts each request; true when it got all it asked for. */
static bool
claim_and_send(struct worker *w)
{
	const struct config *cfg = w->cfg;
	long room = cfg->worker_concurrency - sender_inflight(w->sender);
	struct claimed *c;
	struct buf card;
	char err[256], v[256];
	enum store_result res;
	size_t n, i;

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
	for (i = 0; i < n; i++) {
		struct job *j = xcalloc(1, sizeof(*j));
		struct json_object *payload = json_tokener_parse(c[i].payload);
		enum webhook_kind kind;
		const char *why;

		j->id = c[i].id;
		j->attempt = c[i].attempt;
		j->workflow = c[i].workflow;
		snprintf(j->entity_id, sizeof(j->entity_id), "%s", c[i].entity_id);
		/* The allow-list may have changed since the URL was saved: check it again. */
		if (!webhook_url_check(c[i].webhook_url, cfg, &kind, &why)) {
			record_unsent(w, j, "webhook URL no longer allowed");
			free(j);
		} else if (payload == NULL || !card_build(payload, j->workflow ? WEBHOOK_WORKFLOW :
		    WEBHOOK_CONNECTOR, CARD_MAX_BYTES, &card, NULL)) {
			record_unsent(w, j, "card cannot be built");
			free(j);
		} else if (!sender_start(w->sender, c[i].webhook_url, card.data, card.len, j)) {
			record_unsent(w, j, "cannot start the request");
			free(j);
		}
		json_object_put(payload);
	}
	buf_free(&card);
	store_claimed_free(c, n);
	return n == (size_t)room;
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
		flush_backlog(&w);
		if (!stop_requested && listening && w.backlog == NULL &&
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
	flush_backlog(&w);
	log_line(LOG_INFO, "worker stopped", "worker=%s delivered=%ld failed=%ld unrecorded=%d",
	    w.name, w.delivered, w.failed, w.backlog != NULL);
	signal_sender = NULL;
	sender_free(w.sender);
	store_free(w.store);
	while (w.backlog != NULL) {
		struct unrecorded *u = w.backlog;

		w.backlog = u->next;
		free(u);
	}
	return 0;
}
