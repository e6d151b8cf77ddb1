package httpapi_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"parkmate"
	"parkmate/httpapi"
	"parkmate/parking"
)

// TestConfig checks the settings a client reads, and that the words of
// events 1 and 2 it gets are those of the stored notifications.
func TestConfig(t *testing.T) {
	a := newAPI(t, httpapi.Config{}, nil)
	a.run([]call{{"config", "", "GET", "/api/config/", nil, 200, "",
		[]string{"expiry_warning_seconds", "max_booking_minutes", "carwash_services", "messages", "currency", "price_per_hour"}, nil}})
	var cfg struct {
		ExpiryWarningSeconds int               `json:"expiry_warning_seconds"`
		MaxBookingMinutes    int               `json:"max_booking_minutes"`
		CarWashServices      []string          `json:"carwash_services"`
		Messages             map[string]string `json:"messages"`
	}
	a.get("", "/api/config/", &cfg)
	want := map[string]string{
		parkmate.EventBookingExpiring: "Your booking will expire in 5 minutes!",
		parkmate.EventBookingExpired:  "Your booking has expired. Slot released.",
	}
	if cfg.ExpiryWarningSeconds != 300 || cfg.MaxBookingMinutes != 1440 || strings.Join(cfg.CarWashServices, ",") != "exterior,interior,full" ||
		!maps.Equal(cfg.Messages, want) {
		t.Fatalf("config %+v", cfg)
	}
	// The same words as the scheduler stores, whatever the warning.
	b := a.book("dana")
	for _, d := range []time.Duration{56 * time.Minute, 4 * time.Minute} {
		a.clock.advance(d)
		if _, _, err := a.parking.Tick(ctx); err != nil {
			t.Fatal(err)
		}
	}
	items := must(a.parking.Inbox(ctx, a.users["dana"], parkmate.InboxQuery{}))(t)
	got := map[string]string{}
	for _, it := range items {
		got[it.Event] = it.Message
	}
	if got[parkmate.EventBookingExpired] != want[parkmate.EventBookingExpired] || got[parkmate.EventBookingExpiring] != "Your booking will expire in 4 minutes!" {
		t.Fatalf("stored for booking %d: %v", b.ID, got)
	}
}

// TestRoutes checks what every path that is not a resource answers.
func TestRoutes(t *testing.T) {
	notReady := &ready{}
	a := newAPI(t, httpapi.Config{AllowedOrigins: []string{"http://app.example"}}, notReady)
	a.run([]call{
		{"a path the API does not have", "dana", "GET", "/api/nothing/", nil, 404, "not_found", nil, nil},
		{"the API's root", "dana", "GET", "/api", nil, 404, "not_found", nil, nil},
		{"a method a path does not take", "dana", "PUT", "/api/bookings/", nil, 405, "method_not_allowed", nil, nil},
		{"a socket path that is too long", "dana", "GET", "/ws/notifications/1/extra/", nil, 404, "not_found", nil, nil},
		{"a page without a web app", "", "GET", "/", nil, 404, "not_found", nil, nil},
		{"alive", "", "GET", "/livez", nil, 200, "", []string{"status"}, nil},
		{"ready", "", "GET", "/readyz", nil, 200, "", []string{"status"}, nil},
	})
	notReady.mu.Lock()
	notReady.err = errors.New("broker unreachable for 5s")
	notReady.mu.Unlock()
	rec := a.send(call{method: "GET", path: "/healthz"})
	if rec.Code != 503 || !strings.Contains(rec.Body.String(), "broker unreachable") {
		t.Fatalf("readyz while not ready: %d %s", rec.Code, rec.Body)
	}
	if allow := a.send(call{as: "dana", method: "DELETE", path: "/api/me"}).Header().Get("Allow"); allow != "GET" {
		t.Fatalf("Allow %q", allow)
	}
	for origin, want := range map[string]string{"http://app.example": "http://app.example", "http://evil.example": ""} {
		rec := a.send(call{method: "OPTIONS", path: "/api/me/", header: map[string]string{"Origin": origin, "Access-Control-Request-Method": "GET"}})
		if got := rec.Header().Get("Access-Control-Allow-Origin"); got != want {
			t.Fatalf("preflight from %s: %d, allow-origin %q", origin, rec.Code, got)
		}
	}
	if got := a.send(call{as: "dana", method: "GET", path: "/api/me/", header: map[string]string{"Origin": "http://app.example"}}).
		Header().Get("Access-Control-Allow-Credentials"); got != "true" {
		t.Fatalf("a CORS request's credentials: %q", got)
	}
}

// TestSocketHandshake checks every refusal before the upgrade, then an
// upgrade that replays what the user missed.
func TestSocketHandshake(t *testing.T) {
	a := newAPI(t, httpapi.Config{}, nil)
	dana := a.users["dana"]
	path := fmt.Sprintf("/ws/notifications/%d/", dana.ID)
	upgrade := func(more map[string]string) map[string]string {
		h := map[string]string{"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
			"Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
		for k, v := range more {
			h[k] = v
		}
		return h
	}
	a.run([]call{
		{"not a WebSocket request", "dana", "GET", path, nil, 400, "upgrade_required", nil, nil},
		{"another version", "dana", "GET", path, nil, 400, "unsupported_version", nil, upgrade(map[string]string{"Sec-WebSocket-Version": "8"})},
		{"a bad key", "dana", "GET", path, nil, 400, "invalid_handshake", nil, upgrade(map[string]string{"Sec-WebSocket-Key": "short"})},
		{"no credentials", "", "GET", path, nil, 401, "unauthenticated", nil, upgrade(nil)},
		{"a bad token", "", "GET", path, nil, 401, "unauthenticated", nil, upgrade(map[string]string{"Authorization": "Bearer x"})},
		{"another user's socket", "pat", "GET", path, nil, 403, "forbidden", nil, upgrade(nil)},
		{"a foreign origin", "dana", "GET", path, nil, 403, "forbidden", nil, upgrade(map[string]string{"Origin": "http://evil.example"})},
		{"a bad since", "dana", "GET", path + "?since=-1", nil, 400, "invalid_request", nil, upgrade(nil)},
		{"an unknown protocol", "dana", "GET", path + "?proto=3", nil, 400, "invalid_request", nil, upgrade(nil)},
	})

	srv := httptest.NewServer(a.h)
	defer srv.Close()
	res := must(a.parking.Publish(ctx, parking.PublishRequest{UserIDs: []int64{dana.ID}, Type: parkmate.LevelInfo, Message: "missed"}))(t)
	d := ws.Dialer{Header: ws.HandshakeHeaderHTTP(http.Header{"Authorization": {"Bearer " + a.tokens["dana"]}}), Timeout: 5 * time.Second}
	conn, buffered, _, err := d.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+path+"?since=0&proto=2")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	// The replay may come in the same read as the 101.
	var rd io.Reader = conn
	if buffered != nil {
		rd = io.MultiReader(buffered, conn)
	}
	msg, err := wsutil.ReadServerText(struct {
		io.Reader
		io.Writer
	}{rd, conn})
	var n parkmate.Notification
	if err != nil || json.Unmarshal(msg, &n) != nil || n.ID != res.IDs[0] || n.Message != "missed" {
		t.Fatalf("replayed %s %v", msg, err)
	}
}
