package bench

import (
	"context"
	"math/rand/v2"
	"sync/atomic"
	"time"
)

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
	el := pace(r.ctx, r.cfg.Duration, callsPerSec, workers, func(_ context.Context, w int) bool {
		k, ok := r.nextCall(&seq)
		if !ok {
			return false
		}
		err := r.publishTo(r.ctx, pick(rngs[w], perms[w], batch), k, &cs)
		return err == nil || !permanent(err)
	})
	return r.finishDeliveries(&cs, el, before, okB, start)
}
