package push

import (
	"context"
	"fmt"
	"runtime/debug"
	"strconv"
	"sync"
	"time"
)

// maxLine bounds the deliveries of one subscription one step sends, so
// that a subscription with a long backlog does not hold up the step.
const maxLine = 16

// writeTimeout bounds the transaction that records an outcome.
const writeTimeout = 5 * time.Second

// encode is the payload of a notification (a variable so that a test can
// make it fail).
var encode = Payload

// deliver sends what is due. It picks up to 4×Concurrency (at most Batch)
// subscriptions whose first pending delivery is due and sends each one's
// deliveries one at a time, in notification order (at most maxLine of
// them), Concurrency subscriptions at once. more reports that work may be
// left. errLostLease reports that another node took the lease.
func (s *Service) deliver(ctx context.Context) (more bool, err error) {
	limit := min(s.cfg.Batch, 4*s.cfg.Concurrency)
	var subs []int64
	if err := s.db.View(ctx, func(tx Tx) (err error) { subs, err = tx.DueSubscriptions(tx.Now(), limit); return err }); err != nil || len(subs) == 0 {
		return false, err
	}
	more = len(subs) == limit
	var mu sync.Mutex
	sem := make(chan struct{}, s.cfg.Concurrency)
	var wg sync.WaitGroup
	for _, sid := range subs {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			full, lerr := s.sendLine(ctx, sid)
			mu.Lock()
			defer mu.Unlock()
			more = more || full
			if err == nil {
				err = lerr
			}
		}()
	}
	wg.Wait()
	return more, err
}

// sendLine sends a subscription's due deliveries one after another, in
// notification order, each claimed just before it is sent; full reports
// that it stopped after maxLine of them.
func (s *Service) sendLine(ctx context.Context, sub int64) (full bool, err error) {
	for range maxLine {
		if ctx.Err() != nil {
			return false, nil
		}
		d, ok, err := s.claim(ctx, sub)
		if err != nil || !ok {
			return false, err
		}
		s.attempt(ctx, d)
	}
	return true, nil
}

// claim takes the subscription's first pending delivery when it is due and
// not claimed, in a transaction that checks this node's lease (and keeps
// it from changing hands until it commits): a node that lost the lease
// claims nothing. The claim lasts as long as one attempt may (a request
// and the write of its outcome); until it ends, or the outcome is
// written, the subscription sends nothing else, on any node.
func (s *Service) claim(ctx context.Context, sub int64) (d Delivery, ok bool, err error) {
	err = s.db.Update(ctx, func(tx Tx) error {
		lead, err := tx.HoldsPushLease(s.cfg.Node)
		if err != nil {
			return err
		}
		if !lead {
			return errLostLease
		}
		if d, ok, err = tx.NextDelivery(sub, tx.Now()); err != nil || !ok {
			return err
		}
		return tx.ClaimDelivery(d.ID, s.cfg.Timeout+2*writeTimeout)
	})
	return d, ok && err == nil, err
}

// attempt sends one claimed delivery and records what became of it: done
// (deleted), or rescheduled (the subscription's later deliveries wait
// behind it), or the subscription is gone. A panic while sending gives the
// delivery up (logged, counted as "panic") instead of ending the process.
func (s *Service) attempt(ctx context.Context, d Delivery) {
	defer func() {
		if r := recover(); r != nil {
			s.metrics.results.WithLabelValues("panic").Inc()
			s.log.Error("push: sending a delivery panicked; it is given up", "delivery", d.ID, "subscription", d.Subscription.ID,
				"notification", d.Notification.ID, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			s.write(ctx, func(tx Tx) error { return tx.DeleteDelivery(d.ID) })
		}
	}()
	now := s.clock.Now()
	if !now.Before(d.GiveUpAt) {
		s.finish(ctx, d, "given_up", nil)
		return
	}
	n := d.Notification
	a := s.sender.send(ctx, d.Subscription, encode(n), policyFor(n, now, s.cfg.TTL), "n"+strconv.FormatInt(n.ID, 36))
	switch a.Result {
	case Sent:
		s.finish(ctx, d, "sent", nil)
		return
	case Gone:
		s.metrics.results.WithLabelValues("gone").Inc()
		s.log.Info("push: subscription gone; deleted", "subscription", d.Subscription.ID, "status", a.Status)
		s.write(ctx, func(tx Tx) error { return tx.DropSubscription(d.Subscription.ID) })
		return
	case Refused:
		s.finish(ctx, d, "refused", a.Err)
		return
	}
	wait := a.RetryAfter
	if wait <= 0 {
		wait = backoff(d.Attempts + 1)
	}
	if ctx.Err() != nil {
		wait = 0 // shutting down: whoever leads next sends it at once
	}
	at := now.Add(wait)
	if !at.Before(d.GiveUpAt) {
		s.finish(ctx, d, "given_up", a.Err)
		return
	}
	s.metrics.results.WithLabelValues("retry").Inc()
	s.log.Debug("push: will retry", "delivery", d.ID, "at", at, "err", a.Err)
	s.write(ctx, func(tx Tx) error { return tx.RescheduleDelivery(d.ID, at, ctx.Err() == nil) })
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
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), writeTimeout)
	defer cancel()
	if err := s.db.Update(wctx, fn); err != nil {
		s.log.Error("push: record an outcome", "err", fmt.Errorf("%w (the delivery is retried when its claim ends)", err))
	}
}
