package bench

import (
	"context"
	"math/rand/v2"
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
