// Package httpapi serves ParkMate over HTTP: the JSON REST API under
// /api/, the notification WebSocket under /ws/, the embedded web app, and
// /livez, /readyz (and /healthz, its old name) and /metrics. Routing is the standard library's ServeMux.
package httpapi

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"parkmate"
	"parkmate/auth"
	"parkmate/parking"
	"parkmate/push"
	"parkmate/socket"
)

// Config holds the HTTP settings. Zero fields take the defaults, except
// the limits whose zero means "no limit" (AuthRate, SignupRate,
// MaxSocketsPerUser).
type Config struct {
	// AllowedOrigins are browser origins (scheme://host[:port]) besides the
	// server's own that may use the API with the session cookie and open
	// sockets. "*" is refused: see CheckOrigins.
	AllowedOrigins []string
	// PublishKey is the service key of POST /api/publish/; empty turns the
	// endpoint off.
	PublishKey string
	// MaxBody bounds a request body, in bytes.
	MaxBody int64
	// MaxPublishBody bounds a body of POST /api/publish/, in bytes.
	MaxPublishBody int64
	// AuthRate is how many failed sign-ins and sign-ups one client address
	// may make per minute (a sign-in takes a token before its password is
	// checked and gives it back when it succeeds); 0 turns the limit off.
	AuthRate int
	// SignupRate is how many accounts one client address may create per
	// minute; 0 turns the limit off.
	SignupRate int
	// BodyTimeout is the longest a request's body may take to arrive,
	// counted from the end of its headers (408 after it).
	BodyTimeout time.Duration
	// MaxSocketsPerUser caps one user's sockets on this node; one more is
	// refused before the upgrade with 429. 0 turns the cap off.
	MaxSocketsPerUser int
	// SecureCookie marks the session cookie Secure (behind TLS).
	SecureCookie bool
	// PushTestRate is how many test pushes one user may ask for per
	// minute; 0 turns the limit off.
	PushTestRate int
}

// Defaults for Config, and of the flags that set it.
const (
	DefaultMaxBody           = 64 << 10
	DefaultMaxPublishBody    = 1 << 20
	DefaultAuthRate          = 30
	DefaultSignupRate        = 10
	DefaultBodyTimeout       = 30 * time.Second
	DefaultMaxSocketsPerUser = 20
	DefaultMaxConnsPerAddr   = 512
	// CookieName is the session cookie.
	CookieName = "parkmate_session"
)

// Server is the HTTP face of one node.
type Server struct {
	parking   *parking.Service
	auth      *auth.Service
	sockets   *socket.Server
	userSocks UserSockets
	cfg       Config
	log       *slog.Logger
	web       fs.FS
	metrics   http.Handler
	failures  *limiter // failed sign-ins and sign-ups (AuthRate)
	signups   *limiter // new accounts (SignupRate)
	origins   *origins
	ready     func(context.Context) error
	push      *pushAPI // nil: Web Push is off

	socketLocks userLocks // a user's handshakes, one at a time (MaxSocketsPerUser)
}

// UserSockets counts a user's sockets on this node (a *hub.Hub does).
type UserSockets interface {
	UserCount(userID int64) int
}

// Deps are what a Server serves.
type Deps struct {
	Parking *parking.Service
	Auth    *auth.Service
	Sockets *socket.Server
	// UserSockets counts sockets for Config.MaxSocketsPerUser; nil turns
	// the cap off.
	UserSockets UserSockets
	Log         *slog.Logger
	// Web is the built web app; nil serves none.
	Web fs.FS
	// Metrics serves /metrics; nil serves none.
	Metrics http.Handler
	// Ready checks the node's dependencies for /healthz.
	Ready func(context.Context) error
	// Push serves Web Push and notification preferences; nil serves none.
	Push *push.Service
}

// New returns a Server, or an error for an origin it cannot allow.
func New(d Deps, cfg Config) (*Server, error) {
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.MaxPublishBody <= 0 {
		cfg.MaxPublishBody = DefaultMaxPublishBody
	}
	if cfg.BodyTimeout <= 0 {
		cfg.BodyTimeout = DefaultBodyTimeout
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	o, err := newOrigins(cfg.AllowedOrigins)
	if err != nil {
		return nil, err
	}
	return &Server{parking: d.Parking, auth: d.Auth, sockets: d.Sockets, userSocks: d.UserSockets, cfg: cfg, log: d.Log,
		web: d.Web, metrics: d.Metrics, ready: d.Ready, origins: o, push: newPushAPI(d.Push, cfg.PushTestRate),
		failures: newLimiter(cfg.AuthRate, time.Minute, "failed sign-ins and sign-ups"),
		signups:  newLimiter(cfg.SignupRate, time.Minute, "sign-ups")}, nil
}

// handler is an API handler that returns its error.
type handler func(w http.ResponseWriter, r *http.Request) error

// authed is an API handler for a signed-in caller.
type authed func(w http.ResponseWriter, r *http.Request, c caller) error

// Handler returns the node's routes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	api := func(pattern string, h handler) {
		fn := func(w http.ResponseWriter, r *http.Request) {
			if err := h(w, r); err != nil {
				s.writeError(w, r, err)
			}
		}
		mux.HandleFunc(pattern, fn)
		mux.HandleFunc(pattern+"/{$}", fn)
	}
	signedIn := func(pattern string, h authed) {
		api(pattern, func(w http.ResponseWriter, r *http.Request) error {
			c, err := s.authenticate(r)
			if err != nil {
				return err
			}
			return h(w, r, c)
		})
	}
	api("POST /api/auth/register", s.register)
	api("POST /api/auth/login", s.login)
	signedIn("POST /api/auth/logout", s.logout)
	signedIn("GET /api/me", s.me)
	signedIn("GET /api/users", s.users)
	signedIn("POST /api/users", s.createUser)
	signedIn("PATCH /api/users/{id}", s.updateUser)
	signedIn("DELETE /api/users/{id}", s.deleteUser)
	api("GET /api/config", s.config)

	signedIn("POST /api/lots", s.createLot)
	signedIn("GET /api/lots", s.lots)
	signedIn("GET /api/lots/{id}/slots", s.slots)

	signedIn("POST /api/bookings", s.book)
	signedIn("GET /api/bookings", s.bookings)
	signedIn("GET /api/bookings/{id}", s.booking)
	signedIn("POST /api/bookings/{id}/renew", s.renew)
	signedIn("POST /api/bookings/{id}/complete", s.complete)
	signedIn("POST /api/bookings/{id}/cancel", s.cancel)
	signedIn("POST /api/bookings/{id}/payments", s.pay)
	signedIn("GET /api/payments", s.payments)
	signedIn("POST /api/payments/{id}/verify", s.verifyPayment)
	signedIn("POST /api/bookings/{id}/carwash", s.orderCarWash)
	signedIn("GET /api/carwashes", s.carWashes)
	signedIn("POST /api/carwashes/{id}/start", s.startCarWash)
	signedIn("POST /api/carwashes/{id}/complete", s.completeCarWash)
	signedIn("POST /api/assignments", s.assign)
	signedIn("GET /api/assignments", s.assignments)

	signedIn("GET /api/notifications", s.notifications)
	signedIn("GET /api/notifications/unread-count", s.unreadCount)
	signedIn("POST /api/notifications/{id}/read", s.markRead)
	signedIn("POST /api/notifications/read-all", s.markAllRead)
	api("POST /api/publish", s.publish)
	s.pushRoutes(api, signedIn)

	mux.HandleFunc("GET /ws/notifications/{user_id}", s.socket)
	mux.HandleFunc("GET /ws/notifications/{user_id}/{$}", s.socket)
	mux.HandleFunc("GET /livez", s.livez)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.HandleFunc("GET /healthz", s.readyz)
	if s.metrics != nil {
		mux.Handle("GET /metrics", s.metrics)
	}
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		if isAPI(r.URL.Path) || s.web == nil || (!isFile(s.web, r.URL.Path) && !wantsPage(r)) {
			s.noRoute(w, r)
			return
		}
		spa(s.web).ServeHTTP(w, r)
	})
	var h http.Handler = s.jsonFallback(mux)
	// Innermost first: the access log sees every answer, panics included.
	for _, wrap := range []func(http.Handler) http.Handler{
		s.checkQuery, s.crossSite, s.cors, s.bodyDeadline, s.securityHeaders, s.recoverer, s.accessLog,
	} {
		h = wrap(h)
	}
	return h
}

func (s *Server) noRoute(w http.ResponseWriter, r *http.Request) {
	s.writeError(w, r, parkmate.Errorf(parkmate.ENOTFOUND, "No route %s %s.", r.Method, r.URL.Path))
}

// isAPI reports whether a path belongs to the API or the socket, which
// answer in JSON, never with the web app.
func isAPI(path string) bool {
	return path == "/api" || strings.HasPrefix(path, "/api/") || strings.HasPrefix(path, "/ws/")
}

// jsonFallback answers API paths that match no route, or match with
// another method, with the contract's JSON error instead of plain text.
func (s *Server) jsonFallback(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isAPI(r.URL.Path) {
			mux.ServeHTTP(w, r)
			return
		}
		if _, pattern := mux.Handler(r); pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		var allowed []string
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			r2 := r.Clone(r.Context())
			r2.Method = m
			if _, p := mux.Handler(r2); p != "" && p != "GET /" {
				allowed = append(allowed, m)
			}
		}
		if len(allowed) == 0 {
			s.noRoute(w, r)
			return
		}
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		s.writeJSON(w, http.StatusMethodNotAllowed, errorJSON("method_not_allowed",
			fmt.Sprintf("%s is not allowed here; use %s.", r.Method, strings.Join(allowed, " or "))))
	})
}

// cors lets the configured origins (not the server's own, which needs no
// CORS) call the API from a browser, with credentials.
func (s *Server) cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" || !strings.HasPrefix(r.URL.Path, "/api/") || !s.origins.listed(origin) {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Credentials", "true")
		h.Add("Vary", "Origin")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-API-Key, Idempotency-Key")
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil && v != http.ErrAbortHandler {
				s.log.Error("panic serving request", "method", r.Method, "path", r.URL.Path, "panic", v)
				s.writeJSON(w, http.StatusInternalServerError, map[string]any{"error": map[string]string{
					"code": parkmate.EINTERNAL, "message": "Something went wrong on our side."}})
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// livez answers 200 while the process serves.
func (s *Server) livez(w http.ResponseWriter, _ *http.Request) {
	s.writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers 200 while the node can write its database and reach its
// broker, 503 otherwise; the checks run in the background, so it answers
// at once.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.ready != nil {
		if err := s.ready(r.Context()); err != nil {
			s.log.Debug("not ready", "err", err)
			s.writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": err.Error()})
			return
		}
	}
	s.writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// wantsPage reports whether a request for a path the server does not know
// is a browser's navigation, which gets the web app (its routes survive a
// reload). Anything else, a load balancer's probe of /health for one,
// gets a JSON 404 rather than a page that looks healthy.
func wantsPage(r *http.Request) bool {
	if r.URL.Path == "/" {
		return true
	}
	return strings.Contains(r.Header.Get("Accept"), "text/html")
}

// isFile reports whether path names a file of the web app (a script or a
// stylesheet, which browsers fetch without asking for text/html).
func isFile(fsys fs.FS, path string) bool {
	p := strings.TrimPrefix(path, "/")
	if p == "" {
		return false
	}
	st, err := fs.Stat(fsys, p)
	return err == nil && !st.IsDir()
}

// spa serves the web app, answering unknown paths with index.html so the
// app's own routes survive a reload.
func spa(fsys fs.FS) http.Handler {
	files := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := strings.TrimPrefix(r.URL.Path, "/")
		if p != "" {
			if _, err := fs.Stat(fsys, p); err != nil {
				r2 := r.Clone(r.Context())
				r2.URL.Path = "/"
				files.ServeHTTP(w, r2)
				return
			}
			if strings.HasPrefix(p, "assets/") {
				w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
			}
		}
		files.ServeHTTP(w, r)
	})
}
