package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"parkmate"
	"parkmate/internal/testservices"
	"parkmate/push/pushtest"
)

// onEngines runs fn with a test configuration on SQLite and on PostgreSQL.
func onEngines(t *testing.T, fn func(t *testing.T, cfg Config)) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			cfg := testConfig(t)
			if engine == "postgres" {
				cfg.DB = testservices.Postgres(t)
			}
			fn(t, cfg)
		})
	}
}

// TestPushReachesADriverWithNoPageOpen: the expiry warning of a driver
// with a subscription and no socket is pushed once its grace has passed,
// urgent and living until the booking ends, signed with the server's
// VAPID key and encrypted for the subscription; nothing else is pushed
// before the expiry (the next push, a sentinel).
func TestPushReachesADriverWithNoPageOpen(t *testing.T) {
	onEngines(t, func(t *testing.T, cfg Config) {
		ps := startPushService(t)
		srv := startServer(t, withPush(cfg, ps, 10*time.Second), nil)
		w := newPushWorld(t, srv, ps)
		b := w.book(t, 0, 10)

		w.advance(6 * time.Minute) // the warning fires, 4 minutes before the end
		noPush(t, ps, srv)         // still in its grace
		w.advance(10 * time.Second)
		p := expectPush(t, ps, w.sub, parkmate.EventBookingExpiring)
		var data struct {
			BookingID int64     `json:"booking_id"`
			EndsAt    time.Time `json:"ends_at"`
		}
		if err := json.Unmarshal(p.Data, &data); err != nil || data.BookingID != b.ID || !data.EndsAt.Equal(b.EndsAt) {
			t.Fatalf("data %s: want booking %d ending %s", p.Data, b.ID, b.EndsAt)
		}
		if p.Type != "warning" || p.Message != "Your booking will expire in 4 minutes!" || p.Push.Urgency != "high" ||
			p.Push.TTL != int(b.EndsAt.Sub(srv.clock.Now()).Seconds()) {
			t.Fatalf("push %+v", p)
		}

		w.advance(4 * time.Minute) // the booking expires
		w.advance(10 * time.Second)
		p = expectPush(t, ps, w.sub, parkmate.EventBookingExpired)
		if p.Push.Urgency != "normal" || p.Push.TTL != int((12*time.Hour).Seconds()) {
			t.Fatalf("expiry push %+v", p.Push)
		}
		noPush(t, ps, srv)
	})
}

// TestPushOnlyWhenNoVisiblePageDisplayedIt: a socket that never says it
// displayed the warning (a hidden page) does not stop the push, nor does
// one that claims to have displayed it without having been sent it; a
// page that displayed it does, and the next notification's push, which it
// did not display, is the next thing the push service gets.
func TestPushOnlyWhenNoVisiblePageDisplayedIt(t *testing.T) {
	onEngines(t, func(t *testing.T, cfg Config) {
		ps := startPushService(t)
		srv := startServer(t, withPush(cfg, ps, 10*time.Second), nil)
		w := newPushWorld(t, srv, ps)
		hidden := w.driver.mustDialWS("?proto=2")
		w.book(t, 0, 10)
		w.advance(6 * time.Minute)
		warning := expectNote(t, hidden, parkmate.EventBookingExpiring, "warning")
		sendDisplayed(t, w.driver.mustDialWS("?proto=2"), warning.ID) // opened after it: never sent it
		w.advance(10 * time.Second)
		expectPush(t, ps, w.sub, parkmate.EventBookingExpiring)
		w.advance(4 * time.Minute)
		expectNote(t, hidden, parkmate.EventBookingExpired, "info")
		w.advance(10 * time.Second)
		expectPush(t, ps, w.sub, parkmate.EventBookingExpired)

		visible := w.driver.mustDialWS("?proto=2")
		w.book(t, 1, 10)
		w.advance(6 * time.Minute)
		f := expectNote(t, visible, parkmate.EventBookingExpiring, "warning")
		expectNote(t, hidden, parkmate.EventBookingExpiring, "warning")
		sendDisplayed(t, visible, f.ID)
		w.advance(10 * time.Second)
		noPush(t, ps, srv)

		// The booking ends; nobody displays that: the next push.
		w.advance(4*time.Minute - 10*time.Second)
		expectNote(t, visible, parkmate.EventBookingExpired, "info")
		w.advance(10 * time.Second)
		p := expectPush(t, ps, w.sub, parkmate.EventBookingExpired)
		if p.ID <= f.ID {
			t.Fatalf("pushed %d, the displayed warning was %d", p.ID, f.ID)
		}
	})
}

// TestPushPreferences: defaults per event, a change, an unknown event; a
// turned-off event is not pushed (the next push, a sentinel, proves it).
func TestPushPreferences(t *testing.T) {
	ps := startPushService(t)
	srv := startServer(t, withPush(testConfig(t), ps, 0), nil)
	w := newPushWorld(t, srv, ps)
	var p struct {
		Push     map[string]bool `json:"push"`
		Events   []string        `json:"events"`
		Defaults map[string]bool `json:"defaults"`
	}
	w.driver.mustDo("GET", "/api/notification-preferences/", nil, 200, &p)
	if !p.Push["booking.expiring"] || !p.Push["carwash.requested"] || p.Push["booking.renewed"] || len(p.Events) != 13 || !p.Defaults["booking.expired"] {
		t.Fatalf("defaults %+v", p)
	}
	w.driver.mustDo("PUT", "/api/notification-preferences/", map[string]any{"push": map[string]bool{"booking.expiring": false, "booking.renewed": true}}, 200, &p)
	if p.Push["booking.expiring"] || !p.Push["booking.renewed"] || !p.Push["booking.expired"] {
		t.Fatalf("after PUT %+v", p.Push)
	}
	var e errorBody
	if st := w.driver.do("PUT", "/api/notification-preferences/", map[string]any{"push": map[string]bool{"booking.exploded": true}}, &e); st != 422 || e.Error.Code != "unknown_event" {
		t.Fatalf("unknown event: %d %+v", st, e)
	}
	if st := w.driver.do("PUT", "/api/notification-preferences/", map[string]any{"push": true}, &e); st != 400 {
		t.Fatalf("bad body: %d %+v", st, e)
	}

	b := w.book(t, 0, 10)
	w.advance(6 * time.Minute) // the warning: turned off
	w.driver.mustDo("POST", fmt.Sprintf("/api/bookings/%d/renew/", b.ID), map[string]any{"minutes": 5}, 200, nil)
	expectPush(t, ps, w.sub, parkmate.EventBookingRenewed) // turned on, and the next push
	noPush(t, ps, srv)
}

// errorBody is the contract's JSON error.
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// TestPushTestNotification: POST /api/push/test/ pushes a test
// notification to each of the caller's subscriptions at once (the grace
// is an hour here) and answers what each push service said, deleting a
// subscription that is gone; without a subscription it is 409
// no_subscription; beyond --push-test-rate (set by its PARKMATE_ variable)
// a minute it is 429 rate_limited with Retry-After.
func TestPushTestNotification(t *testing.T) {
	ps := startPushService(t)
	cfg := withPush(testConfig(t), ps, time.Hour)
	t.Setenv("PARKMATE_PUSH_TEST_RATE", "2")
	fs := flag.NewFlagSet("parkmate", flag.ContinueOnError)
	flags := bindFlags(fs)
	if err := parseWithEnv(fs, nil); err != nil || flags.Push.TestRate != 2 {
		t.Fatalf("PARKMATE_PUSH_TEST_RATE: %d %v", flags.Push.TestRate, err)
	}
	cfg.Push.TestRate = flags.Push.TestRate
	srv := startServer(t, cfg, nil)
	driver, pat := srv.user("dana", parkmate.RoleDriver), srv.user("pat", parkmate.RoleDriver)
	expectServerKey(t, ps, driver)

	var e errorBody
	if st := pat.do("POST", "/api/push/test/", nil, &e); st != 409 || e.Error.Code != "no_subscription" {
		t.Fatalf("without a subscription: %d %+v", st, e)
	}
	phone, laptop := subscribePush(t, ps, driver), subscribePush(t, ps, driver)
	ps.Script(laptop, pushtest.Answer{Status: 410})
	type results struct {
		Results []struct {
			Endpoint string `json:"endpoint"`
			Result   string `json:"result"`
			Status   int    `json:"status"`
		} `json:"results"`
	}
	var res results
	driver.mustDo("POST", "/api/push/test/", nil, 200, &res)
	got := map[string]string{}
	for _, r := range res.Results {
		got[r.Endpoint] = fmt.Sprint(r.Result, " ", r.Status)
	}
	if len(got) != 2 || got[phone.Endpoint] != "sent 201" || got[laptop.Endpoint] != "gone 410" {
		t.Fatalf("results %+v", res)
	}
	for range 2 {
		var m pushtest.Message
		select {
		case m = <-ps.Messages: // each recorded before its answer: both are here
		default:
			t.Fatal("the push service did not record both test pushes")
		}
		var f frame
		if err := json.Unmarshal(m.Payload, &f); m.Token == phone.Token &&
			(err != nil || m.Status != 201 || f.Event != "push.test" || f.Type != "info" || !strings.HasPrefix(f.Message, "Test notification") ||
				m.TTL != 60 || m.Urgency != "normal") {
			t.Fatalf("test push %+v: %s", m, m.Payload)
		}
	}
	var list struct{ Items []struct{ Endpoint string } }
	if driver.mustDo("GET", "/api/push/subscriptions/", nil, 200, &list); len(list.Items) != 1 || list.Items[0].Endpoint != phone.Endpoint {
		t.Fatalf("after a 410: %+v", list)
	}

	driver.mustDo("POST", "/api/push/test/", nil, 200, &res) // the second of 2 a minute
	nextPush(t, ps, phone, 201)
	req, _ := http.NewRequest("POST", srv.base+"/api/push/test/", nil)
	req.Header.Set("Authorization", "Bearer "+driver.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil || resp.StatusCode != 429 || e.Error.Code != "rate_limited" || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("third test push in a minute: %d %+v %q (%v)", resp.StatusCode, e, resp.Header.Get("Retry-After"), err)
	}
	noPush(t, ps, srv)
	pat.mustDo("POST", "/api/push/test/", nil, 409, nil) // pat's own bucket: 1 of 2
}
