package bench

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

// TestPublishersKeepAndRenewConnections publishes through the publishers
// to a real HTTP server: calls share one kept connection; an error answer
// is an *apiError with its code; a connection the server closed while it
// was kept, or closed with its answer, is replaced.
func TestPublishersKeepAndRenewConnections(t *testing.T) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in publishReq
		if r.Method != http.MethodPost || r.URL.Path != "/api/publish/" || r.Header.Get("X-Api-Key") != "k" ||
			r.Header.Get("Content-Type") != "application/json" || json.NewDecoder(r.Body).Decode(&in) != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		switch in.Message {
		case "refuse":
			w.WriteHeader(http.StatusUnprocessableEntity)
			_, _ = w.Write([]byte(`{"error":{"code":"unknown_user","message":"User 9 does not exist."}}`))
			return
		case "close":
			w.Header().Set("Connection", "close")
		}
		ids := make([]int64, len(in.UserIDs))
		for i, id := range in.UserIDs {
			ids[i] = id * 10
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"ids": ids})
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	a := &api{base: srv.URL, hc: srv.Client(), publishKey: "k", pubs: newPublishers(srv.URL)}
	defer a.pubs.close()
	ctx := context.Background()

	steps := []struct {
		name      string
		msg       string
		before    func()
		wantConns int64
		wantCode  string
	}{
		{"first call dials", "hello", nil, 1, ""},
		{"second call keeps the connection", "hello", nil, 1, ""},
		{"an error answer", "refuse", nil, 1, "unknown_user"},
		{"the server closed the kept connection", "hello", srv.CloseClientConnections, 2, ""},
		{"an answer that closes", "close", nil, 2, ""},
		{"after it, a new connection", "hello", nil, 3, ""},
	}
	for _, st := range steps {
		if st.before != nil {
			st.before()
		}
		ids, err := a.publish(ctx, &publishReq{UserIDs: []int64{1, 2}, Type: "info", Message: st.msg})
		if st.wantCode != "" {
			if !isCode(err, http.StatusUnprocessableEntity, st.wantCode) {
				t.Fatalf("%s: err %v, want %s", st.name, err, st.wantCode)
			}
		} else if err != nil || len(ids) != 2 || ids[0] != 10 || ids[1] != 20 {
			t.Fatalf("%s: ids %v, err %v", st.name, ids, err)
		}
		if got := conns.Load(); got != st.wantConns {
			t.Fatalf("%s: %d connections, want %d", st.name, got, st.wantConns)
		}
	}
}

// TestPublishersEndACancelledCall cancels a call whose answer never comes:
// it ends with the context's error, and the connection is not kept.
func TestPublishersEndACancelledCall(t *testing.T) {
	release := make(chan struct{})
	arrived := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-release
	}))
	defer srv.Close()
	defer close(release)
	a := &api{base: srv.URL, hc: srv.Client(), publishKey: "k", pubs: newPublishers(srv.URL)}
	defer a.pubs.close()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-arrived
		cancel()
	}()
	_, err := a.publish(ctx, &publishReq{UserIDs: []int64{1}, Type: "info", Message: "m"})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	if n := len(a.pubs.free); n != 0 {
		t.Fatalf("%d connections kept after a cancelled call", n)
	}
}
