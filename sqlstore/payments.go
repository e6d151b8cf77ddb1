package sqlstore

import (
	"database/sql"
	"errors"

	"parkmate"
)

const paymentSelect = `SELECT p.id, p.booking_id, s.lot_id, b.user_id, p.method, p.amount_cents, p.status, p.created_at,
	u.username, l.name, s.number
	FROM payments p JOIN bookings b ON b.id = p.booking_id JOIN slots s ON s.id = b.slot_id
	JOIN lots l ON l.id = s.lot_id JOIN users u ON u.id = b.user_id`

func scanPayment(r interface{ Scan(...any) error }) (parkmate.Payment, error) {
	var p parkmate.Payment
	var created int64
	err := r.Scan(&p.ID, &p.BookingID, &p.LotID, &p.UserID, &p.Method, &p.AmountCents, &p.Status, &created,
		&p.Driver, &p.LotName, &p.SlotNumber)
	p.CreatedAt = fromMS(created)
	return p, err
}

// CreatePayment inserts a payment.
func (tx *Tx) CreatePayment(p parkmate.Payment) (int64, error) {
	var id int64
	err := tx.queryRow(`INSERT INTO payments (booking_id, method, amount_cents, status, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		p.BookingID, p.Method, p.AmountCents, p.Status, ms(tx.now)).Scan(&id)
	return id, err
}

// PaymentByID returns a payment or a not-found error.
func (tx *Tx) PaymentByID(id int64) (parkmate.Payment, error) {
	p, err := scanPayment(tx.queryRow(paymentSelect+` WHERE p.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, notFound("Payment", id)
	}
	return p, err
}

// listWhere filters payments or car washes (joined to their booking b and
// slot s) by a ListFilter; its arguments: listArgs.
const listWhere = ` WHERE (? = 0 OR b.user_id = ?)
	AND (? = 0 OR s.lot_id IN (SELECT id FROM lots WHERE owner_id = ?))
	AND (? = 0 OR s.lot_id IN (SELECT lot_id FROM assignments WHERE employee_id = ?))
	AND (? = 0 OR b.id = ?)`

// listArgs are the arguments of listWhere, then of the status, page and
// limit conditions that follow it.
func listArgs(f parkmate.ListFilter) []any {
	return []any{f.UserID, f.UserID, f.OwnerID, f.OwnerID, f.EmployeeID, f.EmployeeID, f.BookingID, f.BookingID,
		f.Status, f.Status, before(f.Page), f.Size()}
}

// Payments lists payments, newest first.
func (tx *Tx) Payments(f parkmate.ListFilter) ([]parkmate.Payment, error) {
	rows, err := tx.query(paymentSelect+listWhere+` AND (? = '' OR p.status = ?) AND p.id < ? ORDER BY p.id DESC LIMIT ?`, listArgs(f)...)
	return scanAll(rows, err, func(r *sql.Rows) (parkmate.Payment, error) { return scanPayment(r) })
}

// SetPaymentStatus moves a payment from one status to another; ok is false
// when it was not in from.
func (tx *Tx) SetPaymentStatus(id int64, from, to parkmate.PaymentStatus) (bool, error) {
	return tx.changed(`UPDATE payments SET status = ? WHERE id = ? AND status = ?`, to, id, from)
}
