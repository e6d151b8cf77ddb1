package parking_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"parkmate"
	"parkmate/parking"
)

func ping(users []int64, groups ...string) parking.PublishRequest {
	return parking.PublishRequest{UserIDs: users, Groups: groups, Type: parkmate.LevelInfo, Message: "ping", Event: "test.ping"}
}

// TestPublishGroups checks whom each group reaches: "all" and a role's
// group are one stored row each, a lot's staff is its owner and its
// employees, one row each; an unknown group or user stores nothing.
func TestPublishGroups(t *testing.T) {
	for _, tc := range []struct {
		name   string
		req    func(w *world) parking.PublishRequest
		err    string
		stored []string
	}{
		{"a user", func(w *world) parking.PublishRequest { return ping([]int64{w.dana.ID}) }, ok, []string{"test.ping>dana"}},
		{"everyone", func(*world) parking.PublishRequest { return ping(nil, "all") }, ok, []string{"test.ping>all"}},
		{"a role", func(*world) parking.PublishRequest { return ping(nil, "role:driver") }, ok, []string{"test.ping>role:driver"}},
		{"a lot's staff", func(w *world) parking.PublishRequest { return ping(nil, staff(w.lot)) }, ok,
			[]string{"test.ping>oscar", "test.ping>erin"}},
		{"the other lot's staff", func(w *world) parking.PublishRequest { return ping(nil, staff(w.otherLot)) }, ok,
			[]string{"test.ping>olga", "test.ping>emil"}},
		{"a lot without employees", func(w *world) parking.PublishRequest {
			return ping(nil, staff(must(w.svc.CreateLot(ctx, w.oscar, "Empty", 1))(w.t)))
		}, ok, []string{"test.ping>oscar"}},
		{"users, then groups, in order", func(w *world) parking.PublishRequest {
			return ping([]int64{w.pat.ID, w.dana.ID}, "role:admin", staff(w.otherLot))
		}, ok, []string{"test.ping>pat", "test.ping>dana", "test.ping>olga", "test.ping>emil", "test.ping>role:admin"}},
		{"a lot's staff without a deleted employee", func(w *world) parking.PublishRequest {
			w.store.deleteUser(w.erin.ID)
			return ping(nil, staff(w.lot))
		}, ok, []string{"test.ping>oscar"}},
		{"a deleted user named", func(w *world) parking.PublishRequest {
			w.store.deleteUser(w.erin.ID)
			return ping([]int64{w.erin.ID})
		}, parkmate.EUNPROCESSABLE + "/unknown_user", nil},
		{"a user named 4,000 times, once", func(w *world) parking.PublishRequest {
			return ping(slices.Repeat([]int64{w.dana.ID}, 4000))
		}, ok, []string{"test.ping>dana"}},
		{"users repeated, once each in first order", func(w *world) parking.PublishRequest {
			return ping([]int64{w.pat.ID, w.dana.ID, w.pat.ID, w.dana.ID})
		}, ok, []string{"test.ping>pat", "test.ping>dana"}},
		{"a user named and in a group, once", func(w *world) parking.PublishRequest {
			return ping([]int64{w.oscar.ID}, staff(w.lot))
		}, ok, []string{"test.ping>oscar", "test.ping>erin"}},
		{"a missing lot", func(*world) parking.PublishRequest { return ping(nil, "lot:999:staff") }, unknownGroup, nil},
		{"an unknown role", func(*world) parking.PublishRequest { return ping(nil, "role:king") }, unknownGroup, nil},
		{"a lot that is not a number", func(*world) parking.PublishRequest { return ping(nil, "lot:x:staff") }, unknownGroup, nil},
		{"lot zero", func(*world) parking.PublishRequest { return ping(nil, "lot:0:staff") }, unknownGroup, nil},
		{"a lot without :staff", func(w *world) parking.PublishRequest { return ping(nil, fmt.Sprintf("lot:%d", w.lot.ID)) }, unknownGroup, nil},
		{"no such group", func(*world) parking.PublishRequest { return ping(nil, "everyone") }, unknownGroup, nil},
		{"a missing user among real ones", func(w *world) parking.PublishRequest {
			return ping([]int64{w.dana.ID, 999}, "all")
		}, parkmate.EUNPROCESSABLE + "/unknown_user", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			req := tc.req(w)
			w.store.take()
			res, err := w.svc.Publish(ctx, req)
			if got := errorOf(err); got != tc.err {
				t.Fatalf("error %q (%v), want %q", got, err, tc.err)
			}
			w.expectTold(tc.stored...)
			if err == nil && (res.Status != parking.StatusAccepted || len(res.IDs) != len(tc.stored) || res.Replayed) {
				t.Fatalf("result %+v", res)
			}
		})
	}
}

const unknownGroup = parkmate.EUNPROCESSABLE + "/unknown_group"

func staff(l parkmate.Lot) string { return fmt.Sprintf("lot:%d:staff", l.ID) }

// TestGroupMembership checks who sees a group's notification: everyone
// "all", the members of a role its group, nobody else.
func TestGroupMembership(t *testing.T) {
	w := newWorld(t)
	res := must(w.svc.Publish(ctx, ping(nil, "all", "role:driver", "role:owner", "role:employee", "role:admin")))(t)
	all, roles := res.IDs[0], map[parkmate.Role]int64{}
	for i, r := range []parkmate.Role{parkmate.RoleDriver, parkmate.RoleOwner, parkmate.RoleEmployee, parkmate.RoleAdmin} {
		roles[r] = res.IDs[i+1]
	}
	for name, u := range w.users() {
		var got []int64
		for _, it := range must(w.svc.Inbox(ctx, u, parkmate.InboxQuery{}))(t) {
			if it.Event == "test.ping" {
				got = append(got, it.ID)
			}
		}
		if want := []int64{roles[u.Role], all}; !slices.Equal(got, want) {
			t.Errorf("%s (%s) sees %v, want %v", name, u.Role, got, want)
		}
	}
}

// TestPublishRequests checks what a publish request may hold.
func TestPublishRequests(t *testing.T) {
	w := newWorld(t)
	for _, tc := range []struct {
		name   string
		change func(r *parking.PublishRequest)
		err    string
	}{
		{"a plain one", func(*parking.PublishRequest) {}, ok},
		{"no one to tell", func(r *parking.PublishRequest) { r.UserIDs = nil }, invalid},
		{"too many users", func(r *parking.PublishRequest) { r.UserIDs = make([]int64, parking.MaxPublishUsers+1) }, invalid},
		{"too many groups", func(r *parking.PublishRequest) { r.Groups = make([]string, parking.MaxPublishGroups+1) }, invalid},
		{"an unknown level", func(r *parking.PublishRequest) { r.Type = "loud" }, invalid},
		{"a blank message", func(r *parking.PublishRequest) { r.Message = " \n" }, invalid},
		{"the longest message", func(r *parking.PublishRequest) { r.Message = strings.Repeat("é", parking.MaxMessageRunes) }, ok},
		{"a longer message", func(r *parking.PublishRequest) { r.Message = strings.Repeat("é", parking.MaxMessageRunes+1) }, invalid},
		{"no event", func(r *parking.PublishRequest) { r.Event = "" }, ok},
		{"a dotted event", func(r *parking.PublishRequest) { r.Event = "shop.order_2.ready" }, ok},
		{"an event with capitals", func(r *parking.PublishRequest) { r.Event = "Shop.Ready" }, invalid},
		{"a long event", func(r *parking.PublishRequest) { r.Event = strings.Repeat("e", 65) }, invalid},
		{"data", func(r *parking.PublishRequest) { r.Data = json.RawMessage(`{"k":[1,2]}`) }, ok},
		{"null data", func(r *parking.PublishRequest) { r.Data = json.RawMessage(`null`) }, ok},
		{"data that is not an object", func(r *parking.PublishRequest) { r.Data = json.RawMessage(`[1]`) }, invalid},
		{"too much data", func(r *parking.PublishRequest) {
			r.Data = json.RawMessage(`{"k":"` + strings.Repeat("x", parking.MaxPublishDataLen) + `"}`)
		}, invalid},
		{"a long idempotency key", func(r *parking.PublishRequest) {
			r.IdempotencyKey = strings.Repeat("k", parking.MaxIdempotencyKeyLen+1)
		}, parkmate.EINVALID + "/invalid_idempotency_key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := ping([]int64{w.dana.ID})
			tc.change(&req)
			_, err := w.svc.Publish(ctx, req)
			if got := errorOf(err); got != tc.err {
				t.Fatalf("error %q (%v), want %q", got, err, tc.err)
			}
			notes := w.store.take()
			noData := len(req.Data) == 0 || string(req.Data) == "null"
			if err == nil && (len(notes) != 1 || notes[0].Message != req.Message || noData != (notes[0].Data == nil)) {
				t.Fatalf("stored %+v", notes)
			}
			if err != nil && len(notes) != 0 {
				t.Fatalf("a refused publish stored %+v", notes)
			}
		})
	}
}

// TestIdempotencyKeys: a key repeats its first answer for 24 hours and
// stores nothing; used for another request it is refused; after 24 hours
// it is new, and purging deletes it.
func TestIdempotencyKeys(t *testing.T) {
	w := newWorld(t)
	req := ping([]int64{w.dana.ID})
	req.IdempotencyKey, req.Data = "order-42", json.RawMessage(`{"a":1,"b":2}`)
	first := must(w.svc.Publish(ctx, req))(t)
	w.expectTold("test.ping>dana")
	same := req
	same.Data = json.RawMessage(` { "b": 2, "a": 1 } `)
	other := req
	other.Message = "pong"
	for _, tc := range []struct {
		name     string
		advance  time.Duration
		req      parking.PublishRequest
		err      string
		replayed bool
		told     []string
	}{
		{"the same request", 0, req, ok, true, nil},
		{"the same request spelled differently", 0, same, ok, true, nil},
		{"another request", 0, other, parkmate.EUNPROCESSABLE + "/idempotency_key_reused", false, nil},
		{"the same request a minute before the window ends", 24*time.Hour - time.Minute, req, ok, true, nil},
		{"the same request after the window", 2 * time.Minute, req, ok, false, []string{"test.ping>dana"}},
	} {
		w.clock.advance(tc.advance)
		res, err := w.svc.Publish(ctx, tc.req)
		if got := errorOf(err); got != tc.err || res.Replayed != tc.replayed {
			t.Fatalf("%s: %q replayed=%v (%v), want %q replayed=%v", tc.name, got, res.Replayed, err, tc.err, tc.replayed)
		}
		if tc.replayed && !slices.Equal(res.IDs, first.IDs) {
			t.Fatalf("%s: ids %v, first %v", tc.name, res.IDs, first.IDs)
		}
		w.expectTold(tc.told...)
	}
	if n := must(w.svc.PurgeIdempotencyKeys(ctx))(t); n != 0 {
		t.Fatalf("purged %d keys younger than the window", n)
	}
	w.clock.advance(24 * time.Hour)
	if n := must(w.svc.PurgeIdempotencyKeys(ctx))(t); n != 1 {
		t.Fatalf("purged %d keys, want 1", n)
	}
}
