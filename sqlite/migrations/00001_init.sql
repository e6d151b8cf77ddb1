-- +goose Up
CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT    NOT NULL UNIQUE,
    role          TEXT    NOT NULL CHECK (role IN ('driver', 'owner', 'employee', 'admin')),
    password_hash TEXT    NOT NULL,
    read_up_to    INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);
CREATE TABLE sessions (
    id         TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER,
    created_at INTEGER NOT NULL
);
CREATE TABLE lots (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT    NOT NULL,
    owner_id   INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL
);
CREATE INDEX lots_owner ON lots (owner_id);
CREATE TABLE slots (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    lot_id INTEGER NOT NULL REFERENCES lots (id),
    number INTEGER NOT NULL,
    UNIQUE (lot_id, number)
);
CREATE TABLE bookings (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    slot_id    INTEGER NOT NULL REFERENCES slots (id),
    status     TEXT    NOT NULL,
    starts_at  INTEGER NOT NULL,
    ends_at    INTEGER NOT NULL,
    warned     INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX bookings_one_active_per_slot ON bookings (slot_id) WHERE status = 'ACTIVE';
CREATE INDEX bookings_due ON bookings (ends_at) WHERE status = 'ACTIVE';
CREATE INDEX bookings_user ON bookings (user_id, id);
CREATE TABLE payments (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    booking_id   INTEGER NOT NULL REFERENCES bookings (id),
    method       TEXT    NOT NULL,
    amount_cents INTEGER NOT NULL,
    status       TEXT    NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX payments_booking ON payments (booking_id);
CREATE TABLE carwashes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    booking_id INTEGER NOT NULL REFERENCES bookings (id),
    service    TEXT    NOT NULL,
    status     TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX carwashes_booking ON carwashes (booking_id);
CREATE TABLE assignments (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    employee_id INTEGER NOT NULL REFERENCES users (id),
    lot_id      INTEGER NOT NULL REFERENCES lots (id),
    created_at  INTEGER NOT NULL,
    UNIQUE (employee_id, lot_id)
);
CREATE TABLE notifications (
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
CREATE INDEX notifications_user ON notifications (user_id, id);
CREATE INDEX notifications_group ON notifications (group_key, id);
CREATE TABLE notification_reads (
    user_id         INTEGER NOT NULL REFERENCES users (id),
    notification_id INTEGER NOT NULL REFERENCES notifications (id),
    PRIMARY KEY (user_id, notification_id)
);

-- +goose Down
DROP TABLE notification_reads;
DROP TABLE notifications;
DROP TABLE assignments;
DROP TABLE carwashes;
DROP TABLE payments;
DROP TABLE bookings;
DROP TABLE slots;
DROP TABLE lots;
DROP TABLE sessions;
DROP TABLE users;
