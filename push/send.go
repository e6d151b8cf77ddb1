package push

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"
)

// Result is what became of one attempt to push.
type Result int

// The results of an attempt.
const (
	// Sent: the push service took the message (201).
	Sent Result = iota
	// Gone: the subscription no longer exists (404, 410); it is deleted.
	Gone
	// Retry: try again later (429, 5xx, a network error).
	Retry
	// Refused: never try again (a redirect, another 4xx, an address or
	// host the allow-list refuses).
	Refused
)

// String names the result, as the metrics label it.
func (r Result) String() string {
	return [...]string{"sent", "gone", "retry", "refused"}[r]
}

// Attempt is the answer to one push.
type Attempt struct {
	Result Result
	// Status is the push service's HTTP status (0: no answer).
	Status int
	// RetryAfter is the push service's Retry-After (0: none given).
	RetryAfter time.Duration
	// Err says what went wrong, for the log.
	Err error
}

// sender pushes messages with webpush-go through the allow-listed client.
type sender struct {
	client  *http.Client
	keys    Keys
	subject string
	now     func() time.Time
}

// subscriber is the VAPID "sub" as webpush-go wants it: it adds "mailto:"
// to anything that does not begin with "https:", so a mailto: subject
// loses its scheme here.
func subscriber(subject string) string {
	return strings.TrimPrefix(subject, "mailto:")
}

// send pushes payload to s; topic collapses a repeated message for the
// same notification at the push service (RFC 8030 section 5.4).
func (sd *sender) send(ctx context.Context, s Subscription, payload []byte, p Policy, topic string) Attempt {
	resp, err := webpush.SendNotificationWithContext(ctx, payload, &webpush.Subscription{
		Endpoint: s.Endpoint,
		Keys:     webpush.Keys{P256dh: s.P256DH, Auth: s.Auth},
	}, &webpush.Options{
		HTTPClient:      sd.client,
		Subscriber:      subscriber(sd.subject),
		Topic:           topic,
		TTL:             int(math.Ceil(p.TTL.Seconds())),
		Urgency:         p.Urgency,
		VAPIDPublicKey:  sd.keys.Public,
		VAPIDPrivateKey: sd.keys.Private,
	})
	if err != nil {
		if errors.Is(err, ErrRefusedAddress) || errors.Is(err, ErrRefusedHost) {
			return Attempt{Result: Refused, Err: err}
		}
		return Attempt{Result: Retry, Err: err}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	a := Attempt{Status: resp.StatusCode, RetryAfter: retryAfter(resp.Header.Get("Retry-After"), sd.now())}
	switch c := resp.StatusCode; {
	case c >= 200 && c < 300:
		a.Result = Sent
	case c == http.StatusNotFound || c == http.StatusGone:
		a.Result = Gone
	case c == http.StatusTooManyRequests || c == http.StatusRequestTimeout || c >= 500:
		a.Result = Retry
	case c >= 300 && c < 400:
		a.Result, a.Err = Refused, fmt.Errorf("push service answered %d (redirects are never followed)", c)
	default:
		a.Result = Refused
	}
	if a.Result != Sent && a.Err == nil {
		a.Err = fmt.Errorf("push service answered %d: %q", resp.StatusCode, body)
	}
	return a
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s < 0 {
			return 0
		}
		return time.Duration(min(s, int64(7*24*3600))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// backoff is the wait before attempt n+1 after n failed attempts without
// a Retry-After: 1 s doubling up to 5 minutes.
func backoff(attempts int) time.Duration {
	d := time.Second << min(max(attempts-1, 0), 9)
	return min(d, 5*time.Minute)
}
