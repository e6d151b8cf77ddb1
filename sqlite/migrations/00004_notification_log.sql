-- +goose Up
-- Notification ids become a gap-free log in commit order: each notifying
-- transaction takes its ids from this one row, so a rollback returns its
-- ids and id N+1 commits after id N. A node that receives N+2 before N+1
-- knows that N+1 is committed and reads it from here (see package relay).
CREATE TABLE notification_log (
    one     INTEGER PRIMARY KEY CHECK (one = 1),
    last_id INTEGER NOT NULL
);
INSERT INTO notification_log (one, last_id) SELECT 1, COALESCE(MAX(id), 0) FROM notifications;
-- Every node asks, every few seconds, which sessions ended lately.
CREATE INDEX sessions_revoked ON sessions (revoked_at) WHERE revoked_at IS NOT NULL;
-- Each node writes its row every second: the readiness check that the
-- database can be written.
CREATE TABLE node_heartbeats (
    node    TEXT PRIMARY KEY,
    beat_at INTEGER NOT NULL
);

-- +goose Down
DROP TABLE node_heartbeats;
DROP INDEX sessions_revoked;
DROP TABLE notification_log;
