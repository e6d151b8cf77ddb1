package parking

import (
	"context"
	"log/slog"
	"time"

	"parkmate"
	"parkmate/notify"
)

// ExpiryTx finds and ends the bookings whose time runs out.
type ExpiryTx interface {
	// DueForWarning returns up to limit ids of ACTIVE bookings not warned
	// yet that end by t, soonest first.
	DueForWarning(t time.Time, limit int) ([]int64, error)
	// DueForExpiry returns up to limit ids of ACTIVE bookings that ended by
	// t, soonest first.
	DueForExpiry(t time.Time, limit int) ([]int64, error)
	// ExpireBooking moves an ACTIVE booking that ended by now to EXPIRED;
	// ok is false when it was not ACTIVE or has not ended.
	ExpireBooking(id int64, now time.Time) (ok bool, err error)
	// MarkWarned records that an ACTIVE booking was warned; ok is false
	// when it was not ACTIVE or was warned already.
	MarkWarned(id int64) (ok bool, err error)
}

// schedulerBatch bounds the bookings one tick handles per kind.
const schedulerBatch = 200

// Tick sends due expiry warnings (event 1) and expires bookings whose time
// is up (event 2), releasing their slots. Each booking is warned and
// expired at most once, whatever the number of nodes or restarts: the
// change is a conditional update in the same transaction as the
// notification. A booking that already ended is expired without a warning.
func (s *Service) Tick(ctx context.Context) (warned, expired int, err error) {
	now := s.clock.Now()
	var warnIDs, expireIDs []int64
	err = s.db.View(ctx, func(tx Tx) error {
		var err error
		if expireIDs, err = tx.DueForExpiry(now, schedulerBatch); err != nil {
			return err
		}
		warnIDs, err = tx.DueForWarning(now.Add(s.cfg.ExpiryWarning), schedulerBatch)
		return err
	})
	if err != nil {
		return 0, 0, err
	}
	for _, id := range expireIDs {
		ok, err := s.expire(ctx, id)
		if err != nil {
			return warned, expired, err
		}
		if ok {
			expired++
		}
	}
	for _, id := range warnIDs {
		ok, err := s.warn(ctx, id)
		if err != nil {
			return warned, expired, err
		}
		if ok {
			warned++
		}
	}
	return warned, expired, nil
}

func (s *Service) expire(ctx context.Context, id int64) (done bool, err error) {
	err = s.update(ctx, func(tx Tx, live *parkmate.Live) error {
		done = false
		ok, err := tx.ExpireBooking(id, s.clock.Now())
		if err != nil || !ok {
			return err
		}
		b, err := tx.BookingByID(id)
		if err != nil {
			return err
		}
		if err := bookingChanged(tx, live, b, parkmate.ResourceBooking, b.ID, string(b.Status)); err != nil {
			return err
		}
		if err := slotChanged(tx, live, b, true); err != nil {
			return err
		}
		done = true
		_, err = tx.AddNotification(notify.BookingExpired(b))
		return err
	})
	return done, err
}

func (s *Service) warn(ctx context.Context, id int64) (done bool, err error) {
	err = s.db.Update(ctx, func(tx Tx) error {
		b, err := tx.BookingByID(id)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		if b.Status != parkmate.BookingActive || !b.EndsAt.After(now) || b.EndsAt.Sub(now) > s.cfg.ExpiryWarning {
			return nil
		}
		ok, err := tx.MarkWarned(id)
		if err != nil || !ok {
			return err
		}
		done = true
		_, err = tx.AddNotification(notify.BookingExpiring(b, b.EndsAt.Sub(now)))
		return err
	})
	return done, err
}

// RunScheduler ticks every interval until ctx ends, logging failures.
func (s *Service) RunScheduler(ctx context.Context, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			w, e, err := s.Tick(ctx)
			if err != nil && ctx.Err() == nil {
				log.Error("scheduler tick", "err", err)
			}
			if w+e > 0 {
				log.Debug("scheduler tick", "warned", w, "expired", e)
			}
		}
	}
}
