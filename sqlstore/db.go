// Package sqlstore holds every SQL statement of ParkMate and runs them on
// either engine: package sqlite and package postgres open a *DB with their
// driver, migrations and Dialect. Notifications are written in the same
// transaction as the change that causes them, with ids from a gap-free log
// (table notification_log) whose row lock the transaction holds until it
// commits: ids commit in order and a rollback gives its ids back. They are
// handed to the Relay only after the transaction commits.
package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"parkmate"
)

// Relay receives the notifications of a transaction after it commits.
// DB holds no lock while it calls Committed, and the order of calls is not
// the commit order: the ids are (see package relay). Committed must not
// block for long.
type Relay interface {
	Committed(ctx context.Context, notes []parkmate.Notification)
}

// Dialect is what differs between the engines.
type Dialect struct {
	// Name is "sqlite" or "postgres".
	Name string
	// Numbered placeholders ($1, $2) instead of ?.
	Numbered bool
	// IsUniqueViolation reports whether err is a unique-constraint error.
	IsUniqueViolation func(error) bool
	// IsRetryable reports whether a failed write transaction may simply be
	// run again (a deadlock or serialization failure).
	IsRetryable func(error) bool
	// SerializeWrites makes DB run one write transaction at a time in this
	// process (SQLite has a single writer anyway); otherwise up to
	// WriteSlots run at once. Either way, calls that arrive while every
	// slot is taken share the next transaction (see committer).
	SerializeWrites bool
	// WriteSlots is how many write transactions may run at once when
	// writes are not serialized (0: one).
	WriteSlots int
	// PrepareStatements makes DB prepare each statement once per pool
	// connection and keep it (up to stmtCacheSize statements per pool),
	// for drivers that prepare a statement on every call otherwise
	// (modernc SQLite; pgx keeps a cache of its own).
	PrepareStatements bool
}

// DB is a ParkMate database. Its relay and clock are set where it is
// made (New, the engines' Open, WithRelay) and never change.
type DB struct {
	*engine
	relay Relay
	now   func() time.Time
}

// engine is what every DB made from one opened database shares: the pools,
// the dialect and the write lock.
type engine struct {
	write   *sql.DB
	read    *sql.DB
	dialect Dialect
	queries sync.Map // query text -> rebound text
	closers []func() error
	// Statements prepared once (Dialect.PrepareStatements), per pool.
	writeStmts, readStmts stmtCache
	// group runs the write transactions, several calls to one (group.go).
	group committer
}

// Option sets up a DB where it opens.
type Option func(*DB)

// WithNow makes the DB read the time of its transactions from now instead
// of the system clock; tests pass a clock they control.
func WithNow(now func() time.Time) Option {
	return func(db *DB) { db.now = now }
}

// New returns a DB over the given pools (read may equal write). It hands
// committed notifications to nobody until WithRelay makes one that does.
func New(write, read *sql.DB, d Dialect, opts ...Option) *DB {
	db := &DB{engine: &engine{write: write, read: read, dialect: d, group: committer{max: DefaultGroupCommit, slots: max(d.WriteSlots, 1)}},
		now: parkmate.SystemClock{}.Now}
	if d.SerializeWrites {
		db.group.slots = 1
	}
	for _, o := range opts {
		o(db)
	}
	return db
}

// WithRelay returns a DB over the same database (pools, write lock, clock)
// that hands the notifications of every transaction it commits to r; nil
// hands them to nobody. db itself is unchanged: a node builds its relay,
// which reads db, and then writes through db.WithRelay(relay).
func (db *DB) WithRelay(r Relay) *DB {
	d := *db
	d.relay = r
	return &d
}

// OnClose adds fn to what Close does before it closes the pools.
func (db *DB) OnClose(fn func() error) { db.closers = append(db.closers, fn) }

// Close stops what the engine runs in the background and closes the pools,
// which every DB made from db with WithRelay shares.
func (db *DB) Close() error {
	for _, fn := range db.closers {
		_ = fn()
	}
	db.writeStmts.close()
	db.readStmts.close()
	err := db.write.Close()
	if db.read != db.write {
		if rerr := db.read.Close(); err == nil {
			err = rerr
		}
	}
	return err
}

// Dialect returns the engine's dialect.
func (db *DB) Dialect() Dialect { return db.dialect }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.read.PingContext(ctx) }

// Tx is one transaction, or, from Read, statements each on its own. Its
// methods are the project's SQL.
type Tx struct {
	tx    *sql.Tx // nil: each statement on its own (Read)
	db    *DB
	ctx   context.Context
	now   time.Time
	notes []parkmate.Notification
	write bool
}

// Now is the transaction's time: one instant for every row it writes.
func (tx *Tx) Now() time.Time { return tx.now }

// maxRetries bounds retries of write transactions that failed on a
// deadlock or serialization error.
const maxRetries = 5

// Update runs fn in a write transaction. When fn returns nil the
// transaction commits and its notifications are handed to the relay
// before Update returns; otherwise fn's changes roll back and nobody is
// notified. Calls that arrive while a transaction runs share the next one
// (group commit, see committer): each still commits or rolls back as a
// whole, on its own.
func (db *DB) Update(ctx context.Context, fn func(*Tx) error) error {
	var err error
	for attempt := 0; attempt < maxRetries; attempt++ {
		err = db.commit(ctx, fn)
		if err == nil {
			return nil
		}
		if db.dialect.IsRetryable == nil || !db.dialect.IsRetryable(err) {
			return err
		}
	}
	return err
}

// update runs fn alone in one transaction and returns the notifications
// it committed.
func (db *DB) update(ctx context.Context, fn func(*Tx) error) ([]parkmate.Notification, error) {
	sqlTx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{tx: sqlTx, db: db, ctx: ctx, now: db.now().UTC().Truncate(time.Millisecond), write: true}
	if err := fn(tx); err != nil {
		_ = sqlTx.Rollback()
		return nil, err
	}
	if err := sqlTx.Commit(); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	return tx.notes, nil
}

// View runs fn in a read-only transaction.
func (db *DB) View(ctx context.Context, fn func(*Tx) error) error {
	if db.readStmts.pending() {
		db.readStmts.prepareNoted(ctx, db.read)
	}
	sqlTx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: db.dialect.Name == "postgres"})
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	defer func() { _ = sqlTx.Rollback() }()
	return fn(&Tx{tx: sqlTx, db: db, ctx: ctx, now: db.now().UTC().Truncate(time.Millisecond)})
}

// Read runs fn with each of its statements on its own, on the read pool,
// outside a transaction: each reads the latest commit. It is for fn that
// reads with one statement (or with statements that need no snapshot in
// common), and saves the engine a begin and an end: on PostgreSQL, two of
// the three round trips of a one-row read. fn must not write.
func (db *DB) Read(ctx context.Context, fn func(*Tx) error) error {
	if db.readStmts.pending() {
		db.readStmts.prepareNoted(ctx, db.read)
	}
	return fn(&Tx{db: db, ctx: ctx, now: db.now().UTC().Truncate(time.Millisecond)})
}

// q rewrites ? placeholders for engines that number them.
func (db *DB) q(query string) string {
	if !db.dialect.Numbered {
		return query
	}
	if v, ok := db.queries.Load(query); ok {
		return v.(string)
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	db.queries.Store(query, b.String())
	return b.String()
}

// runner is where a Tx runs its statements: its transaction, or the read
// pool for a Tx of Read.
type runner interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (tx *Tx) runner() runner {
	if tx.tx == nil {
		return tx.db.read
	}
	return tx.tx
}

func (tx *Tx) exec(query string, args ...any) (sql.Result, error) {
	if st := tx.prepared(query); st != nil {
		return st.ExecContext(tx.ctx, args...)
	}
	return tx.runner().ExecContext(tx.ctx, tx.db.q(query), args...)
}

func (tx *Tx) query(query string, args ...any) (*sql.Rows, error) {
	if st := tx.prepared(query); st != nil {
		return st.QueryContext(tx.ctx, args...)
	}
	return tx.runner().QueryContext(tx.ctx, tx.db.q(query), args...)
}

func (tx *Tx) queryRow(query string, args ...any) *sql.Row {
	if st := tx.prepared(query); st != nil {
		return st.QueryRowContext(tx.ctx, args...)
	}
	return tx.runner().QueryRowContext(tx.ctx, tx.db.q(query), args...)
}

// prepared returns query's statement prepared once on the transaction's
// pool, bound to the transaction, or nil: statements are not kept for
// this engine, the cache is full, or the query does not prepare (running
// it reports why).
func (tx *Tx) prepared(query string) *sql.Stmt {
	if !tx.db.dialect.PrepareStatements {
		return nil
	}
	cache := &tx.db.readStmts
	if tx.write {
		cache = &tx.db.writeStmts
	}
	st := cache.get(tx.db.q(query))
	if st == nil || tx.tx == nil {
		return st
	}
	return tx.tx.StmtContext(tx.ctx, st)
}

// changed runs an UPDATE and reports whether it changed a row.
func (tx *Tx) changed(query string, args ...any) (bool, error) {
	res, err := tx.exec(query, args...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

func notFound(what string, id int64) error {
	return parkmate.Errorf(parkmate.ENOTFOUND, "%s %d not found.", what, id)
}

// scanAll collects rows with scan, closing them.
func scanAll[T any](rows *sql.Rows, err error, scan func(*sql.Rows) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// before is a page's upper bound on ids, as a number SQL compares.
func before(p parkmate.Page) int64 {
	if p.Before <= 0 {
		return 1<<62 - 1
	}
	return p.Before
}

// Heartbeat records that node can write now: the readiness probe.
func (tx *Tx) Heartbeat(node string) error {
	_, err := tx.exec(`INSERT INTO node_heartbeats (node, beat_at) VALUES (?, ?)
		ON CONFLICT (node) DO UPDATE SET beat_at = excluded.beat_at`, node, ms(tx.now))
	return err
}

// NotificationsAfter reads the notification log after an id; see
// Tx.NotificationsAfter. It implements relay.Log.
func (db *DB) NotificationsAfter(ctx context.Context, after int64, limit int) (out []parkmate.Notification, err error) {
	err = db.View(ctx, func(tx *Tx) error {
		out, err = tx.NotificationsAfter(after, limit)
		return err
	})
	return out, err
}

// LastNotificationID returns the newest committed notification id; it
// implements relay.Log.
func (db *DB) LastNotificationID(ctx context.Context) (id int64, err error) {
	err = db.View(ctx, func(tx *Tx) error {
		id, err = tx.LastNotificationID()
		return err
	})
	return id, err
}
