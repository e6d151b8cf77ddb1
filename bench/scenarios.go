package bench

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync/atomic"
	"time"
)

// sleepCtx sleeps for d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// pick returns k distinct indexes of perm's values, chosen at random by a
// partial Fisher-Yates shuffle of perm (which it reorders).
func pick(rng *rand.Rand, perm []int, k int) []int {
	n := len(perm)
	k = min(k, n)
	for i := 0; i < k; i++ {
		j := i + rng.IntN(n-i)
		perm[i], perm[j] = perm[j], perm[i]
	}
	out := make([]int, k)
	copy(out, perm[:k])
	return out
}

func identity(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	return p
}

// permanent tells whether a failed call will fail the same way if repeated.
func permanent(err error) bool {
	var ae *apiError
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.Status {
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound,
		http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity:
		return true
	}
	return false
}

// publishTo publishes bench notification seq to the clients idx in one call,
// recording the expectations first and withdrawing them when the call fails.
func (r *runner) publishTo(ctx context.Context, idx []int, seq int64, cs *callStats) error {
	ids := make([]int64, len(idx))
	for j, i := range idx {
		c := r.clients[i]
		c.tr.expectKey(seq)
		ids[j] = c.sess.User.ID
	}
	cs.calls.Add(1)
	got, err := r.api.publish(ctx, &publishReq{
		UserIDs: ids, Type: "info", Message: "parkmate-bench", Event: benchEvent, Data: r.benchData(seq),
	})
	if err != nil {
		for _, i := range idx {
			r.clients[i].tr.unexpectKey(seq)
		}
		cs.fail(err)
		return err
	}
	if len(got) == len(idx) {
		for j, i := range idx {
			r.clients[i].tr.setExpectedID(seq, got[j])
		}
	}
	return nil
}

// broadcastAll publishes bench notification seq to the group of drivers,
// which every bench client is expected to receive.
func (r *runner) broadcastAll(ctx context.Context, seq int64, cs *callStats) error {
	for _, c := range r.clients {
		c.tr.expectKey(seq)
	}
	cs.calls.Add(1)
	_, err := r.api.publish(ctx, &publishReq{
		Groups: []string{broadcastGroup}, Type: "info", Message: "parkmate-bench broadcast", Event: benchEvent, Data: r.benchData(seq),
	})
	if err != nil {
		for _, c := range r.clients {
			c.tr.unexpectKey(seq)
		}
		cs.fail(err)
	}
	return err
}

// nextCall takes the sequence number of the next REST call, or reports
// false when --count calls were made. The calls themselves run under the
// run's context, not pace's, so the stop that a false brings does not cut
// short the calls still in flight on other publishers.
func (r *runner) nextCall(seq *atomic.Int64) (int64, bool) {
	k := seq.Add(1)
	return k, r.cfg.Count <= 0 || k <= r.cfg.Count
}

// deliveryRate sets deliveries_per_sec: deliveries from the first send to
// the last expected arrival.
func (r *runner) deliveryRate(s trackerSummary, start time.Time) {
	if s.Delivered == 0 || s.LastAt == 0 {
		return
	}
	el := time.Duration(s.LastAt - start.UnixNano())
	if el <= 0 {
		return
	}
	r.res.DeliveriesPerSec = ptr(float64(s.Delivered) / el.Seconds())
}

// finishDeliveries closes a delivery scenario: it checks the calls, waits
// for the last frames, and records the delivery rate and the server's cost.
func (r *runner) finishDeliveries(cs *callStats, el time.Duration, before ServerStats, okB bool, start time.Time) error {
	if err := r.checkCalls(cs, el); err != nil {
		return err
	}
	r.drain()
	after, okA := r.sampleServer()
	s := r.account()
	r.deliveryRate(s, start)
	r.recordServer(before, after, okB, okA, s.Delivered)
	return nil
}

// connectBenchDrivers creates and signs in the drivers and opens their
// sockets, which count frames published by the bench itself.
func (r *runner) connectBenchDrivers() error {
	if err := r.setupDrivers(); err != nil {
		return err
	}
	r.classify = r.classifyBench
	return r.connectAll()
}

func rateString(rate float64, unit string) string {
	if rate <= 0 {
		return "as fast as possible"
	}
	return fmt.Sprintf("%g %s", rate, unit)
}
