package main

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"parkmate"
)

// world is a lot with its people, each holding a socket.
type world struct {
	srv                                            *testServer
	driver, other, owner, owner2, emp, admin       *client
	wDriver, wOther, wOwner, wOwner2, wEmp, wAdmin *wsClient
	lot                                            parkmate.Lot
	slots                                          []parkmate.Slot
}

func newWorld(t *testing.T, srv *testServer) *world {
	w := &world{srv: srv}
	w.driver = srv.user("dana", parkmate.RoleDriver)
	w.other = srv.user("olly", parkmate.RoleDriver)
	w.owner = srv.user("oscar", parkmate.RoleOwner)
	w.owner2 = srv.user("otto", parkmate.RoleOwner)
	w.emp = srv.user("erin", parkmate.RoleEmployee)
	w.admin = srv.user("ada", parkmate.RoleAdmin)
	w.owner.mustDo("POST", "/api/lots/", map[string]any{"name": "Central", "slots": 4}, 201, &w.lot)
	var slots struct{ Items []parkmate.Slot }
	w.driver.mustDo("GET", fmt.Sprintf("/api/lots/%d/slots/", w.lot.ID), nil, 200, &slots)
	w.slots = slots.Items
	w.wDriver = w.driver.mustDialWS("")
	w.wOther = w.other.mustDialWS("")
	w.wOwner = w.owner.mustDialWS("")
	w.wOwner2 = w.owner2.mustDialWS("")
	w.wEmp = w.emp.mustDialWS("")
	w.wAdmin = w.admin.mustDialWS("")
	return w
}

// book has the driver book slot i for minutes; the owner hears of it.
func (w *world) book(t *testing.T, i, minutes int) parkmate.Booking {
	t.Helper()
	var b parkmate.Booking
	w.driver.mustDo("POST", "/api/bookings/", map[string]any{"slot_id": w.slots[i].ID, "minutes": minutes}, 201, &b)
	f := w.wOwner.expect("booking.created", "info")
	var data struct {
		BookingID int64 `json:"booking_id"`
	}
	if err := json.Unmarshal(f.Data, &data); err != nil || data.BookingID != b.ID {
		t.Fatalf("event 8 data %s: want booking %d", f.Data, b.ID)
	}
	return b
}

// quiet checks that nobody received anything else: a sentinel sent to
// each of them is the next frame of every socket.
func (w *world) quiet(t *testing.T) {
	t.Helper()
	expectNothingElse(t, w.wDriver, w.wOther, w.wOwner, w.wOwner2, w.wEmp, w.wAdmin)
}

// TestEventsReachTheRightUsers covers the design's ten events and the
// three for owners and employees: each reaches its users, and only them.
func TestEventsReachTheRightUsers(t *testing.T) {
	srv := startServer(t, testConfig(t), nil)
	w := newWorld(t, srv)

	// Event 8: booking created, to the lot's owner only.
	b := w.book(t, 0, 60)
	w.quiet(t)

	w.renewals(t, b)
	w.cashPayment(t, b)
	w.assignment(t)
	w.carWash(t, b)
	w.completion(t, b)
	w.cancellations(t)
	w.expiry(t)
}

// renewals: event 3 (renewed) and event 4 (renewal refused, with the
// reason; the booking is unchanged).
func (w *world) renewals(t *testing.T, b parkmate.Booking) {
	t.Helper()
	var renewed parkmate.Booking
	w.driver.mustDo("POST", fmt.Sprintf("/api/bookings/%d/renew/", b.ID), map[string]any{"minutes": 30}, 200, &renewed)
	if !renewed.EndsAt.Equal(b.EndsAt.Add(30 * time.Minute)) {
		t.Fatalf("renewed ends_at %v, want %v", renewed.EndsAt, b.EndsAt.Add(30*time.Minute))
	}
	w.wDriver.expect("booking.renewed", "success")
	w.quiet(t)

	var errBody struct {
		Error struct{ Code, Message string }
	}
	if got := w.driver.do("POST", fmt.Sprintf("/api/bookings/%d/renew/", b.ID), map[string]any{"minutes": 24 * 60}, &errBody); got != 422 {
		t.Fatalf("renew past max: status %d", got)
	}
	f := w.wDriver.expect("booking.renew_failed", "error")
	if errBody.Error.Code != "max_length_exceeded" || f.Message != "Booking renewal failed: "+errBody.Error.Message {
		t.Fatalf("event 4 %q vs error %+v", f.Message, errBody)
	}
	w.quiet(t)
}

// cashPayment: the lot's owner is told a cash payment awaits
// verification (payment.awaiting_verification), then event 7: verified by
// the lot's owner only, and once. An online payment waits for no one.
func (w *world) cashPayment(t *testing.T, b parkmate.Booking) {
	t.Helper()
	var pay parkmate.Payment
	w.driver.mustDo("POST", fmt.Sprintf("/api/bookings/%d/payments/", b.ID), map[string]any{"method": "CASH", "amount": 7.5}, 201, &pay)
	if pay.Status != parkmate.PaymentPending {
		t.Fatalf("cash payment status %s", pay.Status)
	}
	f := w.wOwner.expect("payment.awaiting_verification", "info")
	var data struct {
		PaymentID int64   `json:"payment_id"`
		BookingID int64   `json:"booking_id"`
		Amount    float64 `json:"amount"`
		Driver    string  `json:"driver"`
	}
	if err := json.Unmarshal(f.Data, &data); err != nil || data.PaymentID != pay.ID || data.BookingID != b.ID || data.Amount != 7.5 || data.Driver != "dana" {
		t.Fatalf("awaiting verification data %s", f.Data)
	}
	if want := fmt.Sprintf("Cash payment of 7.50 from dana for booking #%d at Central awaits your verification.", b.ID); f.Message != want {
		t.Fatalf("awaiting verification message %q, want %q", f.Message, want)
	}
	w.quiet(t)
	w.owner2.mustDo("POST", fmt.Sprintf("/api/payments/%d/verify/", pay.ID), nil, 403, nil)
	w.owner.mustDo("POST", fmt.Sprintf("/api/payments/%d/verify/", pay.ID), nil, 200, nil)
	w.wDriver.expect("payment.verified", "success")
	w.owner.mustDo("POST", fmt.Sprintf("/api/payments/%d/verify/", pay.ID), nil, 409, nil)
	w.quiet(t)
	w.driver.mustDo("POST", fmt.Sprintf("/api/bookings/%d/payments/", b.ID), map[string]any{"method": "ONLINE", "amount": 1}, 201, nil)
	w.quiet(t)
}

// assignment: event 10, to the lot's owner and the employee; only an
// admin assigns.
func (w *world) assignment(t *testing.T) {
	t.Helper()
	var a parkmate.Assignment
	w.owner.mustDo("POST", "/api/assignments/", map[string]any{"employee_id": w.emp.ID, "lot_id": w.lot.ID}, 403, nil)
	w.admin.mustDo("POST", "/api/assignments/", map[string]any{"employee_id": w.emp.ID, "lot_id": w.lot.ID}, 201, &a)
	w.wOwner.expect("assignment.created", "info")
	w.wEmp.expect("assignment.created", "info")
	w.quiet(t)
}

// carWash: the lot's owner and its employee are told of the order
// (carwash.requested); event 9, a car wash completed by the lot's
// employee.
func (w *world) carWash(t *testing.T, b parkmate.Booking) {
	t.Helper()
	var cw parkmate.CarWash
	w.driver.mustDo("POST", fmt.Sprintf("/api/bookings/%d/carwash/", b.ID), map[string]any{"service": "full"}, 201, &cw)
	for _, ws := range []*wsClient{w.wOwner, w.wEmp} {
		f := ws.expect("carwash.requested", "info")
		if want := fmt.Sprintf("Full car wash ordered by dana for booking #%d (slot 1 at Central).", b.ID); f.Message != want {
			t.Fatalf("car wash requested message %q, want %q", f.Message, want)
		}
	}
	w.quiet(t)
	w.other.mustDo("POST", fmt.Sprintf("/api/carwashes/%d/complete/", cw.ID), nil, 403, nil)
	w.owner2.mustDo("POST", fmt.Sprintf("/api/carwashes/%d/complete/", cw.ID), nil, 403, nil)
	w.emp.mustDo("POST", fmt.Sprintf("/api/carwashes/%d/complete/", cw.ID), nil, 200, nil)
	w.wDriver.expect("carwash.completed", "success")
	w.quiet(t)
}

// completion: event 5, the owner completes the booking; then event 4
// again, renewing a booking that is no longer active.
func (w *world) completion(t *testing.T, b parkmate.Booking) {
	t.Helper()
	w.owner2.mustDo("POST", fmt.Sprintf("/api/bookings/%d/complete/", b.ID), nil, 403, nil)
	w.owner.mustDo("POST", fmt.Sprintf("/api/bookings/%d/complete/", b.ID), nil, 200, nil)
	w.wDriver.expect("booking.completed", "success")
	w.quiet(t)

	w.driver.mustDo("POST", fmt.Sprintf("/api/bookings/%d/renew/", b.ID), map[string]any{"minutes": 5}, 409, nil)
	w.wDriver.expect("booking.renew_failed", "error")
}

// cancellations: event 6, an admin cancels a booking; a driver's own
// cancel tells the lot's owner (booking.cancelled_by_user).
func (w *world) cancellations(t *testing.T) {
	t.Helper()
	b2 := w.book(t, 1, 60)
	w.other.mustDo("POST", fmt.Sprintf("/api/bookings/%d/cancel/", b2.ID), nil, 403, nil)
	w.admin.mustDo("POST", fmt.Sprintf("/api/bookings/%d/cancel/", b2.ID), nil, 200, nil)
	w.wDriver.expect("booking.cancelled_by_admin", "warning")
	w.quiet(t)
	b3 := w.book(t, 2, 60)
	var cancelled parkmate.Booking
	w.driver.mustDo("POST", fmt.Sprintf("/api/bookings/%d/cancel/", b3.ID), nil, 200, &cancelled)
	if cancelled.Status != parkmate.BookingCancelledByUser || cancelled.EndedAt == nil {
		t.Fatalf("driver cancel: status %s, ended %v", cancelled.Status, cancelled.EndedAt)
	}
	f := w.wOwner.expect("booking.cancelled_by_user", "info")
	if want := fmt.Sprintf("dana cancelled booking #%d (slot 3 at Central).", b3.ID); f.Message != want {
		t.Fatalf("cancelled by user message %q, want %q", f.Message, want)
	}
	w.quiet(t)
}

// expiry: events 1 and 2 come from the server's scheduler, once each, and
// the expired booking's slot is free again.
func (w *world) expiry(t *testing.T) {
	t.Helper()
	b4 := w.book(t, 3, 10)
	w.srv.clock.Advance(5*time.Minute + time.Second)
	f := w.wDriver.expect("booking.expiring", "warning")
	if f.Message != "Your booking will expire in 5 minutes!" {
		t.Fatalf("event 1 message %q", f.Message)
	}
	w.srv.schedulerPass() // one more pass at this time warns no one again
	w.quiet(t)
	w.srv.clock.Advance(5 * time.Minute)
	f = w.wDriver.expect("booking.expired", "info")
	if f.Message != "Your booking has expired. Slot released." {
		t.Fatalf("event 2 message %q", f.Message)
	}
	var got parkmate.Booking
	w.driver.mustDo("GET", fmt.Sprintf("/api/bookings/%d/", b4.ID), nil, 200, &got)
	if got.Status != parkmate.BookingExpired {
		t.Fatalf("expired booking status %s", got.Status)
	}
	// The slot is free again: another driver books it.
	w.other.mustDo("POST", "/api/bookings/", map[string]any{"slot_id": w.slots[3].ID, "minutes": 30}, 201, nil)
	w.wOwner.expect("booking.created", "info")
	w.srv.schedulerPass()
	w.quiet(t)
}

func TestSchedulerFiresOnceAcrossRestarts(t *testing.T) {
	srv := startServer(t, testConfig(t), nil)
	w := newWorld(t, srv)
	b := w.book(t, 0, 10)
	srv.clock.Advance(6 * time.Minute)
	first := w.wDriver.expect("booking.expiring", "warning")
	srv.schedulerPass()
	seen := expectNothingElse(t, w.wDriver)
	if seen <= first.ID {
		t.Fatalf("sentinel %d not after the warning %d", seen, first.ID)
	}

	srv.restart()
	wd := w.driver.mustDialWS(fmt.Sprintf("?since=%d", seen))
	srv.schedulerPass()
	expectNothingElse(t, wd) // no second warning after the restart
	srv.clock.Advance(5 * time.Minute)
	wd.expect("booking.expired", "info")

	srv.restart()
	wd = w.driver.mustDialWS("?since=0")
	// The history holds each event once, and the two sentinels sent
	// between them.
	want := []string{"booking.expiring", "test.publish", "test.publish", "booking.expired"}
	var events []string
	for range want {
		events = append(events, wd.next().Event)
	}
	if fmt.Sprint(events) != fmt.Sprint(want) {
		t.Fatalf("history %v, want %v", events, want)
	}
	srv.schedulerPass()
	expectNothingElse(t, wd)
	var got parkmate.Booking
	w.driver.mustDo("GET", fmt.Sprintf("/api/bookings/%d/", b.ID), nil, 200, &got)
	if got.Status != parkmate.BookingExpired {
		t.Fatalf("status %s", got.Status)
	}
}

func TestRenewRearmsTheWarning(t *testing.T) {
	srv := startServer(t, testConfig(t), nil)
	w := newWorld(t, srv)
	b := w.book(t, 0, 10)
	srv.clock.Advance(6 * time.Minute)
	w.wDriver.expect("booking.expiring", "warning")
	w.driver.mustDo("POST", fmt.Sprintf("/api/bookings/%d/renew/", b.ID), map[string]any{"minutes": 20}, 200, nil)
	w.wDriver.expect("booking.renewed", "success")
	srv.clock.Advance(20 * time.Minute) // 4 minutes before the new end
	w.wDriver.expect("booking.expiring", "warning")
	srv.schedulerPass()
	expectNothingElse(t, w.wDriver)
}
