package faulttest

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"
)

// Bounds of the health endpoints (issue 7, "Health"; docs/api.md).
const (
	// healthAnswer is the longest a probe of /readyz or /livez may take.
	healthAnswer = time.Second
	// healthTurn is how long after the broker is cut (or restored) a
	// node's /readyz may go on answering as before.
	healthTurn = 10 * time.Second
	// healthEvery is how often the watcher asks.
	healthEvery = 100 * time.Millisecond
)

// probe is one answer of a health endpoint.
type probe struct {
	path   string
	status int // 0: no answer within nodeproc's two seconds
	at     time.Time
	took   time.Duration
}

// healthWatch asks a node for /readyz and /livez every healthEvery, in
// the background, and keeps every answer.
type healthWatch struct {
	n    *node
	mu   sync.Mutex
	seen []probe
	stop chan struct{}
	done chan struct{}
}

// watchHealth starts asking n.
func watchHealth(n *node) *healthWatch {
	w := &healthWatch{n: n, stop: make(chan struct{}), done: make(chan struct{})}
	go w.run()
	return w
}

func (w *healthWatch) run() {
	defer close(w.done)
	for {
		for _, path := range []string{"/readyz", "/livez"} {
			start := time.Now()
			status := w.n.Status(path)
			w.mu.Lock()
			w.seen = append(w.seen, probe{path: path, status: status, at: start, took: time.Since(start)})
			w.mu.Unlock()
		}
		select {
		case <-w.stop:
			return
		case <-time.After(healthEvery):
		}
	}
}

// waitReady waits until /readyz, asked after since, answers want, and
// returns when it first did; ok is false when it did not by until.
func (w *healthWatch) waitReady(want int, since, until time.Time) (time.Time, bool) {
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
		time.Sleep(healthEvery / 2)
	}
}

// finish stops the watcher and fails the test for every probe that took
// longer than healthAnswer, and for every /livez that did not answer 200.
func (w *healthWatch) finish(t *testing.T) {
	t.Helper()
	close(w.stop)
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	var slow, notLive []string
	for _, p := range w.seen {
		if p.took > healthAnswer {
			slow = append(slow, fmt.Sprintf("%s %d in %v", p.path, p.status, p.took.Round(time.Millisecond)))
		}
		if p.path == "/livez" && p.status != http.StatusOK {
			notLive = append(notLive, fmt.Sprintf("%d at %s", p.status, p.at.Format("15:04:05.000")))
		}
	}
	if len(slow) > 0 {
		t.Errorf("node %s: %d of %d health probes took longer than %v: %q", w.n.Name, len(slow), len(w.seen), healthAnswer, first(slow, 10))
	}
	if len(notLive) > 0 {
		t.Errorf("node %s: GET /livez did not answer 200 %d times: %q", w.n.Name, len(notLive), first(notLive, 10))
	}
	t.Logf("node %s: %d health probes, the slowest took %v", w.n.Name, len(w.seen), w.slowest())
}

// slowest returns the longest a probe took; w.mu is held.
func (w *healthWatch) slowest() time.Duration {
	var d time.Duration
	for _, p := range w.seen {
		d = max(d, p.took)
	}
	return d.Round(time.Millisecond)
}

func first(s []string, n int) []string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
