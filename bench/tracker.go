package bench

import (
	"sync"
	"time"
)

// receipt is the first arrival of a tracked key at a client.
type receipt struct {
	id int64 // notification id of the frame
	at int64 // unix ns
}

// tracker follows what one client (one user) was sent and what it received,
// across all of its connections. It detects:
//   - lost: a key that was expected (a notification published to the user)
//     but never arrived;
//   - duplicated: a frame whose notification id the client had already seen,
//     or whose key had already arrived under another id;
//   - out of order: a new id that is not greater than the last one seen
//     (ids must strictly increase per user);
//   - unexpected: a key that arrived but was never expected (e.g. from a
//     publish call that failed on the client side but was committed).
//
// A key identifies one notification to one user: the publish sequence number
// for bench.publish frames, the payment id for payment.verified frames.
type tracker struct {
	mu         sync.Mutex
	lastID     int64
	seen       map[int64]struct{} // notification ids seen
	expect     map[int64]int64    // key -> expected notification id (0: unknown)
	got        map[int64]receipt  // key -> first receipt
	matched    int                // keys in both expect and got
	frames     int64              // notification frames received
	dups       int64
	outOfOrder int64
	latencies  []float64 // ms
}

func newTracker() *tracker {
	return &tracker{
		seen:   make(map[int64]struct{}),
		expect: make(map[int64]int64),
		got:    make(map[int64]receipt),
	}
}

// last returns the greatest notification id the client has seen, the value to
// resume with (?since=).
func (t *tracker) last() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.lastID
}

// expectKey records that key was published to the client. Call it before the
// publish call is sent, so that a fast frame always finds its expectation.
func (t *tracker) expectKey(key int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.expect[key]; ok {
		return
	}
	t.expect[key] = 0
	if _, ok := t.got[key]; ok {
		t.matched++
	}
}

// setExpectedID records the notification id the server said it created for
// key (only when the server's answer maps ids to users unambiguously).
func (t *tracker) setExpectedID(key, id int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.expect[key]; ok {
		t.expect[key] = id
	}
}

// unexpectKey withdraws an expectation, for a publish call that failed.
func (t *tracker) unexpectKey(key int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.expect[key]; !ok {
		return
	}
	delete(t.expect, key)
	if _, ok := t.got[key]; ok {
		t.matched--
	}
}

// observe records a notification frame with id. hasKey says whether the frame
// carries a tracked key; latency is recorded when latMs >= 0. It reports
// whether the frame was a duplicate.
func (t *tracker) observe(id, key int64, hasKey bool, latMs float64, now time.Time) (dup bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.frames++
	if _, ok := t.seen[id]; ok {
		dup = true
	} else {
		t.seen[id] = struct{}{}
		if id <= t.lastID {
			t.outOfOrder++
		}
	}
	if id > t.lastID {
		t.lastID = id
	}
	if hasKey {
		if _, ok := t.got[key]; ok {
			dup = true
		} else {
			t.got[key] = receipt{id: id, at: now.UnixNano()}
			if _, ok := t.expect[key]; ok {
				t.matched++
			}
			if latMs >= 0 {
				t.latencies = append(t.latencies, latMs)
			}
		}
	}
	if dup {
		t.dups++
	}
	return dup
}

// missing returns how many expected keys have not arrived yet.
func (t *tracker) missing() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.expect) - t.matched
}

// delivered returns how many expected keys have arrived.
func (t *tracker) delivered() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.matched
}

// missingBelow returns how many expected keys smaller than bound have not
// arrived, and the latest arrival time (unix ns) of those that have.
func (t *tracker) missingBelow(bound int64) (missing int, lastAt int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for k := range t.expect {
		if k >= bound {
			continue
		}
		r, ok := t.got[k]
		if !ok {
			missing++
			continue
		}
		if r.at > lastAt {
			lastAt = r.at
		}
	}
	return missing, lastAt
}

// trackerSummary is the end-of-run account of one client (or, summed, of all).
type trackerSummary struct {
	Expected   int64
	Delivered  int64
	Lost       int64
	Duplicated int64
	OutOfOrder int64
	Unexpected int64
	IDMismatch int64
	Frames     int64
	FirstAt    int64 // unix ns of the first expected arrival, 0 if none
	LastAt     int64 // unix ns of the last expected arrival, 0 if none
}

func (s *trackerSummary) add(o trackerSummary) {
	s.Expected += o.Expected
	s.Delivered += o.Delivered
	s.Lost += o.Lost
	s.Duplicated += o.Duplicated
	s.OutOfOrder += o.OutOfOrder
	s.Unexpected += o.Unexpected
	s.IDMismatch += o.IDMismatch
	s.Frames += o.Frames
	if o.FirstAt != 0 && (s.FirstAt == 0 || o.FirstAt < s.FirstAt) {
		s.FirstAt = o.FirstAt
	}
	if o.LastAt > s.LastAt {
		s.LastAt = o.LastAt
	}
}

func (t *tracker) summary() trackerSummary {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := trackerSummary{
		Expected:   int64(len(t.expect)),
		Duplicated: t.dups,
		OutOfOrder: t.outOfOrder,
		Frames:     t.frames,
	}
	for k, want := range t.expect {
		r, ok := t.got[k]
		if !ok {
			s.Lost++
			continue
		}
		s.Delivered++
		if want != 0 && r.id != want {
			s.IDMismatch++
		}
		if s.FirstAt == 0 || r.at < s.FirstAt {
			s.FirstAt = r.at
		}
		if r.at > s.LastAt {
			s.LastAt = r.at
		}
	}
	for k := range t.got {
		if _, ok := t.expect[k]; !ok {
			s.Unexpected++
		}
	}
	return s
}

// takeLatencies returns the latency samples recorded so far.
func (t *tracker) takeLatencies() []float64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	l := t.latencies
	t.latencies = nil
	return l
}
