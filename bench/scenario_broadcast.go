package bench

import (
	"context"
	"sync/atomic"
	"time"
)

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
	el := pace(r.ctx, r.cfg.Duration, r.cfg.Rate, r.cfg.Publishers, func(_ context.Context, w int) bool {
		k, ok := r.nextCall(&seq)
		if !ok {
			return false
		}
		err := r.broadcastAll(r.ctx, k, &cs)
		return err == nil || !permanent(err)
	})
	return r.finishDeliveries(&cs, el, before, okB, start)
}
