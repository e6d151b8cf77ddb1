package socket

import (
	"errors"
	"fmt"
	"net"
	"time"
)

var (
	// errClosing stops a write at a frame boundary because a close is
	// pending: the close frame goes next.
	errClosing = errors.New("socket: closing")
	// errWriteFailed marks a failed write. The peer may hold part of a
	// frame, so nothing else can be written: the socket is torn down.
	errWriteFailed = errors.New("socket: write failed")
)

// write is the writer goroutine: it replays, then writes the queue in
// batches, and exits when there is nothing left.
func (c *Conn) write() {
	for {
		c.mu.Lock()
		if c.closing != nil {
			frame, answer := c.closing, c.peerClose
			c.mu.Unlock()
			c.writeClose(frame, answer)
			return
		}
		if c.resync {
			c.resync = false
			c.mu.Unlock()
			if !c.replayed(c.replay()) {
				return
			}
			continue
		}
		if len(c.queue) == 0 {
			c.writing = false
			c.mu.Unlock()
			return
		}
		batch := c.queue
		c.queue = make([]item, 0, min(len(batch), 16))
		for _, it := range batch {
			c.sentID = max(c.sentID, it.id)
		}
		c.mu.Unlock()
		if err := c.writeItems(batch); errors.Is(err, errWriteFailed) {
			c.teardown()
			return
		}
	}
}

// replayed acts on the outcome of a replay and reports whether the writer
// goes on. A failed write ends the connection outright; a storage error,
// which leaves the stream at a frame boundary, closes it with 1011 so the
// client resumes with since.
func (c *Conn) replayed(err error) bool {
	switch {
	case err == nil, errors.Is(err, errClosing):
		return true
	case errors.Is(err, errWriteFailed):
		c.teardown()
		return false
	}
	c.srv.log.Warn("replay failed", "user", c.p.UserID, "err", err)
	c.Kick(CloseInternal, "replay failed: reconnect with since")
	return true
}

// writeClose writes the close frame, then ends the connection: at once
// when the frame answers the peer's close or cannot be written, else
// after the peer had closeGrace to answer.
func (c *Conn) writeClose(frame []byte, answer bool) {
	_ = c.nc.SetWriteDeadline(time.Now().Add(closeGrace))
	if _, err := c.nc.Write(frame); err != nil || answer {
		c.teardown()
		return
	}
	time.AfterFunc(closeGrace, c.teardown)
}

// writeItems writes frames in writes of at most WriteChunk bytes, each
// with a deadline of its own, so a slow but live peer has WriteTimeout to
// take each chunk rather than a whole batch. Chunks end at frame
// boundaries; a frame larger than WriteChunk is written in pieces. Before
// each chunk it checks for a pending close and returns errClosing if there
// is one. A failed write returns an error wrapping errWriteFailed.
func (c *Conn) writeItems(items []item) error {
	bufs := make(net.Buffers, 0, min(len(items), 64))
	for len(items) > 0 {
		if c.armWrite() {
			return errClosing
		}
		n := chunkLen(items, c.srv.cfg.WriteChunk)
		var err error
		if wire := items[0].wire; n == 1 && len(wire) > c.srv.cfg.WriteChunk {
			err = c.writeLarge(wire)
		} else {
			chunk := bufs[:0]
			for _, it := range items[:n] {
				chunk = append(chunk, it.wire)
			}
			_, err = chunk.WriteTo(c.nc)
		}
		if err != nil {
			return fmt.Errorf("%w: %w", errWriteFailed, err)
		}
		c.srv.metrics.Frames.Add(float64(notifications(items[:n])))
		items = items[n:]
	}
	return nil
}

// writeLarge writes one frame larger than WriteChunk in pieces of
// WriteChunk bytes, each with its own deadline. A close that becomes
// pending meanwhile waits for the frame's end (armWrite shortens the
// deadline to closeGrace then).
func (c *Conn) writeLarge(wire []byte) error {
	for off := 0; off < len(wire); off += c.srv.cfg.WriteChunk {
		if off > 0 {
			c.armWrite()
		}
		if _, err := c.nc.Write(wire[off:min(off+c.srv.cfg.WriteChunk, len(wire))]); err != nil {
			return err
		}
	}
	return nil
}

// armWrite sets the deadline of the next write, WriteTimeout from now, or
// closeGrace once a close is pending, and reports whether one is. It holds
// the lock Kick holds to shorten a running write, so the longer deadline
// never replaces Kick's shorter one.
func (c *Conn) armWrite() (closing bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	timeout := c.srv.cfg.WriteTimeout
	if c.closing != nil {
		timeout = closeGrace
	}
	_ = c.nc.SetWriteDeadline(time.Now().Add(timeout))
	return c.closing != nil
}

// chunkLen returns how many items the next write takes: as many whole
// frames as fit in limit bytes, and at least one.
func chunkLen(items []item, limit int) int {
	n, size := 0, 0
	for n < len(items) && (n == 0 || size+len(items[n].wire) <= limit) {
		size += len(items[n].wire)
		n++
	}
	return n
}

// notifications counts the notification frames among items.
func notifications(items []item) int {
	n := 0
	for _, it := range items {
		if it.id != 0 {
			n++
		}
	}
	return n
}
