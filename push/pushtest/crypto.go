package pushtest

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Subscriber is a browser's side of a subscription: the P-256 key pair
// and the auth secret a user agent makes (RFC 8291 section 3.2), and the
// endpoint the push service gave it.
type Subscriber struct {
	Token    string
	Endpoint string
	key      *ecdh.PrivateKey
	auth     []byte
}

func newSubscriber(token, endpoint string) (*Subscriber, error) {
	key, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	auth := make([]byte, 16)
	if _, err := rand.Read(auth); err != nil {
		return nil, err
	}
	return &Subscriber{Token: token, Endpoint: endpoint, key: key, auth: auth}, nil
}

// JSON is the subscription as the browser's PushSubscription.toJSON()
// gives it, what a client POSTs to /api/push/subscriptions/.
func (s *Subscriber) JSON() map[string]any {
	return map[string]any{
		"endpoint":       s.Endpoint,
		"expirationTime": nil,
		"keys": map[string]string{
			"p256dh": base64.RawURLEncoding.EncodeToString(s.key.PublicKey().Bytes()),
			"auth":   base64.RawURLEncoding.EncodeToString(s.auth),
		},
	}
}

// decrypt reads an aes128gcm body (RFC 8188) encrypted for s as RFC 8291
// says: the header's key id is the application server's ephemeral public
// key; the body must be exactly one record, whose padding ends with the
// last-record delimiter 2.
func (s *Subscriber) decrypt(body []byte) ([]byte, error) {
	if len(body) < 21 {
		return nil, errors.New("aes128gcm: body shorter than its header")
	}
	salt, rs, idlen := body[:16], binary.BigEndian.Uint32(body[16:20]), int(body[20])
	if idlen != 65 || len(body) < 21+idlen {
		return nil, fmt.Errorf("aes128gcm: key id of %d bytes, want the 65-byte public key", idlen)
	}
	asPub, err := ecdh.P256().NewPublicKey(body[21 : 21+idlen])
	if err != nil {
		return nil, fmt.Errorf("aes128gcm: key id: %w", err)
	}
	record := body[21+idlen:]
	if rs < 18 || uint32(len(record)) > rs || len(record) < 17 {
		return nil, fmt.Errorf("aes128gcm: record of %d bytes with record size %d is not one record", len(record), rs)
	}
	shared, err := s.key.ECDH(asPub)
	if err != nil {
		return nil, err
	}
	prkKey, _ := hkdf.Extract(sha256.New, shared, s.auth)
	info := "WebPush: info\x00" + string(s.key.PublicKey().Bytes()) + string(asPub.Bytes())
	ikm, _ := hkdf.Expand(sha256.New, prkKey, info, 32)
	prk, _ := hkdf.Extract(sha256.New, ikm, salt)
	cek, _ := hkdf.Expand(sha256.New, prk, "Content-Encoding: aes128gcm\x00", 16)
	nonce, _ := hkdf.Expand(sha256.New, prk, "Content-Encoding: nonce\x00", 12)
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	plain, err := gcm.Open(nil, nonce, record, nil)
	if err != nil {
		return nil, fmt.Errorf("aes128gcm: %w", err)
	}
	end := bytes.LastIndexFunc(plain, func(r rune) bool { return r != 0 })
	if end < 0 || plain[end] != 2 {
		return nil, errors.New("aes128gcm: the record lacks the last-record delimiter")
	}
	return plain[:end], nil
}

// verifyVAPID checks an Authorization header of RFC 8292 ("vapid t=JWT,
// k=key"): the key is a P-256 point (and wantKey when set), the JWT is
// ES256-signed with it, its aud is the endpoint's origin, its exp is in
// the future and at most 24 hours away, and its sub is a mailto: or
// https: contact (wantSub exactly, when set). It returns the key.
func verifyVAPID(header, origin, wantKey, wantSub string, now time.Time) (string, error) {
	scheme, params, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "vapid") {
		return "", fmt.Errorf("authorization %q is not the vapid scheme", header)
	}
	var t, k string
	for _, p := range strings.Split(params, ",") {
		name, value, _ := strings.Cut(strings.TrimSpace(p), "=")
		switch name {
		case "t":
			t = value
		case "k":
			k = value
		}
	}
	if wantKey != "" && k != wantKey {
		return k, fmt.Errorf("vapid k=%q is not the server's public key %q", k, wantKey)
	}
	raw, err := base64.RawURLEncoding.DecodeString(k)
	if err != nil {
		return k, fmt.Errorf("vapid k: %w", err)
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), raw)
	if err != nil {
		return k, fmt.Errorf("vapid k: %w", err)
	}
	claims := jwt.MapClaims{}
	_, err = jwt.ParseWithClaims(t, claims, func(*jwt.Token) (any, error) { return pub, nil },
		jwt.WithValidMethods([]string{"ES256"}), jwt.WithAudience(origin), jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(func() time.Time { return now }))
	if err != nil {
		return k, fmt.Errorf("vapid jwt: %w", err)
	}
	exp, _ := claims.GetExpirationTime()
	if exp.Sub(now) > 24*time.Hour {
		return k, fmt.Errorf("vapid jwt expires %s, more than 24 hours away", exp.Time)
	}
	sub, _ := claims["sub"].(string)
	if !strings.HasPrefix(sub, "mailto:") && !strings.HasPrefix(sub, "https:") {
		return k, fmt.Errorf("vapid jwt sub %q is not a mailto: or https: contact", sub)
	}
	if wantSub != "" && sub != wantSub {
		return k, fmt.Errorf("vapid jwt sub %q, want %q", sub, wantSub)
	}
	return k, nil
}
