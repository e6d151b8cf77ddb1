package parking

import (
	"context"

	"parkmate"
	"parkmate/notify"
)

// PaymentTx stores payments.
type PaymentTx interface {
	// CreatePayment inserts a payment of a booking, dated Now.
	CreatePayment(p parkmate.Payment) (int64, error)
	// PaymentByID returns a payment with its lot and driver.
	PaymentByID(id int64) (parkmate.Payment, error)
	// Payments lists payments.
	Payments(f parkmate.ListFilter) ([]parkmate.Payment, error)
	// SetPaymentStatus moves a payment from one status to another; ok is
	// false when it was not in from.
	SetPaymentStatus(id int64, from, to parkmate.PaymentStatus) (ok bool, err error)
}

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
	err := s.update(ctx, func(tx Tx, live *parkmate.Live) error {
		b, err := ownBooking(tx, actor, bookingID)
		if err != nil {
			return err
		}
		id, err := tx.CreatePayment(parkmate.Payment{BookingID: bookingID, Method: method, AmountCents: cents, Status: status})
		if err != nil {
			return err
		}
		if p, err = tx.PaymentByID(id); err != nil {
			return err
		}
		if err := bookingChanged(tx, live, b, parkmate.ResourcePayment, p.ID, string(p.Status)); err != nil {
			return err
		}
		if p.Status == parkmate.PaymentPending {
			_, err = tx.AddNotification(notify.PaymentAwaitingVerification(p, b.OwnerID))
		}
		return err
	})
	return p, err
}

// Payments lists the payments the actor may see.
func (s *Service) Payments(ctx context.Context, actor parkmate.User, status string, p parkmate.Page) ([]parkmate.Payment, error) {
	if err := knownStatus(parkmate.PaymentStatus(status), parkmate.PaymentStatuses()); err != nil {
		return nil, err
	}
	if actor.Role == parkmate.RoleEmployee {
		return []parkmate.Payment{}, nil // money is the owner's business
	}
	f := scope(actor)
	f.Status, f.Page = status, p
	var out []parkmate.Payment
	err := s.db.View(ctx, func(tx Tx) (err error) {
		out, err = tx.Payments(f)
		return err
	})
	return out, err
}

// VerifyPayment marks a pending cash payment verified (event 7); the
// lot's owner only.
func (s *Service) VerifyPayment(ctx context.Context, actor parkmate.User, id int64) (parkmate.Payment, error) {
	var p parkmate.Payment
	err := s.update(ctx, func(tx Tx, live *parkmate.Live) error {
		var err error
		if p, err = tx.PaymentByID(id); err != nil {
			return err
		}
		owner, err := tx.LotOwner(p.LotID)
		if err != nil {
			return err
		}
		to := []int64{p.UserID, owner} // not the employees: see bookingChanged
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
		live.Changes = append(live.Changes, parkmate.Change{Resource: parkmate.ResourcePayment, ID: p.ID, BookingID: p.BookingID,
			LotID: p.LotID, Status: string(p.Status), UserIDs: to, Admins: true})
		_, err = tx.AddNotification(notify.PaymentVerified(p))
		return err
	})
	return p, err
}
