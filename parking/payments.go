package parking

import (
	"context"
	"slices"

	"parkmate"
	"parkmate/notify"
	"parkmate/sqlstore"
)

// MaxAmountCents bounds one payment.
const MaxAmountCents = 100_000_00

// Pay records a payment for the actor's booking: CASH waits for the
// owner's verification, ONLINE is verified at once.
func (s *Service) Pay(ctx context.Context, actor parkmate.User, bookingID int64, method parkmate.PaymentMethod, cents int64) (parkmate.Payment, error) {
	status := parkmate.PaymentPending
	switch method {
	case parkmate.PaymentCash:
	case parkmate.PaymentOnline:
		status = parkmate.PaymentVerified
	default:
		return parkmate.Payment{}, invalid("method must be CASH or ONLINE.")
	}
	if cents <= 0 || cents > MaxAmountCents {
		return parkmate.Payment{}, invalid("amount must be above 0 and at most %d.", MaxAmountCents/100)
	}
	var p parkmate.Payment
	err := s.db.Update(ctx, func(tx *sqlstore.Tx) error {
		if _, err := ownBooking(tx, actor, bookingID); err != nil {
			return err
		}
		id, err := tx.CreatePayment(parkmate.Payment{BookingID: bookingID, Method: method, AmountCents: cents, Status: status})
		if err != nil {
			return err
		}
		p, err = tx.PaymentByID(id)
		return err
	})
	return p, err
}

// Payments lists the payments the actor may see.
func (s *Service) Payments(ctx context.Context, actor parkmate.User, status string, p sqlstore.Page) ([]parkmate.Payment, error) {
	if actor.Role == parkmate.RoleEmployee {
		return []parkmate.Payment{}, nil // money is the owner's business
	}
	f := scope(actor)
	f.Status, f.Page = status, p
	var out []parkmate.Payment
	err := s.db.View(ctx, func(tx *sqlstore.Tx) (err error) {
		out, err = tx.Payments(f)
		return err
	})
	return out, err
}

// VerifyPayment marks a pending cash payment verified (event 7); the
// lot's owner only.
func (s *Service) VerifyPayment(ctx context.Context, actor parkmate.User, id int64) (parkmate.Payment, error) {
	var p parkmate.Payment
	err := s.db.Update(ctx, func(tx *sqlstore.Tx) error {
		var err error
		if p, err = tx.PaymentByID(id); err != nil {
			return err
		}
		owner, err := tx.LotOwner(p.LotID)
		if err != nil {
			return err
		}
		if actor.Role != parkmate.RoleOwner || owner != actor.ID {
			return forbidden("Only the lot's owner may verify a payment.")
		}
		if p.Method != parkmate.PaymentCash {
			return parkmate.CodedErrorf(parkmate.ECONFLICT, "payment_not_pending", "Only cash payments are verified by hand.")
		}
		ok, err := tx.SetPaymentStatus(id, parkmate.PaymentPending, parkmate.PaymentVerified)
		if err != nil {
			return err
		}
		if !ok {
			return parkmate.CodedErrorf(parkmate.ECONFLICT, "payment_not_pending", "The payment is %s, not PENDING.", p.Status)
		}
		p.Status = parkmate.PaymentVerified
		_, err = tx.AddNotification(notify.PaymentVerified(p))
		return err
	})
	return p, err
}

// OrderCarWash orders a wash on the actor's active booking.
func (s *Service) OrderCarWash(ctx context.Context, actor parkmate.User, bookingID int64, service string) (parkmate.CarWash, error) {
	if !slices.Contains(parkmate.CarWashServices, service) {
		return parkmate.CarWash{}, parkmate.CodedErrorf(parkmate.EUNPROCESSABLE, "unknown_service",
			"service must be one of %v.", parkmate.CarWashServices)
	}
	var c parkmate.CarWash
	err := s.db.Update(ctx, func(tx *sqlstore.Tx) error {
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
		c, err = tx.CarWashByID(id)
		return err
	})
	return c, err
}

// CarWashes lists the car washes the actor may see.
func (s *Service) CarWashes(ctx context.Context, actor parkmate.User, status string, p sqlstore.Page) ([]parkmate.CarWash, error) {
	f := scope(actor)
	f.Status, f.Page = status, p
	var out []parkmate.CarWash
	err := s.db.View(ctx, func(tx *sqlstore.Tx) (err error) {
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
	err := s.db.Update(ctx, func(tx *sqlstore.Tx) error {
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
		if to == parkmate.CarWashCompleted {
			_, err = tx.AddNotification(notify.CarWashCompleted(c))
		}
		return err
	})
	return c, err
}
