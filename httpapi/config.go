package httpapi

import (
	"net/http"
	"time"

	"parkmate"
)

// config answers GET /api/config/: the limits a client shows.
func (s *Server) config(w http.ResponseWriter, r *http.Request) error {
	cfg := s.parking.Config()
	s.writeJSON(w, http.StatusOK, map[string]any{
		"expiry_warning_seconds": int(cfg.ExpiryWarning / time.Second),
		"max_booking_minutes":    int(cfg.MaxBooking / time.Minute),
		"carwash_services":       parkmate.CarWashServices(),
	})
	return nil
}
