package httpapi

import (
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"parkmate"
)

// limiter is a token bucket per client address.
type limiter struct {
	mu      sync.Mutex
	every   rate.Limit
	burst   int
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// newLimiter allows n events per period per key; n <= 0 allows all.
func newLimiter(n int, period time.Duration) *limiter {
	if n <= 0 {
		return nil
	}
	return &limiter{every: rate.Limit(float64(n) / period.Seconds()), burst: n, buckets: map[string]*bucket{}}
}

// allow takes a token for key, or returns a rate_limited error that says
// when to come back.
func (l *limiter) allow(key string) error {
	if l == nil {
		return nil
	}
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute {
		for k, b := range l.buckets {
			if now.Sub(b.seen) > 10*time.Minute {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b := l.buckets[key]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(l.every, l.burst)}
		l.buckets[key] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return &retryAfter{err: parkmate.Errorf(parkmate.ERATELIMITED, "Too many attempts; try again later."), after: d}
	}
	return nil
}

// retryAfter is a rate_limited error that knows its Retry-After.
type retryAfter struct {
	err   *parkmate.Error
	after time.Duration
}

func (e *retryAfter) Error() string { return e.err.Error() }

func (e *retryAfter) Unwrap() error { return e.err }

func setRetryAfter(w http.ResponseWriter, err error) {
	if ra, ok := err.(*retryAfter); ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(ra.after/time.Second)+1))
	}
}

// clientAddr is the peer's IP address (no proxy headers are trusted).
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
