// Package brokertest is the conformance suite every broker.Broker passes.
package brokertest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"parkmate/broker"
)

// Recorder is a broker.Handler that keeps what it receives.
type Recorder struct {
	mu      sync.Mutex
	msgs    []broker.Message
	probes  int
	resyncs int
}

// probeUser marks the messages Start sends to learn a handler is live.
const probeUser = -1

// Handle implements broker.Handler.
func (r *Recorder) Handle(msgs []broker.Message) {
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

// Resync implements broker.Handler.
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
func (r *Recorder) WaitFor(tb testing.TB, n int) []broker.Message {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		r.mu.Lock()
		got := append([]broker.Message(nil), r.msgs...)
		r.mu.Unlock()
		if len(got) >= n {
			return got
		}
		time.Sleep(5 * time.Millisecond)
	}
	tb.Fatalf("only some of %d messages arrived within 10s", n)
	return nil
}

// Start runs h on b until the test ends.
func Start(tb testing.TB, b broker.Broker, h *Recorder) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = b.Run(ctx, h) }()
	tb.Cleanup(func() { cancel(); <-done })
}

// Connect waits until messages from one node reach the other's recorder,
// by publishing probes until one arrives.
func Connect(tb testing.TB, from broker.Broker, to *Recorder) {
	tb.Helper()
	for i := 0; ; i++ {
		if err := from.Publish(context.Background(), []broker.Message{{Kind: broker.KindReadState, UserID: probeUser, Frame: []byte(`{}`)}}); err != nil {
			tb.Fatal(err)
		}
		to.mu.Lock()
		n := to.probes
		to.mu.Unlock()
		if n > 0 {
			return
		}
		if i > 500 {
			tb.Fatal("broker never delivered a probe")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// pair starts two nodes of one backend and connects them both ways.
func pair(t *testing.T, newBroker func(testing.TB) broker.Broker) (a, b broker.Broker, ra, rb *Recorder) {
	a, b = newBroker(t), newBroker(t)
	ra, rb = &Recorder{}, &Recorder{}
	Start(t, a, ra)
	Start(t, b, rb)
	Connect(t, a, rb)
	Connect(t, b, ra)
	return a, b, ra, rb
}

// Run checks a broker implementation. newBroker returns a fresh broker
// connected to the same backend each time (two calls are two nodes).
func Run(t *testing.T, newBroker func(testing.TB) broker.Broker) {
	t.Run("the other node receives every message in publish order, the publisher none", func(t *testing.T) {
		a, b, ra, rb := pair(t, newBroker)
		const n = 200
		for i := 1; i <= n; i++ {
			m := broker.Message{Kind: broker.KindNotification, UserID: int64(i % 7), ID: int64(i), Frame: []byte(fmt.Sprintf(`{"id":%d}`, i))}
			if err := a.Publish(context.Background(), []broker.Message{m}); err != nil {
				t.Fatal(err)
			}
		}
		got := rb.WaitFor(t, n)
		for i, m := range got[:n] {
			if m.ID != int64(i+1) || m.Kind != broker.KindNotification || string(m.Frame) != fmt.Sprintf(`{"id":%d}`, i+1) {
				t.Fatalf("message %d: %+v", i, m)
			}
		}
		// A sentinel from b reaches a: a received nothing of its own first.
		sentinel := broker.Message{Kind: broker.KindReadState, UserID: 424242, Frame: []byte(`{}`)}
		if err := b.Publish(context.Background(), []broker.Message{sentinel}); err != nil {
			t.Fatal(err)
		}
		if first := ra.WaitFor(t, 1)[0]; first.UserID != sentinel.UserID {
			t.Fatalf("the publisher received a message of its own: %+v", first)
		}
	})
	t.Run("a batch keeps its fields and order", func(t *testing.T) {
		a, _, _, rb := pair(t, newBroker)
		batch := []broker.Message{
			{Kind: broker.KindNotification, Group: "role:admin", ID: 5, Frame: []byte(`{"id":5}`)},
			{Kind: broker.KindSessionEnded, UserID: 3, SessionID: "abc"},
			{Kind: broker.KindReadState, UserID: 3, Frame: []byte(`{"type":"read","ids":[5]}`)},
		}
		if err := a.Publish(context.Background(), batch); err != nil {
			t.Fatal(err)
		}
		got := rb.WaitFor(t, 3)
		for i := range batch {
			w, g := batch[i], got[i]
			if w.Kind != g.Kind || w.Group != g.Group || w.ID != g.ID || w.UserID != g.UserID || w.SessionID != g.SessionID || string(w.Frame) != string(g.Frame) {
				t.Fatalf("message %d: got %+v, want %+v", i, g, w)
			}
		}
	})
}
