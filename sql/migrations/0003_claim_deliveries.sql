-- 0003_claim_deliveries.sql: claim_deliveries() returns the notification id, and does less per delivery.

-- The worker signs a card's httpPost buttons with the notification and channel ids, so the
-- claim says which notification a delivery comes from. The return type changes, which
-- CREATE OR REPLACE cannot do: the function is dropped and created again in this migration's
-- transaction, so no claim ever finds it missing.
--
-- Measured with bench/run, PostgreSQL spent 250-330 us of CPU per delivery with 0002's body,
-- so this one does less, with the same results:
-- - the due rows are sorted by their ids and times alone, then joined to their configurations
--   and notifications (0002 sorted every due row, payload and all, often on disk);
-- - a webhook's lock row is taken with one statement (inserted only the first time) and never
--   waited for: a webhook another worker is claiming is left to the next claim (waiting let two
--   claims lock webhooks in opposite orders and stall each other);
-- - a webhook's recent sends are read once for all the rate windows, not once per window;
-- - the leases are written together after the loop.
-- Rate limits are unchanged: each send is recorded as it is taken, so a second delivery to the
-- same webhook in the same claim sees the first.
DROP FUNCTION claim_deliveries(text, integer, integer, integer[], integer[]);

-- Claims up to batch due deliveries for a worker, respecting every webhook's rate limits:
-- limits[i] sends per windows[i] seconds. A delivery whose webhook is at a limit is not
-- dropped: its next_attempt_at moves to when a slot frees up.
CREATE FUNCTION claim_deliveries(worker text, batch integer, lease_seconds integer,
                                 limits integer[], windows integer[])
RETURNS TABLE (delivery_id bigint, attempt integer, entity_id uuid, webhook_url text,
               webhook_kind text, payload jsonb, notification_id uuid)
LANGUAGE plpgsql AS $$
DECLARE
    d record;
    wait_until timestamptz;
    edge timestamptz;
    now_ts timestamptz;
    recent timestamptz[];
    max_limit integer;
    max_window integer;
    i integer;
    taken bigint[] := '{}';
BEGIN
    SELECT max(l), max(w) INTO max_limit, max_window FROM unnest(limits, windows) AS t(l, w);
    -- The due rows are picked (and locked) narrow, then joined: sorting whole rows with their
    -- payloads spilled to disk when thousands were due, and cost more than everything else.
    FOR d IN
        SELECT p.id, p.attempts, c.entity_id, c.webhook_url, c.webhook_kind, c.webhook_key,
               n.payload, p.notification_id
          FROM (SELECT dl.id, dl.attempts, dl.entity_id, dl.notification_id, dl.next_attempt_at
                  FROM deliveries dl
                 WHERE dl.state = 'pending' AND dl.next_attempt_at <= now()
                   AND (dl.lease_until IS NULL OR dl.lease_until < now())
                 ORDER BY dl.next_attempt_at
                 LIMIT batch * 4
                   FOR UPDATE SKIP LOCKED) p
          JOIN configurations c ON c.entity_id = p.entity_id
          JOIN notifications n ON n.id = p.notification_id
         WHERE c.disabled_at IS NULL
         ORDER BY p.next_attempt_at
    LOOP
        EXIT WHEN cardinality(taken) >= batch;
        -- Another worker taking a slot of this webhook right now: leave the delivery to the
        -- next claim rather than wait (waiting let two claims lock webhooks in opposite
        -- orders and deadlock, a second lost each time).
        PERFORM 1 FROM webhook_locks WHERE webhook_key = d.webhook_key FOR UPDATE SKIP LOCKED;
        IF NOT FOUND THEN
            INSERT INTO webhook_locks VALUES (d.webhook_key) ON CONFLICT DO NOTHING;
            CONTINUE WHEN NOT FOUND;
        END IF;
        -- The webhook's latest sends, newest first, read once for every window: window i is
        -- full when the limits[i]-th newest send is inside it, and frees a slot when that
        -- send leaves it. wait_until: the latest such time; NULL when every window has room.
        wait_until := NULL;
        IF max_limit IS NOT NULL THEN
            now_ts := clock_timestamp();
            SELECT array_agg(s.sent_at ORDER BY s.sent_at DESC) INTO recent
              FROM (SELECT sent_at FROM webhook_sends
                     WHERE webhook_key = d.webhook_key
                       AND sent_at > now_ts - make_interval(secs => max_window)
                     ORDER BY sent_at DESC LIMIT max_limit) s;
            FOR i IN 1 .. cardinality(limits) LOOP
                edge := recent[limits[i]];
                IF edge IS NOT NULL AND edge > now_ts - make_interval(secs => windows[i]) THEN
                    edge := edge + make_interval(secs => windows[i]);
                    IF wait_until IS NULL OR edge > wait_until THEN
                        wait_until := edge;
                    END IF;
                END IF;
            END LOOP;
        END IF;
        IF wait_until IS NOT NULL THEN
            UPDATE deliveries SET next_attempt_at = wait_until WHERE id = d.id;
            CONTINUE;
        END IF;
        INSERT INTO webhook_sends VALUES (d.webhook_key, clock_timestamp());
        taken := taken || d.id;
        delivery_id := d.id;
        attempt := d.attempts + 1;
        entity_id := d.entity_id;
        webhook_url := d.webhook_url;
        webhook_kind := d.webhook_kind;
        payload := d.payload;
        notification_id := d.notification_id;
        RETURN NEXT;
    END LOOP;
    -- The rows are locked since the FOR above; the returned rows go out when the function ends.
    UPDATE deliveries
       SET attempts = attempts + 1,
           lease_until = now() + make_interval(secs => lease_seconds),
           leased_by = worker
     WHERE id = ANY (taken);
END $$;
COMMENT ON FUNCTION claim_deliveries(text, integer, integer, integer[], integer[]) IS
    'Leases due deliveries to a worker within every webhook''s rate limits (FOR UPDATE SKIP LOCKED).';
