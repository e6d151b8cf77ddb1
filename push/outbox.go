package push

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
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
		if err := s.Pass(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("push worker", "err", err)
		}
		wait := s.cfg.Interval
		if s.backlog.Load() {
			wait = time.Millisecond // the pass stopped with work left
		} else if due := s.graceEnds.Load(); due != 0 {
			wait = min(wait, max(time.Until(time.Unix(0, due)), time.Millisecond))
		}
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
// never blocks.
func (s *Service) Nudge() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Pass is one round of the worker: Run calls it every Interval.
func (s *Service) Pass(ctx context.Context) error {
	defer s.passed()
	s.backlog.Store(false)
	lead, err := s.lead(ctx)
	if err != nil || !lead {
		return err
	}
	more := true
	for i := 0; more && i < maxSteps; i++ {
		if more, err = s.advance(ctx); errors.Is(err, errLostLease) {
			return nil
		} else if err != nil {
			return err
		}
	}
	sending := true
	for i := 0; sending && i < maxSteps; i++ {
		if sending, err = s.deliver(ctx); err != nil {
			return err
		}
	}
	s.backlog.Store(more || sending)
	return nil
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
// free or renewing it when half of it is gone. It writes only then.
func (s *Service) lead(ctx context.Context) (bool, error) {
	now := s.clock.Now()
	var l Lease
	if err := s.db.View(ctx, func(tx Tx) (err error) { l, err = tx.PushLease(); return err }); err != nil {
		return false, err
	}
	mine := l.Owner == s.cfg.Node
	if mine && l.Until.Sub(now) > s.cfg.Lease/2 {
		return true, nil
	}
	if !mine && l.Until.After(now) {
		return false, nil
	}
	var ok bool
	err := s.db.Update(ctx, func(tx Tx) (err error) {
		_, ok, err = tx.TakePushLease(s.cfg.Node, tx.Now(), tx.Now().Add(s.cfg.Lease))
		return err
	})
	if ok && !mine {
		s.log.Info("push: this node now sends the pushes", "node", s.cfg.Node)
	}
	return ok, err
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

// deliver claims up to 4×Concurrency due deliveries (at most Batch) and
// sends them: those of one
// subscription one after another in notification order, different
// subscriptions at once (at most Concurrency). more reports a full batch.
func (s *Service) deliver(ctx context.Context) (more bool, err error) {
	now := s.clock.Now()
	limit := min(s.cfg.Batch, 4*s.cfg.Concurrency)
	var due []Delivery
	if err := s.db.View(ctx, func(tx Tx) (err error) { due, err = tx.DueDeliveries(now, limit); return err }); err != nil || len(due) == 0 {
		return false, err
	}
	ids := make([]int64, len(due))
	for i, d := range due {
		ids[i] = d.ID
	}
	// The claim outlasts the batch: a subscription's pushes stop at its
	// first failure, so each group waits out at most one timeout, and the
	// groups go Concurrency at a time.
	rounds := (len(due)+s.cfg.Concurrency-1)/s.cfg.Concurrency + 1
	claimUntil := now.Add(time.Duration(rounds)*s.cfg.Timeout + 5*time.Second)
	var claimed []int64
	if err := s.db.Update(ctx, func(tx Tx) (err error) { claimed, err = tx.ClaimDeliveries(ids, now, claimUntil); return err }); err != nil {
		return false, err
	}
	mine := map[int64]bool{}
	for _, id := range claimed {
		mine[id] = true
	}
	var order []int64
	groups := map[int64][]Delivery{}
	for _, d := range due {
		if !mine[d.ID] {
			continue
		}
		sid := d.Subscription.ID
		if groups[sid] == nil {
			order = append(order, sid)
		}
		groups[sid] = append(groups[sid], d)
	}
	sem := make(chan struct{}, s.cfg.Concurrency)
	var wg sync.WaitGroup
	for _, sid := range order {
		sem <- struct{}{}
		wg.Add(1)
		go func(ds []Delivery) {
			defer func() { <-sem; wg.Done() }()
			s.sendInOrder(ctx, ds)
		}(groups[sid])
	}
	wg.Wait()
	return len(due) == limit, nil
}

// sendInOrder sends one subscription's deliveries in order; after a
// failure that asks to wait, the rest wait as long (in order still), and
// after the subscription is gone, nothing more is sent to it.
func (s *Service) sendInOrder(ctx context.Context, ds []Delivery) {
	for i, d := range ds {
		at, stop := s.attempt(ctx, d)
		if !stop {
			continue
		}
		for _, rest := range ds[i+1:] {
			if at.IsZero() {
				break // the subscription was dropped, its deliveries with it
			}
			s.write(ctx, func(tx Tx) error { return tx.RescheduleDelivery(rest.ID, at, false) })
		}
		return
	}
}

// attempt sends one delivery and records what became of it. stop says
// that the subscription's next deliveries must not be sent now: they wait
// until at, or (zero at) the subscription is gone.
func (s *Service) attempt(ctx context.Context, d Delivery) (at time.Time, stop bool) {
	now := s.clock.Now()
	if !now.Before(d.GiveUpAt) {
		s.finish(ctx, d, "given_up", nil)
		return time.Time{}, false
	}
	n := d.Notification
	a := s.sender.send(ctx, d.Subscription, Payload(n), policyFor(n, now, s.cfg.TTL), "n"+strconv.FormatInt(n.ID, 36))
	switch a.Result {
	case Sent:
		s.finish(ctx, d, "sent", nil)
		return time.Time{}, false
	case Gone:
		s.metrics.results.WithLabelValues("gone").Inc()
		s.log.Info("push: subscription gone; deleted", "subscription", d.Subscription.ID, "status", a.Status)
		s.write(ctx, func(tx Tx) error { return tx.DropSubscription(d.Subscription.ID) })
		return time.Time{}, true
	case Refused:
		s.finish(ctx, d, "refused", a.Err)
		return time.Time{}, false
	}
	wait := a.RetryAfter
	if wait <= 0 {
		wait = backoff(d.Attempts + 1)
	}
	if ctx.Err() != nil {
		wait = 0 // shutting down: whoever leads next sends it at once
	}
	at = now.Add(wait)
	if !at.Before(d.GiveUpAt) {
		s.finish(ctx, d, "given_up", a.Err)
		return time.Time{}, false
	}
	s.metrics.results.WithLabelValues("retry").Inc()
	s.log.Debug("push: will retry", "delivery", d.ID, "at", at, "err", a.Err)
	s.write(ctx, func(tx Tx) error {
		if err := tx.RescheduleDelivery(d.ID, at, ctx.Err() == nil); err != nil {
			return err
		}
		return tx.HoldSubscription(d.Subscription.ID, at)
	})
	return at, true
}

// finish deletes a delivery that is done, counting how it ended.
func (s *Service) finish(ctx context.Context, d Delivery, result string, cause error) {
	s.metrics.results.WithLabelValues(result).Inc()
	if result == "sent" {
		s.metrics.latency.Observe(s.clock.Now().Sub(d.Notification.CreatedAt).Seconds())
	} else {
		s.log.Warn("push: not delivered", "result", result, "delivery", d.ID, "subscription", d.Subscription.ID,
			"notification", d.Notification.ID, "attempts", d.Attempts+1, "err", cause)
	}
	s.write(ctx, func(tx Tx) error { return tx.DeleteDelivery(d.ID) })
}

// write records an outcome, even while the node shuts down.
func (s *Service) write(ctx context.Context, fn func(Tx) error) {
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := s.db.Update(wctx, fn); err != nil {
		s.log.Error("push: record an outcome", "err", fmt.Errorf("%w (the delivery is retried when its claim ends)", err))
	}
}
