package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"parkmate"
)

// expectChanged reads the next frame and checks that it is the live
// change of resource id to status.
func (w *wsClient) expectChanged(resource string, id int64, status string) frame {
	w.t.Helper()
	f := w.next()
	if f.Type != "changed" || f.Resource != resource || f.ID != id || f.Status != status {
		w.t.Fatalf("frame %+v: want %s %d changed to %q", f, resource, id, status)
	}
	return f
}

// watch sends a watch frame for lots and checks the answer.
func (w *wsClient) watch(lots []int64, want, refused []int64) {
	w.t.Helper()
	if err := w.send(ws.OpText, []byte(fmt.Sprintf(`{"type":"watch","lots":%s}`, ids(lots)))); err != nil {
		w.t.Fatal(err)
	}
	f := w.next()
	if f.Type != "watching" || !slices.Equal(f.Lots, want) || !slices.Equal(f.Refused, refused) {
		w.t.Fatalf("watch %v answered %+v, want lots %v refused %v", lots, f, want, refused)
	}
}

func ids(v []int64) string {
	b, _ := json.Marshal(append([]int64{}, v...)) // nil is [] too
	return string(b)
}

// TestLiveFramesReachEveryScreenThatShowsThem: after each change, the
// proto-2 sockets of everyone who sees the object (the driver's other
// devices, the lot's owner and employees, admins) get a "changed" frame,
// and the sockets watching the lot a "slot" frame; nobody else gets
// either, and a seed-era (proto 1) socket gets neither.
func TestLiveFramesReachEveryScreenThatShowsThem(t *testing.T) {
	srv := startServer(t, testConfig(t), nil)
	w := newWorld(t, srv)
	desk, phone := w.driver.mustDialWS("?proto=2"), w.driver.mustDialWS("?proto=2")
	other, owner, owner2 := w.other.mustDialWS("?proto=2"), w.owner.mustDialWS("?proto=2"), w.owner2.mustDialWS("?proto=2")
	emp, admin := w.emp.mustDialWS("?proto=2"), w.admin.mustDialWS("?proto=2")
	everyone := []*wsClient{desk, phone, other, owner, owner2, emp, admin, w.wDriver, w.wOwner, w.wEmp, w.wAdmin}
	quiet := func() { t.Helper(); expectNothingElse(t, everyone...) }

	var a parkmate.Assignment
	w.admin.mustDo("POST", "/api/assignments/", map[string]any{"employee_id": w.emp.ID, "lot_id": w.lot.ID}, 201, &a)
	for _, s := range []*wsClient{owner, emp, w.wOwner, w.wEmp} {
		s.expect("assignment.created", "info")
	}
	for _, s := range []*wsClient{owner, emp, admin} {
		s.expectChanged("assignment", a.ID, "")
	}
	quiet()

	other.watch([]int64{w.lot.ID, 9999}, []int64{w.lot.ID}, []int64{9999})
	var b parkmate.Booking
	w.driver.mustDo("POST", "/api/bookings/", map[string]any{"slot_id": w.slots[0].ID, "minutes": 60}, 201, &b)
	owner.expect("booking.created", "info")
	w.wOwner.expect("booking.created", "info")
	for _, s := range []*wsClient{desk, phone, owner, emp, admin} {
		if f := s.expectChanged("booking", b.ID, "ACTIVE"); f.LotID != w.lot.ID || f.BookingID != b.ID {
			t.Fatalf("changed frame %+v", f)
		}
	}
	if f := other.next(); f.Type != "slot" || f.LotID != w.lot.ID || f.SlotID != w.slots[0].ID || f.Free || f.FreeSlots != 3 || f.Number != 1 {
		t.Fatalf("slot frame %+v", f)
	}
	quiet()

	var p parkmate.Payment
	w.driver.mustDo("POST", fmt.Sprintf("/api/bookings/%d/payments/", b.ID), map[string]any{"method": "CASH", "amount": 2.5}, 201, &p)
	owner.expect("payment.awaiting_verification", "info")
	w.wOwner.expect("payment.awaiting_verification", "info")
	for _, s := range []*wsClient{desk, phone, owner, admin} { // not the employee: money is the owner's
		s.expectChanged("payment", p.ID, "PENDING")
	}
	quiet()

	// A watch replaces the last one; an empty one stops the slot frames.
	other.watch(nil, []int64{}, []int64{})
	w.driver.mustDo("POST", fmt.Sprintf("/api/bookings/%d/cancel/", b.ID), nil, 200, nil)
	owner.expect("booking.cancelled_by_user", "info")
	w.wOwner.expect("booking.cancelled_by_user", "info")
	for _, s := range []*wsClient{desk, phone, owner, emp, admin} {
		s.expectChanged("booking", b.ID, "CANCELLED_BY_USER")
	}
	quiet()

	// A new lot is everyone's to see.
	var lot parkmate.Lot
	w.owner2.mustDo("POST", "/api/lots/", map[string]any{"name": "North", "slots": 2}, 201, &lot)
	for _, s := range []*wsClient{desk, phone, other, owner, owner2, emp, admin} {
		s.expectChanged("lot", lot.ID, "")
	}
	quiet()

	// A new account, and a change of role, are the admins' to see.
	erin2 := srv.user("erin2", parkmate.RoleDriver)
	admin.expectChanged("user", erin2.ID, "driver")
	w.admin.mustDo("PATCH", fmt.Sprintf("/api/users/%d/", erin2.ID), map[string]any{"role": "employee"}, 200, nil)
	admin.expectChanged("user", erin2.ID, "employee")
	quiet()
}

// TestWatchFramesAreChecked: a watch names at most --max-watched-lots
// positive lot ids, and only a proto-2 socket may send one; anything else
// closes the socket with 1008 and a reason.
func TestWatchFramesAreChecked(t *testing.T) {
	cfg := testConfig(t)
	cfg.MaxWatchedLots = 3
	srv := startServer(t, cfg, nil)
	d := srv.user("dana", parkmate.RoleDriver)
	for _, tc := range []struct {
		name, query, frame, reason string
	}{
		{"too many lots", "?proto=2", `{"type":"watch","lots":[1,2,3,4]}`, "watch: at most 3 lots"},
		{"a lot id of 0", "?proto=2", `{"type":"watch","lots":[0]}`, "watch: lot ids are positive integers"},
		{"a negative lot id", "?proto=2", `{"type":"watch","lots":[2,-1]}`, "watch: lot ids are positive integers"},
		{"a lot id that is not an integer", "?proto=2", `{"type":"watch","lots":[1.5]}`, "watch frame: send"},
		{"no lots", "?proto=2", `{"type":"watch"}`, "watch frame: send"},
		{"a field it does not know", "?proto=2", `{"type":"watch","lots":[1],"lot":2}`, "watch frame: send"},
		{"a seed-era socket", "", `{"type":"watch","lots":[1]}`, `only {"type":"ping"} is accepted`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := d.mustDialWS(tc.query)
			if err := s.send(ws.OpText, []byte(tc.frame)); err != nil {
				t.Fatal(err)
			}
			if ci := s.expectClose(1008); !strings.Contains(ci.reason, tc.reason) {
				t.Fatalf("reason %q, want %q", ci.reason, tc.reason)
			}
		})
	}
	// Repeats count once.
	var lot parkmate.Lot
	srv.user("oscar", parkmate.RoleOwner).mustDo("POST", "/api/lots/", map[string]any{"name": "A", "slots": 1}, 201, &lot)
	s := d.mustDialWS("?proto=2")
	s.watch([]int64{lot.ID, lot.ID, lot.ID, lot.ID}, []int64{lot.ID}, []int64{})
}

// TestListsNameWhatTheyShow: a booking shows its price (at
// --price-per-hour), its payment's status and when it actually ended;
// payments and car washes name their driver, lot and slot; the config
// gives the currency and the price.
func TestListsNameWhatTheyShow(t *testing.T) {
	cfg := testConfig(t)
	cfg.PricePerHour, cfg.Currency = 3, "CHF"
	srv := startServer(t, cfg, nil)
	w := newWorld(t, srv)
	var conf struct {
		Currency     string  `json:"currency"`
		PricePerHour float64 `json:"price_per_hour"`
	}
	w.driver.mustDo("GET", "/api/config/", nil, 200, &conf)
	if conf.Currency != "CHF" || conf.PricePerHour != 3 {
		t.Fatalf("config %+v", conf)
	}
	var b struct {
		ID            int64   `json:"id"`
		Price         float64 `json:"price"`
		PaymentStatus *string `json:"payment_status"`
		EndedAt       *string `json:"ended_at"`
	}
	w.driver.mustDo("POST", "/api/bookings/", map[string]any{"slot_id": w.slots[0].ID, "minutes": 50}, 201, &b)
	if b.Price != 2.5 || b.PaymentStatus != nil || b.EndedAt != nil {
		t.Fatalf("new booking %+v, want price 2.5, no payment, not ended", b)
	}
	w.driver.mustDo("POST", fmt.Sprintf("/api/bookings/%d/renew/", b.ID), map[string]any{"minutes": 10}, 200, &b)
	if b.Price != 3 {
		t.Fatalf("renewed to an hour: price %v", b.Price)
	}
	var p parkmate.Payment
	w.driver.mustDo("POST", fmt.Sprintf("/api/bookings/%d/payments/", b.ID), map[string]any{"method": "CASH", "amount": 3}, 201, &p)
	if p.Driver != "dana" || p.LotName != "Central" || p.SlotNumber != 1 {
		t.Fatalf("payment names %q %q %d", p.Driver, p.LotName, p.SlotNumber)
	}
	var c parkmate.CarWash
	w.driver.mustDo("POST", fmt.Sprintf("/api/bookings/%d/carwash/", b.ID), map[string]any{"service": "interior"}, 201, &c)
	if c.Driver != "dana" || c.LotName != "Central" || c.SlotNumber != 1 {
		t.Fatalf("car wash names %q %q %d", c.Driver, c.LotName, c.SlotNumber)
	}
	w.driver.mustDo("GET", fmt.Sprintf("/api/bookings/%d/", b.ID), nil, 200, &b)
	if b.PaymentStatus == nil || *b.PaymentStatus != "PENDING" {
		t.Fatalf("payment status %v", b.PaymentStatus)
	}
	srv.clock.Advance(7 * time.Minute)
	w.owner.mustDo("POST", fmt.Sprintf("/api/bookings/%d/complete/", b.ID), nil, 200, &b)
	if b.EndedAt == nil {
		t.Fatal("a completed booking has no ended_at")
	}
	if ended, err := time.Parse(time.RFC3339, *b.EndedAt); err != nil || !ended.Equal(srv.clock.Now().Truncate(time.Millisecond)) {
		t.Fatalf("ended_at %s (%v), want %s", *b.EndedAt, err, srv.clock.Now())
	}
}
