package httpapi

import (
	"crypto/subtle"
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"parkmate"
	"parkmate/parking"
	"parkmate/sqlstore"
)

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

func (s *Server) config(w http.ResponseWriter, r *http.Request) error {
	cfg := s.parking.Config()
	writeJSON(w, http.StatusOK, map[string]any{
		"expiry_warning_seconds": int(cfg.ExpiryWarning / time.Second),
		"max_booking_minutes":    int(cfg.MaxBooking / time.Minute),
		"carwash_services":       parkmate.CarWashServices,
	})
	return nil
}

func (s *Server) createLot(w http.ResponseWriter, r *http.Request, c caller) error {
	var in struct {
		Name  string `json:"name"`
		Slots int    `json:"slots"`
	}
	if err := decode(w, r, s.cfg.MaxBody, &in); err != nil {
		return err
	}
	lot, err := s.parking.CreateLot(r.Context(), c.User, in.Name, in.Slots)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, lot)
	return nil
}

func (s *Server) lots(w http.ResponseWriter, r *http.Request, c caller) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	lots, err := s.parking.Lots(r.Context(), c.User, r.URL.Query().Get("owner") == "me", p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(lots, p, func(l parkmate.Lot) int64 { return l.ID }))
	return nil
}

func (s *Server) slots(w http.ResponseWriter, r *http.Request, c caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	slots, err := s.parking.Slots(r.Context(), c.User, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[parkmate.Slot]{Items: slots})
	return nil
}

func (s *Server) book(w http.ResponseWriter, r *http.Request, c caller) error {
	var in struct {
		SlotID  int64 `json:"slot_id"`
		Minutes int   `json:"minutes"`
	}
	if err := decode(w, r, s.cfg.MaxBody, &in); err != nil {
		return err
	}
	b, err := s.parking.Book(r.Context(), c.User, in.SlotID, in.Minutes)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, b)
	return nil
}

func (s *Server) bookings(w http.ResponseWriter, r *http.Request, c caller) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	status := parkmate.BookingStatus(r.URL.Query().Get("status"))
	bs, err := s.parking.Bookings(r.Context(), c.User, status, p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(bs, p, func(b parkmate.Booking) int64 { return b.ID }))
	return nil
}

func (s *Server) booking(w http.ResponseWriter, r *http.Request, c caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	b, err := s.parking.Booking(r.Context(), c.User, id)
	if err != nil {
		return err
	}
	if b.Payments == nil {
		b.Payments = []parkmate.Payment{}
	}
	if b.CarWashes == nil {
		b.CarWashes = []parkmate.CarWash{}
	}
	type full struct {
		parkmate.Booking
		Payments  []parkmate.Payment `json:"payments"`
		CarWashes []parkmate.CarWash `json:"carwashes"`
	}
	writeJSON(w, http.StatusOK, full{b, b.Payments, b.CarWashes})
	return nil
}

func (s *Server) renew(w http.ResponseWriter, r *http.Request, c caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		Minutes int `json:"minutes"`
	}
	if err := decode(w, r, s.cfg.MaxBody, &in); err != nil {
		return err
	}
	b, err := s.parking.Renew(r.Context(), c.User, id, in.Minutes)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, b)
	return nil
}

// bookingAction serves a POST that changes one booking.
func (s *Server) bookingAction(w http.ResponseWriter, r *http.Request, c caller,
	act func(*parking.Service, *http.Request, parkmate.User, int64) (parkmate.Booking, error)) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	b, err := act(s.parking, r, c.User, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, b)
	return nil
}

func (s *Server) complete(w http.ResponseWriter, r *http.Request, c caller) error {
	return s.bookingAction(w, r, c, func(p *parking.Service, r *http.Request, u parkmate.User, id int64) (parkmate.Booking, error) {
		return p.Complete(r.Context(), u, id)
	})
}

func (s *Server) cancel(w http.ResponseWriter, r *http.Request, c caller) error {
	return s.bookingAction(w, r, c, func(p *parking.Service, r *http.Request, u parkmate.User, id int64) (parkmate.Booking, error) {
		return p.Cancel(r.Context(), u, id)
	})
}

func (s *Server) pay(w http.ResponseWriter, r *http.Request, c caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		Method parkmate.PaymentMethod `json:"method"`
		Amount float64                `json:"amount"`
	}
	if err := decode(w, r, s.cfg.MaxBody, &in); err != nil {
		return err
	}
	cents := math.Round(in.Amount * 100)
	if math.Abs(cents-in.Amount*100) > 1e-6 || cents > math.MaxInt32 {
		return parkmate.Errorf(parkmate.EUNPROCESSABLE, "amount must have at most two decimals.")
	}
	p, err := s.parking.Pay(r.Context(), c.User, id, in.Method, int64(cents))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, p)
	return nil
}

func (s *Server) payments(w http.ResponseWriter, r *http.Request, c caller) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	ps, err := s.parking.Payments(r.Context(), c.User, r.URL.Query().Get("status"), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(ps, p, func(p parkmate.Payment) int64 { return p.ID }))
	return nil
}

func (s *Server) verifyPayment(w http.ResponseWriter, r *http.Request, c caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.parking.VerifyPayment(r.Context(), c.User, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) orderCarWash(w http.ResponseWriter, r *http.Request, c caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		Service string `json:"service"`
	}
	if err := decode(w, r, s.cfg.MaxBody, &in); err != nil {
		return err
	}
	cw, err := s.parking.OrderCarWash(r.Context(), c.User, id, in.Service)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, cw)
	return nil
}

func (s *Server) carWashes(w http.ResponseWriter, r *http.Request, c caller) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	cs, err := s.parking.CarWashes(r.Context(), c.User, r.URL.Query().Get("status"), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(cs, p, func(c parkmate.CarWash) int64 { return c.ID }))
	return nil
}

// carWashAction serves a POST that moves one car wash.
func (s *Server) carWashAction(w http.ResponseWriter, r *http.Request, c caller, complete bool) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	move := s.parking.StartCarWash
	if complete {
		move = s.parking.CompleteCarWash
	}
	cw, err := move(r.Context(), c.User, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, cw)
	return nil
}

func (s *Server) startCarWash(w http.ResponseWriter, r *http.Request, c caller) error {
	return s.carWashAction(w, r, c, false)
}

func (s *Server) completeCarWash(w http.ResponseWriter, r *http.Request, c caller) error {
	return s.carWashAction(w, r, c, true)
}

func (s *Server) assign(w http.ResponseWriter, r *http.Request, c caller) error {
	var in struct {
		EmployeeID int64 `json:"employee_id"`
		LotID      int64 `json:"lot_id"`
	}
	if err := decode(w, r, s.cfg.MaxBody, &in); err != nil {
		return err
	}
	a, err := s.parking.Assign(r.Context(), c.User, in.EmployeeID, in.LotID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, a)
	return nil
}

func (s *Server) assignments(w http.ResponseWriter, r *http.Request, c caller) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	as, err := s.parking.Assignments(r.Context(), c.User, p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(as, p, func(a parkmate.Assignment) int64 { return a.ID }))
	return nil
}

func (s *Server) notifications(w http.ResponseWriter, r *http.Request, c caller) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	since, hasSince, err := queryInt(r, "since", 1<<62)
	if err != nil {
		return err
	}
	items, err := s.parking.Inbox(r.Context(), c.User, sqlstore.InboxQuery{Since: since, HasSince: hasSince, Page: p})
	if err != nil {
		return err
	}
	// Newest first, pass next as before=; oldest first (since=), as since=.
	writeJSON(w, http.StatusOK, newList(items, p, func(n parkmate.InboxItem) int64 { return n.ID }))
	return nil
}

func (s *Server) unreadCount(w http.ResponseWriter, r *http.Request, c caller) error {
	n, err := s.parking.UnreadCount(r.Context(), c.User)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]int{"count": n})
	return nil
}

func (s *Server) markRead(w http.ResponseWriter, r *http.Request, c caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	it, err := s.parking.MarkRead(r.Context(), c.User, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, it)
	return nil
}

func (s *Server) markAllRead(w http.ResponseWriter, r *http.Request, c caller) error {
	n, upTo, err := s.parking.MarkAllRead(r.Context(), c.User)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]int64{"updated": int64(n), "up_to": upTo})
	return nil
}

// publish is the service API: another backend notifies users directly.
func (s *Server) publish(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.PublishKey == "" {
		return parkmate.Errorf(parkmate.ENOTFOUND, "Publishing is off: start the server with --publish-key.")
	}
	key := r.Header.Get("X-API-Key")
	if key == "" || subtle.ConstantTimeCompare([]byte(key), []byte(s.cfg.PublishKey)) != 1 {
		return parkmate.Errorf(parkmate.EUNAUTHENTICATED, "Send the service key in X-API-Key.")
	}
	var in struct {
		UserIDs []int64         `json:"user_ids"`
		Groups  []string        `json:"groups"`
		Type    parkmate.Level  `json:"type"`
		Message string          `json:"message"`
		Event   string          `json:"event"`
		Data    json.RawMessage `json:"data"`
	}
	idemKey, err := idempotencyKey(r.Header)
	if err != nil {
		return err
	}
	if err := decode(w, r, s.cfg.MaxPublishBody, &in); err != nil {
		return err
	}
	res, err := s.parking.Publish(r.Context(), parking.PublishRequest{UserIDs: in.UserIDs, Groups: in.Groups,
		Type: in.Type, Message: in.Message, Event: in.Event, Data: in.Data, IdempotencyKey: idemKey})
	if err != nil {
		return err
	}
	if res.Replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	writeJSON(w, res.Status, map[string]any{"ids": res.IDs})
	return nil
}

// idempotencyKey reads the Idempotency-Key header: "" when there is none.
// The IETF draft sends the key as a Structured Field string ("abc"); a
// bare token (abc) is taken too, as the same key. A key given twice,
// empty, longer than parking.MaxIdempotencyKeyLen or with characters
// outside printable ASCII is refused.
func idempotencyKey(h http.Header) (string, error) {
	values := h.Values("Idempotency-Key")
	if len(values) == 0 {
		return "", nil
	}
	refuse := func(why string, args ...any) error {
		return parkmate.CodedErrorf(parkmate.EINVALID, "invalid_idempotency_key", "Idempotency-Key "+why+".", args...)
	}
	if len(values) > 1 {
		return "", refuse("must be given once")
	}
	key := values[0]
	if strings.HasPrefix(key, `"`) {
		var ok bool
		if key, ok = unquoteSFString(key); !ok {
			return "", refuse(`must be a quoted string ("...") or a bare token`)
		}
	}
	if key == "" || len(key) > parking.MaxIdempotencyKeyLen {
		return "", refuse("must have 1 to %d characters", parking.MaxIdempotencyKeyLen)
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x20 || key[i] > 0x7e {
			return "", refuse("must hold printable ASCII characters only")
		}
	}
	return key, nil
}

// unquoteSFString decodes an RFC 8941 sf-string: "..." in which only \"
// and \\ are escaped.
func unquoteSFString(s string) (string, bool) {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return "", false
	}
	var b strings.Builder
	for i := 1; i < len(s)-1; i++ {
		c := s[i]
		if c == '"' {
			return "", false
		}
		if c == '\\' {
			i++
			if i == len(s)-1 || (s[i] != '"' && s[i] != '\\') {
				return "", false
			}
			c = s[i]
		}
		b.WriteByte(c)
	}
	return b.String(), true
}
