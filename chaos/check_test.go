package chaos

import (
	"slices"
	"testing"
	"time"
)

// TestCompareFindsEveryProblem checks the checker: each way a socket can
// break the contract is counted, and a correct delivery is not.
func TestCompareFindsEveryProblem(t *testing.T) {
	frames := func(ids ...int64) []arrival {
		var out []arrival
		for _, id := range ids {
			out = append(out, arrival{id: id, at: time.Now()})
		}
		return out
	}
	want := []int64{11, 12, 14}
	tests := []struct {
		name                            string
		got                             []arrival
		closed                          bool
		lost, dup, disorder, unexpected []int64
	}{
		{name: "exact", got: frames(11, 12, 14)},
		{name: "missing", got: frames(11, 14), lost: []int64{12}},
		{name: "missing at the end", got: frames(11, 12), lost: []int64{14}},
		{name: "duplicated", got: frames(11, 12, 12, 14), dup: []int64{12}},
		{name: "out of order", got: frames(11, 14, 12), disorder: []int64{12}},
		{name: "repeated from before", got: frames(10, 11, 12, 14), dup: []int64{10}},
		{name: "not committed", got: frames(11, 12, 13, 14), unexpected: []int64{13}},
		{name: "closed early", got: frames(11), closed: true},
		{name: "closed with a gap", got: frames(11, 14), closed: true, lost: []int64{12}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := compare(10, tc.got, want, tc.closed)
			for _, f := range []struct {
				what      string
				got, want []int64
			}{{"lost", c.lost, tc.lost}, {"dup", c.dup, tc.dup}, {"disorder", c.disorder, tc.disorder}, {"unexpected", c.unexpected, tc.unexpected}} {
				if !slices.Equal(f.got, f.want) {
					t.Errorf("%s: %v, want %v", f.what, f.got, f.want)
				}
			}
		})
	}
}

func TestTallyDelays(t *testing.T) {
	var tl Tally
	var samples []time.Duration
	for i := 1; i <= 200; i++ {
		samples = append(samples, time.Duration(i)*time.Millisecond)
	}
	tl.delays(samples)
	if tl.MaxDelay != Millis(200*time.Millisecond) || tl.P99Delay != Millis(198*time.Millisecond) {
		t.Fatalf("max %v p99 %v, want 200ms and 198ms", tl.MaxDelay, tl.P99Delay)
	}
}
