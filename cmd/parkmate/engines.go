package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"parkmate/hub"
	"parkmate/postgres"
	"parkmate/redisbroker"
	"parkmate/sqlstore"
)

func openPostgres(ctx context.Context, dsn string) (*sqlstore.DB, error) {
	return postgres.Open(ctx, dsn)
}

// openBroker returns the broker named by spec: "memory" or a redis:// URL.
func openBroker(ctx context.Context, spec, channel string, log *slog.Logger) (hub.Broker, error) {
	switch {
	case spec == "" || spec == "memory":
		return hub.NewMemoryBroker(), nil
	case strings.HasPrefix(spec, "redis://") || strings.HasPrefix(spec, "rediss://"):
		return redisbroker.New(ctx, spec, channel, log)
	}
	return nil, fmt.Errorf("unknown broker %q: use memory or a redis:// URL", spec)
}
