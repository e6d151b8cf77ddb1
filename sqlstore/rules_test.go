package sqlstore_test

import (
	"slices"
	"testing"
	"time"

	"parkmate"
	"parkmate/sqlstore"
)

// TestRulesContract checks, on every engine, the parts of parking.Tx the
// rules' tests model in memory: which conditional updates apply from
// which state, and what each scoped list holds.
func TestRulesContract(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			db := e.open(t)
			t.Cleanup(func() { db.Close() })
			update := func(fn func(tx *sqlstore.Tx) error) {
				t.Helper()
				if err := db.Update(ctx, fn); err != nil {
					t.Fatal(err)
				}
			}
			applied := func(what string, want bool, ok bool, err error) {
				t.Helper()
				if err != nil || ok != want {
					t.Errorf("%s: applied %v (%v), want %v", what, ok, err, want)
				}
			}
			w := newStoreWorld(t, db)
			update(func(tx *sqlstore.Tx) error {
				ok, err := tx.MarkWarned(w.booking)
				applied("warn an active booking", true, ok, err)
				ok, err = tx.ExtendBooking(w.booking, w.ends.Add(time.Hour), false, 0)
				applied("extend it, keeping the warning", true, ok, err)
				ok, err = tx.MarkWarned(w.booking)
				applied("warn it again", false, ok, err)
				ok, err = tx.ExtendBooking(w.booking, w.ends.Add(2*time.Hour), true, 0)
				applied("extend it, arming the warning", true, ok, err)
				ok, err = tx.MarkWarned(w.booking)
				applied("warn it after the re-arm", true, ok, err)
				ok, err = tx.SetBookingStatus(w.booking, parkmate.BookingCompleted)
				applied("complete it", true, ok, err)
				for _, s := range []parkmate.BookingStatus{parkmate.BookingCompleted, parkmate.BookingCancelledByUser, parkmate.BookingExpired} {
					ok, err = tx.SetBookingStatus(w.booking, s)
					applied("move a completed booking to "+string(s), false, ok, err)
				}
				ok, err = tx.ExtendBooking(w.booking, w.ends.Add(3*time.Hour), true, 0)
				applied("extend a completed booking", false, ok, err)
				ok, err = tx.ExpireBooking(w.booking, w.ends.Add(time.Hour))
				applied("expire a completed booking", false, ok, err)
				w.rebooked, err = tx.CreateBooking(w.driver, w.slot, w.ends, 0)
				applied("book its slot again", true, err == nil, err)

				for _, step := range []struct {
					from, to parkmate.PaymentStatus
					want     bool
				}{
					{parkmate.PaymentPending, parkmate.PaymentVerified, true},
					{parkmate.PaymentPending, parkmate.PaymentVerified, false},
					{parkmate.PaymentVerified, parkmate.PaymentFailed, true},
				} {
					ok, err = tx.SetPaymentStatus(w.payment, step.from, step.to)
					applied("payment "+string(step.from)+" to "+string(step.to), step.want, ok, err)
				}
				for _, step := range []struct {
					to   parkmate.CarWashStatus
					want bool
				}{
					{parkmate.CarWashInProgress, true},
					{parkmate.CarWashInProgress, true},
					{parkmate.CarWashCompleted, true},
					{parkmate.CarWashInProgress, false},
					{parkmate.CarWashCompleted, false},
				} {
					ok, err = tx.SetCarWashStatus(w.wash, step.to)
					applied("car wash to "+string(step.to), step.want, ok, err)
				}
				return nil
			})
			w.checkLists(t, db)
		})
	}
}

// storeWorld is dana's booking (with a payment and a car wash) on slot 1
// of oscar's lot, where erin works, and pat's on olga's lot.
type storeWorld struct {
	driver, otherDriver, owner, employee int64
	lot, otherLot                        int64
	slot                                 int64
	booking, otherBooking, rebooked      int64
	payment, wash                        int64
	ends                                 time.Time
}

func newStoreWorld(t *testing.T, db *sqlstore.DB) *storeWorld {
	t.Helper()
	w := &storeWorld{ends: time.Now().Add(time.Hour)}
	w.driver = mustUser(t, db, "dana", parkmate.RoleDriver).ID
	w.otherDriver = mustUser(t, db, "pat", parkmate.RoleDriver).ID
	w.owner = mustUser(t, db, "oscar", parkmate.RoleOwner).ID
	olga := mustUser(t, db, "olga", parkmate.RoleOwner).ID
	w.employee = mustUser(t, db, "erin", parkmate.RoleEmployee).ID
	err := db.Update(ctx, func(tx *sqlstore.Tx) error {
		lot, err := tx.CreateLot(parkmate.Lot{Name: "Central", OwnerID: w.owner, Slots: 2})
		if err != nil {
			return err
		}
		other, err := tx.CreateLot(parkmate.Lot{Name: "North", OwnerID: olga, Slots: 1})
		if err != nil {
			return err
		}
		w.lot, w.otherLot = lot.ID, other.ID
		slots, _ := tx.Slots(lot.ID)
		otherSlots, _ := tx.Slots(other.ID)
		w.slot = slots[0].ID
		if _, err = tx.CreateAssignment(parkmate.Assignment{EmployeeID: w.employee, LotID: lot.ID}); err != nil {
			return err
		}
		if w.booking, err = tx.CreateBooking(w.driver, w.slot, w.ends, 0); err != nil {
			return err
		}
		if w.otherBooking, err = tx.CreateBooking(w.otherDriver, otherSlots[0].ID, w.ends, 0); err != nil {
			return err
		}
		if w.payment, err = tx.CreatePayment(parkmate.Payment{BookingID: w.booking, Method: parkmate.PaymentCash, AmountCents: 100, Status: parkmate.PaymentPending}); err != nil {
			return err
		}
		if _, err = tx.CreatePayment(parkmate.Payment{BookingID: w.otherBooking, Method: parkmate.PaymentCash, AmountCents: 100, Status: parkmate.PaymentPending}); err != nil {
			return err
		}
		w.wash, err = tx.CreateCarWash(parkmate.CarWash{BookingID: w.booking, Service: "full", Status: parkmate.CarWashRequested})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// checkLists checks what each filter of a list keeps.
func (w *storeWorld) checkLists(t *testing.T, db *sqlstore.DB) {
	t.Helper()
	err := db.View(ctx, func(tx *sqlstore.Tx) error {
		lots := func(l []parkmate.Lot, err error) []int64 {
			return ids(l, err, func(l parkmate.Lot) int64 { return l.ID })
		}
		bookings := func(b []parkmate.Booking, err error) []int64 {
			return ids(b, err, func(b parkmate.Booking) int64 { return b.ID })
		}
		payments := func(p []parkmate.Payment, err error) []int64 {
			return ids(p, err, func(p parkmate.Payment) int64 { return p.BookingID })
		}
		washes := func(c []parkmate.CarWash, err error) []int64 {
			return ids(c, err, func(c parkmate.CarWash) int64 { return c.BookingID })
		}
		assigned := func(a []parkmate.Assignment, err error) []int64 {
			return ids(a, err, func(a parkmate.Assignment) int64 { return a.LotID })
		}
		for _, tc := range []struct {
			name      string
			got, want []int64
		}{
			{"an owner's lots", lots(tx.Lots(w.owner, parkmate.Page{})), []int64{w.lot}},
			{"every lot", lots(tx.Lots(0, parkmate.Page{})), []int64{w.otherLot, w.lot}},
			{"a driver's bookings", bookings(tx.Bookings(parkmate.BookingFilter{UserID: w.driver})), []int64{w.rebooked, w.booking}},
			{"an owner's bookings", bookings(tx.Bookings(parkmate.BookingFilter{OwnerID: w.owner, Status: parkmate.BookingCompleted})), []int64{w.booking}},
			{"an employee's bookings", bookings(tx.Bookings(parkmate.BookingFilter{EmployeeID: w.employee, Status: parkmate.BookingCompleted})), []int64{w.booking}},
			{"active bookings", bookings(tx.Bookings(parkmate.BookingFilter{Status: parkmate.BookingActive, Page: parkmate.Page{Limit: 1}})), []int64{w.rebooked}},
			{"bookings below one", bookings(tx.Bookings(parkmate.BookingFilter{Page: parkmate.Page{Before: w.otherBooking}})), []int64{w.booking}},
			{"a driver's payments", payments(tx.Payments(parkmate.ListFilter{UserID: w.driver})), []int64{w.booking}},
			{"an owner's payments", payments(tx.Payments(parkmate.ListFilter{OwnerID: w.owner})), []int64{w.booking}},
			{"failed payments", payments(tx.Payments(parkmate.ListFilter{Status: string(parkmate.PaymentFailed)})), []int64{w.booking}},
			{"a booking's payments", payments(tx.Payments(parkmate.ListFilter{BookingID: w.otherBooking})), []int64{w.otherBooking}},
			{"an employee's car washes", washes(tx.CarWashes(parkmate.ListFilter{EmployeeID: w.employee})), []int64{w.booking}},
			{"another driver's car washes", washes(tx.CarWashes(parkmate.ListFilter{UserID: w.otherDriver})), nil},
			{"an owner's assignments", assigned(tx.Assignments(parkmate.AssignmentFilter{OwnerID: w.owner})), []int64{w.lot}},
			{"a lot's assignments", assigned(tx.Assignments(parkmate.AssignmentFilter{LotID: w.otherLot})), nil},
		} {
			if !slices.Equal(tc.got, tc.want) && (len(tc.got) > 0 || len(tc.want) > 0) {
				t.Errorf("%s: %v, want %v", tc.name, tc.got, tc.want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func ids[T any](items []T, err error, id func(T) int64) []int64 {
	if err != nil {
		return []int64{-1}
	}
	out := []int64{}
	for _, it := range items {
		out = append(out, id(it))
	}
	return out
}
