package main

import (
	"context"
	"testing"
	"time"

	"parkmate"
	"parkmate/sqlstore"
)

// commitUnannounced stores n notifications for user that no broker ever
// carries, as when the node that committed them died or was cut off before
// it published, and returns their ids.
func commitUnannounced(t *testing.T, srv *testServer, user int64, n int) []int64 {
	t.Helper()
	unrelayed := srv.app.db.WithRelay(nil)
	var ids []int64
	for i := 0; i < n; i++ {
		err := unrelayed.Update(context.Background(), func(tx *sqlstore.Tx) error {
			n, err := tx.AddNotification(parkmate.Notification{UserID: user, Type: parkmate.LevelInfo, Message: "unannounced"})
			ids = append(ids, n.ID)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

// expectIDs asserts the socket's next frames are exactly ids, in order.
func (w *wsClient) expectIDs(ids ...int64) {
	w.t.Helper()
	for _, id := range ids {
		if f := w.next(); f.ID != id {
			w.t.Fatalf("frame %d (%q), want %d", f.ID, f.Message, id)
		}
	}
}

func TestAGapBeforeALaterNotificationIsFilledFromTheLog(t *testing.T) {
	srv := startServer(t, testConfig(t), nil)
	u := srv.user("dana", parkmate.RoleDriver)
	w := u.mustDialWS("")
	w.expectIDs(publish(t, srv, []int64{u.ID}, "before the gap")...)
	lost := commitUnannounced(t, srv, u.ID, 3)
	after := publish(t, srv, []int64{u.ID}, "after")
	w.expectIDs(append(lost, after...)...)
	// Nothing twice: the next frame is the sentinel.
	w.expectIDs(publish(t, srv, []int64{u.ID}, "sentinel")...)
}

func TestANotificationNoBrokerCarriedArrivesByTheLogCheck(t *testing.T) {
	cfg := testConfig(t)
	cfg.GapCheck = 50 * time.Millisecond
	srv := startServer(t, cfg, nil)
	u := srv.user("dana", parkmate.RoleDriver)
	w := u.mustDialWS("")
	// No later notification reveals the gap: the periodic check of the
	// log's newest id does.
	w.expectIDs(commitUnannounced(t, srv, u.ID, 2)...)
	w.expectIDs(publish(t, srv, []int64{u.ID}, "sentinel")...)
}

func TestSinceBeyondTheNewestIDStillGetsLiveNotifications(t *testing.T) {
	srv := startServer(t, testConfig(t), nil)
	u := srv.user("dana", parkmate.RoleDriver)
	publish(t, srv, []int64{u.ID}, "old")
	w := u.mustDialWS("?since=1000000")
	// Nothing of the history is replayed: the next frame is the sentinel.
	ids := publish(t, srv, []int64{u.ID}, "new")
	if f := w.next(); f.ID != ids[0] {
		t.Fatalf("frame %+v", f)
	}
}
