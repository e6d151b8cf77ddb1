package httpapi

import (
	"fmt"
	"net/http"
	"strings"

	"parkmate"
)

// origins decides which browser origins may use the session cookie: the
// server's own and the configured ones, compared by scheme, host and port.
// The checks are net/http's CrossOriginProtection: a browser's
// Sec-Fetch-Site says whether a request is cross-site; an older browser's
// Origin is compared with the Host (the scheme is unknown there, as the
// standard library explains) and with the configured origins, exactly.
type origins struct {
	allowed map[string]bool
	cop     *http.CrossOriginProtection
}

// CheckOrigins checks the configured browser origins: each must be
// scheme://host[:port], without a path. "*" and "null" are refused: with
// credentials they would let every site act as the signed-in user.
func CheckOrigins(list []string) error {
	_, err := newOrigins(list)
	return err
}

func newOrigins(list []string) (*origins, error) {
	o := &origins{allowed: map[string]bool{}, cop: http.NewCrossOriginProtection()}
	for _, raw := range list {
		origin := normalizeOrigin(raw)
		switch origin {
		case "*":
			return nil, fmt.Errorf(`"*" is not allowed: it would let every web site use the session cookie of a signed-in user; list each browser origin (scheme://host[:port]) instead`)
		case "null":
			return nil, fmt.Errorf(`"null" is not allowed: sandboxed frames and local files send it, so it names no one site; list each browser origin (scheme://host[:port]) instead`)
		}
		web := strings.HasPrefix(origin, "http://") || strings.HasPrefix(origin, "https://")
		if err := o.cop.AddTrustedOrigin(origin); err != nil || !web {
			return nil, fmt.Errorf("%q is not a browser origin of the form http(s)://host[:port]", raw)
		}
		o.allowed[origin] = true
	}
	return o, nil
}

// normalizeOrigin is an origin as browsers send it: lower case, with no
// trailing slash.
func normalizeOrigin(s string) string {
	return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(s), "/"))
}

// listed reports whether origin is one of the configured ones (exactly:
// scheme, host and port).
func (o *origins) listed(origin string) bool {
	return o.allowed[origin]
}

// checkUnsafe refuses a state-changing request a browser sent from
// another site: one that Sec-Fetch-Site marks cross-site or same-site, or
// whose Origin is neither the server's own nor configured. Requests
// without either header (servers, apps, old browsers on the same origin)
// pass.
func (o *origins) checkUnsafe(r *http.Request) error {
	if err := o.cop.Check(r); err != nil {
		return crossSiteError(r)
	}
	return nil
}

// checkSocket applies the same rule to a WebSocket handshake, which is a
// GET (a method CrossOriginProtection lets through) but opens a channel
// that carries the user's notifications.
func (o *origins) checkSocket(r *http.Request) error {
	r2 := r.WithContext(r.Context())
	r2.Method = http.MethodPost
	if err := o.cop.Check(r2); err != nil {
		return crossSiteError(r)
	}
	return nil
}

func crossSiteError(r *http.Request) error {
	if origin := r.Header.Get("Origin"); origin != "" {
		return parkmate.Errorf(parkmate.EFORBIDDEN, "Origin %s is not allowed to use this server with your session.", origin)
	}
	return parkmate.Errorf(parkmate.EFORBIDDEN, "A request from another site is not allowed to use this server with your session.")
}

// crossSite refuses, with 403, unsafe requests that a browser may have
// sent from another site carrying the session cookie. A request with an
// Authorization or X-API-Key header is not one: the session cookie is not
// read when Authorization is present, and a page of another site cannot
// add either header without a CORS preflight, which only the configured
// origins pass. Sign-in, sign-up and sign-out are covered too, so no site
// can sign a browser in or out behind its user's back.
func (s *Server) crossSite(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" && r.Header.Get("X-API-Key") == "" {
			if err := s.origins.checkUnsafe(r); err != nil {
				s.writeError(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
