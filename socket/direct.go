package socket

import (
	"parkmate/broker"
	"parkmate/hub"
)

var _ hub.BatchSubscriber = (*Conn)(nil)

// DeliverAll implements hub.BatchSubscriber: it queues ms, in order, as
// Deliver does each, and writes them in one go.
func (c *Conn) DeliverAll(ms []*broker.Message) {
	c.mu.Lock()
	for _, m := range ms {
		if !c.queueLocked(m) {
			return // the socket was kicked as slow, and c.mu released
		}
	}
	failed := c.flushLocked()
	c.mu.Unlock()
	if failed {
		// Not here: the hub's fan-out holds the lock of the socket's
		// shard, which teardown takes to remove it.
		go c.teardown()
	}
}

// flushLocked writes what is queued when no writer goroutine runs: at
// once, from the caller's goroutine (the hub's fan-out), without waiting,
// the queued frames in one writev. What the kernel does not take at once
// (its buffer for the socket is full: a slow peer) is left to the writer
// goroutine, which waits for the socket to drain (Go's poller, EPOLLOUT)
// under the write deadlines. So a socket that keeps up never has a
// goroutine. It reports whether the connection failed; the caller, once
// it has released c.mu, tears it down on another goroutine (the hub's
// fan-out holds a lock teardown takes). Call it with c.mu held.
func (c *Conn) flushLocked() (failed bool) {
	if c.writing || c.nc == nil || len(c.queue) == 0 {
		return false
	}
	if c.wfd <= 0 || c.resync || c.closing != nil || c.closed.Load() {
		c.startWriterLocked()
		return false
	}
	for len(c.queue) > 0 {
		n := min(len(c.queue), maxIovecs)
		var one [1][]byte
		bufs := one[:0]
		if n > 1 {
			bufs = make([][]byte, 0, n)
		}
		want := 0
		for _, it := range c.queue[:n] {
			bufs = append(bufs, it.wire)
			want += len(it.wire)
		}
		wrote, err := writeNow(c.wfd, bufs)
		if err != nil {
			return true
		}
		c.consumeLocked(wrote)
		if wrote < want {
			// The rest waits for the socket to drain.
			c.startWriterLocked()
			return false
		}
	}
	return false
}

// consumeLocked drops the first n written bytes from the queue: whole
// frames, and the written start of a frame the kernel took part of (its
// rest stays first in the queue, for the writer goroutine).
func (c *Conn) consumeLocked(n int) {
	frames, done := 0, 0
	for done < len(c.queue) && n >= len(c.queue[done].wire) {
		it := c.queue[done]
		n -= len(it.wire)
		c.sentID = max(c.sentID, it.id)
		if it.id != 0 {
			frames++
		}
		done++
	}
	if n > 0 {
		c.queue[done].wire = c.queue[done].wire[n:]
	}
	if frames > 0 {
		c.srv.metrics.Frames.Add(float64(frames))
	}
	if done == len(c.queue) {
		clear(c.queue)
		c.queue = c.queue[:0]
		return
	}
	c.queue = append(c.queue[:0], c.queue[done:]...)
}
