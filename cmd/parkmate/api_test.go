package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"parkmate"
)

// errorReply is the contract's error body.
type errorReply struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func TestBadInputIsRefusedAndChangesNothing(t *testing.T) {
	srv := startServer(t, testConfig(t), nil)
	w := newWorld(t, srv)
	b := w.book(t, 0, 30)
	bookings := fmt.Sprintf("/api/bookings/%d", b.ID)
	for _, tc := range []struct {
		name   string
		as     *client
		method string
		path   string
		body   any
		want   int
		code   string
	}{
		{"malformed JSON", w.driver, "POST", "/api/bookings/", `{"slot_id": 1,`, 400, "invalid_json"},
		{"not an object", w.driver, "POST", "/api/bookings/", `[1,2]`, 400, "invalid_json"},
		{"two objects", w.driver, "POST", "/api/bookings/", `{"slot_id":1,"minutes":5}{}`, 400, "invalid_json"},
		{"unknown field", w.driver, "POST", "/api/bookings/", `{"slot_id":1,"minutes":5,"admin":true}`, 400, "invalid_request"},
		{"wrong type", w.driver, "POST", "/api/bookings/", `{"slot_id":"1","minutes":5}`, 400, "invalid_request"},
		{"empty body", w.driver, "POST", "/api/bookings/", ``, 400, "invalid_json"},
		{"oversized body", w.driver, "POST", "/api/bookings/", `{"slot_id":1,"x":"` + strings.Repeat("a", 70<<10) + `"}`, 413, "body_too_large"},
		{"zero minutes", w.driver, "POST", "/api/bookings/", map[string]any{"slot_id": w.slots[1].ID, "minutes": 0}, 422, "validation_failed"},
		{"too many minutes", w.driver, "POST", "/api/bookings/", map[string]any{"slot_id": w.slots[1].ID, "minutes": 24*60 + 1}, 422, "validation_failed"},
		{"unknown slot", w.driver, "POST", "/api/bookings/", map[string]any{"slot_id": 9999, "minutes": 5}, 404, "not_found"},
		{"taken slot", w.other, "POST", "/api/bookings/", map[string]any{"slot_id": w.slots[0].ID, "minutes": 5}, 409, "slot_taken"},
		{"owner cannot book", w.owner, "POST", "/api/bookings/", map[string]any{"slot_id": w.slots[1].ID, "minutes": 5}, 403, "forbidden"},
		{"another driver's booking", w.other, "GET", bookings + "/", nil, 403, "forbidden"},
		{"another owner's booking", w.owner2, "GET", bookings + "/", nil, 403, "forbidden"},
		{"another driver renews", w.other, "POST", bookings + "/renew/", map[string]any{"minutes": 5}, 403, "forbidden"},
		{"another driver pays", w.other, "POST", bookings + "/payments/", map[string]any{"method": "CASH", "amount": 5}, 403, "forbidden"},
		{"unknown method", w.driver, "POST", bookings + "/payments/", map[string]any{"method": "GOLD", "amount": 5}, 422, "validation_failed"},
		{"negative amount", w.driver, "POST", bookings + "/payments/", map[string]any{"method": "CASH", "amount": -5}, 422, "validation_failed"},
		{"amount as a string", w.driver, "POST", bookings + "/payments/", `{"method":"CASH","amount":"5"}`, 400, "invalid_request"},
		{"unknown service", w.driver, "POST", bookings + "/carwash/", map[string]any{"service": "polish"}, 422, "unknown_service"},
		{"lot without slots", w.owner, "POST", "/api/lots/", map[string]any{"name": "X", "slots": 0}, 422, "validation_failed"},
		{"lot as a driver", w.driver, "POST", "/api/lots/", map[string]any{"name": "X", "slots": 3}, 403, "forbidden"},
		{"slots as a list", w.owner, "POST", "/api/lots/", `{"name":"X","slots":[1,2]}`, 400, "invalid_request"},
		{"assign a driver", w.admin, "POST", "/api/assignments/", map[string]any{"employee_id": w.driver.ID, "lot_id": w.lot.ID}, 422, "validation_failed"},
		{"bad id in path", w.driver, "GET", "/api/bookings/abc/", nil, 404, "not_found"},
		{"bad limit", w.driver, "GET", "/api/notifications/?limit=5000", nil, 400, "invalid_request"},
		{"unknown route", w.driver, "GET", "/api/nothing/", nil, 404, "not_found"},
		{"users as a driver", w.driver, "GET", "/api/users/", nil, 403, "forbidden"},
		{"read another's notification", w.other, "POST", "/api/notifications/1/read/", nil, 404, "not_found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var reply errorReply
			if got := tc.as.do(tc.method, tc.path, tc.body, &reply); got != tc.want {
				t.Fatalf("status %d, want %d (%+v)", got, tc.want, reply)
			}
			if reply.Error.Code != tc.code || reply.Error.Message == "" {
				t.Fatalf("error %+v, want code %s and a message", reply.Error, tc.code)
			}
		})
	}
	// Nothing changed: one booking, no payment, no car wash, one lot, and
	// nobody was notified.
	var bs struct{ Items []parkmate.Booking }
	w.admin.mustDo("GET", "/api/bookings/", nil, 200, &bs)
	var full struct {
		parkmate.Booking
		Payments  []parkmate.Payment `json:"payments"`
		CarWashes []parkmate.CarWash `json:"carwashes"`
	}
	w.driver.mustDo("GET", bookings+"/", nil, 200, &full)
	var lots struct{ Items []parkmate.Lot }
	w.owner.mustDo("GET", "/api/lots/", nil, 200, &lots)
	if len(bs.Items) != 1 || len(full.Payments) != 0 || len(full.CarWashes) != 0 || len(lots.Items) != 1 || !full.EndsAt.Equal(b.EndsAt) {
		t.Fatalf("state changed: %d bookings, %d payments, %d washes, %d lots, ends %v", len(bs.Items), len(full.Payments), len(full.CarWashes), len(lots.Items), full.EndsAt)
	}
	w.quiet(t)
}

func TestContentTypeAndAuthRefusals(t *testing.T) {
	srv := startServer(t, testConfig(t), nil)
	u := srv.user("dana", parkmate.RoleDriver)
	req, _ := http.NewRequest("POST", srv.base+"/api/bookings/", strings.NewReader(`{"slot_id":1,"minutes":5}`))
	req.Header.Set("Authorization", "Bearer "+u.token)
	req.Header.Set("Content-Type", "text/plain")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 415 {
		t.Fatalf("text/plain body: %d", resp.StatusCode)
	}
	anon := &client{t: t, srv: srv}
	anon.mustDo("GET", "/api/me/", nil, 401, nil)
	anon.token = "not-a-token"
	anon.mustDo("GET", "/api/me", nil, 401, nil)
	var reply errorReply
	if got := anon.do("POST", "/api/auth/login/", map[string]string{"username": "dana", "password": "wrong-password"}, &reply); got != 401 || reply.Error.Code != "invalid_credentials" {
		t.Fatalf("wrong password: %d %+v", got, reply)
	}
	anon.token = ""
	anon.mustDo("POST", "/api/auth/register/", map[string]string{"username": "dana", "password": "another-pass"}, 409, nil)
	anon.mustDo("POST", "/api/auth/register/", map[string]string{"username": "x", "password": "another-pass"}, 422, nil)
	anon.mustDo("POST", "/api/auth/register/", map[string]string{"username": "newbie", "password": "short"}, 422, nil)
	var reg struct{ User parkmate.User }
	anon.mustDo("POST", "/api/auth/register", map[string]string{"username": "newbie", "password": "long-enough"}, 201, &reg)
	if reg.User.Role != parkmate.RoleDriver {
		t.Fatalf("registered as %s", reg.User.Role)
	}
	// A cookie-authenticated change from a foreign origin is refused (CSRF).
	req, _ = http.NewRequest("POST", srv.base+"/api/notifications/read-all/", nil)
	req.Header.Set("Cookie", "parkmate_session="+u.token)
	req.Header.Set("Origin", "http://evil.example")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("cross-site cookie POST: %d", resp.StatusCode)
	}
}

func TestAuthRateLimit(t *testing.T) {
	cfg := testConfig(t)
	cfg.AuthRate = 3
	srv := startServer(t, cfg, nil)
	anon := &client{t: t, srv: srv}
	// Successful sign-ups and sign-ins are not counted.
	for i := 0; i < 5; i++ {
		name := fmt.Sprintf("user%d", i)
		anon.mustDo("POST", "/api/auth/register/", map[string]string{"username": name, "password": "long-enough"}, 201, nil)
		srv.login(name, "long-enough")
	}
	for i := 0; i < 3; i++ {
		anon.mustDo("POST", "/api/auth/login/", map[string]string{"username": "nobody", "password": "whatever-pass"}, 401, nil)
	}
	req, _ := http.NewRequest("POST", srv.base+"/api/auth/login/", strings.NewReader(`{"username":"nobody","password":"whatever-pass"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("4th attempt: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

func TestPublishAPI(t *testing.T) {
	srv := startServer(t, testConfig(t), nil)
	u := srv.user("dana", parkmate.RoleDriver)
	admin := srv.user("ada", parkmate.RoleAdmin)
	wu, wa := u.mustDialWS(""), admin.mustDialWS("")
	c := &client{t: t, srv: srv}
	body := map[string]any{"user_ids": []int64{u.ID}, "type": "info", "message": "hello"}
	if got := c.doKey("POST", "/api/publish/", body, "", nil); got != 401 {
		t.Fatalf("no key: %d", got)
	}
	if got := c.doKey("POST", "/api/publish/", body, "wrong", nil); got != 401 {
		t.Fatalf("wrong key: %d", got)
	}
	var reply errorReply
	bad := map[string]any{"user_ids": []int64{u.ID, 424242}, "type": "info", "message": "hello"}
	if got := c.doKey("POST", "/api/publish/", bad, "test-publish-key", &reply); got != 422 || reply.Error.Code != "unknown_user" {
		t.Fatalf("unknown user: %d %+v", got, reply)
	}
	expectNothingElse(t, wu) // nothing of the refused call was stored or sent
	for _, tc := range []map[string]any{
		{"user_ids": []int64{u.ID}, "type": "fatal", "message": "x"},
		{"user_ids": []int64{u.ID}, "type": "info", "message": ""},
		{"user_ids": []int64{u.ID}, "type": "info", "message": "x", "data": []int{1}},
		{"groups": []string{"role:pilot"}, "type": "info", "message": "x"},
		{"type": "info", "message": "x"},
	} {
		if got := c.doKey("POST", "/api/publish/", tc, "test-publish-key", nil); got != 422 {
			t.Fatalf("%v: %d", tc, got)
		}
	}
	// A group notification is one row that reaches every member.
	group := map[string]any{"groups": []string{"role:admin"}, "type": "warning", "message": "admins only", "event": "ops.notice", "data": map[string]int{"n": 1}}
	if got := c.doKey("POST", "/api/publish/", group, "test-publish-key", nil); got != 202 {
		t.Fatalf("group: %d", got)
	}
	if f := wa.next(); f.Message != "admins only" || f.Event != "ops.notice" || f.Type != "warning" {
		t.Fatalf("admin frame %+v", f)
	}
	expectNothingElse(t, wu) // the group is the admins
	var inbox struct{ Items []parkmate.InboxItem }
	admin.mustDo("GET", "/api/notifications/", nil, 200, &inbox)
	if len(inbox.Items) != 1 || inbox.Items[0].Message != "admins only" {
		t.Fatalf("admin inbox %+v", inbox.Items)
	}

	// Off without a key.
	cfg := testConfig(t)
	cfg.PublishKey = ""
	off := startServer(t, cfg, nil)
	if got := (&client{t: t, srv: off}).doKey("POST", "/api/publish/", body, "anything", nil); got != 404 {
		t.Fatalf("publishing off: %d", got)
	}
}

func TestInboxAndReadStateSync(t *testing.T) {
	srv := startServer(t, testConfig(t), nil)
	u := srv.user("dana", parkmate.RoleDriver)
	tab := u.mustDialWS("?proto=2")
	seed := u.mustDialWS("")
	var ids []int64
	for i := 0; i < 3; i++ {
		ids = append(ids, publish(t, srv, []int64{u.ID}, fmt.Sprintf("n%d", i))...)
	}
	for range ids {
		tab.next()
		seed.next()
	}
	var count struct{ Count int }
	u.mustDo("GET", "/api/notifications/unread-count/", nil, 200, &count)
	if count.Count != 3 {
		t.Fatalf("unread %d", count.Count)
	}
	var item parkmate.InboxItem
	u.mustDo("POST", fmt.Sprintf("/api/notifications/%d/read/", ids[0]), nil, 200, &item)
	if !item.Read {
		t.Fatalf("marked item %+v", item)
	}
	if f := tab.next(); f.Type != "read" || len(f.IDs) != 1 || f.IDs[0] != ids[0] {
		t.Fatalf("read frame %+v", f)
	}
	u.mustDo("GET", "/api/notifications/unread-count/", nil, 200, &count)
	if count.Count != 2 {
		t.Fatalf("unread after one read: %d", count.Count)
	}
	var all struct {
		Updated int   `json:"updated"`
		UpTo    int64 `json:"up_to"`
	}
	u.mustDo("POST", "/api/notifications/read-all/", nil, 200, &all)
	if all.Updated != 2 || all.UpTo != ids[2] {
		t.Fatalf("read-all %+v", all)
	}
	if f := tab.next(); f.Type != "read_all" || f.UpTo != ids[2] {
		t.Fatalf("read_all frame %+v", f)
	}
	var inbox struct {
		Items []parkmate.InboxItem
		Next  *string
	}
	u.mustDo("GET", "/api/notifications/?limit=2", nil, 200, &inbox)
	if len(inbox.Items) != 2 || inbox.Items[0].ID != ids[2] || !inbox.Items[0].Read || inbox.Next == nil {
		t.Fatalf("inbox page %+v", inbox)
	}
	u.mustDo("GET", "/api/notifications/?limit=2&before="+*inbox.Next, nil, 200, &inbox)
	if len(inbox.Items) != 1 || inbox.Items[0].ID != ids[0] || inbox.Next != nil {
		t.Fatalf("second page %+v", inbox)
	}
	u.mustDo("GET", fmt.Sprintf("/api/notifications/?since=%d", ids[0]), nil, 200, &inbox)
	if len(inbox.Items) != 2 || inbox.Items[0].ID != ids[1] {
		t.Fatalf("since page %+v", inbox)
	}
	// A seed client never sees a read or read_all frame, and the tab saw
	// each once.
	expectNothingElse(t, seed, tab)
}

func TestLongEndedSessionsArePurged(t *testing.T) {
	srv := startServer(t, testConfig(t), nil)
	u := srv.user("dana", parkmate.RoleDriver)
	if n, err := srv.app.auth.PurgeSessions(context.Background()); err != nil || n != 0 {
		t.Fatalf("purge of a live session: %d %v", n, err)
	}
	srv.clock.Advance(26 * time.Hour) // the one-hour session ended a day ago
	if n, err := srv.app.auth.PurgeSessions(context.Background()); err != nil || n != 1 {
		t.Fatalf("purge: %d %v", n, err)
	}
	u.mustDo("GET", "/api/me/", nil, 401, nil)
}
