package push

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	webpush "github.com/SherClockHolmes/webpush-go"

	"parkmate"
	"parkmate/push/pushtest"
)

// newTestSender returns a sender to a test push service, which expects
// the sender's key and subject.
func newTestSender(t *testing.T) (*sender, *pushtest.Server) {
	t.Helper()
	ps := pushtest.Start()
	t.Cleanup(ps.Close)
	keys, err := NewKeys()
	if err != nil {
		t.Fatal(err)
	}
	ps.ExpectKey(keys.Public)
	ps.ExpectSubject("mailto:ops@parkmate.example")
	h, _ := ParseHosts([]string{ps.HostPort})
	return &sender{client: h.Client(5 * time.Second), keys: keys, subject: "mailto:ops@parkmate.example", now: time.Now}, ps
}

func subscribe(t *testing.T, ps *pushtest.Server) (*pushtest.Subscriber, Subscription) {
	t.Helper()
	sub := ps.Subscribe()
	raw, _ := json.Marshal(sub.JSON())
	var j SubscriptionJSON
	if err := json.Unmarshal(raw, &j); err != nil {
		t.Fatal(err)
	}
	h, _ := ParseHosts([]string{ps.HostPort})
	s, err := j.Parse(h, 1, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return sub, s
}

func TestSendIsDecryptedAndVerifiedByThePushService(t *testing.T) {
	sd, ps := newTestSender(t)
	_, sub := subscribe(t, ps)
	n := parkmate.Notification{ID: 42, Type: parkmate.LevelWarning, Message: "Your booking will expire in 5 minutes!",
		Event: parkmate.EventBookingExpiring, Data: json.RawMessage(`{"booking_id":7}`), CreatedAt: time.Now().UTC().Truncate(time.Second)}
	a := sd.send(context.Background(), sub, Payload(n), Policy{TTL: 90 * time.Second, Urgency: webpush.UrgencyHigh}, "n16")
	m := <-ps.Messages
	if a.Result != Sent || m.Err != nil || m.Status != http.StatusCreated {
		t.Fatalf("attempt %+v, service %+v", a, m)
	}
	var got parkmate.Notification
	if err := json.Unmarshal(m.Payload, &got); err != nil || got.ID != 42 || got.Message != n.Message || got.Event != n.Event ||
		string(got.Data) != `{"booking_id":7}` || !got.CreatedAt.Equal(n.CreatedAt) || got.Type != n.Type {
		t.Fatalf("payload %s (%v)", m.Payload, err)
	}
	if m.TTL != 90 || m.Urgency != "high" || m.Topic != "n16" || m.Key != sd.keys.Public {
		t.Fatalf("headers: %+v", m)
	}
}

func TestSendResults(t *testing.T) {
	sd, ps := newTestSender(t)
	pt, sub := subscribe(t, ps)
	for _, tc := range []struct {
		answer pushtest.Answer
		want   Result
		after  time.Duration
	}{
		{pushtest.Answer{Status: 201}, Sent, 0},
		{pushtest.Answer{Status: 410}, Gone, 0},
		{pushtest.Answer{Status: 404}, Gone, 0},
		{pushtest.Answer{Status: 429, RetryAfter: "120"}, Retry, 120 * time.Second},
		{pushtest.Answer{Status: 429}, Retry, 0},
		{pushtest.Answer{Status: 503, RetryAfter: "7"}, Retry, 7 * time.Second},
		{pushtest.Answer{Status: 500}, Retry, 0},
		{pushtest.Answer{Status: 400}, Refused, 0},
		{pushtest.Answer{Status: 413}, Refused, 0},
		{pushtest.Answer{Status: 307, Location: ps.URL() + "/push/" + pt.Token}, Refused, 0},
		{pushtest.Answer{Status: 301, Location: "http://169.254.169.254/"}, Refused, 0},
	} {
		ps.Script(pt, tc.answer)
		a := sd.send(context.Background(), sub, []byte(`{}`), Policy{TTL: time.Minute}, "")
		m := <-ps.Messages
		if a.Result != tc.want || a.RetryAfter != tc.after || a.Status != tc.answer.Status || m.Err != nil {
			t.Errorf("answer %+v: attempt %+v (service: %v)", tc.answer, a, m.Err)
		}
	}
	select {
	case m := <-ps.Messages:
		t.Fatalf("a redirect was followed: %+v", m)
	default:
	}
}

func TestRetryAfterAndBackoff(t *testing.T) {
	now := time.Date(2026, 11, 25, 20, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"": 0, "0": 0, "30": 30 * time.Second, "-5": 0, "soon": 0, "99999999": 7 * 24 * time.Hour,
		now.Add(90 * time.Second).Format(http.TimeFormat): 90 * time.Second,
		now.Add(-time.Minute).Format(http.TimeFormat):     0,
	} {
		if got := retryAfter(v, now); got != want {
			t.Errorf("Retry-After %q: %s, want %s", v, got, want)
		}
	}
	for attempts, want := range map[int]time.Duration{0: time.Second, 1: time.Second, 2: 2 * time.Second, 5: 16 * time.Second, 30: 5 * time.Minute} {
		if got := backoff(attempts); got != want {
			t.Errorf("backoff(%d) = %s, want %s", attempts, got, want)
		}
	}
}

func TestPayloadFitsOneRecord(t *testing.T) {
	big := parkmate.Notification{ID: 9, Type: parkmate.LevelInfo, Event: "x", CreatedAt: time.Now().UTC(),
		Message: strings.Repeat("é<\"", 3000), Data: json.RawMessage(`{"booking_id":12,"blob":"` + strings.Repeat("z", 5000) + `"}`)}
	b := Payload(big)
	var got parkmate.Notification
	if err := json.Unmarshal(b, &got); err != nil || len(b) > maxPayload || string(got.Data) != `{"booking_id":12}` ||
		!utf8.ValidString(got.Message) || got.ID != 9 || !strings.HasPrefix(got.Message, "é<") {
		t.Fatalf("%d bytes: %.200s (%v)", len(b), b, err)
	}
	small := parkmate.Notification{ID: 1, Message: "hi", Data: json.RawMessage(`{"a":1}`)}
	if b := Payload(small); !strings.Contains(string(b), `"data":{"a":1}`) {
		t.Fatalf("small payload changed: %s", b)
	}
	// It goes through the library's padding: the record is full, not over.
	sd, ps := newTestSender(t)
	_, sub := subscribe(t, ps)
	if a := sd.send(context.Background(), sub, b, Policy{TTL: time.Minute}, ""); a.Result != Sent {
		t.Fatalf("largest payload: %+v", a)
	}
	if m := <-ps.Messages; string(m.Payload) != string(b) {
		t.Fatalf("decrypted %d bytes, sent %d", len(m.Payload), len(b))
	}
}

func TestPolicyFollowsTheEvent(t *testing.T) {
	now := time.Date(2026, 11, 25, 20, 0, 0, 0, time.UTC)
	ends := now.Add(4*time.Minute + 30*time.Second)
	warn := parkmate.Notification{Event: parkmate.EventBookingExpiring, CreatedAt: now,
		Data: json.RawMessage(`{"booking_id":3,"ends_at":"` + ends.Format(time.RFC3339) + `"}`)}
	if p := policyFor(warn, now, time.Hour); p.TTL != 270*time.Second || p.Urgency != webpush.UrgencyHigh || !p.Until.Equal(ends) {
		t.Fatalf("warning: %+v", p)
	}
	if p := policyFor(warn, ends.Add(time.Minute), time.Hour); p.TTL != 0 {
		t.Fatalf("warning after the end: %+v", p)
	}
	other := parkmate.Notification{Event: parkmate.EventBookingExpired, CreatedAt: now}
	if p := policyFor(other, now.Add(time.Minute), time.Hour); p.TTL != time.Hour || p.Urgency != webpush.UrgencyNormal || !p.Until.Equal(now.Add(time.Hour)) {
		t.Fatalf("expired: %+v", p)
	}
}
