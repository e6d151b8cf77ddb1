// Package postgres opens a ParkMate database in PostgreSQL (driver pgx),
// applies the embedded migrations under goose's session lock (so nodes
// starting together migrate once) and supplies the dialect: numbered
// placeholders and which errors mean a retry. The SQL lives in sqlstore.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // the pgx database/sql driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"parkmate/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// maxConns bounds the pool of one node.
const maxConns = 32

// writeSlots is how many write transactions a node runs at once; the
// requests that arrive while all are taken share the next one (group
// commit, see sqlstore). PostgreSQL flushes the WAL of concurrent commits
// together itself, and a transaction waits on round trips, so a few run
// in parallel: measured on this project's machine, 2 and 4 gave the same
// throughput, 1 a third less.
const writeSlots = 4

// Open connects to the database at url and brings its schema up to date;
// opts set up the DB (sqlstore.WithNow).
func Open(ctx context.Context, url string, opts ...sqlstore.Option) (*sqlstore.DB, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	if err := migrate(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	return sqlstore.New(db, db, Dialect(), opts...), nil
}

// migrate applies the migrations under goose's PostgreSQL session lock, so
// nodes starting together migrate once.
func migrate(ctx context.Context, db *sql.DB) error {
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return err
	}
	return sqlstore.Migrate(ctx, db, goose.DialectPostgres, migrations, "migrations", goose.WithSessionLocker(locker))
}

// Dialect returns PostgreSQL's dialect: numbered placeholders, and a
// deadlock or serialization failure means run the transaction again.
func Dialect() sqlstore.Dialect {
	return sqlstore.Dialect{
		Name:              "postgres",
		Numbered:          true,
		WriteSlots:        writeSlots,
		IsUniqueViolation: func(err error) bool { return pgCode(err) == "23505" },
		IsRetryable: func(err error) bool {
			c := pgCode(err)
			return c == "40P01" || c == "40001"
		},
	}
}

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}
