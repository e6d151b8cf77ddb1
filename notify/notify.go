// Package notify is the policy of ParkMate's notifications: for each of
// the design's ten events and the three added for owners and employees
// (Events), who is told, at which level, with which words.
// It only builds notifications; package parking stores them with the
// change that causes them.
package notify

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"parkmate"
)

// Event is one row of the design's event table: an event's stable name
// and the level its notifications have.
type Event struct {
	Name  string
	Level parkmate.Level
}

// Events returns the table of events: the design's ten in their order
// (event 1 first), then the three added for the people who must act on a
// change.
func Events() []Event {
	return []Event{
		{parkmate.EventBookingExpiring, parkmate.LevelWarning},
		{parkmate.EventBookingExpired, parkmate.LevelInfo},
		{parkmate.EventBookingRenewed, parkmate.LevelSuccess},
		{parkmate.EventBookingRenewFailed, parkmate.LevelError},
		{parkmate.EventBookingCompleted, parkmate.LevelSuccess},
		{parkmate.EventBookingCancelledByAdmin, parkmate.LevelWarning},
		{parkmate.EventPaymentVerified, parkmate.LevelSuccess},
		{parkmate.EventBookingCreated, parkmate.LevelInfo},
		{parkmate.EventCarWashCompleted, parkmate.LevelSuccess},
		{parkmate.EventAssignmentCreated, parkmate.LevelInfo},
		{parkmate.EventPaymentAwaitingVerification, parkmate.LevelInfo},
		{parkmate.EventCarWashRequested, parkmate.LevelInfo},
		{parkmate.EventBookingCancelledByUser, parkmate.LevelInfo},
	}
}

func level(event string) parkmate.Level {
	for _, e := range Events() {
		if e.Name == event {
			return e.Level
		}
	}
	panic("notify: unknown event " + event)
}

func note(userID int64, event, message string, data map[string]any) parkmate.Notification {
	raw, err := json.Marshal(data)
	if err != nil {
		panic("notify: data of " + event + ": " + err.Error())
	}
	return parkmate.Notification{UserID: userID, Type: level(event), Event: event, Message: message, Data: raw}
}

// BookingExpiring is event 1: the booking ends in left.
func BookingExpiring(b parkmate.Booking, left time.Duration) parkmate.Notification {
	mins := int(math.Ceil(left.Minutes()))
	unit := "minutes"
	if mins <= 1 {
		mins, unit = 1, "minute"
	}
	return note(b.UserID, parkmate.EventBookingExpiring, fmt.Sprintf("Your booking will expire in %d %s!", mins, unit),
		map[string]any{"booking_id": b.ID, "ends_at": b.EndsAt})
}

// CountdownMessages returns the words of events 1 and 2 by event name,
// for a client whose own countdown shows them: exactly the messages the
// server stores for a booking warned warning before its end.
func CountdownMessages(warning time.Duration) map[string]string {
	return map[string]string{
		parkmate.EventBookingExpiring: BookingExpiring(parkmate.Booking{}, warning).Message,
		parkmate.EventBookingExpired:  BookingExpired(parkmate.Booking{}).Message,
	}
}

// BookingExpired is event 2.
func BookingExpired(b parkmate.Booking) parkmate.Notification {
	return note(b.UserID, parkmate.EventBookingExpired, "Your booking has expired. Slot released.",
		map[string]any{"booking_id": b.ID, "slot_id": b.SlotID})
}

// BookingRenewed is event 3. Only the driver renews, so it answers the
// recipient's own action: its data says so (own_action), and a client
// shows it as a toast only in the tab that acted.
func BookingRenewed(b parkmate.Booking) parkmate.Notification {
	return note(b.UserID, parkmate.EventBookingRenewed, "Booking renewed successfully!",
		map[string]any{"booking_id": b.ID, "ends_at": b.EndsAt, "own_action": true})
}

// BookingRenewFailed is event 4, with the reason; like event 3 it answers
// the recipient's own action.
func BookingRenewFailed(b parkmate.Booking, reason string) parkmate.Notification {
	return note(b.UserID, parkmate.EventBookingRenewFailed, "Booking renewal failed: "+reason,
		map[string]any{"booking_id": b.ID, "reason": reason, "own_action": true})
}

// BookingCompleted is event 5.
func BookingCompleted(b parkmate.Booking) parkmate.Notification {
	return note(b.UserID, parkmate.EventBookingCompleted, "Your booking has been completed. Thank you for parking with us!",
		map[string]any{"booking_id": b.ID})
}

// BookingCancelledByAdmin is event 6.
func BookingCancelledByAdmin(b parkmate.Booking) parkmate.Notification {
	return note(b.UserID, parkmate.EventBookingCancelledByAdmin, "Your booking has been cancelled by an administrator.",
		map[string]any{"booking_id": b.ID})
}

// PaymentVerified is event 7.
func PaymentVerified(p parkmate.Payment) parkmate.Notification {
	return note(p.UserID, parkmate.EventPaymentVerified, "Your cash payment has been verified!",
		map[string]any{"payment_id": p.ID, "booking_id": p.BookingID, "amount": float64(p.AmountCents) / 100})
}

// BookingCreated is event 8, to the lot's owner.
func BookingCreated(b parkmate.Booking) parkmate.Notification {
	return note(b.OwnerID, parkmate.EventBookingCreated,
		fmt.Sprintf("New booking at %s: slot %d by %s.", b.LotName, b.SlotNumber, b.Username),
		map[string]any{"booking_id": b.ID, "lot_id": b.LotID, "slot_id": b.SlotID, "driver": b.Username})
}

// CarWashCompleted is event 9.
func CarWashCompleted(c parkmate.CarWash) parkmate.Notification {
	return note(c.UserID, parkmate.EventCarWashCompleted, "Your car wash is complete!",
		map[string]any{"carwash_id": c.ID, "booking_id": c.BookingID, "service": c.Service})
}

// AssignmentCreated is event 10: one notification to the lot's owner and
// one to the employee.
func AssignmentCreated(a parkmate.Assignment) []parkmate.Notification {
	data := map[string]any{"assignment_id": a.ID, "lot_id": a.LotID, "employee_id": a.EmployeeID}
	return []parkmate.Notification{
		note(a.OwnerID, parkmate.EventAssignmentCreated, fmt.Sprintf("%s has been assigned to %s.", a.Employee, a.LotName), data),
		note(a.EmployeeID, parkmate.EventAssignmentCreated, fmt.Sprintf("You have been assigned to %s.", a.LotName), data),
	}
}

// PaymentAwaitingVerification tells the lot's owner that a cash payment
// waits for verification.
func PaymentAwaitingVerification(p parkmate.Payment, ownerID int64) parkmate.Notification {
	amount := float64(p.AmountCents) / 100
	return note(ownerID, parkmate.EventPaymentAwaitingVerification,
		fmt.Sprintf("Cash payment of %.2f from %s for booking #%d at %s awaits your verification.", amount, p.Driver, p.BookingID, p.LotName),
		map[string]any{"payment_id": p.ID, "booking_id": p.BookingID, "lot_id": p.LotID, "amount": amount, "driver": p.Driver})
}

// CarWashRequested tells a lot's owner or employee that a car wash was
// ordered; there is one notification per recipient.
func CarWashRequested(c parkmate.CarWash, to []int64) []parkmate.Notification {
	data := map[string]any{"carwash_id": c.ID, "booking_id": c.BookingID, "lot_id": c.LotID, "service": c.Service, "driver": c.Driver}
	msg := fmt.Sprintf("%s car wash ordered by %s for booking #%d (slot %d at %s).", capitalize(c.Service), c.Driver, c.BookingID, c.SlotNumber, c.LotName)
	out := make([]parkmate.Notification, 0, len(to))
	for _, id := range to {
		out = append(out, note(id, parkmate.EventCarWashRequested, msg, data))
	}
	return out
}

// BookingCancelledByUser tells the lot's owner that a driver cancelled.
func BookingCancelledByUser(b parkmate.Booking) parkmate.Notification {
	return note(b.OwnerID, parkmate.EventBookingCancelledByUser,
		fmt.Sprintf("%s cancelled booking #%d (slot %d at %s).", b.Username, b.ID, b.SlotNumber, b.LotName),
		map[string]any{"booking_id": b.ID, "lot_id": b.LotID, "slot_id": b.SlotID, "driver": b.Username})
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
