// Package sqlite opens a ParkMate database in a SQLite file with the
// pure-Go driver (no cgo), sets its pragmas and applies the embedded
// migrations. The SQL itself lives in package sqlstore.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"parkmate/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// pragmas are set on every connection where the database opens. Commits
// never checkpoint (wal_autocheckpoint 0): checkpoint does, so that no
// commit waits while the WAL is copied. Temporary data stays in memory
// (temp_store MEMORY): above all the statement journal, which SQLite
// writes for every page a multi-row INSERT changes inside a transaction,
// so that it can undo that one statement; in a file it cost a pwrite per
// page, as much as the WAL itself.
var pragmas = []string{"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(NORMAL)",
	"cache_size(-65536)", "wal_autocheckpoint(0)", "temp_store(MEMORY)"}

// checkpointEvery is how often checkpoint runs.
const checkpointEvery = 250 * time.Millisecond

// readConns is the size of the read pool; WAL lets readers run beside the
// single writer.
const readConns = 4

// Open opens (creating if needed) the SQLite database at path and brings
// its schema up to date; opts set up the DB (sqlstore.WithNow).
func Open(ctx context.Context, path string, opts ...sqlstore.Option) (*sqlstore.DB, error) {
	if path == "" || strings.Contains(path, "?") {
		return nil, fmt.Errorf("sqlite: invalid database path %q", path)
	}
	dsn := func(extra string) string {
		v := url.Values{}
		for _, p := range pragmas {
			v.Add("_pragma", p)
		}
		return "file:" + path + "?" + v.Encode() + extra
	}
	write, err := sql.Open("sqlite", dsn("&_txlock=immediate"))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	read, err := sql.Open("sqlite", dsn("&mode=ro"))
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	read.SetMaxOpenConns(readConns)
	if err := sqlstore.Migrate(ctx, write, goose.DialectSQLite3, migrations, "migrations"); err != nil {
		write.Close()
		read.Close()
		return nil, err
	}
	ckpt, err := sql.Open("sqlite", dsn(""))
	if err != nil {
		write.Close()
		read.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	ckpt.SetMaxOpenConns(1)
	db := sqlstore.New(write, read, Dialect(), opts...)
	stop := make(chan struct{})
	done := make(chan struct{})
	go checkpoint(ckpt, write, stop, done)
	db.OnClose(func() error {
		close(stop)
		<-done
		return ckpt.Close()
	})
	return db, nil
}

// checkpoint copies the WAL into the database every checkpointEvery,
// without waiting for readers (PASSIVE), and a last time, fully, when the
// database closes. Each time in two steps: on a connection of its own,
// beside the writer, it copies what the WAL holds; then, on the write
// pool, whose one connection the write transactions hold, it copies what
// is left (usually the few frames committed meanwhile; everything a
// reader kept from the first step), between two write transactions. With
// nothing left to copy, the next write transaction starts the WAL over
// from its beginning. The first step alone, beside a writer that never
// pauses, never caught up with the WAL's end: the WAL grew without bound
// (2 GB in 10 s of publishing), each commit extending the file. The second
// alone held the writer while it copied everything.
func checkpoint(ckpt, write *sql.DB, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-stop:
			_, _ = write.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
			return
		case <-t.C:
			// A failed passive checkpoint is retried at the next tick.
			if _, err := ckpt.Exec(`PRAGMA wal_checkpoint(PASSIVE)`); err == nil {
				_, _ = write.Exec(`PRAGMA wal_checkpoint(PASSIVE)`)
			}
		}
	}
}

// Dialect returns SQLite's dialect: one writer at a time, ? placeholders.
func Dialect() sqlstore.Dialect {
	return sqlstore.Dialect{
		Name:              "sqlite",
		SerializeWrites:   true,
		PrepareStatements: true,
		IsUniqueViolation: isUniqueViolation,
	}
}

func isUniqueViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		code := se.Code()
		return code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}
