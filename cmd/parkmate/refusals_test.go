package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/gobwas/ws"

	"parkmate"
)

func TestHugeMinutesAreRefused(t *testing.T) {
	srv := startServer(t, testConfig(t), nil)
	w := newWorld(t, srv)
	w.driver.mustDo("POST", "/api/bookings/", map[string]any{"slot_id": w.slots[0].ID, "minutes": int64(1) << 53}, 422, nil)
	b := w.book(t, 0, 30)
	var reply errorReply
	if got := w.driver.do("POST", fmt.Sprintf("/api/bookings/%d/renew/", b.ID), map[string]any{"minutes": int64(1)<<53 - 120}, &reply); got != 422 || reply.Error.Code != "max_length_exceeded" {
		t.Fatalf("huge renewal: %d %+v", got, reply)
	}
	w.wDriver.expect("booking.renew_failed", "error")
	var got parkmate.Booking
	w.driver.mustDo("GET", fmt.Sprintf("/api/bookings/%d/", b.ID), nil, 200, &got)
	if !got.EndsAt.Equal(b.EndsAt) {
		t.Fatalf("ends_at moved: %v -> %v", b.EndsAt, got.EndsAt)
	}
}

func TestOversizedControlFrameIsRefused(t *testing.T) {
	srv := startServer(t, testConfig(t), nil)
	u := srv.user("dana", parkmate.RoleDriver)
	w := u.mustDialWS("")
	if err := w.send(ws.OpPing, []byte(strings.Repeat("p", 200))); err != nil {
		t.Fatal(err)
	}
	w.expectClose(1002)
}

func TestStrictJSONAndJSONErrorsEverywhere(t *testing.T) {
	cfg := testConfig(t)
	cfg.AllowedOrigins = "http://app.example"
	srv := startServer(t, cfg, nil)
	owner := srv.user("oscar", parkmate.RoleOwner)
	for _, body := range []string{`{"name":"a","slots":1,"NAME":"b"}`, `{"name":"a","slots":1,"slots":2}`, `null`, `[]`, `"x"`} {
		var reply errorReply
		if got := owner.do("POST", "/api/lots/", body, &reply); got != 400 || reply.Error.Message == "" || strings.Contains(reply.Error.Message, "struct") {
			t.Fatalf("%s: %d %+v", body, got, reply)
		}
	}
	anon := &client{t: t, srv: srv}
	anon.mustDo("POST", "/api/auth/register/", map[string]string{"username": "Dana", "password": "long-enough"}, 201, nil)
	anon.mustDo("POST", "/api/auth/register/", map[string]string{"username": "dana", "password": "long-enough"}, 409, nil)
	for _, tc := range []struct {
		method, path string
		want         int
	}{
		{"PUT", "/api/bookings/", 405},
		{"DELETE", "/api/me", 405},
		{"OPTIONS", "/api/me/", 405},
		{"POST", "/api/nothing/", 404},
		{"GET", "/api", 404},
		{"GET", "/ws/notifications/1/extra/", 404},
		{"POST", "/ws/notifications/1/", 405},
		{"GET", "/ws/notifications/1/", 400}, // not a WebSocket handshake
	} {
		req, _ := http.NewRequest(tc.method, srv.base+tc.path, nil)
		req.Header.Set("Authorization", "Bearer "+owner.token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("%s %s: %d %s", tc.method, tc.path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
	// A configured origin gets CORS with credentials; another does not.
	for origin, want := range map[string]string{"http://app.example": "http://app.example", "http://evil.example": ""} {
		req, _ := http.NewRequest("OPTIONS", srv.base+"/api/me/", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "GET")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != want {
			t.Fatalf("preflight from %s: allow-origin %q", origin, got)
		}
	}
}
