package hub_test

import (
	"testing"

	"parkmate"
	"parkmate/broker"
	"parkmate/hub"
)

// counter is a subscriber that counts what it is given.
type counter struct {
	user int64
	role parkmate.Role
	got  []string
}

func (c *counter) UserID() int64             { return c.user }
func (c *counter) Role() parkmate.Role       { return c.role }
func (c *counter) SessionID() string         { return "" }
func (c *counter) Deliver(m *broker.Message) { c.got = append(c.got, string(m.Frame)) }
func (c *counter) SessionEnded()             {}
func (c *counter) Kick(int, string)          {}

// TestLotFramesReachTheLotsWatchers: a slot frame reaches the sockets
// watching its lot, whoever their user; a new watch replaces the last; a
// removed socket watches nothing.
func TestLotFramesReachTheLotsWatchers(t *testing.T) {
	h := hub.New()
	a, b, c := &counter{user: 1}, &counter{user: 2}, &counter{user: 1}
	for _, s := range []*counter{a, b, c} {
		h.Add(s)
	}
	h.Watch(a, []int64{7, 8})
	h.Watch(b, []int64{8})
	slot := func(lot int64, frame string) {
		h.Handle([]broker.Message{{Kind: broker.KindLive, Lot: lot, Frame: []byte(frame)}})
	}
	slot(7, "7a")
	slot(8, "8a")
	h.Watch(a, []int64{9}) // replaces 7 and 8
	slot(7, "7b")
	slot(8, "8b")
	slot(9, "9b")
	h.Remove(b)
	slot(8, "8c")
	for _, tc := range []struct {
		s    *counter
		want []string
	}{{a, []string{"7a", "8a", "9b"}}, {b, []string{"8a", "8b"}}, {c, nil}} {
		if len(tc.s.got) != len(tc.want) {
			t.Fatalf("user %d got %q, want %q", tc.s.user, tc.s.got, tc.want)
		}
		for i := range tc.want {
			if tc.s.got[i] != tc.want[i] {
				t.Fatalf("user %d got %q, want %q", tc.s.user, tc.s.got, tc.want)
			}
		}
	}
	if n := h.Watching(8); n != 0 {
		t.Fatalf("%d sockets still watch lot 8", n)
	}
	h.Watch(a, nil)
	if n := h.Watching(9); n != 0 {
		t.Fatalf("an empty watch left %d watchers of lot 9", n)
	}
}

// TestLiveChangesReachTheirUsersAndAdmins: LiveMessages addresses a change
// to each of its users and, when asked, to every admin.
func TestLiveChangesReachTheirUsersAndAdmins(t *testing.T) {
	h := hub.New()
	driver, owner, admin, stranger := &counter{user: 1, role: parkmate.RoleDriver}, &counter{user: 2, role: parkmate.RoleOwner},
		&counter{user: 3, role: parkmate.RoleAdmin}, &counter{user: 4, role: parkmate.RoleDriver}
	for _, s := range []*counter{driver, owner, admin, stranger} {
		h.Add(s)
	}
	msgs, err := broker.LiveMessages(parkmate.Live{Changes: []parkmate.Change{{Resource: "booking", ID: 5, BookingID: 5, LotID: 2,
		Status: "ACTIVE", UserIDs: []int64{1, 2}, Admins: true}}})
	if err != nil {
		t.Fatal(err)
	}
	h.Handle(msgs)
	want := `{"type":"changed","resource":"booking","id":5,"booking_id":5,"lot_id":2,"status":"ACTIVE"}`
	for _, s := range []*counter{driver, owner, admin} {
		if len(s.got) != 1 || s.got[0] != want {
			t.Fatalf("user %d got %q, want %s", s.user, s.got, want)
		}
	}
	if len(stranger.got) != 0 {
		t.Fatalf("a stranger got %q", stranger.got)
	}
}

// TestGroupFramesGoByEachSocketsRole: while a user's role changes, their
// old socket (old role) and new socket (new role) each get the frames of
// their own role's group.
func TestGroupFramesGoByEachSocketsRole(t *testing.T) {
	h := hub.New()
	old, cur := &counter{user: 5, role: parkmate.RoleDriver}, &counter{user: 5, role: parkmate.RoleAdmin}
	h.Add(old)
	h.Add(cur)
	h.Handle([]broker.Message{{Kind: broker.KindLive, Group: parkmate.RoleGroup(parkmate.RoleAdmin), Frame: []byte("admins")}})
	if len(old.got) != 0 || len(cur.got) != 1 {
		t.Fatalf("the driver's socket got %q, the admin's %q", old.got, cur.got)
	}
}
