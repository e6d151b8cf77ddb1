package push

import (
	"crypto/ecdh"
	"encoding/base64"
	"strings"
	"time"

	"parkmate"
)

// Subscription is a browser's push subscription, stored for one user.
type Subscription struct {
	ID       int64  `json:"id"`
	UserID   int64  `json:"-"`
	Endpoint string `json:"endpoint"`
	// P256DH is the browser's public key (65 bytes, uncompressed P-256) and
	// Auth its 16-byte secret, both base64url without padding.
	P256DH string `json:"-"`
	Auth   string `json:"-"`
	// ExpiresAt is the browser's expirationTime (nil: none).
	ExpiresAt *time.Time `json:"expiration_time"`
	CreatedAt time.Time  `json:"created_at"`
}

// SubscriptionJSON is the browser's PushSubscription.toJSON():
// {"endpoint", "expirationTime", "keys": {"p256dh", "auth"}}.
type SubscriptionJSON struct {
	Endpoint       string `json:"endpoint"`
	ExpirationTime *int64 `json:"expirationTime"`
	Keys           struct {
		P256DH string `json:"p256dh"`
		Auth   string `json:"auth"`
	} `json:"keys"`
}

// The expirationTime a subscription may have: a browser's lies within
// weeks; one outside these bounds is refused (422
// invalid_expiration_time), so that every stored one is a time JSON can
// carry.
var minExpiration = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// MaxExpirationAhead is how far ahead an expirationTime may be.
const MaxExpirationAhead = 10 * 365 * 24 * time.Hour

// Parse checks a PushSubscription strictly and returns it as a
// Subscription of userID: the endpoint must be allowed by hosts
// (CheckEndpoint), p256dh a valid uncompressed P-256 point, auth 16 bytes,
// and expirationTime, if given, a time in milliseconds after now, from the
// year 2000 to MaxExpirationAhead from now.
// Failures are 422 errors with a code per problem.
func (j SubscriptionJSON) Parse(hosts *Hosts, userID int64, now time.Time) (Subscription, error) {
	if _, err := hosts.CheckEndpoint(j.Endpoint); err != nil {
		return Subscription{}, err
	}
	key, err := decodeKey(j.Keys.P256DH)
	if err != nil || len(key) != 65 || key[0] != 4 {
		return Subscription{}, invalidSub("invalid_p256dh", "keys.p256dh must be an uncompressed P-256 public key (65 bytes, base64url).")
	}
	if _, err := ecdh.P256().NewPublicKey(key); err != nil {
		return Subscription{}, invalidSub("invalid_p256dh", "keys.p256dh is not a point on the P-256 curve.")
	}
	auth, err := decodeKey(j.Keys.Auth)
	if err != nil || len(auth) != 16 {
		return Subscription{}, invalidSub("invalid_auth", "keys.auth must be 16 bytes in base64url.")
	}
	s := Subscription{UserID: userID, Endpoint: j.Endpoint, P256DH: b64(key), Auth: b64(auth)}
	if j.ExpirationTime != nil {
		ms := *j.ExpirationTime
		if ms < minExpiration.UnixMilli() || ms > now.Add(MaxExpirationAhead).UnixMilli() {
			return Subscription{}, invalidSub("invalid_expiration_time",
				"expirationTime must be milliseconds since 1970, from the year 2000 to 10 years from now (or null).")
		}
		t := time.UnixMilli(ms).UTC()
		if !t.After(now) {
			return Subscription{}, invalidSub("subscription_expired", "The subscription's expirationTime has passed.")
		}
		s.ExpiresAt = &t
	}
	return s, nil
}

// decodeKey reads base64url (the Push API's encoding), with or without
// padding; standard base64 is accepted too, as some clients send it.
func decodeKey(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	if strings.ContainsAny(s, "+/") {
		return base64.RawStdEncoding.DecodeString(s)
	}
	return base64.RawURLEncoding.DecodeString(s)
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// errTooMany is the error of a user at the subscription cap.
func errTooMany(max int) error {
	return parkmate.CodedErrorf(parkmate.ECONFLICT, "too_many_subscriptions",
		"You have %d push subscriptions, the most allowed; remove one (DELETE /api/push/subscriptions/) first.", max)
}

// ErrTooMany returns the conflict error a Store gives for a user who would
// pass max subscriptions.
func ErrTooMany(max int) error { return errTooMany(max) }

// ErrEndpointInUse returns the conflict error a Store gives for an
// endpoint that another user subscribed with other keys.
func ErrEndpointInUse() error {
	return parkmate.CodedErrorf(parkmate.ECONFLICT, "endpoint_in_use",
		"This push endpoint belongs to another account's subscription with other keys; subscribe again in this browser to get one of your own.")
}
