package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"parkmate/httpapi"
)

func TestAccounts(t *testing.T) {
	a := newAPI(t, httpapi.Config{}, nil)
	creds := func(name, password string) map[string]string {
		return map[string]string{"username": name, "password": password}
	}
	a.run([]call{
		{"register", "", "POST", "/api/auth/register/", creds("zoe", "long-enough"), 201, "", []string{"user"}, nil},
		{"register without the slash", "", "POST", "/api/auth/register", creds("zed", "long-enough"), 201, "", []string{"user"}, nil},
		{"register a taken name", "", "POST", "/api/auth/register/", creds("ZOE", "long-enough"), 409, "username_taken", nil, nil},
		{"register a short password", "", "POST", "/api/auth/register/", creds("yan", "short"), 422, "validation_failed", nil, nil},
		{"register with an unknown field", "", "POST", "/api/auth/register/", `{"username":"yan","password":"long-enough","role":"admin"}`, 400, "invalid_request", nil, nil},
		{"register with a field twice", "", "POST", "/api/auth/register/", `{"username":"yan","username":"yin","password":"long-enough"}`, 400, "invalid_request", nil, nil},
		{"register with a field in capitals", "", "POST", "/api/auth/register/", `{"USERNAME":"yan","password":"long-enough"}`, 400, "invalid_request", nil, nil},
		{"register with a number for a name", "", "POST", "/api/auth/register/", `{"username":7,"password":"long-enough"}`, 400, "invalid_request", nil, nil},
		{"register with broken JSON", "", "POST", "/api/auth/register/", `{"username":`, 400, "invalid_json", nil, nil},
		{"register with an array", "", "POST", "/api/auth/register/", `[]`, 400, "invalid_json", nil, nil},
		{"register with two objects", "", "POST", "/api/auth/register/", `{"username":"yan","password":"long-enough"} {}`, 400, "invalid_json", nil, nil},
		{"register with nothing", "", "POST", "/api/auth/register/", ``, 400, "invalid_json", nil, nil},
		{"register as a form", "", "POST", "/api/auth/register/", nil, 415, "unsupported_media_type", nil, nil},
		{"register with a huge body", "", "POST", "/api/auth/register/", `{"username":"` + strings.Repeat("y", 70_000) + `"}`, 413, "body_too_large", nil, nil},
		{"log in", "", "POST", "/api/auth/login/", creds("zoe", "long-enough"), 200, "", []string{"access", "expires_at", "user"}, nil},
		{"log in with a wrong password", "", "POST", "/api/auth/login/", creds("zoe", "wrong-password"), 401, "invalid_credentials", nil, nil},
		{"who am I", "dana", "GET", "/api/me/", nil, 200, "", userKeys, nil},
		{"who am I, anonymously", "", "GET", "/api/me/", nil, 401, "unauthenticated", nil, nil},
		{"who am I, with a bad token", "", "GET", "/api/me/", nil, 401, "unauthenticated", nil, map[string]string{"Authorization": "Bearer not.a.token"}},
		{"list accounts", "ada", "GET", "/api/users/", nil, 200, "", listKeys, nil},
		{"list drivers", "ada", "GET", "/api/users/?role=driver&limit=1", nil, 200, "", listKeys, nil},
		{"list accounts of an unknown role", "ada", "GET", "/api/users/?role=king", nil, 422, "validation_failed", nil, nil},
		{"list accounts as a driver", "dana", "GET", "/api/users/", nil, 403, "forbidden", nil, nil},
		{"create an employee", "ada", "POST", "/api/users/", map[string]string{"username": "eve", "password": "long-enough", "role": "employee"}, 201, "", []string{"user"}, nil},
		{"create an account of no role", "ada", "POST", "/api/users/", map[string]string{"username": "eve2", "password": "long-enough", "role": "king"}, 422, "validation_failed", nil, nil},
		{"create an account as an owner", "oscar", "POST", "/api/users/", map[string]string{"username": "eve3", "password": "long-enough", "role": "admin"}, 403, "forbidden", nil, nil},
	})
}

// TestSessions: the cookie works like the Bearer token, except for a
// change from a foreign origin; a logout ends both.
func TestSessions(t *testing.T) {
	a := newAPI(t, httpapi.Config{AllowedOrigins: []string{"http://app.example"}}, nil)
	rec := a.send(call{method: "POST", path: "/api/auth/login/", body: map[string]string{"username": "dana", "password": "long-enough"}})
	var cookie *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == httpapi.CookieName {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie %+v", cookie)
	}
	cookieFrom := func(origin string) map[string]string {
		h := map[string]string{"Cookie": cookie.Name + "=" + cookie.Value}
		if origin != "" {
			h["Origin"] = origin
		}
		return h
	}
	book := func(slot int) map[string]any { return map[string]any{"slot_id": a.slots[slot].ID, "minutes": 30} }
	a.run([]call{
		{name: "read with the cookie", method: "GET", path: "/api/me/", header: cookieFrom(""), status: 200, keys: userKeys},
		{name: "read with the cookie from a foreign origin", method: "GET", path: "/api/me/", header: cookieFrom("http://evil.example"), status: 200, keys: userKeys},
		{name: "change from a foreign origin", method: "POST", path: "/api/bookings/", body: book(5), header: cookieFrom("http://evil.example"), status: 403, code: "forbidden"},
		{name: "change from an allowed origin", method: "POST", path: "/api/bookings/", body: book(5), header: cookieFrom("http://app.example"), status: 201, keys: bookingKeys},
		{name: "change from the server's own origin", method: "POST", path: "/api/bookings/", body: book(6), header: cookieFrom("http://example.com"), status: 201, keys: bookingKeys},
		{name: "change without an origin", method: "POST", path: "/api/bookings/", body: book(7), header: cookieFrom(""), status: 201, keys: bookingKeys},
		{name: "log out", method: "POST", path: "/api/auth/logout/", header: cookieFrom(""), status: 204},
		{name: "the cookie after logging out", method: "GET", path: "/api/me/", header: cookieFrom(""), status: 401, code: "unauthenticated"},
		{name: "a Bearer token of another scheme", method: "GET", path: "/api/me/", header: map[string]string{"Authorization": "Basic ZGFuYQ=="}, status: 401, code: "unauthenticated"},
	})
}

// TestFailedSignInsAreRateLimited: after AuthRate failures an address is
// refused with 429 and Retry-After, successes cost nothing.
func TestFailedSignInsAreRateLimited(t *testing.T) {
	a := newAPI(t, httpapi.Config{AuthRate: 2}, nil)
	good := map[string]string{"username": "dana", "password": "long-enough"}
	bad := map[string]string{"username": "dana", "password": "wrong-password"}
	a.run([]call{
		{"a success", "", "POST", "/api/auth/login/", good, 200, "", []string{"access", "expires_at", "user"}, nil},
		{"another success", "", "POST", "/api/auth/login/", good, 200, "", []string{"access", "expires_at", "user"}, nil},
		{"a failure", "", "POST", "/api/auth/login/", bad, 401, "invalid_credentials", nil, nil},
		{"a failed sign-up", "", "POST", "/api/auth/register/", map[string]string{"username": "dana", "password": "long-enough"}, 409, "username_taken", nil, nil},
		{"one too many", "", "POST", "/api/auth/login/", good, 429, "rate_limited", nil, nil},
		{"sign-ups too", "", "POST", "/api/auth/register/", map[string]string{"username": "new1", "password": "long-enough"}, 429, "rate_limited", nil, nil},
	})
	if ra := a.send(call{method: "POST", path: "/api/auth/login/", body: good}).Header().Get("Retry-After"); ra == "" || ra == "0" {
		t.Fatalf("Retry-After %q", ra)
	}
}
