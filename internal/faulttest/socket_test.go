package faulttest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// frame is a notification frame as the contract defines it.
type frame struct {
	ID        int64           `json:"id"`
	Type      string          `json:"type"`
	Message   string          `json:"message"`
	Event     string          `json:"event"`
	Data      json.RawMessage `json:"data"`
	CreatedAt string          `json:"created_at"`
}

// arrival is a frame and when the client read it.
type arrival struct {
	frame
	at time.Time
}

// socket is a client's notification WebSocket. A goroutine reads it,
// timestamps every frame and answers pings.
type socket struct {
	name   string // e.g. "B/u1", for messages
	conn   net.Conn
	frames chan arrival // closed when the connection ends
	end    closeInfo    // valid once frames is closed
}

// closeInfo is how a socket ended: the close code the server sent, or
// 1006 and the read error when it sent none.
type closeInfo struct {
	code   int
	reason string
	err    error
}

// errTimeout is next's answer when no frame came in time.
var errTimeout = errors.New("no frame in time")

// dial opens u's socket on n with token and query (such as "?since=5").
func dial(t *testing.T, n *node, u *user, token, query string) *socket {
	t.Helper()
	status := 0
	d := ws.Dialer{
		Header:        ws.HandshakeHeaderHTTP(bearer(token)),
		OnStatusError: func(s int, _ []byte, _ io.Reader) { status = s },
		Timeout:       requestTimeout,
	}
	url := fmt.Sprintf("ws://%s/ws/notifications/%d/%s", strings.TrimPrefix(n.URL, "http://"), u.id, query)
	conn, br, _, err := d.Dial(context.Background(), url)
	if err != nil {
		t.Fatalf("socket of %s on node %s (%s): status %d: %v", u.name, n.Name, query, status, err)
	}
	s := &socket{name: n.Name + "/" + u.name, conn: conn, frames: make(chan arrival, 4096)}
	var rd io.Reader = conn
	if br != nil {
		rd = io.MultiReader(br, conn)
	}
	go s.read(rd)
	t.Cleanup(func() { conn.Close() })
	return s
}

func (s *socket) read(rd io.Reader) {
	defer close(s.frames)
	for {
		h, err := ws.ReadHeader(rd)
		if err != nil {
			s.end = closeInfo{code: 1006, err: err}
			return
		}
		payload := make([]byte, h.Length)
		if _, err := io.ReadFull(rd, payload); err != nil {
			s.end = closeInfo{code: 1006, err: err}
			return
		}
		switch h.OpCode {
		case ws.OpClose:
			code, reason := ws.ParseCloseFrameData(payload)
			s.end = closeInfo{code: int(code), reason: reason}
			_ = wsutil.WriteClientMessage(s.conn, ws.OpClose, ws.NewCloseFrameBody(code, ""))
			return
		case ws.OpPing:
			_ = wsutil.WriteClientMessage(s.conn, ws.OpPong, payload)
		case ws.OpText:
			var f frame
			if err := json.Unmarshal(payload, &f); err != nil {
				s.end = closeInfo{code: 1006, err: fmt.Errorf("undecodable frame %q: %w", payload, err)}
				return
			}
			s.frames <- arrival{frame: f, at: time.Now()}
		}
	}
}

// next returns the next frame, errTimeout when none came by until, or an
// error saying how the socket ended. A frame already read is returned
// even when until has passed (its arrival time tells whether it was late).
func (s *socket) next(until time.Time) (arrival, error) {
	select {
	case a, ok := <-s.frames:
		return s.got(a, ok)
	default:
	}
	timer := time.NewTimer(time.Until(until))
	defer timer.Stop()
	select {
	case a, ok := <-s.frames:
		return s.got(a, ok)
	case <-timer.C:
		return arrival{}, errTimeout
	}
}

func (s *socket) got(a arrival, ok bool) (arrival, error) {
	if !ok {
		return arrival{}, fmt.Errorf("socket %s ended: close %d %q (%v)", s.name, s.end.code, s.end.reason, s.end.err)
	}
	return a, nil
}

// waitClose waits until the server closes the socket, skipping frames,
// and returns how it ended; ok is false if it was still open at until.
func (s *socket) waitClose(until time.Time) (closeInfo, bool) {
	for {
		_, err := s.next(until)
		switch {
		case errors.Is(err, errTimeout):
			return closeInfo{}, false
		case err != nil:
			return s.end, true
		}
	}
}
