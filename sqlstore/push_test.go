package sqlstore_test

import (
	"slices"
	"testing"
	"time"

	"parkmate"
	"parkmate/push"
	"parkmate/sqlstore"
)

// TestPushOutbox checks the outbox's storage on each engine: the lease and
// its fence, the candidates, the displayed marks and the claims.
func TestPushOutbox(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			for name, fn := range map[string]func(*testing.T, *sqlstore.DB){"lease": pushLease, "candidates": pushCandidates} {
				t.Run(name, func(t *testing.T) {
					db := e.open(t)
					t.Cleanup(func() { db.Close() })
					fn(t, db)
				})
			}
		})
	}
}

func update(t *testing.T, db *sqlstore.DB, fn func(tx *sqlstore.Tx) error) {
	t.Helper()
	if err := db.Update(ctx, fn); err != nil {
		t.Fatal(err)
	}
}

// pushLease: one node holds the lease until it ends; a node that lost it
// cannot move the cursor, even if it still thinks it leads.
func pushLease(t *testing.T, db *sqlstore.DB) {
	t0 := time.Date(2026, 11, 25, 20, 0, 0, 0, time.UTC)
	take := func(node string, now time.Time) bool {
		var ok bool
		update(t, db, func(tx *sqlstore.Tx) (err error) {
			_, ok, err = tx.TakePushLease(node, now, now.Add(15*time.Second))
			return err
		})
		return ok
	}
	var l push.Lease
	update(t, db, func(tx *sqlstore.Tx) (err error) { l, err = tx.PushLease(); return err })
	if !take("a", t0) || take("b", t0.Add(14*time.Second)) || !take("a", t0.Add(14*time.Second)) {
		t.Fatal("lease while a holds it")
	}
	if !take("b", t0.Add(30*time.Second)) {
		t.Fatal("b did not take the lease a let end")
	}
	var moved bool
	update(t, db, func(tx *sqlstore.Tx) (err error) {
		moved, err = tx.AdvancePushCursor("a", l.Cursor, l.Cursor+5)
		return err
	})
	if moved {
		t.Fatal("a moved the cursor after losing the lease")
	}
	update(t, db, func(tx *sqlstore.Tx) (err error) {
		moved, err = tx.AdvancePushCursor("b", l.Cursor+1, l.Cursor+5)
		return err
	})
	if moved {
		t.Fatal("b moved the cursor from a position it is not at")
	}
	update(t, db, func(tx *sqlstore.Tx) (err error) {
		moved, err = tx.AdvancePushCursor("b", l.Cursor, l.Cursor+5)
		return err
	})
	update(t, db, func(tx *sqlstore.Tx) error { return tx.ReleasePushLease("b") })
	if !moved || !take("a", t0.Add(31*time.Second)) {
		t.Fatal("the holder could not move the cursor, or its release did not free the lease")
	}
}

// pushCandidates: only users with a subscription, only up to the newest
// committed id; displayed marks of another user's ids, or of ids the
// cursor passed, are ignored; a due delivery is claimed once.
func pushCandidates(t *testing.T, db *sqlstore.DB) {
	alice, bob := mustUser(t, db, "alice", parkmate.RoleDriver), mustUser(t, db, "bob", parkmate.RoleDriver)
	var l push.Lease
	update(t, db, func(tx *sqlstore.Tx) (err error) { l, err = tx.PushLease(); return err })
	var notes []parkmate.Notification
	update(t, db, func(tx *sqlstore.Tx) (err error) {
		notes, err = tx.AddNotifications([]parkmate.Notification{
			{UserID: alice.ID, Type: parkmate.LevelInfo, Message: "a1", Event: "booking.expired"},
			{UserID: bob.ID, Type: parkmate.LevelInfo, Message: "b1", Event: "booking.expired"},
			{GroupKey: "all", Type: parkmate.LevelInfo, Message: "all"},
			{UserID: alice.ID, Type: parkmate.LevelInfo, Message: "a2", Event: "booking.expired"},
		})
		return err
	})
	var sub push.Subscription
	update(t, db, func(tx *sqlstore.Tx) (err error) {
		sub, _, err = tx.SaveSubscription(push.Subscription{UserID: alice.ID, Endpoint: "https://fcm.googleapis.com/x", P256DH: "k", Auth: "a"}, 5)
		return err
	})
	update(t, db, func(tx *sqlstore.Tx) error {
		return tx.MarkDisplayed(alice.ID, []int64{notes[0].ID, notes[1].ID, notes[3].ID})
	})
	var cands []push.Candidate
	var last int64
	var fan push.Fanout
	update(t, db, func(tx *sqlstore.Tx) (err error) {
		if cands, last, err = tx.PushCandidates(l.Cursor, l.Cursor+100); err != nil {
			return err
		}
		fan, err = tx.Fanout([]int64{alice.ID, alice.ID}, []int64{notes[0].ID, notes[1].ID, notes[3].ID}, time.Now())
		return err
	})
	var ids []int64
	for _, c := range cands {
		ids = append(ids, c.ID)
	}
	if !slices.Equal(ids, []int64{notes[0].ID, notes[3].ID}) || last != notes[3].ID {
		t.Fatalf("candidates %v (last %d), want alice's %d and %d", ids, last, notes[0].ID, notes[3].ID)
	}
	if !fan.Displayed[notes[0].ID] || fan.Displayed[notes[1].ID] || !fan.Displayed[notes[3].ID] ||
		!slices.Equal(fan.Subscriptions[alice.ID], []int64{sub.ID}) {
		t.Fatalf("fanout %+v", fan)
	}
	pushClaims(t, db, alice, notes, sub, l.Cursor, last)
}

// pushClaims: a delivery stored twice is one; a due delivery is claimed
// once; ids the cursor passed are no longer marked displayed.
func pushClaims(t *testing.T, db *sqlstore.DB, alice parkmate.User, notes []parkmate.Notification, sub push.Subscription, cursor, last int64) {
	now := time.Now()
	update(t, db, func(tx *sqlstore.Tx) error {
		return tx.AddDeliveries([]push.NewDelivery{{NotificationID: notes[0].ID, SubscriptionID: sub.ID, NextAt: now, GiveUpAt: now.Add(time.Hour)},
			{NotificationID: notes[0].ID, SubscriptionID: sub.ID, NextAt: now, GiveUpAt: now.Add(time.Hour)}})
	})
	var due []push.Delivery
	var first, second []int64
	update(t, db, func(tx *sqlstore.Tx) (err error) {
		if due, err = tx.DueDeliveries(now, 10); err != nil || len(due) != 1 {
			return err
		}
		if first, err = tx.ClaimDeliveries([]int64{due[0].ID}, now, now.Add(time.Minute)); err != nil {
			return err
		}
		second, err = tx.ClaimDeliveries([]int64{due[0].ID}, now, now.Add(time.Minute))
		return err
	})
	if len(due) != 1 || due[0].Notification.Message != "a1" || due[0].Subscription.Endpoint != "https://fcm.googleapis.com/x" ||
		len(first) != 1 || len(second) != 0 {
		t.Fatalf("due %+v, claimed %v then %v", due, first, second)
	}
	// Once the cursor passed them, ids are no longer marked.
	update(t, db, func(tx *sqlstore.Tx) error {
		if _, ok, err := tx.TakePushLease("t", now, now.Add(time.Minute)); err != nil || !ok {
			t.Fatalf("lease: %v", err)
		}
		if ok, err := tx.AdvancePushCursor("t", cursor, last); err != nil || !ok {
			t.Fatalf("advance: %v", err)
		}
		if err := tx.ForgetDisplayed(last); err != nil {
			return err
		}
		if err := tx.MarkDisplayed(alice.ID, []int64{notes[3].ID}); err != nil {
			return err
		}
		fan, err := tx.Fanout([]int64{alice.ID}, []int64{notes[3].ID}, now)
		if err == nil && fan.Displayed[notes[3].ID] {
			t.Fatal("an id the cursor passed was marked displayed")
		}
		return err
	})
}
