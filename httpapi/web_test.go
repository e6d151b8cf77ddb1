package httpapi_test

import (
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"parkmate/httpapi"
)

// TestWebApp checks that browsers get the app on any path it owns, and
// that nothing else does.
func TestWebApp(t *testing.T) {
	a := newAPI(t, httpapi.Config{}, nil)
	web := fstest.MapFS{"index.html": {Data: []byte("<html>app</html>")}, "assets/app.js": {Data: []byte("js")}}
	srv := must(httpapi.New(httpapi.Deps{Parking: a.parking, Auth: a.auth, Web: web}, httpapi.Config{}))(t)
	h := srv.Handler()
	for _, tc := range []struct {
		path, accept string
		status       int
		body, cache  string
	}{
		{"/", "", 200, "<html>app</html>", ""},
		{"/bookings/7", "text/html", 200, "<html>app</html>", ""},
		{"/assets/app.js", "", 200, "js", "public, max-age=31536000, immutable"},
		{"/health", "", 404, `"not_found"`, "no-store"},
	} {
		req := httptest.NewRequest("GET", tc.path, nil)
		req.Header.Set("Accept", tc.accept)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.body) || rec.Header().Get("Cache-Control") != tc.cache {
			t.Errorf("%s: %d %q %q", tc.path, rec.Code, rec.Body, rec.Header().Get("Cache-Control"))
		}
	}
}
