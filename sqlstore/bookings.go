package sqlstore

import (
	"database/sql"
	"errors"
	"time"

	"parkmate"
)

const bookingSelect = `SELECT b.id, b.user_id, u.username, b.slot_id, s.number, s.lot_id, l.name, l.owner_id,
	b.status, b.starts_at, b.ends_at, b.created_at, b.warned, b.ended_at, b.price_cents,
	(SELECT p.status FROM payments p WHERE p.booking_id = b.id ORDER BY p.id DESC LIMIT 1)
	FROM bookings b JOIN slots s ON s.id = b.slot_id JOIN lots l ON l.id = s.lot_id JOIN users u ON u.id = b.user_id`

func scanBooking(r interface{ Scan(...any) error }) (parkmate.Booking, error) {
	var b parkmate.Booking
	var starts, ends, created int64
	var ended sql.NullInt64
	var paid sql.NullString
	err := r.Scan(&b.ID, &b.UserID, &b.Username, &b.SlotID, &b.SlotNumber, &b.LotID, &b.LotName, &b.OwnerID,
		&b.Status, &starts, &ends, &created, &b.Warned, &ended, &b.PriceCents, &paid)
	b.StartsAt, b.EndsAt, b.CreatedAt = fromMS(starts), fromMS(ends), fromMS(created)
	if ended.Valid {
		t := fromMS(ended.Int64)
		b.EndedAt = &t
	}
	b.PaymentStatus = parkmate.PaymentStatus(paid.String)
	return b, err
}

// CreateBooking inserts an ACTIVE booking; a slot with an active booking
// is a conflict.
func (tx *Tx) CreateBooking(userID, slotID int64, ends time.Time, priceCents int64) (int64, error) {
	var id int64
	err := tx.queryRow(`INSERT INTO bookings (user_id, slot_id, status, starts_at, ends_at, warned, created_at, price_cents)
		VALUES (?, ?, 'ACTIVE', ?, ?, ?, ?, ?) RETURNING id`,
		userID, slotID, ms(tx.now), ms(ends), false, ms(tx.now), priceCents).Scan(&id)
	if err != nil && tx.db.dialect.IsUniqueViolation(err) {
		return 0, parkmate.CodedErrorf(parkmate.ECONFLICT, "slot_taken", "This slot is already booked.")
	}
	return id, err
}

// BookingByID returns a booking or a not-found error.
func (tx *Tx) BookingByID(id int64) (parkmate.Booking, error) {
	b, err := scanBooking(tx.queryRow(bookingSelect+` WHERE b.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return b, notFound("Booking", id)
	}
	return b, err
}

// Bookings lists bookings, newest first.
func (tx *Tx) Bookings(f parkmate.BookingFilter) ([]parkmate.Booking, error) {
	rows, err := tx.query(bookingSelect+` WHERE (? = 0 OR b.user_id = ?) AND (? = 0 OR l.owner_id = ?)
		AND (? = 0 OR s.lot_id IN (SELECT lot_id FROM assignments WHERE employee_id = ?))
		AND (? = '' OR b.status = ?) AND b.id < ? ORDER BY b.id DESC LIMIT ?`,
		f.UserID, f.UserID, f.OwnerID, f.OwnerID, f.EmployeeID, f.EmployeeID, f.Status, f.Status, before(f.Page), f.Size())
	return scanAll(rows, err, func(r *sql.Rows) (parkmate.Booking, error) { return scanBooking(r) })
}

// SetBookingStatus moves an ACTIVE booking to status; ok is false when it
// was no longer active.
func (tx *Tx) SetBookingStatus(id int64, status parkmate.BookingStatus) (bool, error) {
	return tx.changed(`UPDATE bookings SET status = ?, ended_at = ? WHERE id = ? AND status = 'ACTIVE'`, status, ms(tx.now), id)
}

// ExtendBooking moves an ACTIVE booking's end and sets its price; the
// expiry warning is armed again when the new end is further than the
// warning lead.
func (tx *Tx) ExtendBooking(id int64, ends time.Time, warnAgain bool, priceCents int64) (bool, error) {
	return tx.changed(`UPDATE bookings SET ends_at = ?, price_cents = ?, warned = CASE WHEN ? THEN ? ELSE warned END
		WHERE id = ? AND status = 'ACTIVE'`, ms(ends), priceCents, warnAgain, false, id)
}

// MarkWarned records that a booking's expiry warning was sent; ok is false
// when another transaction (or node) did it first.
func (tx *Tx) MarkWarned(id int64) (bool, error) {
	return tx.changed(`UPDATE bookings SET warned = ? WHERE id = ? AND status = 'ACTIVE' AND warned = ?`, true, id, false)
}

// ExpireBooking moves an ACTIVE booking whose end has passed to EXPIRED;
// ok is false when it was already handled.
func (tx *Tx) ExpireBooking(id int64, now time.Time) (bool, error) {
	return tx.changed(`UPDATE bookings SET status = 'EXPIRED', ended_at = ends_at WHERE id = ? AND status = 'ACTIVE' AND ends_at <= ?`, id, ms(now))
}

// DueForWarning returns ids of active, unwarned bookings ending by t.
func (tx *Tx) DueForWarning(t time.Time, limit int) ([]int64, error) {
	rows, err := tx.query(`SELECT id FROM bookings WHERE status = 'ACTIVE' AND warned = ? AND ends_at <= ? ORDER BY ends_at LIMIT ?`,
		false, ms(t), limit)
	return scanAll(rows, err, scanInt64)
}

// DueForExpiry returns ids of active bookings that ended by t.
func (tx *Tx) DueForExpiry(t time.Time, limit int) ([]int64, error) {
	rows, err := tx.query(`SELECT id FROM bookings WHERE status = 'ACTIVE' AND ends_at <= ? ORDER BY ends_at LIMIT ?`,
		ms(t), limit)
	return scanAll(rows, err, scanInt64)
}
