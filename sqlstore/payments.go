package sqlstore

import (
	"database/sql"
	"errors"

	"parkmate"
)

const paymentSelect = `SELECT p.id, p.booking_id, s.lot_id, b.user_id, p.method, p.amount_cents, p.status, p.created_at
	FROM payments p JOIN bookings b ON b.id = p.booking_id JOIN slots s ON s.id = b.slot_id`

func scanPayment(r interface{ Scan(...any) error }) (parkmate.Payment, error) {
	var p parkmate.Payment
	var created int64
	err := r.Scan(&p.ID, &p.BookingID, &p.LotID, &p.UserID, &p.Method, &p.AmountCents, &p.Status, &created)
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

// ListFilter selects payments or car washes; zero fields do not filter.
type ListFilter struct {
	UserID, OwnerID, EmployeeID, BookingID int64
	Status                                 string
	Page
}

const listWhere = ` WHERE (? = 0 OR b.user_id = ?)
	AND (? = 0 OR s.lot_id IN (SELECT id FROM lots WHERE owner_id = ?))
	AND (? = 0 OR s.lot_id IN (SELECT lot_id FROM assignments WHERE employee_id = ?))
	AND (? = 0 OR b.id = ?)`

func (f ListFilter) args() []any {
	return []any{f.UserID, f.UserID, f.OwnerID, f.OwnerID, f.EmployeeID, f.EmployeeID, f.BookingID, f.BookingID, f.Status, f.Status, f.before(), f.limit()}
}

// Payments lists payments, newest first.
func (tx *Tx) Payments(f ListFilter) ([]parkmate.Payment, error) {
	rows, err := tx.query(paymentSelect+listWhere+` AND (? = '' OR p.status = ?) AND p.id < ? ORDER BY p.id DESC LIMIT ?`, f.args()...)
	return scanAll(rows, err, func(r *sql.Rows) (parkmate.Payment, error) { return scanPayment(r) })
}

// SetPaymentStatus moves a payment from one status to another; ok is false
// when it was not in from.
func (tx *Tx) SetPaymentStatus(id int64, from, to parkmate.PaymentStatus) (bool, error) {
	return tx.changed(`UPDATE payments SET status = ? WHERE id = ? AND status = ?`, to, id, from)
}

const carWashSelect = `SELECT c.id, c.booking_id, s.lot_id, b.user_id, c.service, c.status, c.created_at
	FROM carwashes c JOIN bookings b ON b.id = c.booking_id JOIN slots s ON s.id = b.slot_id`

func scanCarWash(r interface{ Scan(...any) error }) (parkmate.CarWash, error) {
	var c parkmate.CarWash
	var created int64
	err := r.Scan(&c.ID, &c.BookingID, &c.LotID, &c.UserID, &c.Service, &c.Status, &created)
	c.CreatedAt = fromMS(created)
	return c, err
}

// CreateCarWash inserts a car wash order.
func (tx *Tx) CreateCarWash(c parkmate.CarWash) (int64, error) {
	var id int64
	err := tx.queryRow(`INSERT INTO carwashes (booking_id, service, status, created_at) VALUES (?, ?, ?, ?) RETURNING id`,
		c.BookingID, c.Service, c.Status, ms(tx.now)).Scan(&id)
	return id, err
}

// CarWashByID returns a car wash or a not-found error.
func (tx *Tx) CarWashByID(id int64) (parkmate.CarWash, error) {
	c, err := scanCarWash(tx.queryRow(carWashSelect+` WHERE c.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, notFound("Car wash", id)
	}
	return c, err
}

// CarWashes lists car washes, newest first.
func (tx *Tx) CarWashes(f ListFilter) ([]parkmate.CarWash, error) {
	rows, err := tx.query(carWashSelect+listWhere+` AND (? = '' OR c.status = ?) AND c.id < ? ORDER BY c.id DESC LIMIT ?`, f.args()...)
	return scanAll(rows, err, func(r *sql.Rows) (parkmate.CarWash, error) { return scanCarWash(r) })
}

// SetCarWashStatus moves a car wash to status unless it is completed; ok
// is false when it already was.
func (tx *Tx) SetCarWashStatus(id int64, to parkmate.CarWashStatus) (bool, error) {
	return tx.changed(`UPDATE carwashes SET status = ? WHERE id = ? AND status <> 'COMPLETED'`, to, id)
}
