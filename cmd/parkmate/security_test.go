package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"parkmate"
	"parkmate/httpapi"
	"parkmate/internal/testservices"
)

// sendRaw sends body as it is (a JSON text, or nothing) with headers, and
// returns the status and the error code of the answer.
func sendRaw(t testing.TB, srv *testServer, method, path, body string, header http.Header) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var reply errorReply
	_ = json.NewDecoder(resp.Body).Decode(&reply)
	return resp.StatusCode, reply.Error.Code
}

// TestCrossSiteRequestsWithTheCookieAreRefused: a state-changing request
// carrying the session cookie is refused with 403 when the browser marks
// it cross-site or same-site, or its Origin is neither the server's own
// nor configured (scheme, host and port compared), bodiless POSTs and
// sign-in included; the same request with a Bearer token, or from the
// server's own or a configured origin, goes through.
func TestCrossSiteRequestsWithTheCookieAreRefused(t *testing.T) {
	cfg := testConfig(t)
	cfg.AllowedOrigins = "https://app.example"
	srv := startServer(t, cfg, nil)
	w := newWorld(t, srv)
	b := w.book(t, 0, 30)
	var pay parkmate.Payment
	w.driver.mustDo("POST", fmt.Sprintf("/api/bookings/%d/payments/", b.ID), map[string]any{"method": "CASH", "amount": 5}, 201, &pay)
	own := "http://" + srv.app.Addr()
	cancel := fmt.Sprintf("/api/bookings/%d/cancel/", b.ID)
	checkForeignOriginsRefused(t, srv, w, cancel)
	checkCrossSitePostsRefused(t, srv, w, b, pay)
	checkNothingChangedByRefused(t, srv, w, b)
	checkOwnOriginsAllowed(t, srv, w, own, cancel)
	checkSocketOrigins(t, srv, w, own)
}

// sessionCookie is a header with c's session cookie and the name-value
// pairs of more.
func sessionCookie(c *client, more ...string) http.Header {
	h := http.Header{"Cookie": {httpapi.CookieName + "=" + c.token}}
	for i := 0; i+1 < len(more); i += 2 {
		h.Set(more[i], more[i+1])
	}
	return h
}

// crossSite marks a request as the browser does for another site's.
var crossSite = []string{"Sec-Fetch-Site", "cross-site"}

// checkForeignOriginsRefused: a cancel with the cookie, marked cross-site
// or same-site or from an origin that is not allowed, is refused.
func checkForeignOriginsRefused(t *testing.T, srv *testServer, w *world, cancel string) {
	t.Helper()
	_, port, _ := strings.Cut(srv.app.Addr(), ":")
	refused := []struct {
		name   string
		header []string
	}{
		{"marked cross-site", []string{"Sec-Fetch-Site", "cross-site"}},
		{"marked same-site", []string{"Sec-Fetch-Site", "same-site", "Origin", "http://other.localhost:" + port}},
		{"a foreign origin (an old browser)", []string{"Origin", "http://evil.example"}},
		{"the server's host on another port", []string{"Origin", "http://" + strings.Replace(srv.app.Addr(), port, "1", 1)}},
		{"the configured origin over http", []string{"Origin", "http://app.example"}},
		{"the configured origin on another port", []string{"Origin", "https://app.example:8443"}},
		{"the configured origin with a suffix", []string{"Origin", "https://app.example.evil.example"}},
		{"a null origin", []string{"Origin", "null"}},
	}
	for _, tc := range refused {
		if got, code := sendRaw(t, srv, "POST", cancel, "", sessionCookie(w.driver, tc.header...)); got != 403 || code != "forbidden" {
			t.Errorf("cancel, %s: %d %s, want 403", tc.name, got, code)
		}
	}
}

// checkCrossSitePostsRefused: every bodiless POST, and signing in and
// out, marked cross-site with the cookie, is refused.
func checkCrossSitePostsRefused(t *testing.T, srv *testServer, w *world, b parkmate.Booking, pay parkmate.Payment) {
	t.Helper()
	for _, tc := range []struct {
		as   *client
		path string
		body string
	}{
		{w.owner, fmt.Sprintf("/api/bookings/%d/complete/", b.ID), ""},
		{w.owner, fmt.Sprintf("/api/payments/%d/verify/", pay.ID), ""},
		{w.owner, "/api/notifications/read-all/", ""},
		{w.owner, "/api/notifications/1/read/", ""},
		{w.driver, "/api/auth/logout/", ""},
		{w.driver, "/api/bookings/", fmt.Sprintf(`{"slot_id":%d,"minutes":5}`, w.slots[1].ID)},
		{&client{}, "/api/auth/login/", `{"username":"dana","password":"dana-password"}`},
		{&client{}, "/api/auth/register/", `{"username":"mallory","password":"long-enough"}`},
	} {
		if got, code := sendRaw(t, srv, "POST", tc.path, tc.body, sessionCookie(tc.as, crossSite...)); got != 403 || code != "forbidden" {
			t.Errorf("%s from another site: %d %s, want 403", tc.path, got, code)
		}
	}
}

// checkNothingChangedByRefused: the booking is active, the payment
// pending, and the cookie still signs in.
func checkNothingChangedByRefused(t *testing.T, srv *testServer, w *world, b parkmate.Booking) {
	t.Helper()
	var got parkmate.Booking
	w.driver.mustDo("GET", fmt.Sprintf("/api/bookings/%d/", b.ID), nil, 200, &got)
	var pays struct{ Items []parkmate.Payment }
	w.driver.mustDo("GET", "/api/payments/", nil, 200, &pays)
	if got.Status != parkmate.BookingActive || len(pays.Items) != 1 || pays.Items[0].Status != parkmate.PaymentPending {
		t.Fatalf("changed by refused requests: %+v %+v", got, pays.Items)
	}
	if s, _ := sendRaw(t, srv, "GET", "/api/me/", "", sessionCookie(w.driver, crossSite...)); s != 200 {
		t.Fatalf("a cross-site read with the cookie: %d (reads are allowed)", s)
	}
}

// checkOwnOriginsAllowed: the Bearer header from anywhere, the server's
// own origin, the configured origin, a same-origin fetch go through.
func checkOwnOriginsAllowed(t *testing.T, srv *testServer, w *world, own, cancel string) {
	t.Helper()
	bearer := http.Header{"Authorization": {"Bearer " + w.owner.token}, "Sec-Fetch-Site": {"cross-site"}}
	if s, code := sendRaw(t, srv, "POST", "/api/notifications/read-all/", "", bearer); s != 200 {
		t.Fatalf("Bearer, cross-site: %d %s", s, code)
	}
	if s, code := sendRaw(t, srv, "POST", "/api/notifications/read-all/", "", sessionCookie(w.owner, "Sec-Fetch-Site", "same-origin", "Origin", own)); s != 200 {
		t.Fatalf("same-origin: %d %s", s, code)
	}
	if s, code := sendRaw(t, srv, "POST", "/api/notifications/read-all/", "", sessionCookie(w.owner, "Origin", own)); s != 200 {
		t.Fatalf("the server's own origin: %d %s", s, code)
	}
	if s, code := sendRaw(t, srv, "POST", cancel, "", sessionCookie(w.driver, "Sec-Fetch-Site", "cross-site", "Origin", "https://app.example")); s != 200 {
		t.Fatalf("the configured origin: %d %s", s, code)
	}
}

// checkSocketOrigins: sockets follow the same rule before the upgrade.
func checkSocketOrigins(t *testing.T, srv *testServer, w *world, own string) {
	t.Helper()
	path := fmt.Sprintf("/ws/notifications/%d/", w.driver.ID)
	for _, origin := range []string{"http://evil.example", "http://app.example", "https://app.example:8443", "null"} {
		if resp, body := wsHandshake(t, srv, path, sessionCookie(w.driver, "Origin", origin)); resp.StatusCode != 403 {
			t.Errorf("socket from %s: %d %s", origin, resp.StatusCode, body)
		}
	}
	if resp, body := wsHandshake(t, srv, path, sessionCookie(w.driver, "Origin", own, "Sec-Fetch-Site", "cross-site")); resp.StatusCode != 403 {
		t.Errorf("socket marked cross-site: %d %s", resp.StatusCode, body)
	}
	for _, origin := range []string{own, "https://app.example"} {
		if resp, body := wsHandshake(t, srv, path, sessionCookie(w.driver, "Origin", origin)); resp.StatusCode != 101 {
			t.Errorf("socket from %s: %d %s", origin, resp.StatusCode, body)
		}
	}
}

// TestAllowedOriginsStarIsRefusedAtStart: --allowed-origins "*" (which
// used to echo any Origin, null included, with credentials) and other
// values that are not origins stop the server before it opens anything.
func TestAllowedOriginsStarIsRefusedAtStart(t *testing.T) {
	db := filepath.Join(t.TempDir(), "never.db")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := func(args ...string) error {
		var out, errs bytes.Buffer
		return run(ctx, append(args, "--db", db, "--addr", "127.0.0.1:0"), strings.NewReader(""), &out, &errs)
	}
	for value, want := range map[string]string{
		"*":                      `"*" is not allowed`,
		"https://app.example, *": `"*" is not allowed`,
		"null":                   `"null" is not allowed`,
		"app.example":            "http(s)://host[:port]",
		"https://app.example/x":  "http(s)://host[:port]",
	} {
		err := start("--allowed-origins", value)
		if err == nil || !strings.Contains(err.Error(), "--allowed-origins") || !strings.Contains(err.Error(), want) {
			t.Errorf("--allowed-origins %q: %v", value, err)
		}
	}
	t.Setenv("PARKMATE_ALLOWED_ORIGINS", "*")
	if err := start(); err == nil || !strings.Contains(err.Error(), `"*" is not allowed`) {
		t.Errorf("PARKMATE_ALLOWED_ORIGINS=*: %v", err)
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Fatalf("the database was created: %v", err)
	}
}

// TestNULAndInvalidUTF8AreRefused: on both engines, NUL (raw or \u0000),
// bytes that are not UTF-8 and half a surrogate pair are refused with 422
// in any string of a body or query, and nothing is stored. (PostgreSQL
// answered 500; SQLite stored them.)
func TestNULAndInvalidUTF8AreRefused(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			cfg := testConfig(t)
			if engine == "postgres" {
				cfg.DB = testservices.Postgres(t)
			}
			srv := startServer(t, cfg, nil)
			owner := srv.user("oscar", parkmate.RoleOwner)
			admin := srv.user("ada", parkmate.RoleAdmin)
			as := func(c *client) http.Header { return http.Header{"Authorization": {"Bearer " + c.token}} }
			key := http.Header{"X-API-Key": {srv.cfg.PublishKey}}
			publish := func(field string) string {
				return fmt.Sprintf(`{"user_ids":[%d],"type":"info","message":"hi",%s}`, owner.ID, field)
			}
			for _, tc := range []struct {
				name, method, path, body string
				header                   http.Header
			}{
				{"a NUL in a username to sign in", "POST", "/api/auth/login/", `{"username":"oscar\u0000","password":"oscar-password"}`, nil},
				{"a NUL in a new password", "POST", "/api/auth/register/", `{"username":"zed","password":"long-enough\u0000"}`, nil},
				{"a NUL in a lot's name", "POST", "/api/lots/", `{"name":"A\u0000B","slots":1}`, as(owner)},
				{"a raw NUL byte", "POST", "/api/lots/", "{\"name\":\"A\x00B\",\"slots\":1}", as(owner)},
				{"a byte that is not UTF-8", "POST", "/api/lots/", "{\"name\":\"A\xffB\",\"slots\":1}", as(owner)},
				{"half a surrogate pair", "POST", "/api/lots/", `{"name":"A\ud83dB","slots":1}`, as(owner)},
				{"a lone low surrogate", "POST", "/api/lots/", `{"name":"A\ude97B","slots":1}`, as(owner)},
				{"a NUL in a role", "POST", "/api/users/", `{"username":"eve","password":"long-enough","role":"driver\u0000"}`, as(admin)},
				{"a NUL in a message", "POST", "/api/publish/", fmt.Sprintf(`{"user_ids":[%d],"type":"info","message":"a\u0000b"}`, owner.ID), key},
				{"a NUL in an event", "POST", "/api/publish/", publish(`"event":"a.b\u0000"`), key},
				{"a NUL in data", "POST", "/api/publish/", publish(`"data":{"x":"\u0000"}`), key},
				{"a NUL in a key of data", "POST", "/api/publish/", publish(`"data":{"\u0000":1}`), key},
				{"half a surrogate pair in data", "POST", "/api/publish/", publish(`"data":{"x":"\udc00"}`), key},
				{"a NUL in a query", "GET", "/api/bookings/?status=%00", "", as(owner)},
				{"a query that is not UTF-8", "GET", "/api/users/?role=%ff", "", as(admin)},
			} {
				if got, code := sendRaw(t, srv, tc.method, tc.path, tc.body, tc.header); got != 422 || code != "validation_failed" {
					t.Errorf("%s: %d %q, want 422", tc.name, got, code)
				}
			}
			var lots struct{ Items []parkmate.Lot }
			owner.mustDo("GET", "/api/lots/", nil, 200, &lots)
			var inbox struct{ Items []json.RawMessage }
			owner.mustDo("GET", "/api/notifications/", nil, 200, &inbox)
			if len(lots.Items) != 0 || len(inbox.Items) != 0 {
				t.Fatalf("stored: %d lots, %d notifications", len(lots.Items), len(inbox.Items))
			}
			// A whole surrogate pair, an escaped backslash before "u0000", and
			// text in other scripts are fine.
			if got, code := sendRaw(t, srv, "POST", "/api/lots/", `{"name":"Car \ud83d\ude97 \\u0000 Zürich 東京","slots":1}`, as(owner)); got != 201 {
				t.Fatalf("a lot with a car emoji: %d %s", got, code)
			}
			owner.mustDo("GET", "/api/lots/", nil, 200, &lots)
			if len(lots.Items) != 1 || lots.Items[0].Name != "Car 🚗 \\u0000 Zürich 東京" {
				t.Fatalf("lots %+v", lots.Items)
			}
		})
	}
}
