-- +goose Up
-- Idempotency-Key of POST /api/publish/: the first answer to a key, kept
-- 24 hours. A row is claimed, answered and committed in the transaction
-- that stores the notifications, so status is never 0 outside it.
CREATE TABLE idempotency_keys (
    key          TEXT    PRIMARY KEY,
    request_hash TEXT    NOT NULL,
    status       INTEGER NOT NULL DEFAULT 0,
    response     TEXT    NOT NULL DEFAULT '',
    created_at   BIGINT  NOT NULL
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- +goose Down
DROP TABLE idempotency_keys;
