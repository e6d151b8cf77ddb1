-- +goose Up
-- Web Push, review fixes. A delivery being sent is claimed until
-- claimed_until, on the database's clock (milliseconds): a subscription
-- whose first pending delivery is claimed sends nothing else meanwhile,
-- so its pushes go out one at a time, in notification order, on one node.
-- The subscription-wide hold is gone: a delivery waiting for a retry is
-- first in line, so the later ones wait behind it anyway.
ALTER TABLE push_deliveries ADD COLUMN claimed_until INTEGER NOT NULL DEFAULT 0;
CREATE INDEX push_deliveries_line ON push_deliveries (subscription_id, notification_id);
DROP INDEX push_deliveries_subscription;
ALTER TABLE push_subscriptions DROP COLUMN hold_until;
-- An expirationTime outside 2000..9999 could not be answered (JSON has no
-- such year); it is refused now, and a stored one means none.
UPDATE push_subscriptions SET expires_at = NULL WHERE expires_at < 946684800000 OR expires_at > 253402300799999;

-- +goose Down
ALTER TABLE push_subscriptions ADD COLUMN hold_until INTEGER NOT NULL DEFAULT 0;
CREATE INDEX push_deliveries_subscription ON push_deliveries (subscription_id);
DROP INDEX push_deliveries_line;
ALTER TABLE push_deliveries DROP COLUMN claimed_until;
