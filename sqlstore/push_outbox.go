package sqlstore

import (
	"database/sql"
	"errors"
	"strings"
	"time"

	"parkmate"
	"parkmate/push"
)

// dbNow is the database's clock in milliseconds, as SQL: the push lease
// and the claims on deliveries are timed by it, so that nodes whose clocks
// differ agree on when a lease or a claim ends.
func (tx *Tx) dbNow() string {
	if tx.db.dialect.Name == "postgres" {
		return `(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT`
	}
	return `CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)`
}

// PushLease returns the outbox's cursor and lease, and the database's time.
func (tx *Tx) PushLease() (push.Lease, error) {
	var l push.Lease
	var until, now int64
	err := tx.queryRow(`SELECT last_id, lease_owner, lease_until, `+tx.dbNow()+` FROM push_state`).Scan(&l.Cursor, &l.Owner, &until, &now)
	l.Until, l.Now = fromMS(until), fromMS(now)
	return l, err
}

// TakePushLease gives node the lease for d from the database's now, when
// node holds it or it has ended.
func (tx *Tx) TakePushLease(node string, d time.Duration) (push.Lease, bool, error) {
	ok, err := tx.changed(`UPDATE push_state SET lease_owner = ?, lease_until = `+tx.dbNow()+` + ?
		WHERE lease_owner = ? OR lease_until < `+tx.dbNow(), node, d.Milliseconds(), node)
	if err != nil {
		return push.Lease{}, false, err
	}
	l, err := tx.PushLease()
	return l, ok && l.Owner == node, err
}

// HoldsPushLease reports whether node holds the lease. On PostgreSQL the
// row stays share-locked until the transaction ends: nobody takes the
// lease meanwhile, while the holder's other transactions that check it
// run at once.
func (tx *Tx) HoldsPushLease(node string) (bool, error) {
	q := `SELECT lease_owner FROM push_state`
	if tx.db.dialect.Name == "postgres" {
		q += ` FOR SHARE`
	}
	var owner string
	err := tx.queryRow(q).Scan(&owner)
	return owner == node, err
}

// ReleasePushLease ends node's lease.
func (tx *Tx) ReleasePushLease(node string) error {
	_, err := tx.exec(`UPDATE push_state SET lease_owner = '', lease_until = 0 WHERE lease_owner = ?`, node)
	return err
}

// AdvancePushCursor moves the cursor from 'from' to 'to' while node holds
// the lease.
func (tx *Tx) AdvancePushCursor(node string, from, to int64) (bool, error) {
	return tx.changed(`UPDATE push_state SET last_id = ? WHERE lease_owner = ? AND last_id = ?`, to, node, from)
}

// PushCandidates returns the notifications after 'after', up to upTo and
// the newest committed one, of users (not deleted) with a subscription.
// The newest id is read first: ids are gap-free in commit order, so every
// notification up to it is committed and visible.
func (tx *Tx) PushCandidates(after, upTo int64) ([]push.Candidate, int64, error) {
	last, err := tx.LastNotificationID()
	if err != nil {
		return nil, 0, err
	}
	rows, err := tx.query(`SELECT n.id, n.user_id, n.event, n.data, n.created_at FROM notifications n
		WHERE n.id > ? AND n.id <= ? AND n.user_id IN (SELECT s.user_id FROM push_subscriptions s
			JOIN users u ON u.id = s.user_id WHERE u.deleted_at IS NULL)
		ORDER BY n.id`, after, min(upTo, last))
	cands, err := scanAll(rows, err, func(r *sql.Rows) (push.Candidate, error) {
		var c push.Candidate
		var data sql.NullString
		var created int64
		err := r.Scan(&c.ID, &c.UserID, &c.Event, &data, &created)
		c.CreatedAt = fromMS(created)
		if data.Valid {
			c.Data = []byte(data.String)
		}
		return c, err
	})
	return cands, last, err
}

// Fanout reads what deciding a batch of candidates needs.
func (tx *Tx) Fanout(userIDs, noteIDs []int64, now time.Time) (push.Fanout, error) {
	f := push.Fanout{Subscriptions: map[int64][]int64{}, Preferences: map[int64]map[string]bool{}, Displayed: map[int64]bool{}}
	seen := map[int64]bool{}
	var users []int64
	for _, u := range userIDs {
		if !seen[u] {
			seen[u] = true
			users = append(users, u)
		}
	}
	err := inChunks(users, func(part []int64) error {
		rows, err := tx.query(`SELECT id, user_id FROM push_subscriptions WHERE user_id IN (`+marks(len(part))+`)
			AND (expires_at IS NULL OR expires_at > ?) ORDER BY id`, append(int64Args(part), ms(now))...)
		if err := eachRow(rows, err, func(r *sql.Rows) error {
			var id, user int64
			err := r.Scan(&id, &user)
			f.Subscriptions[user] = append(f.Subscriptions[user], id)
			return err
		}); err != nil {
			return err
		}
		rows, err = tx.query(`SELECT user_id, event, push FROM notification_preferences WHERE user_id IN (`+marks(len(part))+`)`,
			int64Args(part)...)
		return eachRow(rows, err, func(r *sql.Rows) error {
			var user int64
			var event string
			var on bool
			err := r.Scan(&user, &event, &on)
			if f.Preferences[user] == nil {
				f.Preferences[user] = map[string]bool{}
			}
			f.Preferences[user][event] = on
			return err
		})
	})
	if err != nil {
		return f, err
	}
	err = inChunks(noteIDs, func(part []int64) error {
		rows, err := tx.query(`SELECT notification_id FROM push_displayed WHERE notification_id IN (`+marks(len(part))+`)`,
			int64Args(part)...)
		return eachRow(rows, err, func(r *sql.Rows) error {
			var id int64
			err := r.Scan(&id)
			f.Displayed[id] = true
			return err
		})
	})
	return f, err
}

// eachRow calls fn for each row, closing rows.
func eachRow(rows *sql.Rows, err error, fn func(*sql.Rows) error) error {
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// AddDeliveries stores deliveries, leaving any already stored.
func (tx *Tx) AddDeliveries(ds []push.NewDelivery) error {
	for start := 0; start < len(ds); start += insertChunk {
		part := ds[start:min(start+insertChunk, len(ds))]
		var b strings.Builder
		b.WriteString(`INSERT INTO push_deliveries (notification_id, subscription_id, next_at, give_up_at) VALUES `)
		args := make([]any, 0, 4*len(part))
		for i, d := range part {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`(?, ?, ?, ?)`)
			args = append(args, d.NotificationID, d.SubscriptionID, ms(d.NextAt), ms(d.GiveUpAt))
		}
		b.WriteString(` ON CONFLICT (notification_id, subscription_id) DO NOTHING`)
		if _, err := tx.exec(b.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// ForgetDisplayed drops the displayed marks up to upTo.
func (tx *Tx) ForgetDisplayed(upTo int64) error {
	_, err := tx.exec(`DELETE FROM push_displayed WHERE notification_id <= ?`, upTo)
	return err
}

// MarkDisplayed records that a visible page of the user showed ids.
func (tx *Tx) MarkDisplayed(userID int64, ids []int64) error {
	return inChunks(ids, func(part []int64) error {
		_, err := tx.exec(`INSERT INTO push_displayed (notification_id)
			SELECT n.id FROM notifications n WHERE n.user_id = ? AND n.id IN (`+marks(len(part))+`)
			AND n.id > (SELECT last_id FROM push_state)
			ON CONFLICT (notification_id) DO NOTHING`, append([]any{userID}, int64Args(part)...)...)
		return err
	})
}

// DueSubscriptions returns the subscriptions whose first pending delivery
// (in notification order) is due at now and not claimed, oldest first.
func (tx *Tx) DueSubscriptions(now time.Time, limit int) ([]int64, error) {
	rows, err := tx.query(`SELECT d.subscription_id FROM push_deliveries d
		WHERE d.next_at <= ? AND d.claimed_until < `+tx.dbNow()+`
			AND NOT EXISTS (SELECT 1 FROM push_deliveries e
				WHERE e.subscription_id = d.subscription_id AND e.notification_id < d.notification_id)
		ORDER BY d.notification_id LIMIT ?`, ms(now), limit)
	return scanAll(rows, err, scanInt64)
}

// NextDelivery returns the subscription's first pending delivery, with
// what sending it needs, when it is due at now and not claimed. A first
// delivery whose notification no longer exists is deleted on the way.
func (tx *Tx) NextDelivery(subscriptionID int64, now time.Time) (push.Delivery, bool, error) {
	for {
		var d push.Delivery
		var giveUp, next, claimed, dbNow int64
		var nID, created sql.NullInt64
		var nType, msg, event, data sql.NullString
		s, n := &d.Subscription, &d.Notification
		err := tx.queryRow(`SELECT d.id, d.attempts, d.give_up_at, d.next_at, d.claimed_until, `+tx.dbNow()+`,
				s.id, s.user_id, s.endpoint, s.p256dh, s.auth, n.id, n.type, n.message, n.event, n.data, n.created_at
			FROM push_deliveries d JOIN push_subscriptions s ON s.id = d.subscription_id
				LEFT JOIN notifications n ON n.id = d.notification_id
			WHERE d.subscription_id = ? ORDER BY d.notification_id LIMIT 1`, subscriptionID).Scan(
			&d.ID, &d.Attempts, &giveUp, &next, &claimed, &dbNow, &s.ID, &s.UserID, &s.Endpoint, &s.P256DH, &s.Auth,
			&nID, &nType, &msg, &event, &data, &created)
		if errors.Is(err, sql.ErrNoRows) {
			return d, false, nil
		}
		if err != nil {
			return d, false, err
		}
		if !nID.Valid {
			if err := tx.DeleteDelivery(d.ID); err != nil {
				return d, false, err
			}
			continue
		}
		if next > ms(now) || claimed >= dbNow {
			return d, false, nil
		}
		d.GiveUpAt = fromMS(giveUp)
		n.ID, n.UserID, n.Type, n.Message, n.Event, n.CreatedAt = nID.Int64, s.UserID, parkmate.Level(nType.String), msg.String, event.String, fromMS(created.Int64)
		if data.Valid {
			n.Data = []byte(data.String)
		}
		return d, true, nil
	}
}

// ClaimDelivery claims a delivery for d on the database's clock: until
// then, its subscription sends nothing else.
func (tx *Tx) ClaimDelivery(id int64, d time.Duration) error {
	_, err := tx.exec(`UPDATE push_deliveries SET claimed_until = `+tx.dbNow()+` + ? WHERE id = ?`, d.Milliseconds(), id)
	return err
}

// RescheduleDelivery sets a delivery's next attempt and ends its claim.
func (tx *Tx) RescheduleDelivery(id int64, at time.Time, failed bool) error {
	n := 0
	if failed {
		n = 1
	}
	_, err := tx.exec(`UPDATE push_deliveries SET next_at = ?, attempts = attempts + ?, claimed_until = 0 WHERE id = ?`, ms(at), n, id)
	return err
}

// DeleteDelivery removes a delivery.
func (tx *Tx) DeleteDelivery(id int64) error {
	_, err := tx.exec(`DELETE FROM push_deliveries WHERE id = ?`, id)
	return err
}

// PendingDeliveries counts the deliveries not yet done.
func (tx *Tx) PendingDeliveries() (int, error) {
	var n int
	err := tx.queryRow(`SELECT COUNT(*) FROM push_deliveries`).Scan(&n)
	return n, err
}
