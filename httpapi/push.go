package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"parkmate"
	"parkmate/push"
)

// DefaultPushTestRate is how many test pushes a user may ask for per
// minute (Config.PushTestRate).
const DefaultPushTestRate = 6

// pushAPI serves Web Push's routes; nil when push is off.
type pushAPI struct {
	svc   *push.Service
	tests *limiter // test pushes per user (Config.PushTestRate)
}

func newPushAPI(svc *push.Service, testRate int) *pushAPI {
	if svc == nil {
		return nil
	}
	return &pushAPI{svc: svc, tests: newLimiter(testRate, time.Minute, "test notifications")}
}

// pushRoutes adds the routes of Web Push and of notification preferences.
func (s *Server) pushRoutes(api func(string, handler), signedIn func(string, authed)) {
	if s.push == nil {
		return
	}
	api("GET /api/push/config", s.pushConfig)
	signedIn("POST /api/push/subscriptions", s.subscribe)
	signedIn("GET /api/push/subscriptions", s.subscriptions)
	signedIn("DELETE /api/push/subscriptions", s.unsubscribe)
	signedIn("POST /api/push/test", s.pushTest)
	signedIn("GET /api/notification-preferences", s.preferences)
	signedIn("PUT /api/notification-preferences", s.setPreferences)
}

func (s *Server) pushConfig(w http.ResponseWriter, _ *http.Request) error {
	s.writeJSON(w, http.StatusOK, map[string]string{"vapid_public_key": s.push.svc.PublicKey()})
	return nil
}

func (s *Server) subscribe(w http.ResponseWriter, r *http.Request, c caller) error {
	var in push.SubscriptionJSON
	if err := decode(w, r, s.cfg.MaxBody, &in); err != nil {
		return err
	}
	sub, created, err := s.push.svc.Subscribe(r.Context(), c.User, in)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	s.writeJSON(w, status, sub)
	return nil
}

func (s *Server) subscriptions(w http.ResponseWriter, r *http.Request, c caller) error {
	subs, err := s.push.svc.Subscriptions(r.Context(), c.User)
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusOK, list[push.Subscription]{Items: subs})
	return nil
}

func (s *Server) unsubscribe(w http.ResponseWriter, r *http.Request, c caller) error {
	var in struct {
		Endpoint string `json:"endpoint"`
	}
	if err := decode(w, r, s.cfg.MaxBody, &in); err != nil {
		return err
	}
	if in.Endpoint == "" {
		return parkmate.CodedErrorf(parkmate.EUNPROCESSABLE, "invalid_endpoint", "Give the endpoint of the subscription to remove.")
	}
	if err := s.push.svc.Unsubscribe(r.Context(), c.User, in.Endpoint); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) pushTest(w http.ResponseWriter, r *http.Request, c caller) error {
	if err := s.push.tests.take("user:" + strconv.FormatInt(c.ID, 10)); err != nil {
		return err
	}
	results, err := s.push.svc.SendTest(r.Context(), c.User)
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"results": results})
	return nil
}

func (s *Server) preferences(w http.ResponseWriter, r *http.Request, c caller) error {
	p, err := s.push.svc.Preferences(r.Context(), c.User)
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) setPreferences(w http.ResponseWriter, r *http.Request, c caller) error {
	var in struct {
		Push map[string]bool `json:"push"`
	}
	if err := decode(w, r, s.cfg.MaxBody, &in); err != nil {
		return err
	}
	if in.Push == nil {
		return parkmate.CodedErrorf(parkmate.EUNPROCESSABLE, "invalid_preferences", `Send {"push": {"<event>": true|false, ...}}.`)
	}
	p, err := s.push.svc.SetPreferences(r.Context(), c.User, in.Push)
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusOK, p)
	return nil
}
