package broker

import (
	"context"
	"sync"
)

// MemoryBus connects the nodes of one process. Each Node is a Broker whose
// Publish hands messages to the other nodes' handlers before it returns.
type MemoryBus struct {
	mu    sync.RWMutex
	nodes []*MemoryBroker
}

// NewMemoryBus returns a bus with no nodes.
func NewMemoryBus() *MemoryBus { return &MemoryBus{} }

// Node adds a node to the bus and returns its broker.
func (b *MemoryBus) Node() *MemoryBroker {
	n := &MemoryBroker{bus: b}
	b.mu.Lock()
	b.nodes = append(b.nodes, n)
	b.mu.Unlock()
	return n
}

// MemoryBroker is one node's end of a MemoryBus. Alone on its bus it is
// the single-node default: there is no other node to tell.
type MemoryBroker struct {
	bus *MemoryBus
	mu  sync.RWMutex
	h   []Handler
}

var _ Broker = (*MemoryBroker)(nil)

// NewMemoryBroker returns the broker of a node alone on its own bus.
func NewMemoryBroker() *MemoryBroker { return NewMemoryBus().Node() }

// Publish hands msgs to the running handlers of every other node on the
// bus, each its own copy, before it returns.
func (n *MemoryBroker) Publish(_ context.Context, msgs []Message) error {
	n.bus.mu.RLock()
	defer n.bus.mu.RUnlock()
	for _, peer := range n.bus.nodes {
		if peer == n {
			continue
		}
		peer.mu.RLock()
		for _, h := range peer.h {
			cp := make([]Message, len(msgs))
			for i, m := range msgs {
				cp[i] = Message{Kind: m.Kind, UserID: m.UserID, Group: m.Group, SessionID: m.SessionID, ID: m.ID, Frame: m.Frame}
			}
			h.Handle(cp)
		}
		peer.mu.RUnlock()
	}
	return nil
}

// Run registers h until ctx ends.
func (n *MemoryBroker) Run(ctx context.Context, h Handler) error {
	n.mu.Lock()
	n.h = append(n.h, h)
	n.mu.Unlock()
	<-ctx.Done()
	n.mu.Lock()
	for i, x := range n.h {
		if x == h {
			n.h = append(n.h[:i], n.h[i+1:]...)
			break
		}
	}
	n.mu.Unlock()
	return nil
}
