package apiclient_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"parkmate/internal/apiclient"
)

func TestCallAndPublish(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			if r.Header.Get("Authorization") != "Bearer tok" || r.Header.Get("Content-Type") != "application/json" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			_, _ = w.Write([]byte(`{"n":7}`))
		case "/bad":
			_, _ = w.Write([]byte(`not json`))
		case "/api/publish/":
			if r.Header.Get("X-API-Key") != "key" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			w.WriteHeader(http.StatusAccepted)
			_, _ = w.Write([]byte(`{"ids":[5]}`))
		default:
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error":{}}`))
		}
	}))
	defer srv.Close()
	ctx, c := context.Background(), srv.Client()
	for _, tc := range []struct {
		path    string
		status  int
		n       int
		errText string
	}{
		{"/ok", 200, 7, ""},
		{"/missing", 404, 0, ""},
		{"/bad", 200, 0, "answer"},
	} {
		var out struct{ N int }
		status, err := apiclient.Call(ctx, c, srv.URL, "POST", tc.path, apiclient.Bearer("tok"), map[string]int{}, &out)
		if status != tc.status || out.N != tc.n || (tc.errText == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.errText)) {
			t.Errorf("%s: status %d, n %d, err %v", tc.path, status, out.N, err)
		}
	}
	if ids, status, err := apiclient.Publish(ctx, c, srv.URL, "key", []int64{1}, "m", "e"); err != nil || status != 202 || len(ids) != 1 || ids[0] != 5 {
		t.Fatalf("publish to one: %v %d %v", ids, status, err)
	}
	if _, _, err := apiclient.Publish(ctx, c, srv.URL, "key", []int64{1, 2}, "m", "e"); err == nil {
		t.Fatal("an answer with fewer ids than users was taken")
	}
	if _, status, _ := apiclient.Publish(ctx, c, srv.URL, "wrong", []int64{1}, "m", "e"); status != 401 {
		t.Fatalf("wrong key: %d", status)
	}
}
