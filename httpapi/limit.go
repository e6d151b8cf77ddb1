package httpapi

import (
	"errors"
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"parkmate"
)

// limiter is a token bucket per client address. A caller reserves a token
// before the expensive or guessable step (a bcrypt comparison, a new
// account) and may give it back afterwards (a sign-in that succeeded), so
// N requests arriving at once put at most the bucket's size through that
// step, and an address that only succeeds is never slowed.
type limiter struct {
	mu      sync.Mutex
	perSec  float64 // refill rate, tokens per second
	burst   float64
	now     func() time.Time
	what    string // says what was limited, in the 429's message
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	tokens float64
	at     time.Time // when tokens was last brought up to date
}

// newLimiter allows n events per period per key; n <= 0 allows all (and
// returns nil, which is a valid limiter that never refuses).
func newLimiter(n int, period time.Duration, what string) *limiter {
	if n <= 0 {
		return nil
	}
	return &limiter{perSec: float64(n) / period.Seconds(), burst: float64(n), now: time.Now, what: what,
		buckets: map[string]*bucket{}}
}

// bucketFor returns key's bucket, refilled up to now, forgetting buckets
// that have long been full. l.mu must be held.
func (l *limiter) bucketFor(key string, now time.Time) *bucket {
	if now.Sub(l.swept) > time.Minute {
		for k, b := range l.buckets {
			if l.refill(b, now); b.tokens >= l.burst {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b := l.buckets[key]
	if b == nil {
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	l.refill(b, now)
	return b
}

func (l *limiter) refill(b *bucket, now time.Time) {
	if d := now.Sub(b.at); d > 0 {
		b.tokens = math.Min(l.burst, b.tokens+d.Seconds()*l.perSec)
		b.at = now
	}
}

// take reserves a token of key's bucket, or refuses with a rate_limited
// error that says when one will be there.
func (l *limiter) take(key string) error {
	if l == nil {
		return nil
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucketFor(key, now)
	if b.tokens >= 1 {
		b.tokens--
		return nil
	}
	wait := time.Duration((1 - b.tokens) / l.perSec * float64(time.Second))
	return &retryAfter{err: parkmate.Errorf(parkmate.ERATELIMITED, "Too many %s from your address; try again in %s.", l.what, seconds(wait)), after: wait}
}

// giveBack returns a token taken by take.
func (l *limiter) giveBack(key string) {
	if l == nil {
		return
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucketFor(key, now)
	b.tokens = math.Min(l.burst, b.tokens+1)
}

// seconds says d in whole seconds, rounded up, in words.
func seconds(d time.Duration) string {
	if n := retrySeconds(d); n != 1 {
		return strconv.Itoa(n) + " seconds"
	}
	return "1 second"
}

// retrySeconds is d in whole seconds, rounded up, at least 1.
func retrySeconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}

// retryAfter is a rate_limited error that knows its Retry-After.
type retryAfter struct {
	err   *parkmate.Error
	after time.Duration
}

func (e *retryAfter) Error() string { return e.err.Error() }

func (e *retryAfter) Unwrap() error { return e.err }

// retryAfterHeader is the Retry-After of a 429 answering err: the error's
// own wait, or one second.
func retryAfterHeader(err error) string {
	var ra *retryAfter
	if errors.As(err, &ra) {
		return strconv.Itoa(retrySeconds(ra.after))
	}
	return "1"
}

// clientAddr is the peer's IP address (no proxy headers are trusted).
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
