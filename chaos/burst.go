package chaos

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// burst is the publishing load of a scenario: Config.Publishers clients of
// POST /api/publish/, publisher i through via[i%len(via)], each call to
// Config.Batch users drawn at random (so each user's notifications come
// from several concurrent publishers), Config.Rate calls a second in all.
// A publisher stops when its node does not answer (killed, say); an
// answer other than 202 is recorded and the publisher goes on.
type burst struct {
	mu       sync.Mutex
	acked    map[int64]time.Time // id -> when the call that committed it started
	inflight map[*node]int       // calls waiting for an answer, by node
	calls    int                 // answered 202
	failed   int                 // calls that did not answer 202
	failures []string            // the first 10 of them
	took     []time.Duration     // how long each answered call took
	start    time.Time
	end      time.Time // when the last publisher stopped

	stop chan struct{}
	done chan struct{}
}

// startBurst starts the publishers.
func (e *env) startBurst(via []*node) *burst {
	b := &burst{acked: map[int64]time.Time{}, inflight: map[*node]int{}, start: time.Now(), stop: make(chan struct{}), done: make(chan struct{})}
	tokens := b.pace(e.cfg.Rate, e.cfg.Publishers)
	var wg sync.WaitGroup
	for i := range e.cfg.Publishers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.run(i, via[i%len(via)], e.users, e.cfg.Batch, tokens)
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

// pace returns a channel that yields rate tokens a second until the
// burst stops, or nil (no pacing) for rate 0.
func (b *burst) pace(rate float64, burstSize int) <-chan struct{} {
	if rate == 0 {
		return nil
	}
	tokens := make(chan struct{}, burstSize)
	go func() {
		t := time.NewTicker(time.Duration(float64(time.Second) / rate))
		defer t.Stop()
		for {
			select {
			case <-b.stop:
				return
			case <-t.C:
				select {
				case tokens <- struct{}{}:
				default: // the publishers are behind: drop the token
				}
			}
		}
	}()
	return tokens
}

func (b *burst) run(worker int, via *node, users []*user, batch int, tokens <-chan struct{}) {
	rng := rand.New(rand.NewPCG(uint64(worker), uint64(time.Now().UnixNano())))
	batch = min(batch, len(users))
	for call := 1; ; call++ {
		if tokens != nil {
			select {
			case <-b.stop:
				return
			case <-tokens:
			}
		}
		select {
		case <-b.stop:
			return
		default:
		}
		ids := make([]int64, 0, batch)
		for _, i := range rng.Perm(len(users))[:batch] {
			ids = append(ids, users[i].id)
		}
		start := time.Now()
		got, status, err := b.publish(via, ids, fmt.Sprintf("chaos w%d #%d", worker, call))
		if err == nil && status == http.StatusAccepted {
			b.ack(got, start, time.Since(start))
			continue
		}
		b.fail(fmt.Sprintf("worker %d call %d via %s after %v: status %d, err %v",
			worker, call, via.Name, time.Since(start).Round(time.Millisecond), status, err))
		if err != nil {
			return
		}
		time.Sleep(50 * time.Millisecond) // as a client backs off
	}
}

// publish makes one call through via, counted in flight meanwhile.
func (b *burst) publish(via *node, ids []int64, message string) ([]int64, int, error) {
	b.mu.Lock()
	b.inflight[via]++
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		b.inflight[via]--
		b.mu.Unlock()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	return publish(ctx, via, ids, message, "chaos.burst")
}

// waitInflight waits until a call through n is in flight, or timeout
// passes, and reports whether one is.
func (b *burst) waitInflight(n *node, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		b.mu.Lock()
		busy := b.inflight[n] > 0
		b.mu.Unlock()
		if busy || time.Now().After(deadline) {
			return busy
		}
		time.Sleep(100 * time.Microsecond)
	}
}

func (b *burst) ack(ids []int64, start time.Time, took time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls++
	b.took = append(b.took, took)
	for _, id := range ids {
		b.acked[id] = start
	}
}

func (b *burst) fail(msg string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failed++
	if len(b.failures) < 10 {
		b.failures = append(b.failures, msg)
	}
}

// acks returns how many calls were acknowledged so far.
func (b *burst) acks() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.calls
}

// finish stops the publishers, waits for their calls in flight, and
// records the burst in res.
func (b *burst) finish(res *Result) {
	select {
	case <-b.stop:
	default:
		close(b.stop)
	}
	<-b.done
	b.mu.Lock()
	defer b.mu.Unlock()
	res.Calls, res.CallsFailed, res.Acked = b.calls, b.failed, len(b.acked)
	res.CallFailures = append(res.CallFailures, b.failures...)
	var t Tally
	t.delays(b.took)
	res.CallMax, res.CallP99 = t.MaxDelay, t.P99Delay
}

// stopped returns when the last publisher stopped.
func (b *burst) stopped() time.Time {
	<-b.done
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.end
}

// since returns when the call that committed id started, or fault for an
// id no call acknowledged (its call was in flight at the fault, or
// failed): the time from which its delivery is measured.
func (b *burst) since(id int64, fault time.Time) time.Time {
	if b == nil {
		return fault
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if at, ok := b.acked[id]; ok {
		return at
	}
	return fault
}
