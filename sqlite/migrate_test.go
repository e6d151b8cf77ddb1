package sqlite

import (
	"context"
	"database/sql"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pressly/goose/v3"
)

// TestNotificationsRebuildKeepsRows upgrades a database that holds
// notifications and read marks through 00010, which copies the table, and
// back down: every row and mark stays, foreign keys are on again on the
// connection and still hold for the marks.
func TestNotificationsRebuildKeepsRows(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, sub)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 9); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO users (id, username, password_hash, role, created_at) VALUES (7, 'u7', 'x', 'driver', 1)`,
		`INSERT INTO notifications (id, user_id, type, message, event, data, created_at) VALUES (1, 7, 'info', 'one', 'e.one', '{"k":1}', 10)`,
		`INSERT INTO notifications (id, group_key, type, message, created_at) VALUES (2, 'all', 'warning', 'two', 20)`,
		`INSERT INTO notification_reads (user_id, notification_id) VALUES (7, 1)`,
		`UPDATE notification_log SET last_id = 2`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	const rows = `SELECT id, COALESCE(user_id, 0), COALESCE(group_key, ''), type, message, event, COALESCE(data, ''), created_at FROM notifications ORDER BY id`
	before := dump(t, db, rows)

	check := func(step string, wantSchema, refuseSchema string) {
		t.Helper()
		if got := dump(t, db, rows); got != before {
			t.Errorf("%s: rows %q, want %q", step, got, before)
		}
		if got := dump(t, db, `SELECT user_id, notification_id FROM notification_reads`); got != "7|1;" {
			t.Errorf("%s: read marks %q", step, got)
		}
		if got := dump(t, db, `PRAGMA foreign_keys`); got != "1;" {
			t.Errorf("%s: foreign_keys %q, want on", step, got)
		}
		if got := dump(t, db, `PRAGMA foreign_key_check`); got != "" {
			t.Errorf("%s: foreign key violations %q", step, got)
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO notification_reads (user_id, notification_id) VALUES (7, 99)`); err == nil {
			t.Errorf("%s: a read mark of a missing notification was stored", step)
		}
		schema := dump(t, db, `SELECT sql FROM sqlite_schema WHERE name = 'notifications'`)
		if !strings.Contains(schema, wantSchema) || strings.Contains(schema, refuseSchema) {
			t.Errorf("%s: schema %s", step, schema)
		}
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	check("up", "id         INTEGER PRIMARY KEY,", "REFERENCES")
	if _, err := db.ExecContext(ctx, `INSERT INTO notifications (id, user_id, type, message, created_at) VALUES (3, 12345, 'info', 'x', 1)`); err != nil {
		t.Errorf("a notification's user is still checked: %v", err)
	}
	if _, err := db.ExecContext(ctx, `DELETE FROM notifications WHERE id = 3`); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Down(ctx); err != nil {
		t.Fatal(err)
	}
	check("down", "AUTOINCREMENT", "notifications_new")
}

// dump returns the rows of q as "a|b;c|d;".
func dump(t *testing.T, db *sql.DB, q string) string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var b strings.Builder
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			if i > 0 {
				b.WriteByte('|')
			}
			b.WriteString(v.String)
		}
		b.WriteByte(';')
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
