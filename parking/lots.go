package parking

import (
	"context"
	"strings"
	"unicode/utf8"

	"parkmate"
	"parkmate/notify"
)

// LotTx stores lots and their slots.
type LotTx interface {
	// CreateLot inserts a lot and its slots, numbered from 1.
	CreateLot(l parkmate.Lot) (parkmate.Lot, error)
	// LotByID returns a lot with its slot counts.
	LotByID(id int64) (parkmate.Lot, error)
	// Lots lists lots, of one owner unless ownerID is 0.
	Lots(ownerID int64, p parkmate.Page) ([]parkmate.Lot, error)
	// LotOwner returns the owner of a lot.
	LotOwner(lotID int64) (int64, error)
	// Slots lists a lot's slots by number, free when no booking of theirs
	// is ACTIVE.
	Slots(lotID int64) ([]parkmate.Slot, error)
	// ExistingLots returns those of ids that are lots.
	ExistingLots(ids []int64) (map[int64]bool, error)
}

// AssignmentTx stores which employees work on which lots.
type AssignmentTx interface {
	// IsEmployeeOf reports whether an employee is assigned to a lot.
	IsEmployeeOf(employeeID, lotID int64) (bool, error)
	// LotEmployees returns the ids of the employees assigned to a lot.
	LotEmployees(lotID int64) ([]int64, error)
	// CreateAssignment assigns an employee to a lot; twice fails with
	// ECONFLICT already_assigned.
	CreateAssignment(a parkmate.Assignment) (parkmate.Assignment, error)
	// Assignments lists assignments.
	Assignments(f parkmate.AssignmentFilter) ([]parkmate.Assignment, error)
}

// CreateLot creates a lot with numbered slots; owners only.
func (s *Service) CreateLot(ctx context.Context, actor parkmate.User, name string, slots int) (parkmate.Lot, error) {
	if err := requireRole(actor, parkmate.RoleOwner); err != nil {
		return parkmate.Lot{}, err
	}
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 100 {
		return parkmate.Lot{}, invalid("A lot needs a name of 1 to 100 characters.")
	}
	if slots < 1 || slots > s.cfg.MaxSlots {
		return parkmate.Lot{}, invalid("A lot has 1 to %d slots.", s.cfg.MaxSlots)
	}
	var lot parkmate.Lot
	err := s.update(ctx, func(tx Tx, live *parkmate.Live) (err error) {
		lot, err = tx.CreateLot(parkmate.Lot{Name: name, OwnerID: actor.ID, Slots: slots})
		live.Changes = append(live.Changes, parkmate.Change{Resource: parkmate.ResourceLot, ID: lot.ID, LotID: lot.ID, Everyone: true})
		return err
	})
	return lot, err
}

// Lots lists lots; with mine, only the actor's own.
func (s *Service) Lots(ctx context.Context, actor parkmate.User, mine bool, p parkmate.Page) ([]parkmate.Lot, error) {
	var owner int64
	if mine {
		owner = actor.ID
	}
	var out []parkmate.Lot
	err := s.db.View(ctx, func(tx Tx) (err error) {
		out, err = tx.Lots(owner, p)
		return err
	})
	return out, err
}

// Slots lists a lot's slots with their availability.
func (s *Service) Slots(ctx context.Context, actor parkmate.User, lotID int64) ([]parkmate.Slot, error) {
	var out []parkmate.Slot
	err := s.db.View(ctx, func(tx Tx) error {
		if _, err := tx.LotByID(lotID); err != nil {
			return err
		}
		var err error
		out, err = tx.Slots(lotID)
		return err
	})
	return out, err
}

// ExistingLots returns those of ids that are lots. Every signed-in user
// may see any lot's slots, so any of them may watch any lot.
func (s *Service) ExistingLots(ctx context.Context, ids []int64) (map[int64]bool, error) {
	var out map[int64]bool
	err := s.db.View(ctx, func(tx Tx) (err error) {
		out, err = tx.ExistingLots(ids)
		return err
	})
	return out, err
}

// Assign puts an employee on a lot (event 10); admins only.
func (s *Service) Assign(ctx context.Context, actor parkmate.User, employeeID, lotID int64) (parkmate.Assignment, error) {
	if err := requireRole(actor, parkmate.RoleAdmin); err != nil {
		return parkmate.Assignment{}, err
	}
	var a parkmate.Assignment
	err := s.update(ctx, func(tx Tx, live *parkmate.Live) error {
		emp, err := tx.UserByID(employeeID)
		if err != nil {
			return err
		}
		if emp.Role != parkmate.RoleEmployee {
			return invalid("User %d is not an employee.", employeeID)
		}
		lot, err := tx.LotByID(lotID)
		if err != nil {
			return err
		}
		a, err = tx.CreateAssignment(parkmate.Assignment{EmployeeID: emp.ID, Employee: emp.Username, LotID: lot.ID, LotName: lot.Name, OwnerID: lot.OwnerID})
		if err != nil {
			return err
		}
		live.Changes = append(live.Changes, parkmate.Change{Resource: parkmate.ResourceAssignment, ID: a.ID, LotID: a.LotID,
			UserIDs: []int64{a.OwnerID, a.EmployeeID}, Admins: true})
		_, err = tx.AddNotifications(notify.AssignmentCreated(a))
		return err
	})
	return a, err
}

// Assignments lists the assignments the actor may see.
func (s *Service) Assignments(ctx context.Context, actor parkmate.User, p parkmate.Page) ([]parkmate.Assignment, error) {
	f := parkmate.AssignmentFilter{Page: p}
	switch actor.Role {
	case parkmate.RoleOwner:
		f.OwnerID = actor.ID
	case parkmate.RoleEmployee:
		f.EmployeeID = actor.ID
	case parkmate.RoleDriver:
		return []parkmate.Assignment{}, nil
	}
	var out []parkmate.Assignment
	err := s.db.View(ctx, func(tx Tx) (err error) {
		out, err = tx.Assignments(f)
		return err
	})
	return out, err
}
