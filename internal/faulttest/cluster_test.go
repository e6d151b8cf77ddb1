package faulttest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the pgx database/sql driver

	"parkmate/internal/faultnet"
	"parkmate/internal/nodeproc"
	"parkmate/internal/testservices"
)

const (
	publishKey = "fault-test-publish-key"
	jwtSecret  = "fault-test-jwt-secret-0123456789abcdef"
	password   = "fault-test-pass"
	// bound is the contract's delivery bound: a committed notification
	// reaches every live socket of its user within it, and no node
	// honours an ended session for longer.
	bound = 10 * time.Second
	// requestTimeout is how long a test waits for one HTTP answer; longer
	// than any stall a broker outage caused before issue 7, so that such
	// a stall shows as a late answer, not as a lost request.
	requestTimeout = 60 * time.Second
)

// cluster is a set of nodes on one fresh PostgreSQL database and one
// Redis, each node reaching Redis through a proxy of its own.
type cluster struct {
	t       *testing.T
	bin     string
	dbURL   string
	db      *sql.DB // the test's own connection, to read what was committed
	redis   *url.URL
	channel string
	nodes   []*node
	started atomic.Int64
}

// node is one server process and the proxy between it and Redis.
type node struct {
	*nodeproc.Node
	proxy *faultnet.Proxy
	app   string // the application_name of its PostgreSQL connections
}

// newCluster starts n nodes, named A, B, C..., against the Redis at
// redisURL.
func newCluster(t *testing.T, redisURL string, n int) *cluster {
	t.Helper()
	bin := testservices.Binary(t)
	dbURL := testservices.Postgres(t)
	ru, err := url.Parse(redisURL)
	if err != nil || ru.Host == "" {
		t.Fatalf("redis URL %q: %v", redisURL, err)
	}
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c := &cluster{
		t: t, bin: bin, dbURL: dbURL, db: db, redis: ru,
		channel: fmt.Sprintf("parkmate:faulttest:%s:%d", t.Name(), time.Now().UnixNano()),
	}
	for i := range n {
		c.nodes = append(c.nodes, c.startNode(string(rune('A'+i))))
	}
	return c
}

// startNode starts a node with a new proxy to Redis. Its PostgreSQL
// connections carry an application_name of their own, so that the test
// can tell when every one of them is gone after a kill.
func (c *cluster) startNode(name string) *node {
	c.t.Helper()
	proxy, err := faultnet.Listen(c.redis.Host)
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { proxy.Close() })
	app := fmt.Sprintf("faulttest-%s-%d-%d", name, time.Now().UnixNano(), c.started.Add(1))
	db, err := url.Parse(c.dbURL)
	if err != nil {
		c.t.Fatal(err)
	}
	q := db.Query()
	q.Set("application_name", app)
	db.RawQuery = q.Encode()
	broker := *c.redis
	broker.Host = proxy.Addr()
	n := nodeproc.Start(c.t, nodeproc.Config{
		Bin:           c.bin,
		Name:          name,
		DB:            db.String(),
		Broker:        broker.String(),
		BrokerChannel: c.channel,
		JWTSecret:     jwtSecret,
		PublishKey:    publishKey,
	})
	return &node{Node: n, proxy: proxy, app: app}
}

// waitGone waits until a killed node has no PostgreSQL connection left:
// from then on, each of its transactions is committed or rolled back for
// good, and what the database holds is final.
func (c *cluster) waitGone(n *node) time.Time {
	c.t.Helper()
	deadline := time.Now().Add(bound)
	for {
		var left int
		err := c.db.QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE application_name = $1`, n.app).Scan(&left)
		if err != nil {
			c.t.Fatal(err)
		}
		if left == 0 {
			return time.Now()
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("node %s was killed but still has %d PostgreSQL connections after %v", n.Name, left, bound)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// committed returns the ids of u's stored notifications in (after, before),
// ascending; before 0 means no upper end.
func (c *cluster) committed(u *user, after, before int64) []int64 {
	c.t.Helper()
	if before == 0 {
		before = 1 << 62
	}
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	rows, err := c.db.QueryContext(ctx,
		`SELECT id FROM notifications WHERE user_id = ANY($1) AND id > $2 AND id < $3 ORDER BY id`,
		[]int64{u.id}, after, before)
	if err != nil {
		c.t.Fatal(err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			c.t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		c.t.Fatal(err)
	}
	return ids
}

// nodeNames lists the names of nodes, for messages.
func nodeNames(nodes []*node) string {
	var names []string
	for _, n := range nodes {
		names = append(names, n.Name)
	}
	return strings.Join(names, ",")
}

// checkAckedStored fails the test for every id a publish acknowledged that
// the database does not hold: a 202 must mean committed.
func (c *cluster) checkAckedStored(t *testing.T, b *burst) {
	t.Helper()
	acked := b.ackedIDs()
	rows, err := c.db.Query(`SELECT id FROM notifications WHERE id = ANY($1)`, acked)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	stored := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		stored[id] = true
	}
	var lost []int64
	for _, id := range acked {
		if !stored[id] {
			lost = append(lost, id)
		}
	}
	if len(lost) > 0 {
		t.Errorf("%d of %d acknowledged ids are not in the database: %s", len(lost), len(acked), short(lost))
	}
}
