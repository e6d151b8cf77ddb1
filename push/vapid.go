package push

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
)

// Keys is a VAPID key pair (RFC 8292): Public is the uncompressed P-256
// point (65 bytes) and Private the scalar (32 bytes), both base64url
// without padding. Public is the applicationServerKey browsers subscribe
// with.
type Keys struct {
	Public  string
	Private string
}

// LogValue keeps the private key out of logs.
func (k Keys) LogValue() slog.Value { return slog.StringValue(k.Public) }

// Check reports whether k is a valid pair: both decode, and Public is the
// point of Private.
func (k Keys) Check() error {
	priv, err := decodeKey(k.Private)
	if err != nil || len(priv) != 32 {
		return errors.New("the VAPID private key must be 32 bytes in base64url")
	}
	pk, err := ecdh.P256().NewPrivateKey(priv)
	if err != nil {
		return fmt.Errorf("the VAPID private key is not a P-256 key: %w", err)
	}
	pub, err := decodeKey(k.Public)
	if err != nil || !bytes.Equal(pub, pk.PublicKey().Bytes()) {
		return errors.New("the VAPID public key is not the private key's (65 bytes, uncompressed, base64url)")
	}
	return nil
}

// NewKeys makes a fresh key pair.
func NewKeys() (Keys, error) {
	pk, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return Keys{}, err
	}
	return Keys{Public: b64(pk.PublicKey().Bytes()), Private: b64(pk.Bytes())}, nil
}

// loadKeys returns the configured key pair, or the stored one, storing a
// fresh pair on the first start of the first node (nodes starting at
// once agree: the first stored wins and the others read it back).
func loadKeys(ctx context.Context, db Store, given Keys, log *slog.Logger) (Keys, error) {
	if given.Public != "" || given.Private != "" {
		if err := given.Check(); err != nil {
			return Keys{}, fmt.Errorf("--vapid-public-key/--vapid-private-key: %w", err)
		}
		return given, nil
	}
	fresh, err := NewKeys()
	if err != nil {
		return Keys{}, err
	}
	var k Keys
	err = db.Update(ctx, func(tx Tx) error {
		if err := tx.AddVAPIDKeys(fresh); err != nil {
			return err
		}
		var ok bool
		k, ok, err = tx.VAPIDKeys()
		if err == nil && !ok {
			err = errors.New("VAPID keys vanished after they were stored")
		}
		return err
	})
	if err != nil {
		return Keys{}, fmt.Errorf("VAPID keys: %w", err)
	}
	if k == fresh {
		log.Info("generated the VAPID key pair of Web Push and stored it in the database", "public_key", k.Public)
	}
	if err := k.Check(); err != nil {
		return Keys{}, fmt.Errorf("stored VAPID keys: %w", err)
	}
	return k, nil
}
