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

// reconnectRun is the state of one run of the reconnect scenario.
type reconnectRun struct {
	*runner
	n, batch int
	seq      atomic.Int64 // the bench notifications' sequence
	cs       callStats
}

// runReconnect drops every client at once, publishes to them while they are
// down, reconnects them all at once (each resuming with ?since=) while live
// notifications keep coming, and checks that every client catches up without
// loss, duplicates or reordering.
func (r *runner) runReconnect() error {
	if err := r.connectBenchDrivers(); err != nil {
		return err
	}
	rr := &reconnectRun{runner: r, n: len(r.clients)}
	rr.batch = min(r.cfg.Batch, rr.n)
	r.res.Batch = rr.batch

	// Every client first gets one notification, so that it has an id to
	// resume from.
	r.logf("warm-up: one notification to each of %d users", rr.n)
	if err := rr.publishRounds(1); err != nil {
		return fmt.Errorf("warm-up publish: %w", err)
	}
	r.drain()

	before, okB := r.sampleServer()
	boundary, err := rr.dropAndPublish()
	if err != nil {
		return err
	}
	stopLive := rr.startLive()
	start := time.Now()
	reconnectEl, err := rr.reconnectAll(start)
	if err != nil {
		stopLive()
		return err
	}
	r.logf("all reconnected in %.2fs; waiting for them to catch up", reconnectEl.Seconds())
	rr.waitCaughtUp(boundary, start, reconnectEl)
	r.res.LivePublished = stopLive()
	if err := r.checkCalls(&rr.cs, 0); err != nil {
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

// publishRounds sends rounds notifications to every user, in batches.
func (rr *reconnectRun) publishRounds(rounds int) error {
	var jobs [][]int
	for k := 0; k < rounds; k++ {
		perm := rand.Perm(rr.n)
		for i := 0; i < rr.n; i += rr.batch {
			jobs = append(jobs, perm[i:min(i+rr.batch, rr.n)])
		}
	}
	return forEach(rr.ctx, len(jobs), rr.cfg.Publishers, func(ctx context.Context, i int) error {
		return rr.publishTo(ctx, jobs[i], rr.seq.Add(1), &rr.cs)
	})
}

// dropAndPublish drops every connection and publishes --down-msgs
// notifications to each user while they are down. It returns the first
// sequence number published after.
func (rr *reconnectRun) dropAndPublish() (boundary int64, err error) {
	rr.logf("dropping %d connections", rr.n)
	forEach(rr.ctx, rr.n, 256, func(ctx context.Context, i int) error {
		rr.drop(rr.clients[i])
		return nil
	})
	rr.logf("publishing %d notifications to each user while they are down", rr.cfg.DownMsgs)
	if err := rr.publishRounds(rr.cfg.DownMsgs); err != nil {
		return 0, fmt.Errorf("publishing while down: %w", err)
	}
	rr.res.DownPublished = int64(rr.n) * int64(rr.cfg.DownMsgs)
	return rr.seq.Load() + 1, nil
}

// startLive publishes live notifications to random users while the clients
// reconnect. The function it returns stops issuing them, waits for the
// publisher and returns how many deliveries it published; a call in flight
// ends under r.ctx (cancelled after the server stored it, its frames would
// count as unexpected).
func (rr *reconnectRun) startLive() (stop func() int64) {
	liveCtx, stopLive := context.WithCancel(rr.ctx)
	var liveWG sync.WaitGroup
	var live atomic.Int64
	liveWG.Add(1)
	go func() {
		defer liveWG.Done()
		rng := rand.New(rand.NewPCG(rand.Uint64(), 1))
		perm := identity(rr.n)
		pace(liveCtx, time.Hour, 10, 1, func(context.Context, int) bool {
			idx := pick(rng, perm, rr.batch)
			if rr.publishTo(rr.ctx, idx, rr.seq.Add(1), &rr.cs) == nil {
				live.Add(int64(len(idx)))
			}
			return true
		})
	}()
	return func() int64 {
		stopLive()
		liveWG.Wait()
		return live.Load()
	}
}

// reconnectAll reconnects every client at once, each resuming with
// ?since=, and records how long that took from start.
func (rr *reconnectRun) reconnectAll(start time.Time) (time.Duration, error) {
	rr.logf("reconnecting %d clients at once", rr.n)
	var wg sync.WaitGroup
	var failed atomic.Int64
	var firstErr atomic.Value
	for _, c := range rr.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := rr.reconnect(c); err != nil {
				failed.Add(1)
				firstErr.CompareAndSwap(nil, err)
			}
		}()
	}
	wg.Wait()
	el := time.Since(start)
	rr.res.ReconnectSeconds = ptr(el.Seconds())
	rr.res.ReconnectSetupPerSec = ptr(float64(rr.n) / el.Seconds())
	if f := failed.Load(); f > 0 {
		return el, fmt.Errorf("%d of %d clients could not reconnect, first: %v", f, rr.n, firstErr.Load())
	}
	return el, nil
}

// reconnect resumes c with ?since=, retrying with backoff for a minute
// while the server refuses for a reason that may pass.
func (rr *reconnectRun) reconnect(c *client) error {
	c.mu.Lock()
	c.dropping = false
	c.mu.Unlock()
	backoff := 50 * time.Millisecond
	deadline := time.Now().Add(60 * time.Second)
	for {
		err := rr.connect(rr.ctx, c, c.tr.last(), true)
		if err == nil {
			return nil
		}
		var he *handshakeError
		if time.Now().After(deadline) || rr.ctx.Err() != nil || (errors.As(err, &he) && he.Status < 500 && he.Status != 429) {
			return err
		}
		sleepCtx(rr.ctx, backoff/2+rand.N(backoff))
		backoff = min(2*backoff, time.Second)
	}
}

// waitCaughtUp waits until every notification published before the
// reconnect began has arrived, and records when; it warns instead when
// they stop arriving for --drain.
func (rr *reconnectRun) waitCaughtUp(boundary int64, start time.Time, reconnectEl time.Duration) {
	lastProgress, lastMissing := time.Now(), -1
	for {
		missing, lastAt := 0, int64(0)
		for _, c := range rr.clients {
			m, at := c.tr.missingBelow(boundary)
			missing += m
			lastAt = max(lastAt, at)
		}
		if missing == 0 {
			cu := time.Duration(lastAt - start.UnixNano())
			rr.res.CatchUpSeconds = ptr(max(cu, reconnectEl).Seconds())
			return
		}
		if missing != lastMissing {
			lastMissing, lastProgress = missing, time.Now()
		} else if time.Since(lastProgress) > rr.cfg.Drain {
			rr.warn("%d notification(s) published before the reconnect never arrived", missing)
			return
		}
		if sleepCtx(rr.ctx, 10*time.Millisecond) != nil {
			return
		}
	}
}
