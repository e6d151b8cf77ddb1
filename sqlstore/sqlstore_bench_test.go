package sqlstore_test

import (
	"fmt"
	"testing"

	"parkmate"
	"parkmate/sqlstore"
)

// BenchmarkNotificationInsert measures storing notifications in batches of
// 100 to random users among 10,000 (one transaction per batch), on each engine; ns/op
// is per notification.
func BenchmarkNotificationInsert(b *testing.B) {
	for _, e := range engines {
		b.Run(e.name, func(b *testing.B) {
			db := e.open(b)
			defer db.Close()
			var users []int64
			_ = db.Update(ctx, func(tx *sqlstore.Tx) error {
				for i := 0; i < 10_000; i++ {
					u, err := tx.CreateUser(parkmate.User{Username: fmt.Sprintf("u%d", i), Role: parkmate.RoleDriver, PasswordHash: "x"})
					if err != nil {
						return err
					}
					users = append(users, u.ID)
				}
				return nil
			})
			const batch = 100
			notes := make([]parkmate.Notification, batch)
			b.ResetTimer()
			for i := 0; i < b.N; i += batch {
				for j := range notes {
					notes[j] = note(users[(i*7+j*13)%len(users)], "benchmark")
				}
				if err := db.Update(ctx, func(tx *sqlstore.Tx) error {
					_, err := tx.AddNotifications(notes)
					return err
				}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
