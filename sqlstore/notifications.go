package sqlstore

import (
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"parkmate"
)

// recipientArgs are the arguments of visible for r.
func recipientArgs(r parkmate.Recipient) []any {
	g := parkmate.GroupsOf(r.Role)
	return []any{r.UserID, g[0], g[1]}
}

// visible is the predicate of the notifications a recipient can see.
const visible = `(n.user_id = ? OR n.group_key = ? OR n.group_key = ?)`

const rawCols = `id, user_id, group_key, type, message, event, data, created_at`

// visibleRange is a FROM source of the notifications a recipient can see
// with id cmp bound, in order, at most limit: one branch per index entry
// point (the user's rows, each group's rows), each ordered by that index's
// key and limited, so that neither engine walks the primary key filtering
// an OR. Its arguments: rangeArgs.
func visibleRange(cmp, order string) string {
	branch := func(key string) string {
		return `SELECT * FROM (SELECT ` + rawCols + ` FROM notifications WHERE ` + key + ` = ? AND id ` + cmp +
			` ? ORDER BY ` + key + ` ` + order + `, id ` + order + ` LIMIT ?) AS b`
	}
	return `(` + branch("user_id") + ` UNION ALL ` + branch("group_key") + ` UNION ALL ` + branch("group_key") + `) AS n`
}

func rangeArgs(r parkmate.Recipient, bound int64, limit int) []any {
	g := parkmate.GroupsOf(r.Role)
	return []any{r.UserID, bound, limit, g[0], bound, limit, g[1], bound, limit}
}

// insertChunk bounds the rows of one multi-row INSERT.
const insertChunk = 100

// AddNotification stores one notification in the transaction; it is
// published after commit.
func (tx *Tx) AddNotification(n parkmate.Notification) (parkmate.Notification, error) {
	out, err := tx.AddNotifications([]parkmate.Notification{n})
	if err != nil {
		return n, err
	}
	return out[0], nil
}

// AddNotifications stores notifications in the transaction, in order, and
// returns them with their ids and times; they are published after commit.
// The caller must not modify what it returns: the transaction publishes
// it.
func (tx *Tx) AddNotifications(notes []parkmate.Notification) ([]parkmate.Notification, error) {
	start := len(tx.notes)
	tx.notes = slices.Grow(tx.notes, len(notes))
	for from := 0; from < len(notes); from += insertChunk {
		if err := tx.insertNotifications(notes[from:min(from+insertChunk, len(notes))]); err != nil {
			tx.notes = tx.notes[:start]
			return nil, err
		}
	}
	return tx.notes[start:len(tx.notes):len(tx.notes)], nil
}

// insertNotifications stores notes with the next ids of the log and
// appends them, with their ids and times, to tx.notes.
func (tx *Tx) insertNotifications(notes []parkmate.Notification) error {
	start := len(tx.notes)
	for _, n := range notes {
		n.CreatedAt = tx.now
		tx.notes = append(tx.notes, n)
	}
	stored := tx.notes[start:]
	first, err := tx.storeNotifications(stored)
	if err != nil {
		return err
	}
	for i := range stored {
		stored[i].ID = first + int64(i)
	}
	return nil
}

// alike reports whether notes are one message to users: each has a user
// (no group) and they share type, message, event and data.
func alike(notes []parkmate.Notification) bool {
	n0 := notes[0]
	for _, n := range notes {
		if n.UserID == 0 || n.GroupKey != "" || n.Type != n0.Type || n.Message != n0.Message ||
			n.Event != n0.Event || string(n.Data) != string(n0.Data) {
			return false
		}
	}
	return true
}

// storeNotifications inserts notes with the next len(notes) ids of the
// notification log, the k-th note with the first id plus k, and returns
// the first id. The log's row stays locked until the transaction ends, so
// the transaction that takes the next ids commits after this one, and a
// rollback gives the ids back: ids are gap-free and in commit order.
// Callers write their notifications last, so that every notifying
// transaction locks its rows first and the log row last (no deadlock).
//
// One INSERT … SELECT stores them all. Its source, s, has a row per note:
// its position k, then user_id, group_key, type, message, event, data.
// One message to users (alike) reads the users from one list argument
// (idList) and binds the message once, a statement prepared once whatever
// the count; other notes are a VALUES list. On SQLite the ids come from
// the log first; on PostgreSQL the same statement takes them, in a
// data-modifying WITH, which saves the database a round trip while it
// holds the log's row.
func (tx *Tx) storeNotifications(notes []parkmate.Notification) (int64, error) {
	pg := tx.db.dialect.Name == "postgres"
	var src string
	var args []any
	if alike(notes) {
		users := make([]int64, len(notes))
		for i, n := range notes {
			users[i] = n.UserID
		}
		n := notes[0]
		if pg {
			src = `(SELECT j.ord - 1 AS k, j.id AS user_id, NULL::text AS group_key, ?::text AS type, ?::text AS message,
				?::text AS event, ?::text AS data FROM unnest(?::bigint[]) WITH ORDINALITY AS j (id, ord)) AS s`
		} else {
			src = `(SELECT j.key AS k, j.value AS user_id, NULL AS group_key, ? AS type, ? AS message, ? AS event, ? AS data
				FROM json_each(?) AS j) AS s`
		}
		args = []any{n.Type, n.Message, n.Event, nullData(n.Data), tx.idList(users)}
	} else {
		row := `(?, ?, ?, ?, ?, ?, ?)`
		if pg {
			row = `(?::int, ?::bigint, ?::text, ?::text, ?::text, ?::text, ?::text)`
		}
		var b strings.Builder
		b.WriteString(`(SELECT column1 AS k, column2 AS user_id, column3 AS group_key, column4 AS type, column5 AS message,
			column6 AS event, column7 AS data FROM (VALUES `)
		args = make([]any, 0, 7*len(notes))
		for i, n := range notes {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(row)
			args = append(args, i, sql.NullInt64{Int64: n.UserID, Valid: n.UserID != 0},
				sql.NullString{String: n.GroupKey, Valid: n.GroupKey != ""}, n.Type, n.Message, n.Event, nullData(n.Data))
		}
		b.WriteString(`) AS v) AS s`)
		src = b.String()
	}
	const insert = `INSERT INTO notifications (id, user_id, group_key, type, message, event, data, created_at) `
	count, created := int64(len(notes)), ms(tx.now)
	if pg {
		var last int64
		err := tx.queryRow(`WITH l AS (UPDATE notification_log SET last_id = last_id + ?::bigint RETURNING last_id),
			i AS (`+insert+`SELECT l.last_id - ?::bigint + 1 + s.k, s.user_id, s.group_key, s.type, s.message, s.event, s.data, ?::bigint
			FROM l, `+src+`) SELECT last_id FROM l`, append([]any{count, count, created}, args...)...).Scan(&last)
		if err != nil {
			return 0, fmt.Errorf("store notifications: %w", err)
		}
		return last - count + 1, nil
	}
	var last int64
	if err := tx.queryRow(`UPDATE notification_log SET last_id = last_id + ? RETURNING last_id`, count).Scan(&last); err != nil {
		return 0, fmt.Errorf("allocate notification ids: %w", err)
	}
	first := last - count + 1
	_, err := tx.exec(insert+`SELECT ? + s.k, s.user_id, s.group_key, s.type, s.message, s.event, s.data, ? FROM `+src,
		append([]any{first, created}, args...)...)
	return first, err
}

// nullData is a notification's data as a column value: NULL when empty.
func nullData(d []byte) sql.NullString {
	return sql.NullString{String: string(d), Valid: len(d) > 0}
}

const notificationCols = `n.id, n.user_id, n.group_key, n.type, n.message, n.event, n.data, n.created_at`

func scanNotification(r interface{ Scan(...any) error }, extra ...any) (parkmate.Notification, error) {
	var n parkmate.Notification
	var uid sql.NullInt64
	var group, data sql.NullString
	var created int64
	dest := append([]any{&n.ID, &uid, &group, &n.Type, &n.Message, &n.Event, &data, &created}, extra...)
	if err := r.Scan(dest...); err != nil {
		return n, err
	}
	n.UserID, n.GroupKey, n.CreatedAt = uid.Int64, group.String, fromMS(created)
	if data.Valid {
		n.Data = []byte(data.String)
	}
	return n, nil
}

// NotificationsSince returns up to limit notifications the recipient can
// see with id > since, oldest first: the replay of a resuming socket.
func (tx *Tx) NotificationsSince(r parkmate.Recipient, since int64, limit int) ([]parkmate.Notification, error) {
	rows, err := tx.query(`SELECT `+notificationCols+` FROM `+visibleRange(">", "ASC")+` ORDER BY n.id ASC LIMIT ?`,
		append(rangeArgs(r, since, limit), limit)...)
	return scanAll(rows, err, func(r *sql.Rows) (parkmate.Notification, error) { return scanNotification(r) })
}

const readExpr = `(n.id <= (SELECT read_up_to FROM users WHERE id = ?)
	OR EXISTS (SELECT 1 FROM notification_reads x WHERE x.user_id = ? AND x.notification_id = n.id))`

// Inbox lists the recipient's notifications with their read state.
func (tx *Tx) Inbox(r parkmate.Recipient, q parkmate.InboxQuery) ([]parkmate.InboxItem, error) {
	args := []any{r.UserID, r.UserID}
	var query string
	if q.HasSince {
		query = visibleRange(">", "ASC") + ` ORDER BY n.id ASC LIMIT ?`
		args = append(append(args, rangeArgs(r, q.Since, q.Size())...), q.Size())
	} else {
		query = visibleRange("<", "DESC") + ` ORDER BY n.id DESC LIMIT ?`
		args = append(append(args, rangeArgs(r, before(q.Page), q.Size())...), q.Size())
	}
	rows, err := tx.query(`SELECT `+notificationCols+`, `+readExpr+` FROM `+query, args...)
	return scanAll(rows, err, func(rs *sql.Rows) (parkmate.InboxItem, error) {
		var it parkmate.InboxItem
		n, err := scanNotification(rs, &it.Read)
		it.Notification = n
		return it, err
	})
}

// InboxItem returns one notification the recipient can see.
func (tx *Tx) InboxItem(r parkmate.Recipient, id int64) (parkmate.InboxItem, error) {
	var it parkmate.InboxItem
	args := append([]any{r.UserID, r.UserID}, recipientArgs(r)...)
	n, err := scanNotification(tx.queryRow(`SELECT `+notificationCols+`, `+readExpr+` FROM notifications n WHERE `+visible+` AND n.id = ?`,
		append(args, id)...), &it.Read)
	if errors.Is(err, sql.ErrNoRows) {
		return it, notFound("Notification", id)
	}
	it.Notification = n
	return it, err
}

// UnreadCount counts the recipient's unread notifications.
func (tx *Tx) UnreadCount(r parkmate.Recipient) (int, error) {
	var n int
	g := parkmate.GroupsOf(r.Role)
	err := tx.queryRow(`SELECT COUNT(*) FROM (SELECT id FROM notifications WHERE user_id = ?
		UNION ALL SELECT id FROM notifications WHERE group_key IN (?, ?)) AS n WHERE NOT `+readExpr,
		r.UserID, g[0], g[1], r.UserID, r.UserID).Scan(&n)
	return n, err
}

// MarkRead marks one notification read for the recipient.
func (tx *Tx) MarkRead(r parkmate.Recipient, id int64) (parkmate.InboxItem, error) {
	it, err := tx.InboxItem(r, id)
	if err != nil || it.Read {
		it.Read = true
		return it, err
	}
	_, err = tx.exec(`INSERT INTO notification_reads (user_id, notification_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, r.UserID, id)
	it.Read = true
	return it, err
}

// LatestID returns the newest notification id the recipient can see.
func (tx *Tx) LatestID(r parkmate.Recipient) (int64, error) {
	var id sql.NullInt64
	g := parkmate.GroupsOf(r.Role)
	err := tx.queryRow(`SELECT MAX(id) FROM (SELECT MAX(id) AS id FROM notifications WHERE user_id = ?
		UNION ALL SELECT MAX(id) FROM notifications WHERE group_key IN (?, ?)) AS m`, r.UserID, g[0], g[1]).Scan(&id)
	return id.Int64, err
}

// MarkAllRead marks every notification the recipient can see read and
// returns how many were unread and the highest id now read.
func (tx *Tx) MarkAllRead(r parkmate.Recipient) (updated int, upTo int64, err error) {
	if updated, err = tx.UnreadCount(r); err != nil {
		return 0, 0, err
	}
	maxID, err := tx.LatestID(r)
	if err != nil {
		return 0, 0, err
	}
	if err = tx.queryRow(`UPDATE users SET read_up_to = CASE WHEN read_up_to > ? THEN read_up_to ELSE ? END WHERE id = ? RETURNING read_up_to`,
		maxID, maxID, r.UserID).Scan(&upTo); err != nil {
		return 0, 0, err
	}
	_, err = tx.exec(`DELETE FROM notification_reads WHERE user_id = ? AND notification_id <= ?`, r.UserID, upTo)
	return updated, upTo, err
}

// NotificationsAfter returns up to limit notifications of every recipient
// with id > after, in id order: the log a node reads to fill a gap in what
// its broker delivered. Ids are gap-free in commit order, so the result is
// every notification from after+1 up to the newest committed one (or limit).
func (tx *Tx) NotificationsAfter(after int64, limit int) ([]parkmate.Notification, error) {
	rows, err := tx.query(`SELECT `+notificationCols+` FROM notifications n WHERE n.id > ? ORDER BY n.id LIMIT ?`, after, limit)
	return scanAll(rows, err, func(r *sql.Rows) (parkmate.Notification, error) { return scanNotification(r) })
}

// LastNotificationID returns the id of the newest committed notification
// of any recipient (0: none).
func (tx *Tx) LastNotificationID() (int64, error) {
	var id int64
	err := tx.queryRow(`SELECT last_id FROM notification_log`).Scan(&id)
	return id, err
}

// DiscardNotificationsAfter deletes the notifications with id > after and
// sets the log back to it, as restoring a backup would; tests use it.
func (tx *Tx) DiscardNotificationsAfter(after int64) error {
	if _, err := tx.exec(`DELETE FROM notification_reads WHERE notification_id > ?`, after); err != nil {
		return err
	}
	if _, err := tx.exec(`DELETE FROM notifications WHERE id > ?`, after); err != nil {
		return err
	}
	_, err := tx.exec(`UPDATE notification_log SET last_id = ?`, after)
	return err
}
