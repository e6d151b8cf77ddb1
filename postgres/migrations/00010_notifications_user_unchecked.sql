-- +goose Up
-- A notification's user is no longer a foreign key. Checking it locked
-- the user's row (FOR KEY SHARE) for every notification stored, which
-- doubled the database's work per notification. Nothing is lost: accounts
-- are never deleted (00006 stamps deleted_at), publish checks its users in
-- the transaction that stores the notifications, and every other
-- notification goes to a user read from a row of that transaction.
ALTER TABLE notifications DROP CONSTRAINT notifications_user_id_fkey;

-- +goose Down
ALTER TABLE notifications ADD CONSTRAINT notifications_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id);
