package hub

import (
	"context"
	"sync"
)

// MemoryBroker connects publishers to the hubs of the same process. It is
// the single-node default: Publish hands messages to the handlers directly,
// so nothing is lost between publish and fan-out.
type MemoryBroker struct {
	mu       sync.RWMutex
	handlers []Handler
}

var _ Broker = (*MemoryBroker)(nil)

// NewMemoryBroker returns a broker with no handlers.
func NewMemoryBroker() *MemoryBroker { return &MemoryBroker{} }

// Publish delivers msgs to every running handler before it returns.
func (b *MemoryBroker) Publish(_ context.Context, msgs []Message) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for _, h := range b.handlers {
		if len(b.handlers) > 1 {
			// Each hub compiles wire bytes into its own copy.
			cp := make([]Message, len(msgs))
			copy(cp, msgs)
			h.Handle(cp)
			continue
		}
		h.Handle(msgs)
	}
	return nil
}

// Run registers h until ctx ends.
func (b *MemoryBroker) Run(ctx context.Context, h Handler) error {
	b.mu.Lock()
	b.handlers = append(b.handlers, h)
	b.mu.Unlock()
	<-ctx.Done()
	b.mu.Lock()
	for i, x := range b.handlers {
		if x == h {
			b.handlers = append(b.handlers[:i], b.handlers[i+1:]...)
			break
		}
	}
	b.mu.Unlock()
	return nil
}
