package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"parkmate"
)

// publishReply is one answer of POST /api/publish/ as a client sees it.
type publishReply struct {
	status   int
	raw      []byte
	replayed bool
	ids      []int64
	code     string
}

// postPublish sends body to srv's publish API with one Idempotency-Key
// header line per key (none: no header). It does not fail the test, so
// goroutines may call it.
func postPublish(srv *testServer, body string, keys ...string) (publishReply, error) {
	req, err := http.NewRequest("POST", srv.base+"/api/publish/", strings.NewReader(body))
	if err != nil {
		return publishReply{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-API-Key", "test-publish-key")
	for _, k := range keys {
		req.Header.Add("Idempotency-Key", k)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return publishReply{}, err
	}
	defer resp.Body.Close()
	r := publishReply{status: resp.StatusCode, replayed: resp.Header.Get("Idempotent-Replayed") == "true"}
	if r.raw, err = io.ReadAll(resp.Body); err != nil {
		return r, err
	}
	var out struct {
		IDs   []int64 `json:"ids"`
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	if err := json.Unmarshal(r.raw, &out); err != nil {
		return r, fmt.Errorf("decode %q: %w", r.raw, err)
	}
	r.ids, r.code = out.IDs, out.Error.Code
	return r, nil
}

// mustPublish is postPublish that fails the test unless the status is want.
func mustPublish(t *testing.T, srv *testServer, want int, body string, keys ...string) publishReply {
	t.Helper()
	r, err := postPublish(srv, body, keys...)
	if err != nil {
		t.Fatalf("publish %s: %v", body, err)
	}
	if r.status != want {
		t.Fatalf("publish %s with keys %q: status %d, want %d: %s", body, keys, r.status, want, r.raw)
	}
	return r
}

// publishBody is a publish request to one user.
func publishBody(userID int64, message string) string {
	return fmt.Sprintf(`{"user_ids":[%d],"type":"info","message":%q,"event":"test.idem"}`, userID, message)
}

// expectMarker publishes a marker without a key and checks that it is the
// next frame w receives: nothing published before it was sent twice.
func expectMarker(t *testing.T, srv *testServer, w *wsClient, userID int64) {
	t.Helper()
	marker := mustPublish(t, srv, 202, publishBody(userID, "marker"))
	if f := w.next(); f.ID != marker.ids[0] || f.Message != "marker" {
		t.Fatalf("frame %+v, want the marker %d: a notification was delivered twice", f, marker.ids[0])
	}
}

// inboxCount is how many notifications of c's inbox carry message.
func inboxCount(c *client, message string) int {
	c.t.Helper()
	var inbox struct{ Items []parkmate.InboxItem }
	c.mustDo("GET", "/api/notifications/?limit=200", nil, 200, &inbox)
	n := 0
	for _, it := range inbox.Items {
		if it.Message == message {
			n++
		}
	}
	return n
}

func TestIdempotencyKeyReplaysTheFirstAnswer(t *testing.T) {
	srv := startServer(t, testConfig(t), nil)
	testIdempotencyKeyReplays(t, srv, srv)
}

// The retry reaches another node of the cluster (PostgreSQL and Redis).
func TestIdempotencyKeyReplaysTheFirstAnswerAcrossNodes(t *testing.T) {
	nodes := startCluster(t, 2)
	testIdempotencyKeyReplays(t, nodes[0], nodes[1])
}

// testIdempotencyKeyReplays publishes through a and repeats through b.
func testIdempotencyKeyReplays(t *testing.T, a, b *testServer) {
	u := a.user("dana", parkmate.RoleDriver)
	w := u.on(b).mustDialWS("")
	body := fmt.Sprintf(`{"user_ids":[%d],"type":"info","message":"once","event":"test.idem","data":{"a":1,"b":[1,2]}}`, u.ID)
	first := mustPublish(t, a, 202, body, "key-1")
	if len(first.ids) != 1 || first.replayed {
		t.Fatalf("first answer %s, replayed %v", first.raw, first.replayed)
	}
	if f := w.expect("test.idem", "info"); f.ID != first.ids[0] {
		t.Fatalf("frame %d, want %d", f.ID, first.ids[0])
	}

	// The same request, spaced and ordered differently, with the key in the
	// draft's quoted form: the first answer, byte for byte, and no frame.
	same := fmt.Sprintf(`{ "data": {"b": [1, 2], "a": 1}, "event": "test.idem", "message": "once", "type": "info", "user_ids": [%d] }`, u.ID)
	for _, key := range []string{"key-1", `"key-1"`} {
		again := mustPublish(t, b, 202, same, key)
		if !bytes.Equal(again.raw, first.raw) || !again.replayed {
			t.Fatalf("repeat with %s: %s (replayed %v), want %s", key, again.raw, again.replayed, first.raw)
		}
	}
	expectMarker(t, a, w, u.ID)
	if n := inboxCount(u.on(b), "once"); n != 1 {
		t.Fatalf("inbox holds %d copies, want 1", n)
	}

	// Without the header nothing changes: each call stores anew.
	plain := publishBody(u.ID, "plain")
	p1, p2 := mustPublish(t, a, 202, plain), mustPublish(t, b, 202, plain)
	if p1.ids[0] == p2.ids[0] || p1.replayed || p2.replayed {
		t.Fatalf("two calls without a key: %s and %s", p1.raw, p2.raw)
	}
	w.next()
	w.next()
	if n := inboxCount(u, "plain"); n != 2 {
		t.Fatalf("inbox holds %d plain notifications, want 2", n)
	}
}

func TestIdempotencyKeyReusedOrMalformed(t *testing.T) {
	srv := startServer(t, testConfig(t), nil)
	u := srv.user("dana", parkmate.RoleDriver)
	w := u.mustDialWS("")
	first := mustPublish(t, srv, 202, publishBody(u.ID, "first"), "key-1")
	w.expect("test.idem", "info")

	// Another request with the key: 422, and nothing stored or sent.
	for _, body := range []string{
		publishBody(u.ID, "second"),
		fmt.Sprintf(`{"user_ids":[%d],"type":"warning","message":"first","event":"test.idem"}`, u.ID),
		fmt.Sprintf(`{"user_ids":[%d],"type":"info","message":"first","event":"test.idem","data":{"x":1}}`, u.ID),
	} {
		if r := mustPublish(t, srv, 422, body, "key-1"); r.code != "idempotency_key_reused" {
			t.Fatalf("reused key: %s", r.raw)
		}
	}
	// It still answers the first request.
	if r := mustPublish(t, srv, 202, publishBody(u.ID, "first"), "key-1"); !bytes.Equal(r.raw, first.raw) {
		t.Fatalf("repeat after a refused reuse: %s, want %s", r.raw, first.raw)
	}

	// Malformed keys: 400 before the body is read, nothing stored.
	for _, keys := range [][]string{
		{""},
		{`""`},
		{strings.Repeat("k", 256)},
		{`"` + strings.Repeat("k", 256) + `"`},
		{`"unterminated`},
		{`"in"side"`},
		{`"bad\escape"`},
		{"k\tk"},
		{"käse"},
		{"key-a", "key-b"},
	} {
		if r := mustPublish(t, srv, 400, publishBody(u.ID, "bad key"), keys...); r.code != "invalid_idempotency_key" {
			t.Fatalf("key %q: %s", keys, r.raw)
		}
	}
	if r := mustPublish(t, srv, 400, "not json at all", ""); r.code != "invalid_idempotency_key" {
		t.Fatalf("the key is checked before the body: %s", r.raw)
	}
	// 255 characters are fine, and an escaped quote is part of the key.
	long := mustPublish(t, srv, 202, publishBody(u.ID, "long key"), strings.Repeat("k", 255))
	if r := mustPublish(t, srv, 202, publishBody(u.ID, "long key"), `"`+strings.Repeat("k", 255)+`"`); !bytes.Equal(r.raw, long.raw) {
		t.Fatalf("quoted long key: %s, want %s", r.raw, long.raw)
	}
	esc := mustPublish(t, srv, 202, publishBody(u.ID, "escaped"), `"a\"b"`)
	if r := mustPublish(t, srv, 202, publishBody(u.ID, "escaped"), `a"b`); !bytes.Equal(r.raw, esc.raw) {
		t.Fatalf(`"a\"b" and a"b are one key: %s, want %s`, r.raw, esc.raw)
	}
	w.expect("test.idem", "info")
	w.expect("test.idem", "info")

	// A refused request does not use its key up.
	unknown := `{"user_ids":[424242],"type":"info","message":"fixed","event":"test.idem"}`
	if r := mustPublish(t, srv, 422, unknown, "key-2"); r.code != "unknown_user" {
		t.Fatalf("unknown user: %s", r.raw)
	}
	mustPublish(t, srv, 202, publishBody(u.ID, "fixed"), "key-2")
	w.expect("test.idem", "info")

	expectMarker(t, srv, w, u.ID)
	for msg, want := range map[string]int{"first": 1, "second": 0, "bad key": 0, "long key": 1, "escaped": 1, "fixed": 1} {
		if n := inboxCount(u, msg); n != want {
			t.Fatalf("inbox holds %d of %q, want %d", n, msg, want)
		}
	}
}

func TestConcurrentIdempotentPublishesStoreOnce(t *testing.T) {
	srv := startServer(t, testConfig(t), nil)
	testConcurrentIdempotentPublishes(t, srv, srv)
}

// Duplicates spread over two nodes of one PostgreSQL database.
func TestConcurrentIdempotentPublishesStoreOnceAcrossNodes(t *testing.T) {
	nodes := startCluster(t, 2)
	testConcurrentIdempotentPublishes(t, nodes[0], nodes[1])
}

// testConcurrentIdempotentPublishes sends identical requests with one key
// at once, half through a and half through b, in several rounds.
func testConcurrentIdempotentPublishes(t *testing.T, a, b *testServer) {
	const rounds, callers = 5, 16
	users := []*client{a.user("dana", parkmate.RoleDriver), a.user("erin", parkmate.RoleDriver)}
	sockets := []*wsClient{users[0].mustDialWS(""), users[1].on(b).mustDialWS("")}
	ids := []int64{users[0].ID, users[1].ID}
	for round := range rounds {
		msg := fmt.Sprintf("round %d", round)
		body := fmt.Sprintf(`{"user_ids":[%d,%d],"type":"info","message":%q,"event":"test.idem"}`, ids[0], ids[1], msg)
		key := fmt.Sprintf("concurrent-%d", round)
		replies := make([]publishReply, callers)
		errs := make([]error, callers)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range callers {
			srv := a
			if i%2 == 1 {
				srv = b
			}
			wg.Go(func() {
				<-start
				replies[i], errs[i] = postPublish(srv, body, key)
			})
		}
		close(start)
		wg.Wait()
		fresh := 0
		for i, r := range replies {
			if errs[i] != nil || r.status != 202 || len(r.ids) != 2 {
				t.Fatalf("round %d caller %d: %v %d %s", round, i, errs[i], r.status, r.raw)
			}
			if !bytes.Equal(r.raw, replies[0].raw) {
				t.Fatalf("round %d: answers differ: %s and %s", round, r.raw, replies[0].raw)
			}
			if !r.replayed {
				fresh++
			}
		}
		if fresh != 1 {
			t.Fatalf("round %d: %d callers stored notifications, want 1", round, fresh)
		}
		for j, w := range sockets {
			if f := w.expect("test.idem", "info"); f.ID != replies[0].ids[j] || f.Message != msg {
				t.Fatalf("round %d: frame %+v, want id %d", round, f, replies[0].ids[j])
			}
		}
	}
	for j, u := range users {
		expectMarker(t, a, sockets[j], u.ID)
		for round := range rounds {
			if n := inboxCount(u, fmt.Sprintf("round %d", round)); n != 1 {
				t.Fatalf("%s holds %d copies of round %d, want 1", u.Username, n, round)
			}
		}
	}
}

func TestIdempotencyKeyExpiresAfter24Hours(t *testing.T) {
	cfg := testConfig(t)
	cfg.SessionTTL = 100 * time.Hour // the socket outlives the keys
	srv := startServer(t, cfg, nil)
	u := srv.user("dana", parkmate.RoleDriver)
	w := u.mustDialWS("")
	first := mustPublish(t, srv, 202, publishBody(u.ID, "day one"), "daily")
	w.expect("test.idem", "info")

	srv.clock.Advance(24*time.Hour - time.Millisecond)
	if r := mustPublish(t, srv, 202, publishBody(u.ID, "day one"), "daily"); !r.replayed || !bytes.Equal(r.raw, first.raw) {
		t.Fatalf("a moment before 24 h: %s, want the replay %s", r.raw, first.raw)
	}
	mustPublish(t, srv, 422, publishBody(u.ID, "day two"), "daily")
	expectMarker(t, srv, w, u.ID)

	// At 24 h the key is free again, for any request.
	srv.clock.Advance(time.Millisecond)
	second := mustPublish(t, srv, 202, publishBody(u.ID, "day two"), "daily")
	if second.replayed {
		t.Fatalf("after 24 h: %s was replayed", second.raw)
	}
	if f := w.expect("test.idem", "info"); f.ID != second.ids[0] || f.Message != "day two" {
		t.Fatalf("frame %+v, want %d", f, second.ids[0])
	}
	if r := mustPublish(t, srv, 202, publishBody(u.ID, "day two"), "daily"); !bytes.Equal(r.raw, second.raw) {
		t.Fatalf("repeat on day two: %s, want %s", r.raw, second.raw)
	}
	mustPublish(t, srv, 202, publishBody(u.ID, "other"), "other")
	w.expect("test.idem", "info")

	// Purging removes keys once they are 24 h old, not before.
	ctx := context.Background()
	if n, err := srv.app.parking.PurgeIdempotencyKeys(ctx); err != nil || n != 0 {
		t.Fatalf("purge of fresh keys: %d %v", n, err)
	}
	srv.clock.Advance(24 * time.Hour)
	if n, err := srv.app.parking.PurgeIdempotencyKeys(ctx); err != nil || n != 2 {
		t.Fatalf("purge: %d %v, want 2", n, err)
	}
	third := mustPublish(t, srv, 202, publishBody(u.ID, "day two"), "daily")
	if third.replayed || third.ids[0] == second.ids[0] {
		t.Fatalf("after the purge: %s", third.raw)
	}
	w.expect("test.idem", "info")
	expectMarker(t, srv, w, u.ID)
	if n := inboxCount(u, "day two"); n != 2 {
		t.Fatalf("inbox holds %d of day two, want 2", n)
	}
}
