package parking

import (
	"context"
	"time"

	"parkmate"
)

// Store is the storage the rules run on. Package sqlstore implements it
// on SQLite and PostgreSQL (its conformance suite shows the two agree);
// the rules' tests implement it in memory.
type Store interface {
	// Update runs fn in one write transaction. When fn returns nil the
	// transaction commits, and the notifications fn added reach sockets
	// after the commit; otherwise it rolls back and nobody is notified.
	Update(ctx context.Context, fn func(Tx) error) error
	// View runs fn in a read-only transaction.
	View(ctx context.Context, fn func(Tx) error) error
}

// Tx is one transaction: what the rules read and change. Lists are
// newest first within their Page. A lookup by id of a row that does not
// exist fails with an ENOTFOUND *parkmate.Error. Changes that depend on a
// state report whether they applied (ok), so that of concurrent
// transactions, or nodes, only one applies each.
type Tx interface {
	// Now is the transaction's time, one instant for every row it writes.
	Now() time.Time
	UserTx
	LotTx
	AssignmentTx
	BookingTx
	ExpiryTx
	PaymentTx
	CarWashTx
	NotificationTx
	IdempotencyTx
}

// UserTx reads accounts.
type UserTx interface {
	// UserByID returns a user.
	UserByID(id int64) (parkmate.User, error)
	// Users lists users, optionally of one role.
	Users(role parkmate.Role, p parkmate.Page) ([]parkmate.User, error)
	// ExistingUsers returns those of ids that exist.
	ExistingUsers(ids []int64) (map[int64]bool, error)
}
