package socket

import (
	"bufio"
	"bytes"
	"io"
	"log/slog"
	"net"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/gobwas/ws"

	"parkmate"
	"parkmate/broker"
	"parkmate/hub"
)

// countingConn is the server's end of a real TCP connection that counts
// the writes made through net.Conn (the writer goroutine's) and lets
// direct writes (SyscallConn) bypass it.
type countingConn struct {
	net.Conn
	writes atomic.Int64
}

func (c *countingConn) Write(b []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(b)
}

func (c *countingConn) SyscallConn() (syscall.RawConn, error) {
	return c.Conn.(syscall.Conn).SyscallConn()
}

// serveDirect starts a socket of user 1 over a real TCP connection whose
// server end is a countingConn.
func serveDirect(t *testing.T, cfg Config) (*hub.Hub, *Conn, *countingConn, net.Conn) {
	t.Helper()
	sc, client := tcpPair(t)
	cc := &countingConn{Conn: sc}
	cfg.NoPoller = true
	h := hub.New()
	s := NewServer(h, newMemStore(0, 0), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	c := newConn(s, Params{UserID: 1, Role: parkmate.RoleDriver})
	h.Add(c)
	c.start(cc, bufio.NewReader(cc))
	return h, c, cc, client
}

// TestDirectWrites checks that the fan-out writes the frames of a socket
// that keeps up itself, with no writer goroutine, and that what a slow
// peer's socket cannot take at once reaches it whole and in order through
// the writer goroutine, after which direct writes resume.
func TestDirectWrites(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("direct writes are Linux-only")
	}
	const n, pad = 3000, 1000
	store := newMemStore(n+1, pad)
	msgs, frames := store.msgs(t), store.wire(t, n+1)
	h, c, cc, client := serveDirect(t, Config{QueueLen: n, WriteChunk: 4096})
	p := newPeer(t, client)
	expect := func(from, to int) {
		t.Helper()
		for i := from; i < to; i++ {
			if _, raw, err := p.next(); err != nil || !bytes.Equal(raw, frames[i]) {
				t.Fatalf("frame %d: %d bytes (%v), want it whole", i, len(raw), err)
			}
		}
	}
	// A peer that reads: one frame at a time, each written by the fan-out.
	for i := 0; i < 20; i++ {
		h.Handle(msgs[i : i+1])
		expect(i, i+1)
	}
	if w := cc.writes.Load(); w != 0 {
		t.Fatalf("%d writes through the writer goroutine for a peer that keeps up", w)
	}
	// A peer that does not read while 3 MB arrive: the kernel takes part,
	// the writer goroutine the rest.
	for i := 20; i < n; i += 100 {
		h.Handle(msgs[i:min(i+100, n)])
	}
	expect(20, n)
	if cc.writes.Load() == 0 {
		t.Fatal("no write through the writer goroutine for a peer that did not read")
	}
	for {
		c.mu.Lock()
		idle := !c.writing
		c.mu.Unlock()
		if idle {
			break
		}
		runtime.Gosched()
	}
	before := cc.writes.Load()
	h.Handle(msgs[n : n+1])
	expect(n, n+1)
	if cc.writes.Load() != before {
		t.Fatal("the writer goroutine wrote a frame after the peer caught up")
	}
	// Sentinel: the close frame is what comes next.
	c.Kick(CloseNormal, "")
	if hd, raw, err := p.next(); err != nil || hd.OpCode != ws.OpClose || closeCode(raw) != CloseNormal {
		t.Fatalf("after the last frame: %v %q %v", hd.OpCode, raw, err)
	}
}

// BenchmarkDirectWrite measures the delivery of one frame to each of 100
// sockets over loopback TCP, until their peers have read it, frame after
// frame: written by the fan-out itself (direct), or by a writer goroutine
// per socket, as before direct writes. ns/delivery includes the kernel's
// work for both ends and the peers' reads.
func BenchmarkDirectWrite(b *testing.B) {
	for _, direct := range []bool{true, false} {
		name := map[bool]string{true: "direct", false: "writer_goroutine"}[direct]
		b.Run(name, func(b *testing.B) { benchmarkWrites(b, direct) })
	}
}

func benchmarkWrites(b *testing.B, direct bool) {
	const sockets = 100
	h := hub.New()
	srv := NewServer(h, newMemStore(0, 0), Config{NoPoller: true, QueueLen: 1 << 20},
		slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	var received atomic.Int64
	for i := 0; i < sockets; i++ {
		client, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		defer client.Close()
		go func() {
			buf := make([]byte, 64<<10)
			for {
				n, err := client.Read(buf)
				received.Add(int64(n))
				if err != nil {
					return
				}
			}
		}()
		sc, _ := l.Accept()
		defer sc.Close()
		c := newConn(srv, Params{UserID: int64(i + 1), Role: parkmate.RoleDriver})
		h.Add(c)
		c.start(sc, bufio.NewReader(sc))
		if !direct {
			c.mu.Lock()
			c.wfd = 0
			c.mu.Unlock()
		}
	}
	m, _ := broker.NotificationMessage(parkmate.Notification{ID: 1, GroupKey: "role:driver", Type: "info", Message: "hello"})
	size := int64(len(m.Encoded(textFrame)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m := m
		m.ID = int64(i + 1)
		h.Handle([]broker.Message{m})
		// Every peer reads the frame before the next: one write each, as
		// broadcasts that do not overlap get.
		for received.Load() < int64(i+1)*sockets*size {
			runtime.Gosched()
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/sockets, "ns/delivery")
}

// TestDirectWriteToAGonePeer checks that a direct write that fails (the
// peer reset the connection) tears the socket down from the fan-out
// without deadlocking on the hub's lock, and removes it from the hub.
func TestDirectWriteToAGonePeer(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("direct writes are Linux-only")
	}
	store := newMemStore(1000, 10)
	msgs := store.msgs(t)
	h, _, _, client := serveDirect(t, Config{QueueLen: 10})
	_ = client.(*net.TCPConn).SetLinger(0)
	client.Close() // RST
	for i := 0; i < len(msgs) && h.Count() > 0; i++ {
		h.Handle(msgs[i : i+1])
	}
	// Teardown runs on a goroutine of its own; the test's timeout bounds
	// a socket that is never removed.
	for h.Count() > 0 {
		runtime.Gosched()
	}
}
