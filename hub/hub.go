// Package hub holds this node's live sockets, indexed by user, and fans
// messages out to them; nothing else. The fan-out path takes only one
// shard's read lock: there is no global lock.
package hub

import (
	"sync"
	"sync/atomic"
	"time"

	"parkmate"
	"parkmate/broker"
)

// Subscriber is one live socket. Deliver and Kick must not block: a
// subscriber that cannot keep up closes itself.
type Subscriber interface {
	// UserID is the socket's user.
	UserID() int64
	// Role is the user's role, which decides the groups it belongs to.
	Role() parkmate.Role
	// SessionID is the session that opened the socket.
	SessionID() string
	// Deliver queues a message for the socket.
	Deliver(m *broker.Message)
	// SessionEnded closes the socket because its session ended.
	SessionEnded()
	// Kick closes the socket with a WebSocket close code and reason.
	Kick(code int, reason string)
}

const shardCount = 64

type shard struct {
	mu    sync.RWMutex
	users map[int64][]Subscriber
}

// Hub is the set of this node's sockets. The zero value is not usable;
// call New.
type Hub struct {
	shards [shardCount]shard
	count  atomic.Int64
	encode func([]byte) []byte // see EncodeWith

	// ended remembers recently ended sessions, so a socket whose handshake
	// authenticated just before its session ended is closed when it joins.
	endedMu     sync.Mutex
	ended       map[string]time.Time
	endedPruned time.Time

	watch watchers
}

// endedMemory is how long an ended session is remembered; handshakes take
// far less.
const endedMemory = 5 * time.Minute

// New returns an empty hub.
func New() *Hub {
	h := &Hub{}
	for i := range h.shards {
		h.shards[i].users = make(map[int64][]Subscriber)
	}
	h.ended = make(map[string]time.Time)
	return h
}

func (h *Hub) shard(userID int64) *shard { return &h.shards[uint64(userID)%shardCount] }

// Add registers a socket; from then on it receives its user's messages.
func (h *Hub) Add(s Subscriber) {
	sh := h.shard(s.UserID())
	sh.mu.Lock()
	sh.users[s.UserID()] = append(sh.users[s.UserID()], s)
	sh.mu.Unlock()
	h.count.Add(1)
	if h.sessionEnded(s.SessionID()) {
		s.SessionEnded()
	}
}

func (h *Hub) sessionEnded(id string) bool {
	if id == "" {
		return false
	}
	h.endedMu.Lock()
	defer h.endedMu.Unlock()
	_, ok := h.ended[id]
	return ok
}

func (h *Hub) rememberEnded(id string) {
	now := time.Now()
	h.endedMu.Lock()
	defer h.endedMu.Unlock()
	if now.Sub(h.endedPruned) > endedMemory {
		// Prune once per endedMemory, not on every logout.
		for k, t := range h.ended {
			if now.Sub(t) > endedMemory {
				delete(h.ended, k)
			}
		}
		h.endedPruned = now
	}
	h.ended[id] = now
}

// Remove unregisters a socket and its watches. Removing one that is not
// there does nothing.
func (h *Hub) Remove(s Subscriber) {
	h.unwatch(s)
	sh := h.shard(s.UserID())
	sh.mu.Lock()
	defer sh.mu.Unlock()
	subs := sh.users[s.UserID()]
	for i, x := range subs {
		if x == s {
			last := len(subs) - 1
			subs[i] = subs[last]
			subs[last] = nil
			subs = subs[:last]
			if len(subs) == 0 {
				delete(sh.users, s.UserID())
			} else {
				sh.users[s.UserID()] = subs
			}
			h.count.Add(-1)
			return
		}
	}
}

// Count returns the number of sockets.
func (h *Hub) Count() int { return int(h.count.Load()) }

// UserCount returns the number of userID's sockets on this node.
func (h *Hub) UserCount(userID int64) int {
	sh := h.shard(userID)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	return len(sh.users[userID])
}

func (h *Hub) deliver(s Subscriber, m *broker.Message) {
	if m.Kind == broker.KindSessionEnded {
		if s.SessionID() == m.SessionID {
			s.SessionEnded()
		}
		return
	}
	s.Deliver(m)
}

// Each calls fn for every socket, shard by shard, without holding a lock
// while fn runs.
func (h *Hub) Each(fn func(Subscriber)) {
	var buf []Subscriber
	for i := range h.shards {
		sh := &h.shards[i]
		buf = buf[:0]
		sh.mu.RLock()
		for _, subs := range sh.users {
			buf = append(buf, subs...)
		}
		sh.mu.RUnlock()
		for _, s := range buf {
			fn(s)
		}
	}
}

// CloseAll kicks every socket, for shutdown.
func (h *Hub) CloseAll(code int, reason string) {
	h.Each(func(s Subscriber) { s.Kick(code, reason) })
}
