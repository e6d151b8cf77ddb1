package httpapi

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"sync"

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
	if n := s.cfg.MaxSocketsPerUser; n > 0 && s.userSocks != nil {
		// Serve puts the socket in the hub before it returns, and the lock
		// keeps the user's other handshakes from counting until then:
		// sockets opened together cannot pass the cap.
		unlock := s.socketLocks.lock(u.ID)
		defer unlock()
		if s.userSocks.UserCount(u.ID) >= n {
			fail(parkmate.CodedErrorf(parkmate.ERATELIMITED, "too_many_sockets",
				"You have %d sockets open on this server, the most it allows; close one first.", n))
			return
		}
	}
	s.sockets.Serve(w, r, socket.Params{UserID: u.ID, Role: u.Role, SessionID: sess.ID, SessionExpires: sess.ExpiresAt,
		Since: since, HasSince: hasSince, Proto: proto})
}

// userLocks serializes the handshakes of one user (only of one user: a
// slow handshake holds up no one else's).
type userLocks struct {
	mu    sync.Mutex
	users map[int64]*userLock
}

type userLock struct {
	sync.Mutex
	refs int
}

// lock locks userID's handshakes and returns the unlock.
func (l *userLocks) lock(userID int64) (unlock func()) {
	l.mu.Lock()
	if l.users == nil {
		l.users = map[int64]*userLock{}
	}
	ul := l.users[userID]
	if ul == nil {
		ul = &userLock{}
		l.users[userID] = ul
	}
	ul.refs++
	l.mu.Unlock()
	ul.Lock()
	return func() {
		ul.Unlock()
		l.mu.Lock()
		if ul.refs--; ul.refs == 0 {
			delete(l.users, userID)
		}
		l.mu.Unlock()
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
