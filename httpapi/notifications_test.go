package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"parkmate"
	"parkmate/httpapi"
	"parkmate/parking"
)

func TestInbox(t *testing.T) {
	a := newAPI(t, httpapi.Config{}, nil)
	res := must(a.parking.Publish(ctx, parking.PublishRequest{UserIDs: []int64{a.users["dana"].ID, a.users["pat"].ID},
		Groups: []string{"role:driver"}, Type: parkmate.LevelInfo, Message: "hello", Event: "test.hello", Data: []byte(`{"k":1}`)}))(t)
	danas, pats := res.IDs[0], res.IDs[1]
	read := func(id int64) string { return fmt.Sprintf("/api/notifications/%d/read/", id) }
	a.run([]call{
		{"the inbox", "dana", "GET", "/api/notifications/", nil, 200, "", listKeys, nil},
		{"the inbox since an id", "dana", "GET", fmt.Sprintf("/api/notifications/?since=%d", danas), nil, 200, "", listKeys, nil},
		{"the inbox since words", "dana", "GET", "/api/notifications/?since=last", nil, 400, "invalid_request", nil, nil},
		{"the unread count", "dana", "GET", "/api/notifications/unread-count/", nil, 200, "", []string{"count"}, nil},
		{"read one", "dana", "POST", read(danas), nil, 200, "", inboxKeys, nil},
		{"read another's", "dana", "POST", read(pats), nil, 404, "not_found", nil, nil},
		{"read all", "dana", "POST", "/api/notifications/read-all/", nil, 200, "", []string{"updated", "up_to"}, nil},
		{"read all, anonymously", "", "POST", "/api/notifications/read-all/", nil, 401, "unauthenticated", nil, nil},
	})
	var page struct{ Items []parkmate.InboxItem }
	a.get("dana", "/api/notifications/?since=0", &page)
	if len(page.Items) != 2 || page.Items[0].ID != danas || !page.Items[0].Read || page.Items[1].Message != "hello" {
		t.Fatalf("inbox since 0: %+v", page.Items)
	}
	var count struct{ Count int }
	a.get("pat", "/api/notifications/unread-count/", &count)
	if count.Count != 2 {
		t.Fatalf("pat's unread: %d", count.Count)
	}
}

func TestPublish(t *testing.T) {
	a := newAPI(t, httpapi.Config{PublishKey: "service-key", MaxPublishBody: 4096}, nil)
	key := map[string]string{"X-API-Key": "service-key"}
	withKey := func(idem string) map[string]string {
		return map[string]string{"X-API-Key": "service-key", "Idempotency-Key": idem}
	}
	msg := func(text string) map[string]any {
		return map[string]any{"user_ids": []int64{a.users["dana"].ID}, "type": "info", "message": text}
	}
	a.run([]call{
		{"publish", "", "POST", "/api/publish/", msg("hi"), 202, "", []string{"ids"}, key},
		{"publish to a group", "", "POST", "/api/publish/", map[string]any{"groups": []string{"all"}, "type": "warning", "message": "hi"}, 202, "", []string{"ids"}, key},
		{"publish without the key", "", "POST", "/api/publish/", msg("hi"), 401, "unauthenticated", nil, nil},
		{"publish with a wrong key", "", "POST", "/api/publish/", msg("hi"), 401, "unauthenticated", nil, map[string]string{"X-API-Key": "guess"}},
		{"publish to nobody", "", "POST", "/api/publish/", map[string]any{"type": "info", "message": "hi"}, 422, "validation_failed", nil, key},
		{"publish to an unknown group", "", "POST", "/api/publish/", map[string]any{"groups": []string{"lot:999:staff"}, "type": "info", "message": "hi"}, 422, "unknown_group", nil, key},
		{"publish to an unknown user", "", "POST", "/api/publish/", map[string]any{"user_ids": []int64{999}, "type": "info", "message": "hi"}, 422, "unknown_user", nil, key},
		{"publish more than its limit", "", "POST", "/api/publish/", msg(strings.Repeat("x", 5000)), 413, "body_too_large", nil, key},
		{"publish once", "", "POST", "/api/publish/", msg("once"), 202, "", []string{"ids"}, withKey("k-1")},
		{"publish once, again", "", "POST", "/api/publish/", msg("once"), 202, "", []string{"ids"}, withKey(`"k-1"`)},
		{"reuse a key", "", "POST", "/api/publish/", msg("twice"), 422, "idempotency_key_reused", nil, withKey("k-1")},
		{"an empty key", "", "POST", "/api/publish/", msg("x"), 400, "invalid_idempotency_key", nil, withKey(`""`)},
		{"a key badly quoted", "", "POST", "/api/publish/", msg("x"), 400, "invalid_idempotency_key", nil, withKey(`"k-1`)},
		{"a key with a bad escape", "", "POST", "/api/publish/", msg("x"), 400, "invalid_idempotency_key", nil, withKey(`"k\n"`)},
		{"a key with a quote inside", "", "POST", "/api/publish/", msg("x"), 400, "invalid_idempotency_key", nil, withKey(`"a"b"`)},
		{"a key too long", "", "POST", "/api/publish/", msg("x"), 400, "invalid_idempotency_key", nil, withKey(strings.Repeat("k", 256))},
		{"a key with a tab", "", "POST", "/api/publish/", msg("x"), 400, "invalid_idempotency_key", nil, withKey("k\t1")},
	})
	first := a.send(call{method: "POST", path: "/api/publish/", body: msg("same"), header: withKey(`"k\"2"`)})
	again := a.send(call{method: "POST", path: "/api/publish/", body: msg("same"), header: withKey(`"k\"2"`)})
	if first.Header().Get("Idempotent-Replayed") != "" || again.Header().Get("Idempotent-Replayed") != "true" ||
		first.Body.String() != again.Body.String() {
		t.Fatalf("replay: %s %s / %s %s", first.Header(), first.Body, again.Header(), again.Body)
	}
	var ids struct{ IDs []int64 }
	if json.Unmarshal(first.Body.Bytes(), &ids); len(ids.IDs) != 1 {
		t.Fatalf("publish: %s", first.Body)
	}
	// A key given twice is refused.
	req := httptest.NewRequest("POST", "/api/publish/", strings.NewReader(`{"groups":["all"],"type":"info","message":"x"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-API-Key", "service-key")
	req.Header.Add("Idempotency-Key", "a")
	req.Header.Add("Idempotency-Key", "b")
	rec := httptest.NewRecorder()
	a.h.ServeHTTP(rec, req)
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), "invalid_idempotency_key") {
		t.Fatalf("a key given twice: %d %s", rec.Code, rec.Body)
	}
}

func TestPublishIsOffWithoutAKey(t *testing.T) {
	a := newAPI(t, httpapi.Config{}, nil)
	a.run([]call{
		{"publish", "", "POST", "/api/publish/", map[string]any{"groups": []string{"all"}, "type": "info", "message": "hi"}, 404, "not_found", nil,
			map[string]string{"X-API-Key": ""}},
	})
}
