-- +goose Up
-- What screens show of a booking: when it actually ended (completed,
-- cancelled or expired; NULL while ACTIVE) and its price in cents, set
-- when it is booked and on each renewal at the price per hour of then.
ALTER TABLE bookings ADD COLUMN ended_at INTEGER;
ALTER TABLE bookings ADD COLUMN price_cents INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE bookings DROP COLUMN price_cents;
ALTER TABLE bookings DROP COLUMN ended_at;
