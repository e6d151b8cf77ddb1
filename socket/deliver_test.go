package socket

import (
	"context"
	"io"
	"log/slog"
	"runtime"
	"slices"
	"testing"

	"parkmate"
	"parkmate/broker"
	"parkmate/hub"
)

// TestFullQueueDuringReplay: while a socket replays, a notification that
// finds its queue full is left to the replay (storage has it), but a frame
// storage does not keep (a live frame) closes the socket as slow, so the
// client reconnects and refetches instead of missing it.
func TestFullQueueDuringReplay(t *testing.T) {
	for _, tc := range []struct {
		name  string
		extra broker.Message
		kick  bool
	}{
		{"a notification", broker.Message{Kind: broker.KindNotification, UserID: 1, ID: 99, Frame: []byte(`{}`)}, false},
		{"a live frame", broker.Message{Kind: broker.KindLive, UserID: 1, Frame: []byte(`{"type":"changed"}`)}, true},
		{"a read-state frame", broker.ReadMessage(1, []int64{3}), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := NewServer(hub.New(), newMemStore(0, 0), Config{QueueLen: 2, NoPoller: true}, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
			c := newConn(s, Params{UserID: 1, Role: parkmate.RoleDriver, HasSince: true, Proto: 2}) // replaying, not started
			for id := int64(1); id <= 2; id++ {
				c.Deliver(&broker.Message{Kind: broker.KindNotification, UserID: 1, ID: id, Frame: []byte(`{}`)})
			}
			c.Deliver(&tc.extra)
			c.mu.Lock()
			kicked, missed := c.closing != nil, c.missed
			c.mu.Unlock()
			if kicked != tc.kick || missed == tc.kick {
				t.Fatalf("closed %t, left to the replay %t; want closed %t", kicked, missed, tc.kick)
			}
		})
	}
}

// gateStore is a Store whose lot checks wait for the test and are
// counted.
type gateStore struct {
	*memStore
	gate   chan struct{}
	checks chan []int64
}

func (g *gateStore) ExistingLots(_ context.Context, ids []int64) (map[int64]bool, error) {
	g.checks <- ids
	<-g.gate
	out := map[int64]bool{}
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// TestWatchChecksOneAtATime: watch frames that arrive while a check runs
// wait, the newest replacing the others, so a flood costs one query at a
// time and the newest set wins.
func TestWatchChecksOneAtATime(t *testing.T) {
	g := &gateStore{memStore: newMemStore(0, 0), gate: make(chan struct{}), checks: make(chan []int64, 10)}
	h := hub.New()
	s := NewServer(h, g, Config{NoPoller: true}, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	c := newConn(s, Params{UserID: 1, Role: parkmate.RoleDriver, Proto: 2})
	h.Add(c)
	for _, f := range []string{`{"type":"watch","lots":[1]}`, `{"type":"watch","lots":[2]}`, `{"type":"watch","lots":[3]}`} {
		if !c.onText([]byte(f)) {
			t.Fatalf("%s closed the socket", f)
		}
	}
	if got := <-g.checks; !slices.Equal(got, []int64{1}) {
		t.Fatalf("first check %v", got)
	}
	g.gate <- struct{}{}
	if got := <-g.checks; !slices.Equal(got, []int64{3}) {
		t.Fatalf("second check %v, want the newest waiting watch [3]", got)
	}
	g.gate <- struct{}{}
	for h.Watching(3) != 1 { // the loop applies it after the check returns
		runtime.Gosched()
	}
	if h.Watching(1) != 0 || h.Watching(2) != 0 || len(g.checks) != 0 {
		t.Fatalf("watching 1: %d, 2: %d; %d more checks", h.Watching(1), h.Watching(2), len(g.checks))
	}
}
