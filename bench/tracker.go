package bench

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// observation is one notification frame a reader saw, handed to the
// tracker in batches.
type observation struct {
	id     int64   // notification id
	key    int64   // tracked key, when hasKey
	hasKey bool    // the frame carries a tracked key
	lat    float64 // latency in ms; negative: none
	at     int64   // unix ns of its arrival
}

// totals are the sums of every client's expected and matched keys, kept as
// the trackers change, so that waiting for the last frames reads two
// numbers rather than locking every tracker.
type totals struct {
	expected atomic.Int64
	matched  atomic.Int64
}

// missing returns how many expected keys have not arrived, over every
// client.
func (t *totals) missing() int64 { return t.expected.Load() - t.matched.Load() }

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
	tot *totals // shared by the run's trackers

	mu     sync.Mutex
	lastID int64
	// The notification ids seen: those that arrived in order (each above
	// every earlier one) in ascending order, and those that arrived late.
	inOrder    []int64
	late       map[int64]struct{}
	expect     map[int64]int64   // key -> expected notification id (0: unknown)
	got        map[int64]receipt // key -> first receipt
	matched    int               // keys in both expect and got
	frames     int64             // notification frames received
	dups       int64
	outOfOrder int64
	latencies  []float64 // ms
}

// newTracker returns a tracker that adds its counts to tot (nil: to
// counts of its own).
func newTracker(tot *totals) *tracker {
	if tot == nil {
		tot = &totals{}
	}
	return &tracker{
		tot:    tot,
		late:   make(map[int64]struct{}),
		expect: make(map[int64]int64),
		got:    make(map[int64]receipt),
	}
}

// match changes matched by d, here and in the totals.
func (t *tracker) match(d int) {
	t.matched += d
	t.tot.matched.Add(int64(d))
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
	t.tot.expected.Add(1)
	if _, ok := t.got[key]; ok {
		t.match(1)
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
	t.tot.expected.Add(-1)
	if _, ok := t.got[key]; ok {
		t.match(-1)
	}
}

// observe records a notification frame with id. hasKey says whether the frame
// carries a tracked key; latency is recorded when latMs >= 0. It reports
// whether the frame was a duplicate.
func (t *tracker) observe(id, key int64, hasKey bool, latMs float64, now time.Time) (dup bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.observeLocked(observation{id: id, key: key, hasKey: hasKey, lat: latMs, at: now.UnixNano()})
}

// observeAll records a reader's batch of frames, in arrival order.
func (t *tracker) observeAll(obs []observation) {
	if len(obs) == 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, o := range obs {
		t.observeLocked(o)
	}
}

func (t *tracker) observeLocked(o observation) (dup bool) {
	t.frames++
	if t.seenBefore(o.id) {
		dup = true
	} else if o.id <= t.lastID {
		t.outOfOrder++
	}
	t.lastID = max(t.lastID, o.id)
	if o.hasKey {
		if _, ok := t.got[o.key]; ok {
			dup = true
		} else {
			t.got[o.key] = receipt{id: o.id, at: o.at}
			if _, ok := t.expect[o.key]; ok {
				t.match(1)
			}
			if o.lat >= 0 {
				t.latencies = append(t.latencies, o.lat)
			}
		}
	}
	if dup {
		t.dups++
	}
	return dup
}

// seenBefore reports whether id was seen, and records it if not. Ids
// normally arrive in ascending order: those cost an append.
func (t *tracker) seenBefore(id int64) bool {
	if id > t.lastID {
		t.inOrder = append(t.inOrder, id)
		return false
	}
	if _, ok := slices.BinarySearch(t.inOrder, id); ok {
		return true
	}
	if _, ok := t.late[id]; ok {
		return true
	}
	t.late[id] = struct{}{}
	return false
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
