package chaos

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the pgx database/sql driver

	"parkmate/internal/faultnet"
	"parkmate/internal/nodeproc"
)

// Secrets every node of a run shares.
const (
	publishKey = "chaos-publish-key"
	jwtSecret  = "chaos-jwt-secret-0123456789abcdef0123"
	password   = "chaos-pass"
)

// env is what the scenarios of one run share: the database, its users and
// where the nodes log.
type env struct {
	cfg    Config
	run    string  // names this run's channels and nodes
	dbURL  string  // the fresh database
	db     *sql.DB // the tool's own connection, to read what was committed
	logDir string
	users  []*user
}

// logf reports progress.
func (e *env) logf(format string, args ...any) {
	fmt.Fprintf(e.cfg.Log, "%s chaos: "+format+"\n", append([]any{time.Now().Format("15:04:05.000")}, args...)...)
}

// cluster is Nodes nodes on the run's database and one Redis, each node
// reaching Redis through a proxy of its own.
type cluster struct {
	e       *env
	name    string   // the scenario's
	redis   *url.URL // the Redis the proxies forward to
	channel string
	nodes   []*node
	all     []*node // every node started, to kill at the end
	started int
}

// node is one server process, the proxy between it and Redis, and the
// application_name of its PostgreSQL connections.
type node struct {
	*nodeproc.Node
	proxy *faultnet.Proxy
	app   string
}

// startCluster starts nodes A, B and C for scenario name against the
// Redis at redisURL.
func (e *env) startCluster(name, redisURL string) (*cluster, error) {
	ru, err := url.Parse(redisURL)
	if err != nil || ru.Host == "" {
		return nil, fmt.Errorf("redis URL %q: %v", redisURL, err)
	}
	c := &cluster{e: e, name: name, redis: ru, channel: fmt.Sprintf("parkmate:chaos:%s:%s", e.run, name)}
	for i := range Nodes {
		n, err := c.startNode(string(rune('A' + i)))
		if err != nil {
			c.close()
			return nil, err
		}
		c.nodes = append(c.nodes, n)
	}
	return c, nil
}

// startNode starts a node named scenario-name with a new proxy to Redis.
func (c *cluster) startNode(name string) (*node, error) {
	proxy, err := faultnet.Listen(c.redis.Host)
	if err != nil {
		return nil, err
	}
	c.started++
	full := fmt.Sprintf("%s-%s", c.name, name)
	app := fmt.Sprintf("chaos-%s-%s-%d", c.e.run, full, c.started)
	db, _ := url.Parse(c.e.dbURL)
	q := db.Query()
	q.Set("application_name", app)
	db.RawQuery = q.Encode()
	broker := *c.redis
	broker.Host = proxy.Addr()
	n, err := nodeproc.Launch(nodeproc.Config{
		Bin:           c.e.cfg.Bin,
		Name:          full,
		DB:            db.String(),
		Broker:        broker.String(),
		BrokerChannel: c.channel,
		JWTSecret:     jwtSecret,
		PublishKey:    publishKey,
	}, c.e.logDir)
	if err != nil {
		proxy.Close()
		return nil, fmt.Errorf("node %s: %w (log in %s)", full, err, c.e.logDir)
	}
	nd := &node{Node: n, proxy: proxy, app: app}
	c.all = append(c.all, nd)
	return nd, nil
}

// close kills every node and closes every proxy.
func (c *cluster) close() {
	for _, n := range c.all {
		n.Kill()
		n.proxy.Close()
	}
}

// waitGone waits until a killed node has no PostgreSQL connection left:
// from then on each of its transactions has committed or rolled back for
// good, and what the database holds is final.
func (e *env) waitGone(ctx context.Context, n *node) (time.Time, error) {
	deadline := time.Now().Add(Bound)
	for {
		var left int
		err := e.db.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity WHERE application_name = $1`, n.app).Scan(&left)
		if err != nil {
			return time.Time{}, err
		}
		if left == 0 {
			return time.Now(), nil
		}
		if time.Now().After(deadline) {
			return time.Time{}, fmt.Errorf("node %s was killed but still has %d PostgreSQL connections after %v", n.Name, left, Bound)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// committed returns the ids of the users' stored notifications with
// after < id < before, ascending, by user.
func (e *env) committed(ctx context.Context, users []int64, after, before int64) (map[int64][]int64, error) {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	rows, err := e.db.QueryContext(ctx,
		`SELECT user_id, id FROM notifications WHERE user_id = ANY($1) AND id > $2 AND id < $3 ORDER BY id`,
		users, after, before)
	if err != nil {
		return nil, fmt.Errorf("read committed notifications: %w", err)
	}
	defer rows.Close()
	out := map[int64][]int64{}
	for rows.Next() {
		var u, id int64
		if err := rows.Scan(&u, &id); err != nil {
			return nil, err
		}
		out[u] = append(out[u], id)
	}
	return out, rows.Err()
}
