package main

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gobwas/ws"
)

// Proving that nothing else arrives, without waiting: a sentinel is sent
// after the action, and it must be the next frame the socket gets. The
// server sends a user's notifications in id order and its other frames in
// the order they were published, so a frame the action should not have
// sent would arrive before the sentinel; a socket that closed instead
// fails too.

// wsPong is the type of the frame wsClient makes of a WebSocket pong.
const wsPong = "ws.pong"

var sentinels atomic.Int64

// expectNothingElse publishes a marker to each socket's user, through the
// node of the first of their sockets, and asserts that the marker is the
// next frame each socket gets. It returns the id of the last marker.
func expectNothingElse(t *testing.T, sockets ...*wsClient) (marker int64) {
	t.Helper()
	markers := map[int64]int64{}
	for _, w := range sockets {
		if w.user == 0 {
			t.Fatalf("a socket dialled by path has no user to send a sentinel to")
		}
		id, ok := markers[w.user]
		if !ok {
			msg := fmt.Sprintf("sentinel %d", sentinels.Add(1))
			id = publish(t, w.srv, []int64{w.user}, msg)[0]
			markers[w.user] = id
		}
		if f := w.next(); f.ID != id {
			t.Fatalf("user %d got %+v before the sentinel %d", w.user, f, id)
		}
		marker = id
	}
	return marker
}

// expectNoReply proves that the server answered none of the frames the
// test sent on w so far: it sends a WebSocket ping, which the server reads
// after them and answers in the same queue, and asserts that the pong is
// the next frame.
func (w *wsClient) expectNoReply() {
	w.t.Helper()
	payload := fmt.Sprintf("sentinel %d", sentinels.Add(1))
	if err := w.send(ws.OpPing, []byte(payload)); err != nil {
		w.t.Fatalf("ping: %v", err)
	}
	if f := w.next(); f.Type != wsPong || f.Message != payload {
		w.t.Fatalf("got %+v before the pong %q", f, payload)
	}
}

// schedulerPass waits until the node's scheduler has begun a pass after
// this call and finished it, so that anything a pass at the current time
// sends is committed, and ordered before a sentinel sent next. The passes
// follow one another, so the second to begin proves the first ended.
func (s *testServer) schedulerPass() {
	s.t.Helper()
	start, _ := s.node.state()
	deadline := time.After(10 * time.Second)
	for {
		n, next := s.node.state()
		if n >= start+2 {
			return
		}
		select {
		case <-next:
		case <-deadline:
			s.t.Fatalf("the scheduler began no pass within 10s (does %s still read the time?)", schedulerPass)
		}
	}
}
