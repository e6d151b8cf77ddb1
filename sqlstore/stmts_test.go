package sqlstore

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	_ "modernc.org/sqlite" // the driver of the test database
)

// TestStatementsArePreparedOnce runs the same statements in successive
// transactions on a pool of one connection, as SQLite's write pool is: the
// first transaction notes them, the next prepares them before it begins
// (it could not while holding the pool's only connection), and every later
// one runs them prepared.
func TestStatementsArePreparedOnce(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pool, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	pool.SetMaxOpenConns(1)
	if _, err := pool.Exec(`CREATE TABLE t (x INTEGER)`); err != nil {
		t.Fatal(err)
	}
	db := New(pool, pool, Dialect{Name: "sqlite", SerializeWrites: true, PrepareStatements: true})
	defer db.Close()
	const insert, count = `INSERT INTO t (x) VALUES (?)`, `SELECT COUNT(*) FROM t WHERE x >= ?`
	for i := 1; i <= 3; i++ {
		var n int
		err := db.Update(ctx, func(tx *Tx) error {
			if _, err := tx.exec(insert, i); err != nil {
				return err
			}
			return tx.queryRow(count, 1).Scan(&n)
		})
		if err != nil || n != i {
			t.Fatalf("transaction %d: %d rows, %v", i, n, err)
		}
		db.writeStmts.mu.Lock()
		prepared := len(db.writeStmts.m)
		db.writeStmts.mu.Unlock()
		if want := map[bool]int{true: 0, false: 2}[i == 1]; prepared != want {
			t.Fatalf("after transaction %d: %d statements prepared, want %d", i, prepared, want)
		}
	}
	// A statement that does not prepare is dropped, and running it still
	// reports the error.
	for i := 0; i < 2; i++ {
		if err := db.Update(ctx, func(tx *Tx) error { _, err := tx.exec(`INSERT INTO nowhere VALUES (1)`); return err }); err == nil {
			t.Fatal("no error from an INSERT into a table that does not exist")
		}
	}
}

// TestStatementCacheIsBounded checks that past stmtCacheSize statements,
// new ones are neither noted nor prepared.
func TestStatementCacheIsBounded(t *testing.T) {
	var c stmtCache
	for i := 0; i < stmtCacheSize+10; i++ {
		if c.get(string(rune('a'+i%26))+string(rune(i))) != nil {
			t.Fatal("a statement that was never prepared")
		}
	}
	if len(c.noted) != stmtCacheSize {
		t.Fatalf("%d statements noted, want %d", len(c.noted), stmtCacheSize)
	}
}
