package bench

import (
	"math"
	"sort"
)

// Latency summarises latency samples in milliseconds.
type Latency struct {
	Count int     `json:"count"`
	Mean  float64 `json:"mean"`
	P50   float64 `json:"p50"`
	P99   float64 `json:"p99"`
	P999  float64 `json:"p999"`
	Max   float64 `json:"max"`
}

// percentile returns the nearest-rank percentile p (0 < p <= 1) of sorted,
// which must be sorted ascending: the smallest sample such that at least a
// fraction p of all samples are less than or equal to it. It returns 0 for an
// empty slice.
func percentile(sorted []float64, p float64) float64 {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	if p <= 0 {
		return sorted[0]
	}
	if p >= 1 {
		return sorted[n-1]
	}
	// The small epsilon keeps p*n from landing just above an integer
	// because of floating point (0.99*100 = 99.00000000000001).
	rank := int(math.Ceil(p*float64(n) - 1e-9))
	if rank < 1 {
		rank = 1
	}
	return sorted[rank-1]
}

// summarize sorts samples in place and returns their summary, or nil when
// there are none.
func summarize(samples []float64) *Latency {
	if len(samples) == 0 {
		return nil
	}
	sort.Float64s(samples)
	sum := 0.0
	for _, s := range samples {
		sum += s
	}
	return &Latency{
		Count: len(samples),
		Mean:  round3(sum / float64(len(samples))),
		P50:   round3(percentile(samples, 0.50)),
		P99:   round3(percentile(samples, 0.99)),
		P999:  round3(percentile(samples, 0.999)),
		Max:   round3(samples[len(samples)-1]),
	}
}

// round3 rounds to three decimals, enough for figures in ms or µs.
func round3(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	return math.Round(v*1000) / 1000
}

// ptr returns a pointer to a rounded copy of v, for the optional JSON fields.
func ptr(v float64) *float64 {
	r := round3(v)
	return &r
}
