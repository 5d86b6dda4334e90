-- 0001_configurations.sql: one row per connector configuration saved from a Teams channel.

CREATE TABLE configurations (
    entity_id       uuid PRIMARY KEY,
    config_name     text NOT NULL CHECK (char_length(config_name) BETWEEN 1 AND 100),
    content_url     text NOT NULL,
    webhook_url     text NOT NULL,
    webhook_kind    text NOT NULL CHECK (webhook_kind IN ('connector', 'workflow')),
    app_type        text NOT NULL CHECK (app_type IN ('mail', 'groups', 'teams')),
    user_object_id  uuid NOT NULL,
    events          text[] NOT NULL CHECK (cardinality(events) > 0),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    disabled_at     timestamptz,
    disabled_reason text,
    CHECK ((disabled_at IS NULL) = (disabled_reason IS NULL))
);

-- Fan-out looks up active configurations by event.
CREATE INDEX configurations_events_active_idx ON configurations USING gin (events)
    WHERE disabled_at IS NULL;

COMMENT ON TABLE configurations IS
    'A connector configuration: one Teams channel subscribed to event categories through a webhook.';
COMMENT ON COLUMN configurations.entity_id IS
    'The entityId the configuration page gave Teams (setSettings); also in content_url.';
COMMENT ON COLUMN configurations.config_name IS
    'Name the user chose on the configuration page (1-100 characters).';
COMMENT ON COLUMN configurations.content_url IS
    'URL Teams loads to edit this configuration: <public base>/Connector/Edit?entityId=<entity_id>.';
COMMENT ON COLUMN configurations.webhook_url IS
    'Secret: the channel''s webhook URL (Office 365 connector or Workflows). Never returned or logged.';
COMMENT ON COLUMN configurations.webhook_kind IS
    'connector (MessageCard payloads) or workflow (Adaptive Card payloads), derived from the URL.';
COMMENT ON COLUMN configurations.app_type IS
    'appType reported by Teams getSettings: mail, groups or teams.';
COMMENT ON COLUMN configurations.user_object_id IS
    'Personal data: AAD object id of the user who saved the configuration. Never rendered back.';
COMMENT ON COLUMN configurations.events IS
    'Event category ids this channel subscribes to (a subset of the configured categories).';
COMMENT ON COLUMN configurations.created_at IS 'When the configuration was first saved.';
COMMENT ON COLUMN configurations.updated_at IS 'When the configuration was last saved.';
COMMENT ON COLUMN configurations.disabled_at IS
    'Set when delivery stopped for good (webhook gone); NULL while active.';
COMMENT ON COLUMN configurations.disabled_reason IS 'Why delivery stopped, for operators.';
