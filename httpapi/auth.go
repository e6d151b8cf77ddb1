package httpapi

import (
	"net/http"
	"strings"
	"time"

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

// authenticate finds the caller of an API request. Requests a browser may
// have sent from another site with the session cookie were refused before
// (crossSite).
func (s *Server) authenticate(r *http.Request) (caller, error) {
	tok, _ := token(r, true)
	if tok == "" {
		return caller{}, errNoCredentials
	}
	u, sess, err := s.auth.Authenticate(r.Context(), tok)
	if err == nil {
		setUser(r, u.ID)
	}
	return caller{User: u, session: sess}, err
}

type credentials struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// register creates a driver. It takes a token of the address's sign-up
// bucket (kept when the account is made) and one of its failure bucket
// (kept when it fails) before the password is hashed, so requests that
// arrive together cannot get past either limit.
func (s *Server) register(w http.ResponseWriter, r *http.Request) error {
	var in credentials
	if err := decode(w, r, s.cfg.MaxBody, &in); err != nil {
		return err
	}
	addr := clientAddr(r)
	if err := s.signups.take(addr); err != nil {
		return err
	}
	if err := s.failures.take(addr); err != nil {
		s.signups.giveBack(addr)
		return err
	}
	u, err := s.auth.Register(r.Context(), in.Username, in.Password)
	if err != nil {
		s.signups.giveBack(addr)
		return err
	}
	s.failures.giveBack(addr)
	setUser(r, u.ID)
	s.writeJSON(w, http.StatusCreated, map[string]any{"user": u})
	return nil
}

// login signs in. It takes a token of the address's failure bucket before
// the password is checked and gives it back unless the password was
// wrong, so N wrong passwords sent at once put at most AuthRate of them
// through bcrypt.
func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	var in credentials
	if err := decode(w, r, s.cfg.MaxBody, &in); err != nil {
		return err
	}
	addr := clientAddr(r)
	if err := s.failures.take(addr); err != nil {
		return err
	}
	tok, sess, u, err := s.auth.Login(r.Context(), in.Username, in.Password)
	if err != nil {
		if parkmate.ErrorKind(err) != parkmate.EUNAUTHENTICATED {
			s.failures.giveBack(addr)
		}
		return err
	}
	s.failures.giveBack(addr)
	setUser(r, u.ID)
	http.SetCookie(w, s.sessionCookie(tok, sess.ExpiresAt, r))
	s.writeJSON(w, http.StatusOK, map[string]any{"access": tok, "expires_at": sess.ExpiresAt, "user": u})
	return nil
}

// sessionCookie is the session cookie holding tok; an empty tok deletes
// it. It is Secure with Config.SecureCookie or over TLS.
func (s *Server) sessionCookie(tok string, expires time.Time, r *http.Request) *http.Cookie {
	c := &http.Cookie{Name: CookieName, Value: tok, Path: "/", Expires: expires, HttpOnly: true,
		Secure: s.cfg.SecureCookie || r.TLS != nil, SameSite: http.SameSiteLaxMode}
	if tok == "" {
		c.Expires, c.MaxAge = time.Time{}, -1
	}
	return c
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, c caller) error {
	if err := s.auth.Logout(r.Context(), c.session); err != nil {
		return err
	}
	http.SetCookie(w, s.sessionCookie("", time.Time{}, r))
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
