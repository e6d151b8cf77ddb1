package httpapi

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"

	"parkmate"
	"parkmate/socket"
)

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

// socket authenticates and authorizes a WebSocket request before the
// upgrade: 403 for a foreign Origin or another user's id, 401 for bad
// credentials, 429 for a user with Config.MaxSocketsPerUser sockets on
// this node. A client without an Origin (a server or app) must use the
// Bearer header; a browser may use the session cookie.
func (s *Server) socket(w http.ResponseWriter, r *http.Request) {
	fail := func(err error) {
		// A refused handshake ends the connection: WebSocket clients read
		// the refusal to its end rather than by Content-Length.
		w.Header().Set("Connection", "close")
		s.writeError(w, r, err)
	}
	origin := r.Header.Get("Origin")
	if err := s.origins.checkSocket(r); err != nil {
		fail(err)
		return
	}
	if err := checkHandshake(w, r); err != nil {
		fail(err)
		return
	}
	tok, _ := token(r, origin != "")
	if tok == "" {
		fail(errNoCredentials)
		return
	}
	u, sess, err := s.auth.Authenticate(r.Context(), tok)
	if err != nil {
		fail(err)
		return
	}
	setUser(r, u.ID)
	if r.PathValue("user_id") != itoa(u.ID) {
		fail(parkmate.Errorf(parkmate.EFORBIDDEN, "This socket belongs to another user."))
		return
	}
	since, hasSince, err := queryInt(r, "since", 1<<62)
	if err != nil {
		fail(err)
		return
	}
	proto := 1
	switch r.URL.Query().Get("proto") {
	case "", "1":
	case "2":
		proto = 2
	default:
		fail(parkmate.Errorf(parkmate.EINVALID, "proto must be 1 or 2."))
		return
	}
	if !s.holdSocket(u.ID) {
		fail(parkmate.CodedErrorf(parkmate.ERATELIMITED, "too_many_sockets",
			"You have %d sockets open on this server, the most it allows; close one first.", s.cfg.MaxSocketsPerUser))
		return
	}
	defer s.releaseSocket(u.ID)
	s.sockets.Serve(w, r, socket.Params{UserID: u.ID, Role: u.Role, SessionID: sess.ID, SessionExpires: sess.ExpiresAt,
		Since: since, HasSince: hasSince, Proto: proto})
}

// holdSocket counts a new socket of userID against the cap, or reports
// false when the user has MaxSocketsPerUser already: those in the hub
// and those still in their handshake, so handshakes that arrive together
// cannot pass the cap. releaseSocket ends the hold once Serve has put the
// socket in the hub (or failed).
func (s *Server) holdSocket(userID int64) bool {
	if s.cfg.MaxSocketsPerUser <= 0 || s.userSocks == nil {
		return true
	}
	s.handshakesMu.Lock()
	defer s.handshakesMu.Unlock()
	if s.userSocks.UserCount(userID)+s.handshakes[userID] >= s.cfg.MaxSocketsPerUser {
		return false
	}
	s.handshakes[userID]++
	return true
}

func (s *Server) releaseSocket(userID int64) {
	if s.cfg.MaxSocketsPerUser <= 0 || s.userSocks == nil {
		return
	}
	s.handshakesMu.Lock()
	defer s.handshakesMu.Unlock()
	if s.handshakes[userID]--; s.handshakes[userID] <= 0 {
		delete(s.handshakes, userID)
	}
}

// checkHandshake refuses a malformed WebSocket handshake with a JSON error
// before the upgrader would answer in plain text.
func checkHandshake(w http.ResponseWriter, r *http.Request) error {
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") || !headerHasToken(r.Header, "Connection", "upgrade") {
		return parkmate.CodedErrorf(parkmate.EINVALID, "upgrade_required", "This endpoint speaks WebSocket only: send Connection: Upgrade and Upgrade: websocket.")
	}
	if r.Header.Get("Sec-WebSocket-Version") != "13" {
		w.Header().Set("Sec-WebSocket-Version", "13")
		return parkmate.CodedErrorf(parkmate.EINVALID, "unsupported_version", "Only WebSocket version 13 is spoken.")
	}
	if key, err := base64.StdEncoding.DecodeString(r.Header.Get("Sec-WebSocket-Key")); err != nil || len(key) != 16 {
		return parkmate.CodedErrorf(parkmate.EINVALID, "invalid_handshake", "Sec-WebSocket-Key must be 16 bytes in base64.")
	}
	return nil
}

func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}
