package sqlstore

import (
	"context"

	"parkmate/auth"
	"parkmate/parking"
)

// ParkingStore returns db as the store of the business rules.
func (db *DB) ParkingStore() parking.Store {
	return store[parking.Tx]{db, func(tx *Tx) parking.Tx { return tx }}
}

// AuthStore returns db as the store of accounts and sessions.
func (db *DB) AuthStore() auth.Store {
	return store[auth.Tx]{db, func(tx *Tx) auth.Tx { return tx }}
}

// What the business rules and the accounts need of a transaction, *Tx is.
var (
	_ parking.Tx    = (*Tx)(nil)
	_ auth.Tx       = (*Tx)(nil)
	_ parking.Store = store[parking.Tx]{}
	_ auth.Store    = store[auth.Tx]{}
)

// store runs a consumer's functions in DB's transactions, seen as T: the
// consumer's own interface of a transaction.
type store[T any] struct {
	db *DB
	as func(*Tx) T
}

// Update runs fn in a write transaction; see DB.Update.
func (s store[T]) Update(ctx context.Context, fn func(T) error) error {
	return s.db.Update(ctx, func(tx *Tx) error { return fn(s.as(tx)) })
}

// Read runs fn's statements each on its own; see DB.Read.
func (s store[T]) Read(ctx context.Context, fn func(T) error) error {
	return s.db.Read(ctx, func(tx *Tx) error { return fn(s.as(tx)) })
}

// View runs fn in a read-only transaction; see DB.View.
func (s store[T]) View(ctx context.Context, fn func(T) error) error {
	return s.db.View(ctx, func(tx *Tx) error { return fn(s.as(tx)) })
}
