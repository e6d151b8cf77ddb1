package parking

import (
	"context"
	"errors"
	"fmt"
	"time"

	"parkmate"
	"parkmate/notify"
)

// BookingTx stores bookings.
type BookingTx interface {
	// SlotLot returns a slot and its lot.
	SlotLot(slotID int64) (parkmate.Slot, parkmate.Lot, error)
	// CreateBooking inserts an ACTIVE booking of slotID from Now to ends; a
	// slot that has an ACTIVE booking already fails with ECONFLICT
	// slot_taken.
	CreateBooking(userID, slotID int64, ends time.Time, priceCents int64) (int64, error)
	// BookingByID returns a booking with its slot, lot and driver.
	BookingByID(id int64) (parkmate.Booking, error)
	// Bookings lists bookings.
	Bookings(f parkmate.BookingFilter) ([]parkmate.Booking, error)
	// SetBookingStatus moves an ACTIVE booking to status, ended at Now; ok
	// is false when it was not ACTIVE.
	SetBookingStatus(id int64, status parkmate.BookingStatus) (ok bool, err error)
	// ExtendBooking moves an ACTIVE booking's end and sets its price, and
	// arms its expiry warning again when warnAgain; ok is false when it was
	// not ACTIVE.
	ExtendBooking(id int64, ends time.Time, warnAgain bool, priceCents int64) (ok bool, err error)
}

// Book holds a free slot for minutes (event 8 to the lot's owner).
func (s *Service) Book(ctx context.Context, actor parkmate.User, slotID int64, minutes int) (parkmate.Booking, error) {
	if err := requireRole(actor, parkmate.RoleDriver); err != nil {
		return parkmate.Booking{}, err
	}
	if err := s.checkMinutes(minutes); err != nil {
		return parkmate.Booking{}, err
	}
	var b parkmate.Booking
	err := s.update(ctx, func(tx Tx, live *parkmate.Live) error {
		if _, _, err := tx.SlotLot(slotID); err != nil {
			return err
		}
		d := time.Duration(minutes) * time.Minute
		id, err := tx.CreateBooking(actor.ID, slotID, tx.Now().Add(d), s.price(d))
		if err != nil {
			return err
		}
		if b, err = tx.BookingByID(id); err != nil {
			return err
		}
		if err := bookingChanged(tx, live, b, parkmate.ResourceBooking, b.ID, string(b.Status)); err != nil {
			return err
		}
		if err := slotChanged(tx, live, b, false); err != nil {
			return err
		}
		_, err = tx.AddNotification(notify.BookingCreated(b))
		return err
	})
	return b, err
}

func (s *Service) checkMinutes(minutes int) error {
	if minutes < 1 || minutes > s.maxMinutes() {
		return invalid("minutes must be between 1 and %d.", int(s.cfg.MaxBooking/time.Minute))
	}
	return nil
}

// maxMinutes is the longest booking in whole minutes.
func (s *Service) maxMinutes() int { return int(s.cfg.MaxBooking / time.Minute) }

// Bookings lists the bookings the actor may see, newest first.
func (s *Service) Bookings(ctx context.Context, actor parkmate.User, status parkmate.BookingStatus, p parkmate.Page) ([]parkmate.Booking, error) {
	if err := knownStatus(status, parkmate.BookingStatuses()); err != nil {
		return nil, err
	}
	sc := scope(actor)
	f := parkmate.BookingFilter{UserID: sc.UserID, OwnerID: sc.OwnerID, EmployeeID: sc.EmployeeID, Status: status, Page: p}
	var out []parkmate.Booking
	err := s.db.View(ctx, func(tx Tx) (err error) {
		out, err = tx.Bookings(f)
		return err
	})
	return out, err
}

// canSeeBooking reports whether actor may see a booking.
func canSeeBooking(tx Tx, actor parkmate.User, b parkmate.Booking) (bool, error) {
	if actor.Role == parkmate.RoleDriver {
		return b.UserID == actor.ID, nil
	}
	return canSeeLot(tx, actor, b.LotID, b.OwnerID)
}

// Booking returns one booking with its payments and car washes.
func (s *Service) Booking(ctx context.Context, actor parkmate.User, id int64) (parkmate.Booking, error) {
	var b parkmate.Booking
	err := s.db.View(ctx, func(tx Tx) error {
		var err error
		if b, err = tx.BookingByID(id); err != nil {
			return err
		}
		if ok, err := canSeeBooking(tx, actor, b); err != nil || !ok {
			return errors.Join(err, forbidden("This booking is not yours."))
		}
		f := parkmate.ListFilter{BookingID: id, Page: parkmate.Page{Limit: 200}}
		if b.Payments, err = tx.Payments(f); err != nil {
			return err
		}
		b.CarWashes, err = tx.CarWashes(f)
		return err
	})
	return b, err
}

// ownBooking loads a booking the actor (a driver) owns.
func ownBooking(tx Tx, actor parkmate.User, id int64) (parkmate.Booking, error) {
	b, err := tx.BookingByID(id)
	if err != nil {
		return b, err
	}
	if actor.Role != parkmate.RoleDriver || b.UserID != actor.ID {
		return b, forbidden("Only the booking's driver may do this.")
	}
	return b, nil
}

// Renew extends the actor's booking by minutes (event 3). When the
// booking is no longer active or would exceed the longest booking, the
// renewal fails and the driver is told why (event 4); that notification
// is committed although the renewal is not.
func (s *Service) Renew(ctx context.Context, actor parkmate.User, id int64, minutes int) (parkmate.Booking, error) {
	if minutes < 1 {
		return parkmate.Booking{}, invalid("minutes must be at least 1.")
	}
	var b parkmate.Booking
	var failure error
	err := s.update(ctx, func(tx Tx, live *parkmate.Live) error {
		failure = nil
		var err error
		if b, err = ownBooking(tx, actor, id); err != nil {
			return err
		}
		now := tx.Now()
		// Bound minutes before multiplying, so a huge value cannot wrap.
		newEnd := b.EndsAt.Add(time.Duration(min(minutes, s.maxMinutes()+1)) * time.Minute)
		switch {
		case b.Status != parkmate.BookingActive || !b.EndsAt.After(now):
			failure = parkmate.CodedErrorf(parkmate.ECONFLICT, "booking_not_active", "The booking is no longer active.")
		case minutes > s.maxMinutes() || newEnd.Sub(b.StartsAt) > s.cfg.MaxBooking:
			failure = parkmate.CodedErrorf(parkmate.EUNPROCESSABLE, "max_length_exceeded",
				"A booking may last at most %s.", humanDuration(s.cfg.MaxBooking))
		}
		if failure != nil {
			var pe *parkmate.Error
			errors.As(failure, &pe)
			_, err = tx.AddNotification(notify.BookingRenewFailed(b, pe.Message))
			return err
		}
		if _, err = tx.ExtendBooking(id, newEnd, newEnd.Sub(now) > s.cfg.ExpiryWarning, s.price(newEnd.Sub(b.StartsAt))); err != nil {
			return err
		}
		if b, err = tx.BookingByID(id); err != nil {
			return err
		}
		if err := bookingChanged(tx, live, b, parkmate.ResourceBooking, b.ID, string(b.Status)); err != nil {
			return err
		}
		_, err = tx.AddNotification(notify.BookingRenewed(b))
		return err
	})
	if err != nil {
		return b, err
	}
	return b, failure
}

// Complete checks a booking out (event 5); the lot's owner only.
func (s *Service) Complete(ctx context.Context, actor parkmate.User, id int64) (parkmate.Booking, error) {
	return s.finish(ctx, actor, id, func(tx Tx, b parkmate.Booking) (parkmate.BookingStatus, *parkmate.Notification, error) {
		if actor.Role != parkmate.RoleOwner || b.OwnerID != actor.ID {
			return "", nil, forbidden("Only the lot's owner may complete a booking.")
		}
		n := notify.BookingCompleted(b)
		return parkmate.BookingCompleted, &n, nil
	})
}

// Cancel cancels a booking: its driver cancels it (CANCELLED_BY_USER), an
// admin cancels anyone's (CANCELLED_BY_ADMIN, event 6).
func (s *Service) Cancel(ctx context.Context, actor parkmate.User, id int64) (parkmate.Booking, error) {
	return s.finish(ctx, actor, id, func(tx Tx, b parkmate.Booking) (parkmate.BookingStatus, *parkmate.Notification, error) {
		switch {
		case actor.Role == parkmate.RoleAdmin:
			n := notify.BookingCancelledByAdmin(b)
			return parkmate.BookingCancelledByAdmin, &n, nil
		case actor.Role == parkmate.RoleDriver && b.UserID == actor.ID:
			n := notify.BookingCancelledByUser(b)
			return parkmate.BookingCancelledByUser, &n, nil
		}
		return "", nil, forbidden("Only the booking's driver or an admin may cancel it.")
	})
}

// finish moves an active booking to a final status decided by rule.
func (s *Service) finish(ctx context.Context, actor parkmate.User, id int64,
	rule func(Tx, parkmate.Booking) (parkmate.BookingStatus, *parkmate.Notification, error)) (parkmate.Booking, error) {
	var b parkmate.Booking
	err := s.update(ctx, func(tx Tx, live *parkmate.Live) error {
		var err error
		if b, err = tx.BookingByID(id); err != nil {
			return err
		}
		status, n, err := rule(tx, b)
		if err != nil {
			return err
		}
		ok, err := tx.SetBookingStatus(id, status)
		if err != nil {
			return err
		}
		if !ok {
			return parkmate.CodedErrorf(parkmate.ECONFLICT, "booking_not_active", "The booking is %s, not ACTIVE.", b.Status)
		}
		if b, err = tx.BookingByID(id); err != nil {
			return err
		}
		if err := bookingChanged(tx, live, b, parkmate.ResourceBooking, b.ID, string(b.Status)); err != nil {
			return err
		}
		if err := slotChanged(tx, live, b, true); err != nil {
			return err
		}
		if n != nil {
			_, err = tx.AddNotification(*n)
		}
		return err
	})
	return b, err
}

// humanDuration says a limit in words: "24 hours", "90 minutes".
func humanDuration(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		if d == time.Hour {
			return "1 hour"
		}
		return fmt.Sprintf("%d hours", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%d minutes", d/time.Minute)
	}
	return d.String()
}
