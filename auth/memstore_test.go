package auth_test

import (
	"context"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"parkmate"
	"parkmate/auth"
)

// memStore is an auth.Store in memory, for this package's tests: the
// contract of package sqlstore (whose conformance suite covers the real
// engines) without SQL. Update keeps its changes only when fn succeeds.
type memStore struct {
	mu       sync.Mutex
	clock    parkmate.Clock
	users    map[int64]parkmate.User
	sessions map[string]parkmate.Session
	deleted  map[int64]bool // soft-deleted users: kept, but not found
	fail     error          // when set, every transaction fails with it
	txs      int            // transactions begun, failed ones included
}

var _ auth.Store = (*memStore)(nil)

func newMemStore(clock parkmate.Clock) *memStore {
	return &memStore{clock: clock, users: map[int64]parkmate.User{}, sessions: map[string]parkmate.Session{}, deleted: map[int64]bool{}}
}

func (m *memStore) Update(_ context.Context, fn func(auth.Tx) error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.txs++
	if m.fail != nil {
		return m.fail
	}
	tx := &memTx{now: m.clock.Now(), users: maps.Clone(m.users), sessions: maps.Clone(m.sessions), deleted: maps.Clone(m.deleted)}
	if err := fn(tx); err != nil {
		return err
	}
	m.users, m.sessions, m.deleted = tx.users, tx.sessions, tx.deleted
	return nil
}

func (m *memStore) View(ctx context.Context, fn func(auth.Tx) error) error {
	return m.Update(ctx, fn) // nothing here writes in a View; a copy is as good
}

func (m *memStore) Read(ctx context.Context, fn func(auth.Tx) error) error {
	return m.View(ctx, fn)
}

// deleteUser removes an account behind the service's back.
func (m *memStore) deleteUser(id int64) {
	m.mu.Lock()
	delete(m.users, id)
	m.mu.Unlock()
}

// waitTxs waits until n more transactions than now have begun: the proof
// that a background loop ran that often, without guessing how long it takes.
func (m *memStore) waitTxs(t *testing.T, n int) {
	t.Helper()
	m.mu.Lock()
	want := m.txs + n
	m.mu.Unlock()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		m.mu.Lock()
		done := m.txs >= want
		m.mu.Unlock()
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("fewer than %d transactions within 5s", n)
		}
	}
}

func (m *memStore) setFail(err error) {
	m.mu.Lock()
	m.fail = err
	m.mu.Unlock()
}

type memTx struct {
	now      time.Time
	users    map[int64]parkmate.User
	sessions map[string]parkmate.Session
	deleted  map[int64]bool
}

func (tx *memTx) CreateUser(u parkmate.User) (parkmate.User, error) {
	taken := false
	for _, o := range tx.users { // a deleted user's name stays taken
		taken = taken || strings.EqualFold(o.Username, u.Username)
	}
	if taken {
		return u, parkmate.CodedErrorf(parkmate.ECONFLICT, "username_taken", "The username %q is taken.", u.Username)
	}
	u.ID = int64(len(tx.users) + 1)
	tx.users[u.ID] = u
	return u, nil
}

func (tx *memTx) UserByID(id int64) (parkmate.User, error) {
	u, ok := tx.users[id]
	if !ok || tx.deleted[id] {
		return u, parkmate.Errorf(parkmate.ENOTFOUND, "User %d not found.", id)
	}
	return u, nil
}

func (tx *memTx) UserByUsername(name string) (parkmate.User, bool, error) {
	for _, u := range tx.users {
		if strings.EqualFold(u.Username, name) && !tx.deleted[u.ID] {
			return u, true, nil
		}
	}
	return parkmate.User{}, false, nil
}

func (tx *memTx) SetUserRole(id int64, role parkmate.Role) error {
	u, err := tx.UserByID(id)
	if err != nil {
		return err
	}
	u.Role = role
	tx.users[id] = u
	return nil
}

func (tx *memTx) DeleteUser(id int64) error {
	if _, err := tx.UserByID(id); err != nil {
		return err
	}
	tx.deleted[id] = true
	return nil
}

func (tx *memTx) RevokeUserSessions(userID int64) ([]string, error) {
	var ids []string
	for id, s := range tx.sessions {
		if s.UserID == userID && s.RevokedAt == nil {
			now := tx.now
			s.RevokedAt = &now
			tx.sessions[id] = s
			ids = append(ids, id)
		}
	}
	return ids, nil
}

func (tx *memTx) CreateSession(s parkmate.Session) error {
	tx.sessions[s.ID] = s
	return nil
}

func (tx *memTx) SessionAndUser(id string) (parkmate.Session, parkmate.User, bool, error) {
	s, ok := tx.sessions[id]
	if !ok {
		return s, parkmate.User{}, false, nil
	}
	u, err := tx.UserByID(s.UserID)
	return s, u, true, err
}

func (tx *memTx) RevokeSession(id string) error {
	if s, ok := tx.sessions[id]; ok && s.RevokedAt == nil {
		now := tx.now
		s.RevokedAt = &now
		tx.sessions[id] = s
	}
	return nil
}

func (tx *memTx) SessionsRevokedSince(t time.Time) ([]parkmate.Session, error) {
	var out []parkmate.Session
	for _, s := range tx.sessions {
		if s.RevokedAt != nil && !s.RevokedAt.Before(t) {
			out = append(out, parkmate.Session{ID: s.ID, UserID: s.UserID})
		}
	}
	return out, nil
}

func (tx *memTx) DeleteExpiredSessions(t time.Time) (int64, error) {
	var n int64
	for id, s := range tx.sessions {
		if s.ExpiresAt.Before(t) {
			delete(tx.sessions, id)
			n++
		}
	}
	return n, nil
}
