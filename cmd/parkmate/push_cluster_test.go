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

// TestPushClusterSlowServiceOnceInOrder: two nodes on the system clock and
// one PostgreSQL database, a lease of 500 ms and a push service that takes
// 300 ms per request, so that sending a batch takes several leases: each
// of the notifications reaches each of the driver's two devices exactly
// once, and each device gets them in notification order, whichever node
// sends (the other node would take a lease that a pass did not renew, and
// send the later ones meanwhile).
func TestPushClusterSlowServiceOnceInOrder(t *testing.T) {
	ps := startPushService(t)
	cfg := withPush(testConfig(t), ps, 0)
	cfg.DB = testservices.Postgres(t)
	cfg.Broker = testservices.Redis(t)
	cfg.BrokerChannel = fmt.Sprintf("parkmate:test:%s:%d", t.Name(), time.Now().UnixNano())
	cfg.Push.Lease = 500 * time.Millisecond
	cfg.Push.Concurrency = 2 // a batch: 8 deliveries, 4 per device, 1.2 s per device
	nodes := []*testServer{startRealNode(t, cfg), startRealNode(t, cfg)}
	driver := nodes[0].user("dana", parkmate.RoleDriver)
	owner := nodes[0].user("oscar", parkmate.RoleOwner)
	expectServerKey(t, ps, driver)
	subs := []*pushtest.Subscriber{subscribePush(t, ps, driver), subscribePush(t, ps, driver.on(nodes[1]))}
	var lot parkmate.Lot
	owner.mustDo("POST", "/api/lots/", map[string]any{"name": "Central", "slots": 1}, 201, &lot)
	var slots struct{ Items []parkmate.Slot }
	driver.mustDo("GET", fmt.Sprintf("/api/lots/%d/slots/", lot.ID), nil, 200, &slots)
	var b parkmate.Booking
	driver.mustDo("POST", "/api/bookings/", map[string]any{"slot_id": slots.Items[0].ID, "minutes": 60}, 201, &b)

	ps.SetDelay(300 * time.Millisecond)
	const n = 12
	for i := range n { // each a booking.renew_failed notification, pushed by default
		driver.on(nodes[i%2]).mustDo("POST", fmt.Sprintf("/api/bookings/%d/renew/", b.ID), map[string]any{"minutes": 24 * 60}, 422, nil)
	}
	got := map[string][]int64{} // token -> ids, in the order they arrived
	for range 2 * n {
		select {
		case m := <-ps.Messages:
			var f frame
			if m.Err != nil || m.Status != 201 || json.Unmarshal(m.Payload, &f) != nil || f.Event != parkmate.EventBookingRenewFailed {
				t.Fatalf("push %+v (%s)", m, m.Payload)
			}
			got[m.Token] = append(got[m.Token], f.ID)
		case <-time.After(60 * time.Second):
			t.Fatalf("pushes so far: %v", got)
		}
	}
	noPush(t, ps, nodes...)
	for _, sub := range subs {
		ids := got[sub.Token]
		if len(ids) != n {
			t.Errorf("%s got %d pushes, want %d: %v", sub.Token, len(ids), n, ids)
		}
		for i := 1; i < len(ids); i++ {
			if ids[i] <= ids[i-1] {
				t.Errorf("%s got %d after %d (twice, or out of order): %v", sub.Token, ids[i], ids[i-1], ids)
				break
			}
		}
	}
}
