package socket

import (
	"net"
	"time"
)

// write is the writer goroutine: it replays, then writes the queue in
// batches, and exits when there is nothing left.
func (c *Conn) write() {
	for {
		c.mu.Lock()
		if c.closing != nil {
			frame, answer := c.closing, c.peerClose
			c.mu.Unlock()
			_ = c.nc.SetWriteDeadline(time.Now().Add(closeGrace))
			if _, err := c.nc.Write(frame); err != nil || answer {
				c.teardown()
				return
			}
			// Wait briefly for the peer's close, then end the connection.
			time.AfterFunc(closeGrace, c.teardown)
			return
		}
		if c.resync {
			c.resync = false
			c.mu.Unlock()
			if err := c.replay(); err != nil {
				c.srv.log.Warn("replay failed", "user", c.p.UserID, "err", err)
				c.Kick(1011, "replay failed: reconnect with since")
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
		if err := c.writeItems(batch); err != nil {
			c.teardown()
			return
		}
	}
}

func (c *Conn) writeItems(items []item) error {
	bufs := make(net.Buffers, 0, len(items))
	frames := 0
	for _, it := range items {
		bufs = append(bufs, it.wire)
		if it.id != 0 {
			frames++
		}
	}
	_ = c.nc.SetWriteDeadline(time.Now().Add(c.srv.cfg.WriteTimeout))
	_, err := bufs.WriteTo(c.nc)
	c.srv.metrics.Frames.Add(float64(frames))
	return err
}
