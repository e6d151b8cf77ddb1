package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"parkmate"
	"parkmate/push/pushtest"
)

// pushSubject is the VAPID subject push tests run with.
const pushSubject = "mailto:ops@parkmate.example"

// withPush sets cfg up to push to ps (a listed loopback host:port) with
// grace, the worker looking every 20 ms.
func withPush(cfg Config, ps *pushtest.Server, grace time.Duration, moreHosts ...string) Config {
	cfg.Push.HostList = strings.Join(append([]string{ps.HostPort}, moreHosts...), ",")
	cfg.Push.Grace = grace
	cfg.Push.Interval = 20 * time.Millisecond
	cfg.Push.Subject = pushSubject
	return cfg
}

// startPushService starts a test push service, closed when the test ends.
func startPushService(t *testing.T) *pushtest.Server {
	ps := pushtest.Start()
	t.Cleanup(ps.Close)
	ps.ExpectSubject(pushSubject)
	return ps
}

// expectServerKey makes ps accept only messages signed with the key that
// GET /api/push/config/ publishes.
func expectServerKey(t *testing.T, ps *pushtest.Server, c *client) string {
	t.Helper()
	var cfg struct {
		Key string `json:"vapid_public_key"`
	}
	c.mustDo("GET", "/api/push/config/", nil, 200, &cfg)
	if len(cfg.Key) != 87 {
		t.Fatalf("vapid_public_key %q", cfg.Key)
	}
	ps.ExpectKey(cfg.Key)
	return cfg.Key
}

// subscribePush subscribes c's browser (a new subscription of ps).
func subscribePush(t *testing.T, ps *pushtest.Server, c *client) *pushtest.Subscriber {
	t.Helper()
	sub := ps.Subscribe()
	c.mustDo("POST", "/api/push/subscriptions/", sub.JSON(), 201, nil)
	return sub
}

// pushed is a message the push service took, decoded.
type pushed struct {
	frame
	// Push is what the push service got.
	Push pushtest.Message
}

// nextPush returns the next message ps received, which must be for sub,
// verified, decrypted and answered status.
func nextPush(t *testing.T, ps *pushtest.Server, sub *pushtest.Subscriber, status int) pushed {
	t.Helper()
	select {
	case m := <-ps.Messages:
		if m.Err != nil || m.Token != sub.Token || m.Status != status {
			t.Fatalf("push service got %+v (%v), want a message for %s answered %d", m, m.Err, sub.Token, status)
		}
		p := pushed{Push: m}
		if err := json.Unmarshal(m.Payload, &p.frame); err != nil {
			t.Fatalf("payload %q: %v", m.Payload, err)
		}
		return p
	case <-time.After(30 * time.Second):
		t.Fatalf("no push within 30s")
	}
	return pushed{}
}

// expectPush returns the next push, which must be event to sub.
func expectPush(t *testing.T, ps *pushtest.Server, sub *pushtest.Subscriber, event string) pushed {
	t.Helper()
	p := nextPush(t, ps, sub, http.StatusCreated)
	if p.Event != event || p.ID <= 0 || p.Message == "" || p.Push.Topic != "n"+strconv.FormatInt(p.ID, 36) {
		t.Fatalf("push %+v: want event %s with id, message and topic", p, event)
	}
	return p
}

// noPush asserts that ps received nothing: every node's worker made a
// whole pass after the call, and a sender records a message before it
// learns the answer, so a push those passes made is on the channel.
func noPush(t *testing.T, ps *pushtest.Server, nodes ...*testServer) {
	t.Helper()
	for _, n := range nodes {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := n.app.push.WaitPass(ctx); err != nil {
			t.Fatalf("push worker made no pass: %v", err)
		}
		cancel()
	}
	select {
	case m := <-ps.Messages:
		t.Fatalf("unexpected push %+v (%s)", m, m.Payload)
	default:
	}
}

// pushWorld is a driver (with a subscription) and an owner with a lot.
type pushWorld struct {
	srv    *testServer
	driver *client
	owner  *client
	sub    *pushtest.Subscriber
	slots  []parkmate.Slot
}

func newPushWorld(t *testing.T, srv *testServer, ps *pushtest.Server) *pushWorld {
	w := &pushWorld{srv: srv}
	w.driver = srv.user("dana", parkmate.RoleDriver)
	w.owner = srv.user("oscar", parkmate.RoleOwner)
	expectServerKey(t, ps, w.driver)
	w.sub = subscribePush(t, ps, w.driver)
	var lot parkmate.Lot
	w.owner.mustDo("POST", "/api/lots/", map[string]any{"name": "Central", "slots": 4}, 201, &lot)
	var slots struct{ Items []parkmate.Slot }
	w.driver.mustDo("GET", fmt.Sprintf("/api/lots/%d/slots/", lot.ID), nil, 200, &slots)
	w.slots = slots.Items
	return w
}

// book has the driver book slot i for minutes.
func (w *pushWorld) book(t *testing.T, i, minutes int) parkmate.Booking {
	t.Helper()
	var b parkmate.Booking
	w.driver.mustDo("POST", "/api/bookings/", map[string]any{"slot_id": w.slots[i].ID, "minutes": minutes}, 201, &b)
	return b
}

// advance moves the shared clock and waits for a scheduler pass at the
// new time, so that what it fires is committed.
func (w *pushWorld) advance(d time.Duration) {
	w.srv.clock.Advance(d)
	w.srv.schedulerPass()
}

// sendDisplayed sends a displayed frame and waits until it is recorded
// (the server records it before it reads the WebSocket ping that follows,
// and answers nothing else: live frames aside, the pong comes next).
func sendDisplayed(t *testing.T, w *wsClient, ids ...int64) {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"type": "displayed", "ids": ids})
	if err := w.send(ws.OpText, b); err != nil {
		t.Fatal(err)
	}
	payload := fmt.Sprintf("sentinel %d", sentinels.Add(1))
	if err := w.send(ws.OpPing, []byte(payload)); err != nil {
		t.Fatal(err)
	}
	for {
		f := w.next()
		if f.Type == wsPong && f.Message == payload {
			return
		}
		if !liveFrame(f) {
			t.Fatalf("got %+v before the pong", f)
		}
	}
}

// liveFrame reports whether f is a live frame of proto 2 (not stored).
func liveFrame(f frame) bool {
	return f.Type == "changed" || f.Type == "slot" || f.Type == "watching"
}

// expectNote returns w's next notification frame, passing over live
// frames; it must be event at level.
func expectNote(t *testing.T, w *wsClient, event, level string) frame {
	t.Helper()
	for {
		f := w.next()
		if liveFrame(f) {
			continue
		}
		if f.Event != event || f.Type != level || f.ID <= 0 {
			t.Fatalf("frame %+v: want event %s type %s", f, event, level)
		}
		return f
	}
}
