// Package health tells a load balancer whether this node should get
// traffic. Checks run in the background, each bounded by a timeout, so a
// readiness request answers at once from their last results, however
// slowly a dependency fails.
package health

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Check is one dependency's probe. It returns nil while the dependency
// works.
type Check struct {
	// Name is what a failure is reported as ("database", "broker").
	Name string
	// Probe tests the dependency; it should honour ctx.
	Probe func(ctx context.Context) error
}

// Monitor runs checks every interval and keeps their results. The zero
// value is not usable; call New.
type Monitor struct {
	checks   []Check
	interval time.Duration
	timeout  time.Duration

	mu      sync.Mutex
	failing map[string]error
	ran     bool
}

// Defaults of New.
const (
	DefaultInterval = time.Second
	DefaultTimeout  = time.Second
)

// New returns a Monitor of checks, run every interval, each bounded by
// timeout (zero values take the defaults).
func New(interval, timeout time.Duration, checks ...Check) *Monitor {
	if interval <= 0 {
		interval = DefaultInterval
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &Monitor{checks: checks, interval: interval, timeout: timeout, failing: map[string]error{}}
}

// Run checks at once, then every interval, until ctx ends.
func (m *Monitor) Run(ctx context.Context) {
	t := time.NewTicker(m.interval)
	defer t.Stop()
	for {
		m.RunOnce(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RunOnce runs every check once, concurrently, and records the results.
func (m *Monitor) RunOnce(ctx context.Context) {
	results := make([]error, len(m.checks))
	var wg sync.WaitGroup
	for i, c := range m.checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cctx, cancel := context.WithTimeout(ctx, m.timeout)
			defer cancel()
			results[i] = c.Probe(cctx)
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.ran = true
	for i, c := range m.checks {
		if results[i] != nil {
			m.failing[c.Name] = results[i]
		} else {
			delete(m.failing, c.Name)
		}
	}
}

// Ready returns nil when every check passed its last run, or an error
// naming the first failing one. Before the first run it is not ready.
func (m *Monitor) Ready(context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.ran {
		return fmt.Errorf("starting")
	}
	for _, c := range m.checks {
		if err, ok := m.failing[c.Name]; ok {
			return fmt.Errorf("%s: %w", c.Name, err)
		}
	}
	return nil
}
