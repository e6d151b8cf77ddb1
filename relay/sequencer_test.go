package relay_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"parkmate"
	"parkmate/broker"
	"parkmate/relay"
	"parkmate/sqlite"
	"parkmate/sqlstore"
)

// recorder is the hub's place: it keeps what the Sequencer hands over.
type recorder struct {
	mu   sync.Mutex
	msgs []broker.Message
	got  chan struct{}
}

func newRecorder() *recorder { return &recorder{got: make(chan struct{}, 1)} }

func (r *recorder) Handle(msgs []broker.Message) {
	r.mu.Lock()
	r.msgs = append(r.msgs, msgs...)
	r.mu.Unlock()
	select {
	case r.got <- struct{}{}:
	default:
	}
}

// ids returns the notification ids handed over so far, in order.
func (r *recorder) ids() []int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []int64
	for _, m := range r.msgs {
		if m.Kind == broker.KindNotification {
			out = append(out, m.ID)
		}
	}
	return out
}

// waitIDs waits until n notifications were handed over, and returns them.
func (r *recorder) waitIDs(t *testing.T, n int) []int64 {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		if ids := r.ids(); len(ids) >= n {
			return ids
		}
		select {
		case <-r.got:
		case <-deadline:
			t.Fatalf("handed over %v, want %d notifications", r.ids(), n)
		}
	}
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// fixture is a real SQLite log, a Sequencer over it and what it handed out.
type fixture struct {
	db  *sqlstore.DB
	seq *relay.Sequencer
	out *recorder
	uid int64
}

func newFixture(t *testing.T, cfg relay.Config) *fixture {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var u parkmate.User
	if err := db.Update(context.Background(), func(tx *sqlstore.Tx) (err error) {
		u, err = tx.CreateUser(parkmate.User{Username: "dana", Role: parkmate.RoleDriver, PasswordHash: "x"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, out: newRecorder(), uid: u.ID}
	f.seq = relay.NewSequencer(db, f.out, cfg, quiet)
	if err := f.seq.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); f.seq.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return f
}

// commit stores n notifications that nobody announces, and returns them as
// the broker would carry them.
func (f *fixture) commit(t *testing.T, n int) []broker.Message {
	t.Helper()
	var msgs []broker.Message
	err := f.db.Update(context.Background(), func(tx *sqlstore.Tx) error {
		for i := 0; i < n; i++ {
			note, err := tx.AddNotification(parkmate.Notification{UserID: f.uid, Type: parkmate.LevelInfo, Message: "m"})
			if err != nil {
				return err
			}
			m, err := broker.NotificationMessage(note)
			if err != nil {
				return err
			}
			msgs = append(msgs, m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

func idsOf(msgs []broker.Message) []int64 {
	var out []int64
	for _, m := range msgs {
		out = append(out, m.ID)
	}
	return out
}

// slow keeps the log out of a test that checks what the broker alone
// brings: gaps wait, and checks come, far later than the test lasts.
var slow = relay.Config{CheckInterval: time.Hour, GapGrace: time.Hour}

func TestSequencerHandsOverInIDOrderOnce(t *testing.T) {
	tests := []struct {
		name    string
		deliver func(m []broker.Message) [][]broker.Message // the broker's batches, from 5 committed
	}{
		{"in order", func(m []broker.Message) [][]broker.Message { return [][]broker.Message{m} }},
		{"one by one, reversed", func(m []broker.Message) [][]broker.Message {
			return [][]broker.Message{m[4:5], m[3:4], m[2:3], m[1:2], m[0:1]}
		}},
		{"every message twice", func(m []broker.Message) [][]broker.Message { return [][]broker.Message{m[:3], m, m[2:], m} }},
		{"a late duplicate of an early one", func(m []broker.Message) [][]broker.Message {
			return [][]broker.Message{m[1:3], m[0:1], m[3:], m[0:2]}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, slow)
			msgs := f.commit(t, 5)
			for _, b := range tc.deliver(msgs) {
				f.seq.Handle(slices.Clone(b))
			}
			if got, want := f.out.ids(), idsOf(msgs); !slices.Equal(got, want) {
				t.Fatalf("handed over %v, want %v", got, want)
			}
		})
	}
}

func TestSequencerReadsAGapFromTheLog(t *testing.T) {
	f := newFixture(t, relay.Config{CheckInterval: time.Hour, GapGrace: 20 * time.Millisecond})
	msgs := f.commit(t, 4)
	// The broker lost the first two: the last two wait, then the log fills
	// the gap.
	f.seq.Handle(slices.Clone(msgs[2:]))
	if got := f.out.waitIDs(t, 4); !slices.Equal(got, idsOf(msgs)) {
		t.Fatalf("handed over %v, want %v", got, idsOf(msgs))
	}
	if f.seq.Filled() != 2 {
		t.Fatalf("filled %d from the log, want 2", f.seq.Filled())
	}
}

func TestSequencerCheckFindsWhatNoMessageRevealed(t *testing.T) {
	f := newFixture(t, relay.Config{CheckInterval: 20 * time.Millisecond, GapGrace: time.Hour})
	msgs := f.commit(t, 3) // the broker carries none of them
	if got := f.out.waitIDs(t, 3); !slices.Equal(got, idsOf(msgs)) {
		t.Fatalf("handed over %v, want %v", got, idsOf(msgs))
	}
}

func TestSequencerPassesOtherMessagesAtOnce(t *testing.T) {
	f := newFixture(t, slow)
	msgs := f.commit(t, 2)
	f.seq.Handle([]broker.Message{msgs[1], broker.ReadMessage(f.uid, []int64{1}), broker.SessionEndedMessage(f.uid, "s1")})
	f.out.mu.Lock()
	kinds := []broker.Kind{}
	for _, m := range f.out.msgs {
		kinds = append(kinds, m.Kind)
	}
	f.out.mu.Unlock()
	if !slices.Equal(kinds, []broker.Kind{broker.KindReadState, broker.KindSessionEnded}) {
		t.Fatalf("kinds handed over while a notification waits: %v", kinds)
	}
	f.seq.Handle(msgs[:1])
	if got := f.out.ids(); !slices.Equal(got, idsOf(msgs)) {
		t.Fatalf("handed over %v", got)
	}
}

func TestSequencerDropsBeyondMaxPendingAndReadsThemLater(t *testing.T) {
	f := newFixture(t, relay.Config{CheckInterval: time.Hour, GapGrace: 20 * time.Millisecond, MaxPending: 2})
	msgs := f.commit(t, 6)
	f.seq.Handle(slices.Clone(msgs[1:])) // five wait behind a gap; room for two
	if got := f.out.waitIDs(t, 6); !slices.Equal(got, idsOf(msgs)) {
		t.Fatalf("handed over %v, want %v", got, idsOf(msgs))
	}
}

func TestSequencerFollowsALogThatWentBack(t *testing.T) {
	f := newFixture(t, relay.Config{CheckInterval: 20 * time.Millisecond, GapGrace: 20 * time.Millisecond})
	f.seq.Handle(f.commit(t, 5))
	f.out.waitIDs(t, 5)
	// The database is restored from a backup taken two notifications ago.
	if err := f.db.Update(context.Background(), func(tx *sqlstore.Tx) error {
		return tx.DiscardNotificationsAfter(3)
	}); err != nil {
		t.Fatal(err)
	}
	// The next check follows the log back. (Ids committed before it runs
	// would be taken for duplicates: restart nodes after a restore.)
	for deadline := time.Now().Add(10 * time.Second); f.seq.Head() != 3; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("head %d, want 3 after the restore", f.seq.Head())
		}
	}
	again := f.commit(t, 2) // ids 4 and 5 once more, new notifications
	if idsOf(again)[0] != 4 {
		t.Fatalf("ids after the restore: %v", idsOf(again))
	}
	got := f.out.waitIDs(t, 7)
	if !slices.Equal(got[5:], []int64{4, 5}) {
		t.Fatalf("after the restore the node handed over %v, want 4 and 5 again", got[5:])
	}
}
