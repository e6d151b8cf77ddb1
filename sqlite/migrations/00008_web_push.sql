-- +goose Up
-- Web Push (issue 10). The VAPID key pair every node signs with, made on
-- first start (or given by flags, then this row is unused).
CREATE TABLE push_vapid (
    one         INTEGER PRIMARY KEY CHECK (one = 1),
    public_key  TEXT    NOT NULL,
    private_key TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);
-- A browser's PushSubscription. An endpoint belongs to one user: the last
-- one who subscribed with it on that device.
CREATE TABLE push_subscriptions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    endpoint   TEXT    NOT NULL UNIQUE,
    p256dh     TEXT    NOT NULL,
    auth       TEXT    NOT NULL,
    expires_at INTEGER,
    -- A push service that asked to wait (429, 5xx) holds every push to
    -- this subscription until then, so they go out in order.
    hold_until INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id);
-- What a user chose per event; an event without a row takes its default.
CREATE TABLE notification_preferences (
    user_id INTEGER NOT NULL REFERENCES users (id),
    event   TEXT    NOT NULL,
    push    BOOLEAN NOT NULL,
    PRIMARY KEY (user_id, event)
);
-- The push worker's cursor over the notification log (gap-free, commit
-- ordered) and the lease of the one node that advances it. Notifications
-- stored before this migration are never pushed.
CREATE TABLE push_state (
    one         INTEGER PRIMARY KEY CHECK (one = 1),
    last_id     INTEGER NOT NULL,
    lease_owner TEXT    NOT NULL DEFAULT '',
    lease_until INTEGER NOT NULL DEFAULT 0
);
INSERT INTO push_state (one, last_id) SELECT 1, last_id FROM notification_log;
-- Notifications a visible page showed (the socket's displayed frame),
-- until the cursor passes them.
CREATE TABLE push_displayed (
    notification_id INTEGER PRIMARY KEY
);
-- Pushes to send: one per notification and subscription, retried until
-- sent, refused for good, or given up.
CREATE TABLE push_deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    notification_id INTEGER NOT NULL,
    subscription_id INTEGER NOT NULL REFERENCES push_subscriptions (id) ON DELETE CASCADE,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_at         INTEGER NOT NULL,
    give_up_at      INTEGER NOT NULL,
    UNIQUE (notification_id, subscription_id)
);
CREATE INDEX push_deliveries_due ON push_deliveries (next_at, id);
CREATE INDEX push_deliveries_subscription ON push_deliveries (subscription_id);

-- +goose Down
DROP TABLE push_deliveries;
DROP TABLE push_displayed;
DROP TABLE push_state;
DROP TABLE notification_preferences;
DROP TABLE push_subscriptions;
DROP TABLE push_vapid;
