package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"
)

// TestHealthAndWebRoutes checks what a load balancer and a browser get:
// /livez and /readyz answer in JSON, the app's files are served whatever
// the Accept header, and an unknown path is a page only for a browser.
func TestHealthAndWebRoutes(t *testing.T) {
	web := fstest.MapFS{
		"index.html":     {Data: []byte("<!doctype html><title>app</title>")},
		"assets/app.js":  {Data: []byte("console.log(1)")},
		"assets/app.css": {Data: []byte("body{}")},
	}
	app, err := NewApp(context.Background(), testConfig(t), Options{Clock: newFakeClock(), Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Web: web})
	if err != nil {
		t.Fatal(err)
	}
	if err := app.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = app.Shutdown(context.Background()) })
	base := "http://" + app.Addr()
	tests := []struct {
		path, accept string
		status       int
		contentType  string
		body         string
	}{
		{"/livez", "", 200, "application/json", `"status":"ok"`},
		{"/readyz", "", 200, "application/json", `"status":"ok"`},
		{"/healthz", "", 200, "application/json", `"status":"ok"`},
		{"/assets/app.js", "*/*", 200, "text/javascript", "console.log"},
		{"/assets/app.css", "text/css,*/*;q=0.1", 200, "text/css", "body{}"},
		{"/", "", 200, "text/html", "<title>app</title>"},
		{"/health", "", 404, "application/json", `"code":"not_found"`},
		{"/status", "*/*", 404, "application/json", `"code":"not_found"`},
		{"/bookings", "text/html,application/xhtml+xml", 200, "text/html", "<title>app</title>"},
		{"/api/nope", "text/html", 404, "application/json", `"code":"not_found"`},
	}
	for _, tc := range tests {
		t.Run(strings.TrimPrefix(tc.path, "/")+" "+tc.accept, func(t *testing.T) {
			req, _ := http.NewRequest("GET", base+tc.path, nil)
			if tc.accept != "" {
				req.Header.Set("Accept", tc.accept)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), tc.contentType) || !strings.Contains(string(body), tc.body) {
				t.Fatalf("%d %s %q, want %d %s containing %q", resp.StatusCode, resp.Header.Get("Content-Type"), body, tc.status, tc.contentType, tc.body)
			}
			if tc.contentType == "application/json" && !json.Valid(body) {
				t.Fatalf("not JSON: %q", body)
			}
		})
	}
}
