package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"parkmate"
)

// DefaultGroupCommit is the most Update calls one transaction carries.
const DefaultGroupCommit = 64

// WithGroupCommit sets the most Update calls that share one transaction
// and one commit (group commit); 1 gives each its own.
func WithGroupCommit(n int) Option {
	return func(db *DB) {
		if n > 0 {
			db.group.max = n
		}
	}
}

// WithWriteSlots sets how many write transactions may run at once, in
// place of the dialect's (Dialect.WriteSlots; one when it serializes
// writes). Tests use it to make calls wait, and share a transaction.
func WithWriteSlots(n int) Option {
	return func(db *DB) {
		if n > 0 {
			db.group.slots = n
		}
	}
}

// committer runs at most slots write transactions at a time (one on
// SQLite, which has one writer anyway), and lets the Update calls that
// arrive while they are all taken share the next transaction: a group.
// Its leader is the goroutine of the group's first call; when a group is
// done the leader hands its slot to the first call that waits, which leads
// the next group, so no caller runs other callers' groups for long. A call
// that finds a slot free runs at once: at a low rate nothing waits and
// each call has a transaction of its own, as without group commit.
//
// In a group of several, each call runs inside a savepoint of the shared
// transaction: one that fails is rolled back to its savepoint (its
// changes, its notification ids and its notifications undone; nobody is
// notified) and the others go on. The group commits once; its calls'
// notifications go to their relays after the commit, in id order. The
// notification log stays gap-free in commit order: ids are taken from the
// counter row in the shared transaction, in the order the calls run, and
// all of them commit together (or not at all).
type committer struct {
	max   int // most calls per group
	slots int // most groups at a time

	mu      sync.Mutex
	queue   []*member // calls waiting for a slot, oldest first
	running int       // groups running; the queue is empty unless all slots are taken
}

// member is one Update call waiting for, or running in, a group.
type member struct {
	ctx   context.Context
	fn    func(*Tx) error
	db    *DB // the DB it came through: its relay and clock
	notes []parkmate.Notification
	err   error
	// wake tells a waiting call that its outcome is known (false) or
	// that it leads the next group (true).
	wake chan bool
}

// commit runs fn in the next group and returns its outcome once its
// notifications went to the relay.
func (db *DB) commit(ctx context.Context, fn func(*Tx) error) error {
	c := &db.group
	m := &member{ctx: ctx, fn: fn, db: db, wake: make(chan bool, 1)}
	c.mu.Lock()
	lead := c.running < max(c.slots, 1)
	if lead {
		c.running++
	} else {
		c.queue = append(c.queue, m)
	}
	c.mu.Unlock()
	if lead || <-m.wake {
		db.lead(m)
	}
	return m.err
}

// lead runs a group of first (a call that holds a slot) and the calls
// waiting behind it, hands the slot on, hands the notifications to the
// relays and wakes the group's other calls.
func (db *DB) lead(first *member) {
	c := &db.group
	c.mu.Lock()
	n := min(len(c.queue), max(c.max, 1)-1)
	group := append([]*member{first}, c.queue[:n]...)
	c.queue = c.queue[n:]
	c.mu.Unlock()

	db.runGroup(group)

	c.mu.Lock()
	if len(c.queue) > 0 {
		// The slot passes to the oldest waiting call, which leaves the
		// queue now: another leader must not wake it twice.
		next := c.queue[0]
		c.queue = c.queue[1:]
		next.wake <- true
	} else {
		c.running--
		c.queue = nil
	}
	c.mu.Unlock()
	publish(group)
	for _, m := range group[1:] {
		m.wake <- false
	}
}

// publish hands each call's committed notifications to its DB's relay,
// in id order, one Committed call for consecutive calls of one DB.
func publish(group []*member) {
	for i := 0; i < len(group); {
		db, notes, j := group[i].db, group[i].notes, i+1
		for ; j < len(group) && group[j].db == db; j++ {
			if len(notes) == 0 {
				notes = group[j].notes
			} else if len(group[j].notes) > 0 {
				notes = append(notes[:len(notes):len(notes)], group[j].notes...)
			}
		}
		if len(notes) > 0 && db.relay != nil {
			db.relay.Committed(context.WithoutCancel(group[i].ctx), notes)
		}
		i = j
	}
}

// runGroup runs the calls of a group in one transaction and sets each
// call's outcome: err, or the notifications it committed.
func (db *DB) runGroup(group []*member) {
	if db.writeStmts.pending() {
		db.writeStmts.prepareNoted(group[0].ctx, db.write)
	}
	if len(group) == 1 {
		m := group[0]
		m.notes, m.err = db.update(m.ctx, m.fn)
		return
	}
	// The calls' contexts end their own work, not the shared transaction:
	// a client that goes away must not fail the others.
	bg := context.WithoutCancel(group[0].ctx)
	sqlTx, err := db.write.BeginTx(bg, nil)
	if err != nil {
		fail(group, fmt.Errorf("begin: %w", err))
		return
	}
	ok := 0
	for i, m := range group {
		if err := m.ctx.Err(); err != nil {
			m.err = err
			continue
		}
		if err := db.runMember(sqlTx, bg, m, "g"+strconv.Itoa(i)); err != nil {
			// The transaction cannot go on: nothing of it commits.
			_ = sqlTx.Rollback()
			fail(group, err)
			return
		}
		if m.err == nil {
			ok++
		}
	}
	if ok == 0 {
		_ = sqlTx.Rollback()
		return
	}
	if err := sqlTx.Commit(); err != nil {
		fail(group, fmt.Errorf("commit: %w", err))
	}
}

// runMember runs one call of a group in a savepoint and sets its outcome.
// It returns an error only when the shared transaction is broken.
func (db *DB) runMember(sqlTx *sql.Tx, ctx context.Context, m *member, sp string) error {
	if _, err := sqlTx.ExecContext(ctx, "SAVEPOINT "+sp); err != nil {
		return fmt.Errorf("savepoint: %w", err)
	}
	tx := &Tx{tx: sqlTx, db: m.db, ctx: context.WithoutCancel(m.ctx), now: m.db.now().UTC().Truncate(time.Millisecond), write: true}
	err := m.fn(tx)
	if err == nil {
		// PostgreSQL refuses the release when a statement of fn failed
		// and fn went on: the call fails.
		if _, err = sqlTx.ExecContext(ctx, "RELEASE SAVEPOINT "+sp); err == nil {
			m.notes = tx.notes
			return nil
		}
	}
	m.err = err
	if _, rerr := sqlTx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT "+sp); rerr != nil {
		return fmt.Errorf("rollback to savepoint: %w", errors.Join(rerr, err))
	}
	if _, rerr := sqlTx.ExecContext(ctx, "RELEASE SAVEPOINT "+sp); rerr != nil {
		return fmt.Errorf("release savepoint: %w", errors.Join(rerr, err))
	}
	return nil
}

// fail gives err to every call of the group that has not failed on its
// own, and drops their notifications: nothing of theirs committed.
func fail(group []*member, err error) {
	for _, m := range group {
		if m.err == nil {
			m.err = err
		}
		m.notes = nil
	}
}

// WriteQueue returns how many Update calls wait for a write transaction
// because every slot is taken: they will share the next one.
func (db *DB) WriteQueue() int {
	db.group.mu.Lock()
	defer db.group.mu.Unlock()
	return len(db.group.queue)
}
