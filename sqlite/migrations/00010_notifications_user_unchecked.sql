-- +goose NO TRANSACTION
-- +goose Up
-- A notification's user is no longer a foreign key, and its id is no
-- longer AUTOINCREMENT: the checks cost a lookup per notification and a
-- write of sqlite_sequence per commit, and neither protects anything.
-- Accounts are never deleted (00006 stamps deleted_at), publish checks its
-- users in the transaction that stores the notifications, and ids come
-- from notification_log (00004), never from the table.
-- SQLite changes a table by copying it (https://sqlite.org/lang_altertable.html,
-- "other kinds of table schema changes"): foreign keys off around one
-- transaction, the rows copied with their ids, the old table dropped, the
-- new one renamed, its indexes made again. notification_reads names the
-- table, so its read marks refer to the copy.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE notifications_new (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER,
    group_key  TEXT,
    type       TEXT    NOT NULL,
    message    TEXT    NOT NULL,
    event      TEXT    NOT NULL DEFAULT '',
    data       TEXT,
    created_at INTEGER NOT NULL,
    CHECK ((user_id IS NULL) <> (group_key IS NULL))
);
INSERT INTO notifications_new (id, user_id, group_key, type, message, event, data, created_at)
    SELECT id, user_id, group_key, type, message, event, data, created_at FROM notifications;
DROP TABLE notifications;
ALTER TABLE notifications_new RENAME TO notifications;
CREATE INDEX notifications_user ON notifications (user_id, id) WHERE user_id IS NOT NULL;
CREATE INDEX notifications_group ON notifications (group_key, id) WHERE group_key IS NOT NULL;
DELETE FROM sqlite_sequence WHERE name = 'notifications';
COMMIT;
PRAGMA foreign_keys = ON;

-- +goose Down
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE notifications_old (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER REFERENCES users (id),
    group_key  TEXT,
    type       TEXT    NOT NULL,
    message    TEXT    NOT NULL,
    event      TEXT    NOT NULL DEFAULT '',
    data       TEXT,
    created_at INTEGER NOT NULL,
    CHECK ((user_id IS NULL) <> (group_key IS NULL))
);
INSERT INTO notifications_old (id, user_id, group_key, type, message, event, data, created_at)
    SELECT id, user_id, group_key, type, message, event, data, created_at FROM notifications;
DROP TABLE notifications;
ALTER TABLE notifications_old RENAME TO notifications;
CREATE INDEX notifications_user ON notifications (user_id, id) WHERE user_id IS NOT NULL;
CREATE INDEX notifications_group ON notifications (group_key, id) WHERE group_key IS NOT NULL;
COMMIT;
PRAGMA foreign_keys = ON;
