package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"parkmate/broker"
	"parkmate/postgres"
	"parkmate/redisbroker"
	"parkmate/sqlite"
	"parkmate/sqlstore"
)

// openDB opens the database named by dsn: a postgres:// URL or a SQLite path.
func openDB(ctx context.Context, dsn string, opts ...sqlstore.Option) (*sqlstore.DB, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return postgres.Open(ctx, dsn, opts...)
	}
	return sqlite.Open(ctx, dsn, opts...)
}

// openBroker returns the broker named by spec: "memory" or a redis:// URL.
func openBroker(ctx context.Context, spec, channel string, log *slog.Logger) (broker.Broker, error) {
	switch {
	case spec == "" || spec == "memory":
		return broker.NewMemoryBroker(), nil
	case strings.HasPrefix(spec, "redis://") || strings.HasPrefix(spec, "rediss://"):
		return redisbroker.New(ctx, spec, channel, log)
	}
	return nil, fmt.Errorf("unknown broker %q: use memory or a redis:// URL", spec)
}
