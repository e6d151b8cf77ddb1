package hub

import (
	"runtime"
	"sync"

	"parkmate"
	"parkmate/broker"
)

// BatchSubscriber is a Subscriber that takes several messages at once:
// the hub hands it every message of a batch that concerns it in one call,
// in order, so that their frames can leave in one write.
type BatchSubscriber interface {
	Subscriber
	// DeliverAll queues ms, in order; like Deliver, it must not block.
	DeliverAll(ms []*broker.Message)
}

// parallelMin is the fewest deliveries a batch needs before the hub fans
// it out on every core, each worker taking its own shards: below it, the
// hand-off to other goroutines costs more than it saves.
const parallelMin = 256

// EncodeWith makes the hub encode every message (broker.Message.Encoded)
// before it fans the message out, so that sockets share the bytes and
// workers on several cores never encode a message at once. Call it before
// the hub handles messages.
func (h *Hub) EncodeWith(encode func(frame []byte) []byte) { h.encode = encode }

// Handle fans messages out to the sockets they concern, in order. Calls
// must not overlap: the node's relay.Sequencer makes them one at a time.
// A large batch (a broadcast to many sockets) is fanned out on every
// core: each worker takes every message in order but delivers only to
// the sockets of its shards, so each socket still gets its messages in
// order.
func (h *Hub) Handle(msgs []broker.Message) {
	deliveries := 0
	for i := range msgs {
		m := &msgs[i]
		if h.encode != nil && m.Frame != nil {
			m.Encoded(h.encode)
		}
		switch {
		case m.Lot != 0:
			deliveries += h.Watching(m.Lot)
		case m.Group != "":
			deliveries += h.Count()
		case m.Kind == broker.KindSessionEnded:
			h.rememberEnded(m.SessionID)
		default:
			deliveries++
		}
	}
	workers := min(runtime.GOMAXPROCS(0), shardCount)
	if deliveries < parallelMin || workers < 2 {
		h.fanOut(msgs, 0, 1)
		return
	}
	var wg sync.WaitGroup
	for k := 1; k < workers; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h.fanOut(msgs, k, workers)
		}()
	}
	h.fanOut(msgs, 0, workers)
	wg.Wait()
}

// fanOut delivers msgs to the sockets of shards k, k+w, k+2w, ...: a user's
// messages one by one, and each run of group messages in one pass over
// the shards, every socket getting the run's messages that concern it at
// once.
func (h *Hub) fanOut(msgs []broker.Message, k, w int) {
	var mine []*broker.Message // reused for each user of a run
	for i := 0; i < len(msgs); {
		if msgs[i].Lot != 0 {
			// The watchers of a lot are not sharded: one worker serves them,
			// in order.
			if k == 0 {
				h.handleLot(&msgs[i])
			}
			i++
			continue
		}
		if msgs[i].Group == "" {
			m := &msgs[i]
			if int(uint64(m.UserID)%shardCount)%w == k {
				sh := h.shard(m.UserID)
				sh.mu.RLock()
				for _, s := range sh.users[m.UserID] {
					h.deliver(s, m)
				}
				sh.mu.RUnlock()
			}
			i++
			continue
		}
		j := i + 1
		for j < len(msgs) && msgs[j].Group != "" && msgs[j].Lot == 0 {
			j++
		}
		mine = h.fanOutGroups(msgs[i:j], k, w, mine)
		i = j
	}
}

// fanOutGroups delivers a run of group messages to the sockets of shards
// k, k+w, ... that belong to their groups.
func (h *Hub) fanOutGroups(run []broker.Message, k, w int, mine []*broker.Message) []*broker.Message {
	var role parkmate.Role
	matched := false // mine holds the messages of role's users
	for s := k; s < shardCount; s += w {
		sh := &h.shards[s]
		sh.mu.RLock()
		for _, subs := range sh.users {
			for _, sub := range subs {
				// Each socket by its own role: during a role change a
				// user's old and new sockets differ. Sockets of one role
				// get the same messages: match once per run of them.
				if r := sub.Role(); !matched || r != role {
					role, matched, mine = r, true, mine[:0]
					for i := range run {
						if parkmate.InGroup(r, run[i].Group) {
							mine = append(mine, &run[i])
						}
					}
				}
				if len(mine) > 0 {
					deliverAll(sub, mine)
				}
			}
		}
		sh.mu.RUnlock()
	}
	return mine
}

// deliverAll hands ms to s, at once when s takes batches.
func deliverAll(s Subscriber, ms []*broker.Message) {
	if b, ok := s.(BatchSubscriber); ok && len(ms) > 1 {
		b.DeliverAll(ms)
		return
	}
	for _, m := range ms {
		s.Deliver(m)
	}
}
