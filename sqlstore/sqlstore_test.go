package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"parkmate"
	"parkmate/internal/testservices"
	"parkmate/postgres"
	"parkmate/sqlite"
	"parkmate/sqlstore"
)

// recorder is a Relay that remembers what it was given, in order.
type recorder struct {
	mu    sync.Mutex
	notes []parkmate.Notification
}

func (r *recorder) Committed(_ context.Context, notes []parkmate.Notification) {
	r.mu.Lock()
	r.notes = append(r.notes, notes...)
	r.mu.Unlock()
}

func (r *recorder) all() []parkmate.Notification {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]parkmate.Notification(nil), r.notes...)
}

// engines opens one fresh database per engine.
var engines = []struct {
	name string
	open func(testing.TB, ...sqlstore.Option) *sqlstore.DB
}{
	{"sqlite", func(tb testing.TB, opts ...sqlstore.Option) *sqlstore.DB {
		db, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "t.db"), opts...)
		if err != nil {
			tb.Fatal(err)
		}
		return db
	}},
	{"postgres", func(tb testing.TB, opts ...sqlstore.Option) *sqlstore.DB {
		db, err := postgres.Open(context.Background(), testservices.Postgres(tb), opts...)
		if err != nil {
			tb.Fatal(err)
		}
		return db
	}},
}

// TestConformance runs the same suite against every engine.
func TestConformance(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			for _, tc := range suite {
				t.Run(tc.name, func(t *testing.T) {
					db := e.open(t)
					t.Cleanup(func() { db.Close() })
					rec := &recorder{}
					tc.run(t, db.WithRelay(rec), rec)
				})
			}
		})
	}
}

var ctx = context.Background()

func mustUser(t *testing.T, db *sqlstore.DB, name string, role parkmate.Role) parkmate.User {
	t.Helper()
	var u parkmate.User
	err := db.Update(ctx, func(tx *sqlstore.Tx) (err error) {
		u, err = tx.CreateUser(parkmate.User{Username: name, Role: role, PasswordHash: "x"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func note(uid int64, msg string) parkmate.Notification {
	return parkmate.Notification{UserID: uid, Type: parkmate.LevelInfo, Message: msg, Event: "test.note", Data: []byte(`{"k":1}`)}
}

var suite = []struct {
	name string
	run  func(*testing.T, *sqlstore.DB, *recorder)
}{
	{"duplicate usernames conflict", func(t *testing.T, db *sqlstore.DB, _ *recorder) {
		mustUser(t, db, "dana", parkmate.RoleDriver)
		err := db.Update(ctx, func(tx *sqlstore.Tx) error {
			_, err := tx.CreateUser(parkmate.User{Username: "dana", Role: parkmate.RoleDriver, PasswordHash: "x"})
			return err
		})
		if parkmate.ErrorKind(err) != parkmate.ECONFLICT {
			t.Fatalf("duplicate: %v", err)
		}
	}},
	{"notifications publish after commit, in order, never after rollback", func(t *testing.T, db *sqlstore.DB, rec *recorder) {
		u := mustUser(t, db, "dana", parkmate.RoleDriver)
		err := db.Update(ctx, func(tx *sqlstore.Tx) error {
			if _, err := tx.AddNotification(note(u.ID, "a")); err != nil {
				return err
			}
			if len(rec.all()) != 0 {
				t.Errorf("published before commit")
			}
			_, err := tx.AddNotifications([]parkmate.Notification{note(u.ID, "b"), note(u.ID, "c")})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		boom := errors.New("boom")
		if err := db.Update(ctx, func(tx *sqlstore.Tx) error {
			if _, err := tx.AddNotification(note(u.ID, "rolled back")); err != nil {
				return err
			}
			return boom
		}); !errors.Is(err, boom) {
			t.Fatal(err)
		}
		got := rec.all()
		if len(got) != 3 || got[0].Message != "a" || got[2].Message != "c" || !(got[0].ID < got[1].ID && got[1].ID < got[2].ID) {
			t.Fatalf("published %+v", got)
		}
		var stored []parkmate.Notification
		_ = db.View(ctx, func(tx *sqlstore.Tx) (err error) {
			stored, err = tx.NotificationsSince(parkmate.Recipient{UserID: u.ID, Role: u.Role}, 0, 100)
			return err
		})
		if len(stored) != 3 || stored[1].ID != got[1].ID || string(stored[1].Data) != `{"k":1}` || stored[1].Event != "test.note" {
			t.Fatalf("stored %+v", stored)
		}
	}},
	{"ids are a gap-free log in commit order, even with rollbacks and concurrent writers", func(t *testing.T, db *sqlstore.DB, rec *recorder) {
		users := []parkmate.User{mustUser(t, db, "u1", parkmate.RoleDriver), mustUser(t, db, "u2", parkmate.RoleDriver)}
		var base int64
		_ = db.View(ctx, func(tx *sqlstore.Tx) (err error) { base, err = tx.LastNotificationID(); return err })
		done := make(chan struct{})
		var readerErr error
		go func() {
			// A reader at any moment sees a prefix of the log: if it sees
			// id N it sees every id below N.
			defer close(done)
			for i := 0; i < 200 && readerErr == nil; i++ {
				_ = db.View(ctx, func(tx *sqlstore.Tx) error {
					notes, err := tx.NotificationsAfter(base, 10_000)
					for j, n := range notes {
						if n.ID != base+int64(j)+1 {
							readerErr = fmt.Errorf("read %d at position %d: a hole in the log", n.ID, j)
							break
						}
					}
					if readerErr == nil {
						readerErr = err
					}
					return nil
				})
			}
		}()
		boom := errors.New("boom")
		var wg sync.WaitGroup
		for w := 0; w < 8; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := 0; i < 25; i++ {
					err := db.Update(ctx, func(tx *sqlstore.Tx) error {
						var err error
						if i%5 == 0 {
							_, err = tx.AddNotification(parkmate.Notification{GroupKey: "role:driver", Type: parkmate.LevelInfo, Message: "g"})
						} else {
							_, err = tx.AddNotifications([]parkmate.Notification{note(users[0].ID, "x"), note(users[(w+i)%2].ID, "y")})
						}
						if err == nil && i%7 == 3 {
							return boom // rolled back: its ids go back to the log
						}
						return err
					})
					if err != nil && !errors.Is(err, boom) {
						t.Error(err)
						return
					}
				}
			}(w)
		}
		wg.Wait()
		<-done
		if readerErr != nil {
			t.Fatal(readerErr)
		}
		var all []parkmate.Notification
		var last int64
		_ = db.View(ctx, func(tx *sqlstore.Tx) (err error) {
			if all, err = tx.NotificationsAfter(base, 10_000); err != nil {
				return err
			}
			last, err = tx.LastNotificationID()
			return err
		})
		published := map[int64]bool{}
		for _, n := range rec.all() {
			published[n.ID] = true
		}
		for i, n := range all {
			if n.ID != base+int64(i)+1 {
				t.Fatalf("stored id %d at position %d: the log has a hole", n.ID, i)
			}
			if !published[n.ID] {
				t.Fatalf("committed id %d was not handed to the relay", n.ID)
			}
		}
		if len(published) != len(all) || last != base+int64(len(all)) {
			t.Fatalf("relay got %d ids, log holds %d, last id %d", len(published), len(all), last)
		}
	}},
	{"one message to many users and mixed batches store what they were given", func(t *testing.T, db *sqlstore.DB, rec *recorder) {
		a := mustUser(t, db, "alike-a", parkmate.RoleDriver)
		b := mustUser(t, db, "alike-b", parkmate.RoleDriver)
		c := mustUser(t, db, "alike-c", parkmate.RoleDriver)
		plain := parkmate.Notification{Type: parkmate.LevelWarning, Message: "no data", Event: "test.plain"}
		withUser := func(n parkmate.Notification, uid int64) parkmate.Notification { n.UserID = uid; return n }
		group := parkmate.Notification{GroupKey: parkmate.GroupAll, Type: parkmate.LevelInfo, Message: "all", Event: "test.group"}
		batches := []struct {
			name  string
			notes []parkmate.Notification
		}{
			{"one message, data", []parkmate.Notification{note(a.ID, "same"), note(b.ID, "same"), note(c.ID, "same"), note(a.ID, "same")}},
			{"one message, no data", []parkmate.Notification{withUser(plain, c.ID), withUser(plain, a.ID)}},
			{"messages differ", []parkmate.Notification{note(a.ID, "one"), note(b.ID, "two")}},
			{"data differs", []parkmate.Notification{note(a.ID, "same"), withUser(parkmate.Notification{Type: parkmate.LevelInfo, Message: "same", Event: "test.note", Data: []byte(`{"k":2}`)}, b.ID)}},
			{"a group among users", []parkmate.Notification{note(a.ID, "same"), group, note(b.ID, "same")}},
		}
		for _, bt := range batches {
			before, err := view(t, db, func(tx *sqlstore.Tx) (int64, error) { return tx.LastNotificationID() })
			if err != nil {
				t.Fatal(err)
			}
			var got []parkmate.Notification
			if err := db.Update(ctx, func(tx *sqlstore.Tx) (err error) {
				got, err = tx.AddNotifications(bt.notes)
				return err
			}); err != nil {
				t.Fatalf("%s: %v", bt.name, err)
			}
			stored, err := view(t, db, func(tx *sqlstore.Tx) ([]parkmate.Notification, error) { return tx.NotificationsAfter(before, 100) })
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(bt.notes) || len(stored) != len(bt.notes) {
				t.Fatalf("%s: returned %d, stored %d, want %d", bt.name, len(got), len(stored), len(bt.notes))
			}
			for i, want := range bt.notes {
				s := stored[i]
				if s.ID != before+int64(i)+1 || got[i].ID != s.ID || s.UserID != want.UserID || s.GroupKey != want.GroupKey ||
					s.Type != want.Type || s.Message != want.Message || s.Event != want.Event || string(s.Data) != string(want.Data) ||
					!s.CreatedAt.Equal(got[i].CreatedAt) {
					t.Errorf("%s: row %d stored %+v, want %+v with id %d", bt.name, i, s, want, before+int64(i)+1)
				}
			}
		}
	}},
	{"a session and its user in one read, outside a transaction", func(t *testing.T, db *sqlstore.DB, _ *recorder) {
		live := mustUser(t, db, "reader-live", parkmate.RoleOwner)
		gone := mustUser(t, db, "reader-gone", parkmate.RoleDriver)
		exp := time.Now().Add(time.Hour).UTC().Truncate(time.Millisecond)
		if err := db.Update(ctx, func(tx *sqlstore.Tx) error {
			for _, s := range []parkmate.Session{{ID: "s-live", UserID: live.ID, ExpiresAt: exp}, {ID: "s-gone", UserID: gone.ID, ExpiresAt: exp}} {
				if err := tx.CreateSession(s); err != nil {
					return err
				}
			}
			if _, err := tx.RevokeUserSessions(gone.ID); err != nil {
				return err
			}
			return tx.DeleteUser(gone.ID)
		}); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			id       string
			ok       bool
			kind     string
			user     int64
			revoked  bool
			username string
		}{
			{"s-live", true, "", live.ID, false, "reader-live"},
			{"s-gone", true, parkmate.ENOTFOUND, 0, true, ""},
			{"s-none", false, "", 0, false, ""},
		}
		for _, c := range cases {
			for round := 0; round < 2; round++ { // the second runs the statement prepared
				var s parkmate.Session
				var u parkmate.User
				var ok bool
				err := db.Read(ctx, func(tx *sqlstore.Tx) (err error) {
					s, u, ok, err = tx.SessionAndUser(c.id)
					return err
				})
				if ok != c.ok || (c.kind == "" && err != nil) || (c.kind != "" && parkmate.ErrorKind(err) != c.kind) || u.ID != c.user || u.Username != c.username ||
					(ok && (s.ID != c.id || !s.ExpiresAt.Equal(exp) || (s.RevokedAt != nil) != c.revoked)) {
					t.Errorf("%s: session %+v user %+v ok %v err %v", c.id, s, u, ok, err)
				}
				if c.user != 0 && u.Role != parkmate.RoleOwner {
					t.Errorf("%s: role %q", c.id, u.Role)
				}
			}
		}
	}},
	{"group notifications reach members only", func(t *testing.T, db *sqlstore.DB, _ *recorder) {
		d := mustUser(t, db, "dana", parkmate.RoleDriver)
		a := mustUser(t, db, "ada", parkmate.RoleAdmin)
		_ = db.Update(ctx, func(tx *sqlstore.Tx) error {
			_, err := tx.AddNotifications([]parkmate.Notification{
				{GroupKey: "role:admin", Type: parkmate.LevelInfo, Message: "admins"},
				{GroupKey: "all", Type: parkmate.LevelInfo, Message: "everyone"},
			})
			return err
		})
		count := func(u parkmate.User) int {
			var n int
			_ = db.View(ctx, func(tx *sqlstore.Tx) (err error) {
				n, err = tx.UnreadCount(parkmate.Recipient{UserID: u.ID, Role: u.Role})
				return err
			})
			return n
		}
		if count(d) != 1 || count(a) != 2 {
			t.Fatalf("driver %d, admin %d", count(d), count(a))
		}
	}},
	{"read state: one, then all", func(t *testing.T, db *sqlstore.DB, _ *recorder) {
		u := mustUser(t, db, "dana", parkmate.RoleDriver)
		r := parkmate.Recipient{UserID: u.ID, Role: u.Role}
		var ids []int64
		_ = db.Update(ctx, func(tx *sqlstore.Tx) error {
			out, err := tx.AddNotifications([]parkmate.Notification{note(u.ID, "1"), note(u.ID, "2"), {GroupKey: "all", Type: "info", Message: "3"}})
			for _, n := range out {
				ids = append(ids, n.ID)
			}
			return err
		})
		err := db.Update(ctx, func(tx *sqlstore.Tx) error {
			if _, err := tx.MarkRead(r, ids[1]); err != nil {
				return err
			}
			if n, _ := tx.UnreadCount(r); n != 2 {
				t.Errorf("unread after one: %d", n)
			}
			updated, upTo, err := tx.MarkAllRead(r)
			if updated != 2 || upTo != ids[2] {
				t.Errorf("read all: %d up to %d", updated, upTo)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var items []parkmate.InboxItem
		_ = db.View(ctx, func(tx *sqlstore.Tx) (err error) {
			items, err = tx.Inbox(r, parkmate.InboxQuery{})
			return err
		})
		for _, it := range items {
			if !it.Read {
				t.Fatalf("unread after read-all: %+v", it)
			}
		}
	}},
	{"a slot has one active booking; warn and expire happen once", func(t *testing.T, db *sqlstore.DB, _ *recorder) {
		owner := mustUser(t, db, "oscar", parkmate.RoleOwner)
		d := mustUser(t, db, "dana", parkmate.RoleDriver)
		var lot parkmate.Lot
		var slots []parkmate.Slot
		_ = db.Update(ctx, func(tx *sqlstore.Tx) (err error) {
			if lot, err = tx.CreateLot(parkmate.Lot{Name: "L", OwnerID: owner.ID, Slots: 2}); err != nil {
				return err
			}
			slots, err = tx.Slots(lot.ID)
			return err
		})
		end := time.Now().Add(time.Minute)
		var id int64
		if err := db.Update(ctx, func(tx *sqlstore.Tx) (err error) {
			id, err = tx.CreateBooking(d.ID, slots[0].ID, end, 0)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		err := db.Update(ctx, func(tx *sqlstore.Tx) error {
			_, err := tx.CreateBooking(d.ID, slots[0].ID, end, 0)
			return err
		})
		var pe *parkmate.Error
		if !errors.As(err, &pe) || pe.ErrorCode() != "slot_taken" {
			t.Fatalf("second booking: %v", err)
		}
		for i, want := range []bool{true, false} {
			_ = db.Update(ctx, func(tx *sqlstore.Tx) error {
				if ok, err := tx.MarkWarned(id); ok != want || err != nil {
					t.Errorf("warn %d: %v %v", i, ok, err)
				}
				if ok, err := tx.ExpireBooking(id, end.Add(time.Second)); ok != want || err != nil {
					t.Errorf("expire %d: %v %v", i, ok, err)
				}
				return nil
			})
		}
		_ = db.View(ctx, func(tx *sqlstore.Tx) error {
			l, _ := tx.LotByID(lot.ID)
			if l.Free != 2 {
				t.Errorf("free slots after expiry: %d", l.Free)
			}
			return nil
		})
	}},
}

// view runs fn in a read transaction and returns what it returns.
func view[T any](t *testing.T, db *sqlstore.DB, fn func(*sqlstore.Tx) (T, error)) (T, error) {
	t.Helper()
	var out T
	err := db.View(ctx, func(tx *sqlstore.Tx) (err error) {
		out, err = fn(tx)
		return err
	})
	return out, err
}
