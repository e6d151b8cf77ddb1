package socket

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gobwas/ws"

	"parkmate"
	"parkmate/broker"
	"parkmate/hub"
)

// item is one queued frame: a notification (id > 0) or a control frame.
type item struct {
	id   int64
	wire []byte
}

// Conn is one notification socket. The hub's fan-out writes its frames
// directly when the kernel takes them at once; its writer goroutine runs
// only while frames wait for a slow peer or for a replay, and its reader
// only while a frame arrives (epoll watches it otherwise), so an idle
// socket, or one that keeps up, holds no goroutine.
type Conn struct {
	srv *Server
	p   Params
	nc  net.Conn
	// wfd is the descriptor the fan-out writes to directly (flushLocked);
	// 0: none, every write goes through the writer goroutine.
	wfd    int
	rd     io.Reader
	fd     int
	expiry *time.Timer
	// lastRead is when the peer last sent a frame (Unix seconds).
	lastRead atomic.Int64
	// reading is set while a goroutine reads the socket's frames.
	reading atomic.Bool
	closed  atomic.Bool

	// The text message being reassembled from fragments. Only the reader
	// (one goroutine at a time, see reading) touches these.
	fragmented bool   // a text message's first fragment arrived, its last not yet
	partial    []byte // its payload so far
	checked    int    // bytes of partial known to be valid UTF-8
	// displayedMax is the highest id a displayed frame recorded.
	displayedMax int64

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

	// watchMu guards the watch checks: one runs at a time (watchBusy);
	// the newest watch that arrived meanwhile waits in watchNext.
	watchMu      sync.Mutex
	watchBusy    bool
	watchWaiting bool
	watchNext    []int64
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
	if err := limitUnsent(nc, c.srv.cfg.WriteChunk); err != nil {
		c.srv.log.Debug("socket: unsent bytes not capped", "user", c.p.UserID, "err", err)
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
	if directWrites {
		if wfd, err := socketFD(nc); err == nil {
			c.wfd = wfd
		}
	}
	c.lastRead.Store(time.Now().Unix())
	c.srv.metrics.Open.Inc()
	if !c.p.SessionExpires.IsZero() {
		c.expiry = time.AfterFunc(time.Until(c.p.SessionExpires), func() {
			c.Kick(CloseSessionEnded, "session expired")
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
// blocking, closing the socket as slow when its queue is full, and writes
// it at once when the socket keeps up (see flushLocked).
func (c *Conn) Deliver(m *broker.Message) {
	c.mu.Lock()
	if !c.queueLocked(m) {
		return
	}
	failed := c.flushLocked()
	c.mu.Unlock()
	if failed {
		// Not here: the hub's fan-out holds the lock of the socket's
		// shard, which teardown takes to remove it.
		go c.teardown()
	}
}

// queueLocked queues m unless the socket does not take it. When the queue
// is full it closes the socket as slow and returns false, having released
// c.mu; otherwise c.mu stays held.
func (c *Conn) queueLocked(m *broker.Message) bool {
	if m.Kind.Proto2Only() && c.p.Proto < 2 {
		return true
	}
	if c.closing != nil || (m.ID != 0 && !c.replaying && m.ID <= c.lastID) {
		return true
	}
	if len(c.queue) >= c.srv.cfg.QueueLen {
		if c.replaying && m.ID != 0 {
			// The replay will read it from storage.
			c.missed = true
			return true
		}
		// A frame storage does not keep (a live or read-state frame) is
		// not lost silently: the client reconnects and refetches.
		c.mu.Unlock()
		c.srv.metrics.SlowCloses.Inc()
		c.Kick(CloseTryAgainLater, "slow client: reconnect with since")
		return false
	}
	c.queue = append(c.queue, item{id: m.ID, wire: m.Encoded(textFrame)})
	if m.ID > c.lastID && !c.replaying {
		c.lastID = m.ID
	}
	return true
}

// SessionEnded implements hub.Subscriber: the socket closes with 4401.
func (c *Conn) SessionEnded() { c.Kick(CloseSessionEnded, "session ended") }

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
		c.Kick(CloseTryAgainLater, "slow client: reconnect with since")
		return
	}
	c.queue = append(c.queue, item{wire: wire})
	failed := c.flushLocked()
	c.mu.Unlock()
	if failed {
		// Not here: the hub's fan-out holds the lock of the socket's
		// shard, which teardown takes to remove it.
		go c.teardown()
	}
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
		// Cut short a write that a slow peer blocks. The writer stops at
		// the next frame boundary and sends the close frame; a write that
		// misses this deadline tears the socket down instead.
		_ = c.nc.SetWriteDeadline(time.Now().Add(closeGrace))
	}
	c.startWriterLocked()
	c.mu.Unlock()
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
