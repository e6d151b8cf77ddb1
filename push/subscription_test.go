package push

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"parkmate"
)

func TestParseSubscription(t *testing.T) {
	h, _ := ParseHosts([]string{"fcm.googleapis.com"})
	key, _ := ecdh.P256().GenerateKey(rand.Reader)
	pub := key.PublicKey().Bytes()
	now := time.Date(2026, 11, 25, 20, 0, 0, 0, time.UTC)
	raw := base64.RawURLEncoding.EncodeToString
	compressed := append([]byte{2 + pub[64]&1}, pub[1:33]...)
	offCurve := append([]byte{4}, make([]byte, 64)...)
	offCurve[64] = 1
	later, earlier := now.Add(time.Hour).UnixMilli(), now.Add(-time.Second).UnixMilli()
	good := func(mod func(*SubscriptionJSON)) SubscriptionJSON {
		j := SubscriptionJSON{Endpoint: "https://fcm.googleapis.com/fcm/send/abc"}
		j.Keys.P256DH, j.Keys.Auth = raw(pub), raw([]byte("0123456789abcdef"))
		if mod != nil {
			mod(&j)
		}
		return j
	}
	for _, tc := range []struct {
		name string
		j    SubscriptionJSON
		code string
	}{
		{"valid", good(nil), ""},
		{"padded base64url", good(func(j *SubscriptionJSON) { j.Keys.P256DH = base64.URLEncoding.EncodeToString(pub) }), ""},
		{"standard base64", good(func(j *SubscriptionJSON) { j.Keys.Auth = base64.StdEncoding.EncodeToString([]byte("0123456789abcde?")) }), ""},
		{"expiration ahead", good(func(j *SubscriptionJSON) { j.ExpirationTime = &later }), ""},
		{"expiration passed", good(func(j *SubscriptionJSON) { j.ExpirationTime = &earlier }), "subscription_expired"},
		{"expiration in 9 years", good(func(j *SubscriptionJSON) { j.ExpirationTime = ptr(now.AddDate(9, 0, 0).UnixMilli()) }), ""},
		{"expiration in 11 years", good(func(j *SubscriptionJSON) { j.ExpirationTime = ptr(now.AddDate(11, 0, 0).UnixMilli()) }), "invalid_expiration_time"},
		{"expiration past any year", good(func(j *SubscriptionJSON) { j.ExpirationTime = ptr(int64(math.MaxInt64)) }), "invalid_expiration_time"},
		{"expiration before 2000", good(func(j *SubscriptionJSON) {
			j.ExpirationTime = ptr(time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC).UnixMilli())
		}), "invalid_expiration_time"},
		{"expiration negative", good(func(j *SubscriptionJSON) { j.ExpirationTime = ptr(int64(math.MinInt64)) }), "invalid_expiration_time"},
		{"expiration in 2001", good(func(j *SubscriptionJSON) {
			j.ExpirationTime = ptr(time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli())
		}), "subscription_expired"},
		{"compressed key", good(func(j *SubscriptionJSON) { j.Keys.P256DH = raw(compressed) }), "invalid_p256dh"},
		{"point off the curve", good(func(j *SubscriptionJSON) { j.Keys.P256DH = raw(offCurve) }), "invalid_p256dh"},
		{"key not base64", good(func(j *SubscriptionJSON) { j.Keys.P256DH = "not base64!" }), "invalid_p256dh"},
		{"empty key", good(func(j *SubscriptionJSON) { j.Keys.P256DH = "" }), "invalid_p256dh"},
		{"auth of 15 bytes", good(func(j *SubscriptionJSON) { j.Keys.Auth = raw([]byte("0123456789abcde")) }), "invalid_auth"},
		{"auth of 17 bytes", good(func(j *SubscriptionJSON) { j.Keys.Auth = raw([]byte("0123456789abcdefg")) }), "invalid_auth"},
		{"http endpoint", good(func(j *SubscriptionJSON) { j.Endpoint = "http://fcm.googleapis.com/x" }), "insecure_endpoint"},
		{"foreign host", good(func(j *SubscriptionJSON) { j.Endpoint = "https://attacker.example/x" }), "push_host_not_allowed"},
	} {
		s, err := tc.j.Parse(h, 5, now)
		var pe *parkmate.Error
		switch {
		case tc.code == "" && (err != nil || s.UserID != 5 || len(s.P256DH) != 87 || strings.Contains(s.P256DH, "=")):
			t.Errorf("%s: %+v %v", tc.name, s, err)
		case tc.code != "" && (!errors.As(err, &pe) || pe.ErrorCode() != tc.code):
			t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
		}
	}
}

func TestVAPIDKeys(t *testing.T) {
	a, err := NewKeys()
	if err != nil || a.Check() != nil {
		t.Fatalf("%+v %v", a, err)
	}
	b, _ := NewKeys()
	for name, k := range map[string]Keys{
		"mismatched":  {Public: a.Public, Private: b.Private},
		"short":       {Public: a.Public, Private: a.Private[:20]},
		"not base64":  {Public: "%%%", Private: a.Private},
		"public only": {Public: a.Public},
	} {
		if k.Check() == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if got := a.LogValue().String(); got != a.Public {
		t.Fatalf("logged %q", got)
	}
	for subj, want := range map[string]string{"mailto:ops@x.example": "ops@x.example", "https://x.example/contact": "https://x.example/contact"} {
		if got := subscriber(subj); got != want {
			t.Errorf("subscriber(%q) = %q", subj, got)
		}
	}
	for subj, ok := range map[string]bool{"mailto:ops@x.example": true, "https://x.example": true, "ops@x.example": false, "http://x.example": false, "": false} {
		if (CheckSubject(subj) == nil) != ok {
			t.Errorf("CheckSubject(%q)", subj)
		}
	}
}

func TestPreferencesDefaults(t *testing.T) {
	p := preferences(map[string]bool{parkmate.EventBookingExpiring: false, parkmate.EventBookingRenewed: true, "custom.event": true})
	want := map[string]bool{
		parkmate.EventBookingExpiring: false, parkmate.EventBookingRenewed: true,
		parkmate.EventBookingExpired: true, parkmate.EventBookingCancelledByAdmin: true, parkmate.EventBookingRenewFailed: true,
		parkmate.EventPaymentAwaitingVerification: true, parkmate.EventCarWashRequested: true, parkmate.EventBookingCancelledByUser: true,
		parkmate.EventBookingCompleted: false, parkmate.EventPaymentVerified: false, parkmate.EventBookingCreated: false,
		parkmate.EventCarWashCompleted: false, parkmate.EventAssignmentCreated: false,
	}
	if len(p.Push) != len(want) || len(p.Events) != len(want) {
		t.Fatalf("%d events: %v", len(p.Push), p.Events)
	}
	for e, on := range want {
		if p.Push[e] != on {
			t.Errorf("%s: push %v, want %v", e, p.Push[e], on)
		}
	}
	if wants(map[string]bool{"custom.event": true}, "custom.event") || wants(nil, "custom.event") {
		t.Fatal("an unknown event is pushed")
	}
}

func ptr[T any](v T) *T { return &v }
