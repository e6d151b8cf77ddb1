package push

import (
	"context"
	"errors"
	"time"

	"parkmate"
)

// errLostLease ends a step whose node no longer holds the lease.
var errLostLease = errors.New("push: lease lost")

// maxSteps bounds the batches one pass handles of each kind, so that a
// pass ends (and the lease is looked at again) under a flood.
const maxSteps = 20

// Run is the worker: every Interval, at once when Nudge says that
// notifications were committed, and when the grace of the oldest waiting
// one ends, it takes or renews the lease when it can and, while it holds
// it, turns notifications past their grace into deliveries and sends the
// due ones; until ctx ends, when it gives the lease back so another node
// (or this one, restarted) takes over at once.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTimer(s.cfg.Interval)
	defer t.Stop()
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := s.db.Update(rctx, func(tx Tx) error { return tx.ReleasePushLease(s.cfg.Node) }); err != nil {
			s.log.Warn("push: release the lease", "err", err)
		}
	}()
	for {
		// While the pass runs, the next one is at most an Interval away.
		s.nextPass.Store(time.Now().Add(s.cfg.Interval).UnixNano())
		if err := s.Pass(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("push worker", "err", err)
		}
		wait := s.cfg.Interval
		if s.backlog.Load() {
			wait = time.Millisecond // the pass stopped with work left
		} else if due := s.graceEnds.Load(); due != 0 {
			wait = min(wait, max(time.Until(time.Unix(0, due)), time.Millisecond))
		}
		s.nextPass.Store(time.Now().Add(wait).UnixNano())
		t.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.wake:
		}
	}
}

// Nudge wakes the worker: notifications were committed (on any node). It
// wakes it only when they could be due before its next planned pass (a
// grace shorter than the time to that pass): with the default grace the
// regular pass finds them in time, and a node committing a thousand
// notifications a second does not run a thousand passes. It never blocks.
func (s *Service) Nudge() {
	if time.Now().Add(s.cfg.Grace).UnixNano() >= s.nextPass.Load() {
		return
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Pass is one round of the worker: Run calls it every Interval. While it
// runs, the lease is renewed every third of it (keepLease), and each
// delivery is claimed in a transaction that checks the lease, so a node
// that lost the lease mid-pass sends nothing more.
func (s *Service) Pass(ctx context.Context) error {
	defer s.passed()
	s.backlog.Store(false)
	lead, err := s.lead(ctx)
	if err != nil || !lead {
		return err
	}
	defer s.keepLease(ctx)()
	more := true
	for i := 0; more && i < maxSteps; i++ {
		if more, err = s.advance(ctx); err != nil {
			return lostIsNil(err)
		}
	}
	sending := true
	for i := 0; sending && i < maxSteps; i++ {
		if sending, err = s.deliver(ctx); err != nil {
			return lostIsNil(err)
		}
	}
	s.backlog.Store(more || sending)
	return nil
}

// lostIsNil ends a pass whose node lost the lease without an error: the
// node that took it carries on.
func lostIsNil(err error) error {
	if errors.Is(err, errLostLease) {
		return nil
	}
	return err
}

// WaitPass returns once a whole pass of the worker has ended that began
// after the call (tests use it to know that due work was looked at).
func (s *Service) WaitPass(ctx context.Context) error {
	for range 2 {
		s.passMu.Lock()
		ch := s.passes
		s.passMu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func (s *Service) passed() {
	s.passMu.Lock()
	close(s.passes)
	s.passes = make(chan struct{})
	s.passMu.Unlock()
}

// lead reports whether this node holds the lease, taking it when it is
// free or renewing it when half of it is gone. It writes only then. The
// lease is timed by the database's clock, so nodes whose clocks differ
// agree on when it ends.
func (s *Service) lead(ctx context.Context) (bool, error) {
	var l Lease
	if err := s.db.View(ctx, func(tx Tx) (err error) { l, err = tx.PushLease(); return err }); err != nil {
		return false, err
	}
	mine := l.Owner == s.cfg.Node
	if mine && l.Until.Sub(l.Now) > s.cfg.Lease/2 {
		return true, nil
	}
	if !mine && l.Until.After(l.Now) {
		return false, nil
	}
	var ok bool
	err := s.db.Update(ctx, func(tx Tx) (err error) {
		_, ok, err = tx.TakePushLease(s.cfg.Node, s.cfg.Lease)
		return err
	})
	if ok && !mine {
		s.log.Info("push: this node now sends the pushes", "node", s.cfg.Node)
	}
	return ok, err
}

// keepLease renews the lease every third of it until the returned stop is
// called: a pass that sends for longer than the lease (slow push
// services) keeps it, so no other node takes over meanwhile.
func (s *Service) keepLease(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(max(s.cfg.Lease/3, time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			var ok bool
			err := s.db.Update(ctx, func(tx Tx) (err error) { _, ok, err = tx.TakePushLease(s.cfg.Node, s.cfg.Lease); return err })
			switch {
			case err != nil && ctx.Err() == nil:
				s.log.Warn("push: renew the lease", "err", err)
			case err == nil && !ok:
				s.log.Warn("push: another node took the lease during a pass", "node", s.cfg.Node)
				return
			}
		}
	}()
	return func() { cancel(); <-done }
}

// advance moves the cursor over up to Batch notifications: each one past
// its grace that its user wants pushed and no visible page displayed
// becomes one delivery per subscription. It stops before the first one
// still in its grace. more reports a full batch.
func (s *Service) advance(ctx context.Context) (more bool, err error) {
	err = s.db.Update(ctx, func(tx Tx) error {
		now := tx.Now()
		l, err := tx.PushLease()
		if err != nil {
			return err
		}
		if l.Owner != s.cfg.Node {
			return errLostLease
		}
		limit := l.Cursor + int64(s.cfg.Batch)
		cands, last, err := tx.PushCandidates(l.Cursor, limit)
		if err != nil {
			return err
		}
		upTo := min(limit, last)
		s.graceEnds.Store(0)
		for i, c := range cands {
			if c.CreatedAt.After(now.Add(-s.cfg.Grace)) {
				upTo, cands = c.ID-1, cands[:i]
				// Wake when its grace ends (in wall time from now).
				s.graceEnds.Store(time.Now().Add(c.CreatedAt.Add(s.cfg.Grace).Sub(now)).UnixNano())
				break
			}
		}
		if upTo <= l.Cursor {
			return nil
		}
		if err := s.fanOut(tx, cands, now); err != nil {
			return err
		}
		if err := tx.ForgetDisplayed(upTo); err != nil {
			return err
		}
		ok, err := tx.AdvancePushCursor(s.cfg.Node, l.Cursor, upTo)
		if err == nil && !ok {
			err = errLostLease
		}
		more = upTo == limit
		return err
	})
	return more, err
}

// fanOut stores the deliveries of cands.
func (s *Service) fanOut(tx Tx, cands []Candidate, now time.Time) error {
	if len(cands) == 0 {
		return nil
	}
	users, ids := make([]int64, 0, len(cands)), make([]int64, 0, len(cands))
	for _, c := range cands {
		users, ids = append(users, c.UserID), append(ids, c.ID)
	}
	fan, err := tx.Fanout(users, ids, now)
	if err != nil {
		return err
	}
	var ds []NewDelivery
	for _, c := range cands {
		if fan.Displayed[c.ID] || !wants(fan.Preferences[c.UserID], c.Event) {
			s.metrics.skipped.Inc()
			continue
		}
		p := policyFor(parkmate.Notification{Event: c.Event, Data: c.Data, CreatedAt: c.CreatedAt}, now, s.cfg.TTL)
		if !p.Until.After(now) {
			continue // an expiry warning whose booking has ended
		}
		giveUp := now.Add(s.cfg.GiveUp)
		if p.Until.Before(giveUp) {
			giveUp = p.Until
		}
		for _, sub := range fan.Subscriptions[c.UserID] {
			ds = append(ds, NewDelivery{NotificationID: c.ID, SubscriptionID: sub, NextAt: now, GiveUpAt: giveUp})
		}
	}
	return tx.AddDeliveries(ds)
}
