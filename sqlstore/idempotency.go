package sqlstore

import (
	"database/sql"
	"errors"
	"fmt"
	"time"

	"parkmate"
)

// ClaimIdempotencyKey claims key for the request with hash in this
// transaction, unless it was claimed after expiredBefore's instant (a
// claim made at or before it counts as absent and is taken over). It
// reports whether this transaction now holds the key; when it does not,
// IdempotencyAnswer reads what the holder stored.
//
// On PostgreSQL a transaction claiming a key another one holds
// uncommitted waits for that one to end: after a commit it does not get
// the key, after a rollback it does. On SQLite writers never overlap.
func (tx *Tx) ClaimIdempotencyKey(key, hash string, expiredBefore time.Time) (bool, error) {
	return tx.changed(`INSERT INTO idempotency_keys (key, request_hash, status, response, created_at)
		VALUES (?, ?, 0, '', ?)
		ON CONFLICT (key) DO UPDATE SET request_hash = excluded.request_hash, status = 0, response = '',
			created_at = excluded.created_at
		WHERE idempotency_keys.created_at <= ?`, key, hash, ms(tx.now), ms(expiredBefore))
}

// IdempotencyAnswer returns what is stored for key. It is read after a
// claim failed, so the key exists; a missing one is an internal error.
func (tx *Tx) IdempotencyAnswer(key string) (parkmate.IdempotencyAnswer, error) {
	var a parkmate.IdempotencyAnswer
	var created int64
	var resp string
	err := tx.queryRow(`SELECT request_hash, status, response, created_at FROM idempotency_keys WHERE key = ?`, key).
		Scan(&a.RequestHash, &a.Status, &resp, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("idempotency key vanished after its claim failed")
	}
	a.Response, a.CreatedAt = []byte(resp), fromMS(created)
	return a, err
}

// SetIdempotencyAnswer stores the answer to a key this transaction claimed.
func (tx *Tx) SetIdempotencyAnswer(key string, status int, response []byte) error {
	ok, err := tx.changed(`UPDATE idempotency_keys SET status = ?, response = ? WHERE key = ?`, status, string(response), key)
	if err == nil && !ok {
		err = fmt.Errorf("idempotency key not claimed")
	}
	return err
}

// DeleteIdempotencyKeys removes the keys claimed at or before t.
func (tx *Tx) DeleteIdempotencyKeys(t time.Time) (int64, error) {
	res, err := tx.exec(`DELETE FROM idempotency_keys WHERE created_at <= ?`, ms(t))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
