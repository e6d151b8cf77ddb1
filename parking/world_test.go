package parking_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"parkmate"
	"parkmate/parking"
)

var ctx = context.Background()

// The limits of the tests' service.
const (
	maxBooking    = 2 * time.Hour
	expiryWarning = 5 * time.Minute
)

// clock is a clock the test moves by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// notifier records what the rules tell sockets besides notifications.
type notifier struct {
	mu    sync.Mutex
	calls []string
}

func (n *notifier) ReadState(_ context.Context, userID int64, ids []int64) {
	n.record(fmt.Sprintf("read %d %v", userID, ids))
}

func (n *notifier) ReadAll(_ context.Context, userID, upTo int64) {
	n.record(fmt.Sprintf("read-all %d up to %d", userID, upTo))
}

func (n *notifier) Live(_ context.Context, l parkmate.Live) {
	for _, c := range l.Changes {
		n.record(fmt.Sprintf("changed %s %d of booking %d on lot %d: %s to %v admins=%t", c.Resource, c.ID, c.BookingID, c.LotID, c.Status, c.UserIDs, c.Admins))
	}
	for _, sc := range l.Slots {
		n.record(fmt.Sprintf("slot %d (number %d) of lot %d free=%t, %d free", sc.SlotID, sc.Number, sc.LotID, sc.Free, sc.FreeSlots))
	}
}

// take returns what was heard since the last take and forgets it.
func (n *notifier) take() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := n.calls
	n.calls = nil
	return out
}

func (n *notifier) record(s string) {
	n.mu.Lock()
	n.calls = append(n.calls, s)
	n.mu.Unlock()
}

// world is a service over a memStore with two lots and someone of every
// role and relation to them:
//
//	dana (driver) has booking, on slot 1 of lot, owned by oscar (owner),
//	  where erin (employee) works; a cash payment and a car wash of it;
//	pat (driver) has otherBooking on otherLot, owned by olga (owner),
//	  where emil (employee) works; a payment and a car wash of it too;
//	ada is an admin.
type world struct {
	t        *testing.T
	store    *memStore
	clock    *clock
	notifier *notifier
	svc      *parking.Service

	dana, pat, oscar, olga, erin, emil, ada parkmate.User
	lot, otherLot                           parkmate.Lot
	slots                                   []parkmate.Slot
	booking, otherBooking                   parkmate.Booking
	payment, otherPayment                   parkmate.Payment
	wash, otherWash                         parkmate.CarWash
	assignment, otherAssignment             parkmate.Assignment
}

func newWorld(t *testing.T) *world {
	t.Helper()
	c := &clock{now: time.Date(2026, 11, 25, 20, 0, 0, 0, time.UTC)}
	w := &world{t: t, store: newMemStore(c), clock: c, notifier: &notifier{}}
	w.svc = parking.New(w.store, c, w.notifier, parking.Config{MaxBooking: maxBooking, ExpiryWarning: expiryWarning})
	s := w.store
	w.dana, w.pat = s.addUser("dana", parkmate.RoleDriver), s.addUser("pat", parkmate.RoleDriver)
	w.oscar, w.olga = s.addUser("oscar", parkmate.RoleOwner), s.addUser("olga", parkmate.RoleOwner)
	w.erin, w.emil = s.addUser("erin", parkmate.RoleEmployee), s.addUser("emil", parkmate.RoleEmployee)
	w.ada = s.addUser("ada", parkmate.RoleAdmin)

	w.lot = must(w.svc.CreateLot(ctx, w.oscar, "Central", 3))(t)
	w.otherLot = must(w.svc.CreateLot(ctx, w.olga, "North", 2))(t)
	w.slots = must(w.svc.Slots(ctx, w.dana, w.lot.ID))(t)
	otherSlots := must(w.svc.Slots(ctx, w.pat, w.otherLot.ID))(t)
	w.assignment = must(w.svc.Assign(ctx, w.ada, w.erin.ID, w.lot.ID))(t)
	w.otherAssignment = must(w.svc.Assign(ctx, w.ada, w.emil.ID, w.otherLot.ID))(t)
	w.booking = must(w.svc.Book(ctx, w.dana, w.slots[0].ID, 60))(t)
	w.otherBooking = must(w.svc.Book(ctx, w.pat, otherSlots[0].ID, 60))(t)
	w.payment = must(w.svc.Pay(ctx, w.dana, w.booking.ID, parkmate.PaymentCash, 500))(t)
	w.otherPayment = must(w.svc.Pay(ctx, w.pat, w.otherBooking.ID, parkmate.PaymentCash, 700))(t)
	w.wash = must(w.svc.OrderCarWash(ctx, w.dana, w.booking.ID, "full"))(t)
	w.otherWash = must(w.svc.OrderCarWash(ctx, w.pat, w.otherBooking.ID, "interior"))(t)
	w.store.take()
	w.notifier.take()
	return w
}

// must returns a function that fails the test on err, else returns v.
func must[T any](v T, err error) func(testing.TB) T {
	return func(tb testing.TB) T {
		tb.Helper()
		if err != nil {
			tb.Fatalf("setting up: %v", err)
		}
		return v
	}
}

// users returns the world's people by name.
func (w *world) users() map[string]parkmate.User {
	return map[string]parkmate.User{"dana": w.dana, "pat": w.pat, "oscar": w.oscar, "olga": w.olga,
		"erin": w.erin, "emil": w.emil, "ada": w.ada}
}

// told lists the notifications committed since the last call, each as
// "event>recipient" (a group's key for a group row), in commit order.
func (w *world) told() []string {
	names := map[int64]string{}
	for n, u := range w.users() {
		names[u.ID] = n
	}
	out := []string{}
	for _, n := range w.store.take() {
		to := n.GroupKey
		if n.UserID != 0 {
			to = names[n.UserID]
		}
		out = append(out, n.Event+">"+to)
	}
	return out
}

// expectTold fails unless exactly want was committed since the last call.
func (w *world) expectTold(want ...string) {
	w.t.Helper()
	if want == nil {
		want = []string{}
	}
	if got := w.told(); !slices.Equal(got, want) {
		w.t.Fatalf("notified %q, want %q", got, want)
	}
}

// fetch reads a booking as the admin sees it.
func (w *world) fetch(id int64) parkmate.Booking {
	w.t.Helper()
	return must(w.svc.Booking(ctx, w.ada, id))(w.t)
}

// errorOf describes an error the way the tables expect it: "" for none,
// else "kind" or "kind/code" when the code differs from the kind.
func errorOf(err error) string {
	if err == nil {
		return ""
	}
	var pe *parkmate.Error
	if !errors.As(err, &pe) {
		return "untyped: " + err.Error()
	}
	if pe.ErrorCode() != pe.Kind {
		return pe.Kind + "/" + pe.ErrorCode()
	}
	return pe.Kind
}

// Shorthands of the error kinds, for tables.
const (
	forbidden   = parkmate.EFORBIDDEN
	missing     = parkmate.ENOTFOUND
	invalid     = parkmate.EUNPROCESSABLE
	notActive   = parkmate.ECONFLICT + "/booking_not_active"
	tooLong     = parkmate.EUNPROCESSABLE + "/max_length_exceeded"
	notPending  = parkmate.ECONFLICT + "/payment_not_pending"
	washDone    = parkmate.ECONFLICT + "/carwash_completed"
	unknownWash = parkmate.EUNPROCESSABLE + "/unknown_service"
)
