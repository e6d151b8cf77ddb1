// Package testservices finds the real services tests run against:
// PostgreSQL, Redis and Chromium, named by environment variables, and the
// programs some tests start: the server binary and redis-server. A test
// whose service is not named skips with a message, unless
// PARKMATE_REQUIRE_SERVICES=1, which turns the skip into a failure (CI).
package testservices

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the pgx database/sql driver
)

// Environment variables naming the services.
const (
	EnvPostgres = "PARKMATE_TEST_POSTGRES_URL"
	EnvRedis    = "PARKMATE_TEST_REDIS_URL"
	EnvRequire  = "PARKMATE_REQUIRE_SERVICES"
	EnvBinary   = "PARKMATE_BIN"
)

// need returns the value of env, or skips (fails under EnvRequire).
func need(tb testing.TB, env, what string) string {
	tb.Helper()
	v := os.Getenv(env)
	if v == "" {
		missing(tb,
			fmt.Sprintf("%s not set: skipping the %s test (set it, e.g. %s)", env, what, example(env)),
			fmt.Sprintf("%s is required (%s=1) but %s is not set", what, EnvRequire, env))
	}
	return v
}

// missing skips with skip, or fails with fail under EnvRequire.
func missing(tb testing.TB, skip, fail string) {
	tb.Helper()
	if os.Getenv(EnvRequire) == "1" {
		tb.Fatal(fail)
	}
	tb.Skip(skip)
}

func example(env string) string {
	switch env {
	case EnvPostgres:
		return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	case EnvRedis:
		return "redis://127.0.0.1:6379/0"
	case EnvBinary:
		return "the output of go build -o /tmp/parkmate ./cmd/parkmate; scripts/test sets it"
	}
	return "..."
}

// Postgres creates a fresh, empty database on the server named by
// PARKMATE_TEST_POSTGRES_URL, drops it when the test ends, and returns
// its URL.
func Postgres(tb testing.TB) string {
	tb.Helper()
	base := need(tb, EnvPostgres, "PostgreSQL")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	u, drop, err := CreateDatabase(ctx, base, "parkmate_test_")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = drop() })
	return u
}

// CreateDatabase creates a fresh, empty database, named prefix and random
// hex digits, on the PostgreSQL server of base (the URL of any database
// there). It returns the new database's URL and a function that drops it,
// closing whatever connections are left.
func CreateDatabase(ctx context.Context, base, prefix string) (string, func() error, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", nil, fmt.Errorf("postgres URL: %w", err)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return "", nil, fmt.Errorf("postgres: %w", err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := prefix + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return "", nil, fmt.Errorf("postgres at %s: create database: %w", redact(base), err)
	}
	drop := func() error {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return err
		}
		defer db.Close()
		_, err = db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		return err
	}
	u.Path = "/" + name
	return u.String(), drop, nil
}

// Redis returns the URL of the Redis server tests may use.
func Redis(tb testing.TB) string {
	tb.Helper()
	return need(tb, EnvRedis, "Redis")
}

// Binary returns the parkmate server binary named by PARKMATE_BIN, for
// tests that run nodes as real processes.
func Binary(tb testing.TB) string {
	tb.Helper()
	bin := need(tb, EnvBinary, "server process")
	if fi, err := os.Stat(bin); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
		tb.Fatalf("%s=%s is not an executable file (%v)", EnvBinary, bin, err)
	}
	return bin
}

// RedisServer returns the path of redis-server, for tests that start (and
// kill) a private Redis instead of using the shared one.
func RedisServer(tb testing.TB) string {
	tb.Helper()
	path, err := exec.LookPath("redis-server")
	if err != nil {
		missing(tb,
			"redis-server is not on PATH: skipping the test that kills and restarts a private Redis (Debian: apt-get install redis-server)",
			fmt.Sprintf("redis-server is required (%s=1) but is not on PATH", EnvRequire))
	}
	return path
}

func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	return fmt.Sprintf("%s://%s%s", u.Scheme, u.Host, u.Path)
}
