package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"parkmate"
)

// testServer is a real node on a free port with a temporary database.
type testServer struct {
	t     testing.TB
	app   *App
	base  string
	clock *fakeClock
	node  *nodeClock // the clock as this node reads it
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
	node := newNodeClock(clock)
	app, err := NewApp(context.Background(), cfg, Options{Clock: node, Log: log})
	if err != nil {
		t.Fatalf("new app: %v", err)
	}
	if err := app.Start(context.Background()); err != nil {
		t.Fatalf("start: %v", err)
	}
	s := &testServer{t: t, app: app, base: "http://" + app.Addr(), clock: clock, node: node, cfg: cfg}
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
	app, err := NewApp(context.Background(), s.cfg, Options{Clock: s.node, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
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
