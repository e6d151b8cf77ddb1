package main

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"parkmate"
	"parkmate/internal/testservices"
	"parkmate/push"
	"parkmate/push/pushtest"
	"parkmate/sqlstore"
)

// TestPushSurvivesRestarts: a notification still in its grace when the
// node stops, and a push waiting for its Retry-After, both go out once
// after the node starts again on the same database.
func TestPushSurvivesRestarts(t *testing.T) {
	onEngines(t, func(t *testing.T, cfg Config) {
		ps := startPushService(t)
		srv := startServer(t, withPush(cfg, ps, 10*time.Second), nil)
		w := newPushWorld(t, srv, ps)
		b := w.book(t, 0, 10)
		w.advance(6 * time.Minute) // the warning, in its grace
		srv.restart()
		w.advance(10 * time.Second)
		warning := expectPush(t, ps, w.sub, parkmate.EventBookingExpiring)

		ps.Script(w.sub, pushtest.Answer{Status: 429, RetryAfter: "30"})
		w.driver.mustDo("POST", fmt.Sprintf("/api/bookings/%d/renew/", b.ID), map[string]any{"minutes": 24 * 60}, 422, nil)
		w.advance(10 * time.Second)
		first := nextPush(t, ps, w.sub, 429)
		srv.restart()
		srv.clock.Advance(30 * time.Second)
		again := expectPush(t, ps, w.sub, parkmate.EventBookingRenewFailed)
		noPush(t, ps, srv)
		if again.ID != first.ID || first.ID <= warning.ID {
			t.Fatalf("warning %d, then %d refused and %d retried", warning.ID, first.ID, again.ID)
		}
	})
}

// TestPushClusterSendsOncePerSubscription: two nodes on one PostgreSQL
// database push every notification to each of the driver's two devices
// exactly once, whichever node committed it; when the sending node stops,
// the other takes over, still once.
func TestPushClusterSendsOncePerSubscription(t *testing.T) {
	ps := startPushService(t)
	cfg := withPush(testConfig(t), ps, 0)
	cfg.DB = testservices.Postgres(t)
	cfg.Broker = testservices.Redis(t)
	cfg.BrokerChannel = fmt.Sprintf("parkmate:test:%s:%d", t.Name(), time.Now().UnixNano())
	clock := newFakeClock()
	nodes := []*testServer{startServer(t, cfg, clock), startServer(t, cfg, clock)}
	w := newPushWorld(t, nodes[0], ps)
	subscribePush(t, ps, w.driver.on(nodes[1])) // a second device
	b := w.book(t, 0, 60)

	got := map[string]int{}                   // "token id" -> pushes
	fail := func(n int, via ...*testServer) { // n notifications of event 4, through the nodes via
		for i := range n {
			w.driver.on(via[i%len(via)]).mustDo("POST", fmt.Sprintf("/api/bookings/%d/renew/", b.ID), map[string]any{"minutes": 24 * 60}, 422, nil)
		}
		for range 2 * n {
			select {
			case m := <-ps.Messages:
				if m.Err != nil || m.Status != 201 {
					t.Fatalf("push %+v", m)
				}
				var f frame
				if err := json.Unmarshal(m.Payload, &f); err != nil || f.Event != parkmate.EventBookingRenewFailed {
					t.Fatalf("payload %s: %v", m.Payload, err)
				}
				got[fmt.Sprint(m.Token, " ", f.ID)]++
			case <-time.After(10 * time.Second):
				t.Fatalf("%d pushes so far: %v", len(got), got)
			}
		}
	}
	fail(10, nodes...)
	// The node that sends stops; the other one takes over.
	sender, other := nodes[0], nodes[1]
	if pushLeader(t, other) == other.app.nodeID {
		sender, other = other, sender
	}
	if pushLeader(t, other) != sender.app.nodeID {
		t.Fatalf("the lease is held by %q, neither node", pushLeader(t, other))
	}
	sender.stop()
	fail(10, other)
	noPush(t, ps, other)
	if pushLeader(t, other) != other.app.nodeID {
		t.Fatalf("the lease is held by %q after the takeover", pushLeader(t, other))
	}
	if len(got) != 40 {
		t.Fatalf("%d distinct pushes, want 40: %v", len(got), got)
	}
	for k, n := range got {
		if n != 1 {
			t.Errorf("%s pushed %d times", k, n)
		}
	}
}

// pushLeader returns the node id holding the push lease.
func pushLeader(t *testing.T, s *testServer) string {
	t.Helper()
	var l push.Lease
	if err := s.app.db.View(context.Background(), func(tx *sqlstore.Tx) (err error) { l, err = tx.PushLease(); return err }); err != nil {
		t.Fatal(err)
	}
	return l.Owner
}
