package httpapi

import (
	"net/http"

	"parkmate"
)

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
	s.writeJSON(w, http.StatusCreated, lot)
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
	s.writeJSON(w, http.StatusOK, newList(lots, p, func(l parkmate.Lot) int64 { return l.ID }))
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
	s.writeJSON(w, http.StatusOK, list[parkmate.Slot]{Items: slots})
	return nil
}
