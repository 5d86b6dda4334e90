-- 0002_delivery.sql: notifications, the delivery outbox, attempts, and per-webhook send times for rate limits.

-- Rate limits and sends are kept per webhook URL, identified by its SHA-256 (the URL is a secret).
ALTER TABLE configurations ADD COLUMN webhook_key text;
UPDATE configurations SET webhook_key = encode(sha256(convert_to(webhook_url, 'UTF8')), 'hex');
ALTER TABLE configurations ALTER COLUMN webhook_key SET NOT NULL;
COMMENT ON COLUMN configurations.webhook_key IS
    'SHA-256 (hex) of webhook_url: names the webhook in rate limits and logs without revealing it.';

CREATE TABLE notifications (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    idempotency_key  text NOT NULL UNIQUE,
    request_hash     text NOT NULL,
    event            text NOT NULL,
    entity_id        uuid,
    payload          jsonb NOT NULL,
    deliveries       integer NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE notifications IS
    'An event posted by the owning service (POST /api/v1/notifications or connectorctl send).';
COMMENT ON COLUMN notifications.id IS 'The notificationId returned to the caller.';
COMMENT ON COLUMN notifications.idempotency_key IS
    'Caller-chosen key: posting it again returns the first answer and creates nothing.';
COMMENT ON COLUMN notifications.request_hash IS
    'SHA-256 of the request body: the same key with another body is refused.';
COMMENT ON COLUMN notifications.event IS 'Event category id; configurations subscribed to it receive it.';
COMMENT ON COLUMN notifications.entity_id IS 'When set, only this configuration receives it.';
COMMENT ON COLUMN notifications.payload IS 'Card content: title, text, facts, url, severity.';
COMMENT ON COLUMN notifications.deliveries IS 'How many deliveries were created for it.';
COMMENT ON COLUMN notifications.created_at IS 'When it was accepted.';

CREATE TABLE deliveries (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    notification_id  uuid NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    entity_id        uuid NOT NULL REFERENCES configurations (entity_id) ON DELETE CASCADE,
    state            text NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'delivered', 'failed', 'dead', 'cancelled')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    lease_until      timestamptz,
    leased_by        text,
    last_status      integer,
    last_error       text,
    last_attempt_at  timestamptz,
    delivered_at     timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (notification_id, entity_id)
);
CREATE INDEX deliveries_due_idx ON deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX deliveries_entity_idx ON deliveries (entity_id);
CREATE INDEX deliveries_state_idx ON deliveries (state, created_at);
COMMENT ON TABLE deliveries IS
    'The outbox: one card to send to one configuration. Workers claim due rows with a lease.';
COMMENT ON COLUMN deliveries.id IS 'Delivery id (connectorctl deliveries replay <id>).';
COMMENT ON COLUMN deliveries.notification_id IS 'The notification this card comes from.';
COMMENT ON COLUMN deliveries.entity_id IS 'The configuration (channel) it goes to; removed with it.';
COMMENT ON COLUMN deliveries.state IS
    'pending (to send or retry), delivered, failed (permanent error), dead (attempts exhausted), cancelled (webhook gone).';
COMMENT ON COLUMN deliveries.attempts IS 'Attempts started so far.';
COMMENT ON COLUMN deliveries.next_attempt_at IS 'Not claimed before this time (backoff, rate limits).';
COMMENT ON COLUMN deliveries.lease_until IS
    'A worker holds the delivery until then; after it passes (a crashed worker) another may claim it.';
COMMENT ON COLUMN deliveries.leased_by IS 'Worker holding the lease (host:pid).';
COMMENT ON COLUMN deliveries.last_status IS 'HTTP status of the last attempt (0: no answer).';
COMMENT ON COLUMN deliveries.last_error IS 'Why the last attempt did not deliver (never the URL).';
COMMENT ON COLUMN deliveries.last_attempt_at IS 'When the last attempt ended.';
COMMENT ON COLUMN deliveries.delivered_at IS 'When Teams accepted the card.';
COMMENT ON COLUMN deliveries.created_at IS 'When the delivery was created (ingest or replay).';

CREATE TABLE delivery_attempts (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id   bigint NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    attempt       integer NOT NULL,
    outcome       text NOT NULL
                  CHECK (outcome IN ('delivered', 'retry', 'throttled', 'gone', 'failed')),
    http_status   integer NOT NULL,
    body_excerpt  text,
    duration_ms   integer NOT NULL,
    error         text,
    worker        text NOT NULL,
    attempted_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX delivery_attempts_delivery_idx ON delivery_attempts (delivery_id);
COMMENT ON TABLE delivery_attempts IS 'Every attempt to send a delivery, for operators and metrics.';
COMMENT ON COLUMN delivery_attempts.id IS 'Attempt id.';
COMMENT ON COLUMN delivery_attempts.delivery_id IS 'The delivery attempted.';
COMMENT ON COLUMN delivery_attempts.attempt IS '1 for the first attempt of the delivery, and so on.';
COMMENT ON COLUMN delivery_attempts.outcome IS 'How the answer was classified.';
COMMENT ON COLUMN delivery_attempts.http_status IS 'HTTP status (0: no answer: timeout, reset, refused).';
COMMENT ON COLUMN delivery_attempts.body_excerpt IS 'First bytes of the answer (Teams error texts).';
COMMENT ON COLUMN delivery_attempts.duration_ms IS 'Time from sending to the answer.';
COMMENT ON COLUMN delivery_attempts.error IS 'Classification reason or transport error.';
COMMENT ON COLUMN delivery_attempts.worker IS 'Worker that made the attempt (host:pid).';
COMMENT ON COLUMN delivery_attempts.attempted_at IS 'When the attempt ended.';

CREATE TABLE webhook_sends (
    webhook_key  text NOT NULL,
    sent_at      timestamptz NOT NULL
);
CREATE INDEX webhook_sends_key_time_idx ON webhook_sends (webhook_key, sent_at DESC);
COMMENT ON TABLE webhook_sends IS
    'One row per request sent (or about to be) to a webhook: the shared memory of Teams rate limits.';
COMMENT ON COLUMN webhook_sends.webhook_key IS 'configurations.webhook_key of the webhook.';
COMMENT ON COLUMN webhook_sends.sent_at IS 'When the send slot was taken.';

CREATE TABLE webhook_locks (
    webhook_key  text PRIMARY KEY
);
COMMENT ON TABLE webhook_locks IS
    'One row per webhook, locked while a worker takes a send slot, so workers never overrun a limit together.';
COMMENT ON COLUMN webhook_locks.webhook_key IS 'configurations.webhook_key of the webhook.';

-- New deliveries wake the workers (LISTEN deliveries); polling remains the fallback.
CREATE FUNCTION deliveries_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('deliveries', '');
    RETURN NULL;
END $$;
COMMENT ON FUNCTION deliveries_notify() IS 'Wakes listening workers when deliveries are created.';
CREATE TRIGGER deliveries_notify AFTER INSERT ON deliveries
    FOR EACH STATEMENT EXECUTE FUNCTION deliveries_notify();

-- Claims up to batch due deliveries for a worker, respecting every webhook's rate limits:
-- limits[i] sends per windows[i] seconds. A delivery whose webhook is at a limit is not
-- dropped: its next_attempt_at moves to when a slot frees up.
CREATE FUNCTION claim_deliveries(worker text, batch integer, lease_seconds integer,
                                 limits integer[], windows integer[])
RETURNS TABLE (delivery_id bigint, attempt integer, entity_id uuid, webhook_url text,
               webhook_kind text, payload jsonb)
LANGUAGE plpgsql AS $$
DECLARE
    d record;
    wait_until timestamptz;
    edge timestamptz;
    i integer;
    taken integer := 0;
BEGIN
    FOR d IN
        SELECT dl.id, dl.attempts, c.entity_id, c.webhook_url, c.webhook_kind, c.webhook_key,
               n.payload
          FROM deliveries dl
          JOIN configurations c ON c.entity_id = dl.entity_id
          JOIN notifications n ON n.id = dl.notification_id
         WHERE dl.state = 'pending' AND dl.next_attempt_at <= now()
           AND (dl.lease_until IS NULL OR dl.lease_until < now())
           AND c.disabled_at IS NULL
         ORDER BY dl.next_attempt_at
         LIMIT batch * 4
           FOR UPDATE OF dl SKIP LOCKED
    LOOP
        EXIT WHEN taken >= batch;
        INSERT INTO webhook_locks VALUES (d.webhook_key) ON CONFLICT DO NOTHING;
        PERFORM 1 FROM webhook_locks WHERE webhook_key = d.webhook_key FOR UPDATE;
        wait_until := NULL;
        FOR i IN 1 .. coalesce(array_length(limits, 1), 0) LOOP
            SELECT s.sent_at INTO edge FROM webhook_sends s
             WHERE s.webhook_key = d.webhook_key
               AND s.sent_at > clock_timestamp() - make_interval(secs => windows[i])
             ORDER BY s.sent_at DESC OFFSET limits[i] - 1 LIMIT 1;
            IF FOUND THEN
                edge := edge + make_interval(secs => windows[i]);
                IF wait_until IS NULL OR edge > wait_until THEN
                    wait_until := edge;
                END IF;
            END IF;
        END LOOP;
        IF wait_until IS NOT NULL THEN
            UPDATE deliveries SET next_attempt_at = wait_until WHERE id = d.id;
            CONTINUE;
        END IF;
        INSERT INTO webhook_sends VALUES (d.webhook_key, clock_timestamp());
        UPDATE deliveries
           SET attempts = attempts + 1,
               lease_until = now() + make_interval(secs => lease_seconds),
               leased_by = worker
         WHERE id = d.id;
        taken := taken + 1;
        delivery_id := d.id;
        attempt := d.attempts + 1;
        entity_id := d.entity_id;
        webhook_url := d.webhook_url;
        webhook_kind := d.webhook_kind;
        payload := d.payload;
        RETURN NEXT;
    END LOOP;
END $$;
COMMENT ON FUNCTION claim_deliveries(text, integer, integer, integer[], integer[]) IS
    'Leases due deliveries to a worker within every webhook''s rate limits (FOR UPDATE SKIP LOCKED).';
