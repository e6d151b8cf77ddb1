package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"parkmate"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Now().UTC().Truncate(time.Millisecond)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// testServer is a real node on a free port with a temporary database.
type testServer struct {
	t     testing.TB
	app   *App
	base  string
	clock *fakeClock
	cfg   Config
	mu    sync.Mutex
}

// testConfig is a node's configuration for tests: SQLite in a temp dir.
func testConfig(t testing.TB) Config {
	cfg := Config{
		Addr:              "127.0.0.1:0",
		DB:                filepath.Join(t.TempDir(), "test.db"),
		Broker:            "memory",
		JWTSecret:         "test-secret-0123456789-0123456789-0123456789",
		ExpiryWarning:     5 * time.Minute,
		MaxBooking:        24 * time.Hour,
		SessionTTL:        time.Hour,
		PublishKey:        "test-publish-key",
		PasswordCost:      4,
		AuthRate:          0,
		MaxBody:           64 << 10,
		WSMaxFrame:        4096,
		WSQueue:           256,
		WSPing:            30 * time.Second,
		WSWriteTimeout:    5 * time.Second,
		SchedulerInterval: 20 * time.Millisecond,
		ShutdownTimeout:   5 * time.Second,
	}
	return cfg
}

func startServer(t testing.TB, cfg Config, clock *fakeClock) *testServer {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("PARKMATE_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return startServerLog(t, cfg, clock, log)
}

// startServerLog starts a node that logs to log.
func startServerLog(t testing.TB, cfg Config, clock *fakeClock, log *slog.Logger) *testServer {
	t.Helper()
	if clock == nil {
		clock = newFakeClock()
	}
	app, err := NewApp(context.Background(), cfg, Options{Clock: clock, Log: log})
	if err != nil {
		t.Fatalf("new app: %v", err)
	}
	if err := app.Start(context.Background()); err != nil {
		t.Fatalf("start: %v", err)
	}
	s := &testServer{t: t, app: app, base: "http://" + app.Addr(), clock: clock, cfg: cfg}
	t.Cleanup(func() { s.stop() })
	return s
}

func (s *testServer) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.app == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.app.Shutdown(ctx); err != nil {
		s.t.Errorf("shutdown: %v", err)
	}
	s.app = nil
}

// restart stops the node and starts a new one on the same database.
func (s *testServer) restart() {
	s.t.Helper()
	s.stop()
	app, err := NewApp(context.Background(), s.cfg, Options{Clock: s.clock, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		s.t.Fatalf("restart: %v", err)
	}
	if err := app.Start(context.Background()); err != nil {
		s.t.Fatalf("restart: %v", err)
	}
	s.app, s.base = app, "http://"+app.Addr()
}

// user creates an account and signs it in.
func (s *testServer) user(name string, role parkmate.Role) *client {
	s.t.Helper()
	if _, err := s.app.auth.CreateUser(context.Background(), name, name+"-password", role); err != nil {
		s.t.Fatalf("create %s: %v", name, err)
	}
	return s.login(name, name+"-password")
}

func (s *testServer) login(name, password string) *client {
	s.t.Helper()
	c := &client{t: s.t, srv: s}
	var out struct {
		Access string        `json:"access"`
		User   parkmate.User `json:"user"`
	}
	c.mustDo("POST", "/api/auth/login/", map[string]string{"username": name, "password": password}, 200, &out)
	c.token, c.User = out.Access, out.User
	return c
}

// client is a signed-in API user.
type client struct {
	parkmate.User
	t     testing.TB
	srv   *testServer
	token string
}

// do sends a JSON request and decodes the JSON answer into out.
func (c *client) do(method, path string, body any, out any) int {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		if raw, ok := body.(string); ok {
			rd = strings.NewReader(raw)
		} else {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
	}
	req, err := http.NewRequest(method, c.srv.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatalf("%s %s: decode %q: %v", method, path, raw, err)
		}
	}
	return resp.StatusCode
}

func (c *client) mustDo(method, path string, body any, want int, out any) {
	c.t.Helper()
	var raw json.RawMessage
	got := c.do(method, path, body, &raw)
	if got != want {
		c.t.Fatalf("%s %s: status %d, want %d: %s", method, path, got, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatalf("%s %s: decode: %v", method, path, err)
		}
	}
}

// frame is a notification frame as a client sees it.
type frame struct {
	ID        int64           `json:"id"`
	Type      string          `json:"type"`
	Message   string          `json:"message"`
	Event     string          `json:"event"`
	Data      json.RawMessage `json:"data"`
	CreatedAt string          `json:"created_at"`
	IDs       []int64         `json:"ids"`
	UpTo      int64           `json:"up_to"`
}

// wsClient is a real WebSocket client reading frames in the background.
type wsClient struct {
	t      testing.TB
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
	return dialWS(c.t, c.srv, fmt.Sprintf("/ws/notifications/%d/%s", c.ID, query), header)
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

// expectQuiet checks that no frame arrives for a short while. Another
// frame committed later for the same socket would arrive after any frame
// that should not have been sent, so a later expect also catches leaks.
func (w *wsClient) expectQuiet(d time.Duration) {
	w.t.Helper()
	select {
	case f, ok := <-w.frames:
		if ok {
			w.t.Fatalf("unexpected frame %+v", f)
		}
	case <-time.After(d):
	}
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

// doKey sends a request with a service key instead of a token.
func (c *client) doKey(method, path string, body any, key string, out any) int {
	c.t.Helper()
	b, _ := json.Marshal(body)
	req, err := http.NewRequest(method, c.srv.base+path, bytes.NewReader(b))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("X-API-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && len(raw) > 0 {
		_ = json.Unmarshal(raw, out)
	}
	return resp.StatusCode
}
