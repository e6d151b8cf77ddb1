package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCacheSize bounds the statements kept prepared per pool. The
// project's statements are a few dozen texts, plus one per row count of
// the multi-row INSERT of notifications that differ (up to insertChunk;
// one message to many users and id lists are one text each, see idIn);
// past the bound, a statement is prepared on each use, as without the
// cache.
const stmtCacheSize = 256

// stmtCache holds statements prepared once on a pool. A statement met for
// the first time inside a transaction runs unprepared and is only noted:
// preparing it on the pool then could wait for the very connection the
// transaction holds (SQLite's write pool has one). The next transaction
// prepares what was noted before it begins (prepareNoted), and from then
// on database/sql runs the statement prepared on each connection of the
// pool, preparing it on a connection the first time that connection runs
// it, inside the transaction that holds it.
type stmtCache struct {
	mu    sync.Mutex
	m     map[string]*sql.Stmt
	noted map[string]bool
}

// get returns query's statement, or nil if it is not prepared yet (it is
// noted then, unless the cache is full).
func (c *stmtCache) get(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[query]; ok {
		return st
	}
	if len(c.m)+len(c.noted) < stmtCacheSize {
		if c.noted == nil {
			c.noted = make(map[string]bool)
		}
		c.noted[query] = true
	}
	return nil
}

// prepareNoted prepares the noted statements on pool. Call it while the
// caller holds none of pool's connections. A statement that fails to
// prepare is dropped: running it reports why.
func (c *stmtCache) prepareNoted(ctx context.Context, pool *sql.DB) {
	c.mu.Lock()
	noted := c.noted
	c.noted = nil
	c.mu.Unlock()
	for query := range noted {
		st, err := pool.PrepareContext(ctx, query)
		if err != nil {
			continue
		}
		c.mu.Lock()
		if c.m == nil {
			c.m = make(map[string]*sql.Stmt)
		}
		if old, ok := c.m[query]; ok {
			_ = old.Close()
		}
		c.m[query] = st
		c.mu.Unlock()
	}
}

// pending reports whether statements wait to be prepared.
func (c *stmtCache) pending() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.noted) > 0
}

// close closes the statements; the cache stays usable.
func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, st := range c.m {
		_ = st.Close()
		delete(c.m, q)
	}
}
