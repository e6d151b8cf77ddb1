package main

import (
	"fmt"
	"testing"
	"time"

	"parkmate"
	"parkmate/internal/testservices"
)

// accountChangeBound is how soon a role change or a delete must take
// effect on every node (issue 8, item 7).
const accountChangeBound = 3 * time.Second

// publishGroups publishes message to groups through the service API.
func publishGroups(t *testing.T, srv *testServer, groups []string, message string) int64 {
	t.Helper()
	c := &client{t: t, srv: srv}
	var out struct {
		IDs []int64 `json:"ids"`
	}
	req := map[string]any{"groups": groups, "type": "info", "message": message, "event": "test.group"}
	if status := c.doKey("POST", "/api/publish/", req, "test-publish-key", &out); status != 202 || len(out.IDs) != 1 {
		t.Fatalf("publish to %v: status %d, ids %v", groups, status, out.IDs)
	}
	return out.IDs[0]
}

// expectClosedWithin waits for close 4401 and checks that it came within
// the bound of since.
func expectClosedWithin(t *testing.T, w *wsClient, since time.Time) {
	t.Helper()
	w.expectClose(4401)
	if d := time.Since(since); d > accountChangeBound {
		t.Fatalf("socket closed after %s, want within %s", d, accountChangeBound)
	}
}

// expectNoAdminBroadcast publishes a role:admin broadcast, which admin's
// socket receives, and then a sentinel to user alone: the sentinel must be
// the next frame w receives, and the broadcast must not be in user's
// inbox. via is the node that publishes.
func expectNoAdminBroadcast(t *testing.T, via *testServer, admin, w *wsClient, user *client) {
	t.Helper()
	bid := publishGroups(t, via, []string{"role:admin"}, "admins only")
	if f := admin.next(); f.ID != bid {
		t.Fatalf("the admin got %+v, want the broadcast %d", f, bid)
	}
	sentinel := publish(t, via, []int64{user.ID}, "sentinel")[0]
	if f := w.next(); f.ID != sentinel {
		t.Fatalf("the demoted user got %+v before the sentinel %d", f, sentinel)
	}
	if n := inboxCount(user, "admins only"); n != 0 {
		t.Fatalf("the demoted user's inbox holds %d admin broadcasts", n)
	}
}

// TestAccountChangeRefusals: only an admin changes or deletes accounts,
// not their own, and only known users to known roles.
func TestAccountChangeRefusals(t *testing.T) {
	srv := startServer(t, testConfig(t), nil)
	ada := srv.user("ada", parkmate.RoleAdmin)
	dana := srv.user("dana", parkmate.RoleDriver)
	oscar := srv.user("oscar", parkmate.RoleOwner)
	path := func(id int64) string { return fmt.Sprintf("/api/users/%d/", id) }
	var e struct {
		Error struct{ Code, Message string }
	}
	for _, tc := range []struct {
		who    *client
		method string
		id     int64
		body   any
		status int
		code   string
	}{
		{dana, "PATCH", oscar.ID, map[string]any{"role": "admin"}, 403, "forbidden"},
		{dana, "PATCH", dana.ID, map[string]any{"role": "admin"}, 403, "forbidden"},
		{oscar, "DELETE", dana.ID, nil, 403, "forbidden"},
		{ada, "PATCH", dana.ID, map[string]any{"role": "king"}, 422, "validation_failed"},
		{ada, "PATCH", dana.ID, map[string]any{}, 422, "validation_failed"},
		{ada, "PATCH", dana.ID, map[string]any{"role": "owner", "name": "x"}, 400, ""},
		{ada, "PATCH", 999, map[string]any{"role": "owner"}, 404, "not_found"},
		{ada, "DELETE", 999, nil, 404, "not_found"},
		{ada, "PATCH", ada.ID, map[string]any{"role": "driver"}, 409, "own_account"},
		{ada, "DELETE", ada.ID, nil, 409, "own_account"},
	} {
		e.Error.Code = ""
		if got := tc.who.do(tc.method, path(tc.id), tc.body, &e); got != tc.status || (tc.code != "" && e.Error.Code != tc.code) {
			t.Errorf("%s %s %d %v: %d %q, want %d %q", tc.who.Username, tc.method, tc.id, tc.body, got, e.Error.Code, tc.status, tc.code)
		}
	}
	dana.mustDo("GET", "/api/me/", nil, 200, nil) // nothing changed
	var out struct{ User parkmate.User }
	ada.mustDo("PATCH", path(oscar.ID), map[string]any{"role": "employee"}, 200, &out)
	if out.User.ID != oscar.ID || out.User.Role != parkmate.RoleEmployee {
		t.Fatalf("changed to %+v", out.User)
	}
	(&client{t: t, srv: srv}).mustDo("DELETE", path(dana.ID), nil, 401, nil)
}

// TestRoleChangeAndDeleteTakeEffectAtOnce: through a real node (SQLite),
// a demoted admin's sockets close with 4401, their token is refused,
// their new sign-in has the new role and gets no role:admin broadcasts;
// a deleted user's sockets close, and they can no longer sign in, be
// listed or be notified.
func TestRoleChangeAndDeleteTakeEffectAtOnce(t *testing.T) {
	srv := startServer(t, testConfig(t), nil)
	testAccountChanges(t, srv, srv)
}

// TestAccountChangesReachEveryNode: the same across two nodes on
// PostgreSQL and Redis: the change is made on node A, and the sockets
// and tokens used on node B end within three seconds.
func TestAccountChangesReachEveryNode(t *testing.T) {
	nodes := startCluster(t, 2)
	testAccountChanges(t, nodes[0], nodes[1])
}

// TestAccountChangesReachANodeTheBrokerMissed: node B hears nothing from
// node A's broker (another channel), so only its revocation check of the
// database ends the sessions: still within three seconds.
func TestAccountChangesReachANodeTheBrokerMissed(t *testing.T) {
	cfg := testConfig(t)
	cfg.DB = testservices.Postgres(t)
	cfg.Broker = testservices.Redis(t)
	clock := newFakeClock()
	cfgA, cfgB := cfg, cfg
	cfgA.BrokerChannel = fmt.Sprintf("parkmate:test:%s:a:%d", t.Name(), time.Now().UnixNano())
	cfgB.BrokerChannel = fmt.Sprintf("parkmate:test:%s:b:%d", t.Name(), time.Now().UnixNano())
	a, b := startServer(t, cfgA, clock), startServer(t, cfgB, clock)
	testAccountChanges(t, a, b)
}

func testAccountChanges(t *testing.T, a, b *testServer) {
	ada := a.user("ada", parkmate.RoleAdmin)
	root := a.user("root", parkmate.RoleAdmin).on(b)
	dana := a.user("dana", parkmate.RoleDriver).on(b)
	wAda := ada.on(b).mustDialWS("")
	wRoot := root.mustDialWS("")
	wRoot2 := b.login("root", "root-password").mustDialWS("") // another device
	wDana := dana.mustDialWS("")
	root.mustDo("GET", "/api/me/", nil, 200, nil) // cached on B now

	// Demote root on A; root's sockets on B close, its token is refused.
	start := time.Now()
	var out struct{ User parkmate.User }
	ada.mustDo("PATCH", fmt.Sprintf("/api/users/%d/", root.ID), map[string]any{"role": "driver"}, 200, &out)
	if out.User.Role != parkmate.RoleDriver {
		t.Fatalf("changed to %+v", out.User)
	}
	expectClosedWithin(t, wRoot, start)
	expectClosedWithin(t, wRoot2, start)
	root.mustDo("GET", "/api/me/", nil, 401, nil)
	if _, resp, err := root.dialWS("", nil); err == nil || resp.StatusCode != 401 {
		t.Fatalf("dial with the old token: %v", err)
	}
	expectNothingElse(t, wDana) // nobody else's session ended

	// Signed in again, root is a driver: no admin broadcasts, no admin API.
	root = b.login("root", "root-password")
	if root.Role != parkmate.RoleDriver {
		t.Fatalf("signed in as %s", root.Role)
	}
	var me parkmate.User
	root.mustDo("GET", "/api/me/", nil, 200, &me)
	if me.Role != parkmate.RoleDriver {
		t.Fatalf("me: %+v", me)
	}
	root.mustDo("GET", "/api/users/", nil, 403, nil)
	wRoot = root.mustDialWS("")
	expectNoAdminBroadcast(t, b, wAda, wRoot, root)

	// Delete dana on A; her socket on B closes, her token is refused, she
	// cannot sign in, nor be listed or notified; her name stays taken.
	start = time.Now()
	ada.mustDo("DELETE", fmt.Sprintf("/api/users/%d/", dana.ID), nil, 204, nil)
	expectClosedWithin(t, wDana, start)
	dana.mustDo("GET", "/api/me/", nil, 401, nil)
	dana.mustDo("GET", "/api/notifications/", nil, 401, nil)
	anon := &client{t: t, srv: b}
	anon.mustDo("POST", "/api/auth/login/", map[string]string{"username": "dana", "password": "dana-password"}, 401, nil)
	anon.mustDo("POST", "/api/auth/register/", map[string]string{"username": "dana", "password": "dana-password"}, 409, nil)
	var list struct{ Items []parkmate.User }
	ada.mustDo("GET", "/api/users/?limit=100", nil, 200, &list)
	for _, u := range list.Items {
		if u.ID == dana.ID {
			t.Fatalf("the deleted user is listed: %+v", list.Items)
		}
	}
	if len(list.Items) != 2 {
		t.Fatalf("listed %+v", list.Items)
	}
	req := map[string]any{"user_ids": []int64{dana.ID}, "type": "info", "message": "hello"}
	if status := anon.doKey("POST", "/api/publish/", req, "test-publish-key", nil); status != 422 {
		t.Fatalf("publish to a deleted user: %d", status)
	}
	ada.mustDo("DELETE", fmt.Sprintf("/api/users/%d/", dana.ID), nil, 404, nil)
	ada.mustDo("PATCH", fmt.Sprintf("/api/users/%d/", dana.ID), map[string]any{"role": "owner"}, 404, nil)

	// A deleted admin's socket closes too, and an admin broadcast no
	// longer counts them.
	ada.mustDo("PATCH", fmt.Sprintf("/api/users/%d/", root.ID), map[string]any{"role": "admin"}, 200, nil)
	wRoot.expectClose(4401)
	root = b.login("root", "root-password")
	wRoot = root.mustDialWS("")
	start = time.Now()
	ada.mustDo("DELETE", fmt.Sprintf("/api/users/%d/", root.ID), nil, 204, nil)
	expectClosedWithin(t, wRoot, start)
	root.mustDo("GET", "/api/me/", nil, 401, nil)
}
