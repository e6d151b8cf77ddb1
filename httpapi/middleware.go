package httpapi

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"time"
	"unicode/utf8"

	"parkmate"
)

// ContentSecurityPolicy is sent with every response. The web app is one
// script file and one stylesheet of its own origin: no inline script, no
// eval, no plugins, no framing by any site. Inline styles are allowed:
// react-toastify (v11) injects its stylesheet as a <style> element at run
// time, and the app's toasts are unstyled without it.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

// securityHeaders sets the headers every response carries, the API's and
// the web app's alike.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

// bodyDeadline gives a request's body Config.BodyTimeout to arrive, so a
// client that trickles a body cannot hold a connection (and a descriptor)
// for long; decode lifts the deadline once the body is read. Requests
// without a body get none, nor do socket handshakes (the socket sets its
// own deadlines on the connection it takes over).
func (s *Server) bodyDeadline(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength != 0 && r.Header.Get("Upgrade") == "" {
			// Not every ResponseWriter supports it (httptest's does not).
			_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(s.cfg.BodyTimeout))
		}
		next.ServeHTTP(w, r)
	})
}

// checkQuery refuses query parameters of the API holding NUL or invalid
// UTF-8 with 422, as decode refuses them in bodies: PostgreSQL cannot
// store them and SQLite would.
func (s *Server) checkQuery(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isAPI(r.URL.Path) && r.URL.RawQuery != "" {
			for k, vs := range r.URL.Query() {
				ok := validText(k)
				for _, v := range vs {
					ok = ok && validText(v)
				}
				if !ok {
					s.writeError(w, r, parkmate.Errorf(parkmate.EUNPROCESSABLE,
						"Query parameter %q must be UTF-8 text without NUL characters.", k))
					return
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// validText reports whether s is UTF-8 without NUL characters.
func validText(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return false
		}
	}
	return utf8.ValidString(s)
}

// requestInfo is what the handlers tell the access log about a request.
type requestInfo struct {
	userID int64
}

type requestInfoKey struct{}

// setUser records the request's user for the access log.
func setUser(r *http.Request, id int64) {
	if ri, ok := r.Context().Value(requestInfoKey{}).(*requestInfo); ok {
		ri.userID = id
	}
}

// requestIDPattern is what an X-Request-ID from a proxy must look like to
// be kept; any other is replaced.
var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)

// maxLoggedPath bounds the path in an access-log line.
const maxLoggedPath = 256

// accessLog writes one line per request: method, path (never the query),
// status, duration, the user (0 when none) and a request id, which the
// response carries as X-Request-ID. Headers, cookies and bodies are never
// logged, so neither are tokens nor passwords.
func (s *Server) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-ID")
		if !requestIDPattern.MatchString(id) {
			id = newRequestID()
		}
		w.Header().Set("X-Request-ID", id)
		info := &requestInfo{}
		rec := &recorder{ResponseWriter: w}
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), requestInfoKey{}, info)))
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		path := r.URL.Path
		if len(path) > maxLoggedPath {
			path = path[:maxLoggedPath] + "..."
		}
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method),
			slog.String("path", path),
			slog.Int("status", status),
			slog.Duration("duration", time.Since(start)),
			slog.Int64("user_id", info.userID),
			slog.String("request_id", id),
			slog.String("addr", clientAddr(r)),
			slog.Int64("bytes", rec.bytes))
	})
}

func newRequestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// recorder remembers a response's status and size. A hijacked connection
// (a WebSocket upgrade) counts as 101.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection (deadlines).
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Hijack hands the connection to the WebSocket upgrader.
func (w *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil && w.status == 0 {
		w.status = http.StatusSwitchingProtocols
	}
	return conn, rw, err
}

// Flush sends what was written so far.
func (w *recorder) Flush() {
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}
