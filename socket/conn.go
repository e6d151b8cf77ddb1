package socket

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gobwas/ws"

	"parkmate"
	"parkmate/hub"
)

// item is one queued frame: a notification (id > 0) or a control frame.
type item struct {
	id   int64
	wire []byte
}

// Conn is one notification socket. Its writer goroutine runs only while it
// has frames to write, and its reader only while a frame arrives (epoll
// watches it otherwise), so an idle socket holds no goroutine.
type Conn struct {
	srv    *Server
	p      Params
	nc     net.Conn
	rd     io.Reader
	fd     int
	expiry *time.Timer
	// lastRead is when the peer last sent a frame (Unix seconds).
	lastRead atomic.Int64
	// reading is set while a goroutine reads the socket's frames.
	reading atomic.Bool
	closed  atomic.Bool

	mu        sync.Mutex
	queue     []item
	lastID    int64 // highest notification id queued or replayed
	sentID    int64 // highest notification id handed to the socket
	peerClose bool  // the close being sent answers the peer's
	writing   bool  // a writer goroutine is running
	replaying bool  // a replay from storage is pending or running
	missed    bool  // the queue overflowed during a replay
	resync    bool  // replay again from lastID before writing the queue
	closing   []byte
	closeOnce sync.Once
}

var _ hub.Subscriber = (*Conn)(nil)

func newConn(s *Server, p Params) *Conn {
	c := &Conn{srv: s, p: p, lastID: p.Since, sentID: p.Since}
	if p.HasSince {
		c.replaying, c.resync = true, true
	}
	return c
}

// UserID implements hub.Subscriber.
func (c *Conn) UserID() int64 { return c.p.UserID }

// Role implements hub.Subscriber.
func (c *Conn) Role() parkmate.Role { return c.p.Role }

// SessionID implements hub.Subscriber.
func (c *Conn) SessionID() string { return c.p.SessionID }

// start begins serving an upgraded socket: its writer when there is work,
// and its reading through the poller (or a goroutine when frames already
// arrived behind the handshake, or there is no poller).
func (c *Conn) start(nc net.Conn, br *bufio.Reader) {
	var rd io.Reader = nc
	blocking := c.srv.poller == nil
	if n := br.Buffered(); n > 0 {
		// The client sent frames right behind its handshake.
		peeked, _ := br.Peek(n)
		rd = io.MultiReader(bytes.NewReader(bytes.Clone(peeked)), nc)
		blocking = true
	}
	fd := 0
	if !blocking {
		var err error
		if fd, err = socketFD(nc); err != nil {
			blocking = true
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed.Load() {
		// Torn down during the handshake.
		_ = nc.Close()
		return
	}
	c.nc, c.rd, c.fd = nc, rd, fd
	c.lastRead.Store(time.Now().Unix())
	c.srv.metrics.Open.Inc()
	if !c.p.SessionExpires.IsZero() {
		c.expiry = time.AfterFunc(time.Until(c.p.SessionExpires), func() {
			c.Kick(hub.CloseSessionEnded, "session expired")
		})
	}
	c.startWriterLocked()
	// Watching under the lock: teardown cannot close (and the kernel
	// cannot reuse) the descriptor in between.
	if !blocking {
		if err := c.srv.poller.watch(c); err != nil {
			c.srv.log.Warn("epoll watch failed; reading with a goroutine", "err", err)
			blocking = true
		}
	}
	if blocking {
		go c.readLoop()
	}
}

// startWriterLocked starts the writer if there is work and none runs.
func (c *Conn) startWriterLocked() {
	if c.writing || c.nc == nil {
		return
	}
	if len(c.queue) == 0 && !c.resync && c.closing == nil {
		return
	}
	c.writing = true
	go c.write()
}

// Deliver implements hub.Subscriber: it queues the message without
// blocking, closing the socket as slow when its queue is full.
func (c *Conn) Deliver(m *hub.Message) {
	if m.Kind == hub.KindReadState && c.p.Proto < 2 {
		return
	}
	c.mu.Lock()
	if c.closing != nil || (m.ID != 0 && !c.replaying && m.ID <= c.lastID) {
		c.mu.Unlock()
		return
	}
	if len(c.queue) >= c.srv.cfg.QueueLen {
		if c.replaying {
			// The replay will read it from storage.
			c.missed = true
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		c.srv.metrics.SlowCloses.Inc()
		c.Kick(hub.CloseTryAgainLater, "slow client: reconnect with since")
		return
	}
	c.queue = append(c.queue, item{id: m.ID, wire: m.Wire()})
	if m.ID > c.lastID && !c.replaying {
		c.lastID = m.ID
	}
	c.startWriterLocked()
	c.mu.Unlock()
}

// Resync implements hub.Subscriber.
func (c *Conn) Resync() {
	c.mu.Lock()
	// Queued notifications may have been published after others that the
	// broker lost: drop them and replay everything after the last one the
	// socket was given, in order.
	kept := c.queue[:0]
	for _, it := range c.queue {
		if it.id == 0 {
			kept = append(kept, it)
		}
	}
	c.queue = kept
	c.lastID = c.sentID
	c.replaying, c.resync = true, true
	c.startWriterLocked()
	c.mu.Unlock()
}

// enqueueControl queues a ping, pong or read-state frame; control frames
// count against the queue limit like notifications.
func (c *Conn) enqueueControl(wire []byte) {
	c.mu.Lock()
	if c.closing != nil {
		c.mu.Unlock()
		return
	}
	if len(c.queue) >= c.srv.cfg.QueueLen {
		c.mu.Unlock()
		c.srv.metrics.SlowCloses.Inc()
		c.Kick(hub.CloseTryAgainLater, "slow client: reconnect with since")
		return
	}
	c.queue = append(c.queue, item{wire: wire})
	c.startWriterLocked()
	c.mu.Unlock()
}

// Kick implements hub.Subscriber: the socket sends a close frame after
// nothing else and then closes.
func (c *Conn) Kick(code int, reason string) {
	frame, _ := ws.CompileFrame(ws.NewCloseFrame(ws.NewCloseFrameBody(ws.StatusCode(code), reason)))
	c.mu.Lock()
	if c.closing != nil {
		c.mu.Unlock()
		return
	}
	c.closing = frame
	c.queue = nil
	if c.nc != nil && c.writing {
		// Cut short a write that a slow peer blocks.
		_ = c.nc.SetWriteDeadline(time.Now().Add(closeGrace))
	}
	c.startWriterLocked()
	c.mu.Unlock()
}

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

// replay writes stored notifications after lastID, page by page, until it
// has caught up with the live queue; then it drops queued duplicates.
func (c *Conn) replay() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		c.mu.Lock()
		since, closing := c.lastID, c.closing != nil
		c.mu.Unlock()
		if closing {
			return nil
		}
		notes, err := c.srv.store.NotificationsSince(ctx, c.p.UserID, c.p.Role, since, c.srv.cfg.ReplayPage)
		if err != nil {
			return err
		}
		items := make([]item, 0, len(notes))
		for _, n := range notes {
			m, err := hub.NotificationMessage(n)
			if err != nil {
				return err
			}
			items = append(items, item{id: n.ID, wire: m.Wire()})
		}
		if len(items) > 0 {
			if err := c.writeItems(items); err != nil {
				return err
			}
		}
		var latest int64 = -1
		if len(notes) == 0 && since > 0 {
			// A since beyond every stored id (a stale client, a restored
			// database) must not hide the live notifications to come.
			if latest, err = c.srv.store.LatestID(ctx, c.p.UserID, c.p.Role); err != nil {
				return err
			}
		}
		c.mu.Lock()
		if len(notes) > 0 {
			c.lastID = notes[len(notes)-1].ID
			c.sentID = max(c.sentID, c.lastID)
		}
		if latest >= 0 && c.lastID > latest {
			c.lastID, c.sentID = latest, latest
		}
		if len(notes) == c.srv.cfg.ReplayPage || c.missed || c.resync {
			c.missed, c.resync = false, false
			c.mu.Unlock()
			continue
		}
		kept := c.queue[:0]
		for _, it := range c.queue {
			if it.id == 0 || it.id > c.lastID {
				kept = append(kept, it)
				c.lastID = max(c.lastID, it.id)
			}
		}
		c.queue = kept
		c.replaying = false
		c.mu.Unlock()
		return nil
	}
}

// teardown closes the socket once and removes it from the hub.
func (c *Conn) teardown() {
	c.closeOnce.Do(func() {
		c.closed.Store(true)
		c.srv.hub.Remove(c)
		c.mu.Lock()
		nc, fd, expiry := c.nc, c.fd, c.expiry
		c.mu.Unlock()
		if expiry != nil {
			expiry.Stop()
		}
		if c.srv.poller != nil && fd > 0 {
			c.srv.poller.unwatch(fd)
		}
		if nc != nil {
			_ = nc.Close()
			c.srv.metrics.Open.Dec()
		}
	})
}

var pongFrame = hub.CompileText([]byte(`{"type":"pong"}`))

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
		c.Kick(hub.CloseTooLarge, "frame too large")
		return h, nil, false
	}
	if !h.Masked {
		c.Kick(1002, "client frames must be masked")
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
		c.Kick(1002, "control frames must be whole and at most 125 bytes")
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
		code := hub.CloseNormal
		if len(payload) >= 2 {
			code = int(binary.BigEndian.Uint16(payload))
		}
		if code == 1005 || code == 1006 || code < 1000 {
			code = hub.CloseNormal
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
			c.Kick(hub.ClosePolicy, "fragmented frames are not accepted")
			return false
		}
		var msg struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(payload, &msg); err != nil || msg.Type != "ping" {
			c.Kick(hub.ClosePolicy, `unknown frame: only {"type":"ping"} is accepted`)
			return false
		}
		if c.p.Proto >= 2 {
			c.enqueueControl(pongFrame)
		}
		return true
	default:
		c.Kick(hub.ClosePolicy, "only text frames are accepted")
		return false
	}
}

// socketFD returns the descriptor of c's TCP socket without duplicating it.
func socketFD(nc net.Conn) (int, error) {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return 0, errors.New("connection has no file descriptor")
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return 0, err
	}
	fd := -1
	if err := raw.Control(func(f uintptr) { fd = int(f) }); err != nil {
		return 0, err
	}
	return fd, nil
}
