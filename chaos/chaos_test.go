package chaos

import (
	"bytes"
	"context"
	"os/exec"
	"testing"
	"time"

	"parkmate/internal/testservices"
)

// TestSmoke runs each scenario at a small size (30 sockets over the 3
// nodes) against real PostgreSQL and Redis: it fails when the tool breaks
// or when a scenario finds a problem. It needs PARKMATE_BIN,
// PARKMATE_TEST_POSTGRES_URL and PARKMATE_TEST_REDIS_URL (and redis-server
// on PATH for the redis scenario), like the fault tests.
func TestSmoke(t *testing.T) {
	for _, name := range Scenarios {
		t.Run(name, func(t *testing.T) {
			cfg := Config{
				Bin:        testservices.Binary(t),
				Postgres:   testservices.Postgres(t),
				Redis:      testservices.Redis(t),
				Conns:      30,
				Publishers: 4,
				Rate:       50,
				Batch:      5,
				Sample:     5,
				Warmup:     time.Second,
				Window:     2 * time.Second,
				Scenarios:  []string{name},
				LogDir:     t.TempDir(),
				Log:        testWriter{t},
			}
			if name == ScenarioRedis {
				cfg.RedisServer = testservices.RedisServer(t)
			}
			results, err := Run(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			WriteTable(&out, results)
			t.Logf("\n%s", out.String())
			if len(results) != 1 || !results[0].Pass {
				t.Fatalf("scenario %s did not pass", name)
			}
			r := results[0]
			if r.Live.Sockets == 0 || r.Live.Delivered == 0 || r.Resume.Sockets != 5 || r.Committed == 0 {
				t.Fatalf("scenario %s checked nothing: %+v", name, r)
			}
		})
	}
}

// TestRunRejectsBadConfig checks that Run refuses a configuration it
// cannot run, before it touches any service.
func TestRunRejectsBadConfig(t *testing.T) {
	bin, err := exec.LookPath("true")
	if err != nil {
		t.Skip("no true(1)")
	}
	good := Config{Bin: bin, Postgres: "postgres://x/y", Redis: "redis://x", RedisServer: "redis-server",
		Conns: 30, Publishers: 1, Rate: 1, Batch: 1, Sample: 1, Warmup: time.Second, Window: time.Second}
	tests := map[string]func(*Config){
		"no binary":       func(c *Config) { c.Bin = "" },
		"no database":     func(c *Config) { c.Postgres = "" },
		"too few conns":   func(c *Config) { c.Conns = 2 },
		"no publisher":    func(c *Config) { c.Publishers = 0 },
		"no window":       func(c *Config) { c.Window = 0 },
		"unknown":         func(c *Config) { c.Scenarios = []string{"flood"} },
		"no redis":        func(c *Config) { c.Redis, c.Scenarios = "", []string{ScenarioCut} },
		"no redis-server": func(c *Config) { c.RedisServer, c.Scenarios = "", []string{ScenarioRedis} },
	}
	for name, change := range tests {
		t.Run(name, func(t *testing.T) {
			cfg := good
			change(&cfg)
			if _, err := Run(context.Background(), cfg); err == nil {
				t.Fatal("Run accepted it")
			}
		})
	}
	if _, err := ParseScenarios("cut, kill"); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseScenarios("cut,flood"); err == nil {
		t.Fatal("ParseScenarios accepted an unknown scenario")
	}
}

// testWriter sends the tool's progress to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(bytes.TrimRight(p, "\n")))
	return len(p), nil
}
