package auth

import (
	"sync"
	"time"

	"parkmate"
)

// Limits of the session cache: a checked session is trusted for
// sessionCacheTTL without asking the database again, unless a
// session-ended message or the revocation check evicts it first. The TTL
// bounds how long a node honours an ended session if both fail.
const (
	sessionCacheTTL  = 10 * time.Second
	sessionCacheSize = 200_000
)

type cachedSession struct {
	user    parkmate.User
	session parkmate.Session
	until   time.Time
}

// sessionCache remembers sessions the database confirmed recently, so that
// a request or a socket handshake need not read two rows each time.
type sessionCache struct {
	mu sync.Mutex
	m  map[string]cachedSession
}

func (c *sessionCache) get(id string, now time.Time) (cachedSession, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[id]
	if !ok || !now.Before(e.until) || !now.Before(e.session.ExpiresAt) {
		return e, false
	}
	return e, true
}

func (c *sessionCache) put(id string, e cachedSession, now time.Time) {
	e.until = now.Add(sessionCacheTTL)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= sessionCacheSize {
		c.m = make(map[string]cachedSession) // crude but bounded
	}
	c.m[id] = e
}

func (c *sessionCache) forget(id string) {
	c.mu.Lock()
	delete(c.m, id)
	c.mu.Unlock()
}

func (c *sessionCache) clear() {
	c.mu.Lock()
	c.m = nil
	c.mu.Unlock()
}
