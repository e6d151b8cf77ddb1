package main

import (
	"fmt"
	"testing"
	"time"

	"parkmate"
	"parkmate/internal/testservices"
)

// startCluster starts n nodes on one PostgreSQL database and one Redis,
// sharing a clock, as several nodes behind a load balancer would.
func startCluster(t *testing.T, n int) []*testServer {
	cfg := testConfig(t)
	cfg.DB = testservices.Postgres(t)
	cfg.Broker = testservices.Redis(t)
	cfg.BrokerChannel = fmt.Sprintf("parkmate:test:%s:%d", t.Name(), time.Now().UnixNano())
	clock := newFakeClock()
	nodes := make([]*testServer, n)
	for i := range nodes {
		nodes[i] = startServer(t, cfg, clock)
	}
	return nodes
}

// on returns a copy of c that talks to another node.
func (c *client) on(s *testServer) *client {
	cp := *c
	cp.srv = s
	return &cp
}

func TestClusterDeliversAcrossNodes(t *testing.T) {
	nodes := startCluster(t, 2)
	a, b := nodes[0], nodes[1]
	driver := a.user("dana", parkmate.RoleDriver)
	owner := a.user("oscar", parkmate.RoleOwner)
	wOwnerA := owner.mustDialWS("")         // owner's socket on node A
	wDriverA := driver.mustDialWS("")       // driver's first tab on A
	wDriverB := driver.on(b).mustDialWS("") // and a second one on B

	var lot parkmate.Lot
	owner.on(b).mustDo("POST", "/api/lots/", map[string]any{"name": "L", "slots": 2}, 201, &lot)
	var slots struct{ Items []parkmate.Slot }
	driver.mustDo("GET", fmt.Sprintf("/api/lots/%d/slots/", lot.ID), nil, 200, &slots)
	var bk parkmate.Booking
	driver.on(b).mustDo("POST", "/api/bookings/", map[string]any{"slot_id": slots.Items[0].ID, "minutes": 10}, 201, &bk)
	wOwnerA.expect("booking.created", "info")

	owner.on(b).mustDo("POST", fmt.Sprintf("/api/bookings/%d/complete/", bk.ID), nil, 200, nil)
	fa := wDriverA.expect("booking.completed", "success")
	fb := wDriverB.expect("booking.completed", "success")
	if fa.ID != fb.ID {
		t.Fatalf("tabs saw %d and %d", fa.ID, fb.ID)
	}

	// Logging out on node B closes the session's socket on node A.
	driver.on(b).mustDo("POST", "/api/auth/logout/", nil, 204, nil)
	wDriverA.expectClose(4401)
	wDriverB.expectClose(4401)
}

func TestClusterSchedulerFiresOncePerBooking(t *testing.T) {
	nodes := startCluster(t, 3)
	driver := nodes[0].user("dana", parkmate.RoleDriver)
	owner := nodes[0].user("oscar", parkmate.RoleOwner)
	var lot parkmate.Lot
	owner.mustDo("POST", "/api/lots/", map[string]any{"name": "L", "slots": 20}, 201, &lot)
	var slots struct{ Items []parkmate.Slot }
	driver.mustDo("GET", fmt.Sprintf("/api/lots/%d/slots/", lot.ID), nil, 200, &slots)
	w := driver.on(nodes[1]).mustDialWS("")
	const n = 20
	for i := 0; i < n; i++ {
		driver.on(nodes[i%3]).mustDo("POST", "/api/bookings/", map[string]any{"slot_id": slots.Items[i].ID, "minutes": 10}, 201, nil)
	}
	// The three schedulers race for every booking, twice.
	counts := map[string]int{}
	for _, step := range []time.Duration{6 * time.Minute, 5 * time.Minute} {
		nodes[0].clock.Advance(step)
		for i := 0; i < n; i++ {
			counts[w.next().Event]++
		}
	}
	// Every scheduler has made a whole pass since, so a second warning or
	// expiry would be committed, and before the sentinel.
	for _, n := range nodes {
		n.schedulerPass()
	}
	expectNothingElse(t, w)
	if counts["booking.expiring"] != n || counts["booking.expired"] != n {
		t.Fatalf("events %v: want %d of each", counts, n)
	}
}

// TestClusterCarriesLiveFrames: a change committed on node B reaches the
// proto-2 screens on node A: the driver's other device, the owner, and a
// socket watching the lot.
func TestClusterCarriesLiveFrames(t *testing.T) {
	nodes := startCluster(t, 2)
	a, b := nodes[0], nodes[1]
	driver := a.user("dana", parkmate.RoleDriver)
	owner := a.user("oscar", parkmate.RoleOwner)
	var lot parkmate.Lot
	owner.mustDo("POST", "/api/lots/", map[string]any{"name": "L", "slots": 2}, 201, &lot)
	var slots struct{ Items []parkmate.Slot }
	driver.mustDo("GET", fmt.Sprintf("/api/lots/%d/slots/", lot.ID), nil, 200, &slots)
	phone, desk := driver.mustDialWS("?proto=2"), owner.mustDialWS("?proto=2")
	watcher := a.user("wes", parkmate.RoleDriver).mustDialWS("?proto=2")
	watcher.watch([]int64{lot.ID}, []int64{lot.ID}, []int64{})

	var bk parkmate.Booking
	driver.on(b).mustDo("POST", "/api/bookings/", map[string]any{"slot_id": slots.Items[1].ID, "minutes": 10}, 201, &bk)
	phone.expectChanged("booking", bk.ID, "ACTIVE")
	desk.expect("booking.created", "info")
	desk.expectChanged("booking", bk.ID, "ACTIVE")
	if f := watcher.next(); f.Type != "slot" || f.SlotID != slots.Items[1].ID || f.Free || f.FreeSlots != 1 {
		t.Fatalf("slot frame %+v", f)
	}
	expectNothingElse(t, phone, desk, watcher)
}
