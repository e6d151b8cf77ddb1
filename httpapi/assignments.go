package httpapi

import (
	"net/http"

	"parkmate"
)

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
	s.writeJSON(w, http.StatusCreated, a)
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
	s.writeJSON(w, http.StatusOK, newList(as, p, func(a parkmate.Assignment) int64 { return a.ID }))
	return nil
}
