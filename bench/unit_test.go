package bench

import (
	"context"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	hundred := make([]float64, 100)
	for i := range hundred {
		hundred[i] = float64(i + 1)
	}
	thousand := make([]float64, 1000)
	for i := range thousand {
		thousand[i] = float64(i + 1)
	}
	cases := []struct {
		name   string
		sorted []float64
		p      float64
		want   float64
	}{
		{
			name:   "empty",
			sorted: nil,
			p:      0.5,
			want:   0,
		},
		{
			name:   "single",
			sorted: []float64{7},
			p:      0.999,
			want:   7,
		},
		{
			name:   "median of 100",
			sorted: hundred,
			p:      0.5,
			want:   50,
		},
		{
			name:   "p99 of 100",
			sorted: hundred,
			p:      0.99,
			want:   99,
		},
		{
			name:   "p999 of 100 is the max",
			sorted: hundred,
			p:      0.999,
			want:   100,
		},
		{
			name:   "p999 of 1000",
			sorted: thousand,
			p:      0.999,
			want:   999,
		},
		{
			name:   "median of 4 is the second",
			sorted: []float64{1, 2, 3, 4},
			p:      0.5,
			want:   2,
		},
		{
			name:   "p 1 is the max",
			sorted: []float64{1, 2, 3},
			p:      1,
			want:   3,
		},
		{
			name:   "p 0 is the min",
			sorted: []float64{1, 2, 3},
			p:      0,
			want:   1,
		},
	}
	for _, tc := range cases {
		if got := percentile(tc.sorted, tc.p); got != tc.want {
			t.Errorf(
				"%s: percentile(%g) = %g, want %g",
				tc.name, tc.p, got, tc.want,
			)
		}
	}
}

func TestSummarize(t *testing.T) {
	if summarize(nil) != nil {
		t.Fatalf(
			"summarize(nil) = %v, want nil",
			summarize(nil),
		)
	}
	s := []float64{5, 1, 4, 2, 3}
	l := summarize(s)
	if l.Count != 5 || l.P50 != 3 || l.Max != 5 || l.Mean != 3 || l.P99 != 5 {
		t.Fatalf(
			"summarize = %+v",
			*l,
		)
	}
}

const sampleMetrics = `# HELP go_goroutines Number of goroutines that currently exist.
# TYPE go_goroutines gauge
go_goroutines 42
# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total 12.34
# HELP process_resident_memory_bytes Resident memory size in bytes.
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 5.4321152e+07
process_resident_memory_bytes_extra{a="x"} 1
http_requests_total{code="200",path="/a} b\"c"} 17 1700000000000
parkmate_sockets{node="n1"} 3
parkmate_sockets 4
`

func TestParsePromText(t *testing.T) {
	got, err := parsePromText(strings.NewReader(sampleMetrics),
		metricRSS, metricCPU, "http_requests_total", "parkmate_sockets", "missing")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{
		metricRSS:             54321152,
		metricCPU:             12.34,
		"http_requests_total": 17,
		"parkmate_sockets":    4, // the unlabelled sample wins
	}
	if len(got) != len(want) {
		t.Fatalf(
			"got %v, want %v",
			got, want,
		)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf(
				"%s = %g, want %g",
				k, got[k], v,
			)
		}
	}
}

func TestParsePromTextErrors(t *testing.T) {
	for _, in := range []string{
		"process_cpu_seconds_total notanumber\n",
		"process_cpu_seconds_total{a=\"b\" 1\n",
		"process_cpu_seconds_total\n",
	} {
		if _, err := parsePromText(strings.NewReader(in), metricCPU); err == nil {
			t.Errorf(
				"parsePromText(%q): no error",
				in,
			)
		}
	}
}

func TestParseProc(t *testing.T) {
	status := []byte("Name:\tparkmate\nVmPeak:\t  900 kB\nVmRSS:\t   12345 kB\nThreads:\t9\n")
	rss, err := parseProcStatusRSS(status)
	if err != nil || rss != 12345*1024 {
		t.Fatalf(
			"rss = %g, %v",
			rss, err,
		)
	}
	if _, err := parseProcStatusRSS([]byte("Name: x\n")); err == nil {
		t.Fatal("no error without VmRSS")
	}
	// comm with spaces and a parenthesis; utime 250, stime 50 ticks.
	stat := []byte("4242 (park mate) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 9 0 100 0 0\n")
	cpu, err := parseProcStatCPU(stat)
	if err != nil || cpu != 3.0 {
		t.Fatalf(
			"cpu = %g, %v",
			cpu, err,
		)
	}
	if _, err := parseProcStatCPU([]byte("1 (x) S 1 2")); err == nil {
		t.Fatal("no error on a short stat line")
	}
}

func TestTrackerNormal(t *testing.T) {
	tr := newTracker()
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
	tr := newTracker()
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
	tr := newTracker()
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
	tr := newTracker()
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

func TestParseFrame(t *testing.T) {
	f, err := parseFrame([]byte(`{"id": 42, "type": "info", "message": "m", "event": "bench.publish",
		"data": {"bench": "run1", "seq": 7, "ts": 1785412345678901248}, "created_at": "2026-11-25T20:41:10Z"}`))
	if err != nil {
		t.Fatal(err)
	}
	if f.ID != 42 || f.Event != "bench.publish" || f.Data.Bench != "run1" || f.Data.Seq != 7 || f.Data.TS != 1785412345678901248 {
		t.Fatalf(
			"frame %+v",
			*f,
		)
	}
	// Numbers that went through a float64 on the server, a string payment
	// id, and an odd field type do not hide the rest.
	f, err = parseFrame([]byte(`{"id": 43, "type": "success", "event": "payment.verified",
		"data": {"payment_id": "17", "booking_id": 5, "amount": 5, "bench": 3, "seq": 7.0}}`))
	if err != nil {
		t.Fatal(err)
	}
	if f.ID != 43 || f.Data.PaymentID != 17 || f.Data.Seq != 7 || f.Data.Bench != "" {
		t.Fatalf(
			"frame %+v",
			*f,
		)
	}
	f, err = parseFrame([]byte(`{"type": "pong"}`))
	if err != nil || f.ID != 0 {
		t.Fatalf(
			"pong: %+v, %v",
			f, err,
		)
	}
	if _, err := parseFrame([]byte(`{"id": 1.5}`)); err == nil {
		t.Fatal("no error on a fractional id")
	}
	if _, err := parseFrame([]byte(`not json`)); err == nil {
		t.Fatal("no error on bad JSON")
	}
}

func TestPick(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	perm := identity(50)
	for round := 0; round < 100; round++ {
		got := pick(rng, perm, 20)
		seen := map[int]bool{}
		for _, v := range got {
			if v < 0 || v >= 50 || seen[v] {
				t.Fatalf(
					"pick returned %v",
					got,
				)
			}
			seen[v] = true
		}
		if len(got) != 20 {
			t.Fatalf(
				"pick returned %d values",
				len(got),
			)
		}
	}
	if got := pick(rng, identity(3), 10); len(got) != 3 {
		t.Fatalf(
			"pick more than there are: %v",
			got,
		)
	}
}

func TestPaceRate(t *testing.T) {
	var n atomic.Int64
	pace(context.Background(), 500*time.Millisecond, 100, 2, func(ctx context.Context, w int) bool {
		n.Add(1)
		return true
	})
	// 100/s over 0.5s: about 50; not a timing assertion, only a sanity
	// bound against runaway or stalled pacing.
	if got := n.Load(); got < 5 || got > 60 {
		t.Fatalf(
			"%d calls at 100/s in 0.5s",
			got,
		)
	}
}

func TestPaceStops(t *testing.T) {
	var n atomic.Int64
	el := pace(context.Background(), time.Minute, 0, 3, func(ctx context.Context, w int) bool {
		return n.Add(1) < 10
	})
	if el > 30*time.Second {
		t.Fatalf(
			"pace did not stop when fn returned false (%s)",
			el,
		)
	}
	n.Store(0)
	pace(context.Background(), time.Minute, 1000, 3, func(ctx context.Context, w int) bool {
		return n.Add(1) < 10
	})
}

func TestConfigNormalize(t *testing.T) {
	c := Config{Scenario: ScenarioPublish, Conns: 5, PublishKey: "k", Rate: -1}
	if err := c.normalize(); err != nil {
		t.Fatal(err)
	}
	if c.URL != DefaultURL || c.Batch != DefaultBatch || c.Rate != 0 || c.UserPrefix == "" || c.Duration != DefaultDuration {
		t.Fatalf(
			"normalized %+v",
			c,
		)
	}
	e := Config{Scenario: ScenarioEvents, Conns: 5, Admin: "a:b", Rate: -1}
	if err := e.normalize(); err != nil || e.Rate != DefaultEventsRate {
		t.Fatalf(
			"events: %v, rate %g",
			err, e.Rate,
		)
	}
	bad := []Config{
		{Scenario: "nope", Conns: 1},
		{Scenario: ScenarioIdle, Conns: 0},
		{Scenario: ScenarioPublish, Conns: 1},
		{Scenario: ScenarioEvents, Conns: 1, Admin: "nopass"},
		{Scenario: ScenarioIdle, Conns: 1, UserPrefix: "bad prefix"},
		{Scenario: ScenarioIdle, Conns: 1, URL: "ftp://x"},
	}
	for _, b := range bad {
		if err := b.normalize(); err == nil {
			t.Errorf(
				"normalize(%+v): no error",
				b,
			)
		}
	}
}

func TestLoopbackSources(t *testing.T) {
	if got := loopbackSources("127.0.0.1", 4); len(got) != 4 || got[3].String() != "127.0.0.4" {
		t.Fatalf(
			"loopbackSources = %v",
			got,
		)
	}
	for _, h := range []string{"localhost", "::1", "10.0.0.1"} {
		if got := loopbackSources(h, 4); got != nil {
			t.Errorf(
				"loopbackSources(%q) = %v, want nil",
				h, got,
			)
		}
	}
	if got := loopbackSources("127.0.0.1", 1); got != nil {
		t.Errorf(
			"one source: %v, want nil",
			got,
		)
	}
}

func TestExitCode(t *testing.T) {
	if (&Result{}).ExitCode() != ExitOK || (&Result{Lost: 1}).ExitCode() != ExitLost ||
		(&Result{Error: "x", Lost: 1}).ExitCode() != ExitError {
		t.Fatal("exit codes")
	}
}
