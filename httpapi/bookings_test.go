package httpapi_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"parkmate"
	"parkmate/httpapi"
)

func TestLots(t *testing.T) {
	a := newAPI(t, httpapi.Config{}, nil)
	slots := fmt.Sprintf("/api/lots/%d/slots/", a.lot.ID)
	a.run([]call{
		{"create a lot", "oscar", "POST", "/api/lots/", map[string]any{"name": "North", "slots": 4}, 201, "", lotKeys, nil},
		{"create a lot as a driver", "dana", "POST", "/api/lots/", map[string]any{"name": "North", "slots": 4}, 403, "forbidden", nil, nil},
		{"create a lot of no slots", "oscar", "POST", "/api/lots/", map[string]any{"name": "North", "slots": 0}, 422, "validation_failed", nil, nil},
		{"create a lot of a fractional slot", "oscar", "POST", "/api/lots/", `{"name":"North","slots":1.5}`, 400, "invalid_request", nil, nil},
		{"list lots", "dana", "GET", "/api/lots/", nil, 200, "", listKeys, nil},
		{"list my lots", "oscar", "GET", "/api/lots/?owner=me&limit=1", nil, 200, "", listKeys, nil},
		{"list lots below an id", "dana", "GET", "/api/lots/?before=2", nil, 200, "", listKeys, nil},
		{"a page of none", "dana", "GET", "/api/lots/?limit=0", nil, 400, "invalid_request", nil, nil},
		{"a page too large", "dana", "GET", "/api/lots/?limit=201", nil, 400, "invalid_request", nil, nil},
		{"a page of words", "dana", "GET", "/api/lots/?limit=ten", nil, 400, "invalid_request", nil, nil},
		{"a negative cursor", "dana", "GET", "/api/lots/?before=-1", nil, 400, "invalid_request", nil, nil},
		{"a lot's slots", "dana", "GET", slots, nil, 200, "", listKeys, nil},
		{"a missing lot's slots", "dana", "GET", "/api/lots/999/slots/", nil, 404, "not_found", nil, nil},
		{"a lot that is not a number", "dana", "GET", "/api/lots/central/slots/", nil, 404, "not_found", nil, nil},
		{"lots, anonymously", "", "GET", "/api/lots/", nil, 401, "unauthenticated", nil, nil},
	})
	var page struct {
		Items []parkmate.Lot
		Next  *string
	}
	a.get("oscar", "/api/lots/?owner=me&limit=1", &page)
	if len(page.Items) != 1 || page.Next == nil || *page.Next != fmt.Sprint(page.Items[0].ID) {
		t.Fatalf("a full page: %+v", page)
	}
	a.get("oscar", "/api/lots/?owner=me&before="+*page.Next, &page)
	if len(page.Items) != 1 || page.Items[0].ID != a.lot.ID || page.Next != nil {
		t.Fatalf("the last page: %+v", page)
	}
}

func TestBookings(t *testing.T) {
	a := newAPI(t, httpapi.Config{}, nil)
	renewed, completed, cancelled := a.book("dana"), a.book("dana"), a.book("dana")
	path := func(b parkmate.Booking, action string) string {
		return fmt.Sprintf("/api/bookings/%d/%s", b.ID, action)
	}
	free := a.slots[10].ID
	a.run([]call{
		{"book", "dana", "POST", "/api/bookings/", map[string]any{"slot_id": free, "minutes": 30}, 201, "", bookingKeys, nil},
		{"book a taken slot", "pat", "POST", "/api/bookings/", map[string]any{"slot_id": free, "minutes": 30}, 409, "slot_taken", nil, nil},
		{"book a missing slot", "pat", "POST", "/api/bookings/", map[string]any{"slot_id": 999, "minutes": 30}, 404, "not_found", nil, nil},
		{"book too long", "pat", "POST", "/api/bookings/", map[string]any{"slot_id": a.slots[11].ID, "minutes": 1441}, 422, "validation_failed", nil, nil},
		{"book as an owner", "oscar", "POST", "/api/bookings/", map[string]any{"slot_id": a.slots[11].ID, "minutes": 30}, 403, "forbidden", nil, nil},
		{"list bookings", "dana", "GET", "/api/bookings/", nil, 200, "", listKeys, nil},
		{"list active bookings", "oscar", "GET", "/api/bookings/?status=ACTIVE", nil, 200, "", listKeys, nil},
		{"show one", "dana", "GET", path(renewed, ""), nil, 200, "", fullBookingKeys, nil},
		{"show one to its lot's employee", "erin", "GET", path(renewed, ""), nil, 200, "", fullBookingKeys, nil},
		{"show one to another driver", "pat", "GET", path(renewed, ""), nil, 403, "forbidden", nil, nil},
		{"show a missing one", "dana", "GET", "/api/bookings/999/", nil, 404, "not_found", nil, nil},
		{"renew", "dana", "POST", path(renewed, "renew/"), map[string]any{"minutes": 30}, 200, "", bookingKeys, nil},
		{"renew past the longest booking", "dana", "POST", path(renewed, "renew/"), map[string]any{"minutes": 1440}, 422, "max_length_exceeded", nil, nil},
		{"renew with no minutes", "dana", "POST", path(renewed, "renew/"), map[string]any{}, 422, "validation_failed", nil, nil},
		{"renew another's", "pat", "POST", path(renewed, "renew/"), map[string]any{"minutes": 30}, 403, "forbidden", nil, nil},
		{"complete", "oscar", "POST", path(completed, "complete/"), nil, 200, "", bookingKeys, nil},
		{"complete again", "oscar", "POST", path(completed, "complete/"), nil, 409, "booking_not_active", nil, nil},
		{"renew a completed one", "dana", "POST", path(completed, "renew/"), map[string]any{"minutes": 30}, 409, "booking_not_active", nil, nil},
		{"complete as the driver", "dana", "POST", path(cancelled, "complete/"), nil, 403, "forbidden", nil, nil},
		{"cancel", "dana", "POST", path(cancelled, "cancel/"), nil, 200, "", bookingKeys, nil},
		{"cancel again", "ada", "POST", path(cancelled, "cancel/"), nil, 409, "booking_not_active", nil, nil},
		{"cancel a missing one", "ada", "POST", "/api/bookings/999/cancel/", nil, 404, "not_found", nil, nil},
	})
	var b struct {
		parkmate.Booking
		Payments  []parkmate.Payment `json:"payments"`
		CarWashes []parkmate.CarWash `json:"carwashes"`
	}
	a.get("dana", path(completed, ""), &b)
	if b.Status != parkmate.BookingCompleted || b.Payments == nil || b.CarWashes == nil {
		t.Fatalf("a completed booking with no payments: %+v", b)
	}
}

func TestPaymentsAndCarWashes(t *testing.T) {
	a := newAPI(t, httpapi.Config{}, nil)
	b := a.book("dana")
	cash := must(a.parking.Pay(ctx, a.users["dana"], b.ID, parkmate.PaymentCash, 1250))(t)
	wash := must(a.parking.OrderCarWash(ctx, a.users["dana"], b.ID, "full"))(t)
	pay := fmt.Sprintf("/api/bookings/%d/payments/", b.ID)
	order := fmt.Sprintf("/api/bookings/%d/carwash/", b.ID)
	verify := fmt.Sprintf("/api/payments/%d/verify/", cash.ID)
	washPath := func(action string) string { return fmt.Sprintf("/api/carwashes/%d/%s/", wash.ID, action) }
	a.run([]call{
		{"pay cash", "dana", "POST", pay, map[string]any{"method": "CASH", "amount": 12.5}, 201, "", paymentKeys, nil},
		{"pay online", "dana", "POST", pay, map[string]any{"method": "ONLINE", "amount": 3}, 201, "", paymentKeys, nil},
		{"pay a third of a cent", "dana", "POST", pay, map[string]any{"method": "CASH", "amount": 0.333}, 422, "validation_failed", nil, nil},
		{"pay by card", "dana", "POST", pay, map[string]any{"method": "CARD", "amount": 3}, 422, "validation_failed", nil, nil},
		{"pay for another's booking", "pat", "POST", pay, map[string]any{"method": "CASH", "amount": 3}, 403, "forbidden", nil, nil},
		{"list payments", "oscar", "GET", "/api/payments/?status=PENDING", nil, 200, "", listKeys, nil},
		{"list payments as an employee", "erin", "GET", "/api/payments/", nil, 200, "", listKeys, nil},
		{"verify as an employee", "erin", "POST", verify, nil, 403, "forbidden", nil, nil},
		{"verify", "oscar", "POST", verify, nil, 200, "", paymentKeys, nil},
		{"verify again", "oscar", "POST", verify, nil, 409, "payment_not_pending", nil, nil},
		{"verify a missing payment", "oscar", "POST", "/api/payments/999/verify/", nil, 404, "not_found", nil, nil},
		{"order a car wash", "dana", "POST", order, map[string]any{"service": "interior"}, 201, "", carWashKeys, nil},
		{"order an unknown service", "dana", "POST", order, map[string]any{"service": "polish"}, 422, "unknown_service", nil, nil},
		{"list car washes", "erin", "GET", "/api/carwashes/?status=REQUESTED", nil, 200, "", listKeys, nil},
		{"start a car wash", "erin", "POST", washPath("start"), nil, 200, "", carWashKeys, nil},
		{"start it as a driver", "dana", "POST", washPath("start"), nil, 403, "forbidden", nil, nil},
		{"complete a car wash", "oscar", "POST", washPath("complete"), nil, 200, "", carWashKeys, nil},
		{"complete it again", "erin", "POST", washPath("complete"), nil, 409, "carwash_completed", nil, nil},
		{"complete a missing car wash", "erin", "POST", "/api/carwashes/999/complete/", nil, 404, "not_found", nil, nil},
		{"assign an employee", "ada", "POST", "/api/assignments/", map[string]any{"employee_id": a.users["erin"].ID, "lot_id": must(a.parking.CreateLot(ctx, a.users["oscar"], "North", 1))(t).ID}, 201, "", []string{"id", "employee_id", "employee", "lot_id", "lot_name", "created_at"}, nil},
		{"assign twice", "ada", "POST", "/api/assignments/", map[string]any{"employee_id": a.users["erin"].ID, "lot_id": a.lot.ID}, 409, "already_assigned", nil, nil},
		{"assign as an owner", "oscar", "POST", "/api/assignments/", map[string]any{"employee_id": a.users["erin"].ID, "lot_id": a.lot.ID}, 403, "forbidden", nil, nil},
		{"list assignments", "erin", "GET", "/api/assignments/", nil, 200, "", listKeys, nil},
	})
	// Amounts are JSON numbers of currency units, kept in cents.
	rec := a.send(call{as: "dana", method: "POST", path: pay, body: map[string]any{"method": "CASH", "amount": 0.07}})
	var p struct {
		Amount float64
		Status parkmate.PaymentStatus
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || rec.Code != 201 || p.Amount != 0.07 || p.Status != parkmate.PaymentPending {
		t.Fatalf("pay 0.07: %d %s", rec.Code, rec.Body)
	}
}
