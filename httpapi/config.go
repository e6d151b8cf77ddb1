package httpapi

import (
	"net/http"
	"time"

	"parkmate"
	"parkmate/notify"
)

// config answers GET /api/config/: the limits a client shows, and the
// words of events 1 and 2 for a client's own countdown, taken from the
// same table as the stored notifications so the two never differ.
func (s *Server) config(w http.ResponseWriter, r *http.Request) error {
	cfg := s.parking.Config()
	s.writeJSON(w, http.StatusOK, map[string]any{
		"expiry_warning_seconds": int(cfg.ExpiryWarning / time.Second),
		"max_booking_minutes":    int(cfg.MaxBooking / time.Minute),
		"carwash_services":       parkmate.CarWashServices(),
		"messages":               notify.CountdownMessages(cfg.ExpiryWarning),
		"currency":               cfg.Currency,
		"price_per_hour":         float64(cfg.PricePerHourCents) / 100,
	})
	return nil
}
