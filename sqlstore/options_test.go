package sqlstore_test

import (
	"testing"
	"time"

	"parkmate"
	"parkmate/sqlstore"
)

// TestOptions checks, on every engine, that a DB's clock is the one it
// opened with, and that WithRelay makes a DB over the same database that
// hands what it commits to another relay, leaving the first one as it was.
func TestOptions(t *testing.T) {
	at := time.Date(2026, 11, 25, 20, 41, 10, 123_456_789, time.UTC)
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			db := e.open(t, sqlstore.WithNow(func() time.Time { return at }))
			t.Cleanup(func() { db.Close() })
			rec := &recorder{}
			relayed := db.WithRelay(rec)
			u := mustUser(t, db, "dana", parkmate.RoleDriver)
			var ids []int64
			for _, d := range []*sqlstore.DB{db, relayed, relayed.WithRelay(nil)} {
				if err := d.Update(ctx, func(tx *sqlstore.Tx) error {
					if !tx.Now().Equal(at.Truncate(time.Millisecond)) {
						t.Errorf("transaction time %v, want %v", tx.Now(), at)
					}
					n, err := tx.AddNotification(note(u.ID, "x"))
					ids = append(ids, n.ID)
					return err
				}); err != nil {
					t.Fatal(err)
				}
			}
			got := rec.all()
			if len(got) != 1 || got[0].ID != ids[1] || ids[1] != ids[0]+1 || ids[2] != ids[1]+1 {
				t.Fatalf("relayed %+v of ids %v", got, ids)
			}
		})
	}
}
