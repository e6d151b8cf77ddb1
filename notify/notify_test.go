package notify_test

import (
	"encoding/json"
	"maps"
	"slices"
	"testing"
	"time"

	"parkmate"
	"parkmate/notify"
)

var (
	ends    = time.Date(2026, 11, 25, 21, 0, 0, 0, time.UTC)
	booking = parkmate.Booking{ID: 7, UserID: 1, Username: "dana", SlotID: 30, SlotNumber: 4, LotID: 3,
		LotName: "Central", OwnerID: 2, EndsAt: ends}
)

// TestTheTenEvents checks each event of the design: its number in the
// table, who is told, at which level, in which words, with which data.
func TestTheTenEvents(t *testing.T) {
	for _, tc := range []struct {
		number  int
		note    parkmate.Notification
		to      int64
		message string
		data    map[string]any
	}{
		{1, notify.BookingExpiring(booking, 5*time.Minute), 1, "Your booking will expire in 5 minutes!",
			map[string]any{"booking_id": 7.0, "ends_at": "2026-11-25T21:00:00Z"}},
		{2, notify.BookingExpired(booking), 1, "Your booking has expired. Slot released.",
			map[string]any{"booking_id": 7.0, "slot_id": 30.0}},
		{3, notify.BookingRenewed(booking), 1, "Booking renewed successfully!",
			map[string]any{"booking_id": 7.0, "ends_at": "2026-11-25T21:00:00Z", "own_action": true}},
		{4, notify.BookingRenewFailed(booking, "The booking is no longer active."), 1,
			"Booking renewal failed: The booking is no longer active.",
			map[string]any{"booking_id": 7.0, "reason": "The booking is no longer active.", "own_action": true}},
		{5, notify.BookingCompleted(booking), 1, "Your booking has been completed. Thank you for parking with us!",
			map[string]any{"booking_id": 7.0}},
		{6, notify.BookingCancelledByAdmin(booking), 1, "Your booking has been cancelled by an administrator.",
			map[string]any{"booking_id": 7.0}},
		{7, notify.PaymentVerified(parkmate.Payment{ID: 9, BookingID: 7, UserID: 1, AmountCents: 1250}), 1,
			"Your cash payment has been verified!", map[string]any{"payment_id": 9.0, "booking_id": 7.0, "amount": 12.5}},
		{8, notify.BookingCreated(booking), 2, "New booking at Central: slot 4 by dana.",
			map[string]any{"booking_id": 7.0, "lot_id": 3.0, "slot_id": 30.0, "driver": "dana"}},
		{9, notify.CarWashCompleted(parkmate.CarWash{ID: 11, BookingID: 7, UserID: 1, Service: "full"}), 1,
			"Your car wash is complete!", map[string]any{"carwash_id": 11.0, "booking_id": 7.0, "service": "full"}},
	} {
		row := notify.Events()[tc.number-1]
		n := tc.note
		if n.Event != row.Name || n.Type != row.Level || n.UserID != tc.to || n.Message != tc.message || n.GroupKey != "" {
			t.Errorf("event %d: %+v, want %s at %s to %d: %q", tc.number, n, row.Name, row.Level, tc.to, tc.message)
		}
		var data map[string]any
		if err := json.Unmarshal(n.Data, &data); err != nil || !maps.Equal(data, tc.data) {
			t.Errorf("event %d: data %s, want %v", tc.number, n.Data, tc.data)
		}
	}
}

// TestAssignmentTellsTheOwnerAndTheEmployee checks event 10, the one
// event told to two people in different words.
func TestAssignmentTellsTheOwnerAndTheEmployee(t *testing.T) {
	notes := notify.AssignmentCreated(parkmate.Assignment{ID: 5, EmployeeID: 4, Employee: "erin", LotID: 3, LotName: "Central", OwnerID: 2})
	want := []struct {
		to      int64
		message string
	}{{2, "erin has been assigned to Central."}, {4, "You have been assigned to Central."}}
	if len(notes) != len(want) {
		t.Fatalf("%d notifications", len(notes))
	}
	for i, n := range notes {
		if n.UserID != want[i].to || n.Message != want[i].message || n.Event != parkmate.EventAssignmentCreated ||
			n.Type != parkmate.LevelInfo || string(n.Data) != `{"assignment_id":5,"employee_id":4,"lot_id":3}` {
			t.Errorf("notification %d: %+v %s", i, n, n.Data)
		}
	}
}

// TestEventTable checks the table: the design's ten events in its order,
// then the three for owners and employees, each at a valid level, and a
// fresh copy on every call.
func TestEventTable(t *testing.T) {
	events := notify.Events()
	want := []string{parkmate.EventBookingExpiring, parkmate.EventBookingExpired, parkmate.EventBookingRenewed,
		parkmate.EventBookingRenewFailed, parkmate.EventBookingCompleted, parkmate.EventBookingCancelledByAdmin,
		parkmate.EventPaymentVerified, parkmate.EventBookingCreated, parkmate.EventCarWashCompleted, parkmate.EventAssignmentCreated,
		parkmate.EventPaymentAwaitingVerification, parkmate.EventCarWashRequested, parkmate.EventBookingCancelledByUser}
	var names []string
	for _, e := range events {
		names = append(names, e.Name)
		if !e.Level.Valid() {
			t.Errorf("%s: level %q", e.Name, e.Level)
		}
	}
	if !slices.Equal(names, want) {
		t.Fatalf("events %v", names)
	}
	events[0].Level = parkmate.LevelError
	if notify.Events()[0].Level != parkmate.LevelWarning {
		t.Fatal("changing a copy of the table changed the table")
	}
}

// TestExpiryWarningMinutes checks how event 1 words the time left: whole
// minutes rounded up, at least one.
func TestExpiryWarningMinutes(t *testing.T) {
	for _, tc := range []struct {
		left time.Duration
		says string
	}{
		{5 * time.Minute, "Your booking will expire in 5 minutes!"},
		{4*time.Minute + time.Second, "Your booking will expire in 5 minutes!"},
		{61 * time.Second, "Your booking will expire in 2 minutes!"},
		{time.Minute, "Your booking will expire in 1 minute!"},
		{30 * time.Second, "Your booking will expire in 1 minute!"},
		{0, "Your booking will expire in 1 minute!"},
		{2 * time.Hour, "Your booking will expire in 120 minutes!"},
	} {
		if got := notify.BookingExpiring(booking, tc.left).Message; got != tc.says {
			t.Errorf("%s left: %q, want %q", tc.left, got, tc.says)
		}
	}
}

// TestCountdownMessages checks that the words served to a client's
// countdown are those of the stored events 1 and 2.
func TestCountdownMessages(t *testing.T) {
	for _, warning := range []time.Duration{5 * time.Minute, time.Minute, 90 * time.Second, 15 * time.Minute} {
		got := notify.CountdownMessages(warning)
		want := map[string]string{
			parkmate.EventBookingExpiring: notify.BookingExpiring(booking, warning).Message,
			parkmate.EventBookingExpired:  notify.BookingExpired(booking).Message,
		}
		if !maps.Equal(got, want) {
			t.Errorf("warning %s: %v, want %v", warning, got, want)
		}
	}
	if got := notify.CountdownMessages(5 * time.Minute)[parkmate.EventBookingExpiring]; got != "Your booking will expire in 5 minutes!" {
		t.Fatalf("event 1 for 5 minutes: %q", got)
	}
}
