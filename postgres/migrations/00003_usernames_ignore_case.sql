-- +goose Up
-- "Dana" and "dana" are one username: no look-alike accounts.
CREATE UNIQUE INDEX users_username_lower ON users (lower(username));

-- +goose Down
DROP INDEX users_username_lower;
