package socket

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"io"
	"time"

	"github.com/gobwas/ws"
)

var pongFrame = textFrame([]byte(`{"type":"pong"}`))

// frameTimeout bounds reading the rest of a frame once it has begun.
const frameTimeout = 10 * time.Second

// readFrame reads and unmasks one client frame; false means the socket
// must end (the error was answered with a close frame where one applies).
func (c *Conn) readFrame(buf *[]byte) (ws.Header, []byte, bool) {
	h, err := ws.ReadHeader(c.rd)
	if err != nil {
		return h, nil, false
	}
	if h.Length > c.srv.cfg.MaxFrame {
		c.Kick(CloseTooLarge, "frame too large")
		return h, nil, false
	}
	if !h.Masked {
		c.Kick(CloseProtocol, "client frames must be masked")
		return h, nil, false
	}
	if int64(cap(*buf)) < h.Length {
		*buf = make([]byte, h.Length)
	}
	payload := (*buf)[:h.Length]
	if _, err := io.ReadFull(c.rd, payload); err != nil {
		return h, nil, false
	}
	ws.Cipher(payload, h.Mask, 0)
	c.lastRead.Store(time.Now().Unix())
	return h, payload, true
}

// onReadable reads the frames that woke the poller, then re-arms it.
func (c *Conn) onReadable() {
	if !c.reading.CompareAndSwap(false, true) {
		return
	}
	ok, _ := peekReadable(c)
	if ok {
		var buf []byte
		_ = c.nc.SetReadDeadline(time.Now().Add(frameTimeout))
		h, payload, ok := c.readFrame(&buf)
		if !ok || !c.handle(h, payload) {
			c.reading.Store(false)
			c.endReading()
			return
		}
	}
	c.reading.Store(false)
	if c.closed.Load() {
		return
	}
	if err := c.srv.poller.rearm(c); err != nil {
		c.teardown()
	}
}

// endReading stops reading: at once when no close is under way, else
// after the close frame was written and the peer had a moment to answer.
func (c *Conn) endReading() {
	c.mu.Lock()
	closing := c.closing != nil
	c.mu.Unlock()
	if !closing {
		c.teardown()
	}
}

// readLoop reads frames with a goroutine of its own, for sockets the
// poller does not watch.
func (c *Conn) readLoop() {
	buf := make([]byte, 0, 128)
	for {
		c.mu.Lock()
		wait := 2 * c.srv.cfg.PingInterval
		if c.closing != nil {
			wait = closeGrace
		}
		c.mu.Unlock()
		_ = c.nc.SetReadDeadline(time.Now().Add(wait))
		h, payload, ok := c.readFrame(&buf)
		if !ok || !c.handle(h, payload) {
			c.endReading()
			return
		}
	}
}

// stale reports whether the peer has been silent for two ping intervals.
// A socket still in its handshake (lastRead unset) is not stale.
func (c *Conn) stale(now time.Time) bool {
	last := c.lastRead.Load()
	return last != 0 && now.Unix()-last > int64(2*c.srv.cfg.PingInterval/time.Second)+1
}

// handle acts on one client frame; false ends the read loop.
func (c *Conn) handle(h ws.Header, payload []byte) bool {
	if h.OpCode.IsControl() && (h.Length > 125 || !h.Fin) {
		c.Kick(CloseProtocol, "control frames must be whole and at most 125 bytes")
		return false
	}
	switch h.OpCode {
	case ws.OpClose:
		c.mu.Lock()
		answered := c.closing != nil
		c.peerClose = !answered
		c.mu.Unlock()
		if answered {
			c.teardown() // the peer answered our close
			return false
		}
		code := CloseNormal
		if len(payload) >= 2 {
			code = int(binary.BigEndian.Uint16(payload))
		}
		if code == 1005 || code == 1006 || code < 1000 {
			code = CloseNormal
		}
		c.Kick(code, "")
		return false
	case ws.OpPing:
		pong, _ := ws.CompileFrame(ws.NewPongFrame(bytes.Clone(payload)))
		c.enqueueControl(pong)
		return true
	case ws.OpPong:
		return true
	case ws.OpText:
		if !h.Fin {
			c.Kick(ClosePolicy, "fragmented frames are not accepted")
			return false
		}
		var msg struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(payload, &msg); err != nil || msg.Type != "ping" {
			c.Kick(ClosePolicy, `unknown frame: only {"type":"ping"} is accepted`)
			return false
		}
		if c.p.Proto >= 2 {
			c.enqueueControl(pongFrame)
		}
		return true
	default:
		c.Kick(ClosePolicy, "only text frames are accepted")
		return false
	}
}
