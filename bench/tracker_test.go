package bench

import (
	"testing"
	"time"
)

func TestTrackerNormal(t *testing.T) {
	tr := newTracker(nil)
	now := time.Now()
	for k := int64(1); k <= 3; k++ {
		tr.expectKey(k)
	}
	if tr.missing() != 3 {
		t.Fatalf(
			"missing = %d, want 3",
			tr.missing(),
		)
	}
	tr.observe(10, 1, true, 1.5, now)
	tr.observe(11, 0, false, -1, now) // another event: no key
	tr.observe(12, 2, true, 2.5, now)
	tr.observe(15, 3, true, 0.5, now)
	if tr.last() != 15 || tr.missing() != 0 || tr.delivered() != 3 {
		t.Fatalf(
			"last %d missing %d delivered %d",
			tr.last(), tr.missing(), tr.delivered(),
		)
	}
	s := tr.summary()
	if s.Lost != 0 || s.Duplicated != 0 || s.OutOfOrder != 0 || s.Unexpected != 0 || s.Delivered != 3 || s.Frames != 4 {
		t.Fatalf(
			"summary %+v",
			s,
		)
	}
	if l := tr.takeLatencies(); len(l) != 3 {
		t.Fatalf(
			"latencies %v",
			l,
		)
	}
}

func TestTrackerAnomalies(t *testing.T) {
	tr := newTracker(nil)
	now := time.Now()
	for k := int64(1); k <= 5; k++ {
		tr.expectKey(k)
	}
	tr.observe(10, 1, true, -1, now)
	tr.observe(10, 1, true, -1, now) // the same frame again: duplicate
	tr.observe(12, 2, true, -1, now)
	tr.observe(11, 3, true, -1, now) // new id below the last: out of order
	tr.observe(13, 2, true, -1, now) // key 2 again under a new id: duplicate
	tr.observe(14, 9, true, -1, now) // never expected
	// keys 4 and 5 never arrive
	s := tr.summary()
	if s.Duplicated != 2 || s.OutOfOrder != 1 || s.Unexpected != 1 || s.Lost != 2 || s.Delivered != 3 {
		t.Fatalf(
			"summary %+v",
			s,
		)
	}
	if tr.last() != 14 {
		t.Fatalf(
			"last = %d, want 14",
			tr.last(),
		)
	}
}

func TestTrackerExpectationOrder(t *testing.T) {
	tr := newTracker(nil)
	now := time.Now()
	// A frame may be observed before its expectation is recorded...
	tr.observe(5, 7, true, -1, now)
	tr.expectKey(7)
	if tr.missing() != 0 {
		t.Fatalf(
			"missing = %d after a late expectation",
			tr.missing(),
		)
	}
	// ...and a failed call withdraws its expectation.
	tr.expectKey(8)
	tr.unexpectKey(8)
	tr.expectKey(9)
	tr.setExpectedID(9, 6)
	tr.observe(6, 9, true, -1, now)
	tr.expectKey(10)
	tr.setExpectedID(10, 99)
	tr.observe(7, 10, true, -1, now) // another id than the publish answer gave
	s := tr.summary()
	if s.Lost != 0 || s.Expected != 3 || s.IDMismatch != 1 || s.Unexpected != 0 {
		t.Fatalf(
			"summary %+v",
			s,
		)
	}
	tr.unexpectKey(7)
	if tr.missing() != 0 || tr.summary().Unexpected != 1 {
		t.Fatalf(
			"after withdrawing a received key: missing %d, %+v",
			tr.missing(), tr.summary(),
		)
	}
}

func TestTrackerMissingBelow(t *testing.T) {
	tr := newTracker(nil)
	t0 := time.Unix(100, 0)
	for k := int64(1); k <= 4; k++ {
		tr.expectKey(k)
	}
	tr.observe(1, 1, true, -1, t0)
	tr.observe(2, 2, true, -1, t0.Add(time.Second))
	tr.observe(3, 4, true, -1, t0.Add(5*time.Second))
	m, at := tr.missingBelow(3)
	if m != 0 || at != t0.Add(time.Second).UnixNano() {
		t.Fatalf(
			"missingBelow(3) = %d, %d",
			m, at,
		)
	}
	if m, _ := tr.missingBelow(5); m != 1 {
		t.Fatalf(
			"missingBelow(5) = %d, want 1",
			m,
		)
	}
}

func TestSummaryAdd(t *testing.T) {
	var s trackerSummary
	s.add(trackerSummary{Expected: 2, Delivered: 2, FirstAt: 50, LastAt: 60})
	s.add(trackerSummary{Expected: 3, Delivered: 1, Lost: 2, FirstAt: 40, LastAt: 55})
	s.add(trackerSummary{})
	if s.Expected != 5 || s.Delivered != 3 || s.Lost != 2 || s.FirstAt != 40 || s.LastAt != 60 {
		t.Fatalf(
			"sum %+v",
			s,
		)
	}
}

// TestTrackerBatchesAndLateIDs feeds frames in batches, as a reader does:
// ids that arrive in order, a late one, and repeats of each kind.
func TestTrackerBatchesAndLateIDs(t *testing.T) {
	tot := &totals{}
	tr := newTracker(tot)
	for k := int64(1); k <= 4; k++ {
		tr.expectKey(k)
	}
	at := time.Now().UnixNano()
	tr.observeAll([]observation{
		{id: 10, key: 1, hasKey: true, lat: 1, at: at},
		{id: 20, key: 2, hasKey: true, lat: 2, at: at},
		{id: 15, key: 3, hasKey: true, lat: -1, at: at}, // late: out of order
	})
	tr.observeAll([]observation{
		{id: 15, lat: -1, at: at}, // the late id again
		{id: 10, lat: -1, at: at}, // an in-order id again
		{id: 30, key: 4, hasKey: true, lat: 3, at: at},
	})
	s := tr.summary()
	if s.Duplicated != 2 || s.OutOfOrder != 1 || s.Delivered != 4 || s.Frames != 6 || tr.last() != 30 {
		t.Fatalf("summary %+v, last %d", s, tr.last())
	}
	if tot.missing() != 0 || tot.matched.Load() != 4 || len(tr.takeLatencies()) != 3 {
		t.Fatalf("totals: missing %d, matched %d", tot.missing(), tot.matched.Load())
	}
	tr.expectKey(5)
	if tot.missing() != 1 {
		t.Fatalf("totals: missing %d after a new expectation, want 1", tot.missing())
	}
}
