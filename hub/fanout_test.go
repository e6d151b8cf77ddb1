package hub_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"parkmate"
	"parkmate/broker"
	"parkmate/hub"
)

// recSub records the ids of the messages it gets, and the size of each
// DeliverAll when batch is set.
type recSub struct {
	id    int64
	role  parkmate.Role
	batch bool

	mu      sync.Mutex
	got     []int64
	batches []int
}

func (s *recSub) UserID() int64       { return s.id }
func (s *recSub) Role() parkmate.Role { return s.role }
func (s *recSub) SessionID() string   { return "" }
func (s *recSub) Kick(int, string)    {}
func (s *recSub) SessionEnded()       {}
func (s *recSub) Deliver(m *broker.Message) {
	s.mu.Lock()
	s.got = append(s.got, m.ID)
	s.mu.Unlock()
}

// batchSub is a recSub that takes batches.
type batchSub struct{ *recSub }

func (s batchSub) DeliverAll(ms []*broker.Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.batches = append(s.batches, len(ms))
	for _, m := range ms {
		s.got = append(s.got, m.ID)
	}
}

// TestFanOutOrder hands the hub batches that mix per-user and group
// messages, small ones (fanned out on the caller's goroutine) and large
// ones (on every core), and checks that every socket gets exactly the
// messages that concern it, in order, a run of group messages in one
// DeliverAll for a socket that takes batches.
func TestFanOutOrder(t *testing.T) {
	for _, users := range []int{10, 1000} {
		t.Run(fmt.Sprintf("%d users", users), func(t *testing.T) {
			h := hub.New()
			h.EncodeWith(func(b []byte) []byte { return append([]byte("frame:"), b...) })
			roles := []parkmate.Role{parkmate.RoleDriver, parkmate.RoleOwner, parkmate.RoleEmployee}
			var subs []*recSub
			for i := 1; i <= users; i++ {
				s := &recSub{id: int64(i), role: roles[i%3], batch: i%2 == 0}
				subs = append(subs, s)
				if s.batch {
					h.Add(batchSub{s})
				} else {
					h.Add(s)
				}
			}
			msg := func(id, user int64, group string) broker.Message {
				return broker.Message{Kind: broker.KindNotification, ID: id, UserID: user, Group: group, Frame: []byte(`{}`)}
			}
			batch := []broker.Message{msg(1, 2, ""), msg(2, 0, "role:driver"), msg(3, 0, parkmate.GroupAll),
				msg(4, 0, "role:owner"), msg(5, 2, ""), msg(6, 3, ""), msg(7, 0, parkmate.GroupAll), msg(8, 0, "lot:1:staff")}
			h.Handle(batch)
			for _, s := range subs {
				var want []int64
				for _, m := range batch {
					if m.UserID == s.id || (m.Group != "" && parkmate.InGroup(s.role, m.Group)) {
						want = append(want, m.ID)
					}
				}
				if !slices.Equal(s.got, want) {
					t.Fatalf("user %d (%s): got %v, want %v", s.id, s.role, s.got, want)
				}
				// The run 2-4 is one batch for sockets that take batches.
				if s.batch && s.role != parkmate.RoleEmployee && (len(s.batches) == 0 || s.batches[0] != 2) {
					t.Fatalf("user %d (%s): batches %v, want the run of group messages in one", s.id, s.role, s.batches)
				}
			}
			if string(batch[1].Encoded(nil)) != "frame:{}" {
				t.Fatalf("message not encoded before the fan-out: %q", batch[1].Encoded(nil))
			}
		})
	}
}

// BenchmarkHubBroadcastRun measures a batch of four group messages to
// 10,000 sockets that take batches, as group commit brings concurrent
// broadcasts; ns/delivery is per message and socket.
func BenchmarkHubBroadcastRun(b *testing.B) {
	h := hub.New()
	for i := 1; i <= 10_000; i++ {
		h.Add(batchSub{&recSub{id: int64(i), role: parkmate.RoleDriver}})
	}
	var run []broker.Message
	for id := int64(1); id <= 4; id++ {
		m, _ := broker.NotificationMessage(parkmate.Notification{ID: id, GroupKey: "role:driver", Type: "info", Message: "hello", CreatedAt: time.Now()})
		run = append(run, m)
	}
	b.ReportAllocs()
	for b.Loop() {
		h.Handle(run)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/40_000, "ns/delivery")
}
