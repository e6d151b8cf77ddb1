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
	// ended are sessions forgotten because they ended, with when: a
	// check that read a session before it was revoked and puts it after
	// must not bring it back (an ended session never comes back).
	ended   map[string]time.Time
	pruneAt int
}

// endedMemory is how long the cache remembers an ended session; far
// longer than any one check of a session takes.
const endedMemory = time.Minute

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
	if _, gone := c.ended[id]; gone {
		return
	}
	if c.m == nil || len(c.m) >= sessionCacheSize {
		c.m = make(map[string]cachedSession) // crude but bounded
	}
	c.m[id] = e
}

// forget drops a session that ended, and keeps it out for endedMemory.
func (c *sessionCache) forget(id string) {
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, id)
	if c.ended == nil {
		c.ended = make(map[string]time.Time)
	}
	if len(c.ended) >= max(c.pruneAt, 1024) { // amortized: the bar doubles
		for k, at := range c.ended {
			if now.Sub(at) > endedMemory {
				delete(c.ended, k)
			}
		}
		if len(c.ended) >= sessionCacheSize {
			c.ended = make(map[string]time.Time) // crude but bounded
		}
		c.pruneAt = 2 * len(c.ended)
	}
	c.ended[id] = now
}

func (c *sessionCache) clear() {
	c.mu.Lock()
	c.m = nil
	c.mu.Unlock()
}
