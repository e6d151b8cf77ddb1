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

// limiter is a token bucket per client address, drained by failed
// sign-ins and sign-ups (guessing passwords or names), so an address that
// only succeeds is never slowed.
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

// bucketFor returns key's bucket, forgetting buckets unused for a while.
// l.mu must be held.
func (l *limiter) bucketFor(key string, now time.Time) *bucket {
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
	return b
}

// check refuses key when its bucket is empty, with a rate_limited error
// that says when to come back. It takes no token: failures do (fail).
func (l *limiter) check(key string) error {
	if l == nil {
		return nil
	}
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	lim := l.bucketFor(key, now).lim
	if lim.TokensAt(now) >= 1 {
		return nil
	}
	r := lim.ReserveN(now, 1)
	d := r.DelayFrom(now)
	r.CancelAt(now)
	return &retryAfter{err: parkmate.Errorf(parkmate.ERATELIMITED, "Too many failed attempts; try again later."), after: d}
}

// fail takes a token from key's bucket for a failed attempt.
func (l *limiter) fail(key string) {
	if l == nil {
		return
	}
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.bucketFor(key, now).lim.AllowN(now, 1)
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
