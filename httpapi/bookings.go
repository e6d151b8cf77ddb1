package httpapi

import (
	"net/http"

	"parkmate"
	"parkmate/parking"
)

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
	s.writeJSON(w, http.StatusCreated, b)
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
	s.writeJSON(w, http.StatusOK, newList(bs, p, func(b parkmate.Booking) int64 { return b.ID }))
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
	s.writeJSON(w, http.StatusOK, b) // with its payments and car washes, [] for none
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
	s.writeJSON(w, http.StatusOK, b)
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
	s.writeJSON(w, http.StatusOK, b)
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
