package hub

import (
	"sync"

	"parkmate/broker"
)

// watchers indexes the sockets that watch lots, for live slot frames. It
// is apart from the user shards: few sockets watch, and a watch changes
// only when a client's screen does.
type watchers struct {
	mu     sync.RWMutex
	byLot  map[int64]map[Subscriber]struct{}
	bySock map[Subscriber][]int64
}

// Watch makes lots the set of lots whose slot frames s receives, in place
// of any earlier set; an empty lots stops them. The caller checks that s
// may see them.
func (h *Hub) Watch(s Subscriber, lots []int64) {
	w := &h.watch
	w.mu.Lock()
	defer w.mu.Unlock()
	w.unwatchLocked(s)
	if len(lots) == 0 {
		return
	}
	if w.byLot == nil {
		w.byLot = make(map[int64]map[Subscriber]struct{})
		w.bySock = make(map[Subscriber][]int64)
	}
	for _, lot := range lots {
		set := w.byLot[lot]
		if set == nil {
			set = make(map[Subscriber]struct{})
			w.byLot[lot] = set
		}
		set[s] = struct{}{}
	}
	w.bySock[s] = append([]int64(nil), lots...)
}

// Watching returns how many sockets watch lot.
func (h *Hub) Watching(lot int64) int {
	h.watch.mu.RLock()
	defer h.watch.mu.RUnlock()
	return len(h.watch.byLot[lot])
}

func (w *watchers) unwatchLocked(s Subscriber) {
	for _, lot := range w.bySock[s] {
		delete(w.byLot[lot], s)
		if len(w.byLot[lot]) == 0 {
			delete(w.byLot, lot)
		}
	}
	delete(w.bySock, s)
}

func (h *Hub) unwatch(s Subscriber) {
	h.watch.mu.Lock()
	h.watch.unwatchLocked(s)
	h.watch.mu.Unlock()
}

func (h *Hub) handleLot(m *broker.Message) {
	h.watch.mu.RLock()
	defer h.watch.mu.RUnlock()
	for s := range h.watch.byLot[m.Lot] {
		s.Deliver(m)
	}
}
