package bench

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
