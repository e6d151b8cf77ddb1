package sqlstore_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"parkmate"
	"parkmate/sqlstore"
)

// benchUsers creates n drivers and returns their ids.
func benchUsers(b *testing.B, db *sqlstore.DB, n int) []int64 {
	var users []int64
	err := db.Update(ctx, func(tx *sqlstore.Tx) error {
		for i := 0; i < n; i++ {
			u, err := tx.CreateUser(parkmate.User{Username: fmt.Sprintf("u%d", i), Role: parkmate.RoleDriver, PasswordHash: "x"})
			if err != nil {
				return err
			}
			users = append(users, u.ID)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return users
}

// BenchmarkNotificationInsert measures storing notifications in batches of
// 100 to random users among 10,000 (one transaction per batch), on each
// engine; ns/op is per notification.
func BenchmarkNotificationInsert(b *testing.B) {
	for _, e := range engines {
		b.Run(e.name, func(b *testing.B) {
			db := e.open(b)
			defer db.Close()
			users := benchUsers(b, db, 10_000)
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

// BenchmarkGroupCommit measures Update calls that each store 100
// notifications to random users among 10,000, made by 8 concurrent
// callers as a node's requests are: with group commit (the callers that
// wait share a transaction) and without (WithGroupCommit(1)). An op is
// one call; ns/notification is per notification; calls/commit is how many
// calls one commit carried on average.
func BenchmarkGroupCommit(b *testing.B) {
	for _, e := range engines {
		for _, max := range []int{sqlstore.DefaultGroupCommit, 1} {
			b.Run(fmt.Sprintf("%s/group_of_%d", e.name, max), func(b *testing.B) {
				db := e.open(b, sqlstore.WithGroupCommit(max))
				defer db.Close()
				commits := &countingRelay{}
				db = db.WithRelay(commits)
				users := benchUsers(b, db, 10_000)
				const batch = 100
				var calls atomic.Int64
				b.SetParallelism(4) // 8 callers on 2 cores
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					notes := make([]parkmate.Notification, batch)
					for pb.Next() {
						k := int(calls.Add(1))
						for j := range notes {
							notes[j] = note(users[(k*7919+j*13)%len(users)], "benchmark")
						}
						if err := db.Update(ctx, func(tx *sqlstore.Tx) error {
							_, err := tx.AddNotifications(notes)
							return err
						}); err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(calls.Load()*batch), "ns/notification")
				if n := commits.calls.Load(); n > 0 {
					b.ReportMetric(float64(calls.Load())/float64(n), "calls/commit")
				}
			})
		}
	}
}
