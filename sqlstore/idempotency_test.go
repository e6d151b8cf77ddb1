package sqlstore_test

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"parkmate"
	"parkmate/sqlstore"
)

// window is how long an idempotency key is kept in these tests.
const window = 24 * time.Hour

// claim runs a claim of key in its own transaction and reports whether it
// won and the answer it then found.
func claim(t *testing.T, db *sqlstore.DB, key, hash string) (bool, parkmate.IdempotencyAnswer) {
	t.Helper()
	var won bool
	var a parkmate.IdempotencyAnswer
	err := db.Update(ctx, func(tx *sqlstore.Tx) (err error) {
		if won, err = tx.ClaimIdempotencyKey(key, hash, tx.Now().Add(-window)); err != nil || won {
			return err
		}
		a, err = tx.IdempotencyAnswer(key)
		return err
	})
	if err != nil {
		t.Errorf("claim %s: %v", key, err)
	}
	return won, a
}

// claimWhileHeld claims key while another transaction holds its claim
// uncommitted, and checks that the claim waits, then loses to the other's
// commit or wins after its rollback.
func claimWhileHeld(t *testing.T, db *sqlstore.DB, key string, commit bool) {
	t.Helper()
	claimed, release := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- db.Update(ctx, func(tx *sqlstore.Tx) error {
			won, err := tx.ClaimIdempotencyKey(key, "h1", tx.Now().Add(-window))
			if err != nil || !won {
				close(claimed)
				return errors.Join(err, errors.New("first claim lost"))
			}
			if err := tx.SetIdempotencyAnswer(key, 202, []byte(`{"ids":[1]}`)); err != nil {
				close(claimed)
				return err
			}
			close(claimed)
			<-release
			if !commit {
				return errors.New("roll back")
			}
			return nil
		})
	}()
	<-claimed
	second := make(chan bool, 1)
	var answer parkmate.IdempotencyAnswer
	go func() {
		won, a := claim(t, db, key, "h2")
		answer = a
		second <- won
	}()
	select {
	case <-second:
		t.Fatalf("%s: the second claim did not wait for the first transaction", key)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	err := <-first
	if commit && err != nil {
		t.Fatalf("%s: first transaction: %v", key, err)
	}
	won := <-second
	switch {
	case commit && (won || answer.Status != 202 || answer.RequestHash != "h1" || string(answer.Response) != `{"ids":[1]}`):
		t.Fatalf("after a commit: won %v, answer %+v", won, answer)
	case !commit && !won:
		t.Fatalf("after a rollback the second claim lost")
	}
}

// TestIdempotencyKeyClaims checks, on every engine, that a claim waits for
// an uncommitted claim of the same key and then loses to its commit or
// wins after its rollback, and that an expired claim is taken over.
func TestIdempotencyKeyClaims(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			// The test moves the database's clock ahead by ahead.
			var ahead atomic.Int64
			db := e.open(t, sqlstore.WithNow(func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }))
			t.Cleanup(func() { db.Close() })
			claimWhileHeld(t, db, "k-commit", true)
			claimWhileHeld(t, db, "k-rollback", false)

			// A claim older than the window counts as absent and is taken over.
			if won, _ := claim(t, db, "k-old", "h1"); !won {
				t.Fatal("fresh key not claimed")
			}
			ahead.Store(int64(window - time.Minute))
			if won, _ := claim(t, db, "k-old", "h2"); won {
				t.Fatal("a key claimed 24 h minus a minute ago was taken over")
			}
			ahead.Store(int64(window + time.Minute))
			if won, _ := claim(t, db, "k-old", "h2"); !won {
				t.Fatal("a key claimed over 24 h ago was not taken over")
			}
			// Purging at +48 h deletes every key claimed a day or more before.
			ahead.Store(int64(2*window + 2*time.Minute))
			var n int64
			if err := db.Update(ctx, func(tx *sqlstore.Tx) (err error) {
				n, err = tx.DeleteIdempotencyKeys(tx.Now().Add(-window))
				return err
			}); err != nil || n != 3 {
				t.Fatalf("purge: %d %v, want 3 (k-commit, k-rollback, k-old)", n, err)
			}
		})
	}
}
