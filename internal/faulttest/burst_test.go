package faulttest

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"
)

// publisher is one client of POST /api/publish/ in a burst: it publishes
// to users through via, one call at a time, up to count calls.
type publisher struct {
	via   *node
	users []*user
	count int
}

// burst runs publishers concurrently and records what was acknowledged.
// A publisher stops when its node does not answer (killed, say); an
// answer other than 202 is recorded and the publisher goes on.
type burst struct {
	mu       sync.Mutex
	acked    map[int64]time.Time // id -> when the call that committed it started
	calls    int                 // answered 202
	failed   int                 // calls that did not answer 202
	failures []string            // the first 20 of them
	start    time.Time
	end      time.Time // when the last publisher stopped

	stop chan struct{}
	done chan struct{}
}

// pairs is a burst plan: workers publishers, publisher i through
// nodes[i%len(nodes)] to users i and i+1 (modulo), so that each user's
// notifications come from two concurrent publishers.
func pairs(nodes []*node, users []*user, workers, count int) []publisher {
	pubs := make([]publisher, workers)
	for i := range pubs {
		pubs[i] = publisher{
			via:   nodes[i%len(nodes)],
			users: []*user{users[i%len(users)], users[(i+1)%len(users)]},
			count: count,
		}
	}
	return pubs
}

// startBurst starts the publishers.
func startBurst(pubs []publisher) *burst {
	b := &burst{acked: map[int64]time.Time{}, start: time.Now(), stop: make(chan struct{}), done: make(chan struct{})}
	var wg sync.WaitGroup
	for i, p := range pubs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.run(i, p)
		}()
	}
	go func() {
		wg.Wait()
		b.mu.Lock()
		b.end = time.Now()
		b.mu.Unlock()
		close(b.done)
	}()
	return b
}

func (b *burst) run(worker int, p publisher) {
	ids := make([]int64, len(p.users))
	for i, u := range p.users {
		ids[i] = u.id
	}
	for call := 1; call <= p.count; call++ {
		select {
		case <-b.stop:
			return
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
		start := time.Now()
		got, status, err := publish(ctx, p.via, ids, fmt.Sprintf("burst w%d #%d", worker, call), "faulttest.burst")
		cancel()
		if err != nil || status != http.StatusAccepted {
			b.fail(fmt.Sprintf("worker %d call %d via %s after %v: status %d, err %v",
				worker, call, p.via.Name, time.Since(start).Round(time.Millisecond), status, err))
			if err != nil {
				return
			}
			time.Sleep(50 * time.Millisecond) // as a client backs off
			continue
		}
		b.ack(got, start)
	}
}

func (b *burst) ack(ids []int64, start time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls++
	for _, id := range ids {
		b.acked[id] = start
	}
}

func (b *burst) fail(msg string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failed++
	if len(b.failures) < 20 {
		b.failures = append(b.failures, msg)
	}
}

// waitCalls waits until n calls in all were acknowledged, or the burst
// ended, or timeout passed; it reports whether n were.
func (b *burst) waitCalls(n int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		b.mu.Lock()
		calls := b.calls
		b.mu.Unlock()
		if calls >= n {
			return true
		}
		select {
		case <-b.done:
			return false
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

// acks returns how many calls were acknowledged so far.
func (b *burst) acks() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.calls
}

// stopNow makes every publisher stop after its current call.
func (b *burst) stopNow() { close(b.stop) }

// finish waits for the publishers and logs the calls that failed
// (expected of a killed node; they may still have committed).
func (b *burst) finish(t *testing.T) {
	t.Helper()
	<-b.done
	b.mu.Lock()
	defer b.mu.Unlock()
	t.Logf("burst: %d calls acknowledged (%d ids) in %v; %d failed", b.calls, len(b.acked), b.elapsed(), b.failed)
	for _, f := range b.failures {
		t.Logf("  %s", f)
	}
}

func (b *burst) elapsed() time.Duration { return b.end.Sub(b.start).Round(time.Millisecond) }

// dueAfter returns, for each acknowledged id, the latest time it may reach
// a live socket: bound after the call that committed it started (the
// commit came later, so this is never early; a call that stalls after
// its commit eats into the bound), or after notBefore when that is later
// (when delivery could not start before, as when Redis was down).
func (b *burst) dueAfter(notBefore time.Time) map[int64]time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	due := make(map[int64]time.Time, len(b.acked))
	for id, at := range b.acked {
		if at.Before(notBefore) {
			at = notBefore
		}
		due[id] = at.Add(bound)
	}
	return due
}

// ackedIDs returns the acknowledged ids, ascending.
func (b *burst) ackedIDs() []int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	ids := make([]int64, 0, len(b.acked))
	for id := range b.acked {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}
