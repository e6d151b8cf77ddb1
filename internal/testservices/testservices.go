// Package testservices finds the real services tests run against:
// PostgreSQL, Redis and Chromium, named by environment variables. A test
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
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the pgx database/sql driver
)

// Environment variables naming the services.
const (
	EnvPostgres = "PARKMATE_TEST_POSTGRES_URL"
	EnvRedis    = "PARKMATE_TEST_REDIS_URL"
	EnvRequire  = "PARKMATE_REQUIRE_SERVICES"
)

// need returns the value of env, or skips (fails under EnvRequire).
func need(tb testing.TB, env, what string) string {
	tb.Helper()
	v := os.Getenv(env)
	if v == "" {
		if os.Getenv(EnvRequire) == "1" {
			tb.Fatalf("%s is required (%s=1) but %s is not set", what, EnvRequire, env)
		}
		tb.Skipf("%s not set: skipping the %s test (set it, e.g. %s)", env, what, example(env))
	}
	return v
}

func example(env string) string {
	switch env {
	case EnvPostgres:
		return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	case EnvRedis:
		return "redis://127.0.0.1:6379/0"
	}
	return "..."
}

// Postgres creates a fresh, empty database on the server named by
// PARKMATE_TEST_POSTGRES_URL, drops it when the test ends, and returns
// its URL.
func Postgres(tb testing.TB) string {
	tb.Helper()
	base := need(tb, EnvPostgres, "PostgreSQL")
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatalf("postgres: %v", err)
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "parkmate_test_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("postgres at %s: create database: %v", redact(base), err)
	}
	tb.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer db.Close()
		_, _ = db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("%s: %v", EnvPostgres, err)
	}
	u.Path = "/" + name
	return u.String()
}

// Redis returns the URL of the Redis server tests may use.
func Redis(tb testing.TB) string {
	tb.Helper()
	return need(tb, EnvRedis, "Redis")
}

func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	return fmt.Sprintf("%s://%s%s", u.Scheme, u.Host, u.Path)
}
