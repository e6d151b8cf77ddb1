package sqlstore

import (
	"database/sql"
	"errors"
	"strings"

	"parkmate"
	"parkmate/push"
)

// PushStore returns db as the store of Web Push.
func (db *DB) PushStore() push.Store {
	return store[push.Tx]{db, func(tx *Tx) push.Tx { return tx }}
}

var (
	_ push.Tx    = (*Tx)(nil)
	_ push.Store = store[push.Tx]{}
)

// marks returns n comma-separated placeholders.
func marks(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

func int64Args(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// inChunks runs fn over ids in slices short enough for one IN list.
func inChunks(ids []int64, fn func(part []int64) error) error {
	const chunk = 500
	for start := 0; start < len(ids); start += chunk {
		if err := fn(ids[start:min(start+chunk, len(ids))]); err != nil {
			return err
		}
	}
	return nil
}

// VAPIDKeys returns the stored VAPID key pair.
func (tx *Tx) VAPIDKeys() (k push.Keys, ok bool, err error) {
	err = tx.queryRow(`SELECT public_key, private_key FROM push_vapid`).Scan(&k.Public, &k.Private)
	if errors.Is(err, sql.ErrNoRows) {
		return k, false, nil
	}
	return k, err == nil, err
}

// AddVAPIDKeys stores k unless a pair is stored.
func (tx *Tx) AddVAPIDKeys(k push.Keys) error {
	one := any(1)
	if tx.db.dialect.Name == "postgres" {
		one = true
	}
	_, err := tx.exec(`INSERT INTO push_vapid (one, public_key, private_key, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (one) DO NOTHING`, one, k.Public, k.Private, ms(tx.now))
	return err
}

const subCols = `id, user_id, endpoint, p256dh, auth, expires_at, created_at`

func scanSubscription(r interface{ Scan(...any) error }) (push.Subscription, error) {
	var s push.Subscription
	var expires sql.NullInt64
	var created int64
	err := r.Scan(&s.ID, &s.UserID, &s.Endpoint, &s.P256DH, &s.Auth, &expires, &created)
	if expires.Valid {
		t := fromMS(expires.Int64)
		s.ExpiresAt = &t
	}
	s.CreatedAt = fromMS(created)
	return s, err
}

// SaveSubscription stores or updates a subscription; see push.SubscriptionTx.
func (tx *Tx) SaveSubscription(s push.Subscription, max int) (push.Subscription, bool, error) {
	if tx.db.dialect.Name == "postgres" {
		// Subscriptions of one user are added one at a time, so that two
		// at once cannot both pass the cap.
		if _, err := tx.exec(`SELECT id FROM users WHERE id = ? FOR UPDATE`, s.UserID); err != nil {
			return s, false, err
		}
	}
	var expires sql.NullInt64
	if s.ExpiresAt != nil {
		expires = sql.NullInt64{Int64: ms(*s.ExpiresAt), Valid: true}
	}
	old, err := scanSubscription(tx.queryRow(`SELECT `+subCols+` FROM push_subscriptions WHERE endpoint = ?`, s.Endpoint))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		old.ID = 0
	case err != nil:
		return s, false, err
	case old.UserID == s.UserID:
		_, err := tx.exec(`UPDATE push_subscriptions SET p256dh = ?, auth = ?, expires_at = ? WHERE id = ?`,
			s.P256DH, s.Auth, expires, old.ID)
		s.ID, s.CreatedAt = old.ID, old.CreatedAt
		return s, false, err
	case old.P256DH != s.P256DH || old.Auth != s.Auth:
		// Knowing another user's endpoint is not enough to take it: the
		// same browser, signed in as someone else, keeps its keys.
		return s, false, push.ErrEndpointInUse()
	}
	var n int
	if err := tx.queryRow(`SELECT COUNT(*) FROM push_subscriptions WHERE user_id = ?`, s.UserID).Scan(&n); err != nil {
		return s, false, err
	}
	if n >= max {
		return s, false, push.ErrTooMany(max)
	}
	s.CreatedAt = tx.now
	if old.ID != 0 {
		// The browser is now signed in as someone else: the endpoint moves,
		// and what was pending for its former user is dropped.
		if _, err := tx.exec(`DELETE FROM push_deliveries WHERE subscription_id = ?`, old.ID); err != nil {
			return s, false, err
		}
		_, err := tx.exec(`UPDATE push_subscriptions SET user_id = ?, p256dh = ?, auth = ?, expires_at = ?,
			created_at = ? WHERE id = ?`, s.UserID, s.P256DH, s.Auth, expires, ms(tx.now), old.ID)
		s.ID = old.ID
		return s, true, err
	}
	err = tx.queryRow(`INSERT INTO push_subscriptions (user_id, endpoint, p256dh, auth, expires_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, s.UserID, s.Endpoint, s.P256DH, s.Auth, expires, ms(tx.now)).Scan(&s.ID)
	if err != nil && tx.db.dialect.IsUniqueViolation(err) {
		return s, false, parkmate.CodedErrorf(parkmate.ECONFLICT, "subscription_conflict", "This endpoint was being subscribed at the same moment; try again.")
	}
	return s, true, err
}

// Subscriptions lists a user's subscriptions, newest first.
func (tx *Tx) Subscriptions(userID int64) ([]push.Subscription, error) {
	rows, err := tx.query(`SELECT `+subCols+` FROM push_subscriptions WHERE user_id = ? ORDER BY id DESC`, userID)
	return scanAll(rows, err, func(r *sql.Rows) (push.Subscription, error) { return scanSubscription(r) })
}

// DeleteSubscription removes a user's subscription by endpoint.
func (tx *Tx) DeleteSubscription(userID int64, endpoint string) (bool, error) {
	var id int64
	err := tx.queryRow(`SELECT id FROM push_subscriptions WHERE user_id = ? AND endpoint = ?`, userID, endpoint).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, tx.DropSubscription(id)
}

// DropSubscription removes a subscription and its pending deliveries.
func (tx *Tx) DropSubscription(id int64) error {
	if _, err := tx.exec(`DELETE FROM push_deliveries WHERE subscription_id = ?`, id); err != nil {
		return err
	}
	_, err := tx.exec(`DELETE FROM push_subscriptions WHERE id = ?`, id)
	return err
}

// HasSubscription reports whether the user has a push subscription.
func (tx *Tx) HasSubscription(userID int64) (bool, error) {
	var n int
	err := tx.queryRow(`SELECT COUNT(*) FROM (SELECT 1 FROM push_subscriptions WHERE user_id = ? LIMIT 1) AS s`, userID).Scan(&n)
	return n > 0, err
}

// PushPreferences returns the events the user chose for.
func (tx *Tx) PushPreferences(userID int64) (map[string]bool, error) {
	out := map[string]bool{}
	rows, err := tx.query(`SELECT event, push FROM notification_preferences WHERE user_id = ?`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var e string
		var on bool
		if err := rows.Scan(&e, &on); err != nil {
			return nil, err
		}
		out[e] = on
	}
	return out, rows.Err()
}

// SetPushPreferences stores the user's choice for each event of prefs.
func (tx *Tx) SetPushPreferences(userID int64, prefs map[string]bool) error {
	for e, on := range prefs {
		if _, err := tx.exec(`INSERT INTO notification_preferences (user_id, event, push) VALUES (?, ?, ?)
			ON CONFLICT (user_id, event) DO UPDATE SET push = excluded.push`, userID, e, on); err != nil {
			return err
		}
	}
	return nil
}
