package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"parkmate"
	"parkmate/internal/testservices"
	"parkmate/push/pushtest"
)

// TestPushLatency measures, on the wall clock, the time from the
// scheduler firing an expiry warning (the notification's created_at, the
// instant of its transaction) to the test push service receiving its
// push, less the grace. It logs the figures and asserts none.
// PARKMATE_PUSH_LATENCY_N sets the number of warnings (default 5),
// PARKMATE_PUSH_LATENCY_INTERVAL --push-interval (default 500ms, the
// flag's), PARKMATE_PUSH_LATENCY_GRACE --push-grace (default 0).
//
//	go test ./cmd/parkmate -run TestPushLatency -v
func TestPushLatency(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("PARKMATE_PUSH_LATENCY_N"))
	if n <= 0 {
		n = 5
	}
	interval, err := time.ParseDuration(os.Getenv("PARKMATE_PUSH_LATENCY_INTERVAL"))
	if err != nil {
		interval = 500 * time.Millisecond
	}
	grace, _ := time.ParseDuration(os.Getenv("PARKMATE_PUSH_LATENCY_GRACE"))
	t.Run("one node, SQLite", func(t *testing.T) {
		ps := startPushService(t)
		cfg := latencyConfig(t, ps, interval, grace)
		measureLatency(t, ps, n, startRealNode(t, cfg))
	})
	t.Run("two nodes, PostgreSQL and Redis", func(t *testing.T) {
		ps := startPushService(t)
		cfg := latencyConfig(t, ps, interval, grace)
		cfg.DB = testservices.Postgres(t)
		cfg.Broker = testservices.Redis(t)
		cfg.BrokerChannel = fmt.Sprintf("parkmate:test:%s:%d", t.Name(), time.Now().UnixNano())
		measureLatency(t, ps, n, startRealNode(t, cfg), startRealNode(t, cfg))
	})
}

// latencyConfig warns at once: a booking of one minute is within the
// warning period of two minutes from the start.
func latencyConfig(t *testing.T, ps *pushtest.Server, interval, grace time.Duration) Config {
	cfg := withPush(testConfig(t), ps, grace)
	cfg.Push.Interval = interval
	cfg.ExpiryWarning = 2 * time.Minute
	cfg.SchedulerInterval = 100 * time.Millisecond
	return cfg
}

// startRealNode starts a node on the system clock.
func startRealNode(t *testing.T, cfg Config) *testServer {
	app, err := NewApp(context.Background(), cfg, Options{Clock: parkmate.SystemClock{}, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := app.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	s := &testServer{t: t, app: app, base: "http://" + app.Addr(), cfg: cfg}
	t.Cleanup(s.stop)
	return s
}

// measureLatency books n slots one after another, through the nodes in
// turn, and times each warning's push.
func measureLatency(t *testing.T, ps *pushtest.Server, n int, nodes ...*testServer) {
	driver := nodes[0].user("dana", parkmate.RoleDriver)
	owner := nodes[0].user("oscar", parkmate.RoleOwner)
	expectServerKey(t, ps, driver)
	sub := subscribePush(t, ps, driver)
	var lot parkmate.Lot
	owner.mustDo("POST", "/api/lots/", map[string]any{"name": "L", "slots": n}, 201, &lot)
	var slots struct{ Items []parkmate.Slot }
	driver.mustDo("GET", fmt.Sprintf("/api/lots/%d/slots/", lot.ID), nil, 200, &slots)
	var delays []time.Duration
	for i := range n {
		// A random pause, so that the scheduler's ticks and the push
		// worker's fall at every phase of one another (this measures; it
		// asserts nothing on time).
		time.Sleep(time.Duration(rand.Int64N(int64(time.Second))))
		driver.on(nodes[i%len(nodes)]).mustDo("POST", "/api/bookings/", map[string]any{"slot_id": slots.Items[i].ID, "minutes": 1}, 201, nil)
		p := expectPush(t, ps, sub, parkmate.EventBookingExpiring)
		created, err := time.Parse(time.RFC3339Nano, p.CreatedAt)
		if err != nil {
			t.Fatal(err)
		}
		delays = append(delays, p.Push.At.Sub(created)-nodes[0].cfg.Push.Grace)
	}
	slices.Sort(delays)
	t.Logf("%d expiry warnings, --push-interval %s: scheduler fired -> push service received, less --push-grace %s: min %s, median %s, p90 %s, max %s",
		n, nodes[0].cfg.Push.Interval, nodes[0].cfg.Push.Grace, delays[0].Round(time.Millisecond), delays[len(delays)/2].Round(time.Millisecond),
		delays[len(delays)*9/10].Round(time.Millisecond), delays[len(delays)-1].Round(time.Millisecond))
	b, _ := json.Marshal(delays)
	t.Logf("all (ns): %s", b)
}
