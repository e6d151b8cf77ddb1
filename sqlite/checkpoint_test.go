package sqlite

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"parkmate"
	"parkmate/sqlstore"
)

// TestWALStartsOverUnderAWriterThatNeverPauses commits one notification
// after another, with no pause, for several checkpoint periods. Every
// commit writes at least three frames (the log's row, the table and the
// index); a WAL that never started over would hold them all. The
// checkpoint, finishing between two write transactions, lets the WAL start
// over, so it holds a fraction of them.
func TestWALStartsOverUnderAWriterThatNeverPauses(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var user parkmate.User
	if err := db.Update(ctx, func(tx *sqlstore.Tx) (err error) {
		user, err = tx.CreateUser(parkmate.User{Username: "w", Role: parkmate.RoleDriver, PasswordHash: "x"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	commits := 0
	for end := time.Now().Add(8 * checkpointEvery); time.Now().Before(end); commits++ {
		if err := db.Update(ctx, func(tx *sqlstore.Tx) error {
			_, err := tx.AddNotification(parkmate.Notification{UserID: user.ID, Type: parkmate.LevelInfo, Message: "m"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	st, err := os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	const frame = 24 + 4096 // WAL frame header + page
	written := int64(commits) * 3 * frame
	if st.Size() > written/2 {
		t.Fatalf("after %d commits the WAL holds %d bytes, at least %d were written: it never started over", commits, st.Size(), written)
	}
	t.Logf("%d commits, at least %d bytes written to the WAL, which holds %d", commits, written, st.Size())
}
