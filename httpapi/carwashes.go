package httpapi

import (
	"net/http"

	"parkmate"
)

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
	s.writeJSON(w, http.StatusCreated, cw)
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
	s.writeJSON(w, http.StatusOK, newList(cs, p, func(c parkmate.CarWash) int64 { return c.ID }))
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
	s.writeJSON(w, http.StatusOK, cw)
	return nil
}

func (s *Server) startCarWash(w http.ResponseWriter, r *http.Request, c caller) error {
	return s.carWashAction(w, r, c, false)
}

func (s *Server) completeCarWash(w http.ResponseWriter, r *http.Request, c caller) error {
	return s.carWashAction(w, r, c, true)
}
