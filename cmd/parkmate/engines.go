package main

import (
	"context"
	"fmt"
	"log/slog"

	"parkmate/hub"
	"parkmate/sqlstore"
)

func openPostgres(ctx context.Context, dsn string) (*sqlstore.DB, error) {
	return nil, fmt.Errorf("postgres is not supported yet")
}

// openBroker returns the broker named by spec: "memory" or a redis:// URL.
func openBroker(ctx context.Context, spec string, log *slog.Logger) (hub.Broker, error) {
	switch spec {
	case "", "memory":
		return hub.NewMemoryBroker(), nil
	}
	return nil, fmt.Errorf("unknown broker %q: use memory", spec)
}
