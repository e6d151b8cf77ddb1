package parking_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"parkmate"
)

// TestScheduler moves the clock through dana's one-hour booking (warned
// five minutes before its end) and ticks: each booking is warned once and
// expired once, a renewal far enough arms the warning again, and a
// booking whose end passed unseen is expired without a late warning.
func TestScheduler(t *testing.T) {
	type tick struct {
		at              time.Duration // since the booking started
		renew           int           // minutes to renew by first, if any
		warned, expired int
		told            []string
	}
	warn, expire := "booking.expiring>dana", "booking.expired>dana"
	for _, tc := range []struct {
		name  string
		ticks []tick
	}{
		{"warned once, then expired once", []tick{
			{at: 0},
			{at: 54 * time.Minute},
			{at: 55 * time.Minute, warned: 1, told: []string{warn}},
			{at: 58 * time.Minute},
			{at: 60 * time.Minute, expired: 1, told: []string{expire}},
			{at: 90 * time.Minute},
		}},
		{"expired without a warning when its end passed unseen", []tick{
			{at: 3 * time.Hour, expired: 1, told: []string{expire}},
		}},
		{"warned again after a renewal far enough", []tick{
			{at: 56 * time.Minute, warned: 1, told: []string{warn}},
			{at: 57 * time.Minute, renew: 30, told: []string{"booking.renewed>dana"}},
			{at: 86 * time.Minute, warned: 1, told: []string{warn}},
			{at: 90 * time.Minute, expired: 1, told: []string{expire}},
		}},
		{"not warned again after a renewal within the warning", []tick{
			{at: 56 * time.Minute, warned: 1, told: []string{warn}},
			{at: 57 * time.Minute, renew: 2, told: []string{"booking.renewed>dana"}},
			{at: 62 * time.Minute, expired: 1, told: []string{expire}},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			must(w.svc.Cancel(ctx, w.pat, w.otherBooking.ID))(t)
			w.expectTold("booking.cancelled_by_user>olga")
			start := w.clock.Now()
			for _, k := range tc.ticks {
				w.clock.advance(start.Add(k.at).Sub(w.clock.Now()))
				if k.renew > 0 {
					must(w.svc.Renew(ctx, w.dana, w.booking.ID, k.renew))(t)
				}
				warned, expired, err := w.svc.Tick(ctx)
				if err != nil || warned != k.warned || expired != k.expired {
					t.Fatalf("tick at %s: warned %d, expired %d, %v; want %d, %d", k.at, warned, expired, err, k.warned, k.expired)
				}
				w.expectTold(k.told...)
			}
		})
	}
}

// TestExpiryFreesTheSlotAndSaysHowLongIsLeft checks what events 1 and 2
// say and that an expired booking's slot is free again.
func TestExpiryFreesTheSlotAndSaysHowLongIsLeft(t *testing.T) {
	w := newWorld(t)
	w.clock.advance(57 * time.Minute)
	must2(w.svc.Tick(ctx))
	notes := w.store.take()
	if len(notes) != 2 || notes[0].Message != "Your booking will expire in 3 minutes!" || notes[0].Type != parkmate.LevelWarning {
		t.Fatalf("warnings %+v", notes)
	}
	if free := must(w.svc.Slots(ctx, w.dana, w.lot.ID))(t)[0].Free; free {
		t.Fatal("a booked slot is free")
	}
	w.clock.advance(3 * time.Minute)
	must2(w.svc.Tick(ctx))
	notes = w.store.take()
	if len(notes) != 2 || notes[0].Message != "Your booking has expired. Slot released." || notes[0].Type != parkmate.LevelInfo {
		t.Fatalf("expiries %+v", notes)
	}
	if free := must(w.svc.Slots(ctx, w.dana, w.lot.ID))(t)[0].Free; !free {
		t.Fatal("an expired booking's slot is not free")
	}
	if lot := must(w.svc.Lots(ctx, w.oscar, true, parkmate.Page{}))(t)[0]; lot.Free != lot.Slots {
		t.Fatalf("lot %+v", lot)
	}
}

func must2(_, _ int, err error) {
	if err != nil {
		panic(err)
	}
}

// TestRunSchedulerTicksUntilCancelled runs the scheduler's loop.
func TestRunSchedulerTicksUntilCancelled(t *testing.T) {
	w := newWorld(t)
	w.clock.advance(2 * time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.svc.RunScheduler(ctx, time.Millisecond, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}()
	deadline := time.Now().Add(5 * time.Second)
	for w.fetch(w.booking.ID).Status != parkmate.BookingExpired {
		if time.Now().After(deadline) {
			t.Fatal("the scheduler did not expire the booking")
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done
}
