-- 0004_card_actions.sql: clicks on card buttons (HttpPOST actions) and their forwarding outbox.

CREATE TABLE card_actions (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    notification_id  uuid NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    entity_id        uuid NOT NULL REFERENCES configurations (entity_id) ON DELETE CASCADE,
    action_id        text NOT NULL CHECK (action_id ~ '^[A-Za-z0-9_-]{1,64}$'),
    user_id          text NOT NULL CHECK (char_length(user_id) BETWEEN 1 AND 128),
    tenant_id        text,
    input            text CHECK (char_length(input) <= 4000),
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX card_actions_notification_idx ON card_actions (notification_id);
CREATE INDEX card_actions_entity_idx ON card_actions (entity_id);
COMMENT ON TABLE card_actions IS
    'A verified click on an httpPost button of a card we posted (POST /Connector/Action).';
COMMENT ON COLUMN card_actions.id IS 'Action id; also the webhook-id of the forwarded callback.';
COMMENT ON COLUMN card_actions.notification_id IS 'The notification whose card was clicked.';
COMMENT ON COLUMN card_actions.entity_id IS 'The configuration (channel) the card was posted to.';
COMMENT ON COLUMN card_actions.action_id IS 'The id of the httpPost action in the notification.';
COMMENT ON COLUMN card_actions.user_id IS
    'Personal data: the acting user (the token''s sub, an Azure AD object id).';
COMMENT ON COLUMN card_actions.tenant_id IS 'The acting user''s tenant (tid), when the token names it.';
COMMENT ON COLUMN card_actions.input IS 'What the user typed into the action''s text input, if any.';
COMMENT ON COLUMN card_actions.created_at IS 'When the click was verified and recorded.';

CREATE TABLE action_callbacks (
    card_action_id   uuid PRIMARY KEY REFERENCES card_actions (id) ON DELETE CASCADE,
    state            text NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'delivered', 'failed', 'dead')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    lease_until      timestamptz,
    leased_by        text,
    last_status      integer,
    last_error       text,
    last_attempt_at  timestamptz,
    delivered_at     timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX action_callbacks_due_idx ON action_callbacks (next_attempt_at) WHERE state = 'pending';
COMMENT ON TABLE action_callbacks IS
    'The outbox of clicks to forward to the owning service (action_callback_url), signed the '
    'Standard Webhooks way; the delivery workers drain it like deliveries.';
COMMENT ON COLUMN action_callbacks.card_action_id IS 'The click to forward.';
COMMENT ON COLUMN action_callbacks.state IS
    'pending (to send or retry), delivered (2xx), failed (refused for good), dead (attempts exhausted).';
COMMENT ON COLUMN action_callbacks.attempts IS 'Attempts started so far.';
COMMENT ON COLUMN action_callbacks.next_attempt_at IS 'Not claimed before this time (backoff).';
COMMENT ON COLUMN action_callbacks.lease_until IS 'A worker holds the callback until then.';
COMMENT ON COLUMN action_callbacks.leased_by IS 'Worker holding the lease (host:pid).';
COMMENT ON COLUMN action_callbacks.last_status IS 'HTTP status of the last attempt (0: no answer).';
COMMENT ON COLUMN action_callbacks.last_error IS 'Why the last attempt did not deliver.';
COMMENT ON COLUMN action_callbacks.last_attempt_at IS 'When the last attempt ended.';
COMMENT ON COLUMN action_callbacks.delivered_at IS 'When the owning service accepted it.';
COMMENT ON COLUMN action_callbacks.created_at IS 'When the click was recorded.';

-- New callbacks wake the workers on the channel deliveries use.
CREATE TRIGGER action_callbacks_notify AFTER INSERT ON action_callbacks
    FOR EACH STATEMENT EXECUTE FUNCTION deliveries_notify();
