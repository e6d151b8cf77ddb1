package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// runner holds the state of one run.
type runner struct {
	cfg      Config
	ctx      context.Context
	api      *api
	smp      *sampler
	runID    string
	wsBase   string
	srcIPs   []net.IP
	srcNext  atomic.Uint64
	clients  []*client
	classify classifyFunc
	res      *Result

	totals    totals // of every client's tracker
	stopping  atomic.Bool
	readers   sync.WaitGroup
	unplanned atomic.Int64

	mu         sync.Mutex
	closeCodes map[string]int64
	warnings   []string
	warnCount  int
}

const maxWarnings = 20

func (r *runner) warn(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.warnCount++
	if len(r.warnings) < maxWarnings {
		r.warnings = append(r.warnings, fmt.Sprintf(format, args...))
	}
}

func (r *runner) countClose(reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closeCodes[reason]++
}

func (r *runner) logf(format string, args ...any) {
	if r.cfg.Log != nil {
		fmt.Fprintf(r.cfg.Log, "parkmate-bench: "+format+"\n", args...)
	}
}

// RaiseFileLimit raises the soft RLIMIT_NOFILE to the hard limit and returns
// the new soft limit.
func RaiseFileLimit() (uint64, error) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0, err
	}
	if rl.Cur < rl.Max {
		rl.Cur = rl.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
			return 0, err
		}
	}
	return rl.Cur, nil
}

// loopbackSources returns the source addresses 127.0.0.1..127.0.0.n to spread
// connections over, or nil when the server is not on an IPv4 loopback address
// (where those sources could not reach it) or n is 1.
func loopbackSources(host string, n int) []net.IP {
	ip := net.ParseIP(host)
	if n <= 1 || ip == nil || ip.To4() == nil || !ip.IsLoopback() {
		return nil
	}
	ips := make([]net.IP, n)
	for i := range ips {
		ips[i] = net.IPv4(127, 0, 0, byte(i+1))
	}
	return ips
}

// Run runs one scenario and returns its result. The error is not nil when the
// tool itself failed (bad configuration, cannot connect, setup errors); the
// result is then partial, with Error set.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	res := &Result{Scenario: cfg.Scenario, URL: cfg.URL, Conns: cfg.Conns, CloseCodes: map[string]int64{}}
	fail := func(err error) (*Result, error) {
		res.Error = err.Error()
		return res, err
	}
	if err := cfg.normalize(); err != nil {
		res.usage = true
		return fail(err)
	}
	res.Scenario, res.URL, res.Conns = cfg.Scenario, cfg.URL, cfg.Conns
	res.DurationS, res.Rate, res.Batch, res.Publishers, res.UserPrefix =
		cfg.Duration.Seconds(), cfg.Rate, cfg.Batch, cfg.Publishers, cfg.UserPrefix

	limit, err := RaiseFileLimit()
	if err != nil {
		return fail(fmt.Errorf("raising RLIMIT_NOFILE: %w", err))
	}
	if need := uint64(cfg.Conns) + uint64(cfg.SetupConcurrency) + uint64(cfg.Publishers) + 64; need > limit {
		return fail(fmt.Errorf("%d connections need about %d file descriptors, the limit is %d (raise the hard limit: ulimit -Hn)", cfg.Conns, need, limit))
	}

	u, _ := url.Parse(cfg.URL)
	wsScheme := "ws"
	if u.Scheme == "https" {
		wsScheme = "wss"
	}
	idb := make([]byte, 4)
	rand.Read(idb)
	hc := newHTTPClient(max(cfg.SetupConcurrency, cfg.Publishers))
	r := &runner{
		cfg:        cfg,
		ctx:        ctx,
		api:        &api{base: cfg.URL, hc: hc, publishKey: cfg.PublishKey, pubs: newPublishers(cfg.URL)},
		smp:        &sampler{hc: hc, metrics: cfg.URL + "/metrics", pid: cfg.ServerPID},
		runID:      cfg.UserPrefix + "." + hex.EncodeToString(idb),
		wsBase:     wsScheme + "://" + u.Host,
		srcIPs:     loopbackSources(u.Hostname(), cfg.SourceIPs),
		res:        res,
		closeCodes: res.CloseCodes,
	}
	defer hc.CloseIdleConnections()
	defer r.api.pubs.close()
	defer r.closeAll()

	var runErr error
	switch cfg.Scenario {
	case ScenarioIdle:
		runErr = r.runIdle()
	case ScenarioPublish:
		runErr = r.runPublish()
	case ScenarioBroadcast:
		runErr = r.runBroadcast()
	case ScenarioEvents:
		runErr = r.runEvents()
	case ScenarioReconnect:
		runErr = r.runReconnect()
	}
	res.ConnsAlive = r.aliveCount()
	r.mu.Lock()
	res.UnplannedDisconnects = r.unplanned.Load()
	res.Warnings = append([]string(nil), r.warnings...)
	if r.warnCount > len(r.warnings) {
		res.Warnings = append(res.Warnings, fmt.Sprintf("(%d more warnings)", r.warnCount-len(r.warnings)))
	}
	r.mu.Unlock()
	if runErr != nil {
		return fail(runErr)
	}
	return res, nil
}

// setupDrivers creates (or reuses) and logs in cfg.Conns drivers and makes a
// client for each.
func (r *runner) setupDrivers() error {
	n := r.cfg.Conns
	start := time.Now()
	clients := make([]*client, n)
	var done atomic.Int64
	stop := r.progress("creating users", n, &done)
	defer stop()
	err := forEach(r.ctx, n, r.cfg.SetupConcurrency, func(ctx context.Context, i int) error {
		name := fmt.Sprintf("%s-%d", r.cfg.UserPrefix, i)
		s, err := r.api.ensureDriver(ctx, name, r.cfg.Password)
		if err != nil {
			return fmt.Errorf("creating user %s: %w", name, err)
		}
		clients[i] = &client{idx: i, sess: s, tr: newTracker(&r.totals)}
		done.Add(1)
		return nil
	})
	r.res.SetupSeconds = round3(time.Since(start).Seconds())
	if err != nil {
		return err
	}
	r.clients = clients
	r.logf("%d users ready in %.1fs", n, time.Since(start).Seconds())
	return nil
}

// connectAll opens every client's socket (live only, no since) with
// cfg.DialConcurrency handshakes in flight and records the setup rate.
func (r *runner) connectAll() error {
	n := len(r.clients)
	var done atomic.Int64
	stop := r.progress("connecting", n, &done)
	defer stop()
	start := time.Now()
	err := forEach(r.ctx, n, r.cfg.DialConcurrency, func(ctx context.Context, i int) error {
		var err error
		for attempt := 0; attempt < 3; attempt++ {
			if attempt > 0 {
				time.Sleep(time.Duration(attempt) * 200 * time.Millisecond)
			}
			if err = r.connect(ctx, r.clients[i], 0, false); err == nil {
				done.Add(1)
				return nil
			}
			var he *handshakeError
			if errors.As(err, &he) {
				break // a refusal will not change by retrying
			}
		}
		return fmt.Errorf("connecting user %s: %w", r.clients[i].sess.User.Username, err)
	})
	el := time.Since(start)
	if err != nil {
		return err
	}
	r.res.ConnSetupSeconds = ptr(el.Seconds())
	r.res.ConnSetupPerSec = ptr(float64(n) / el.Seconds())
	r.logf("%d sockets open in %.2fs (%.0f/s)", n, el.Seconds(), float64(n)/el.Seconds())
	return nil
}

// sampleServer samples the server's figures, warning (once) when it cannot.
func (r *runner) sampleServer() (ServerStats, bool) {
	st, err := r.smp.sample(r.ctx)
	st.ToolCPUSeconds = toolCPUSeconds()
	if err != nil {
		r.warn("server figures unavailable from %s: %v", r.smp.source(), err)
		return st, false
	}
	r.res.ServerStatsSource = r.smp.source()
	return st, true
}

// recordServer fills the server figures, and the load tool's CPU time,
// from two samples; deliveries > 0 also gives the CPU time per delivery of
// each.
func (r *runner) recordServer(before, after ServerStats, okB, okA bool, deliveries int64) {
	tool := after.ToolCPUSeconds - before.ToolCPUSeconds
	r.res.ToolCPUSeconds = ptr(tool)
	if deliveries > 0 {
		r.res.ToolCPUUsPerDelivery = ptr(tool * 1e6 / float64(deliveries))
	}
	if !okB || !okA {
		return
	}
	cpu := after.CPUSeconds - before.CPUSeconds
	r.res.ServerCPUSeconds = ptr(cpu)
	r.res.ServerRSSBefore = ptr(before.RSSBytes)
	r.res.ServerRSSAfter = ptr(after.RSSBytes)
	if deliveries > 0 {
		r.res.ServerCPUUsPerDelivery = ptr(cpu * 1e6 / float64(deliveries))
	}
}

// drain waits until every client has received everything expected of it, or
// until no new frame arrived for cfg.Drain.
func (r *runner) drain() {
	last, lastProgress := int64(-1), time.Now()
	for {
		missing, delivered := r.totals.missing(), r.totals.matched.Load()
		if missing == 0 {
			return
		}
		if delivered != last {
			last, lastProgress = delivered, time.Now()
		} else if time.Since(lastProgress) > r.cfg.Drain {
			r.logf("gave up waiting for %d frame(s) after %s without progress", missing, r.cfg.Drain)
			return
		}
		select {
		case <-r.ctx.Done():
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// account sums the trackers into the result and returns the sum.
func (r *runner) account() trackerSummary {
	var s trackerSummary
	var lat []float64
	for _, c := range r.clients {
		s.add(c.tr.summary())
		lat = append(lat, c.tr.takeLatencies()...)
	}
	r.res.Sent = s.Expected
	r.res.Deliveries = s.Delivered
	r.res.Lost = s.Lost
	r.res.Duplicated = s.Duplicated
	r.res.OutOfOrder = s.OutOfOrder
	r.res.Unexpected = s.Unexpected
	r.res.IDMismatch = s.IDMismatch
	r.res.LatencyMs = summarize(lat)
	if s.IDMismatch > 0 {
		r.warn("%d frame(s) carried another id than the publish answer gave for that user (ids[i] taken as the id for user_ids[i])", s.IDMismatch)
	}
	return s
}

// callStats counts REST calls of the measured phase.
type callStats struct {
	calls, errors atomic.Int64
	firstErr      atomic.Value // error
}

func (cs *callStats) fail(err error) {
	cs.errors.Add(1)
	cs.firstErr.CompareAndSwap(nil, err)
}

// check records the counts in the result and fails the run when every call
// failed (a wrong key, publishing off, ...).
func (r *runner) checkCalls(cs *callStats, el time.Duration) error {
	r.res.Calls = cs.calls.Load()
	r.res.CallErrors = cs.errors.Load()
	if el > 0 && r.res.Calls > 0 {
		r.res.CallsPerSec = ptr(float64(r.res.Calls) / el.Seconds())
	}
	if r.res.Calls == 0 {
		return errors.New("no REST call was made")
	}
	if r.res.CallErrors > 0 {
		err, _ := cs.firstErr.Load().(error)
		if r.res.CallErrors == r.res.Calls {
			return fmt.Errorf("every REST call failed, first: %w", err)
		}
		r.warn("%d of %d REST calls failed, first: %v", r.res.CallErrors, r.res.Calls, err)
	}
	return nil
}

// benchData is the data of a bench notification.
func (r *runner) benchData(seq int64) map[string]any {
	return map[string]any{"bench": r.runID, "seq": seq, "ts": time.Now().UnixNano()}
}

// classifyBench recognises this run's bench notifications: the key is the
// publish sequence number and the latency comes from the send time in data.
func (r *runner) classifyBench(f *frame, now time.Time) (int64, bool, float64) {
	if string(f.Data.Bench) != r.runID {
		return 0, false, -1
	}
	lat := float64(now.UnixNano()-f.Data.TS) / 1e6
	return f.Data.Seq, true, lat
}
