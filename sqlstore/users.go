package sqlstore

import (
	"database/sql"
	"errors"
	"time"

	"parkmate"
)

const userCols = `id, username, role, password_hash`

func scanUser(r interface{ Scan(...any) error }) (parkmate.User, error) {
	var u parkmate.User
	err := r.Scan(&u.ID, &u.Username, &u.Role, &u.PasswordHash)
	return u, err
}

// CreateUser inserts a user; a taken username is a conflict.
func (tx *Tx) CreateUser(u parkmate.User) (parkmate.User, error) {
	err := tx.queryRow(`INSERT INTO users (username, role, password_hash, created_at) VALUES (?, ?, ?, ?) RETURNING id`,
		u.Username, u.Role, u.PasswordHash, ms(tx.now)).Scan(&u.ID)
	if err != nil && tx.db.dialect.IsUniqueViolation(err) {
		return u, parkmate.CodedErrorf(parkmate.ECONFLICT, "username_taken", "The username %q is taken.", u.Username)
	}
	return u, err
}

// UserByID returns a user or a not-found error; a deleted user is not
// found (nor by UserByUsername, Users or ExistingUsers).
func (tx *Tx) UserByID(id int64) (parkmate.User, error) {
	u, err := scanUser(tx.queryRow(`SELECT `+userCols+` FROM users WHERE id = ? AND deleted_at IS NULL`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return u, notFound("User", id)
	}
	return u, err
}

// UserByUsername returns a user, or ok false when there is none.
func (tx *Tx) UserByUsername(name string) (u parkmate.User, ok bool, err error) {
	u, err = scanUser(tx.queryRow(`SELECT `+userCols+` FROM users WHERE lower(username) = lower(?) AND deleted_at IS NULL`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return u, false, nil
	}
	return u, err == nil, err
}

// Users lists users, optionally of one role, by id.
func (tx *Tx) Users(role parkmate.Role, p parkmate.Page) ([]parkmate.User, error) {
	rows, err := tx.query(`SELECT `+userCols+` FROM users WHERE deleted_at IS NULL AND (? = '' OR role = ?) AND id < ? ORDER BY id DESC LIMIT ?`,
		role, role, before(p), p.Size())
	return scanAll(rows, err, func(r *sql.Rows) (parkmate.User, error) { return scanUser(r) })
}

// ExistingUsers returns those of ids that exist.
func (tx *Tx) ExistingUsers(ids []int64) (map[int64]bool, error) {
	return tx.existing(`SELECT id FROM users WHERE deleted_at IS NULL AND `+tx.idIn("id"), ids)
}

// existing runs query, which selects the ids it keeps from those of the
// list idIn names, and returns them.
func (tx *Tx) existing(query string, ids []int64) (map[int64]bool, error) {
	out := make(map[int64]bool, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := tx.query(query, tx.idList(ids))
	ok, err := scanAll(rows, err, scanInt64)
	if err != nil {
		return nil, err
	}
	for _, id := range ok {
		out[id] = true
	}
	return out, nil
}

// SetUserRole changes a user's role; an unknown or deleted user is not found.
func (tx *Tx) SetUserRole(id int64, role parkmate.Role) error {
	res, err := tx.exec(`UPDATE users SET role = ? WHERE id = ? AND deleted_at IS NULL`, role, id)
	return affectedOne(res, err, id)
}

// DeleteUser marks a user deleted, stamped with the transaction's time;
// the row stays, since bookings, lots and notifications reference it.
func (tx *Tx) DeleteUser(id int64) error {
	res, err := tx.exec(`UPDATE users SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL`, ms(tx.now), id)
	return affectedOne(res, err, id)
}

func affectedOne(res sql.Result, err error, id int64) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err == nil && n == 0 {
		return notFound("User", id)
	}
	return err
}

// RevokeUserSessions ends every session of a user that has not ended yet,
// stamped with the transaction's time, and returns their ids.
func (tx *Tx) RevokeUserSessions(userID int64) ([]string, error) {
	rows, err := tx.query(`UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL RETURNING id`, ms(tx.now), userID)
	return scanAll(rows, err, func(r *sql.Rows) (string, error) {
		var id string
		err := r.Scan(&id)
		return id, err
	})
}

// CreateSession records a sign-in.
func (tx *Tx) CreateSession(s parkmate.Session) error {
	_, err := tx.exec(`INSERT INTO sessions (id, user_id, expires_at, created_at) VALUES (?, ?, ?, ?)`,
		s.ID, s.UserID, ms(s.ExpiresAt), ms(tx.now))
	return err
}

// SessionByID returns a session, or ok false when there is none.
func (tx *Tx) SessionByID(id string) (s parkmate.Session, ok bool, err error) {
	var exp int64
	var revoked sql.NullInt64
	err = tx.queryRow(`SELECT id, user_id, expires_at, revoked_at FROM sessions WHERE id = ?`, id).
		Scan(&s.ID, &s.UserID, &exp, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return s, false, nil
	}
	if err != nil {
		return s, false, err
	}
	setSessionTimes(&s, exp, revoked)
	return s, true, nil
}

// SessionAndUser returns a session and its user in one statement, or ok
// false when there is no such session; a deleted user is not found.
func (tx *Tx) SessionAndUser(id string) (s parkmate.Session, u parkmate.User, ok bool, err error) {
	var exp int64
	var revoked, uid sql.NullInt64
	var name, role, hash sql.NullString
	err = tx.queryRow(`SELECT s.id, s.user_id, s.expires_at, s.revoked_at, u.id, u.username, u.role, u.password_hash
		FROM sessions s LEFT JOIN users u ON u.id = s.user_id AND u.deleted_at IS NULL WHERE s.id = ?`, id).
		Scan(&s.ID, &s.UserID, &exp, &revoked, &uid, &name, &role, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return s, u, false, nil
	}
	if err != nil {
		return s, u, false, err
	}
	setSessionTimes(&s, exp, revoked)
	if !uid.Valid {
		return s, u, true, notFound("User", s.UserID)
	}
	u = parkmate.User{ID: uid.Int64, Username: name.String, Role: parkmate.Role(role.String), PasswordHash: hash.String}
	return s, u, true, nil
}

func setSessionTimes(s *parkmate.Session, exp int64, revoked sql.NullInt64) {
	s.ExpiresAt = fromMS(exp)
	if revoked.Valid {
		t := fromMS(revoked.Int64)
		s.RevokedAt = &t
	}
}

// RevokeSession ends a session.
func (tx *Tx) RevokeSession(id string) error {
	_, err := tx.exec(`UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, ms(tx.now), id)
	return err
}

// SessionsRevokedSince returns the sessions revoked at or after t (by any
// node), with their id and user only: what every node checks its sockets
// and its session cache against, so a logout takes effect even when the
// broker lost its message.
func (tx *Tx) SessionsRevokedSince(t time.Time) ([]parkmate.Session, error) {
	rows, err := tx.query(`SELECT id, user_id FROM sessions WHERE revoked_at IS NOT NULL AND revoked_at >= ?`, ms(t))
	return scanAll(rows, err, func(r *sql.Rows) (parkmate.Session, error) {
		var s parkmate.Session
		err := r.Scan(&s.ID, &s.UserID)
		return s, err
	})
}

// DeleteExpiredSessions removes sessions that ended before t.
func (tx *Tx) DeleteExpiredSessions(t time.Time) (int64, error) {
	res, err := tx.exec(`DELETE FROM sessions WHERE expires_at < ?`, ms(t))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func scanInt64(r *sql.Rows) (int64, error) {
	var v int64
	err := r.Scan(&v)
	return v, err
}
