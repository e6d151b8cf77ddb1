-- +goose Up
-- Account changes (PATCH and DELETE /api/users/{id}/). A deleted account
-- is kept, stamped with deleted_at, because bookings, lots, assignments,
-- payments and notifications reference it: sign-in, tokens, lists and
-- publish treat it as absent, and its username stays taken. A role change
-- or a delete revokes every session of the user, found by user_id.
ALTER TABLE users ADD COLUMN deleted_at BIGINT;
CREATE INDEX sessions_user ON sessions (user_id) WHERE revoked_at IS NULL;

-- +goose Down
DROP INDEX sessions_user;
ALTER TABLE users DROP COLUMN deleted_at;
