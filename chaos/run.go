package chaos

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"time"

	"parkmate/internal/testservices"
)

// Run runs the configured scenarios one after another, each on a cluster
// of its own over one fresh database, and returns their results. The
// error is not nil when the tool itself could not run (bad configuration,
// no database); a scenario that could not finish has its Error set.
func Run(ctx context.Context, cfg Config) ([]*Result, error) {
	if err := cfg.normalize(); err != nil {
		return nil, err
	}
	e, cleanup, err := setup(ctx, cfg)
	if err != nil {
		return nil, err
	}
	var results []*Result
	pass := true
	for _, name := range cfg.Scenarios {
		res := e.runScenario(ctx, name)
		results = append(results, res)
		pass = pass && res.Pass
		if ctx.Err() != nil {
			break
		}
	}
	kept := cleanup(pass)
	for _, res := range results {
		if !res.Pass {
			res.LogDir = kept
		}
	}
	return results, nil
}

// runScenario runs one scenario and judges it.
func (e *env) runScenario(ctx context.Context, name string) *Result {
	res := &Result{Scenario: name}
	start := time.Now()
	e.logf("%s: starting", name)
	run := map[string]func(context.Context, *Result) error{
		ScenarioCut:    e.runCut,
		ScenarioKill:   e.runKill,
		ScenarioRedis:  e.runRedis,
		ScenarioLogout: e.runLogout,
	}[name]
	if err := run(ctx, res); err != nil {
		res.Error = err.Error()
	}
	res.Elapsed = Millis(time.Since(start))
	res.judge()
	e.logf("%s: done in %v, pass %v", name, res.Elapsed, res.Pass)
	return res
}

// setup creates the fresh database and the log directory. cleanup drops
// the database and removes a temporary log directory if all passed; it
// returns the log directory if it is kept.
func setup(ctx context.Context, cfg Config) (*env, func(pass bool) string, error) {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	e := &env{cfg: cfg, run: hex.EncodeToString(b), logDir: cfg.LogDir}
	temp := e.logDir == ""
	if temp {
		dir, err := os.MkdirTemp("", "parkmate-chaos-")
		if err != nil {
			return nil, nil, err
		}
		e.logDir = dir
	} else if err := os.MkdirAll(e.logDir, 0o755); err != nil {
		return nil, nil, err
	}
	dbURL, drop, err := testservices.CreateDatabase(ctx, cfg.Postgres, "parkmate_chaos_")
	if err != nil {
		return nil, nil, err
	}
	e.dbURL = dbURL
	if e.db, err = openDB(ctx, dbURL); err != nil {
		_ = drop()
		return nil, nil, err
	}
	e.logf("run %s: database %s, node logs in %s", e.run, e.dbURL, e.logDir)
	cleanup := func(pass bool) string {
		e.db.Close()
		if err := drop(); err != nil {
			e.logf("drop the database: %v", err)
		}
		if temp && pass {
			os.RemoveAll(e.logDir)
			return ""
		}
		return e.logDir
	}
	return e, cleanup, nil
}

// openDB opens the tool's own connections to the database, before any
// node runs: three nodes' pools (32 connections each) can take every
// connection a default PostgreSQL allows (100), and the tool must still
// read what was committed.
func openDB(ctx context.Context, dbURL string) (*sql.DB, error) {
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(2)
	db.SetMaxIdleConns(2)
	conns := make([]*sql.Conn, 2)
	for i := range conns {
		if conns[i], err = db.Conn(ctx); err != nil {
			db.Close()
			return nil, err
		}
	}
	for _, c := range conns {
		c.Close() // back to the pool, which keeps it
	}
	return db, nil
}

// ensureUsers creates the run's users through n the first time: one per
// Nodes sockets.
func (e *env) ensureUsers(ctx context.Context, n *node) error {
	if e.users != nil {
		return nil
	}
	start := time.Now()
	users, err := newUsers(ctx, n, "chaos-u", e.cfg.Conns/Nodes)
	if err != nil {
		return fmt.Errorf("create users: %w", err)
	}
	e.users = users
	e.logf("%d users created and signed in in %v", len(users), time.Since(start).Round(time.Millisecond))
	return nil
}
