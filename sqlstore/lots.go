package sqlstore

import (
	"database/sql"
	"errors"

	"parkmate"
)

const lotSelect = `SELECT l.id, l.name, l.owner_id,
	(SELECT COUNT(*) FROM slots s WHERE s.lot_id = l.id),
	(SELECT COUNT(*) FROM slots s WHERE s.lot_id = l.id
		AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.slot_id = s.id AND b.status = 'ACTIVE'))
	FROM lots l`

func scanLot(r interface{ Scan(...any) error }) (parkmate.Lot, error) {
	var l parkmate.Lot
	err := r.Scan(&l.ID, &l.Name, &l.OwnerID, &l.Slots, &l.Free)
	return l, err
}

// CreateLot inserts a lot and its numbered slots.
func (tx *Tx) CreateLot(l parkmate.Lot) (parkmate.Lot, error) {
	if err := tx.queryRow(`INSERT INTO lots (name, owner_id, created_at) VALUES (?, ?, ?) RETURNING id`,
		l.Name, l.OwnerID, ms(tx.now)).Scan(&l.ID); err != nil {
		return l, err
	}
	for n := 1; n <= l.Slots; n++ {
		if _, err := tx.exec(`INSERT INTO slots (lot_id, number) VALUES (?, ?)`, l.ID, n); err != nil {
			return l, err
		}
	}
	l.Free = l.Slots
	return l, nil
}

// LotByID returns a lot or a not-found error.
func (tx *Tx) LotByID(id int64) (parkmate.Lot, error) {
	l, err := scanLot(tx.queryRow(lotSelect+` WHERE l.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return l, notFound("Lot", id)
	}
	return l, err
}

// Lots lists lots, newest first, optionally of one owner.
func (tx *Tx) Lots(ownerID int64, p parkmate.Page) ([]parkmate.Lot, error) {
	rows, err := tx.query(lotSelect+` WHERE (? = 0 OR l.owner_id = ?) AND l.id < ? ORDER BY l.id DESC LIMIT ?`,
		ownerID, ownerID, before(p), p.Size())
	return scanAll(rows, err, func(r *sql.Rows) (parkmate.Lot, error) { return scanLot(r) })
}

// LotOwner returns the owner of a lot, without counting its slots.
func (tx *Tx) LotOwner(lotID int64) (int64, error) {
	var owner int64
	err := tx.queryRow(`SELECT owner_id FROM lots WHERE id = ?`, lotID).Scan(&owner)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, notFound("Lot", lotID)
	}
	return owner, err
}

// Slots lists a lot's slots by number with their availability.
func (tx *Tx) Slots(lotID int64) ([]parkmate.Slot, error) {
	rows, err := tx.query(`SELECT s.id, s.lot_id, s.number,
		NOT EXISTS (SELECT 1 FROM bookings b WHERE b.slot_id = s.id AND b.status = 'ACTIVE')
		FROM slots s WHERE s.lot_id = ? ORDER BY s.number`, lotID)
	return scanAll(rows, err, func(r *sql.Rows) (parkmate.Slot, error) {
		var s parkmate.Slot
		err := r.Scan(&s.ID, &s.LotID, &s.Number, &s.Free)
		return s, err
	})
}

// SlotLot returns the lot a slot belongs to.
func (tx *Tx) SlotLot(slotID int64) (parkmate.Slot, parkmate.Lot, error) {
	var s parkmate.Slot
	err := tx.queryRow(`SELECT id, lot_id, number FROM slots WHERE id = ?`, slotID).Scan(&s.ID, &s.LotID, &s.Number)
	if errors.Is(err, sql.ErrNoRows) {
		return s, parkmate.Lot{}, notFound("Slot", slotID)
	}
	if err != nil {
		return s, parkmate.Lot{}, err
	}
	l, err := tx.LotByID(s.LotID)
	return s, l, err
}

// ExistingLots returns those of ids that are lots.
func (tx *Tx) ExistingLots(ids []int64) (map[int64]bool, error) {
	return tx.existing(`SELECT id FROM lots WHERE `+tx.idIn("id"), ids)
}

// LotEmployees returns the ids of the employees assigned to a lot.
func (tx *Tx) LotEmployees(lotID int64) ([]int64, error) {
	rows, err := tx.query(`SELECT employee_id FROM assignments WHERE lot_id = ? ORDER BY employee_id`, lotID)
	return scanAll(rows, err, scanInt64)
}

// IsEmployeeOf reports whether an employee is assigned to a lot.
func (tx *Tx) IsEmployeeOf(employeeID, lotID int64) (bool, error) {
	var n int
	err := tx.queryRow(`SELECT COUNT(*) FROM assignments WHERE employee_id = ? AND lot_id = ?`, employeeID, lotID).Scan(&n)
	return n > 0, err
}

const assignmentSelect = `SELECT a.id, a.employee_id, u.username, a.lot_id, l.name, l.owner_id, a.created_at
	FROM assignments a JOIN users u ON u.id = a.employee_id JOIN lots l ON l.id = a.lot_id`

// CreateAssignment assigns an employee to a lot; twice is a conflict.
func (tx *Tx) CreateAssignment(a parkmate.Assignment) (parkmate.Assignment, error) {
	err := tx.queryRow(`INSERT INTO assignments (employee_id, lot_id, created_at) VALUES (?, ?, ?) RETURNING id`,
		a.EmployeeID, a.LotID, ms(tx.now)).Scan(&a.ID)
	if err != nil && tx.db.dialect.IsUniqueViolation(err) {
		return a, parkmate.CodedErrorf(parkmate.ECONFLICT, "already_assigned", "This employee is already assigned to this lot.")
	}
	a.CreatedAt = tx.now
	return a, err
}

// Assignments lists assignments, newest first.
func (tx *Tx) Assignments(f parkmate.AssignmentFilter) ([]parkmate.Assignment, error) {
	rows, err := tx.query(assignmentSelect+` WHERE (? = 0 OR l.owner_id = ?) AND (? = 0 OR a.employee_id = ?)
		AND (? = 0 OR a.lot_id = ?) AND a.id < ? ORDER BY a.id DESC LIMIT ?`,
		f.OwnerID, f.OwnerID, f.EmployeeID, f.EmployeeID, f.LotID, f.LotID, before(f.Page), f.Size())
	return scanAll(rows, err, func(r *sql.Rows) (parkmate.Assignment, error) {
		var a parkmate.Assignment
		var created int64
		err := r.Scan(&a.ID, &a.EmployeeID, &a.Employee, &a.LotID, &a.LotName, &a.OwnerID, &created)
		a.CreatedAt = fromMS(created)
		return a, err
	})
}
