package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"parkmate"
	"parkmate/sqlstore"
)

// publish sends n notifications to users through the service API and
// returns their ids.
func publish(t *testing.T, srv *testServer, users []int64, message string) []int64 {
	t.Helper()
	c := &client{t: t, srv: srv}
	var out struct {
		IDs []int64 `json:"ids"`
	}
	req := map[string]any{"user_ids": users, "type": "info", "message": message, "event": "test.publish"}
	if status := c.doKey("POST", "/api/publish/", req, "test-publish-key", &out); status != 202 || len(out.IDs) != len(users) {
		t.Fatalf("publish: status %d, ids %v", status, out.IDs)
	}
	return out.IDs
}

func TestResumeWithSinceGetsExactlyWhatWasMissed(t *testing.T) {
	srv := startServer(t, testConfig(t), nil)
	u := srv.user("dana", parkmate.RoleDriver)
	other := srv.user("olly", parkmate.RoleDriver)
	w := u.mustDialWS("")
	first := publish(t, srv, []int64{u.ID}, "one")
	if got := w.next(); got.ID != first[0] || got.Message != "one" {
		t.Fatalf("live frame %+v", got)
	}
	w.conn.Close()

	var missed []int64
	for i := 0; i < 5; i++ {
		missed = append(missed, publish(t, srv, []int64{u.ID}, fmt.Sprintf("missed %d", i))...)
		publish(t, srv, []int64{other.ID}, "not yours")
	}
	w = u.mustDialWS(fmt.Sprintf("?since=%d", first[0]))
	for i, id := range missed {
		f := w.next()
		if f.ID != id || f.Message != fmt.Sprintf("missed %d", i) {
			t.Fatalf("replayed frame %d: %+v, want id %d", i, f, id)
		}
	}
	live := publish(t, srv, []int64{u.ID}, "live")
	if f := w.next(); f.ID != live[0] {
		t.Fatalf("live after replay: %+v, want %d", f, live[0])
	}
	expectNothingElse(t, w)

	// since=0 replays the whole history; no since replays nothing.
	all := u.mustDialWS("?since=0")
	for _, id := range append(append(first, missed...), live...) {
		if f := all.next(); f.ID != id {
			t.Fatalf("since=0: frame %d, want %d", f.ID, id)
		}
	}
	expectNothingElse(t, u.mustDialWS(""))
}

func TestReplayRacesWithLivePublishingWithoutLossOrDuplicates(t *testing.T) {
	cfg := testConfig(t)
	cfg.WSQueue = 8 // overflow during replay must fall back to storage
	srv := startServer(t, cfg, nil)
	u := srv.user("dana", parkmate.RoleDriver)
	var want []int64
	for i := 0; i < 300; i++ {
		want = append(want, publish(t, srv, []int64{u.ID}, "before")...)
	}
	done := make(chan []int64)
	go func() {
		var ids []int64
		for i := 0; i < 200; i++ {
			ids = append(ids, publish(t, srv, []int64{u.ID}, "during")...)
		}
		done <- ids
	}()
	// A client as the contract describes: on a close that is not final it
	// resumes with since. A queue this small may overflow after the replay
	// too (1013); resuming must still lose and repeat nothing.
	w := u.mustDialWS("?since=0")
	want = append(want, <-done...)
	var last int64
	for i := 0; i < len(want); {
		select {
		case f, ok := <-w.frames:
			if !ok {
				continue
			}
			if f.ID != want[i] {
				t.Fatalf("frame %d: id %d, want %d", i, f.ID, want[i])
			}
			last = f.ID
			i++
		case ci := <-w.closed:
			if ci.code != 1013 {
				t.Fatalf("closed with %d %q", ci.code, ci.reason)
			}
			for f := range w.frames { // frames that arrived before the close
				if f.ID != want[i] {
					t.Fatalf("frame %d: id %d, want %d", i, f.ID, want[i])
				}
				last = f.ID
				i++
			}
			w = u.mustDialWS(fmt.Sprintf("?since=%d", last))
		case <-time.After(10 * time.Second):
			t.Fatalf("stuck at frame %d of %d", i, len(want))
		}
	}
	expectNothingElse(t, w)
}

func TestEverySocketOfAUserGetsEachNotificationOnce(t *testing.T) {
	srv := startServer(t, testConfig(t), nil)
	u := srv.user("dana", parkmate.RoleDriver)
	tabs := []*wsClient{u.mustDialWS(""), u.mustDialWS(""), u.mustDialWS("?since=0")}
	ids := publish(t, srv, []int64{u.ID}, "hello")
	for _, w := range tabs {
		if f := w.next(); f.ID != ids[0] {
			t.Fatalf("frame %+v", f)
		}
	}
	expectNothingElse(t, tabs...)
}

func TestRolledBackChangeNotifiesNoOne(t *testing.T) {
	srv := startServer(t, testConfig(t), nil)
	u := srv.user("dana", parkmate.RoleDriver)
	w := u.mustDialWS("")
	boom := errors.New("boom")
	err := srv.app.db.Update(context.Background(), func(tx *sqlstore.Tx) error {
		if _, err := tx.AddNotification(parkmate.Notification{UserID: u.ID, Type: parkmate.LevelInfo, Message: "never"}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("update: %v", err)
	}
	// A booking whose slot is taken fails after nothing was written.
	owner := srv.user("oscar", parkmate.RoleOwner)
	var lot parkmate.Lot
	owner.mustDo("POST", "/api/lots/", map[string]any{"name": "L", "slots": 1}, 201, &lot)
	wo := owner.mustDialWS("")
	var slots struct{ Items []parkmate.Slot }
	u.mustDo("GET", fmt.Sprintf("/api/lots/%d/slots/", lot.ID), nil, 200, &slots)
	u.mustDo("POST", "/api/bookings/", map[string]any{"slot_id": slots.Items[0].ID, "minutes": 10}, 201, nil)
	wo.expect("booking.created", "info")
	u.mustDo("POST", "/api/bookings/", map[string]any{"slot_id": slots.Items[0].ID, "minutes": 10}, 409, nil)
	expectNothingElse(t, wo)
	// The driver's socket gets its sentinel below, after the inbox check.
	var inbox struct{ Items []parkmate.InboxItem }
	u.mustDo("GET", "/api/notifications/", nil, 200, &inbox)
	if len(inbox.Items) != 0 {
		t.Fatalf("rolled-back notification stored: %+v", inbox.Items)
	}
	// Sentinel: the next committed one arrives, and it is the first the
	// socket sees.
	ids := publish(t, srv, []int64{u.ID}, "real")
	if f := w.next(); f.ID != ids[0] || f.Message != "real" {
		t.Fatalf("frame %+v", f)
	}
}

func TestSocketRefusals(t *testing.T) {
	srv := startServer(t, testConfig(t), nil)
	u := srv.user("dana", parkmate.RoleDriver)
	other := srv.user("olly", parkmate.RoleDriver)
	own := fmt.Sprintf("/ws/notifications/%d/", u.ID)
	bearer := http.Header{"Authorization": {"Bearer " + u.token}}
	cookie := http.Header{"Cookie": {"parkmate_session=" + u.token}}
	withOrigin := func(h http.Header, origin string) http.Header {
		h = h.Clone()
		h.Set("Origin", origin)
		return h
	}
	for _, tc := range []struct {
		name   string
		path   string
		header http.Header
		want   int
	}{
		{"no credentials", own, http.Header{}, 401},
		{"garbage token", own, http.Header{"Authorization": {"Bearer nope"}}, 401},
		{"token in the URL is not accepted", own + "?token=" + u.token, http.Header{}, 401},
		{"another user's id", fmt.Sprintf("/ws/notifications/%d/", other.ID), bearer, 403},
		{"a non-numeric id", "/ws/notifications/abc/", bearer, 403},
		{"a foreign origin", own, withOrigin(bearer, "http://evil.example"), 403},
		{"a foreign origin with the cookie", own, withOrigin(cookie, "http://evil.example"), 403},
		{"the cookie without an origin", own, cookie, 401},
		{"a bad since", own + "?since=-1", bearer, 400},
		{"a bad proto", own + "?proto=9", bearer, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, resp, err := dialWS(t, srv, tc.path, tc.header)
			if err == nil || resp == nil {
				t.Fatalf("dial succeeded or failed without a status: %v", err)
			}
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.want)
			}
		})
	}
	t.Run("same-origin browser with the cookie", func(t *testing.T) {
		w, _, err := dialWS(t, srv, own, withOrigin(cookie, srv.base))
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		ids := publish(t, srv, []int64{u.ID}, "hi")
		if f := w.next(); f.ID != ids[0] {
			t.Fatalf("frame %+v", f)
		}
	})
	t.Run("expired session", func(t *testing.T) {
		srv.clock.Advance(2 * time.Hour)
		defer srv.clock.Advance(-2 * time.Hour)
		_, resp, err := dialWS(t, srv, own, bearer)
		if err == nil || resp == nil || resp.StatusCode != 401 {
			t.Fatalf("expired: %v %+v", err, resp)
		}
	})
}

func TestLogoutClosesTheSessionsSockets(t *testing.T) {
	srv := startServer(t, testConfig(t), nil)
	u := srv.user("dana", parkmate.RoleDriver)
	second := srv.login("dana", "dana-password") // another device
	w1 := u.mustDialWS("")
	w2 := second.mustDialWS("")
	u.mustDo("POST", "/api/auth/logout/", nil, 204, nil)
	ci := w1.expectClose(4401)
	if ci.reason == "" {
		t.Fatalf("4401 without a reason")
	}
	expectNothingElse(t, w2) // the other session lives on
	u.mustDo("GET", "/api/me/", nil, 401, nil)
	if _, resp, err := u.dialWS("", nil); err == nil || resp.StatusCode != 401 {
		t.Fatalf("dial after logout: %v", err)
	}
	ids := publish(t, srv, []int64{u.ID}, "still here")
	if f := w2.next(); f.ID != ids[0] {
		t.Fatalf("frame %+v", f)
	}
}

func TestSessionExpiryClosesSocketWith4401(t *testing.T) {
	cfg := testConfig(t)
	cfg.SessionTTL = 1500 * time.Millisecond
	srv := startServer(t, cfg, nil) // the socket's expiry timer runs on real time
	u := srv.user("dana", parkmate.RoleDriver)
	u.mustDialWS("").expectClose(4401)
}

func TestShutdownSaysGoingAway(t *testing.T) {
	srv := startServer(t, testConfig(t), nil)
	u := srv.user("dana", parkmate.RoleDriver)
	w := u.mustDialWS("")
	go srv.stop()
	w.expectClose(1001)
}

func TestInboundFrameLimits(t *testing.T) {
	srv := startServer(t, testConfig(t), nil)
	u := srv.user("dana", parkmate.RoleDriver)
	for _, tc := range []struct {
		name    string
		op      ws.OpCode
		payload string
		want    int
	}{
		{"too large", ws.OpText, `{"type":"ping","pad":"` + strings.Repeat("x", 5000) + `"}`, 1009},
		{"unknown type", ws.OpText, `{"type":"subscribe"}`, 1008},
		{"not JSON", ws.OpText, `hello`, 1008},
		{"binary", ws.OpBinary, "\x00\x01", 1008},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := u.mustDialWS("")
			if err := w.send(tc.op, []byte(tc.payload)); err != nil {
				t.Fatal(err)
			}
			if ci := w.expectClose(tc.want); ci.reason == "" {
				t.Fatalf("close %d without a reason", tc.want)
			}
		})
	}
	t.Run("ping is fine, and answered on proto 2", func(t *testing.T) {
		w := u.mustDialWS("?proto=2")
		if err := w.send(ws.OpText, []byte(`{"type":"ping"}`)); err != nil {
			t.Fatal(err)
		}
		if f := w.next(); f.Type != "pong" {
			t.Fatalf("frame %+v", f)
		}
		seed := u.mustDialWS("")
		if err := seed.send(ws.OpText, []byte(`{"type":"ping"}`)); err != nil {
			t.Fatal(err)
		}
		seed.expectNoReply() // a seed client never sees a non-level type
	})
}

func TestSlowClientIsClosedAndCatchesUp(t *testing.T) {
	cfg := testConfig(t)
	cfg.WSQueue = 16
	cfg.WSWriteTimeout = time.Second
	srv := startServer(t, cfg, nil)
	slow := srv.user("slow", parkmate.RoleDriver)
	fast := srv.user("fast", parkmate.RoleDriver)

	// The slow client's socket has a tiny receive buffer and never reads.
	conn, _ := dialSmallBuffer(t, srv, slow, "", 4096)
	wf := fast.mustDialWS("")

	// 150 frames of 14 KB (2 MB): more than the socket's buffers (the server
	// keeps at most socket.DefaultWriteChunk bytes unsent) and the queue
	// hold.
	c := &client{t: t, srv: srv}
	pad := strings.Repeat("x", 14000)
	var want []int64
	for i := 0; i < 150; i++ {
		var out struct {
			IDs []int64 `json:"ids"`
		}
		req := map[string]any{"user_ids": []int64{slow.ID, fast.ID}, "type": "info", "message": "big", "data": map[string]string{"pad": pad}}
		if status := c.doKey("POST", "/api/publish/", req, "test-publish-key", &out); status != 202 {
			t.Fatalf("publish: %d", status)
		}
		want = append(want, out.IDs...)
	}
	// The fast client got every notification of its own, in order.
	for i := 1; i < len(want); i += 2 {
		if f := wf.next(); f.ID != want[i] {
			t.Fatalf("fast client frame %d: %d, want %d", i/2, f.ID, want[i])
		}
	}
	// The slow one was dropped: its connection ends (with 1013 if the close
	// frame got through, or without a close frame).
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 64<<10)
	for {
		if _, err := conn.Read(buf); err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("slow socket still open after 10s")
			}
			break
		}
	}
	// It resumes from the start and loses nothing.
	w := slow.mustDialWS("?since=0")
	for i := 0; i < len(want); i += 2 {
		if f := w.next(); f.ID != want[i] {
			t.Fatalf("slow client resumed frame %d: %d, want %d", i/2, f.ID, want[i])
		}
	}
	// Sentinel: a live notification is the next frame, so nothing came
	// twice.
	live := publish(t, srv, []int64{slow.ID}, "live")
	if f := w.next(); f.ID != live[0] {
		t.Fatalf("after the replay: %+v, want the live notification %d", f, live[0])
	}
}
