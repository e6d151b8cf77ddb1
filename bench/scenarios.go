package bench

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
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

// runIdle holds the connections and reports the handshake rate and the
// server's memory per connection.
func (r *runner) runIdle() error {
	if err := r.setupDrivers(); err != nil {
		return err
	}
	before, okB := r.sampleServer()
	if err := r.connectAll(); err != nil {
		return err
	}
	r.logf("holding %d connections for %s", len(r.clients), r.cfg.Duration)
	if err := sleepCtx(r.ctx, r.cfg.Duration); err != nil {
		return err
	}
	after, okA := r.sampleServer()
	r.recordServer(before, after, okB, okA, 0)
	if okB && okA {
		r.res.ServerRSSBytesPerConn = ptr((after.RSSBytes - before.RSSBytes) / float64(len(r.clients)))
	}
	r.account()
	return nil
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

// runPublish sends per-user notifications to random connected users.
func (r *runner) runPublish() error {
	if err := r.connectBenchDrivers(); err != nil {
		return err
	}
	n := len(r.clients)
	batch := min(r.cfg.Batch, n)
	callsPerSec := 0.0
	if r.cfg.Rate > 0 {
		// Keep at least 10 calls a second so that a low rate is still spread
		// over time rather than sent in a few big bursts.
		if r.cfg.Rate/float64(batch) < 10 {
			batch = min(n, max(1, int(r.cfg.Rate/10)))
		}
		callsPerSec = r.cfg.Rate / float64(batch)
	}
	r.res.Batch = batch
	workers := r.cfg.Publishers
	rngs := make([]*rand.Rand, workers)
	perms := make([][]int, workers)
	for w := range rngs {
		rngs[w] = rand.New(rand.NewPCG(rand.Uint64(), uint64(w)))
		perms[w] = identity(n)
	}
	var seq atomic.Int64
	var cs callStats
	r.logf("publishing for %s: batch %d, %d publishers, rate %s", r.cfg.Duration, batch, workers, rateString(r.cfg.Rate, "notifications/s"))
	before, okB := r.sampleServer()
	start := time.Now()
	el := pace(r.ctx, r.cfg.Duration, callsPerSec, workers, func(ctx context.Context, w int) bool {
		err := r.publishTo(ctx, pick(rngs[w], perms[w], batch), seq.Add(1), &cs)
		return err == nil || !permanent(err)
	})
	return r.finishDeliveries(&cs, el, before, okB, start)
}

func rateString(rate float64, unit string) string {
	if rate <= 0 {
		return "as fast as possible"
	}
	return fmt.Sprintf("%g %s", rate, unit)
}

// runBroadcast publishes notifications to the group of drivers, repeatedly.
func (r *runner) runBroadcast() error {
	if err := r.connectBenchDrivers(); err != nil {
		return err
	}
	var seq atomic.Int64
	var cs callStats
	r.logf("broadcasting to %q for %s, %d publishers, rate %s", broadcastGroup, r.cfg.Duration, r.cfg.Publishers, rateString(r.cfg.Rate, "broadcasts/s"))
	before, okB := r.sampleServer()
	start := time.Now()
	el := pace(r.ctx, r.cfg.Duration, r.cfg.Rate, r.cfg.Publishers, func(ctx context.Context, w int) bool {
		err := r.broadcastAll(ctx, seq.Add(1), &cs)
		return err == nil || !permanent(err)
	})
	return r.finishDeliveries(&cs, el, before, okB, start)
}

// runEvents drives the domain path: owners verify the drivers' cash payments
// through the REST API and each driver's socket gets payment.verified.
func (r *runner) runEvents() error {
	adminName, adminPass, _ := strings.Cut(r.cfg.Admin, ":")
	admin, err := r.api.login(r.ctx, adminName, adminPass)
	if err != nil {
		return fmt.Errorf("admin login: %w", err)
	}
	if admin.User.Role != "admin" {
		return fmt.Errorf("--admin %s has role %q, not admin", adminName, admin.User.Role)
	}
	if err := r.setupDrivers(); err != nil {
		return err
	}
	n := len(r.clients)
	setupStart := time.Now()

	// One owner and one lot per 500 drivers.
	nLots := (n + maxSlotsPerLot - 1) / maxSlotsPerLot
	owners := make([]session, nLots)
	slots := make([][]Slot, nLots)
	err = forEach(r.ctx, nLots, r.cfg.SetupConcurrency, func(ctx context.Context, k int) error {
		name := fmt.Sprintf("%s-o%d", r.cfg.UserPrefix, k)
		if _, err := r.api.createUser(ctx, admin.Access, name, r.cfg.Password, "owner"); err != nil && !isCode(err, http.StatusConflict, "") {
			return fmt.Errorf("creating owner %s: %w", name, err)
		}
		s, err := r.api.login(ctx, name, r.cfg.Password)
		if err != nil {
			return fmt.Errorf("owner login: %w", err)
		}
		if s.User.Role != "owner" {
			return fmt.Errorf("user %s has role %q, not owner", name, s.User.Role)
		}
		owners[k] = s
		want := min(maxSlotsPerLot, n-k*maxSlotsPerLot)
		lot, err := r.api.createLot(ctx, s.Access, fmt.Sprintf("%s lot %d", r.cfg.UserPrefix, k), want)
		if err != nil {
			return fmt.Errorf("creating a lot: %w", err)
		}
		sl, err := r.api.lotSlots(ctx, s.Access, lot.ID)
		if err != nil {
			return fmt.Errorf("listing the slots of lot %d: %w", lot.ID, err)
		}
		if len(sl) < want {
			return fmt.Errorf("GET /api/lots/%d/slots/ listed %d slots, the lot has %d", lot.ID, len(sl), want)
		}
		slots[k] = sl
		return nil
	})
	if err != nil {
		return err
	}

	// Each driver books a slot and pays cash, once per verify call it will
	// get: enough pending payments for --rate over --duration.
	perDriver := 1
	if r.cfg.Rate > 0 {
		perDriver = int(math.Ceil(r.cfg.Rate * r.cfg.Duration.Seconds() / float64(n)))
		perDriver = max(1, min(perDriver, 1000))
	}
	payments := make([][]int64, n)
	var done atomic.Int64
	stop := r.progress("booking and paying", n, &done)
	err = forEach(r.ctx, n, r.cfg.SetupConcurrency, func(ctx context.Context, i int) error {
		c := r.clients[i]
		slot := slots[i/maxSlotsPerLot][i%maxSlotsPerLot]
		b, err := r.api.book(ctx, c.sess.Access, slot.ID, 60)
		if err != nil {
			return fmt.Errorf("driver %s booking slot %d: %w", c.sess.User.Username, slot.ID, err)
		}
		for p := 0; p < perDriver; p++ {
			pay, err := r.api.payCash(ctx, c.sess.Access, b.ID, 5)
			if err != nil {
				return fmt.Errorf("driver %s paying booking %d: %w", c.sess.User.Username, b.ID, err)
			}
			if pay.ID == 0 || (pay.Status != "" && pay.Status != "PENDING") {
				return fmt.Errorf("driver %s paying cash: got payment %+v, want a PENDING one", c.sess.User.Username, pay)
			}
			payments[i] = append(payments[i], pay.ID)
		}
		done.Add(1)
		return nil
	})
	stop()
	r.res.SetupSeconds = round3(r.res.SetupSeconds + time.Since(setupStart).Seconds())
	if err != nil {
		return err
	}

	var sendTimes sync.Map // payment id -> unix ns the verify call was sent
	r.classify = func(f *frame, now time.Time) (int64, bool, float64) {
		if f.Event != "payment.verified" || f.Data.PaymentID == 0 {
			return 0, false, -1
		}
		key := int64(f.Data.PaymentID)
		lat := -1.0
		if t, ok := sendTimes.Load(key); ok {
			lat = float64(now.UnixNano()-t.(int64)) / 1e6
		}
		return key, true, lat
	}
	if err := r.connectAll(); err != nil {
		return err
	}

	// Verify round by round, drivers in random order within a round.
	type job struct {
		driver  int
		payment int64
	}
	queue := make(chan job, n*perDriver)
	for p := 0; p < perDriver; p++ {
		for _, i := range rand.Perm(n) {
			queue <- job{i, payments[i][p]}
		}
	}
	close(queue)
	var cs callStats
	r.logf("verifying payments for %s, rate %s, %d callers", r.cfg.Duration, rateString(r.cfg.Rate, "calls/s"), r.cfg.Publishers)
	before, okB := r.sampleServer()
	start := time.Now()
	el := pace(r.ctx, r.cfg.Duration, r.cfg.Rate, r.cfg.Publishers, func(ctx context.Context, w int) bool {
		j, ok := <-queue
		if !ok {
			return false
		}
		c := r.clients[j.driver]
		owner := owners[j.driver/maxSlotsPerLot]
		c.tr.expectKey(j.payment)
		cs.calls.Add(1)
		sendTimes.Store(j.payment, time.Now().UnixNano())
		pay, err := r.api.verifyPayment(ctx, owner.Access, j.payment)
		if err == nil && pay.Status != "" && pay.Status != "VERIFIED" {
			err = fmt.Errorf("POST /api/payments/%d/verify/: status %q, want VERIFIED", j.payment, pay.Status)
		}
		if err != nil {
			c.tr.unexpectKey(j.payment)
			cs.fail(err)
			return !permanent(err)
		}
		return true
	})
	return r.finishDeliveries(&cs, el, before, okB, start)
}

// runReconnect drops every client at once, publishes to them while they are
// down, reconnects them all at once (each resuming with ?since=) while live
// notifications keep coming, and checks that every client catches up without
// loss, duplicates or reordering.
func (r *runner) runReconnect() error {
	if err := r.connectBenchDrivers(); err != nil {
		return err
	}
	n := len(r.clients)
	batch := min(r.cfg.Batch, n)
	r.res.Batch = batch
	var seq atomic.Int64
	var cs callStats

	// publishRounds sends rounds notifications to every user, in batches.
	publishRounds := func(rounds int) error {
		var jobs [][]int
		for k := 0; k < rounds; k++ {
			perm := rand.Perm(n)
			for i := 0; i < n; i += batch {
				jobs = append(jobs, perm[i:min(i+batch, n)])
			}
		}
		return forEach(r.ctx, len(jobs), r.cfg.Publishers, func(ctx context.Context, i int) error {
			return r.publishTo(ctx, jobs[i], seq.Add(1), &cs)
		})
	}

	// Every client first gets one notification, so that it has an id to
	// resume from.
	r.logf("warm-up: one notification to each of %d users", n)
	if err := publishRounds(1); err != nil {
		return fmt.Errorf("warm-up publish: %w", err)
	}
	r.drain()

	before, okB := r.sampleServer()
	r.logf("dropping %d connections", n)
	forEach(r.ctx, n, 256, func(ctx context.Context, i int) error {
		r.drop(r.clients[i])
		return nil
	})
	r.logf("publishing %d notifications to each user while they are down", r.cfg.DownMsgs)
	if err := publishRounds(r.cfg.DownMsgs); err != nil {
		return fmt.Errorf("publishing while down: %w", err)
	}
	r.res.DownPublished = int64(n) * int64(r.cfg.DownMsgs)
	boundary := seq.Load() + 1

	// Live notifications to random users while the clients reconnect.
	// stopLive stops issuing them; one in flight ends under r.ctx (cancelled
	// after the server stored it, its frames would count as unexpected).
	liveCtx, stopLive := context.WithCancel(r.ctx)
	var liveWG sync.WaitGroup
	var live atomic.Int64
	liveWG.Add(1)
	go func() {
		defer liveWG.Done()
		rng := rand.New(rand.NewPCG(rand.Uint64(), 1))
		perm := identity(n)
		pace(liveCtx, time.Hour, 10, 1, func(context.Context, int) bool {
			idx := pick(rng, perm, batch)
			if r.publishTo(r.ctx, idx, seq.Add(1), &cs) == nil {
				live.Add(int64(len(idx)))
			}
			return true
		})
	}()

	r.logf("reconnecting %d clients at once", n)
	start := time.Now()
	var wg sync.WaitGroup
	var failed atomic.Int64
	var firstErr atomic.Value
	for _, c := range r.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.mu.Lock()
			c.dropping = false
			c.mu.Unlock()
			backoff := 50 * time.Millisecond
			deadline := time.Now().Add(60 * time.Second)
			for {
				err := r.connect(r.ctx, c, c.tr.last(), true)
				if err == nil {
					return
				}
				var he *handshakeError
				if time.Now().After(deadline) || r.ctx.Err() != nil || (errors.As(err, &he) && he.Status < 500 && he.Status != 429) {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
					return
				}
				sleepCtx(r.ctx, backoff/2+rand.N(backoff))
				backoff = min(2*backoff, time.Second)
			}
		}()
	}
	wg.Wait()
	reconnectEl := time.Since(start)
	r.res.ReconnectSeconds = ptr(reconnectEl.Seconds())
	r.res.ReconnectSetupPerSec = ptr(float64(n) / reconnectEl.Seconds())
	if f := failed.Load(); f > 0 {
		stopLive()
		liveWG.Wait()
		return fmt.Errorf("%d of %d clients could not reconnect, first: %v", f, n, firstErr.Load())
	}
	r.logf("all reconnected in %.2fs; waiting for them to catch up", reconnectEl.Seconds())

	// Caught up: every notification published before the reconnect began
	// has arrived.
	lastProgress, lastMissing := time.Now(), -1
	for {
		missing, lastAt := 0, int64(0)
		for _, c := range r.clients {
			m, at := c.tr.missingBelow(boundary)
			missing += m
			lastAt = max(lastAt, at)
		}
		if missing == 0 {
			cu := time.Duration(lastAt - start.UnixNano())
			r.res.CatchUpSeconds = ptr(max(cu, reconnectEl).Seconds())
			break
		}
		if missing != lastMissing {
			lastMissing, lastProgress = missing, time.Now()
		} else if time.Since(lastProgress) > r.cfg.Drain {
			r.warn("%d notification(s) published before the reconnect never arrived", missing)
			break
		}
		if sleepCtx(r.ctx, 10*time.Millisecond) != nil {
			break
		}
	}
	stopLive()
	liveWG.Wait()
	r.res.LivePublished = live.Load()
	if err := r.checkCalls(&cs, 0); err != nil {
		return err
	}
	r.drain()
	after, okA := r.sampleServer()
	r.account()
	// Latency from publish to receipt would mostly measure how long the
	// clients were down: not reported here.
	r.res.LatencyMs = nil
	// CPU time covers the drop, the publishing, the reconnect and the
	// replay: no per-delivery figure.
	r.recordServer(before, after, okB, okA, 0)
	return nil
}
