package parking_test

import (
	"fmt"
	"testing"

	"parkmate"
	"parkmate/parking"
)

// bookingStates bring dana's booking to each status the way it happens.
// pat's booking is cancelled first, so that the scheduler has only
// dana's to expire.
var bookingStates = []struct {
	status parkmate.BookingStatus
	reach  func(w *world)
}{
	{parkmate.BookingActive, func(*world) {}},
	{parkmate.BookingCompleted, func(w *world) { must(w.svc.Complete(ctx, w.oscar, w.booking.ID))(w.t) }},
	{parkmate.BookingCancelledByUser, func(w *world) { must(w.svc.Cancel(ctx, w.dana, w.booking.ID))(w.t) }},
	{parkmate.BookingCancelledByAdmin, func(w *world) { must(w.svc.Cancel(ctx, w.ada, w.booking.ID))(w.t) }},
	{parkmate.BookingExpired, func(w *world) { w.expireAll() }},
}

// expireAll moves the clock past the end of every booking and ticks.
func (w *world) expireAll() {
	w.t.Helper()
	w.clock.advance(2 * maxBooking)
	if _, _, err := w.svc.Tick(ctx); err != nil {
		w.t.Fatal(err)
	}
}

// TestBookingTransitions tries every change from every status: only an
// ACTIVE booking changes; a final one refuses with booking_not_active
// (a renewal still tells the driver why) or, for the scheduler, stays as
// it is.
func TestBookingTransitions(t *testing.T) {
	type outcome struct {
		err    string
		status parkmate.BookingStatus
		told   []string
	}
	actions := []struct {
		name       string
		do         func(w *world) error
		fromActive outcome
		fromFinal  outcome // status: unchanged
	}{
		{"the owner completes it", func(w *world) error {
			_, err := w.svc.Complete(ctx, w.oscar, w.booking.ID)
			return err
		}, outcome{ok, parkmate.BookingCompleted, []string{"booking.completed>dana"}}, outcome{err: notActive}},
		{"the driver cancels it", func(w *world) error {
			_, err := w.svc.Cancel(ctx, w.dana, w.booking.ID)
			return err
		}, outcome{ok, parkmate.BookingCancelledByUser, []string{"booking.cancelled_by_user>oscar"}}, outcome{err: notActive}},
		{"an admin cancels it", func(w *world) error {
			_, err := w.svc.Cancel(ctx, w.ada, w.booking.ID)
			return err
		}, outcome{ok, parkmate.BookingCancelledByAdmin, []string{"booking.cancelled_by_admin>dana"}}, outcome{err: notActive}},
		{"the driver renews it", func(w *world) error {
			_, err := w.svc.Renew(ctx, w.dana, w.booking.ID, 10)
			return err
		}, outcome{ok, parkmate.BookingActive, []string{"booking.renewed>dana"}},
			outcome{err: notActive, told: []string{"booking.renew_failed>dana"}}},
		{"its time runs out", func(w *world) error {
			w.expireAll()
			return nil
		}, outcome{ok, parkmate.BookingExpired, []string{"booking.expired>dana"}}, outcome{}},
		{"the driver orders a car wash", func(w *world) error {
			_, err := w.svc.OrderCarWash(ctx, w.dana, w.booking.ID, "full")
			return err
		}, outcome{ok, parkmate.BookingActive, []string{"carwash.requested>oscar", "carwash.requested>erin"}}, outcome{err: notActive}},
	}
	for _, from := range bookingStates {
		for _, a := range actions {
			t.Run(fmt.Sprintf("%s/%s", from.status, a.name), func(t *testing.T) {
				w := newWorld(t)
				must(w.svc.Cancel(ctx, w.pat, w.otherBooking.ID))(t)
				from.reach(w)
				w.store.take()
				want := a.fromActive
				if from.status != parkmate.BookingActive {
					want = a.fromFinal
					want.status = from.status
				}
				err := a.do(w)
				if got := errorOf(err); got != want.err {
					t.Fatalf("error %q (%v), want %q", got, err, want.err)
				}
				w.expectTold(want.told...)
				if got := w.fetch(w.booking.ID).Status; got != want.status {
					t.Fatalf("status %s, want %s", got, want.status)
				}
			})
		}
	}
}

// TestPaymentTransitions: cash waits for its lot's owner, who verifies it
// once; online is verified when paid, and never by hand.
func TestPaymentTransitions(t *testing.T) {
	for _, tc := range []struct {
		name    string
		payment func(w *world) parkmate.Payment
		err     string
		told    []string
	}{
		{"cash, pending", func(w *world) parkmate.Payment { return w.payment }, ok, []string{"payment.verified>dana"}},
		{"cash, verified already", func(w *world) parkmate.Payment {
			return must(w.svc.VerifyPayment(ctx, w.oscar, w.payment.ID))(w.t)
		}, notPending, nil},
		{"cash, failed", func(w *world) parkmate.Payment {
			w.setPaymentStatus(w.payment.ID, parkmate.PaymentFailed)
			return w.payment
		}, notPending, nil},
		{"online", func(w *world) parkmate.Payment {
			p := must(w.svc.Pay(ctx, w.dana, w.booking.ID, parkmate.PaymentOnline, 300))(w.t)
			if p.Status != parkmate.PaymentVerified {
				w.t.Fatalf("an online payment is %s", p.Status)
			}
			return p
		}, notPending, nil},
		{"no such payment", func(*world) parkmate.Payment { return parkmate.Payment{ID: 999} }, missing, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			p := tc.payment(w)
			w.store.take()
			got, err := w.svc.VerifyPayment(ctx, w.oscar, p.ID)
			if e := errorOf(err); e != tc.err {
				t.Fatalf("error %q (%v), want %q", e, err, tc.err)
			}
			w.expectTold(tc.told...)
			if err == nil && got.Status != parkmate.PaymentVerified {
				t.Fatalf("verified payment is %s", got.Status)
			}
		})
	}
}

func (w *world) setPaymentStatus(id int64, to parkmate.PaymentStatus) {
	w.t.Helper()
	if err := w.store.Update(ctx, func(tx parking.Tx) error {
		p, err := tx.PaymentByID(id)
		if err == nil {
			_, err = tx.SetPaymentStatus(id, p.Status, to)
		}
		return err
	}); err != nil {
		w.t.Fatal(err)
	}
}

// TestPaymentAmountsAndMethods checks what a payment may be.
func TestPaymentAmountsAndMethods(t *testing.T) {
	w := newWorld(t)
	for _, tc := range []struct {
		method parkmate.PaymentMethod
		cents  int64
		err    string
		status parkmate.PaymentStatus
	}{
		{parkmate.PaymentCash, 1, ok, parkmate.PaymentPending},
		{parkmate.PaymentOnline, parking.MaxAmountCents, ok, parkmate.PaymentVerified},
		{parkmate.PaymentCash, parking.MaxAmountCents + 1, invalid, ""},
		{parkmate.PaymentCash, 0, invalid, ""},
		{parkmate.PaymentCash, -100, invalid, ""},
		{"CARD", 100, invalid, ""},
		{"", 100, invalid, ""},
	} {
		p, err := w.svc.Pay(ctx, w.dana, w.booking.ID, tc.method, tc.cents)
		if got := errorOf(err); got != tc.err || p.Status != tc.status {
			t.Errorf("pay %d by %q: %q %s (%v), want %q %s", tc.cents, tc.method, got, p.Status, err, tc.err, tc.status)
		}
	}
	if _, err := w.svc.Pay(ctx, w.dana, 999, parkmate.PaymentCash, 100); errorOf(err) != missing {
		t.Fatalf("pay for a missing booking: %v", err)
	}
	// Only the cash payment waits for the owner.
	w.expectTold("payment.awaiting_verification>oscar")
}

// TestCarWashTransitions: a wash moves forward until it is COMPLETED,
// which tells the driver (event 9) and is final.
func TestCarWashTransitions(t *testing.T) {
	reach := map[parkmate.CarWashStatus]func(w *world){
		parkmate.CarWashRequested:  func(*world) {},
		parkmate.CarWashInProgress: func(w *world) { must(w.svc.StartCarWash(ctx, w.erin, w.wash.ID))(w.t) },
		parkmate.CarWashCompleted:  func(w *world) { must(w.svc.CompleteCarWash(ctx, w.erin, w.wash.ID))(w.t) },
	}
	done := []string{"carwash.completed>dana"}
	for _, tc := range []struct {
		from     parkmate.CarWashStatus
		complete bool
		err      string
		to       parkmate.CarWashStatus
		told     []string
	}{
		{parkmate.CarWashRequested, false, ok, parkmate.CarWashInProgress, nil},
		{parkmate.CarWashRequested, true, ok, parkmate.CarWashCompleted, done},
		{parkmate.CarWashInProgress, false, ok, parkmate.CarWashInProgress, nil},
		{parkmate.CarWashInProgress, true, ok, parkmate.CarWashCompleted, done},
		{parkmate.CarWashCompleted, false, washDone, parkmate.CarWashCompleted, nil},
		{parkmate.CarWashCompleted, true, washDone, parkmate.CarWashCompleted, nil},
	} {
		t.Run(fmt.Sprintf("%s/complete=%v", tc.from, tc.complete), func(t *testing.T) {
			w := newWorld(t)
			reach[tc.from](w)
			w.store.take()
			move := w.svc.StartCarWash
			if tc.complete {
				move = w.svc.CompleteCarWash
			}
			_, err := move(ctx, w.oscar, w.wash.ID)
			if got := errorOf(err); got != tc.err {
				t.Fatalf("error %q (%v), want %q", got, err, tc.err)
			}
			w.expectTold(tc.told...)
			washes := must(w.svc.Booking(ctx, w.dana, w.booking.ID))(t).CarWashes
			if len(washes) != 1 || washes[0].Status != tc.to {
				t.Fatalf("car washes %+v, want one %s", washes, tc.to)
			}
		})
	}
}

// TestCarWashOrders checks the services and the booking a wash needs.
func TestCarWashOrders(t *testing.T) {
	w := newWorld(t)
	for _, service := range parkmate.CarWashServices() {
		c, err := w.svc.OrderCarWash(ctx, w.dana, w.booking.ID, service)
		if err != nil || c.Status != parkmate.CarWashRequested || c.Service != service || c.LotID != w.lot.ID {
			t.Fatalf("order %s: %+v %v", service, c, err)
		}
		w.expectTold("carwash.requested>oscar", "carwash.requested>erin")
		if c.Driver != w.dana.Username || c.LotName != w.lot.Name || c.SlotNumber != 1 {
			t.Fatalf("order %s names %q, %q, slot %d", service, c.Driver, c.LotName, c.SlotNumber)
		}
	}
	for _, tc := range []struct {
		service   string
		bookingID int64
		err       string
	}{
		{"polish", w.booking.ID, unknownWash},
		{"", w.booking.ID, unknownWash},
		{"full", 999, missing},
	} {
		if _, err := w.svc.OrderCarWash(ctx, w.dana, tc.bookingID, tc.service); errorOf(err) != tc.err {
			t.Errorf("order %q on %d: %v, want %s", tc.service, tc.bookingID, err, tc.err)
		}
	}
	if _, err := w.svc.StartCarWash(ctx, w.oscar, 999); errorOf(err) != missing {
		t.Fatalf("start a missing car wash: %v", err)
	}
	// The message lists the services as words, not as a Go slice.
	if _, err := w.svc.OrderCarWash(ctx, w.dana, w.booking.ID, "polish"); err == nil || err.Error() != "service must be exterior, interior or full." {
		t.Fatalf("unknown service message: %v", err)
	}
	w.expectTold()
}
