package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"parkmate"
	"parkmate/sqlstore"
)

// batchRecorder is a Relay that keeps each Committed call apart, and
// checks that what it is given is committed: the log's newest id, read in
// a transaction of its own, is at least the batch's highest.
type batchRecorder struct {
	db *sqlstore.DB
	mu sync.Mutex
	// batches are the ids of each call; errs what the check found.
	batches [][]int64
	errs    []error
}

func (r *batchRecorder) Committed(ctx context.Context, notes []parkmate.Notification) {
	var ids []int64
	for _, n := range notes {
		ids = append(ids, n.ID)
	}
	last, err := r.db.LastNotificationID(ctx)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.batches = append(r.batches, ids)
	if err != nil || last < slices.Max(ids) {
		r.errs = append(r.errs, fmt.Errorf("relay given ids %v while the log's newest is %d (%v)", ids, last, err))
	}
}

// waitQueue waits until n calls wait for a write transaction. (The calls
// queue within microseconds; the test's timeout bounds a bug.)
func waitQueue(db *sqlstore.DB, n int) {
	for db.WriteQueue() != n {
		runtime.Gosched()
	}
}

// TestGroupCommit holds a write transaction open while four calls queue
// behind it, on each engine: they then share one transaction, in which
// one call fails (a notification written, then a unique-username error)
// and one was cancelled while it waited. The failing call's changes and
// notification ids roll back alone; the other two commit, with the ids
// that follow without a gap, and reach the relay after the commit, in one
// call, in id order.
//
// It runs twice: as a node does, and with WithGroupCommit(1), where each
// call has a transaction of its own.
func TestGroupCommit(t *testing.T) {
	for _, e := range engines {
		for _, max := range []int{sqlstore.DefaultGroupCommit, 1} {
			t.Run(fmt.Sprintf("%s/group_of_%d", e.name, max), func(t *testing.T) {
				testGroupCommit(t, e.open(t, sqlstore.WithGroupCommit(max), sqlstore.WithWriteSlots(1)), max)
			})
		}
	}
}

func testGroupCommit(t *testing.T, base *sqlstore.DB, max int) {
	t.Cleanup(func() { base.Close() })
	rec := &batchRecorder{db: base}
	db := base.WithRelay(rec)
	u := make([]parkmate.User, 5)
	for i := range u {
		u[i] = mustUser(t, db, fmt.Sprintf("g%d", i), parkmate.RoleDriver)
	}
	last, err := db.LastNotificationID(ctx)
	mustNil(t, err)
	results := queueFive(db, u)
	for i, want := range []error{nil, nil, errConflict, nil, context.Canceled} {
		err := <-results[i]
		if (want == nil) != (err == nil) || (want == context.Canceled && !errors.Is(err, want)) ||
			(want == errConflict && parkmate.ErrorKind(err) != parkmate.ECONFLICT) {
			t.Fatalf("call %d: %v, want %v", i, err, want)
		}
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	// The next group may reach the relay first: the relay orders by id
	// (the Relay contract).
	slices.SortFunc(rec.batches, func(a, b []int64) int { return int(a[0] - b[0]) })
	want := [][]int64{{last + 1}, {last + 2, last + 3, last + 4}}
	if max == 1 {
		want = [][]int64{{last + 1}, {last + 2, last + 3}, {last + 4}}
	}
	if !slices.EqualFunc(rec.batches, want, slices.Equal) || len(rec.errs) > 0 {
		t.Fatalf("relay calls %v (%v), want %v", rec.batches, rec.errs, want)
	}
	checkStored(t, db, u, last)
}

// queueFive starts five calls of TestGroupCommit and returns their
// outcomes: the first holds its transaction until the four others wait
// behind it, in order; the fifth is cancelled while it waits.
func queueFive(db *sqlstore.DB, u []parkmate.User) []chan error {
	results := make([]chan error, 5)
	start := func(i int, ctx context.Context, fn func(*sqlstore.Tx) error) {
		results[i] = make(chan error, 1)
		go func() { results[i] <- db.Update(ctx, fn) }()
	}
	add := func(uid int64, n int) func(*sqlstore.Tx) error {
		return func(tx *sqlstore.Tx) error {
			for k := 0; k < n; k++ {
				if _, err := tx.AddNotification(note(uid, "group")); err != nil {
					return err
				}
			}
			return nil
		}
	}
	running, release := make(chan struct{}), make(chan struct{})
	start(0, ctx, func(tx *sqlstore.Tx) error { close(running); <-release; return add(u[0].ID, 1)(tx) })
	<-running
	start(1, ctx, add(u[1].ID, 2))
	waitQueue(db, 1)
	start(2, ctx, func(tx *sqlstore.Tx) error {
		if err := add(u[2].ID, 1)(tx); err != nil {
			return err
		}
		_, err := tx.CreateUser(parkmate.User{Username: "g0", Role: parkmate.RoleDriver, PasswordHash: "x"})
		return err
	})
	waitQueue(db, 2)
	start(3, ctx, add(u[3].ID, 1))
	waitQueue(db, 3)
	cancelled, cancel := context.WithCancel(ctx)
	start(4, cancelled, add(u[4].ID, 1))
	waitQueue(db, 4)
	cancel()
	close(release)
	return results
}

// errConflict stands for the unique-username error the test expects.
var errConflict = errors.New("conflict")

// checkStored checks the log after TestGroupCommit: ids last+1..last+4,
// the failed and the cancelled calls' users have nothing, the log's
// newest id is last+4.
func checkStored(t *testing.T, db *sqlstore.DB, u []parkmate.User, last int64) {
	t.Helper()
	notes, err := db.NotificationsAfter(ctx, last, 100)
	mustNil(t, err)
	var got []string
	for _, n := range notes {
		got = append(got, fmt.Sprintf("%d:%d", n.ID-last, n.UserID))
	}
	want := []string{fmt.Sprintf("1:%d", u[0].ID), fmt.Sprintf("2:%d", u[1].ID), fmt.Sprintf("3:%d", u[1].ID), fmt.Sprintf("4:%d", u[3].ID)}
	if !slices.Equal(got, want) {
		t.Fatalf("stored (id-last:user) %v, want %v", got, want)
	}
	if newest, err := db.LastNotificationID(ctx); err != nil || newest != last+4 {
		t.Fatalf("log's newest id %d (%v), want %d", newest, err, last+4)
	}
}

// countingRelay counts Committed calls: one per commit of a group whose
// calls came through one DB.
type countingRelay struct{ calls atomic.Int64 }

func (r *countingRelay) Committed(context.Context, []parkmate.Notification) { r.calls.Add(1) }

// TestConcurrentWritersKeepTheLogGapFree runs many concurrent Update calls
// on each engine, with three write slots (leaders hand their slots on at
// the same time), a tenth of them failing after writing a
// notification, and checks that every call returns, the committed ids are
// 1..n without a gap, each successful call's notifications are stored and
// reached the relay once, and the failed calls' are nowhere.
func TestConcurrentWritersKeepTheLogGapFree(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			base := e.open(t, sqlstore.WithGroupCommit(5), sqlstore.WithWriteSlots(3))
			t.Cleanup(func() { base.Close() })
			rec := &batchRecorder{db: base}
			db := base.WithRelay(rec)
			u := mustUser(t, db, "w", parkmate.RoleDriver)
			last, err := db.LastNotificationID(ctx)
			mustNil(t, err)
			const writers, calls = 12, 20
			var wg sync.WaitGroup
			var okCalls atomic.Int64
			for w := 0; w < writers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < calls; i++ {
						fail := (w*calls+i)%10 == 0
						err := db.Update(ctx, func(tx *sqlstore.Tx) error {
							if _, err := tx.AddNotification(note(u.ID, "w")); err != nil {
								return err
							}
							if fail {
								return errors.New("fails on purpose")
							}
							return nil
						})
						if (err != nil) != fail {
							t.Errorf("writer %d call %d: %v", w, i, err)
						}
						if err == nil {
							okCalls.Add(1)
						}
					}
				}()
			}
			wg.Wait()
			n := okCalls.Load()
			notes, err := db.NotificationsAfter(ctx, last, 1000)
			mustNil(t, err)
			for i, note := range notes {
				if note.ID != last+int64(i)+1 {
					t.Fatalf("stored id %d at position %d: a gap", note.ID, i)
				}
			}
			rec.mu.Lock()
			defer rec.mu.Unlock()
			relayed := 0
			for _, b := range rec.batches {
				relayed += len(b)
			}
			if int64(len(notes)) != n || int64(relayed) != n || len(rec.errs) > 0 {
				t.Fatalf("%d calls succeeded, %d stored, %d relayed (%v)", n, len(notes), relayed, rec.errs)
			}
		})
	}
}
