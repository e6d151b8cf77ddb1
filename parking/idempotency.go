package parking

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"parkmate"
)

// IdempotencyTx stores the first answer to each Idempotency-Key.
type IdempotencyTx interface {
	// ClaimIdempotencyKey claims key for the request with hash, unless it
	// was claimed after expiredBefore (an older claim counts as absent and
	// is taken over), and reports whether this transaction now holds it. A
	// transaction claiming a key another holds uncommitted waits for that
	// one to end.
	ClaimIdempotencyKey(key, hash string, expiredBefore time.Time) (bool, error)
	// IdempotencyAnswer returns what is stored for a claimed key.
	IdempotencyAnswer(key string) (parkmate.IdempotencyAnswer, error)
	// SetIdempotencyAnswer stores the answer to a key this transaction
	// claimed.
	SetIdempotencyAnswer(key string, status int, response []byte) error
	// DeleteIdempotencyKeys removes the keys claimed at or before t.
	DeleteIdempotencyKeys(t time.Time) (int64, error)
}

// hash identifies a validated request for its idempotency key: the
// SHA-256 of its canonical JSON (data re-encoded with sorted keys), so
// spacing and key order do not make a repeat look like another request.
func (r *PublishRequest) hash() (string, error) {
	var data any
	if r.Data != nil {
		dec := json.NewDecoder(bytes.NewReader(r.Data))
		dec.UseNumber()
		if err := dec.Decode(&data); err != nil {
			return "", invalid("data must be a JSON object.")
		}
	}
	canonical, err := json.Marshal(struct {
		Endpoint string         `json:"endpoint"`
		UserIDs  []int64        `json:"user_ids"`
		Groups   []string       `json:"groups"`
		Type     parkmate.Level `json:"type"`
		Message  string         `json:"message"`
		Event    string         `json:"event"`
		Data     any            `json:"data"`
	}{"publish/1", append([]int64{}, r.UserIDs...), append([]string{}, r.Groups...), r.Type, r.Message, r.Event, data})
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(canonical)
	return hex.EncodeToString(sum[:]), nil
}

// storedAnswer is how a publish's answer is kept with its idempotency key.
type storedAnswer struct {
	IDs []int64 `json:"ids"`
}

// replay returns the answer stored with key, whose claim another
// transaction committed, or idempotency_key_reused when that answer was
// to another request.
func replay(tx Tx, key, hash string) (PublishResult, error) {
	a, err := tx.IdempotencyAnswer(key)
	if err != nil {
		return PublishResult{}, err
	}
	if a.RequestHash != hash {
		return PublishResult{}, parkmate.CodedErrorf(parkmate.EUNPROCESSABLE, "idempotency_key_reused",
			"This Idempotency-Key was used within the last 24 hours for a different request; send a new key for a new request.")
	}
	var stored storedAnswer
	if err := json.Unmarshal(a.Response, &stored); err != nil || a.Status == 0 {
		return PublishResult{}, fmt.Errorf("idempotency key %q: unusable stored answer (status %d): %v", key, a.Status, err)
	}
	return PublishResult{Status: a.Status, IDs: stored.IDs, Replayed: true}, nil
}

// PurgeIdempotencyKeys deletes the idempotency keys older than
// IdempotencyWindow, which already count as absent, and returns how many
// it deleted. The node calls it hourly so the table does not grow without
// bound.
func (s *Service) PurgeIdempotencyKeys(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.Update(ctx, func(tx Tx) (err error) {
		n, err = tx.DeleteIdempotencyKeys(tx.Now().Add(-IdempotencyWindow))
		return err
	})
	return n, err
}
