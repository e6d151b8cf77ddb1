package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// frame is a frame as a client sees it: a notification, or one of the
// proto-2 frames (read state, live changes, slots, watching).
type frame struct {
	ID        int64           `json:"id"`
	Type      string          `json:"type"`
	Message   string          `json:"message"`
	Event     string          `json:"event"`
	Data      json.RawMessage `json:"data"`
	CreatedAt string          `json:"created_at"`
	IDs       []int64         `json:"ids"`
	UpTo      int64           `json:"up_to"`
	Resource  string          `json:"resource"`
	BookingID int64           `json:"booking_id"`
	LotID     int64           `json:"lot_id"`
	Status    string          `json:"status"`
	SlotID    int64           `json:"slot_id"`
	Number    int             `json:"number"`
	Free      bool            `json:"free"`
	FreeSlots int             `json:"free_slots"`
	Lots      []int64         `json:"lots"`
	Refused   []int64         `json:"refused"`
}

// wsClient is a real WebSocket client reading frames in the background.
type wsClient struct {
	t      testing.TB
	srv    *testServer // the node the socket is on
	user   int64       // whose socket it is; 0 when dialled by path
	conn   net.Conn
	frames chan frame
	closed chan closeInfo
}

type closeInfo struct {
	code   int
	reason string
	err    error
}

// dialWS opens the user's socket with query and headers (nil: Bearer).
func (c *client) dialWS(query string, header http.Header) (*wsClient, *http.Response, error) {
	if header == nil {
		header = http.Header{"Authorization": {"Bearer " + c.token}}
	}
	w, resp, err := dialWS(c.t, c.srv, fmt.Sprintf("/ws/notifications/%d/%s", c.ID, query), header)
	if w != nil {
		w.srv, w.user = c.srv, c.ID
	}
	return w, resp, err
}

func dialWS(t testing.TB, s *testServer, path string, header http.Header) (*wsClient, *http.Response, error) {
	var resp *http.Response
	d := ws.Dialer{
		Header: ws.HandshakeHeaderHTTP(header),
		OnStatusError: func(status int, reason []byte, r io.Reader) {
			resp = &http.Response{StatusCode: status}
			body, _ := io.ReadAll(io.LimitReader(r, 4096))
			resp.Body = io.NopCloser(bytes.NewReader(body))
		},
		Timeout: 5 * time.Second,
	}
	conn, br, _, err := d.Dial(context.Background(), "ws://"+strings.TrimPrefix(s.base, "http://")+path)
	if err != nil {
		return nil, resp, err
	}
	w := &wsClient{t: t, conn: conn, frames: make(chan frame, 100000), closed: make(chan closeInfo, 1)}
	var rd io.Reader = conn
	if br != nil {
		rd = io.MultiReader(br, conn)
	}
	go w.read(rd)
	t.Cleanup(func() { conn.Close() })
	return w, resp, nil
}

func (c *client) mustDialWS(query string) *wsClient {
	c.t.Helper()
	w, resp, err := c.dialWS(query, nil)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		c.t.Fatalf("dial ws: %v (status %d)", err, status)
	}
	return w
}

func (w *wsClient) read(rd io.Reader) {
	defer close(w.frames)
	for {
		h, err := ws.ReadHeader(rd)
		if err != nil {
			w.closed <- closeInfo{code: 1006, err: err}
			return
		}
		payload := make([]byte, h.Length)
		if _, err := io.ReadFull(rd, payload); err != nil {
			w.closed <- closeInfo{code: 1006, err: err}
			return
		}
		switch h.OpCode {
		case ws.OpClose:
			code, reason := ws.ParseCloseFrameData(payload)
			w.closed <- closeInfo{code: int(code), reason: reason}
			_ = wsutil.WriteClientMessage(w.conn, ws.OpClose, ws.NewCloseFrameBody(code, ""))
			return
		case ws.OpPing:
			_ = wsutil.WriteClientMessage(w.conn, ws.OpPong, payload)
		case ws.OpPong:
			// The answer to a WebSocket ping the test sent (expectNoReply).
			w.frames <- frame{Type: wsPong, Message: string(payload)}
		case ws.OpText:
			var f frame
			if err := json.Unmarshal(payload, &f); err != nil {
				w.closed <- closeInfo{code: 1006, err: fmt.Errorf("bad frame %q: %w", payload, err)}
				return
			}
			w.frames <- f
		}
	}
}

// next returns the next frame or fails after a generous timeout.
func (w *wsClient) next() frame {
	w.t.Helper()
	select {
	case f, ok := <-w.frames:
		if !ok {
			ci := <-w.closed
			w.t.Fatalf("socket closed while a frame was expected: %d %q %v", ci.code, ci.reason, ci.err)
		}
		return f
	case <-time.After(10 * time.Second):
		w.t.Fatalf("no frame within 10s")
	}
	return frame{}
}

// expect reads the next frame and checks its event and type.
func (w *wsClient) expect(event, level string) frame {
	w.t.Helper()
	f := w.next()
	if f.Event != event || f.Type != level {
		w.t.Fatalf("frame %+v: want event %s type %s", f, event, level)
	}
	if f.ID <= 0 || f.Message == "" || f.CreatedAt == "" {
		w.t.Fatalf("frame %+v lacks id, message or created_at", f)
	}
	if _, err := time.Parse(time.RFC3339, f.CreatedAt); err != nil {
		w.t.Fatalf("created_at %q is not RFC 3339: %v", f.CreatedAt, err)
	}
	return f
}

// expectClose waits for the server to close the socket with code.
func (w *wsClient) expectClose(code int) closeInfo {
	w.t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case <-w.frames:
			continue
		case ci := <-w.closed:
			if ci.code != code {
				w.t.Fatalf("closed with %d %q (%v), want %d", ci.code, ci.reason, ci.err, code)
			}
			return ci
		case <-deadline:
			w.t.Fatalf("socket not closed within 10s, want close %d", code)
		}
	}
}

func (w *wsClient) send(op ws.OpCode, payload []byte) error {
	return wsutil.WriteClientMessage(w.conn, op, payload)
}
