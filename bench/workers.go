package bench

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// forEach runs fn(i) for i in [0,n) on conc goroutines and returns the first
// error (after which the remaining items are skipped).
func forEach(ctx context.Context, n, conc int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		next     atomic.Int64
		once     sync.Once
		firstErr error
		wg       sync.WaitGroup
	)
	for w := 0; w < min(conc, n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := fn(ctx, i); err != nil {
					once.Do(func() { firstErr = err; cancel() })
					return
				}
			}
		}()
	}
	wg.Wait()
	if firstErr == nil && ctx.Err() != nil {
		// The parent was cancelled.
		return ctx.Err()
	}
	return firstErr
}

// progress logs a counter every few seconds until stop is closed.
func (r *runner) progress(what string, total int, done *atomic.Int64) (stop func()) {
	ch := make(chan struct{})
	go func() {
		t := time.NewTicker(3 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-ch:
				return
			case <-t.C:
				r.logf("%s: %d/%d", what, done.Load(), total)
			}
		}
	}()
	return func() { close(ch) }
}

// pace calls fn until d has elapsed (or fn returns false): callsPerSec calls
// per second spread over workers goroutines, or, when callsPerSec is 0, back
// to back on every worker. It returns the time the calls took.
func pace(ctx context.Context, d time.Duration, callsPerSec float64, workers int, fn func(ctx context.Context, worker int) bool) time.Duration {
	start := time.Now()
	deadline := start.Add(d)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	if callsPerSec <= 0 {
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for ctx.Err() == nil && time.Now().Before(deadline) {
					if !fn(ctx, w) {
						cancel()
						return
					}
				}
			}()
		}
		wg.Wait()
		return time.Since(start)
	}
	tokens := make(chan struct{}, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range tokens {
				if ctx.Err() != nil {
					continue
				}
				if !fn(ctx, w) {
					cancel()
				}
			}
		}()
	}
	issued := int64(0)
loop:
	for {
		now := time.Now()
		if !now.Before(deadline) || ctx.Err() != nil {
			break
		}
		due := int64(now.Sub(start).Seconds()*callsPerSec) + 1
		for issued < due {
			select {
			case tokens <- struct{}{}:
				issued++
			case <-ctx.Done():
				break loop
			}
		}
		next := start.Add(time.Duration(float64(issued) / callsPerSec * float64(time.Second)))
		if wait := time.Until(next); wait > 0 {
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				break loop
			}
		}
	}
	close(tokens)
	wg.Wait()
	return time.Since(start)
}
