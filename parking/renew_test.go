package parking_test

import (
	"errors"
	"testing"
	"time"

	"parkmate/parking"

	"parkmate"
)

// TestRenewals renews dana's one-hour booking, under, at and over the
// longest booking (two hours, counted from its start), and when it is no
// longer active: a refused renewal still tells the driver why (event 4),
// and leaves the booking as it was.
func TestRenewals(t *testing.T) {
	renewed := []string{"booking.renewed>dana"}
	failed := []string{"booking.renew_failed>dana"}
	for _, tc := range []struct {
		name    string
		setup   func(w *world)
		minutes int
		err     string
		told    []string
		length  time.Duration // of the booking afterwards, from its start
	}{
		{"under the maximum", nil, 59, ok, renewed, 119 * time.Minute},
		{"up to the maximum", nil, 60, ok, renewed, maxBooking},
		{"one minute over", nil, 61, tooLong, failed, time.Hour},
		{"longer than any booking", nil, 121, tooLong, failed, time.Hour},
		{"so long it would overflow", nil, 1 << 53, tooLong, failed, time.Hour},
		{"later in its life, up to the maximum", func(w *world) { w.clock.advance(50 * time.Minute) }, 60, ok, renewed, maxBooking},
		{"again, once at the maximum", func(w *world) { must(w.svc.Renew(ctx, w.dana, w.booking.ID, 60))(w.t) }, 1, tooLong,
			append(renewed, failed...), maxBooking},
		{"zero minutes", nil, 0, invalid, nil, time.Hour},
		{"negative minutes", nil, -5, invalid, nil, time.Hour},
		{"after its end", func(w *world) { w.clock.advance(time.Hour) }, 10, notActive, failed, time.Hour},
		{"once completed", func(w *world) { must(w.svc.Complete(ctx, w.oscar, w.booking.ID))(w.t) }, 10, notActive,
			[]string{"booking.completed>dana", "booking.renew_failed>dana"}, time.Hour},
		{"once cancelled", func(w *world) { must(w.svc.Cancel(ctx, w.dana, w.booking.ID))(w.t) }, 10, notActive,
			[]string{"booking.cancelled_by_user>oscar", "booking.renew_failed>dana"}, time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			if tc.setup != nil {
				tc.setup(w)
			}
			_, err := w.svc.Renew(ctx, w.dana, w.booking.ID, tc.minutes)
			if got := errorOf(err); got != tc.err {
				t.Fatalf("error %q (%v), want %q", got, err, tc.err)
			}
			w.expectTold(tc.told...)
			b := w.fetch(w.booking.ID)
			if got := b.EndsAt.Sub(b.StartsAt); got != tc.length {
				t.Fatalf("the booking lasts %s, want %s", got, tc.length)
			}
		})
	}
}

// TestRenewalFailuresSayWhy checks the reason event 4 carries.
func TestRenewalFailuresSayWhy(t *testing.T) {
	w := newWorld(t)
	for _, tc := range []struct {
		minutes int
		advance time.Duration
		message string
	}{
		{61, 0, "Booking renewal failed: A booking may last at most 2 hours."},
		{10, time.Hour, "Booking renewal failed: The booking is no longer active."},
	} {
		w.clock.advance(tc.advance)
		_, err := w.svc.Renew(ctx, w.dana, w.booking.ID, tc.minutes)
		notes := w.store.take()
		if len(notes) != 1 || notes[0].Message != tc.message || notes[0].Type != parkmate.LevelError {
			t.Fatalf("renew %d: %v, told %+v", tc.minutes, err, notes)
		}
	}
	if _, err := w.svc.Renew(ctx, w.dana, 999, 10); errorOf(err) != missing {
		t.Fatalf("renew a missing booking: %v", err)
	}
	w.expectTold()
}

// TestBookingLength checks the minutes of a new booking and the slot it
// takes.
func TestBookingLength(t *testing.T) {
	for _, tc := range []struct {
		name    string
		slot    func(w *world) int64
		minutes int
		err     string
	}{
		{"one minute", free, 1, ok},
		{"the longest booking", free, 120, ok},
		{"no minutes", free, 0, invalid},
		{"longer than the longest", free, 121, invalid},
		{"so long it would overflow", free, 1 << 53, invalid},
		{"a slot booked already", func(w *world) int64 { return w.slots[0].ID }, 30, parkmate.ECONFLICT + "/slot_taken"},
		{"no such slot", func(*world) int64 { return 999 }, 30, missing},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			b, err := w.svc.Book(ctx, w.dana, tc.slot(w), tc.minutes)
			if got := errorOf(err); got != tc.err {
				t.Fatalf("error %q (%v), want %q", got, err, tc.err)
			}
			if err != nil {
				w.expectTold()
				return
			}
			w.expectTold("booking.created>oscar")
			if b.Status != parkmate.BookingActive || b.EndsAt.Sub(b.StartsAt) != time.Duration(tc.minutes)*time.Minute ||
				b.LotID != w.lot.ID || b.Username != "dana" {
				t.Fatalf("booked %+v", b)
			}
		})
	}
}

func free(w *world) int64 { return w.slots[1].ID }

// TestRenewalLimitInWords checks how event 4 says the longest booking.
func TestRenewalLimitInWords(t *testing.T) {
	for _, tc := range []struct {
		max  time.Duration
		says string
	}{
		{time.Hour, "1 hour"},
		{3 * time.Hour, "3 hours"},
		{90 * time.Minute, "90 minutes"},
		{90 * time.Second, "1m30s"},
	} {
		c := &clock{now: time.Date(2026, 11, 25, 20, 0, 0, 0, time.UTC)}
		store := newMemStore(c)
		svc := parking.New(store, c, &notifier{}, parking.Config{MaxBooking: tc.max})
		dana, oscar := store.addUser("dana", parkmate.RoleDriver), store.addUser("oscar", parkmate.RoleOwner)
		lot := must(svc.CreateLot(ctx, oscar, "L", 1))(t)
		slots := must(svc.Slots(ctx, dana, lot.ID))(t)
		b := must(svc.Book(ctx, dana, slots[0].ID, 1))(t)
		_, err := svc.Renew(ctx, dana, b.ID, int(tc.max/time.Minute))
		var pe *parkmate.Error
		if !errors.As(err, &pe) || pe.Message != "A booking may last at most "+tc.says+"." {
			t.Errorf("longest %s: %v", tc.max, err)
		}
	}
}
