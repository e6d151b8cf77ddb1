package parking_test

import (
	"strings"
	"testing"

	"parkmate"
	"parkmate/parking"
)

// TestLots checks a new lot's name and number of slots.
func TestLots(t *testing.T) {
	w := newWorld(t)
	for _, tc := range []struct {
		name     string
		slots    int
		err      string
		wantName string
	}{
		{"  Harbour  ", 1, ok, "Harbour"},
		{strings.Repeat("ö", 100), parking.DefaultMaxSlots, ok, strings.Repeat("ö", 100)},
		{strings.Repeat("ö", 101), 1, invalid, ""},
		{" \t", 1, invalid, ""},
		{"Harbour", 0, invalid, ""},
		{"Harbour", parking.DefaultMaxSlots + 1, invalid, ""},
	} {
		l, err := w.svc.CreateLot(ctx, w.oscar, tc.name, tc.slots)
		if got := errorOf(err); got != tc.err {
			t.Fatalf("lot %q of %d: %q (%v), want %q", tc.name, tc.slots, got, err, tc.err)
		}
		if err != nil {
			continue
		}
		slots := must(w.svc.Slots(ctx, w.dana, l.ID))(t)
		if l.Name != tc.wantName || l.OwnerID != w.oscar.ID || l.Free != tc.slots || len(slots) != tc.slots ||
			slots[0].Number != 1 || slots[len(slots)-1].Number != tc.slots {
			t.Fatalf("lot %+v with %d slots", l, len(slots))
		}
	}
	if _, err := w.svc.Slots(ctx, w.dana, 999); errorOf(err) != missing {
		t.Fatalf("slots of a missing lot: %v", err)
	}
	w.expectTold()
}

// TestAssignments checks whom an admin may put on which lot, and that
// event 10 tells the lot's owner and the employee.
func TestAssignments(t *testing.T) {
	w := newWorld(t)
	for _, tc := range []struct {
		name            string
		employee, lotID func(w *world) int64
		err             string
		told            []string
	}{
		{"an employee on another lot", func(w *world) int64 { return w.erin.ID }, func(w *world) int64 { return w.otherLot.ID }, ok,
			[]string{"assignment.created>olga", "assignment.created>erin"}},
		{"the same again", func(w *world) int64 { return w.erin.ID }, func(w *world) int64 { return w.lot.ID },
			parkmate.ECONFLICT + "/already_assigned", nil},
		{"a driver", func(w *world) int64 { return w.dana.ID }, func(w *world) int64 { return w.lot.ID }, invalid, nil},
		{"an owner", func(w *world) int64 { return w.olga.ID }, func(w *world) int64 { return w.lot.ID }, invalid, nil},
		{"nobody", func(*world) int64 { return 999 }, func(w *world) int64 { return w.lot.ID }, missing, nil},
		{"to no lot", func(w *world) int64 { return w.emil.ID }, func(*world) int64 { return 999 }, missing, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := w.svc.Assign(ctx, w.ada, tc.employee(w), tc.lotID(w))
			if got := errorOf(err); got != tc.err {
				t.Fatalf("error %q (%v), want %q", got, err, tc.err)
			}
			w.expectTold(tc.told...)
			if err == nil && (a.Employee != "erin" || a.LotName != "North" || a.OwnerID != w.olga.ID) {
				t.Fatalf("assignment %+v", a)
			}
		})
	}
}

// TestBookingShowsItsPaymentsAndCarWashes checks the one booking view.
func TestBookingShowsItsPaymentsAndCarWashes(t *testing.T) {
	w := newWorld(t)
	b := must(w.svc.Booking(ctx, w.erin, w.booking.ID))(t)
	if len(b.Payments) != 1 || b.Payments[0].ID != w.payment.ID || len(b.CarWashes) != 1 || b.CarWashes[0].ID != w.wash.ID {
		t.Fatalf("booking %+v", b)
	}
	if b.Username != "dana" || b.LotName != "Central" || b.SlotNumber != 1 || b.OwnerID != w.oscar.ID {
		t.Fatalf("booking %+v", b)
	}
	if _, err := w.svc.Booking(ctx, w.ada, 999); errorOf(err) != missing {
		t.Fatalf("a missing booking: %v", err)
	}
}

// TestConfigDefaults checks the limits a zero Config gets.
func TestConfigDefaults(t *testing.T) {
	cfg := parking.New(newMemStore(&clock{}), &clock{}, &notifier{}, parking.Config{}).Config()
	if cfg.MaxBooking != parking.DefaultMaxBooking || cfg.ExpiryWarning != parking.DefaultExpiryWarning || cfg.MaxSlots != parking.DefaultMaxSlots {
		t.Fatalf("defaults %+v", cfg)
	}
}
