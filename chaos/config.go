// Package chaos runs the four cluster fault scenarios of issue 7 at scale:
// thousands of WebSocket clients over three parkmate nodes (real
// subprocesses) on one fresh PostgreSQL database, each node reaching Redis
// through a TCP proxy of its own (internal/faultnet) that a scenario can
// cut. For each scenario it counts, by notification id and against what
// PostgreSQL committed, what live sockets lost, got twice or out of order,
// how long full delivery took after the fault, and the same for a sample
// of clients resuming with since.
//
// The scenarios, one file each:
//
//   - cut: the node every publish goes through is cut from Redis (its
//     connections closed, then new ones black-holed) mid-burst, and stays
//     cut while delivery is checked;
//   - kill: a node is killed with SIGKILL mid-burst, then restarted, and
//     its clients resume on it;
//   - redis: a private redis-server is killed mid-burst and restarted;
//   - logout: sessions log out through a node cut from Redis; the tool
//     times how long another node keeps their sockets open and their
//     tokens valid.
//
// cmd/parkmate-chaos is its command.
package chaos

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Scenario names.
const (
	ScenarioCut    = "cut"
	ScenarioKill   = "kill"
	ScenarioRedis  = "redis"
	ScenarioLogout = "logout"
)

// Scenarios lists every scenario, in the order they run.
var Scenarios = []string{ScenarioCut, ScenarioKill, ScenarioRedis, ScenarioLogout}

// Defaults of Config.
const (
	DefaultConns      = 3000
	DefaultPublishers = 8
	DefaultRate       = 200 // publish calls per second, all publishers together
	DefaultBatch      = 10
	DefaultSample     = 100
	DefaultWarmup     = 2 * time.Second
	DefaultWindow     = 4 * time.Second
)

// Nodes is the size of every scenario's cluster.
const Nodes = 3

// Bound is the contract's delivery bound: every committed notification
// reaches every live socket of its user within it, and no node honours an
// ended session for longer.
const Bound = 10 * time.Second

// Time limits of the tool itself.
const (
	requestTimeout = 30 * time.Second // one HTTP call
	giveUp         = 3 * Bound        // waiting for a delivery the contract bounds by Bound
)

// Config says what to run and against what.
type Config struct {
	Bin         string        // the parkmate server binary
	Postgres    string        // any database's URL: a fresh database is created on its server and dropped at the end
	Redis       string        // the Redis every scenario but redis uses
	RedisServer string        // the redis-server program, for the redis scenario
	Conns       int           // WebSocket clients in all: one per user per node
	Publishers  int           // concurrent publishing clients
	Rate        float64       // publish calls per second, all publishers together; 0: as fast as they can
	Batch       int           // users per publish call
	Sample      int           // clients resuming with since, and sessions logging out, per scenario
	Warmup      time.Duration // publishing before the fault
	Window      time.Duration // publishing after the fault
	Scenarios   []string      // which to run, in this order
	LogDir      string        // where the nodes log; "" for a temporary directory, removed if all passed
	Log         io.Writer     // progress; nil for none
}

// ParseScenarios splits a comma-separated list and checks every name.
func ParseScenarios(list string) ([]string, error) {
	var out []string
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if !known(name) {
			return nil, fmt.Errorf("unknown scenario %q (known: %s)", name, strings.Join(Scenarios, ","))
		}
		out = append(out, name)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no scenario given (known: %s)", strings.Join(Scenarios, ","))
	}
	return out, nil
}

func known(name string) bool {
	for _, s := range Scenarios {
		if s == name {
			return true
		}
	}
	return false
}

// normalize fills in defaults and rejects what cannot run.
func (c *Config) normalize() error {
	switch {
	case c.Bin == "":
		return fmt.Errorf("the parkmate binary (--bin) is required")
	case c.Postgres == "":
		return fmt.Errorf("a PostgreSQL URL (--postgres) is required")
	case c.Conns < Nodes:
		return fmt.Errorf("--conns %d: at least %d (one user on each node)", c.Conns, Nodes)
	case c.Publishers < 1 || c.Batch < 1 || c.Rate < 0 || c.Sample < 1:
		return fmt.Errorf("--publishers, --batch and --sample must be positive, --rate not negative")
	case c.Warmup <= 0 || c.Window <= 0:
		return fmt.Errorf("--warmup and --window must be positive")
	}
	if len(c.Scenarios) == 0 {
		c.Scenarios = Scenarios
	}
	for _, s := range c.Scenarios {
		if !known(s) {
			return fmt.Errorf("unknown scenario %q", s)
		}
		if s != ScenarioRedis && c.Redis == "" {
			return fmt.Errorf("scenario %s needs a Redis URL (--redis)", s)
		}
		if s == ScenarioRedis && c.RedisServer == "" {
			return fmt.Errorf("scenario redis needs the redis-server program (--redis-server)")
		}
	}
	if c.Log == nil {
		c.Log = io.Discard
	}
	return nil
}
