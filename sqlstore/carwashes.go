package sqlstore

import (
	"database/sql"
	"errors"

	"parkmate"
)

const carWashSelect = `SELECT c.id, c.booking_id, s.lot_id, b.user_id, c.service, c.status, c.created_at,
	u.username, l.name, s.number
	FROM carwashes c JOIN bookings b ON b.id = c.booking_id JOIN slots s ON s.id = b.slot_id
	JOIN lots l ON l.id = s.lot_id JOIN users u ON u.id = b.user_id`

func scanCarWash(r interface{ Scan(...any) error }) (parkmate.CarWash, error) {
	var c parkmate.CarWash
	var created int64
	err := r.Scan(&c.ID, &c.BookingID, &c.LotID, &c.UserID, &c.Service, &c.Status, &created,
		&c.Driver, &c.LotName, &c.SlotNumber)
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
func (tx *Tx) CarWashes(f parkmate.ListFilter) ([]parkmate.CarWash, error) {
	rows, err := tx.query(carWashSelect+listWhere+` AND (? = '' OR c.status = ?) AND c.id < ? ORDER BY c.id DESC LIMIT ?`, listArgs(f)...)
	return scanAll(rows, err, func(r *sql.Rows) (parkmate.CarWash, error) { return scanCarWash(r) })
}

// SetCarWashStatus moves a car wash to status unless it is completed; ok
// is false when it already was.
func (tx *Tx) SetCarWashStatus(id int64, to parkmate.CarWashStatus) (bool, error) {
	return tx.changed(`UPDATE carwashes SET status = ? WHERE id = ? AND status <> 'COMPLETED'`, to, id)
}
