package chaos

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// runCut is the scenario "publishing node cut from Redis": every publish
// goes through node A, and A's proxy to Redis is cut mid-burst (its
// connections closed, then new ones black-holed). A stays cut while every
// live socket, on A, B and C, is checked against what was committed, the
// markers published through A too; a sample of clients resumes on B.
// Meanwhile A's /readyz should answer 503 within 10 s of the cut and its
// /livez 200, each within a second. Once the proxy is restored, a marker
// through A must be the next frame everywhere (nothing comes twice), and
// /readyz answers 200 again within 10 s.
func (e *env) runCut(ctx context.Context, res *Result) error {
	r, err := e.prepare(ctx, res, e.cfg.Redis)
	if err != nil {
		return err
	}
	defer r.close()
	a, b := r.c.nodes[0], r.c.nodes[1]
	health := watchHealth(a)
	defer health.stop()
	bu := e.startBurst([]*node{a})
	if err := sleepCtx(ctx, e.cfg.Warmup); err != nil {
		return err
	}
	fault := time.Now()
	a.proxy.Cut()
	e.logf("cut: A cut from Redis after %d acknowledged calls", bu.acks())
	_ = sleepCtx(ctx, e.cfg.Window)
	bu.finish(res)
	e.logf("cut: burst over (%d calls, %d failed); checking %d live sockets, A still cut", res.Calls, res.CallsFailed, len(r.socks))
	if res.Live, err = r.checkLive(ctx, a, r.socks, bu, fault); err != nil {
		return err
	}
	if res.Resume, err = r.checkResume(ctx, b, r.sample()); err != nil {
		return err
	}
	if res.Committed, err = r.committedCount(ctx); err != nil {
		return err
	}
	res.Health = &HealthStats{}
	if at, ok := health.first(http.StatusServiceUnavailable, fault, fault.Add(Bound)); ok {
		res.Health.Unready = Millis(at.Sub(fault))
	}
	restored := time.Now()
	a.proxy.Restore()
	e.logf("cut: A restored")
	healed, err := r.checkLive(ctx, a, r.socks, nil, restored)
	res.Healed = &healed
	if err != nil {
		return err
	}
	if at, ok := health.first(http.StatusOK, restored, restored.Add(Bound)); ok {
		res.Health.Ready = Millis(at.Sub(restored))
	}
	health.stop()
	health.summarize(res.Health)
	return nil
}

// HealthStats is what the cut node's health endpoints answered, asked
// every 100 ms from before the cut until after the restore.
type HealthStats struct {
	Unready     Millis `json:"readyz_503_after_cut_ms"`     // 0: not within 10 s
	Ready       Millis `json:"readyz_200_after_restore_ms"` // 0: not within 10 s
	Probes      int    `json:"probes"`
	Slowest     Millis `json:"slowest_probe_ms"`
	LivezNot200 int    `json:"livez_not_200"`
}

func (h *HealthStats) ok() bool {
	return h.Unready > 0 && h.Ready > 0 && time.Duration(h.Slowest) <= time.Second && h.LivezNot200 == 0
}

func (h *HealthStats) String() string {
	return fmt.Sprintf("A's /readyz: 503 %v after the cut, 200 %v after the restore (0s: not within 10s); %d probes, the slowest %v; /livez not 200: %d",
		h.Unready, h.Ready, h.Probes, h.Slowest, h.LivezNot200)
}

// probe is one answer of a health endpoint.
type probe struct {
	path   string
	status int // 0: no answer within two seconds
	at     time.Time
	took   time.Duration
}

// healthWatch asks a node for /readyz and /livez every 100 ms in the
// background and keeps every answer.
type healthWatch struct {
	n        *node
	mu       sync.Mutex
	seen     []probe
	done     chan struct{}
	stopOnce sync.Once
	quit     chan struct{}
}

func watchHealth(n *node) *healthWatch {
	w := &healthWatch{n: n, done: make(chan struct{}), quit: make(chan struct{})}
	go func() {
		defer close(w.done)
		for {
			for _, path := range []string{"/readyz", "/livez"} {
				start := time.Now()
				status := n.Status(path)
				w.mu.Lock()
				w.seen = append(w.seen, probe{path: path, status: status, at: start, took: time.Since(start)})
				w.mu.Unlock()
			}
			select {
			case <-w.quit:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	return w
}

// first waits until /readyz, asked after since, answers want, and returns
// when it was asked; ok is false when it did not by until.
func (w *healthWatch) first(want int, since, until time.Time) (time.Time, bool) {
	for {
		w.mu.Lock()
		for _, p := range w.seen {
			if p.path == "/readyz" && p.status == want && !p.at.Before(since) {
				w.mu.Unlock()
				return p.at, true
			}
		}
		w.mu.Unlock()
		if time.Now().After(until) {
			return time.Time{}, false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (w *healthWatch) stop() {
	w.stopOnce.Do(func() { close(w.quit) })
	<-w.done
}

// summarize counts the probes into h.
func (w *healthWatch) summarize(h *HealthStats) {
	w.mu.Lock()
	defer w.mu.Unlock()
	h.Probes = len(w.seen)
	for _, p := range w.seen {
		h.Slowest = max(h.Slowest, Millis(p.took))
		if p.path == "/livez" && p.status != http.StatusOK {
			h.LivezNot200++
		}
	}
}

// sleepCtx sleeps for d, or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
