package auth

import (
	"testing"
	"time"

	"parkmate"
)

// TestCacheKeepsEndedSessionsOut: a check that read a session before it
// was revoked, and puts it after the revocation was forgotten, does not
// bring it back for the cache's ten seconds.
func TestCacheKeepsEndedSessionsOut(t *testing.T) {
	var c sessionCache
	now := time.Now()
	e := cachedSession{user: parkmate.User{ID: 1}, session: parkmate.Session{ID: "s", ExpiresAt: now.Add(time.Hour)}}
	c.put("s", e, now)
	if _, ok := c.get("s", now); !ok {
		t.Fatal("not cached")
	}
	c.forget("s")
	c.put("s", e, now) // the late put of a check that raced the revocation
	if _, ok := c.get("s", now); ok {
		t.Fatal("an ended session came back")
	}
	for i := range 5000 { // many revocations stay bounded and fast
		c.forget(string(rune('a'+i%26)) + time.Duration(i).String())
	}
	c.put("t", e, now)
	if _, ok := c.get("t", now); !ok {
		t.Fatal("another session is not cached")
	}
}
