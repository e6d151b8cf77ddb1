package main

import (
	"encoding/base64"
	"fmt"
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"parkmate"
	"parkmate/push/pushtest"
)

// TestPushSubscriptionsAreCheckedAndBounded: the endpoint rules against
// SSRF (only https on --push-hosts; a listed host:port also over http),
// the keys, the per-user cap, the list and the delete.
func TestPushSubscriptionsAreCheckedAndBounded(t *testing.T) {
	ps := startPushService(t)
	cfg := withPush(testConfig(t), ps, 0, "fcm.googleapis.com", "*.notify.windows.com")
	cfg.Push.MaxSubscriptions = 2
	srv := startServer(t, cfg, nil)
	driver := srv.user("dana", parkmate.RoleDriver)
	sub := ps.Subscribe()
	with := func(endpoint string, keys map[string]string) map[string]any {
		j := sub.JSON()
		j["endpoint"] = endpoint
		if keys != nil {
			j["keys"] = keys
		}
		return j
	}
	goodKeys := sub.JSON()["keys"].(map[string]string)
	b64 := base64.RawURLEncoding.EncodeToString
	for _, tc := range []struct {
		name string
		body any
		code string
	}{
		{"host outside --push-hosts", with("https://push.attacker.example/x", nil), "push_host_not_allowed"},
		{"internal address", with("https://169.254.169.254/latest/meta-data", nil), "push_host_not_allowed"},
		{"plain http to an allowed host", with("http://fcm.googleapis.com/fcm/send/x", nil), "insecure_endpoint"},
		{"another port of an allowed host", with("https://fcm.googleapis.com:8443/x", nil), "push_host_not_allowed"},
		{"wildcard's own name", with("https://notify.windows.com/x", nil), "push_host_not_allowed"},
		{"user info", with("https://x@fcm.googleapis.com/x", nil), "invalid_endpoint"},
		{"bad p256dh", with(sub.Endpoint, map[string]string{"p256dh": b64(make([]byte, 65)), "auth": goodKeys["auth"]}), "invalid_p256dh"},
		{"short auth", with(sub.Endpoint, map[string]string{"p256dh": goodKeys["p256dh"], "auth": b64(make([]byte, 8))}), "invalid_auth"},
	} {
		var e errorBody
		if st := driver.do("POST", "/api/push/subscriptions/", tc.body, &e); st != 422 || e.Error.Code != tc.code {
			t.Errorf("%s: %d %+v, want 422 %s", tc.name, st, e, tc.code)
		}
	}
	var e errorBody
	if st := driver.do("POST", "/api/push/subscriptions/", `{"endpoint":"`+sub.Endpoint+`","keys":{"p256dh":"x","auth":"y"},"extra":1}`, &e); st != 400 {
		t.Errorf("unknown field: %d %+v", st, e)
	}
	// An expirationTime past any year JSON can write (it was stored, and
	// answered 201 with an empty body, every later list 200 empty).
	for _, ms := range []int64{math.MaxInt64, -1, time.Now().AddDate(11, 0, 0).UnixMilli()} {
		j, e := sub.JSON(), errorBody{}
		j["expirationTime"] = ms
		if st := driver.do("POST", "/api/push/subscriptions/", j, &e); st != 422 || e.Error.Code != "invalid_expiration_time" {
			t.Errorf("expirationTime %d: %d %+v", ms, st, e)
		}
	}

	driver.mustDo("POST", "/api/push/subscriptions/", sub.JSON(), 201, nil)
	driver.mustDo("POST", "/api/push/subscriptions/", sub.JSON(), 200, nil) // the same browser again
	driver.mustDo("POST", "/api/push/subscriptions/", with("https://fcm.googleapis.com/fcm/send/2", nil), 201, nil)
	if st := driver.do("POST", "/api/push/subscriptions/", with("https://wns2.notify.windows.com/w/?token=3", nil), &e); st != 409 || e.Error.Code != "too_many_subscriptions" {
		t.Fatalf("third subscription: %d %+v", st, e)
	}
	var list struct {
		Items []struct {
			ID       int64  `json:"id"`
			Endpoint string `json:"endpoint"`
		} `json:"items"`
		Next *string `json:"next"`
	}
	driver.mustDo("GET", "/api/push/subscriptions/", nil, 200, &list)
	if len(list.Items) != 2 || list.Items[1].Endpoint != sub.Endpoint || list.Next != nil {
		t.Fatalf("list %+v", list)
	}
	// Another user signs in on the same browser: the endpoint moves to them.
	other := srv.user("olly", parkmate.RoleDriver)
	other.mustDo("POST", "/api/push/subscriptions/", sub.JSON(), 201, nil)
	driver.mustDo("GET", "/api/push/subscriptions/", nil, 200, &list)
	if len(list.Items) != 1 {
		t.Fatalf("after the move: %+v", list)
	}
	if st := driver.do("DELETE", "/api/push/subscriptions/", map[string]string{"endpoint": sub.Endpoint}, &e); st != 404 || e.Error.Code != "subscription_not_found" {
		t.Fatalf("delete another's: %d %+v", st, e)
	}
	other.mustDo("DELETE", "/api/push/subscriptions/", map[string]string{"endpoint": sub.Endpoint}, 204, nil)
	other.mustDo("GET", "/api/push/subscriptions/", nil, 200, &list)
	if len(list.Items) != 0 {
		t.Fatalf("after delete: %+v", list)
	}
	anon := &client{t: t, srv: srv}
	if st := anon.do("GET", "/api/push/subscriptions/", nil, &e); st != 401 {
		t.Fatalf("anonymous: %d", st)
	}
	anon.mustDo("GET", "/api/push/config/", nil, 200, nil)
}

// TestPushServiceAnswers: a 429 is retried after its Retry-After (a whole
// worker pass at half of it sends nothing), with the push queued behind it
// for the same subscription after it, in order; a 410 deletes the
// subscription.
func TestPushServiceAnswers(t *testing.T) {
	onEngines(t, func(t *testing.T, cfg Config) {
		ps := startPushService(t)
		srv := startServer(t, withPush(cfg, ps, 0), nil)
		w := newPushWorld(t, srv, ps)
		b := w.book(t, 0, 30)
		renewFails := func() { // event 4, pushed by default
			w.driver.mustDo("POST", fmt.Sprintf("/api/bookings/%d/renew/", b.ID), map[string]any{"minutes": 24 * 60}, 422, nil)
		}

		ps.Script(w.sub, pushtest.Answer{Status: 429, RetryAfter: "120"})
		renewFails()
		first := nextPush(t, ps, w.sub, 429)
		renewFails() // queued behind the first
		srv.clock.Advance(60 * time.Second)
		noPush(t, ps, srv)
		srv.clock.Advance(60 * time.Second)
		again := expectPush(t, ps, w.sub, parkmate.EventBookingRenewFailed)
		second := expectPush(t, ps, w.sub, parkmate.EventBookingRenewFailed)
		if again.ID != first.ID || second.ID <= first.ID {
			t.Fatalf("retried %d then %d, first was %d", again.ID, second.ID, first.ID)
		}

		ps.Script(w.sub, pushtest.Answer{Status: 410})
		renewFails()
		nextPush(t, ps, w.sub, 410)
		noPush(t, ps, srv) // the pass that got the 410 has ended
		var list struct{ Items []any }
		w.driver.mustDo("GET", "/api/push/subscriptions/", nil, 200, &list)
		if len(list.Items) != 0 {
			t.Fatalf("subscription kept after 410: %+v", list)
		}
		renewFails()
		noPush(t, ps, srv)
	})
}

// TestPushSendIsConfinedToAllowedHosts: a redirect is not followed, and an
// endpoint on an allowed name that resolves to a private address is never
// dialled; both are dropped, not retried (the next push, a sentinel, is
// the next request the push service gets).
func TestPushSendIsConfinedToAllowedHosts(t *testing.T) {
	ps := startPushService(t)
	srv := startServer(t, withPush(testConfig(t), ps, 0, "localhost"), nil)
	w := newPushWorld(t, srv, ps)
	target := ps.Subscribe() // where the redirect points: a real subscription of the service
	private := ps.Subscribe().JSON()
	private["endpoint"] = "https://localhost/push/" + target.Token
	w.driver.mustDo("POST", "/api/push/subscriptions/", private, 201, nil)
	b := w.book(t, 0, 30)
	before := metric(t, srv, `parkmate_push_results_total{result="refused"}`)

	ps.Script(w.sub, pushtest.Answer{Status: http.StatusTemporaryRedirect, Location: ps.URL() + "/push/" + target.Token})
	w.driver.mustDo("POST", fmt.Sprintf("/api/bookings/%d/renew/", b.ID), map[string]any{"minutes": 24 * 60}, 422, nil)
	nextPush(t, ps, w.sub, http.StatusTemporaryRedirect)
	noPush(t, ps, srv)
	if got := metric(t, srv, `parkmate_push_results_total{result="refused"}`); got != before+2 {
		t.Fatalf("refused %v, want %v", got, before+2)
	}
	w.driver.mustDo("POST", fmt.Sprintf("/api/bookings/%d/renew/", b.ID), map[string]any{"minutes": 24 * 60}, 422, nil)
	expectPush(t, ps, w.sub, parkmate.EventBookingRenewFailed)
}

// TestDisplayedFrameIsChecked: the displayed frame is proto 2 only, holds
// only positive ids, at most --max-displayed-ids of them; anything else
// closes the socket with 1008. A good one gets no answer.
func TestDisplayedFrameIsChecked(t *testing.T) {
	cfg := testConfig(t)
	cfg.Push.MaxDisplayedIDs = 3
	srv := startServer(t, cfg, nil)
	driver := srv.user("dana", parkmate.RoleDriver)
	ok := driver.mustDialWS("?proto=2")
	for _, msg := range []string{`{"type":"displayed","ids":[1,2,3]}`, `{"type":"displayed","ids":[]}`, `{"type":"displayed","ids":[99999]}`} {
		if err := ok.send(ws.OpText, []byte(msg)); err != nil {
			t.Fatal(err)
		}
	}
	ok.expectNoReply()
	for _, tc := range []struct{ query, msg string }{
		{"", `{"type":"displayed","ids":[1]}`},
		{"?proto=2", `{"type":"displayed","ids":[1,2,3,4]}`},
		{"?proto=2", `{"type":"displayed","ids":[0]}`},
		{"?proto=2", `{"type":"displayed","ids":[-4]}`},
		{"?proto=2", `{"type":"displayed","ids":["7"]}`},
		{"?proto=2", `{"type":"displayed","ids":[1.5]}`},
		{"?proto=2", `{"type":"displayed"}`},
		{"?proto=2", `{"type":"displayed","ids":[1],"all":true}`},
	} {
		w := driver.mustDialWS(tc.query)
		if err := w.send(ws.OpText, []byte(tc.msg)); err != nil {
			t.Fatal(err)
		}
		if ci := w.expectClose(1008); ci.reason == "" {
			t.Errorf("%s %s: closed without a reason", tc.query, tc.msg)
		}
	}
}

// TestPushEndpointCannotBeTakenOver: someone who knows another user's
// endpoint but not its keys cannot take the subscription (409
// endpoint_in_use): the victim keeps it, with its keys, and the push that
// was pending for it (waiting for a Retry-After) still reaches it,
// encrypted for the victim's browser. The same browser (same keys) signed
// in as someone else still moves.
func TestPushEndpointCannotBeTakenOver(t *testing.T) {
	onEngines(t, func(t *testing.T, cfg Config) {
		ps := startPushService(t)
		srv := startServer(t, withPush(cfg, ps, 0), nil)
		w := newPushWorld(t, srv, ps)
		b := w.book(t, 0, 30)
		ps.Script(w.sub, pushtest.Answer{Status: 429, RetryAfter: "60"})
		w.driver.mustDo("POST", fmt.Sprintf("/api/bookings/%d/renew/", b.ID), map[string]any{"minutes": 24 * 60}, 422, nil)
		first := nextPush(t, ps, w.sub, 429)

		mallory := srv.user("mallory", parkmate.RoleDriver)
		forged := ps.Subscribe().JSON() // keys of another browser
		forged["endpoint"] = w.sub.Endpoint
		var e errorBody
		if st := mallory.do("POST", "/api/push/subscriptions/", forged, &e); st != 409 || e.Error.Code != "endpoint_in_use" {
			t.Fatalf("taking another's endpoint: %d %+v", st, e)
		}
		var list struct{ Items []struct{ Endpoint string } }
		if mallory.mustDo("GET", "/api/push/subscriptions/", nil, 200, &list); len(list.Items) != 0 {
			t.Fatalf("mallory has %+v", list)
		}
		if w.driver.mustDo("GET", "/api/push/subscriptions/", nil, 200, &list); len(list.Items) != 1 || list.Items[0].Endpoint != w.sub.Endpoint {
			t.Fatalf("the driver has %+v", list)
		}
		srv.clock.Advance(60 * time.Second)
		if again := expectPush(t, ps, w.sub, parkmate.EventBookingRenewFailed); again.ID != first.ID {
			t.Fatalf("retried %d, want %d", again.ID, first.ID)
		}

		olly := srv.user("olly", parkmate.RoleDriver)
		olly.mustDo("POST", "/api/push/subscriptions/", w.sub.JSON(), 201, nil)
		if w.driver.mustDo("GET", "/api/push/subscriptions/", nil, 200, &list); len(list.Items) != 0 {
			t.Fatalf("after the same browser moved: %+v", list)
		}
	})
}
