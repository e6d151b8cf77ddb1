package httpapi_test

import (
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"parkmate/httpapi"
	"parkmate/hub"
	"parkmate/socket"
	"parkmate/web"
)

// TestOrigins checks which --allowed-origins values start a server:
// origins of the web, exactly; never "*" or "null".
func TestOrigins(t *testing.T) {
	for _, tc := range []struct {
		origins []string
		err     string
	}{
		{nil, ""},
		{[]string{"https://app.example", "http://localhost:5173", "HTTPS://Admin.Example/"}, ""},
		{[]string{"*"}, `"*" is not allowed`},
		{[]string{"https://app.example", "*"}, `"*" is not allowed`},
		{[]string{"null"}, `"null" is not allowed`},
		{[]string{"app.example"}, "http(s)://host[:port]"},
		{[]string{"https://app.example/path"}, "http(s)://host[:port]"},
		{[]string{"https://app.example?x=1"}, "http(s)://host[:port]"},
		{[]string{"ftp://app.example"}, "http(s)://host[:port]"},
		{[]string{"https://"}, "http(s)://host[:port]"},
	} {
		err := httpapi.CheckOrigins(tc.origins)
		if (tc.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%q: %v, want %q", tc.origins, err, tc.err)
		}
		if _, err := httpapi.New(httpapi.Deps{}, httpapi.Config{AllowedOrigins: tc.origins}); (tc.err == "") != (err == nil) {
			t.Errorf("New with %q: %v", tc.origins, err)
		}
	}
}

// TestCrossSiteTable: the cookie's unsafe requests by what the browser
// says of them. Origins compare scheme, host and port.
func TestCrossSiteTable(t *testing.T) {
	a := newAPI(t, httpapi.Config{AllowedOrigins: []string{"https://app.example"}}, nil)
	cookie := func(more ...string) map[string]string {
		h := map[string]string{"Cookie": httpapi.CookieName + "=" + a.tokens["dana"]}
		for i := 0; i+1 < len(more); i += 2 {
			h[more[i]] = more[i+1]
		}
		return h
	}
	readAll := func(name string, status int, code string, header map[string]string) call {
		c := call{name: name, method: "POST", path: "/api/notifications/read-all/", status: status, code: code, header: header}
		if status == 200 {
			c.keys = []string{"updated", "up_to"}
		}
		return c
	}
	a.run([]call{
		readAll("no Origin, no Sec-Fetch-Site (not a browser)", 200, "", cookie()),
		readAll("same-origin", 200, "", cookie("Sec-Fetch-Site", "same-origin")),
		readAll("typed by the user", 200, "", cookie("Sec-Fetch-Site", "none")),
		readAll("cross-site", 403, "forbidden", cookie("Sec-Fetch-Site", "cross-site")),
		readAll("same-site", 403, "forbidden", cookie("Sec-Fetch-Site", "same-site", "Origin", "http://www.example.com")),
		readAll("cross-site from the configured origin", 200, "", cookie("Sec-Fetch-Site", "cross-site", "Origin", "https://app.example")),
		readAll("the server's own origin", 200, "", cookie("Origin", "http://example.com")),
		readAll("the server's host on another port", 403, "forbidden", cookie("Origin", "http://example.com:8080")),
		readAll("the configured origin", 200, "", cookie("Origin", "https://app.example")),
		readAll("the configured origin over http", 403, "forbidden", cookie("Origin", "http://app.example")),
		readAll("the configured origin on another port", 403, "forbidden", cookie("Origin", "https://app.example:444")),
		readAll("a prefix of the configured origin", 403, "forbidden", cookie("Origin", "https://app.exampl")),
		readAll("the configured origin under another domain", 403, "forbidden", cookie("Origin", "https://app.example.evil.example")),
		readAll("null", 403, "forbidden", cookie("Origin", "null")),
		{name: "a Bearer token from another site", as: "dana", method: "POST", path: "/api/notifications/read-all/",
			header: map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "http://evil.example"}, status: 200, keys: []string{"updated", "up_to"}},
		{name: "a read from another site", method: "GET", path: "/api/me/", header: cookie("Sec-Fetch-Site", "cross-site"), status: 200, keys: userKeys},
		{name: "sign-in from another site", method: "POST", path: "/api/auth/login/", body: map[string]string{"username": "dana", "password": "long-enough"},
			header: map[string]string{"Sec-Fetch-Site": "cross-site"}, status: 403, code: "forbidden"},
		{name: "sign-out from another site", method: "POST", path: "/api/auth/logout/", header: cookie("Origin", "http://evil.example"), status: 403, code: "forbidden"},
		{name: "the session still works", method: "GET", path: "/api/me/", header: cookie(), status: 200, keys: userKeys},
	})
}

// TestSecurityHeaders: every response, the API's (errors included) and
// the web app's, says nosniff, a Referrer-Policy and the CSP.
func TestSecurityHeaders(t *testing.T) {
	a := newAPI(t, httpapi.Config{AuthRate: 1}, nil)
	srv := must(httpapi.New(httpapi.Deps{Parking: a.parking, Auth: a.auth, Web: web.Dist()}, httpapi.Config{AuthRate: 1}))(t)
	h := srv.Handler()
	script := firstScript(t)
	for _, tc := range []struct {
		method, path, accept string
		status               int
	}{
		{"GET", "/", "", 200},
		{"GET", "/bookings/7", "text/html", 200},
		{"GET", "/" + script, "", 200},
		{"GET", "/favicon.svg", "", 200},
		{"GET", "/api/config/", "", 200},
		{"GET", "/api/me/", "", 401},
		{"GET", "/api/nothing/", "", 404},
		{"PUT", "/api/me/", "", 405},
		{"GET", "/livez", "", 200},
		{"POST", "/api/auth/login/", "", 401},
		{"POST", "/api/auth/login/", "", 429},
	} {
		var body io.Reader
		if tc.method == "POST" {
			body = strings.NewReader(`{"username":"dana","password":"wrong-password"}`)
		}
		req := httptest.NewRequest(tc.method, tc.path, body)
		req.Header.Set("Accept", tc.accept)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		hd := rec.Header()
		csp := hd.Get("Content-Security-Policy")
		if rec.Code != tc.status || hd.Get("X-Content-Type-Options") != "nosniff" || hd.Get("Referrer-Policy") == "" ||
			hd.Get("X-Request-ID") == "" || csp != httpapi.ContentSecurityPolicy {
			t.Errorf("%s %s: %d %v", tc.method, tc.path, rec.Code, hd)
		}
		if tc.status == 429 && hd.Get("Retry-After") == "" {
			t.Errorf("a 429 without Retry-After")
		}
	}
	directives := map[string]string{}
	for _, d := range strings.Split(httpapi.ContentSecurityPolicy, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
		directives[name] = value
	}
	if directives["script-src"] != "'self'" || directives["object-src"] != "'none'" || directives["frame-ancestors"] != "'none'" ||
		strings.Contains(httpapi.ContentSecurityPolicy, "unsafe-eval") || directives["default-src"] != "'self'" {
		t.Fatalf("CSP %q", httpapi.ContentSecurityPolicy)
	}
}

// firstScript is the path of the built app's script.
func firstScript(t *testing.T) string {
	t.Helper()
	index, err := fs.ReadFile(web.Dist(), "index.html")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`<script[^>]*src="\./([^"]+)"`).FindSubmatch(index)
	if m == nil {
		t.Fatalf("no script in index.html:\n%s", index)
	}
	return string(m[1])
}

// TestBuiltAppNeedsNoInlineScript: the committed web/dist runs under the
// CSP (script-src 'self', no unsafe-eval): every script is a file of its
// own, no element has an inline handler or a javascript: URL, and the
// scripts do not eval. (The browser suite runs the app under the header.)
func TestBuiltAppNeedsNoInlineScript(t *testing.T) {
	dist := web.Dist()
	index, err := fs.ReadFile(dist, "index.html")
	if err != nil {
		t.Fatal(err)
	}
	html := string(index)
	for _, m := range regexp.MustCompile(`(?is)<script([^>]*)>(.*?)</script>`).FindAllStringSubmatch(html, -1) {
		if !strings.Contains(m[1], "src=") || strings.TrimSpace(m[2]) != "" {
			t.Errorf("an inline script in index.html: %s", m[0])
		}
	}
	if regexp.MustCompile(`(?i)\son[a-z]+\s*=|javascript:|<style`).MatchString(html) {
		t.Errorf("index.html has an inline handler, a javascript: URL or a <style>:\n%s", html)
	}
	scripts, _ := fs.Glob(dist, "assets/*.js")
	if len(scripts) == 0 {
		t.Fatal("no scripts in web/dist/assets")
	}
	for _, name := range scripts {
		js, _ := fs.ReadFile(dist, name)
		if regexp.MustCompile(`\beval\(|new Function\(`).Match(js) {
			t.Errorf("%s needs unsafe-eval", name)
		}
	}
}

// TestPasswordLengths: passwords of 8 to 72 bytes are taken; a longer one
// is refused with a message that says why, and never signs in as its
// first 72 bytes (bcrypt reads no further).
func TestPasswordLengths(t *testing.T) {
	a := newAPI(t, httpapi.Config{}, nil)
	creds := func(name, password string) map[string]string {
		return map[string]string{"username": name, "password": password}
	}
	p72 := strings.Repeat("p", 72)
	a.run([]call{
		{"7 bytes", "", "POST", "/api/auth/register/", creds("short", "1234567"), 422, "validation_failed", nil, nil},
		{"8 bytes", "", "POST", "/api/auth/register/", creds("eight", "12345678"), 201, "", []string{"user"}, nil},
		{"72 bytes", "", "POST", "/api/auth/register/", creds("long", p72), 201, "", []string{"user"}, nil},
		{"36 two-byte letters", "", "POST", "/api/auth/register/", creds("accents", strings.Repeat("é", 36)), 201, "", []string{"user"}, nil},
		{"73 bytes", "", "POST", "/api/auth/register/", creds("longer", p72+"q"), 422, "validation_failed", nil, nil},
		{"37 two-byte letters", "", "POST", "/api/auth/register/", creds("accents2", strings.Repeat("é", 37)), 422, "validation_failed", nil, nil},
		{"73 bytes by an admin", "ada", "POST", "/api/users/", map[string]string{"username": "longest", "password": p72 + "q", "role": "owner"}, 422, "validation_failed", nil, nil},
		{"sign in with 72 bytes", "", "POST", "/api/auth/login/", creds("long", p72), 200, "", []string{"access", "expires_at", "user"}, nil},
		{"sign in with the 72 bytes and more", "", "POST", "/api/auth/login/", creds("long", p72+"anything"), 401, "invalid_credentials", nil, nil},
	})
	rec := a.send(call{method: "POST", path: "/api/auth/register/", body: creds("longer", p72+"q")})
	if !strings.Contains(rec.Body.String(), "at most 72 bytes") {
		t.Fatalf("the message: %s", rec.Body)
	}
}

// TestTextTable: what checkText takes and refuses in a body.
func TestTextTable(t *testing.T) {
	a := newAPI(t, httpapi.Config{}, nil)
	lot := func(name string) string { return `{"name":"` + name + `","slots":1}` }
	a.run([]call{
		{"a NUL", "oscar", "POST", "/api/lots/", lot(`a\u0000`), 422, "validation_failed", nil, nil},
		{"a NUL in capitals", "oscar", "POST", "/api/lots/", lot(`a\U0000`), 400, "invalid_json", nil, nil},
		{"a NUL, hex in capitals", "oscar", "POST", "/api/lots/", lot(`a\u0000`), 422, "validation_failed", nil, nil},
		{"a raw NUL", "oscar", "POST", "/api/lots/", lot("a\x00"), 422, "validation_failed", nil, nil},
		{"not UTF-8", "oscar", "POST", "/api/lots/", lot("a\xc3"), 422, "validation_failed", nil, nil},
		{"an overlong encoding", "oscar", "POST", "/api/lots/", lot("a\xc0\xaf"), 422, "validation_failed", nil, nil},
		{"a high surrogate before a letter", "oscar", "POST", "/api/lots/", lot(`\uD83D\u0041`), 422, "validation_failed", nil, nil},
		{"a high surrogate at the end", "oscar", "POST", "/api/lots/", lot(`a\ud83d`), 422, "validation_failed", nil, nil},
		{"two high surrogates", "oscar", "POST", "/api/lots/", lot(`\ud83d\ud83d\ude97`), 422, "validation_failed", nil, nil},
		{"an escaped backslash, then u0000", "oscar", "POST", "/api/lots/", lot(`a\\u0000`), 201, "", lotKeys, nil},
		{"a surrogate pair in capitals", "oscar", "POST", "/api/lots/", lot(`\uD83D\uDE97`), 201, "", lotKeys, nil},
		{"a NUL in a query", "dana", "GET", "/api/bookings/?status=%00", nil, 422, "validation_failed", nil, nil},
		{"a NUL in a query's name", "dana", "GET", "/api/bookings/?a%00=1", nil, 422, "validation_failed", nil, nil},
	})
}

// slowCount counts sockets slowly, as a busy node might: without the hold
// on handshakes in progress, every handshake that arrives together would
// see the same count and pass the cap.
type slowCount struct{ h *hub.Hub }

func (s slowCount) UserCount(id int64) int {
	n := s.h.UserCount(id)
	time.Sleep(20 * time.Millisecond)
	return n
}

// TestSocketCapHoldsForHandshakesInProgress: with a cap of 3, ten
// handshakes arriving together open 3 sockets, even when counting is slow.
func TestSocketCapHoldsForHandshakesInProgress(t *testing.T) {
	a := newAPI(t, httpapi.Config{}, nil)
	sockets := socket.NewServer(a.hub, a.parking, socket.Config{NoPoller: true}, nil, nil)
	srv := must(httpapi.New(httpapi.Deps{Parking: a.parking, Auth: a.auth, Sockets: sockets, UserSockets: slowCount{a.hub}},
		httpapi.Config{MaxSocketsPerUser: 3}))(t)
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	dana := a.users["dana"]
	var mu sync.Mutex
	counts := map[int]int{}
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			req, _ := http.NewRequest("GET", fmt.Sprintf("%s/ws/notifications/%d/", ts.URL, dana.ID), nil)
			req.Header.Set("Authorization", "Bearer "+a.tokens["dana"])
			req.Header.Set("Connection", "Upgrade")
			req.Header.Set("Upgrade", "websocket")
			req.Header.Set("Sec-WebSocket-Version", "13")
			req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			if resp.StatusCode == 101 {
				t.Cleanup(func() { resp.Body.Close() })
			} else {
				resp.Body.Close()
			}
			if resp.StatusCode == 429 && resp.Header.Get("Retry-After") == "" {
				t.Error("429 without Retry-After")
			}
			mu.Lock()
			counts[resp.StatusCode]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if counts[101] != 3 || counts[429] != 7 {
		t.Fatalf("answers %v: want 3 sockets and 7 refusals", counts)
	}
}
