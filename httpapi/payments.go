package httpapi

import (
	"math"
	"net/http"

	"parkmate"
)

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
	s.writeJSON(w, http.StatusCreated, p)
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
	s.writeJSON(w, http.StatusOK, newList(ps, p, func(p parkmate.Payment) int64 { return p.ID }))
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
	s.writeJSON(w, http.StatusOK, p)
	return nil
}
