package bench

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

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
