package parking_test

import (
	"fmt"
	"slices"
	"testing"

	"parkmate"
)

// TestInbox reads, pages and marks dana's notifications, and checks that
// her other sockets hear of each change of read state.
func TestInbox(t *testing.T) {
	w := newWorld(t)
	first := must(w.svc.Publish(ctx, ping([]int64{w.dana.ID})))(t)
	res := must(w.svc.Publish(ctx, ping([]int64{w.dana.ID, w.pat.ID}, "role:driver")))(t)
	w.store.take()
	a, b, patsID, group := first.IDs[0], res.IDs[0], res.IDs[1], res.IDs[2]
	dana := parkmate.Recipient{UserID: w.dana.ID, Role: parkmate.RoleDriver}
	inbox := func(q parkmate.InboxQuery) []int64 {
		t.Helper()
		var out []int64
		for _, it := range must(w.svc.Inbox(ctx, w.dana, q))(t) {
			if it.Event == "test.ping" {
				out = append(out, it.ID)
			}
		}
		return out
	}
	for _, tc := range []struct {
		name string
		q    parkmate.InboxQuery
		want []int64
	}{
		{"newest first", parkmate.InboxQuery{}, []int64{group, b, a}},
		{"a page", parkmate.InboxQuery{Page: parkmate.Page{Limit: 2}}, []int64{group, b}},
		{"the page before", parkmate.InboxQuery{Page: parkmate.Page{Before: b}}, []int64{a}},
		{"since, oldest first", parkmate.InboxQuery{Since: a, HasSince: true}, []int64{b, group}},
	} {
		if got := inbox(tc.q); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	since := must(w.svc.NotificationsSince(ctx, dana.UserID, dana.Role, a, 10))(t)
	if got := ids(since, func(n parkmate.Notification) int64 { return n.ID }); !slices.Equal(got, []int64{b, group}) {
		t.Fatalf("since %d: %v", a, got)
	}
	if latest := must(w.svc.LatestID(ctx, dana.UserID, dana.Role))(t); latest != group {
		t.Fatalf("latest %d, want %d", latest, group)
	}

	unread := must(w.svc.UnreadCount(ctx, w.dana))(t)
	if it := must(w.svc.MarkRead(ctx, w.dana, a))(t); !it.Read || it.ID != a {
		t.Fatalf("marked %+v", it)
	}
	if n := must(w.svc.UnreadCount(ctx, w.dana))(t); n != unread-1 {
		t.Fatalf("unread %d after one read, was %d", n, unread)
	}
	if _, err := w.svc.MarkRead(ctx, w.dana, patsID); errorOf(err) != missing {
		t.Fatalf("marking another's notification: %v", err)
	}
	updated, upTo, err := w.svc.MarkAllRead(ctx, w.dana)
	if err != nil || updated != unread-1 || upTo != group {
		t.Fatalf("read all: %d up to %d, %v", updated, upTo, err)
	}
	if n := must(w.svc.UnreadCount(ctx, w.dana))(t); n != 0 {
		t.Fatalf("unread %d after reading all", n)
	}
	want := []string{fmt.Sprintf("read %d [%d]", w.dana.ID, a), fmt.Sprintf("read-all %d up to %d", w.dana.ID, group)}
	if !slices.Equal(w.notifier.calls, want) {
		t.Fatalf("sockets heard %q, want %q", w.notifier.calls, want)
	}
	w.expectTold()
}
