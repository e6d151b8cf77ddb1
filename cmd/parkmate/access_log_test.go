package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"parkmate/httpapi"
)

// syncBuffer is a log destination safe for concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestAccessLog: every request gets one structured line with its method,
// path without the query, status, duration, user and request id (the
// response's X-Request-ID), and nothing in the log, at debug level,
// holds a password, a token, a cookie or the service key.
func TestAccessLog(t *testing.T) {
	var logs syncBuffer
	srv := startServerLog(t, testConfig(t), nil, slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	const password, wrong = "Pw-9f3k-never-logged", "Wrong-7x2q-never-logged"
	r := &accessRecorder{t: t, srv: srv, ids: map[string]accessSent{}}
	creds := func(p string) string { return fmt.Sprintf(`{"username":"dana","password":%q}`, p) }
	r.record(accessSent{method: "POST", path: "/api/auth/register/", body: creds(password), status: 201, user: true})
	r.record(accessSent{method: "POST", path: "/api/auth/login/", body: creds(password), status: 200, user: true})
	r.record(accessSent{method: "POST", path: "/api/auth/login/", body: creds(wrong), status: 401})
	token := r.token
	bearer := http.Header{"Authorization": {"Bearer " + token}}
	cookie := http.Header{"Cookie": {httpapi.CookieName + "=" + token}}
	r.record(accessSent{method: "GET", path: "/api/me/?access=" + token + "&password=" + password, header: cookie, status: 200,
		loggedPath: "/api/me/", user: true})
	r.record(accessSent{method: "GET", path: "/api/notifications/?since=0&limit=5", header: bearer, status: 200, loggedPath: "/api/notifications/", user: true})
	r.record(accessSent{method: "GET", path: "/api/bookings/", header: http.Header{"X-Request-ID": {"trace-42"}, "Authorization": {"Bearer " + token}}, status: 200, user: true})
	r.record(accessSent{method: "POST", path: "/api/publish/", header: http.Header{"X-API-Key": {cfgPublishKey(srv)}},
		body: `{"user_ids":[1],"type":"info","message":"hello"}`, status: 202})
	r.record(accessSent{method: "GET", path: "/api/me/", header: http.Header{"Authorization": {"Bearer not-a-token"}}, status: 401})
	// A 101 is written by the upgrader, without X-Request-ID: the socket
	// brings its own.
	resp, _ := wsHandshake(t, srv, "/ws/notifications/1/?since=0", http.Header{"Authorization": {"Bearer " + r.token}, "X-Request-ID": {"socket-1"}})
	if resp.StatusCode != 101 {
		t.Fatalf("socket: %d", resp.StatusCode)
	}
	r.ids["socket-1"] = accessSent{method: "GET", path: "/ws/notifications/1/", loggedPath: "/ws/notifications/1/", status: 101, user: true}
	if _, ok := r.ids["trace-42"]; !ok {
		t.Fatalf("a proxy's X-Request-ID was not kept: %v", r.ids)
	}

	lines := readAccessLines(t, &logs, len(r.ids))
	if len(lines) != len(r.ids) {
		t.Fatalf("%d access-log lines for %d requests:\n%s", len(lines), len(r.ids), logs.String())
	}
	checkAccessLines(t, r.ids, lines)
	text := logs.String()
	for what, secret := range map[string]string{"the password": password, "a wrong password": wrong, "the token": r.token,
		"the service key": cfgPublishKey(srv), "a JWT": "eyJ", "the cookie": httpapi.CookieName, "a query": "?"} {
		if strings.Contains(text, secret) {
			t.Errorf("the log holds %s (%q):\n%s", what, secret, text)
		}
	}
}

// accessSent is a request of TestAccessLog and the line it should log.
type accessSent struct {
	method, path string
	header       http.Header
	body         string
	status       int
	loggedPath   string
	user         bool // the line names dana
}

// accessRecorder sends the requests of TestAccessLog, keeps the last
// access token answered, and the requests by their X-Request-ID.
type accessRecorder struct {
	t     *testing.T
	srv   *testServer
	token string
	ids   map[string]accessSent
}

// send sends s, checks its status and returns the X-Request-ID answered.
func (r *accessRecorder) send(s accessSent) string {
	t := r.t
	req, _ := http.NewRequest(s.method, r.srv.base+s.path, strings.NewReader(s.body))
	for k, v := range s.header {
		req.Header[k] = v
	}
	if s.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Access string }
	_ = json.NewDecoder(resp.Body).Decode(&out)
	if out.Access != "" {
		r.token = out.Access
	}
	if resp.StatusCode != s.status {
		t.Fatalf("%s %s: %d, want %d", s.method, s.path, resp.StatusCode, s.status)
	}
	return resp.Header.Get("X-Request-ID")
}

// record sends s and keeps it under its request id.
func (r *accessRecorder) record(s accessSent) {
	if s.loggedPath == "" {
		s.loggedPath = s.path
	}
	r.ids[r.send(s)] = s
}

// accessLine is one line of the JSON log.
type accessLine struct {
	Msg       string  `json:"msg"`
	Method    string  `json:"method"`
	Path      string  `json:"path"`
	Status    int     `json:"status"`
	Duration  *int64  `json:"duration"`
	UserID    *int64  `json:"user_id"`
	RequestID string  `json:"request_id"`
	Level     string  `json:"level"`
	Other     float64 `json:"-"`
}

// readAccessLines returns the access-log lines of logs by request id,
// waiting up to 5 seconds for want of them; two lines for one request
// stop the test.
func readAccessLines(t *testing.T, logs *syncBuffer, want int) map[string]accessLine {
	t.Helper()
	var lines map[string]accessLine
	deadline := time.Now().Add(5 * time.Second)
	for {
		lines = map[string]accessLine{}
		for _, raw := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
			var l accessLine
			if json.Unmarshal([]byte(raw), &l) == nil && l.Msg == "request" {
				if _, dup := lines[l.RequestID]; dup {
					t.Fatalf("two lines for request %s", l.RequestID)
				}
				lines[l.RequestID] = l
			}
		}
		if len(lines) >= want || time.Now().After(deadline) {
			return lines
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkAccessLines: each request has its line, with the method, the path
// as logged, the status, a duration, the user and level INFO.
func checkAccessLines(t *testing.T, ids map[string]accessSent, lines map[string]accessLine) {
	t.Helper()
	for id, s := range ids {
		l, ok := lines[id]
		wantUser := int64(0)
		if s.user {
			wantUser = 1 // dana is the first account
		}
		if !ok || l.Method != s.method || l.Path != s.loggedPath || l.Status != s.status || l.Duration == nil ||
			l.UserID == nil || *l.UserID != wantUser || l.Level != "INFO" {
			t.Errorf("request %s %s: line %+v", s.method, s.path, l)
		}
	}
}

func cfgPublishKey(srv *testServer) string { return srv.cfg.PublishKey }
