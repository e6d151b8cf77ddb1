package parking

import (
	"context"
	"slices"

	"parkmate"
	"parkmate/notify"
)

// CarWashTx stores car washes.
type CarWashTx interface {
	// CreateCarWash inserts a car wash of a booking, dated Now.
	CreateCarWash(c parkmate.CarWash) (int64, error)
	// CarWashByID returns a car wash with its lot and driver.
	CarWashByID(id int64) (parkmate.CarWash, error)
	// CarWashes lists car washes.
	CarWashes(f parkmate.ListFilter) ([]parkmate.CarWash, error)
	// SetCarWashStatus moves a car wash that is not COMPLETED to status; ok
	// is false when it was COMPLETED.
	SetCarWashStatus(id int64, to parkmate.CarWashStatus) (ok bool, err error)
}

// OrderCarWash orders a wash on the actor's active booking.
func (s *Service) OrderCarWash(ctx context.Context, actor parkmate.User, bookingID int64, service string) (parkmate.CarWash, error) {
	if !slices.Contains(parkmate.CarWashServices(), service) {
		return parkmate.CarWash{}, parkmate.CodedErrorf(parkmate.EUNPROCESSABLE, "unknown_service",
			"service must be %s.", parkmate.OneOf(parkmate.CarWashServices()))
	}
	var c parkmate.CarWash
	err := s.update(ctx, func(tx Tx, live *parkmate.Live) error {
		b, err := ownBooking(tx, actor, bookingID)
		if err != nil {
			return err
		}
		if b.Status != parkmate.BookingActive {
			return parkmate.CodedErrorf(parkmate.ECONFLICT, "booking_not_active", "A car wash needs an active booking.")
		}
		id, err := tx.CreateCarWash(parkmate.CarWash{BookingID: bookingID, Service: service, Status: parkmate.CarWashRequested})
		if err != nil {
			return err
		}
		if c, err = tx.CarWashByID(id); err != nil {
			return err
		}
		if err := bookingChanged(tx, live, b, parkmate.ResourceCarWash, c.ID, string(c.Status)); err != nil {
			return err
		}
		staff, err := tx.LotEmployees(b.LotID)
		if err != nil {
			return err
		}
		_, err = tx.AddNotifications(notify.CarWashRequested(c, append([]int64{b.OwnerID}, staff...)))
		return err
	})
	return c, err
}

// CarWashes lists the car washes the actor may see.
func (s *Service) CarWashes(ctx context.Context, actor parkmate.User, status string, p parkmate.Page) ([]parkmate.CarWash, error) {
	if err := knownStatus(parkmate.CarWashStatus(status), parkmate.CarWashStatuses()); err != nil {
		return nil, err
	}
	f := scope(actor)
	f.Status, f.Page = status, p
	var out []parkmate.CarWash
	err := s.db.View(ctx, func(tx Tx) (err error) {
		out, err = tx.CarWashes(f)
		return err
	})
	return out, err
}

// StartCarWash marks a wash IN_PROGRESS.
func (s *Service) StartCarWash(ctx context.Context, actor parkmate.User, id int64) (parkmate.CarWash, error) {
	return s.moveCarWash(ctx, actor, id, parkmate.CarWashInProgress)
}

// CompleteCarWash marks a wash COMPLETED (event 9).
func (s *Service) CompleteCarWash(ctx context.Context, actor parkmate.User, id int64) (parkmate.CarWash, error) {
	return s.moveCarWash(ctx, actor, id, parkmate.CarWashCompleted)
}

// moveCarWash changes a wash's status; the lot's owner or its employees.
func (s *Service) moveCarWash(ctx context.Context, actor parkmate.User, id int64, to parkmate.CarWashStatus) (parkmate.CarWash, error) {
	var c parkmate.CarWash
	err := s.update(ctx, func(tx Tx, live *parkmate.Live) error {
		var err error
		if c, err = tx.CarWashByID(id); err != nil {
			return err
		}
		owner, err := tx.LotOwner(c.LotID)
		if err != nil {
			return err
		}
		ok := actor.Role == parkmate.RoleOwner && owner == actor.ID
		if actor.Role == parkmate.RoleEmployee {
			if ok, err = tx.IsEmployeeOf(actor.ID, c.LotID); err != nil {
				return err
			}
		}
		if !ok {
			return forbidden("Only the lot's owner or its employees may change a car wash.")
		}
		changed, err := tx.SetCarWashStatus(id, to)
		if err != nil {
			return err
		}
		if !changed {
			return parkmate.CodedErrorf(parkmate.ECONFLICT, "carwash_completed", "The car wash is already completed.")
		}
		c.Status = to
		watchers, err := audience(tx, c.UserID, owner, c.LotID)
		if err != nil {
			return err
		}
		live.Changes = append(live.Changes, parkmate.Change{Resource: parkmate.ResourceCarWash, ID: c.ID, BookingID: c.BookingID,
			LotID: c.LotID, Status: string(c.Status), UserIDs: watchers, Admins: true})
		if to == parkmate.CarWashCompleted {
			_, err = tx.AddNotification(notify.CarWashCompleted(c))
		}
		return err
	})
	return c, err
}
