package parking_test

import (
	"fmt"
	"slices"
	"time"

	"parkmate"
)

// The memStore's bookings, payments, car washes, notifications and
// idempotency keys.

func (tx *memTx) CreateBooking(userID, slotID int64, ends time.Time, priceCents int64) (int64, error) {
	if !tx.slotFree(slotID) {
		return 0, parkmate.CodedErrorf(parkmate.ECONFLICT, "slot_taken", "This slot is already booked.")
	}
	id := tx.newID()
	tx.st.bookings[id] = parkmate.Booking{ID: id, UserID: userID, SlotID: slotID, Status: parkmate.BookingActive,
		StartsAt: tx.now, EndsAt: ends, CreatedAt: tx.now, PriceCents: priceCents}
	return id, nil
}

// booking returns a stored booking with its driver, slot and lot.
func (tx *memTx) booking(b parkmate.Booking) parkmate.Booking {
	s := tx.st.slots[b.SlotID]
	l := tx.st.lots[s.LotID]
	b.Username, b.SlotNumber, b.LotID, b.LotName, b.OwnerID = tx.st.users[b.UserID].Username, s.Number, l.ID, l.Name, l.OwnerID
	var newest int64
	for _, p := range tx.st.payments {
		if p.BookingID == b.ID && p.ID > newest {
			newest, b.PaymentStatus = p.ID, p.Status
		}
	}
	return b
}

func (tx *memTx) BookingByID(id int64) (parkmate.Booking, error) {
	b, ok := tx.st.bookings[id]
	if !ok {
		return b, notFound("Booking", id)
	}
	return tx.booking(b), nil
}

// onLot reports whether a lot passes the owner and employee conditions of
// a filter.
func (tx *memTx) onLot(lotID, ownerID, employeeID int64) bool {
	if ownerID != 0 && tx.st.lots[lotID].OwnerID != ownerID {
		return false
	}
	if employeeID != 0 {
		ok, _ := tx.IsEmployeeOf(employeeID, lotID)
		return ok
	}
	return true
}

func (tx *memTx) Bookings(f parkmate.BookingFilter) ([]parkmate.Booking, error) {
	out := newestFirst(tx.st.bookings, f.Page, func(b parkmate.Booking) bool {
		b = tx.booking(b)
		return (f.UserID == 0 || b.UserID == f.UserID) && tx.onLot(b.LotID, f.OwnerID, f.EmployeeID) &&
			(f.Status == "" || b.Status == f.Status)
	})
	for i := range out {
		out[i] = tx.booking(out[i])
	}
	return out, nil
}

// setBooking changes a booking when cond holds of it.
func (tx *memTx) setBooking(id int64, cond func(parkmate.Booking) bool, change func(*parkmate.Booking)) (bool, error) {
	tx.mustWrite()
	b, ok := tx.st.bookings[id]
	if !ok || !cond(b) {
		return false, nil
	}
	change(&b)
	tx.st.bookings[id] = b
	return true, nil
}

func active(b parkmate.Booking) bool { return b.Status == parkmate.BookingActive }

func (tx *memTx) SetBookingStatus(id int64, status parkmate.BookingStatus) (bool, error) {
	return tx.setBooking(id, active, func(b *parkmate.Booking) {
		now := tx.now
		b.Status, b.EndedAt = status, &now
	})
}

func (tx *memTx) ExtendBooking(id int64, ends time.Time, warnAgain bool, priceCents int64) (bool, error) {
	return tx.setBooking(id, active, func(b *parkmate.Booking) {
		b.EndsAt, b.PriceCents = ends, priceCents
		b.Warned = b.Warned && !warnAgain
	})
}

func (tx *memTx) ExpireBooking(id int64, now time.Time) (bool, error) {
	return tx.setBooking(id, func(b parkmate.Booking) bool { return active(b) && !b.EndsAt.After(now) },
		func(b *parkmate.Booking) {
			end := b.EndsAt
			b.Status, b.EndedAt = parkmate.BookingExpired, &end
		})
}

func (tx *memTx) MarkWarned(id int64) (bool, error) {
	return tx.setBooking(id, func(b parkmate.Booking) bool { return active(b) && !b.Warned },
		func(b *parkmate.Booking) { b.Warned = true })
}

// due returns up to limit ids of active bookings that keep accepts,
// soonest end first.
func (tx *memTx) due(limit int, keep func(parkmate.Booking) bool) []int64 {
	var bs []parkmate.Booking
	for _, b := range tx.st.bookings {
		if active(b) && keep(b) {
			bs = append(bs, b)
		}
	}
	slices.SortFunc(bs, func(a, b parkmate.Booking) int { return a.EndsAt.Compare(b.EndsAt) })
	ids := []int64{}
	for _, b := range bs[:min(limit, len(bs))] {
		ids = append(ids, b.ID)
	}
	return ids
}

func (tx *memTx) DueForWarning(t time.Time, limit int) ([]int64, error) {
	return tx.due(limit, func(b parkmate.Booking) bool { return !b.Warned && !b.EndsAt.After(t) }), nil
}

func (tx *memTx) DueForExpiry(t time.Time, limit int) ([]int64, error) {
	return tx.due(limit, func(b parkmate.Booking) bool { return !b.EndsAt.After(t) }), nil
}

func (tx *memTx) CreatePayment(p parkmate.Payment) (int64, error) {
	p.ID, p.CreatedAt = tx.newID(), tx.now
	tx.st.payments[p.ID] = p
	return p.ID, nil
}

func (tx *memTx) payment(p parkmate.Payment) parkmate.Payment {
	b := tx.booking(tx.st.bookings[p.BookingID])
	p.LotID, p.UserID, p.Driver, p.LotName, p.SlotNumber = b.LotID, b.UserID, b.Username, b.LotName, b.SlotNumber
	return p
}

func (tx *memTx) PaymentByID(id int64) (parkmate.Payment, error) {
	p, ok := tx.st.payments[id]
	if !ok {
		return p, notFound("Payment", id)
	}
	return tx.payment(p), nil
}

// listed reports whether a payment or car wash of a booking passes f.
func (tx *memTx) listed(f parkmate.ListFilter, bookingID int64, status string) bool {
	b := tx.booking(tx.st.bookings[bookingID])
	return (f.UserID == 0 || b.UserID == f.UserID) && tx.onLot(b.LotID, f.OwnerID, f.EmployeeID) &&
		(f.BookingID == 0 || b.ID == f.BookingID) && (f.Status == "" || status == f.Status)
}

func (tx *memTx) Payments(f parkmate.ListFilter) ([]parkmate.Payment, error) {
	out := newestFirst(tx.st.payments, f.Page, func(p parkmate.Payment) bool { return tx.listed(f, p.BookingID, string(p.Status)) })
	for i := range out {
		out[i] = tx.payment(out[i])
	}
	return out, nil
}

func (tx *memTx) SetPaymentStatus(id int64, from, to parkmate.PaymentStatus) (bool, error) {
	tx.mustWrite()
	p, ok := tx.st.payments[id]
	if !ok || p.Status != from {
		return false, nil
	}
	p.Status = to
	tx.st.payments[id] = p
	return true, nil
}

func (tx *memTx) CreateCarWash(c parkmate.CarWash) (int64, error) {
	c.ID, c.CreatedAt = tx.newID(), tx.now
	tx.st.carwashes[c.ID] = c
	return c.ID, nil
}

func (tx *memTx) carWash(c parkmate.CarWash) parkmate.CarWash {
	b := tx.booking(tx.st.bookings[c.BookingID])
	c.LotID, c.UserID, c.Driver, c.LotName, c.SlotNumber = b.LotID, b.UserID, b.Username, b.LotName, b.SlotNumber
	return c
}

func (tx *memTx) CarWashByID(id int64) (parkmate.CarWash, error) {
	c, ok := tx.st.carwashes[id]
	if !ok {
		return c, notFound("Car wash", id)
	}
	return tx.carWash(c), nil
}

func (tx *memTx) CarWashes(f parkmate.ListFilter) ([]parkmate.CarWash, error) {
	out := newestFirst(tx.st.carwashes, f.Page, func(c parkmate.CarWash) bool { return tx.listed(f, c.BookingID, string(c.Status)) })
	for i := range out {
		out[i] = tx.carWash(out[i])
	}
	return out, nil
}

func (tx *memTx) SetCarWashStatus(id int64, to parkmate.CarWashStatus) (bool, error) {
	tx.mustWrite()
	c, ok := tx.st.carwashes[id]
	if !ok || c.Status == parkmate.CarWashCompleted {
		return false, nil
	}
	c.Status = to
	tx.st.carwashes[id] = c
	return true, nil
}

func (tx *memTx) ClaimIdempotencyKey(key, hash string, expiredBefore time.Time) (bool, error) {
	tx.mustWrite()
	if a, ok := tx.st.keys[key]; ok && a.CreatedAt.After(expiredBefore) {
		return false, nil
	}
	tx.st.keys[key] = parkmate.IdempotencyAnswer{RequestHash: hash, CreatedAt: tx.now}
	return true, nil
}

func (tx *memTx) IdempotencyAnswer(key string) (parkmate.IdempotencyAnswer, error) {
	a, ok := tx.st.keys[key]
	if !ok {
		return a, fmt.Errorf("idempotency key vanished after its claim failed")
	}
	return a, nil
}

func (tx *memTx) SetIdempotencyAnswer(key string, status int, response []byte) error {
	tx.mustWrite()
	a, ok := tx.st.keys[key]
	if !ok {
		return fmt.Errorf("idempotency key not claimed")
	}
	a.Status, a.Response = status, response
	tx.st.keys[key] = a
	return nil
}

func (tx *memTx) DeleteIdempotencyKeys(t time.Time) (int64, error) {
	tx.mustWrite()
	var n int64
	for k, a := range tx.st.keys {
		if !a.CreatedAt.After(t) {
			delete(tx.st.keys, k)
			n++
		}
	}
	return n, nil
}
