package auth

import (
	"context"
	"time"

	"parkmate"
)

// Store is the storage of accounts and sessions. Package sqlstore
// implements it; the tests of this package implement it in memory.
type Store interface {
	// Update runs fn in one write transaction, which commits when fn
	// returns nil and rolls back otherwise.
	Update(ctx context.Context, fn func(Tx) error) error
	// View runs fn in a read-only transaction.
	View(ctx context.Context, fn func(Tx) error) error
	// Read runs fn, which reads with one statement, outside a transaction.
	Read(ctx context.Context, fn func(Tx) error) error
}

// Tx is one transaction (or, from Read, statements each on its own): what
// accounts and sessions read and change.
type Tx interface {
	// CreateUser inserts a user and returns it with its id; a username
	// taken in any case fails with ECONFLICT username_taken.
	CreateUser(u parkmate.User) (parkmate.User, error)
	// UserByID returns a user, or fails with ENOTFOUND; a deleted user
	// is not found.
	UserByID(id int64) (parkmate.User, error)
	// UserByUsername returns a user by name in any case, or ok false; a
	// deleted user is not found, and its name stays taken.
	UserByUsername(name string) (u parkmate.User, ok bool, err error)
	// SetUserRole changes a user's role, or fails with ENOTFOUND.
	SetUserRole(id int64, role parkmate.Role) error
	// DeleteUser marks a user deleted (the row stays, for what references
	// it), or fails with ENOTFOUND.
	DeleteUser(id int64) error
	// RevokeUserSessions ends every session of a user not ended yet,
	// stamped with the transaction's time, and returns their ids.
	RevokeUserSessions(userID int64) ([]string, error)
	// CreateSession records a sign-in.
	CreateSession(s parkmate.Session) error
	// SessionAndUser returns a session and its user, or ok false when
	// there is no such session; a deleted user fails with ENOTFOUND.
	SessionAndUser(id string) (s parkmate.Session, u parkmate.User, ok bool, err error)
	// RevokeSession ends a session, stamped with the transaction's time.
	RevokeSession(id string) error
	// SessionsRevokedSince returns the sessions revoked at or after t, by
	// any node, with their id and user.
	SessionsRevokedSince(t time.Time) ([]parkmate.Session, error)
	// DeleteExpiredSessions removes the sessions that ended before t.
	DeleteExpiredSessions(t time.Time) (int64, error)
}
