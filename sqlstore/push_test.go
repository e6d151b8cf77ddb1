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

// pushLease: one node holds the lease until it ends (on the database's
// clock); a node that lost it cannot move the cursor, even if it still
// thinks it leads.
func pushLease(t *testing.T, db *sqlstore.DB) {
	take := func(node string, d time.Duration) bool {
		var ok bool
		update(t, db, func(tx *sqlstore.Tx) (err error) {
			_, ok, err = tx.TakePushLease(node, d)
			return err
		})
		return ok
	}
	var l push.Lease
	update(t, db, func(tx *sqlstore.Tx) (err error) { l, err = tx.PushLease(); return err })
	if since := time.Since(l.Now); since < -time.Minute || since > time.Minute {
		t.Fatalf("the database's time %s is not now", l.Now)
	}
	if !take("a", 15*time.Second) || take("b", 15*time.Second) || !take("a", 15*time.Second) {
		t.Fatal("lease while a holds it")
	}
	update(t, db, func(tx *sqlstore.Tx) (err error) { l, err = tx.PushLease(); return err })
	if left := l.Until.Sub(l.Now); l.Owner != "a" || left < 5*time.Second || left > 15*time.Second {
		t.Fatalf("lease %+v: want a's for 15s", l)
	}
	if !take("a", -time.Second) { // a renews it into the past: it has ended
		t.Fatal("a could not renew")
	}
	if !take("b", 15*time.Second) {
		t.Fatal("b did not take the lease a let end")
	}
	var a, b bool
	update(t, db, func(tx *sqlstore.Tx) (err error) {
		if a, err = tx.HoldsPushLease("a"); err == nil {
			b, err = tx.HoldsPushLease("b")
		}
		return err
	})
	if a || !b {
		t.Fatalf("holds: a %v, b %v", a, b)
	}
	var moved bool
	update(t, db, func(tx *sqlstore.Tx) (err error) {
		moved, err = tx.AdvancePushCursor("a", l.Cursor, l.Cursor+5)
		return err
	})
	if moved || take("a", 15*time.Second) {
		t.Fatal("a moved the cursor, or took the lease, after losing it")
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
	if !moved || !take("a", 15*time.Second) {
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

// pushClaims: a delivery stored twice is one; a subscription is due only
// while its first pending delivery (in notification order) is due and not
// claimed; ids the cursor passed are no longer marked displayed.
func pushClaims(t *testing.T, db *sqlstore.DB, alice parkmate.User, notes []parkmate.Notification, sub push.Subscription, cursor, last int64) {
	now := time.Now()
	update(t, db, func(tx *sqlstore.Tx) error {
		return tx.AddDeliveries([]push.NewDelivery{
			{NotificationID: notes[3].ID, SubscriptionID: sub.ID, NextAt: now, GiveUpAt: now.Add(time.Hour)},
			{NotificationID: notes[0].ID, SubscriptionID: sub.ID, NextAt: now, GiveUpAt: now.Add(time.Hour)},
			{NotificationID: notes[0].ID, SubscriptionID: sub.ID, NextAt: now, GiveUpAt: now.Add(time.Hour)}})
	})
	pending := func() int {
		var n int
		update(t, db, func(tx *sqlstore.Tx) (err error) { n, err = tx.PendingDeliveries(); return err })
		return n
	}
	due := func(at time.Time) bool {
		var subs []int64
		update(t, db, func(tx *sqlstore.Tx) (err error) { subs, err = tx.DueSubscriptions(at, 10); return err })
		return slices.Equal(subs, []int64{sub.ID})
	}
	next := func(at time.Time) (d push.Delivery, ok bool) {
		update(t, db, func(tx *sqlstore.Tx) (err error) { d, ok, err = tx.NextDelivery(sub.ID, at); return err })
		return d, ok
	}
	if n := pending(); n != 2 || !due(now) {
		t.Fatalf("%d pending (want 2), due %v", n, due(now))
	}
	first, ok := next(now)
	if !ok || first.Notification.ID != notes[0].ID || first.Notification.Message != "a1" || first.Subscription.Endpoint != "https://fcm.googleapis.com/x" {
		t.Fatalf("next %+v %v: want the one of %d (a1)", first, ok, notes[0].ID)
	}
	update(t, db, func(tx *sqlstore.Tx) error { return tx.ClaimDelivery(first.ID, time.Minute) })
	if _, ok := next(now); ok || due(now) {
		t.Fatal("a subscription whose first delivery is claimed is due")
	}
	update(t, db, func(tx *sqlstore.Tx) error { return tx.ClaimDelivery(first.ID, -time.Second) }) // the claim ended
	if d, ok := next(now); !ok || d.ID != first.ID || !due(now) {
		t.Fatal("a claim that ended still holds")
	}
	// Rescheduled later, it still comes first: the second waits behind it.
	update(t, db, func(tx *sqlstore.Tx) error { return tx.RescheduleDelivery(first.ID, now.Add(time.Minute), true) })
	if _, ok := next(now); ok || due(now) || !due(now.Add(time.Minute)) {
		t.Fatal("the delivery behind one waiting for its retry went first")
	}
	update(t, db, func(tx *sqlstore.Tx) error { return tx.DeleteDelivery(first.ID) })
	if d, ok := next(now); !ok || d.Notification.ID != notes[3].ID || !due(now) {
		t.Fatalf("after the first: %+v %v", d, ok)
	}
	// A delivery whose notification is gone is dropped on the way.
	update(t, db, func(tx *sqlstore.Tx) error { return tx.DiscardNotificationsAfter(notes[2].ID) })
	if _, ok := next(now); ok || pending() != 0 {
		t.Fatalf("a delivery of a discarded notification: %d pending", pending())
	}
	// Once the cursor passed them, ids are no longer marked.
	update(t, db, func(tx *sqlstore.Tx) error {
		if _, ok, err := tx.TakePushLease("t", time.Minute); err != nil || !ok {
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
