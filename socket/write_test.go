package socket

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"parkmate"
	"parkmate/broker"
	"parkmate/hub"
)

// memStore is a Replayer over notifications 1..n in memory. A query for
// the notifications after failFrom or later fails (0: none fails).
type memStore struct {
	notes    []parkmate.Notification
	failFrom int64
}

var errStore = errors.New("storage is down")

// newMemStore stores n notifications whose data pads each to about size
// bytes.
func newMemStore(n, size int) *memStore {
	s := &memStore{}
	data, _ := json.Marshal(map[string]string{"pad": strings.Repeat("x", size)})
	for id := int64(1); id <= int64(n); id++ {
		s.notes = append(s.notes, parkmate.Notification{
			ID: id, UserID: 1, Type: parkmate.LevelInfo, Message: fmt.Sprintf("n%d", id),
			Data: data, CreatedAt: time.Date(2026, 11, 25, 20, 41, 10, 0, time.UTC),
		})
	}
	return s
}

func (s *memStore) NotificationsSince(_ context.Context, _ int64, _ parkmate.Role, since int64, limit int) ([]parkmate.Notification, error) {
	if s.failFrom > 0 && since >= s.failFrom {
		return nil, errStore
	}
	var out []parkmate.Notification
	for _, n := range s.notes {
		if n.ID > since && len(out) < limit {
			out = append(out, n)
		}
	}
	return out, nil
}

func (s *memStore) ExistingLots(_ context.Context, ids []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	for _, id := range ids {
		if id < 100 {
			out[id] = true
		}
	}
	return out, nil
}

func (s *memStore) LatestID(context.Context, int64, parkmate.Role) (int64, error) {
	return int64(len(s.notes)), nil
}

// wire returns the frames the socket sends for notifications 1..n.
func (s *memStore) wire(t *testing.T, n int) [][]byte {
	t.Helper()
	var out [][]byte
	for _, note := range s.notes[:n] {
		m, err := broker.NotificationMessage(note)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m.Encoded(textFrame))
	}
	return out
}

// recConn is the server's end of a real TCP connection that records how
// many bytes each write deadline covered. With failAt > 0, the write that
// would pass byte failAt delivers the bytes before it and fails, as a
// timed-out write does; later writes still reach the peer, and are counted.
type recConn struct {
	net.Conn
	failAt int

	mu        sync.Mutex
	written   int
	segments  []int // bytes written under each write deadline, in order
	failed    bool
	afterFail int // writes attempted after the failed one
	closed    chan struct{}
	closeOnce sync.Once
}

func (r *recConn) SetWriteDeadline(t time.Time) error {
	r.mu.Lock()
	r.segments = append(r.segments, 0)
	r.mu.Unlock()
	return r.Conn.SetWriteDeadline(t)
}

func (r *recConn) Write(b []byte) (int, error) {
	r.mu.Lock()
	if r.failed {
		r.afterFail++
	} else if r.failAt > 0 && r.written+len(b) > r.failAt {
		r.failed = true
		part := b[:r.failAt-r.written]
		r.mu.Unlock()
		n, _ := r.Conn.Write(part)
		return n, timeoutError{}
	}
	r.written += len(b)
	if len(r.segments) > 0 {
		r.segments[len(r.segments)-1] += len(b)
	}
	r.mu.Unlock()
	return r.Conn.Write(b)
}

func (r *recConn) Close() error {
	r.closeOnce.Do(func() { close(r.closed) })
	return r.Conn.Close()
}

type timeoutError struct{}

func (timeoutError) Error() string   { return "i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

// served is a socket of user 1 served over a real TCP connection.
type served struct {
	hub    *hub.Hub
	conn   *Conn
	server *recConn
	client net.Conn
}

// serve starts a socket with p over a real TCP connection whose server end
// is rec (its Conn is filled in).
func serve(t *testing.T, store Store, cfg Config, p Params, rec *recConn) *served {
	t.Helper()
	var client net.Conn
	rec.Conn, client = tcpPair(t)
	rec.closed = make(chan struct{})
	t.Cleanup(func() { rec.Close() })
	cfg.NoPoller = true
	h := hub.New()
	s := NewServer(h, store, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	p.UserID, p.Role = 1, parkmate.RoleDriver
	c := newConn(s, p)
	h.Add(c)
	c.start(rec, bufio.NewReader(rec))
	return &served{hub: h, conn: c, server: rec, client: client}
}

// tcpPair returns the two ends of a real loopback TCP connection, closed
// when the test ends.
func tcpPair(t *testing.T) (server, client net.Conn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if client, err = net.Dial("tcp", l.Addr().String()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	if server, err = l.Accept(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Close() })
	return server, client
}

// peer reads server frames on the client's end of a socket.
type peer struct {
	t    *testing.T
	conn net.Conn
	rd   *bufio.Reader
}

func newPeer(t *testing.T, conn net.Conn) *peer {
	_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	return &peer{t: t, conn: conn, rd: bufio.NewReader(conn)}
}

// next reads one frame and returns its bytes, header included. When the
// connection ends first, it returns the bytes of the frame that were cut
// short (possibly none) and io.EOF.
func (p *peer) next() (ws.Header, []byte, error) {
	p.t.Helper()
	var raw bytes.Buffer
	rd := io.TeeReader(p.rd, &raw)
	h, err := ws.ReadHeader(rd)
	if err == nil {
		_, err = io.CopyN(io.Discard, rd, h.Length)
	}
	switch {
	case err == nil:
		return h, raw.Bytes(), nil
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), isReset(err):
		return h, raw.Bytes(), io.EOF
	}
	p.t.Fatalf("read: %v", err)
	return h, nil, err
}

// closeCode returns the code of a close frame's bytes.
func closeCode(raw []byte) int {
	h, _ := ws.ReadHeader(bytes.NewReader(raw))
	code, _ := ws.ParseCloseFrameData(raw[len(raw)-int(h.Length):])
	return int(code)
}

func isReset(err error) bool {
	var ne *net.OpError
	return errors.As(err, &ne) && strings.Contains(ne.Err.Error(), "reset")
}

func TestChunkLen(t *testing.T) {
	frames := func(sizes ...int) []item {
		var out []item
		for _, n := range sizes {
			out = append(out, item{id: 1, wire: make([]byte, n)})
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		items []item
		limit int
		want  int
	}{
		{"all fit", frames(10, 10, 10), 100, 3},
		{"exactly the limit", frames(40, 60, 1), 100, 2},
		{"one byte over", frames(40, 61), 100, 1},
		{"a frame larger than the limit goes alone", frames(150, 10), 100, 1},
		{"a large frame ends the chunk before it", frames(10, 150), 100, 1},
		{"one frame", frames(5), 100, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := chunkLen(tc.items, tc.limit); got != tc.want {
				t.Fatalf("chunkLen = %d, want %d", got, tc.want)
			}
		})
	}
}

// Every write hands the socket at most WriteChunk bytes under a deadline
// of its own, ends at a frame boundary unless one frame is larger than
// WriteChunk, and the client gets every frame, whole and in order.
func TestWritesAreChunkedWithADeadlineEach(t *testing.T) {
	const chunk = 1024
	for _, tc := range []struct {
		name  string
		n     int // notifications
		pad   int // bytes of data in each
		queue bool
	}{
		{"a replay of small frames", 300, 50, false},
		{"a replay of frames larger than a chunk", 20, 3000, false},
		{"a queued batch of small frames", 300, 50, true},
		{"queued frames larger than a chunk", 20, 3000, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := newMemStore(tc.n, tc.pad)
			want := store.wire(t, tc.n)
			cfg := Config{WriteChunk: chunk, ReplayPage: 100, QueueLen: tc.n}
			s := serve(t, store, cfg, Params{HasSince: !tc.queue}, &recConn{})
			if tc.queue {
				// One batch: the writer starts once everything is queued.
				s.conn.mu.Lock()
				for i, m := range store.msgs(t) {
					s.conn.queue = append(s.conn.queue, item{id: m.ID, wire: want[i]})
				}
				s.conn.startWriterLocked()
				s.conn.mu.Unlock()
			}
			p := newPeer(t, s.client)
			total, boundaries := 0, map[int]bool{0: true}
			for i := range want {
				_, raw, err := p.next()
				if err != nil || !bytes.Equal(raw, want[i]) {
					t.Fatalf("frame %d: %d bytes (%v), want it whole", i, len(raw), err)
				}
				total += len(raw)
				boundaries[total] = true
			}
			// Sentinel: the close frame is what comes next, so nothing was
			// written twice.
			s.conn.Kick(CloseNormal, "")
			if h, raw, err := p.next(); err != nil || h.OpCode != ws.OpClose || closeCode(raw) != CloseNormal {
				t.Fatalf("after the last frame: %v %q %v", h.OpCode, raw, err)
			}
			s.server.mu.Lock()
			defer s.server.mu.Unlock()
			at, writes := 0, 0
			for _, n := range s.server.segments {
				if n > chunk && at < total {
					t.Fatalf("one deadline covered %d bytes, more than %d", n, chunk)
				}
				if n == 0 || at >= total {
					continue
				}
				at += n
				writes++
				if tc.pad < chunk && !boundaries[at] {
					t.Fatalf("a write of small frames ended mid-frame, at byte %d", at)
				}
			}
			if least := (total + chunk - 1) / chunk; writes < least {
				t.Fatalf("%d writes for %d bytes", writes, total)
			}
		})
	}
}

// msgs returns the stored notifications as hub messages.
func (s *memStore) msgs(t *testing.T) []broker.Message {
	t.Helper()
	var out []broker.Message
	for _, n := range s.notes {
		m, err := broker.NotificationMessage(n)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// A write that fails ends the connection at once: the peer may hold part
// of a frame, so no close frame may follow it. A storage error during a
// replay leaves the stream at a frame boundary: a 1011 close follows the
// whole frames.
func TestWriteAndStorageFailures(t *testing.T) {
	const n, pad, page = 60, 200, 20
	store := newMemStore(n, pad)
	frames := store.wire(t, n)
	// The failing write passes byte failAt: the middle of frame 25.
	failAt := 0
	for _, f := range frames[:25] {
		failAt += len(f)
	}
	failAt += len(frames[25]) / 2
	for _, tc := range []struct {
		name       string
		queue      bool  // the frames come from the queue, not a replay
		failAt     int   // 0: writes do not fail
		storeFail  int64 // a replay query after this id fails
		wantFrames int
		wantClose  int // 0: the connection ends without a close frame
	}{
		{name: "a replay write fails", failAt: failAt, wantFrames: 25},
		{name: "a queued write fails", queue: true, failAt: failAt, wantFrames: 25},
		{name: "storage fails between pages", storeFail: page, wantFrames: page, wantClose: 1011},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &memStore{notes: store.notes, failFrom: tc.storeFail}
			rec := &recConn{failAt: tc.failAt}
			s := serve(t, st, Config{ReplayPage: page, QueueLen: n}, Params{HasSince: !tc.queue}, rec)
			if tc.queue {
				for _, m := range store.msgs(t) {
					s.conn.Deliver(&m)
				}
			}
			p := newPeer(t, s.client)
			for i := 0; i < tc.wantFrames; i++ {
				if _, raw, err := p.next(); err != nil || !bytes.Equal(raw, frames[i]) {
					t.Fatalf("frame %d: %d bytes (%v), want it whole", i, len(raw), err)
				}
			}
			h, raw, err := p.next()
			if tc.wantClose != 0 {
				if err != nil || h.OpCode != ws.OpClose || closeCode(raw) != tc.wantClose {
					t.Fatalf("after %d frames: %v %q %v, want close %d", tc.wantFrames, h.OpCode, raw, err, tc.wantClose)
				}
				return
			}
			// The cut frame holds its own bytes and nothing else, and the
			// connection ended right after it.
			if err != io.EOF || !bytes.HasPrefix(frames[tc.wantFrames], raw) {
				t.Fatalf("after %d frames: %q (%v), want part of frame %d and the end", tc.wantFrames, raw, err, tc.wantFrames)
			}
			<-rec.closed
			rec.mu.Lock()
			after := rec.afterFail
			rec.mu.Unlock()
			if after > 0 {
				t.Fatalf("%d write(s) after the failed one", after)
			}
			if s.hub.Count() != 0 {
				t.Fatalf("the socket is still in the hub")
			}
		})
	}
}
