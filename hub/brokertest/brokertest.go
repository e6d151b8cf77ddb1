// Package brokertest is the conformance suite every hub.Broker passes.
package brokertest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"parkmate/hub"
)

// Recorder is a hub.Handler that keeps what it receives.
type Recorder struct {
	mu      sync.Mutex
	msgs    []hub.Message
	probes  int
	resyncs int
}

// probeUser marks the messages Start sends to learn a handler is live.
const probeUser = -1

// Handle implements hub.Handler.
func (r *Recorder) Handle(msgs []hub.Message) {
	r.mu.Lock()
	for _, m := range msgs {
		if m.UserID == probeUser {
			r.probes++
			continue
		}
		r.msgs = append(r.msgs, m)
	}
	r.mu.Unlock()
}

// Resync implements hub.Handler.
func (r *Recorder) Resync() {
	r.mu.Lock()
	r.resyncs++
	r.mu.Unlock()
}

// Resyncs returns how often Resync was called.
func (r *Recorder) Resyncs() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.resyncs
}

// WaitFor waits until n messages arrived and returns them.
func (r *Recorder) WaitFor(tb testing.TB, n int) []hub.Message {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		r.mu.Lock()
		got := append([]hub.Message(nil), r.msgs...)
		r.mu.Unlock()
		if len(got) >= n {
			return got
		}
		time.Sleep(5 * time.Millisecond)
	}
	tb.Fatalf("only some of %d messages arrived within 10s", n)
	return nil
}

// Start runs h on b until the test ends, and waits until it is subscribed
// by publishing probes until one arrives.
func Start(tb testing.TB, b hub.Broker, h *Recorder) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = b.Run(ctx, h) }()
	tb.Cleanup(func() { cancel(); <-done })
	for i := 0; ; i++ {
		if err := b.Publish(ctx, []hub.Message{{Kind: hub.KindReadState, UserID: probeUser, Frame: []byte(`{}`)}}); err != nil {
			tb.Fatal(err)
		}
		h.mu.Lock()
		n := h.probes
		h.mu.Unlock()
		if n > 0 {
			break
		}
		if i > 500 {
			tb.Fatal("broker never delivered a probe")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Run checks a broker implementation. newBroker returns a fresh broker
// connected to the same backend each time (two calls are two nodes).
func Run(t *testing.T, newBroker func(testing.TB) hub.Broker) {
	t.Run("every node receives every message in publish order", func(t *testing.T) {
		a, b := newBroker(t), newBroker(t)
		ra, rb := &Recorder{}, &Recorder{}
		Start(t, a, ra)
		Start(t, b, rb)
		const n = 200
		for i := 1; i <= n; i++ {
			pub := a
			if i%2 == 0 {
				pub = b // alternate publishers: order still holds
			}
			m := hub.Message{Kind: hub.KindNotification, UserID: int64(i % 7), ID: int64(i), Frame: []byte(fmt.Sprintf(`{"id":%d}`, i))}
			if err := pub.Publish(context.Background(), []hub.Message{m}); err != nil {
				t.Fatal(err)
			}
		}
		for _, r := range []*Recorder{ra, rb} {
			got := r.WaitFor(t, n)
			for i, m := range got[:n] {
				if m.ID != int64(i+1) || m.Kind != hub.KindNotification || string(m.Frame) != fmt.Sprintf(`{"id":%d}`, i+1) {
					t.Fatalf("message %d: %+v", i, m)
				}
			}
		}
	})
	t.Run("a batch keeps its fields and order", func(t *testing.T) {
		a := newBroker(t)
		r := &Recorder{}
		Start(t, a, r)
		batch := []hub.Message{
			{Kind: hub.KindNotification, Group: "role:admin", ID: 5, Frame: []byte(`{"id":5}`)},
			{Kind: hub.KindSessionEnded, UserID: 3, SessionID: "abc"},
			{Kind: hub.KindReadState, UserID: 3, Frame: []byte(`{"type":"read","ids":[5]}`)},
		}
		if err := a.Publish(context.Background(), batch); err != nil {
			t.Fatal(err)
		}
		got := r.WaitFor(t, 3)
		for i := range batch {
			w, g := batch[i], got[i]
			if w.Kind != g.Kind || w.Group != g.Group || w.ID != g.ID || w.UserID != g.UserID || w.SessionID != g.SessionID || string(w.Frame) != string(g.Frame) {
				t.Fatalf("message %d: got %+v, want %+v", i, g, w)
			}
		}
	})
}
