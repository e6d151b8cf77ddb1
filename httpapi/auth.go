package httpapi

import (
	"net/http"
	"strings"

	"parkmate"
)

// caller is the signed-in user of a request.
type caller struct {
	parkmate.User
	session parkmate.Session
}

// token returns the request's access token: the Bearer header, or the
// session cookie when cookies may be used. viaCookie tells which.
func token(r *http.Request, cookieOK bool) (tok string, viaCookie bool) {
	if h := r.Header.Get("Authorization"); h != "" {
		if scheme, t, ok := strings.Cut(h, " "); ok && strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(t), false
		}
		return "", false
	}
	if cookieOK {
		if c, err := r.Cookie(CookieName); err == nil {
			return c.Value, true
		}
	}
	return "", false
}

var errNoCredentials = parkmate.Errorf(parkmate.EUNAUTHENTICATED, "Sign in: send Authorization: Bearer <access> or the session cookie.")

// authenticate finds the caller of an API request. A request authenticated
// by cookie that changes state must come from an allowed Origin (CSRF).
func (s *Server) authenticate(r *http.Request) (caller, error) {
	tok, viaCookie := token(r, true)
	if tok == "" {
		return caller{}, errNoCredentials
	}
	if viaCookie && r.Method != http.MethodGet && r.Method != http.MethodHead {
		if o := r.Header.Get("Origin"); o != "" && !s.originAllowed(r, o) {
			return caller{}, parkmate.Errorf(parkmate.EFORBIDDEN, "Origin %s may not use this session.", o)
		}
	}
	u, sess, err := s.auth.Authenticate(r.Context(), tok)
	return caller{User: u, session: sess}, err
}

type credentials struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

func (s *Server) register(w http.ResponseWriter, r *http.Request) error {
	addr := clientAddr(r)
	if err := s.limiter.check(addr); err != nil {
		setRetryAfter(w, err)
		return err
	}
	var in credentials
	if err := decode(w, r, s.cfg.MaxBody, &in); err != nil {
		return err
	}
	u, err := s.auth.Register(r.Context(), in.Username, in.Password)
	if err != nil {
		s.limiter.fail(addr)
		return err
	}
	s.writeJSON(w, http.StatusCreated, map[string]any{"user": u})
	return nil
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	addr := clientAddr(r)
	if err := s.limiter.check(addr); err != nil {
		setRetryAfter(w, err)
		return err
	}
	var in credentials
	if err := decode(w, r, s.cfg.MaxBody, &in); err != nil {
		return err
	}
	tok, sess, u, err := s.auth.Login(r.Context(), in.Username, in.Password)
	if err != nil {
		if parkmate.ErrorKind(err) == parkmate.EUNAUTHENTICATED {
			s.limiter.fail(addr)
		}
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: tok, Path: "/", Expires: sess.ExpiresAt,
		HttpOnly: true, Secure: s.cfg.SecureCookie || r.TLS != nil, SameSite: http.SameSiteLaxMode})
	s.writeJSON(w, http.StatusOK, map[string]any{"access": tok, "expires_at": sess.ExpiresAt, "user": u})
	return nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, c caller) error {
	if err := s.auth.Logout(r.Context(), c.session); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) me(w http.ResponseWriter, r *http.Request, c caller) error {
	s.writeJSON(w, http.StatusOK, c.User)
	return nil
}

func (s *Server) users(w http.ResponseWriter, r *http.Request, c caller) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	us, err := s.parking.Users(r.Context(), c.User, parkmate.Role(r.URL.Query().Get("role")), p)
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusOK, newList(us, p, func(u parkmate.User) int64 { return u.ID }))
	return nil
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request, c caller) error {
	if c.Role != parkmate.RoleAdmin {
		return parkmate.Errorf(parkmate.EFORBIDDEN, "Only an admin may create accounts.")
	}
	var in struct {
		credentials
		Role parkmate.Role `json:"role"`
	}
	if err := decode(w, r, s.cfg.MaxBody, &in); err != nil {
		return err
	}
	u, err := s.auth.CreateUser(r.Context(), in.Username, in.Password, in.Role)
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusCreated, map[string]any{"user": u})
	return nil
}

func errorJSON(code, msg string) map[string]any {
	return map[string]any{"error": map[string]string{"code": code, "message": msg}}
}
