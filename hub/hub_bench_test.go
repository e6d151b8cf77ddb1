package hub_test

import (
	"sync/atomic"
	"testing"
	"time"

	"parkmate"
	"parkmate/broker"
	"parkmate/hub"
)

// countingSub is a subscriber that only counts deliveries.
type countingSub struct {
	id   int64
	role parkmate.Role
	n    atomic.Int64
}

func (s *countingSub) UserID() int64           { return s.id }
func (s *countingSub) Role() parkmate.Role     { return s.role }
func (s *countingSub) SessionID() string       { return "" }
func (s *countingSub) Deliver(*broker.Message) { s.n.Add(1) }
func (s *countingSub) Kick(int, string)        {}
func (s *countingSub) SessionEnded()           {}

func newHub(n int) (*hub.Hub, []*countingSub) {
	h := hub.New()
	subs := make([]*countingSub, n)
	for i := range subs {
		subs[i] = &countingSub{id: int64(i + 1), role: parkmate.RoleDriver}
		h.Add(subs[i])
	}
	return h, subs
}

// BenchmarkHubFanOutPerUser measures routing one per-user message to its
// socket among 10,000 (frame compiled once per message).
func BenchmarkHubFanOutPerUser(b *testing.B) {
	h, _ := newHub(10_000)
	n, _ := broker.NotificationMessage(parkmate.Notification{ID: 1, UserID: 1, Type: "info", Message: "hello", CreatedAt: time.Now()})
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		m := n
		m.UserID = int64(i%10_000 + 1)
		h.Handle([]broker.Message{m})
	}
}

// BenchmarkHubBroadcast measures one group message to 10,000 sockets;
// ns/op divided by 10,000 is the cost per delivery.
func BenchmarkHubBroadcast(b *testing.B) {
	h, subs := newHub(10_000)
	n, _ := broker.NotificationMessage(parkmate.Notification{ID: 1, GroupKey: "role:driver", Type: "info", Message: "hello", CreatedAt: time.Now()})
	b.ReportAllocs()
	for b.Loop() {
		h.Handle([]broker.Message{n})
	}
	if subs[0].n.Load() == 0 {
		b.Fatal("no delivery")
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/10_000, "ns/delivery")
}
