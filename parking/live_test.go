package parking_test

import (
	"fmt"
	"slices"
	"testing"

	"parkmate"
)

// TestLiveChanges checks what each change tells screens after it commits:
// the objects changed, to the booking's driver, the lot's owner and its
// employees (and every admin), and the slots that became taken or free, to
// the lot's watchers. A change that fails tells nothing.
func TestLiveChanges(t *testing.T) {
	// who sees dana's booking on lot: dana, oscar (owner), erin (employee).
	seen := func(w *world) string { return fmt.Sprint([]int64{w.dana.ID, w.oscar.ID, w.erin.ID}) }
	changed := func(w *world, resource string, id int64, status string) string {
		to := seen(w)
		if resource == "payment" { // money: not the employees'
			to = fmt.Sprint([]int64{w.dana.ID, w.oscar.ID})
		}
		return fmt.Sprintf("changed %s %d of booking %d on lot %d: %s to %s admins=true", resource, id, w.booking.ID, w.lot.ID, status, to)
	}
	slot := func(w *world, free bool, count int) string {
		return fmt.Sprintf("slot %d (number 1) of lot %d free=%t, %d free", w.slots[0].ID, w.lot.ID, free, count)
	}
	for _, tc := range []struct {
		name string
		do   func(w *world) error
		want func(w *world) []string
	}{
		{"the driver renews", func(w *world) error {
			_, err := w.svc.Renew(ctx, w.dana, w.booking.ID, 10)
			return err
		}, func(w *world) []string { return []string{changed(w, "booking", w.booking.ID, "ACTIVE")} }},
		{"a renewal fails", func(w *world) error {
			_, err := w.svc.Renew(ctx, w.dana, w.booking.ID, 10_000)
			return noError(err)
		}, func(w *world) []string { return nil }},
		{"the owner completes", func(w *world) error {
			_, err := w.svc.Complete(ctx, w.oscar, w.booking.ID)
			return err
		}, func(w *world) []string {
			return []string{changed(w, "booking", w.booking.ID, "COMPLETED"), slot(w, true, 3)}
		}},
		{"the driver cancels", func(w *world) error {
			_, err := w.svc.Cancel(ctx, w.dana, w.booking.ID)
			return err
		}, func(w *world) []string {
			return []string{changed(w, "booking", w.booking.ID, "CANCELLED_BY_USER"), slot(w, true, 3)}
		}},
		{"someone else may not cancel", func(w *world) error {
			_, err := w.svc.Cancel(ctx, w.pat, w.booking.ID)
			return noError(err)
		}, func(w *world) []string { return nil }},
		{"the booking expires", func(w *world) error {
			must(w.svc.Cancel(ctx, w.pat, w.otherBooking.ID))(w.t) // only dana's expires
			w.notifier.take()
			w.expireAll()
			return nil
		}, func(w *world) []string {
			return []string{changed(w, "booking", w.booking.ID, "EXPIRED"), slot(w, true, 3)}
		}},
		{"the driver pays cash", func(w *world) error {
			_, err := w.svc.Pay(ctx, w.dana, w.booking.ID, parkmate.PaymentCash, 100)
			return err
		}, func(w *world) []string { return []string{changed(w, "payment", 1000, "PENDING")} }},
		{"the owner verifies", func(w *world) error {
			_, err := w.svc.VerifyPayment(ctx, w.oscar, w.payment.ID)
			return err
		}, func(w *world) []string { return []string{changed(w, "payment", w.payment.ID, "VERIFIED")} }},
		{"the employee starts the wash", func(w *world) error {
			_, err := w.svc.StartCarWash(ctx, w.erin, w.wash.ID)
			return err
		}, func(w *world) []string { return []string{changed(w, "carwash", w.wash.ID, "IN_PROGRESS")} }},
		{"another driver books a slot", func(w *world) error {
			_, err := w.svc.Book(ctx, w.pat, w.slots[1].ID, 30)
			return err
		}, func(w *world) []string {
			return []string{
				fmt.Sprintf("changed booking %d of booking %d on lot %d: ACTIVE to %v admins=true", 1000, 1000, w.lot.ID,
					[]int64{w.pat.ID, w.oscar.ID, w.erin.ID}),
				fmt.Sprintf("slot %d (number 2) of lot %d free=false, 1 free", w.slots[1].ID, w.lot.ID),
			}
		}},
		{"a taken slot is refused", func(w *world) error {
			_, err := w.svc.Book(ctx, w.pat, w.slots[0].ID, 30)
			return noError(err)
		}, func(w *world) []string { return nil }},
		{"an admin assigns", func(w *world) error {
			_, err := w.svc.Assign(ctx, w.ada, w.emil.ID, w.lot.ID)
			return err
		}, func(w *world) []string {
			return []string{fmt.Sprintf("changed assignment %d of booking 0 on lot %d:  to %v admins=true", 1000, w.lot.ID,
				[]int64{w.oscar.ID, w.emil.ID})}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			w.store.nextID(1000) // the next row made gets id 1000
			if err := tc.do(w); err != nil {
				t.Fatal(err)
			}
			if got, want := w.notifier.take(), tc.want(w); !slices.Equal(got, want) {
				t.Fatalf("screens heard\n%q\nwant\n%q", got, want)
			}
		})
	}
}

// noError turns the expected failure of a refused change into success:
// what the test checks is that it tells no screen.
func noError(err error) error {
	if err == nil {
		return fmt.Errorf("the change was not refused")
	}
	return nil
}
