-- 0003_claim_notification.sql: claim_deliveries() also returns each delivery's notification id.

-- The worker signs a card's httpPost buttons with the notification and channel ids, so the
-- claim must say which notification a delivery comes from. The return type changes, which
-- CREATE OR REPLACE cannot do: the function is dropped and created again in this migration's
-- transaction, so no claim ever finds it missing. The body is 0002's with the one new column.
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
    i integer;
    taken integer := 0;
BEGIN
    FOR d IN
        SELECT dl.id, dl.attempts, c.entity_id, c.webhook_url, c.webhook_kind, c.webhook_key,
               n.payload, dl.notification_id
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
        notification_id := d.notification_id;
        RETURN NEXT;
    END LOOP;
END $$;
COMMENT ON FUNCTION claim_deliveries(text, integer, integer, integer[], integer[]) IS
    'Leases due deliveries to a worker within every webhook''s rate limits (FOR UPDATE SKIP LOCKED).';
